"""How fast ``ranking.leaderboard`` answers, and how well it recovers known strengths.

Timing: 10,000 combinations × 4 models, 1000 mean resamples and 200 Bradley–Terry
resamples; the median of several runs (the target is ≤ 100 ms). Recovery: outcomes
simulated from strengths 1, 2, 4, 8; the fitted ratios against the true ones.

    PYTHONPATH=src python benchmarks/ranking.py [--runs 7] [--combinations 10000]
"""

from __future__ import annotations

import argparse
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
    board = leaderboard(rows)
    geometric_mean = float(np.exp(np.log(TRUE_STRENGTHS).mean()))
    print("recovery (strength, geometric mean 1): model  true  fitted  95 % CI")
    for standing in sorted(board.models, key=lambda s: s.model_id):
        true = TRUE_STRENGTHS[rows.models.index(standing.model_id)] / geometric_mean
        low, high = standing.strength_ci or (float("nan"), float("nan"))
        print(
            f"  {standing.model_id}  {true:.3f}  {standing.strength:.3f}  [{low:.3f}, {high:.3f}]"
        )


if __name__ == "__main__":
    main()
