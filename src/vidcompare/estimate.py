"""What a batch will take before it runs: calls, seconds and dollars.

Latencies and token counts come from the caller's recent completed jobs when there
are any; otherwise the seed's rule of thumb (15 s per model call, plus 20 %) and token
counts derived from the videos' durations at each model family's video token rate
(Gemini 2.5: 258 tokens per frame, Gemini 3 and later: 70, plus 32 of audio per
second), with an allowance for thinking tokens. Costs follow the bill: audio at the
audio price, the long-context tier, today's price (see :mod:`vidcompare.prices`).
"""

from __future__ import annotations

import math
from typing import Any

from vidcompare import store
from vidcompare.plan import Plan
from vidcompare.prices import TokenCount, cost_usd, price_of
from vidcompare.providers.gemini import known
from vidcompare.providers.gemini.catalogue import PROVIDER as GEMINI
from vidcompare.providers.registry import default_registry
from vidcompare.schemas import DryRunAnswer, ModelEstimate

DEFAULT_CALL_SECONDS = 15.0
SAFETY_FACTOR = 1.2
DEFAULT_ANSWER_TOKENS = 400
JUDGE_INSTRUCTION_TOKENS = 200
HISTORY_JOBS = 20


def _measured(history: list[dict[str, Any]], model_id: str, key: str) -> dict[str, float]:
    """Per-call means of one model (or judge) over earlier jobs; {} if never measured."""
    calls = latency = inputs = outputs = 0.0
    for job in history:
        if key == "judge_stats":
            totals = job.get("judge_stats") if job.get("judge_model") == model_id else None
            count_field = "judged"
        else:
            totals = (job.get("stats") or {}).get(model_id)
            count_field = "answered"
        if not totals or not totals.get(count_field):
            continue
        calls += totals[count_field]
        latency += totals.get("latency_ms_sum", 0)
        inputs += totals.get("input_tokens", 0)
        outputs += totals.get("output_tokens", 0)
    if not calls:
        return {}
    return {
        "seconds": latency / calls / 1000,
        "input_tokens": inputs / calls,
        "output_tokens": outputs / calls,
    }


def _token_rates(model_id: str) -> tuple[int, int, int]:
    """(frame tokens/s, audio tokens/s, thinking tokens per call) of a model; offline
    models count no tokens."""
    if default_registry().provider_of(model_id) != GEMINI:
        return 0, 0, 0
    frames, audio = known.video_tokens_per_second(model_id)
    return frames, audio, known.thinking_allowance(model_id)


def estimate_batch(
    plan: Plan, models: list[str], judge_model: str, lanes: int, *, owner: str | None
) -> DryRunAnswer:
    history = store.recent_job_stats(owner=owner, limit=HISTORY_JOBS)
    durations = store.video_durations(plan.video_ids)
    mean_seconds = sum(durations.values()) / len(durations) if durations else 60.0
    mean_prompt_tokens = sum(len(p) for p in plan.prompts) / len(plan.prompts) / 4

    rows, costs, unpriced = [], [], []
    for model_id, key in [*((m, "stats") for m in models), (judge_model, "judge_stats")]:
        measured = _measured(history, model_id, key)
        is_judge = key == "judge_stats"
        frames, audio_rate, thinking = _token_rates(model_id)
        audio = audio_rate * mean_seconds if frames else 0.0
        default_input = (frames + audio_rate) * mean_seconds + mean_prompt_tokens
        if is_judge and frames:
            default_input += JUDGE_INSTRUCTION_TOKENS + DEFAULT_ANSWER_TOKENS * len(models)
        inputs = measured.get("input_tokens", default_input)
        outputs = measured.get("output_tokens", (DEFAULT_ANSWER_TOKENS + thinking) if frames else 0)
        audio = min(audio, inputs)  # the video's audio, whatever else was measured
        priced = frames == 0 or price_of(model_id) is not None
        cost = cost_usd(
            model_id, TokenCount(prompt=round(inputs), audio=round(audio), output=round(outputs))
        )
        costs.append(cost)
        if not priced and model_id not in unpriced:
            unpriced.append(model_id)
        rows.append(
            ModelEstimate(
                model_id=model_id,
                role="judge" if is_judge else "model",
                basis="measured" if measured else "default",
                seconds_per_call=round(measured.get("seconds", DEFAULT_CALL_SECONDS), 3),
                input_tokens_per_call=round(inputs),
                output_tokens_per_call=round(outputs),
                video_tokens_per_second=frames + audio_rate,
                cost_per_call_usd=round(cost, 6) if priced else None,
            )
        )
    # Models of a combination run at once: a combination takes its slowest model plus
    # the judge; lanes run side by side.
    per_combination = max(r.seconds_per_call for r in rows[:-1]) + rows[-1].seconds_per_call
    rounds = math.ceil(plan.total / lanes)
    return DryRunAnswer(
        total_combinations=plan.total,
        total_videos=len(plan.video_ids),
        total_prompts=len(plan.prompts),
        models=models,
        judge_model=judge_model,
        concurrency=lanes,
        model_calls=plan.total * len(models),
        judge_calls=plan.total,
        estimated_seconds=round(per_combination * rounds * SAFETY_FACTOR, 1),
        estimated_cost_usd=round(sum(costs) * plan.total * SAFETY_FACTOR, 4),
        per_model=rows,
        unpriced_models=unpriced,
    )
