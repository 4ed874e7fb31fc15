"""What every benchmark shares: one local stack with a fake Gemini of known latency.

The stack is the real one (emulators, functions-framework servers, gateway); model
calls go through the real google-genai SDK to ``vidcompare.testing.fake_gemini``, whose fixed
latency makes the ideal wall time of a batch known in advance.
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from vidcompare.client import Client
from vidcompare.devstack.stack import Stack, free_port
from vidcompare.gcp import firestore_client
from vidcompare.testing.fake_gemini import FakeGemini
from vidcompare.testing.synth import SceneSpec, make_video

GEMINI = ["gemini-3.1-pro-preview", "gemini-3.8-flash", "gemini-3.6-flash", "gemini-3.5-flash-lite"]


@dataclass
class Figure:
    """One line of benchmarks/RESULTS.md."""

    name: str
    value: str
    target: str
    met: bool | None = None  # None: no target, a figure to know


@dataclass
class Bench:
    stack: Stack
    fake: FakeGemini
    client: Client
    folder: Path

    def videos(self, count: int, *, seconds: float = 1.0, tag: str = "v") -> list[str]:
        """``count`` small synthetic videos with distinct bytes, uploaded; their ids."""
        ids = []
        for i in range(count):
            path = self.folder / f"{tag}-{i}.mp4"
            colour = ((37 * i) % 256, (91 * i) % 256, (153 * i) % 256)
            make_video(
                path, [SceneSpec(colour, seconds / 2), SceneSpec((250, 250, 250), seconds / 2)]
            )
            ids.append(self.client.upload(path).video_id)
        return ids

    def combos(self, job_id: str) -> list[dict]:
        ref = firestore_client().collection("jobs").document(job_id).collection("comparisons")
        return sorted((s.to_dict() for s in ref.stream()), key=lambda d: d["index"])

    def job_doc(self, job_id: str) -> dict:
        return firestore_client().collection("jobs").document(job_id).get().to_dict()

    def wait(self, job_id: str, *, timeout: float = 600, on_poll=None) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job = self.client.job(job_id)
            if on_poll:
                on_poll(job)
            if job.status.value in ("completed", "failed", "cancelled"):
                return self.job_doc(job_id)
            time.sleep(0.1)
        raise TimeoutError(f"job {job_id} did not finish in {timeout} s")


@contextmanager
def fake_gemini_process() -> Iterator[FakeGemini]:
    """The fake in a process of its own (its request log quiet): in a thread of the
    benchmark it would share the benchmark's interpreter lock, and every call would pay
    for the benchmark's own work on top of the scripted latency."""
    command = [sys.executable, "-m", "vidcompare.testing.fake_gemini"]  # a free port
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = proc.stdout.readline().strip() if proc.stdout else ""
        if not line.startswith("FAKE_GEMINI_URL="):
            raise RuntimeError(f"the fake Gemini did not start: {line!r}")
        fake = FakeGemini.connect(line.split("=", 1)[1])
        try:
            yield fake
        finally:
            fake.stop()
    finally:
        proc.terminate()
        proc.wait(10)


@contextmanager
def bench_stack(extra_env: dict[str, str] | None = None) -> Iterator[Bench]:
    with tempfile.TemporaryDirectory() as folder, fake_gemini_process() as fake:
        env = fake.env() | {"VIDCOMPARE_GEMINI_POLL_S": "0.05"} | (extra_env or {})
        stack = Stack(Path(folder) / "stack", gateway_port=free_port(), extra_env=env)
        info = stack.start()
        saved = dict(os.environ)
        os.environ.update(info.env)
        try:
            with Client(info.base_url, timeout=600) as client:
                yield Bench(stack, fake, client, Path(folder))
        finally:
            stack.stop()
            os.environ.clear()
            os.environ.update(saved)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def p50_p95(values: list[float]) -> str:
    return f"p50 {ms(statistics.median(values))}, p95 {ms(percentile(values, 95))}"


def machine() -> str:
    cores = os.cpu_count()
    with open("/proc/meminfo") as info:
        mem_gib = int(info.readline().split()[1]) / 1024**2
    python = platform.python_version()
    return f"{platform.machine()}, {cores} cores, {mem_gib:.0f} GiB, Python {python}"


def print_figures(figures: list[Figure]) -> None:
    for figure in figures:
        print(f"{figure.name}: {figure.value}  (target {figure.target or '-'})")


def serving_pid(bench: Bench, name: str) -> int:
    """The process that serves a function's requests: its server's worker child."""
    master = bench.stack.info.service(name).pid
    children = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True)
    return int(children.stdout.split()[0]) if children.stdout.split() else master


def process_memory(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak) of ``pid``, in bytes."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) * 1024
    return fields
