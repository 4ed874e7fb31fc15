"""The cross-job leaderboard: every statistic of one ``ScoreRows``, in the answer's shape.

One bootstrap pass serves the mean scores and the Bradley–Terry strengths: the same
resampled combinations, so the two kinds of interval describe the same uncertainty.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Literal, get_args

import numpy as np

from vidcompare.ranking.answer import (
    Interval,
    JudgeConsistency,
    Leaderboard,
    MatrixCell,
    ModelStanding,
    PromptModelScore,
    PromptScores,
    PromptWinner,
    ScoreMatrix,
)
from vidcompare.ranking.bootstrap import bootstrap_means, percentile_interval, resampled_sums
from vidcompare.ranking.bradley_terry import (
    BT_RESAMPLES,
    DEFAULT_PRIOR,
    BTStrength,
    pairwise_outcomes,
    strengths_with_ci,
)
from vidcompare.ranking.rows import ScoreRows

Grouping = Literal["model", "prompt", "prompt_tag"]
MEAN_RESAMPLES = 1000


def leaderboard(
    rows: ScoreRows,
    *,
    by: Grouping = "model",
    resamples: int = MEAN_RESAMPLES,
    bt_resamples: int = BT_RESAMPLES,
    seed: int = 0,
    prior: float = DEFAULT_PRIOR,
    filters: Mapping[str, Any] | None = None,
) -> Leaderboard:
    """The leaderboard of ``rows``; the same input and seed give the same answer.

    ``by`` = "prompt" or "prompt_tag" adds ``by_prompt`` and ``prompt_winners`` (for
    "prompt_tag" the caller passes rows whose ``prompts`` are the tags).
    """
    if by not in get_args(Grouping):
        raise ValueError(f"by must be one of {', '.join(get_args(Grouping))}, not {by!r}")
    if resamples < 1 or bt_resamples < 1:
        raise ValueError("resamples and bt_resamples must be at least 1")
    rng = np.random.default_rng(seed)
    n, m = rows.scores.shape
    scored = ~np.isnan(rows.scores)
    filled = np.where(scored, rows.scores, 0.0)
    outcomes = pairwise_outcomes(rows.scores).reshape(n, m * m)
    sums = resampled_sums(np.hstack([filled, scored, outcomes]), rng, max(resamples, bt_resamples))
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_low, mean_high = percentile_interval(
            sums[:resamples, :m] / sums[:resamples, m : 2 * m]
        )
    resampled_wins = sums[:bt_resamples, 2 * m :].reshape(bt_resamples, m, m)
    # A resample that drew no comparison at all says nothing (its fit is the prior's 1):
    # with few combinations it would pin an interval's end at 1000.
    drew = resampled_wins.sum(axis=(1, 2)) > 0
    if drew.any():
        resampled_wins = resampled_wins[drew]
    strengths = strengths_with_ci(outcomes.sum(axis=0).reshape(m, m), resampled_wins, prior)
    counts = scored.sum(axis=0)
    means = [_mean(filled[:, j].sum(), counts[j]) for j in range(m)]
    standings = [
        _standing(rows, j, int(counts[j]), means[j], _interval(mean_low[j], mean_high[j]), bt)
        for j, bt in enumerate(strengths)
    ]
    standings.sort(key=_rank_key)
    for rank, standing in enumerate(standings, start=1):
        standing.rank = rank
    grouped = by != "model"
    by_prompt = (
        _by_prompt(rows, rng, resamples, tags_are_prompts=by == "prompt_tag") if grouped else []
    )
    return Leaderboard(
        comparisons=n,
        jobs=len(np.unique(rows.job)),
        models=standings,
        judges=_judges(rows),
        matrix=_matrix(rows),
        by_prompt=by_prompt if grouped else None,
        prompt_winners=_prompt_winners(rows, by_prompt) if grouped else None,
        filters=dict(filters or {}),
        resamples=resamples,
        seed=seed,
    )


def _standing(
    rows: ScoreRows,
    j: int,
    combinations: int,
    mean: float | None,
    mean_ci: Interval | None,
    bt: BTStrength,
) -> ModelStanding:
    latency, cost = rows.latency_ms[:, j], rows.cost_usd[:, j]
    priced = ~np.isnan(cost)
    mean_cost = _mean(cost[priced].sum(), priced.sum())
    has_ci = bt.ci_low is not None and bt.ci_high is not None
    return ModelStanding(
        rank=0,  # set once all are sorted
        model_id=rows.models[j],
        model_name=rows.names[j],
        combinations=combinations,
        mean_score=mean,
        mean_ci=mean_ci,
        win_rate=bt.win_rate,
        pairwise=bt.pairwise,
        strength=bt.strength,
        strength_ci=(bt.ci_low, bt.ci_high) if has_ci else None,
        rating=bt.rating,
        rating_ci=(bt.rating_low, bt.rating_high) if has_ci else None,
        connected=bt.connected,
        mean_latency_ms=_mean(np.nansum(latency), (~np.isnan(latency)).sum()),
        cost_per_100_usd=None if mean_cost is None else 100 * mean_cost,
        errors=int(rows.errors[:, j].sum()),
    )


def _rank_key(standing: ModelStanding) -> tuple[bool, float, float, str]:
    """Connected models first, then by strength, then by mean score (unknown last)."""
    strength = -standing.strength if standing.strength is not None else math.inf
    mean = -standing.mean_score if standing.mean_score is not None else math.inf
    return (not standing.connected, strength, mean, standing.model_id)


def _judges(rows: ScoreRows) -> list[JudgeConsistency]:
    answer = []
    for g, judge_model in enumerate(rows.judges):
        consistent = rows.consistent[rows.judge == g]
        swapped = int((~np.isnan(consistent)).sum())
        answer.append(
            JudgeConsistency(
                judge_model=judge_model,
                combinations=len(consistent),
                swapped=swapped,
                position_consistency=_mean(np.nansum(consistent), swapped),
            )
        )
    return answer


def _matrix(rows: ScoreRows) -> ScoreMatrix:
    scored = ~np.isnan(rows.scores)
    shape = (len(rows.prompts), len(rows.models))
    totals, counts = np.zeros(shape), np.zeros(shape, dtype=np.int64)
    np.add.at(totals, rows.prompt, np.where(scored, rows.scores, 0.0))
    np.add.at(counts, rows.prompt, scored)
    cells = [
        [
            MatrixCell(mean=float(totals[p, j] / counts[p, j]), n=int(counts[p, j]))
            if counts[p, j]
            else None
            for j in range(shape[1])
        ]
        for p in range(shape[0])
    ]
    return ScoreMatrix(models=list(rows.models), prompts=list(rows.prompts), cells=cells)


def _by_prompt(
    rows: ScoreRows, rng: np.random.Generator, resamples: int, *, tags_are_prompts: bool
) -> list[PromptScores]:
    """Per prompt, every model's mean with a CI from resampling that prompt's combinations."""
    answer = []
    for p, prompt in enumerate(rows.prompts):
        scores = rows.scores[rows.prompt == p]
        means, low, high = bootstrap_means(scores, rng, resamples)
        counts = (~np.isnan(scores)).sum(axis=0)
        tag = prompt if tags_are_prompts else (rows.prompt_tags or [None] * len(rows.prompts))[p]
        models = [
            PromptModelScore(
                model_id=model_id,
                mean_score=float(means[j]) if counts[j] else None,
                mean_ci=_interval(low[j], high[j]) if counts[j] else None,
                n=int(counts[j]),
            )
            for j, model_id in enumerate(rows.models)
        ]
        answer.append(PromptScores(prompt=prompt, tag=tag, combinations=len(scores), models=models))
    return answer


def _prompt_winners(rows: ScoreRows, by_prompt: list[PromptScores]) -> list[PromptWinner]:
    """Per model its best prompt; clear when that prompt's CI is above every other's.

    A model scored on a single prompt has nothing to win against, and one whose best mean
    is shared by another prompt has a tie: neither names a winner.
    """
    answer = []
    for j, model_id in enumerate(rows.models):
        scored = [
            (group.prompt, group.models[j])
            for group in by_prompt
            if group.models[j].n and group.models[j].mean_score is not None
        ]
        if len(scored) < 2:
            continue
        best_prompt, best = max(scored, key=lambda item: _or_lowest(item[1].mean_score))
        others = [score for prompt, score in scored if prompt != best_prompt]
        if any(math.isclose(o.mean_score or 0, best.mean_score or 0) for o in others):
            continue
        clear = all(
            best.mean_ci is not None
            and other.mean_ci is not None
            and best.mean_ci[0] > other.mean_ci[1]
            for other in others
        )
        answer.append(
            PromptWinner(
                model_id=model_id, prompt=best_prompt, mean_score=best.mean_score, clear=clear
            )
        )
    return answer


def _or_lowest(value: float | None) -> float:
    return -math.inf if value is None else value


def _mean(total: float, count: int) -> float | None:
    return float(total / count) if count else None


def _interval(low: float, high: float) -> Interval | None:
    return None if math.isnan(low) or math.isnan(high) else (float(low), float(high))
