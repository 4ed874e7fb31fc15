"""The HTTP API under size: starting batches, reading status, reading results.

    .venv/bin/python benchmarks/api_latency.py

Every figure is measured by a client through the local gateway, as a user sees it.
Started jobs that are not needed afterwards are cancelled at once.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import TypeVar

from harness import Bench, Figure, bench_stack, ms, p50_p95

OFFLINE = ["local-scenes"]
T = TypeVar("T")


def timed(call: Callable[[], T]) -> tuple[T, float]:
    started = time.perf_counter()
    answer = call()
    return answer, time.perf_counter() - started


def start_latency(bench: Bench) -> list[Figure]:
    videos = bench.videos(100, seconds=0.5, tag="start")
    prompts = [f"Question number {i} about this video." for i in range(100)]
    sizes = {
        10: (videos[:2], prompts[:5]),
        1_000: (videos[:10], prompts),
        10_000: (videos, prompts),
    }
    figures = []
    for total, (video_ids, prompt_list) in sizes.items():
        samples = []
        for _ in range(20 if total < 10_000 else 8):
            accepted, seconds = timed(
                lambda v=video_ids, p=prompt_list: bench.client.start_batch(
                    v, p, OFFLINE, judge_model="local-rubric"
                )
            )
            samples.append(seconds)
            assert accepted.total_combinations == total
            bench.client.cancel(accepted.job_id)
        target = "p50 ≤ 100 ms" if total == 1_000 else ""
        met = statistics.median(samples) <= 0.100 if total == 1_000 else None
        figures.append(
            Figure(
                f"Start: POST /api/batch-compare-async, {total:,} combinations",
                p50_p95(samples),
                target,
                met,
            )
        )
    return figures


def status_and_result(bench: Bench) -> list[Figure]:
    videos = bench.videos(10, seconds=0.5, tag="status")
    prompts = [f"Describe part {i}." for i in range(100)]
    accepted = bench.client.start_batch(
        videos, prompts, OFFLINE, judge_model="local-rubric", concurrency=8
    )
    samples: list[float] = []
    while True:
        job, seconds = timed(lambda: bench.client.job(accepted.job_id))
        samples.append(seconds)
        if job.status.value in ("completed", "failed", "cancelled"):
            break
    assert job.status.value == "completed", job.error
    results = [timed(lambda: bench.client.result(accepted.job_id))[1] for _ in range(5)]
    return [
        Figure(
            f"Status: GET /api/jobs/{{id}} during a 1,000-combination job ({len(samples)} reads)",
            p50_p95(samples),
            "p50 ≤ 20 ms",
            statistics.median(samples) <= 0.020,
        ),
        Figure(
            "Result: GET /api/jobs/{id}/result of 1,000 combinations",
            f"median {ms(statistics.median(results))} (5 reads)",
            "",
        ),
    ]


def run(bench: Bench) -> list[Figure]:
    return start_latency(bench) + status_and_result(bench)


def main() -> None:
    with bench_stack() as bench:
        figures = run(bench)
    for figure in figures:
        print(f"{figure.name}: {figure.value}  (target {figure.target or '-'})")


if __name__ == "__main__":
    main()
