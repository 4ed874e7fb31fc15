"""Per-model running totals and the leaderboard made from them.

The totals live in the job document and are incremented in the same transaction that
records a combination, so they are exact under duplicate delivery, and finishing a job
writes the leaderboard without reading every comparison. Increments are blind writes:
parallel lanes never wait on each other to read-modify-write the job document.
"""

from __future__ import annotations

from vidcompare.documents import JudgeStats, ModelStats
from vidcompare.schemas import Comparison, LeaderboardEntry


def stats_delta(comparison: Comparison) -> dict[str, ModelStats]:
    """What one comparison adds to each model's totals (applied as Firestore increments)."""
    delta: dict[str, ModelStats] = {}
    for result in comparison.results:
        failed = bool(result.error)
        delta[result.model_id] = ModelStats(
            model_name=result.model_name,
            input_tokens=result.usage.input_tokens,
            output_tokens=result.usage.output_tokens,
            total_tokens=result.usage.total_tokens,
            estimated_cost_usd=result.usage.estimated_cost_usd,
            unpriced_calls=result.usage.unpriced_calls,
            errors=int(failed),
            answered=int(not failed),
            latency_ms_sum=0 if failed else result.latency_ms,
        )
    scores = {e.model_id: e.score for e in comparison.evaluation if e.score}
    for model_id, score in scores.items():
        delta[model_id].score_sum = score
        delta[model_id].scored = 1
    if scores:
        best = max(scores.values())
        winners = [m for m, s in scores.items() if s == best]
        for model_id in winners:  # a tie shares the win
            delta[model_id].wins = 1 / len(winners)
    return delta


def judge_delta(comparison: Comparison) -> JudgeStats:
    """What one comparison adds to the judge's totals."""
    usage = comparison.judge_usage
    judged = comparison.judge_error is None and any(e.score for e in comparison.evaluation)
    consistent = comparison.position_consistent
    return JudgeStats(
        swapped=int(consistent is not None),
        consistent=int(bool(consistent)),
        judged=int(judged),
        errors=int(comparison.judge_error is not None),
        latency_ms_sum=comparison.judge_latency_ms if judged else 0,
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        total_tokens=usage.total_tokens,
        estimated_cost_usd=usage.estimated_cost_usd,
        unpriced_calls=usage.unpriced_calls,
    )


def leaderboard_from_stats(
    stats: dict[str, ModelStats], models: list[str]
) -> list[LeaderboardEntry]:
    rows = []
    for model_id in models:
        totals = stats.get(model_id) or ModelStats()
        rows.append(
            LeaderboardEntry(
                rank=0,
                model_id=model_id,
                model_name=totals.model_name or model_id,
                mean_score=totals.mean_score,
                scored=totals.scored,
                wins=round(totals.wins, 2),
                mean_latency_ms=totals.mean_latency_ms,
                errors=totals.errors,
                total_tokens=totals.total_tokens,
                estimated_cost_usd=round(totals.estimated_cost_usd, 6),
                unpriced_calls=totals.unpriced_calls,
            )
        )
    rows.sort(key=lambda r: (-(r.mean_score or 0), -r.wins, r.mean_latency_ms or 0))
    return [row.model_copy(update={"rank": rank}) for rank, row in enumerate(rows, start=1)]
