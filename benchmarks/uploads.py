"""A 1 GiB video uploaded by the CLI: throughput, and the memory of everyone it passes.

    .venv/bin/python benchmarks/uploads.py [--size-mib 1024]

The video is a real 2-second MP4 padded to the size with a trailing ``free`` box (what
every MP4 reader skips), kept as a sparse file. ``vidcompare upload`` hashes it, sends
it straight to the storage emulator's resumable session in 8 MiB chunks (the gateway
never sees the bytes) and asks start_batch to finalize: the function reads the object
back once for its SHA-256, probes it and moves it out of ``incoming/``. Figures: the
CLI's wall time and peak RSS, the function's and the emulator's peak RSS over their
baselines (``VmHWM``, reset before the upload through ``/proc/PID/clear_refs``).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from harness import Bench, Figure, bench_stack, print_figures, process_memory, serving_pid

from vidcompare.resumable import file_sha256
from vidcompare.testing.synth import SceneSpec, make_video, padded_video

MIB = 1024 * 1024


def reset_peak(pid: int) -> int:
    """Start ``pid``'s peak RSS afresh; its RSS now."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")
    return process_memory(pid)["VmRSS"]


# `vidcompare upload FILE`, in a process that reports its own peak RSS when it ends.
_MEASURED_CLI = (
    "import atexit, resource, sys\n"
    "from vidcompare.cli import app\n"
    "atexit.register(lambda: print('maxrss', resource.getrusage(resource.RUSAGE_SELF)"
    ".ru_maxrss, file=sys.stderr))\n"
    "app(['upload', sys.argv[1]])\n"
)


def cli_upload(bench: Bench, path: Path) -> tuple[str, int]:
    """The video id the CLI printed, and its peak RSS in bytes."""
    env = os.environ | {"VIDCOMPARE_URL": bench.stack.info.base_url}
    command = [sys.executable, "-c", _MEASURED_CLI, str(path)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"upload failed: {done.stderr}")
    peak_kib = int(done.stderr.rsplit("maxrss ", 1)[1].split()[0])
    return done.stdout.split("\t")[0], peak_kib * 1024


def run(bench: Bench, size_mib: int) -> list[Figure]:
    small = bench.folder / "small.mp4"
    make_video(small, [SceneSpec((200, 40, 40), 1.0), SceneSpec((40, 40, 200), 1.0)])
    path = bench.folder / f"big-{size_mib}.mp4"
    padded_video(small, path, size=size_mib * MIB)
    started = time.perf_counter()
    file_sha256(path)
    hash_s = time.perf_counter() - started

    watched = {
        "start_batch": serving_pid(bench, "start_batch"),
        "storage emulator": bench.stack.info.service("storage").pid,
    }
    baselines = {name: reset_peak(pid) for name, pid in watched.items()}
    started = time.perf_counter()
    video_id, cli_peak = cli_upload(bench, path)
    wall_s = time.perf_counter() - started
    _, cli_baseline = cli_upload(bench, small)  # the same command on a 2-second video
    video = bench.client.video(video_id)
    assert video.size_bytes == size_mib * MIB, video

    figures = [
        Figure(
            f"Upload: `vidcompare upload` of a {size_mib} MiB video, hash + send + finalize "
            f"(hashing alone {hash_s:.1f} s)",
            f"{wall_s:.1f} s, {size_mib / wall_s:.0f} MiB/s",
            "",
        ),
        Figure(
            f"Upload memory: the CLI's peak RSS over the same command's on a small video "
            f"({cli_baseline / MIB:.0f} MiB), {size_mib} MiB video",
            f"+{(cli_peak - cli_baseline) / MIB:.1f} MiB",
            "≤ +64 MiB, flat",
            cli_peak - cli_baseline <= 64 * MIB,
        ),
    ]
    for name, pid in watched.items():
        growth = (process_memory(pid)["VmHWM"] - baselines[name]) / MIB
        figures.append(
            Figure(
                f"Upload memory: {name} peak RSS over its baseline "
                f"({baselines[name] / MIB:.0f} MiB), {size_mib} MiB video",
                f"+{growth:.1f} MiB",
                "≤ +64 MiB, flat",
                growth <= 64,
            )
        )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    args = parser.parse_args()
    with bench_stack() as bench:
        figures = run(bench, args.size_mib)
    print_figures(figures)


if __name__ == "__main__":
    main()
