"""How fast ``ranking.leaderboard`` answers, and how well it recovers known strengths.

Timing: 10,000 combinations × 4 models, 1000 mean resamples and 200 Bradley–Terry
resamples; the median of several runs (the target is ≤ 100 ms). Recovery: outcomes
simulated from strengths 1, 2, 4, 8; the fitted ratios against the true ones.

    PYTHONPATH=src python benchmarks/ranking.py [--runs 7] [--combinations 10000]
"""

from __future__ import annotations

import argparse
import math
import statistics
import time

import numpy as np

from vidcompare.ranking import Grouping, ScoreRows, leaderboard
from vidcompare.ranking.simulate import TRUE_STRENGTHS, simulated_rows


def time_leaderboard(rows: ScoreRows, runs: int, by: Grouping) -> tuple[list[float], list[float]]:
    """Wall and CPU time of each run in milliseconds (a first run warms up, not counted).

    The CPU time is the steadier figure on a machine shared with other work.
    """
    leaderboard(rows, by=by)
    wall, cpu = [], []
    for _ in range(runs):
        wall_start, cpu_start = time.perf_counter(), time.process_time()
        leaderboard(rows, by=by, resamples=1000, bt_resamples=200)
        wall.append((time.perf_counter() - wall_start) * 1000)
        cpu.append((time.process_time() - cpu_start) * 1000)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--combinations", type=int, default=10_000)
    args = parser.parse_args()
    rows = simulated_rows(np.random.default_rng(1), args.combinations, prompts=4)
    by: Grouping
    for by in ("model", "prompt"):
        wall, cpu = time_leaderboard(rows, args.runs, by)
        print(
            f"leaderboard(by={by}) {args.combinations} combinations × {len(rows.models)} models "
            f"× {len(rows.prompts)} prompts, 1000 + 200 resamples ({args.runs} runs): "
            f"wall median {statistics.median(wall):.1f} ms (min {min(wall):.1f}), "
            f"CPU median {statistics.median(cpu):.1f} ms (min {min(cpu):.1f})"
        )
    print_recovery(args.combinations, seeds=20)


def print_recovery(combinations: int, seeds: int) -> None:
    """Fitted against true strengths over several simulated data sets: bias and coverage."""
    true = TRUE_STRENGTHS / np.exp(np.log(TRUE_STRENGTHS).mean())
    ratios, covered = np.zeros((seeds, len(true))), np.zeros(len(true))
    for seed in range(seeds):
        board = leaderboard(simulated_rows(np.random.default_rng(100 + seed), combinations))
        by_id = {s.model_id: s for s in board.models}
        for i, strength in enumerate(TRUE_STRENGTHS):
            fitted = by_id[f"strength-{strength:g}"]
            low, high = fitted.strength_ci or (math.nan, math.nan)
            covered[i] += low <= true[i] <= high
            ratios[seed, i] = (fitted.strength or math.nan) / true[i]
    mean_ratio = np.mean(ratios, axis=0)
    print(f"recovery over {seeds} data sets of {combinations} combinations (strengths 1, 2, 4, 8):")
    for s, t, ratio, hits in zip(TRUE_STRENGTHS, true, mean_ratio, covered, strict=True):
        print(
            f"  strength {s:g}: true {t:.3f} (geometric mean 1), mean fitted/true {ratio:.4f}, "
            f"95 % CI covered the truth in {hits:.0f}/{seeds}"
        )


if __name__ == "__main__":
    main()
