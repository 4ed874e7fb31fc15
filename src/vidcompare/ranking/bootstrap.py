"""The percentile bootstrap over combinations, vectorised.

A resample is a row of Poisson(1) weights, one per combination (how often it is drawn:
the Poisson bootstrap, which for N combinations is the multinomial resample of N draws up
to the total count varying around N). The statistics of all resamples are one matrix
product, weights × per-combination columns, made in blocks of rows so that memory stays
small whatever the number of combinations. The weights come from float32 uniforms compared
with the Poisson(1) distribution function: twice as fast as drawing indices and counting.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

CONFIDENCE = 0.95
# Weight-matrix elements per block: large enough for a fast product, small enough for cache.
_BLOCK_ELEMENTS = 250_000
# P(weight <= k) for k = 0, 1, …, as float32; from k = 10 on it rounds to 1 (a weight above
# 10 has probability 1e-8), and a uniform in [0, 1) is never above 1.
_POISSON_CDF = np.cumsum([math.exp(-1) / math.factorial(k) for k in range(12)]).astype(np.float32)


def resampled_sums(values: np.ndarray, rng: np.random.Generator, resamples: int) -> np.ndarray:
    """Column sums of ``values`` (N, K) under ``resamples`` bootstrap draws of its N rows.

    Returns (resamples, K). ``values`` must be finite (encode "missing" as 0 plus a count
    column).
    """
    if resamples < 1:
        raise ValueError("resamples must be at least 1")
    n, k = values.shape
    sums = np.zeros((resamples, k))
    if n == 0:
        return sums
    columns = values.astype(np.float32)
    block = max(1, _BLOCK_ELEMENTS // n)
    weights = np.empty((block, n), dtype=np.float32)
    above = np.empty((block, n), dtype=bool)
    for start in range(0, resamples, block):
        rows = min(block, resamples - start)
        uniform = rng.random((rows, n), dtype=np.float32)
        # The weight is how many of P(≤0), P(≤1), … the uniform lies above.
        np.greater(uniform, _POISSON_CDF[0], out=weights[:rows])
        for threshold in _POISSON_CDF[1:]:
            np.greater(uniform, threshold, out=above[:rows])
            weights[:rows] += above[:rows]
        sums[start : start + rows] = weights[:rows] @ columns
    return sums


def percentile_interval(draws: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The 95 % percentile interval of each column of ``draws``; NaN draws are left out."""
    tail = (1 - CONFIDENCE) / 2 * 100
    if draws.size == 0:  # no resamples, or no columns
        nan = np.full(draws.shape[1:], np.nan)
        return nan, nan.copy()
    # nanpercentile warns on all-NaN columns; those stay NaN, which the caller reads as "none".
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        low, high = np.nanpercentile(draws, [tail, 100 - tail], axis=0)
    return low, high


def bootstrap_means(
    values: np.ndarray, rng: np.random.Generator, resamples: int = 1000
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per column of ``values`` (N, K; NaN = missing): the mean and its 95 % CI.

    Rows are resampled together, so the columns' intervals come from the same draws.
    A column with no values gets NaN for all three.
    """
    present = ~np.isnan(values)
    count = present.sum(axis=0)
    total = np.where(present, values, 0.0).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / count
    sums = resampled_sums(np.hstack([np.where(present, values, 0.0), present]), rng, resamples)
    k = values.shape[1]
    with np.errstate(invalid="ignore", divide="ignore"):
        draws = sums[:, :k] / sums[:, k:]
    low, high = percentile_interval(draws)
    return mean, low, high


def bootstrap_mean(
    scores: np.ndarray, rng: np.random.Generator, resamples: int = 1000
) -> tuple[float, float, float]:
    """The mean of one column (NaN = missing) and its 95 % percentile CI."""
    mean, low, high = bootstrap_means(np.asarray(scores, dtype=float)[:, None], rng, resamples)
    return float(mean[0]), float(low[0]), float(high[0])
