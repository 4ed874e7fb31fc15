"""Orchestration against its limit: overhead, hop, Files API uploads, lanes.

    .venv/bin/python benchmarks/orchestration.py [--latency-ms 1000] [--combinations 20]

Every Gemini call (the four models and the judge) answers after exactly the fake's
latency, so the ideal wall time of a batch is known: per combination, the slowest
model plus the judge. Times come from Firestore (``created_at``, ``claimed_at``,
``completed_at``, ``finished_at``), not from polling.
"""

from __future__ import annotations

import argparse
import random
import statistics
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from google.cloud import pubsub_v1
from harness import GEMINI, Bench, Figure, bench_stack, ms, p50_p95

from vidcompare.devstack.stack import free_port


def run_batch(bench: Bench, videos: list[str], prompts: list[str], models: list[str], lanes: int):
    """Start a batch, follow it; (job doc, combination docs, progress samples)."""
    samples: list[tuple[float, int]] = []
    started = time.monotonic()
    accepted = bench.client.start_batch(
        videos, prompts, models, judge_model="gemini-3.8-flash", concurrency=lanes
    )
    job = bench.wait(
        accepted.job_id,
        on_poll=lambda j: samples.append((time.monotonic() - started, j.completed_combinations)),
    )
    assert job["status"] == "completed", job.get("error")
    return job, bench.combos(accepted.job_id), samples


def wall_seconds(job: dict) -> float:
    return (job["finished_at"] - job["created_at"]).total_seconds()


def overhead(bench: Bench, latency_s: float, combinations: int) -> tuple[list[Figure], dict]:
    videos = bench.videos(4, tag="overhead")
    prompts = [f"Question {i}: what happens in the video?" for i in range(combinations // 4)]
    bench.fake.reset(log_only=True)
    job, combos, samples = run_batch(bench, videos, prompts, GEMINI, lanes=1)
    ideal = len(combos) * 2 * latency_s  # slowest model, then the judge
    wall = wall_seconds(job)
    hops = [
        (b["claimed_at"] - a["completed_at"]).total_seconds()
        for a, b in zip(combos, combos[1:], strict=False)
    ]
    inside = [(c["completed_at"] - c["claimed_at"]).total_seconds() - 2 * latency_s for c in combos]
    first = (combos[0]["claimed_at"] - job["created_at"]).total_seconds()
    uploads = bench.fake.uploads()
    sizes = sorted(bench.client.video(v).size_bytes for v in videos)
    figures = [
        Figure(
            f"Overhead: wall / ideal, {len(combos)} combinations × 4 models, L = 1, "
            f"every call {ms(latency_s)}",
            f"{wall / ideal:.3f} ({wall:.2f} s / {ideal:.2f} s)",
            "≤ 1.03",
            wall / ideal <= 1.03,
        ),
        Figure(
            "Orchestration per combination: (wall − ideal) / combinations, first uploads included",
            ms((wall - ideal) / len(combos)),
            "",
        ),
        Figure(
            "Wall / ideal at the seed's 15 s per model call (derived from the measured "
            "orchestration per combination)",
            f"{(30 + (wall - ideal) / len(combos)) / 30:.4f}",
            "≤ 1.03",
            (30 + (wall - ideal) / len(combos)) / 30 <= 1.03,
        ),
        Figure(
            "Hop between combinations (commit → publish → push → claim)",
            p50_p95(hops),
            "median ≤ 50 ms",
            statistics.median(hops) <= 0.050,
        ),
        Figure(
            "Inside a combination, beyond the model and judge latency (claim, Files API "
            "check, commit)",
            p50_p95(inside),
            "",
        ),
        Figure("Start of the first combination after the job was created", ms(first), ""),
        Figure(
            f"Files API uploads for {len(videos)} distinct videos × {len(prompts)} prompts × 4 "
            "models (+ judge)",
            f"{len(uploads)} uploads, {sum(int(u['sizeBytes']) for u in uploads)} bytes "
            f"(videos: {sum(sizes)} bytes)",
            "uploads = distinct videos, bytes = their sizes",
            len(uploads) == len(videos) and sorted(int(u["sizeBytes"]) for u in uploads) == sizes,
        ),
    ]
    plot = {"samples": samples, "ideal_per_combination": 2 * latency_s, "total": len(combos)}
    return figures, plot


class _Arrivals(BaseHTTPRequestHandler):
    times: list[float] = []

    def do_POST(self) -> None:  # noqa: N802 - the http.server API
        self.rfile.read(int(self.headers["Content-Length"]))
        _Arrivals.times.append(time.perf_counter())
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def emulator_floor(bench: Bench, messages: int = 40) -> Figure:
    """Publish → push arrival on the same Pub/Sub emulator, with no work at all: the
    part of every hop that is the emulator's own (its push loop polls)."""
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), _Arrivals)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    project = bench.stack.info.project
    publisher = pubsub_v1.PublisherClient(
        batch_settings=pubsub_v1.types.BatchSettings(max_latency=0.001)
    )
    subscriber = pubsub_v1.SubscriberClient()
    topic = publisher.topic_path(project, "bench-floor")
    publisher.create_topic(name=topic)
    subscriber.create_subscription(
        request={
            "name": subscriber.subscription_path(project, "bench-floor-push"),
            "topic": topic,
            "push_config": {"push_endpoint": f"http://127.0.0.1:{server.server_port}/"},
        }
    )
    rng = random.Random(1)
    delays = []
    for _ in range(messages):
        seen = len(_Arrivals.times)
        sent = time.perf_counter()
        publisher.publish(topic, b"{}").result()
        while len(_Arrivals.times) == seen:
            time.sleep(0.0005)
        delays.append(_Arrivals.times[-1] - sent)
        time.sleep(rng.uniform(0, 0.1))  # arrive at the emulator's loop at any phase
    server.shutdown()
    return Figure(
        "Emulator floor: publish → push arrival with no work (same emulator, for scale)",
        p50_p95(delays[5:]),
        "",
    )


def lanes(bench: Bench, latency_s: float, combinations: int = 16) -> tuple[list[Figure], dict]:
    videos = bench.videos(2, tag="lanes")
    walls, curves = {}, {}
    for lane_count in (1, 2, 4):
        prompts = [f"Lane run {lane_count}, question {i}." for i in range(combinations // 2)]
        job, _, samples = run_batch(bench, videos, prompts, GEMINI[:2], lanes=lane_count)
        walls[lane_count] = wall_seconds(job)
        curves[lane_count] = samples
    figures = [
        Figure(
            f"Lanes: speed-up at L = {n} ({combinations} combinations × 2 models)",
            f"{walls[1] / walls[n]:.2f}× ({walls[n]:.2f} s vs {walls[1]:.2f} s)",
            f"≥ {0.9 * n:.1f}×",
            walls[1] / walls[n] >= 0.9 * n,
        )
        for n in (2, 4)
    ]
    return figures, {"curves": curves, "total": combinations}


def run(bench: Bench, latency_ms: int, combinations: int) -> tuple[list[Figure], dict]:
    latency_s = latency_ms / 1000
    bench.fake.script("*", latency_ms=latency_ms)
    figures, plot = overhead(bench, latency_s, combinations)
    figures.append(emulator_floor(bench))
    lane_figures, lane_plot = lanes(bench, latency_s)
    return figures + lane_figures, {"overhead": plot, "lanes": lane_plot}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=int, default=1000)
    parser.add_argument("--combinations", type=int, default=20)
    args = parser.parse_args()
    with bench_stack() as bench:
        figures, _ = run(bench, args.latency_ms, args.combinations)
    for figure in figures:
        print(f"{figure.name}: {figure.value}  (target {figure.target or '-'})")


if __name__ == "__main__":
    main()
