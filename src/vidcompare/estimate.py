"""What a batch will take before it runs: calls, seconds and dollars.

Latencies and token counts come from the caller's recent completed jobs when there
are any; otherwise the seed's rule of thumb (15 s per model call, 1 s for an offline
analyzer, plus 20 %) and token counts derived from the videos' durations at each model
family's video token rate (Gemini 2.5: 258 tokens per frame, Gemini 3 and later: 70,
plus 32 of audio per second), with an allowance for thinking tokens. Costs follow the
bill: audio at the audio price, the long-context tier, today's price (see
:mod:`vidcompare.prices`).
"""

from __future__ import annotations

import math

from vidcompare import limiter, store
from vidcompare.documents import CallTotals, JobDoc
from vidcompare.plan import Plan
from vidcompare.prices import TokenCount, cost_usd, price_of
from vidcompare.providers.registry import default_registry
from vidcompare.schemas import DryRunAnswer, ModelEstimate

DEFAULT_CALL_SECONDS = 15.0
# The offline analyzers decode the video on this machine: about a second per call for a
# short clip, not a remote model's 15 s (measured: 0.1 s for a 2 s clip).
OFFLINE_CALL_SECONDS = 1.0
SAFETY_FACTOR = 1.2
DEFAULT_ANSWER_TOKENS = 400
JUDGE_INSTRUCTION_TOKENS = 200
HISTORY_JOBS = 20


def _measured(history: list[JobDoc], model_id: str, *, judge: bool) -> dict[str, float]:
    """Per-call means of one model (or judge) over earlier jobs; {} if never measured."""
    calls = latency = inputs = outputs = 0.0
    for job in history:
        totals: CallTotals | None
        if judge:
            totals = job.judge_stats if job.judge_model == model_id else None
            count = totals.judged if totals else 0
        else:
            totals = job.stats.get(model_id)
            count = totals.answered if totals else 0
        if totals is None or not count:
            continue
        calls += count
        latency += totals.latency_ms_sum
        inputs += totals.input_tokens
        outputs += totals.output_tokens
    if not calls:
        return {}
    return {
        "seconds": latency / calls / 1000,
        "input_tokens": inputs / calls,
        "output_tokens": outputs / calls,
    }


def _calls_per_video(plan: Plan) -> dict[str, int]:
    """How many combinations each video has."""
    counts: dict[str, int] = {}
    for index in range(plan.total):
        video_id, _ = plan.combination(index)
        counts[video_id] = counts.get(video_id, 0) + 1
    return counts


def quota_bound(
    combinations: int, models: list[str], judge_model: str, judge_swaps: int
) -> tuple[str | None, float]:
    """The model whose quota takes longest to serve the batch's calls, and how long: its
    calls at the steady rate the shared limiter allows (the limit less its burst)."""
    calls: dict[str, int] = {}
    for model_id in models:
        calls[model_id] = calls.get(model_id, 0) + combinations
    calls[judge_model] = calls.get(judge_model, 0) + combinations * judge_swaps
    slowest, seconds = None, 0.0
    for model_id, count in calls.items():
        rpm = limiter.quota_for(model_id).rpm
        if not rpm:
            continue
        burst = limiter.burst_of(rpm)
        needed = max(0.0, count - burst) * 60 / max(1.0, rpm - burst)
        if needed > seconds:
            slowest, seconds = model_id, needed
    return slowest, seconds


def estimate_batch(
    plan: Plan,
    models: list[str],
    judge_model: str,
    lanes: int,
    *,
    owner: str | None,
    judge_swaps: int = 1,
) -> DryRunAnswer:
    registry = default_registry()
    history = store.recent_completed_jobs(owner=owner, limit=HISTORY_JOBS)
    durations = store.video_durations(plan.video_ids)
    known_seconds = [d for d in durations.values() if d]
    fallback_seconds = sum(known_seconds) / len(known_seconds) if known_seconds else 60.0
    # Each video is costed on its own: one long video may cross a long-context tier.
    videos = [
        (durations.get(video_id) or fallback_seconds, count)
        for video_id, count in _calls_per_video(plan).items()
    ]
    mean_prompt_tokens = sum(len(p) for p in plan.prompts) / len(plan.prompts) / 4

    rows, costs, unpriced = [], [], []
    for model_id, is_judge in [*((m, False) for m in models), (judge_model, True)]:
        measured = _measured(history, model_id, judge=is_judge)
        rates = registry.token_rates(model_id)
        # A measured judge's figures are per combination (both swaps); a default is per call.
        calls = judge_swaps if is_judge and not measured else 1
        per_video = []
        for seconds, count in videos:
            audio = rates.audio_tokens_per_second * seconds
            inputs = (
                rates.frame_tokens_per_second * seconds + audio + mean_prompt_tokens
                if rates.counts_tokens
                else 0.0
            )
            if is_judge and rates.counts_tokens:
                inputs += JUDGE_INSTRUCTION_TOKENS + DEFAULT_ANSWER_TOKENS * len(models)
            outputs = (
                DEFAULT_ANSWER_TOKENS + rates.thinking_tokens_per_call if rates.counts_tokens else 0
            )
            inputs = measured.get("input_tokens", inputs)
            outputs = measured.get("output_tokens", outputs)
            tokens = TokenCount(
                prompt=round(inputs), audio=round(min(audio, inputs)), output=round(outputs)
            )
            per_video.append((count, inputs, outputs, cost_usd(model_id, tokens) * calls))
        total = sum(count for count, *_ in per_video)
        inputs = sum(count * i for count, i, _, _ in per_video) / total
        outputs = sum(count * o for count, _, o, _ in per_video) / total
        cost = sum(count * c for count, _, _, c in per_video) / total  # per combination
        priced = not rates.counts_tokens or price_of(model_id) is not None
        default_seconds = DEFAULT_CALL_SECONDS if rates.counts_tokens else OFFLINE_CALL_SECONDS
        if not priced and model_id not in unpriced:
            unpriced.append(model_id)
        costs.append(cost)
        rows.append(
            ModelEstimate(
                model_id=model_id,
                role="judge" if is_judge else "model",
                basis="measured" if measured else "default",
                seconds_per_call=round(measured.get("seconds", default_seconds) * calls, 3),
                input_tokens_per_call=round(inputs),
                output_tokens_per_call=round(outputs),
                video_tokens_per_second=rates.frame_tokens_per_second
                + rates.audio_tokens_per_second,
                cost_per_call_usd=round(cost / calls, 6) if priced else None,
            )
        )
    # Models of a combination run at once: a combination takes its slowest model plus
    # the judge (each of its swaps); lanes run side by side.
    per_combination = max(r.seconds_per_call for r in rows[:-1]) + rows[-1].seconds_per_call
    rounds = math.ceil(plan.total / lanes)
    by_lanes = per_combination * rounds
    bound_by, by_quota = quota_bound(plan.total, models, judge_model, judge_swaps)
    return DryRunAnswer(
        total_combinations=plan.total,
        total_videos=len(plan.video_ids),
        total_prompts=len(plan.prompts),
        models=models,
        judge_model=judge_model,
        concurrency=lanes,
        model_calls=plan.total * len(models),
        judge_calls=plan.total * judge_swaps,
        estimated_seconds=round(max(by_lanes, by_quota) * SAFETY_FACTOR, 1),
        bound_by=bound_by if by_quota > by_lanes else None,
        estimated_cost_usd=round(sum(costs) * plan.total * SAFETY_FACTOR, 4),
        per_model=rows,
        unpriced_models=unpriced,
    )
