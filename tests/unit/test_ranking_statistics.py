"""The statistics of ``vidcompare.ranking`` against known truths: recovery of Bradley–Terry
strengths, coverage of the bootstrap intervals, and exact small cases.

Run with ``-s`` to see the recovery and coverage figures.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from vidcompare.ranking import (
    bootstrap_mean,
    bootstrap_means,
    bradley_terry,
    fit_bradley_terry,
    pairwise_outcomes,
)
from vidcompare.ranking.simulate import TRUE_STRENGTHS, simulated_scores

# True strengths scaled like the fit's: geometric mean 1.
TRUE_NORMALISED = TRUE_STRENGTHS / np.exp(np.log(TRUE_STRENGTHS).mean())


def test_recovery_of_known_strengths() -> None:
    scores = simulated_scores(np.random.default_rng(7), 20_000)
    fitted = bradley_terry(scores, np.random.default_rng(0))
    strengths = np.array([s.strength for s in fitted])
    ratios = strengths / TRUE_NORMALISED
    print("\nrecovery, 20,000 combinations (30 % two-model with ties), strengths 1, 2, 4, 8:")
    for true, bt, ratio in zip(TRUE_NORMALISED, fitted, ratios, strict=True):
        print(
            f"  true {true:.3f}  fitted {bt.strength:.3f}  fitted/true {ratio:.3f}  "
            f"95 % CI [{bt.ci_low:.3f}, {bt.ci_high:.3f}]"
        )
    adjacent = strengths[1:] / strengths[:-1]
    print(f"  fitted ratio of neighbours (true 2): {np.round(adjacent, 3).tolist()}")
    assert list(np.argsort(strengths)) == [0, 1, 2, 3]
    assert np.all(np.abs(ratios - 1) < 0.03)
    assert np.all(np.abs(adjacent - 2) < 0.1)
    assert all(s.connected and s.pairwise > 0 for s in fitted)


def test_strength_intervals_cover_the_truth_about_95_percent_of_the_time() -> None:
    repetitions, covered, total = 200, 0, 0
    for repetition in range(repetitions):
        rng = np.random.default_rng(1000 + repetition)
        fitted = bradley_terry(simulated_scores(rng, 300), rng, resamples=200)
        for true, bt in zip(TRUE_NORMALISED, fitted, strict=True):
            covered += bt.ci_low <= true <= bt.ci_high
            total += 1
    coverage = covered / total
    print(f"\nBT strength 95 % CI coverage: {coverage:.1%} of {total} ({repetitions} × 4 models)")
    assert 0.90 <= coverage <= 0.99


def test_mean_intervals_cover_the_truth_about_95_percent_of_the_time() -> None:
    values = np.arange(1, 11)
    weights = np.array([1, 1, 2, 3, 5, 8, 8, 5, 3, 1]) / 37
    true_mean = float(values @ weights)
    repetitions, covered = 300, 0
    for repetition in range(repetitions):
        rng = np.random.default_rng(5000 + repetition)
        scores = rng.choice(values, size=120, p=weights).astype(float)
        scores[rng.random(120) < 0.1] = np.nan  # some not scored
        _, low, high = bootstrap_mean(scores, rng)
        covered += low <= true_mean <= high
    coverage = covered / repetitions
    print(f"\nmean score 95 % CI coverage: {coverage:.1%} of {repetitions}")
    assert 0.90 <= coverage <= 0.99


def test_the_fit_maximises_the_likelihood_of_a_small_case() -> None:
    # a beat b twice and lost once: the maximum-likelihood ratio is 2.
    wins = np.array([[0.0, 2.0], [1.0, 0.0]])
    strengths = fit_bradley_terry(wins, prior=1e-9)
    assert strengths[0] / strengths[1] == pytest.approx(2.0, rel=1e-6)
    assert math.prod(strengths) == pytest.approx(1.0)


def test_the_prior_pulls_towards_equal_strengths_and_must_be_positive() -> None:
    wins = np.array([[0.0, 2.0], [1.0, 0.0]])
    with_prior = fit_bradley_terry(wins, prior=1.0)
    assert 1 < with_prior[0] / with_prior[1] < 2
    with pytest.raises(ValueError, match="prior"):
        fit_bradley_terry(wins, prior=0.0)


def test_a_batch_fits_like_its_elements() -> None:
    rng = np.random.default_rng(3)
    batch = rng.integers(0, 20, size=(5, 3, 3)).astype(float)
    batch[:, [0, 1, 2], [0, 1, 2]] = 0
    together = fit_bradley_terry(batch)
    one_by_one = np.array([fit_bradley_terry(wins) for wins in batch])
    np.testing.assert_allclose(together, one_by_one, rtol=1e-9)


def test_pairwise_outcomes_count_wins_ties_and_skip_unscored() -> None:
    scores = np.array([[7.0, 5.0, 7.0], [np.nan, 3.0, 4.0]])
    credit = pairwise_outcomes(scores)
    np.testing.assert_array_equal(credit[0], [[0, 1, 0.5], [0, 0, 0], [0.5, 1, 0]])
    np.testing.assert_array_equal(credit[1], [[0, 0, 0], [0, 0, 0], [0, 1, 0]])


def test_bootstrap_means_ignore_missing_values_and_stay_within_the_data() -> None:
    rng = np.random.default_rng(0)
    values = np.array([[1.0, np.nan], [3.0, np.nan], [5.0, np.nan], [np.nan, np.nan]])
    means, low, high = bootstrap_means(values, rng, resamples=500)
    assert means[0] == 3.0
    assert 1.0 <= low[0] < 3.0 < high[0] <= 5.0
    assert math.isnan(means[1]) and math.isnan(low[1]) and math.isnan(high[1])


def test_bootstrap_of_nothing_is_nan_and_resamples_must_be_positive() -> None:
    assert all(math.isnan(x) for x in bootstrap_mean(np.array([]), np.random.default_rng(0)))
    with pytest.raises(ValueError, match="resamples"):
        bootstrap_mean(np.array([1.0]), np.random.default_rng(0), resamples=0)


def test_a_seed_gives_the_same_intervals_and_another_seed_others() -> None:
    scores = simulated_scores(np.random.default_rng(1), 200)
    first = bradley_terry(scores, np.random.default_rng(0))
    again = bradley_terry(scores, np.random.default_rng(0))
    other = bradley_terry(scores, np.random.default_rng(1))
    assert first == again
    assert [s.strength for s in first] == [s.strength for s in other]
    assert [s.ci_low for s in first] != [s.ci_low for s in other]
