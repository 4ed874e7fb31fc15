"""process_combo's memory while it handles large videos: it must stay flat.

    .venv/bin/python benchmarks/memory.py [--sizes 50 200 500]

For each size the worker is restarted (so its peak RSS, ``VmHWM``, starts afresh),
warmed up with a small video, then given one combination on a video of that many MiB
with a Gemini model: the video goes from the bucket to the Files API in chunks. The
figure is the worker's peak RSS minus its RSS after the warm-up.
"""

from __future__ import annotations

import argparse
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from harness import Bench, Figure, bench_stack, print_figures, process_memory, serving_pid

MIB = 1024 * 1024


def noise_video(path: Path, size_mib: int) -> Path:
    """An MPEG-TS file of about ``size_mib`` MiB: noise (which does not compress),
    encoded once and repeated (TS packets can follow each other)."""
    segment = path.with_suffix(".segment.ts")
    if not segment.exists():
        rng = np.random.default_rng(7)
        with av.open(str(segment), "w", format="mpegts") as container:
            stream = container.add_stream("mpeg2video", rate=25)
            stream.width, stream.height, stream.pix_fmt = 640, 360, "yuv420p"
            stream.bit_rate = 40_000_000
            stream.time_base = Fraction(1, 25)
            for i in range(100):
                pixels = rng.integers(0, 256, (360, 640, 3), dtype=np.uint8)
                frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
                frame.pts = i
                container.mux(stream.encode(frame))
            container.mux(stream.encode(None))
    chunk = segment.read_bytes()
    with path.open("wb") as out:
        while out.tell() < size_mib * MIB:
            out.write(chunk)
    return path


def worker_memory(bench: Bench) -> dict[str, int]:
    """VmRSS and VmHWM (bytes) of process_combo's request-serving process."""
    return process_memory(serving_pid(bench, "process_combo"))


def one_combination(bench: Bench, video_id: str, prompt: str) -> None:
    accepted = bench.client.start_batch(
        [video_id], [prompt], ["gemini-3.8-flash"], judge_model="local-rubric"
    )
    job = bench.wait(accepted.job_id, timeout=900)
    assert job["status"] == "completed", job.get("error")


def run(bench: Bench, sizes: list[int]) -> list[Figure]:
    bench.fake.script("*", latency_ms=0)
    small = bench.videos(1, tag="warmup")[0]
    figures = []
    for size in sizes:
        path = noise_video(bench.folder / f"noise-{size}.ts", size)
        video = bench.client.upload(path)
        bench.stack.restart("process_combo")
        one_combination(bench, small, f"Warm-up before {size} MiB.")
        baseline = worker_memory(bench)["VmRSS"]
        one_combination(bench, video.video_id, "Describe the noise.")
        peak = worker_memory(bench)["VmHWM"]
        growth = (peak - baseline) / MIB
        figures.append(
            Figure(
                f"Memory: process_combo peak RSS over its baseline, {size} MiB video "
                f"(baseline {baseline / MIB:.0f} MiB)",
                f"+{growth:.1f} MiB",
                "≤ +64 MiB, flat",
                growth <= 64,
            )
        )
        path.unlink()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 200, 500])
    args = parser.parse_args()
    with bench_stack() as bench:
        figures = run(bench, args.sizes)
    print_figures(figures)


if __name__ == "__main__":
    main()
