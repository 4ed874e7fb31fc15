"""What a batch will take before it runs: calls, seconds and dollars.

Latencies and token counts come from the caller's recent completed jobs when there
are any; otherwise the seed's rule of thumb (15 s per model call, plus 20 %) and token
counts derived from the videos' durations.
"""

from __future__ import annotations

import math
from typing import Any

from vidcompare import store
from vidcompare.plan import Plan
from vidcompare.prices import estimate_cost
from vidcompare.schemas import DryRunAnswer, ModelEstimate

DEFAULT_CALL_SECONDS = 15.0
SAFETY_FACTOR = 1.2
# Gemini counts about 300 tokens per second of video at the default resolution.
VIDEO_TOKENS_PER_SECOND = 300
DEFAULT_ANSWER_TOKENS = 400
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


def estimate_batch(
    plan: Plan, models: list[str], judge_model: str, lanes: int, *, owner: str | None
) -> DryRunAnswer:
    history = store.recent_job_stats(owner=owner, limit=HISTORY_JOBS)
    durations = store.video_durations(plan.video_ids)
    mean_video_tokens = VIDEO_TOKENS_PER_SECOND * (
        sum(durations.values()) / len(durations) if durations else 60.0
    )
    mean_prompt_tokens = sum(len(p) for p in plan.prompts) / len(plan.prompts) / 4
    default_input = mean_video_tokens + mean_prompt_tokens

    rows = []
    for model_id, key in [*((m, "stats") for m in models), (judge_model, "judge_stats")]:
        measured = _measured(history, model_id, key)
        is_judge = key == "judge_stats"
        rows.append(
            ModelEstimate(
                model_id=model_id,
                role="judge" if is_judge else "model",
                basis="measured" if measured else "default",
                seconds_per_call=round(measured.get("seconds", DEFAULT_CALL_SECONDS), 3),
                input_tokens_per_call=round(
                    measured.get(
                        "input_tokens",
                        default_input + (DEFAULT_ANSWER_TOKENS * len(models) if is_judge else 0),
                    )
                ),
                output_tokens_per_call=round(measured.get("output_tokens", DEFAULT_ANSWER_TOKENS)),
            )
        )
    # Models of a combination run at once: a combination takes its slowest model plus
    # the judge; lanes run side by side.
    per_combination = max(r.seconds_per_call for r in rows[:-1]) + rows[-1].seconds_per_call
    rounds = math.ceil(plan.total / lanes)
    cost = sum(
        estimate_cost(r.model_id, r.input_tokens_per_call, r.output_tokens_per_call) * plan.total
        for r in rows
    )
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
        estimated_cost_usd=round(cost * SAFETY_FACTOR, 4),
        per_model=rows,
    )
