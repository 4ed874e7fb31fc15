"""`make bench`: every benchmark on one local stack; writes RESULTS.md and progress.png.

.venv/bin/python benchmarks/run_all.py [--latency-ms 1000] [--skip-memory]
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from pathlib import Path

import api_latency
import matplotlib
import memory
import orchestration
from harness import Figure, bench_stack, machine

matplotlib.use("Agg")
import matplotlib.pyplot as plt

HERE = Path(__file__).resolve().parent


def plot(data: dict, path: Path) -> None:
    """Progress over time: the overhead run against its ideal, and the lanes runs."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
    run = data["overhead"]
    times = [t for t, _ in run["samples"]]
    left.step(times, [done for _, done in run["samples"]], where="post", label="measured")
    per = run["ideal_per_combination"]
    left.plot(
        [0, per * run["total"]], [0, run["total"]], "--", label="ideal (slowest model + judge)"
    )
    left.set(
        title="20 combinations × 4 models, L = 1", xlabel="seconds", ylabel="combinations done"
    )
    left.legend()
    for lanes, samples in data["lanes"]["curves"].items():
        right.step(
            [t for t, _ in samples], [d for _, d in samples], where="post", label=f"L = {lanes}"
        )
    right.set(
        title="Lanes: 16 combinations × 2 models", xlabel="seconds", ylabel="combinations done"
    )
    right.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def results_table(figures: list[Figure], seconds: float, latency_ms: int) -> str:
    mark = {True: "✅", False: "❌", None: ""}
    rows = [
        "# Benchmark results",
        "",
        f"Machine: {machine()}. Date: {dt.date.today().isoformat()}. "
        f"`make bench` took {seconds:.0f} s.",
        f"Fake Gemini latency: {latency_ms} ms for every model and judge call (so the ideal "
        "is known); offline models where noted. The real local stack: Firestore and Pub/Sub "
        "emulators, the Cloud Storage emulator, functions-framework, the gateway.",
        "",
        "| figure | value | target | met |",
        "|---|---|---|---|",
    ]
    rows += [f"| {f.name} | {f.value} | {f.target or '—'} | {mark[f.met]} |" for f in figures]
    rows += ["", "![progress over time](progress.png)", ""]
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=int, default=1000)
    parser.add_argument("--skip-memory", action="store_true")
    args = parser.parse_args()
    started = time.monotonic()
    with bench_stack() as bench:
        figures, plot_data = orchestration.run(bench, args.latency_ms, combinations=20)
        figures += api_latency.run(bench)
        if not args.skip_memory:
            figures += memory.run(bench, [50, 200, 500])
    plot(plot_data, HERE / "progress.png")
    text = results_table(figures, time.monotonic() - started, args.latency_ms)
    (HERE / "RESULTS.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
