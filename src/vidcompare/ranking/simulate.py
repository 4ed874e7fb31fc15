"""Synthetic combinations from known Bradley–Terry strengths, for tests and the benchmark.

In a combination where every model is scored, the scores are log strength + Gumbel noise:
the difference of two Gumbels is logistic, so P(i scores above j) = s_i / (s_i + s_j)
exactly. Some combinations score only two models (the others failed) and may tie there: the
pair is decided by two independent draws, a tie when they disagree, so a tie happens with
probability 2p(1 - p) and i's expected credit (wins + ties / 2) is p² + p(1 - p) = p; the
true strengths stay the right answer for a fit that counts a tie as half a win.
"""

from __future__ import annotations

import numpy as np

from vidcompare.ranking.rows import ScoreRows

TRUE_STRENGTHS = np.array([1.0, 2.0, 4.0, 8.0])


def simulated_scores(
    rng: np.random.Generator,
    combinations: int,
    strengths: np.ndarray = TRUE_STRENGTHS,
    pair_share: float = 0.3,
) -> np.ndarray:
    """Scores (combinations, M) around 5; NaN where a model was not scored."""
    m = len(strengths)
    log_strength = np.log(strengths)
    scores = 5 + log_strength + rng.gumbel(size=(combinations, m))
    pairs = np.flatnonzero(rng.random(combinations) < pair_share)
    scores[pairs] = np.nan
    chosen = np.argsort(rng.random((len(pairs), m)), axis=1)[:, :2]  # two distinct models
    first, second = log_strength[chosen[:, 0]], log_strength[chosen[:, 1]]
    p_first = 1 / (1 + np.exp(second - first))
    draws = rng.random((len(pairs), 2)) < p_first[:, None]  # True: the first model wins a draw
    margin = np.where(draws[:, 0] == draws[:, 1], np.where(draws[:, 0], 1.0, -1.0), 0.0)
    scores[pairs, chosen[:, 0]] = 5 + margin
    scores[pairs, chosen[:, 1]] = 5 - margin
    return scores


def simulated_rows(
    rng: np.random.Generator,
    combinations: int,
    strengths: np.ndarray = TRUE_STRENGTHS,
    *,
    prompts: int = 1,
    videos: int = 10,
) -> ScoreRows:
    """A full ``ScoreRows`` around ``simulated_scores``: one judge (half of the combinations
    swapped, 80 % consistent), three jobs, latencies and prices for every answer."""
    scores = simulated_scores(rng, combinations, strengths)
    shape = scores.shape
    swapped = rng.random(combinations) < 0.5
    consistent = np.where(swapped, (rng.random(combinations) < 0.8).astype(float), np.nan)
    return ScoreRows(
        models=[f"strength-{s:g}" for s in strengths],
        scores=scores,
        latency_ms=rng.uniform(1000, 9000, shape),
        cost_usd=np.full(shape, 0.01),
        errors=np.zeros(shape, dtype=bool),
        prompt=rng.integers(0, prompts, combinations),
        prompts=[f"prompt {p}" for p in range(prompts)],
        video=rng.integers(0, videos, combinations),
        videos=[f"video-{v}" for v in range(videos)],
        consistent=consistent,
        judge=np.zeros(combinations, dtype=np.int64),
        judges=["judge"],
        job=rng.integers(0, 3, combinations),
        jobs=["job-a", "job-b", "job-c"],
    )
