"""Bradley–Terry strengths from within-combination pairwise outcomes, with bootstrap CIs.

Within a combination every pair of models that were both scored is one comparison: the
higher score wins, equal scores are a tie worth half a win to each. The strengths maximise
the Bradley–Terry likelihood plus a weak prior (``prior`` pseudo-comparisons of every model
against a reference of strength 1, half won and half lost), which keeps a model that never
loses finite and anchors models that were never compared with the rest. The fit is Newton's
method on log strengths with a backtracking line search, run on a whole batch of bootstrap
resamples at once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from vidcompare.ranking.bootstrap import percentile_interval, resampled_sums

DEFAULT_PRIOR = 1.0
BT_RESAMPLES = 200
_STEP_HALVINGS = 16
_LIKELIHOOD_RATIO_CUT = 3.841459 / 2  # the 95 % quantile of χ² with 1 degree of freedom, halved


@dataclass(frozen=True)
class BTStrength:
    """One model's strength (geometric mean 1 over the connected models) and its 95 % CI.

    All numbers are None for a model that was never compared with another.
    """

    strength: float | None
    ci_low: float | None
    ci_high: float | None
    connected: bool  # in the largest comparison component: comparable with the leaders
    pairwise: int  # comparisons the model was in
    win_rate: float | None  # (wins + ties / 2) / pairwise

    @property
    def rating(self) -> float | None:
        return elo(self.strength)

    @property
    def rating_low(self) -> float | None:
        return elo(self.ci_low)

    @property
    def rating_high(self) -> float | None:
        return elo(self.ci_high)


def elo(strength: float | None) -> float | None:
    """The Elo-scale rating of a strength: 1000 + 400·log10(strength)."""
    return None if strength is None else 1000 + 400 * math.log10(strength)


def pairwise_outcomes(scores: np.ndarray) -> np.ndarray:
    """Credit (N, M, M): [n, i, j] is 1 if i scored above j in combination n, ½ for a tie,
    0 if below or if either was not scored. ``credit + credit.T`` counts the comparisons."""
    left, right = scores[:, :, None], scores[:, None, :]
    both = ~np.isnan(left) & ~np.isnan(right)
    both &= ~np.eye(scores.shape[1], dtype=bool)
    credit = np.where(left > right, 1.0, np.where(left == right, 0.5, 0.0))
    return np.where(both, credit, 0.0)


def fit_bradley_terry(
    wins: np.ndarray,
    prior: float = DEFAULT_PRIOR,
    normalise_over: np.ndarray | None = None,
    *,
    tolerance: float = 1e-10,
    max_iterations: int = 100,
) -> np.ndarray:
    """Strengths from a win matrix (M, M) or a batch of them (R, M, M).

    ``wins[i, j]`` is i's credit against j (wins + ties / 2). Strengths are scaled to a
    geometric mean of 1 over ``normalise_over`` (a boolean mask; default every model).
    """
    batch = np.asarray(wins, dtype=float)
    single = batch.ndim == 2
    log_strength = _fit_log_strengths(
        batch[None] if single else batch, prior, tolerance, max_iterations
    )
    mask = np.ones(batch.shape[-1], dtype=bool) if normalise_over is None else normalise_over
    if mask.any():
        log_strength -= log_strength[:, mask].mean(axis=1, keepdims=True)
    strengths = np.exp(log_strength)
    return strengths[0] if single else strengths


def _fit_log_strengths(
    batch: np.ndarray, prior: float, tolerance: float = 1e-10, max_iterations: int = 100
) -> np.ndarray:
    """Log strengths (R, M) maximising the penalised likelihood, the reference at 0."""
    if not prior > 0:
        raise ValueError("prior must be positive: without it a model that never loses is infinite")
    log_strength = np.zeros(batch.shape[:2])
    for _ in range(max_iterations):
        gradient, hessian = _gradient_and_hessian(log_strength, batch, prior)
        step = np.linalg.solve(-hessian, gradient[..., None])[..., 0]
        step *= _step_sizes(log_strength, step, batch, prior)[:, None]
        log_strength += step
        if not np.abs(step).max(initial=0.0) > tolerance:
            break
    return log_strength


def _likelihood_bound(
    log_strength: np.ndarray, wins: np.ndarray, prior: float, model: int, direction: float
) -> float:
    """How far model's log strength can move in ``direction`` (the others held) before the
    penalised likelihood drops by the 95 % likelihood-ratio cut (χ²₁ 3.84 / 2).

    Used where the data put no limit on that side (a model that never lost, or never won):
    resamples of such data never lose either, so the bootstrap alone would be too sure.
    """

    def drop(distance: float) -> float:
        moved = log_strength.copy()
        moved[model] += direction * distance
        return float(best - _log_likelihood(moved[None], wins[None], prior)[0])

    best = float(_log_likelihood(log_strength[None], wins[None], prior)[0])
    low, high = 0.0, 1.0
    while drop(high) < _LIKELIHOOD_RATIO_CUT and high < 1e3:
        low, high = high, 2 * high
    for _ in range(60):  # bisection: the likelihood is concave
        middle = (low + high) / 2
        low, high = (middle, high) if drop(middle) < _LIKELIHOOD_RATIO_CUT else (low, middle)
    return float(log_strength[model] + direction * high)


def _log_sigmoid(x: np.ndarray) -> np.ndarray:
    return -np.logaddexp(0.0, -x)


def _log_likelihood(log_strength: np.ndarray, wins: np.ndarray, prior: float) -> np.ndarray:
    """The penalised log-likelihood of each batch element; log_strength is (R, ..., M)."""
    difference = log_strength[..., :, None] - log_strength[..., None, :]
    extra = log_strength.ndim - 2  # candidate axes between the batch and the models
    wins = wins.reshape(wins.shape[:1] + (1,) * extra + wins.shape[1:])
    fitted = (wins * _log_sigmoid(difference)).sum(axis=(-2, -1))
    reference = _log_sigmoid(log_strength) + _log_sigmoid(-log_strength)
    return fitted + prior / 2 * reference.sum(axis=-1)


def _gradient_and_hessian(
    log_strength: np.ndarray, wins: np.ndarray, prior: float
) -> tuple[np.ndarray, np.ndarray]:
    games = wins + wins.swapaxes(1, 2)
    beats = 1 / (1 + np.exp(log_strength[:, None, :] - log_strength[:, :, None]))  # P(i beats j)
    above_reference = 1 / (1 + np.exp(-log_strength))
    gradient = (wins - games * beats).sum(axis=2) + prior / 2 * (1 - 2 * above_reference)
    information = games * beats * (1 - beats)
    hessian = information.copy()
    diagonal = information.sum(axis=2) + prior * above_reference * (1 - above_reference)
    index = np.arange(log_strength.shape[1])
    hessian[:, index, index] = -diagonal
    return gradient, hessian


def _step_sizes(
    log_strength: np.ndarray, step: np.ndarray, wins: np.ndarray, prior: float
) -> np.ndarray:
    """Per batch element the largest of 1, ½, ¼, … that does not lower the likelihood."""
    sizes = 0.5 ** np.arange(_STEP_HALVINGS)
    candidates = log_strength[:, None, :] + sizes[None, :, None] * step[:, None, :]
    now = _log_likelihood(log_strength, wins, prior)
    better = _log_likelihood(candidates, wins, prior) >= now[:, None] - 1e-12 * np.abs(now)[:, None]
    return np.where(better.any(axis=1), sizes[better.argmax(axis=1)], 0.0)


def largest_component(games: np.ndarray) -> np.ndarray:
    """Mask of the models in the largest group linked by comparisons (ties: more
    comparisons, then the first column). Models never compared are in no group."""
    m = games.shape[0]
    linked = games > 0
    label = np.full(m, -1)
    for seed in range(m):
        if label[seed] >= 0 or not linked[seed].any():
            continue
        label[seed], frontier = seed, [seed]
        while frontier:
            model = frontier.pop()
            for other in np.flatnonzero(linked[model] & (label < 0)):
                label[other] = seed
                frontier.append(int(other))
    groups = [g for g in np.unique(label) if g >= 0]
    if not groups:
        return np.zeros(m, dtype=bool)
    best = max(groups, key=lambda g: ((label == g).sum(), games[label == g].sum(), -g))
    return label == best


def strengths_with_ci(
    wins: np.ndarray, resampled_wins: np.ndarray, prior: float = DEFAULT_PRIOR
) -> list[BTStrength]:
    """Strengths from the total win matrix (M, M), CIs from resampled ones (R, M, M)."""
    games = wins + wins.T
    pairwise = games.sum(axis=1)
    connected = largest_component(games)
    log_strength = _fit_log_strengths(wins[None], prior)[0]
    offset = log_strength[connected].mean() if connected.any() else 0.0
    fitted = np.exp(log_strength - offset)
    low, high = percentile_interval(fit_bradley_terry(resampled_wins, prior, connected))
    answer = []
    for i, count in enumerate(pairwise):
        compared = count > 0
        credit = wins[i].sum()
        if compared and credit == count:  # never lost: no upper limit in the data
            bound = _likelihood_bound(log_strength, wins, prior, i, +1.0)
            high[i] = max(high[i], math.exp(bound - offset))
        if compared and credit == 0:  # never won: no lower limit
            bound = _likelihood_bound(log_strength, wins, prior, i, -1.0)
            low[i] = min(low[i], math.exp(bound - offset))
        answer.append(
            BTStrength(
                strength=float(fitted[i]) if compared else None,
                ci_low=float(low[i]) if compared and len(resampled_wins) else None,
                ci_high=float(high[i]) if compared and len(resampled_wins) else None,
                connected=bool(connected[i]),
                pairwise=round(count),
                win_rate=float(credit / count) if compared else None,
            )
        )
    return answer


def bradley_terry(
    scores: np.ndarray,
    rng: np.random.Generator,
    resamples: int = BT_RESAMPLES,
    prior: float = DEFAULT_PRIOR,
) -> list[BTStrength]:
    """Per model (column of ``scores`` (N, M), NaN = not scored) its strength and 95 % CI,
    bootstrapping combinations."""
    outcomes = pairwise_outcomes(scores)
    n, m = scores.shape
    sums = resampled_sums(outcomes.reshape(n, m * m), rng, resamples).reshape(resamples, m, m)
    return strengths_with_ci(outcomes.sum(axis=0), sums, prior)
