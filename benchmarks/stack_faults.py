"""What a bad day costs the local stack: down/up, a crash, a long sleep, mid-batch.

A supervised stack (what `vidcompare up` runs) in a temporary state directory, with a
fake Gemini answering in 1 s. For each fault, a 10-combination job is started, the
fault lands after 3 combinations, and the script prints: whether the job finished with
every combination exactly once, how many combinations ran again, how long the stack
took to come back, and how long until the job moved again.

    python benchmarks/stack_faults.py [--sleep-s 120]
"""

from __future__ import annotations

import argparse
import os
import signal
import tempfile
import time
from pathlib import Path

from vidcompare.client import Client
from vidcompare.devstack import control
from vidcompare.devstack.stack import free_port, load_info
from vidcompare.testing.fake_gemini import FakeGemini
from vidcompare.testing.synth import SceneSpec, make_video

MODEL = "gemini-3.6-flash"
COMBINATIONS = 10


def signal_all(state_dir: Path, sig: int) -> None:
    info = load_info(state_dir)
    for service in info.services:
        os.killpg(service.pid, sig)
    if info.supervisor_pid:
        os.kill(info.supervisor_pid, sig)


def run_fault(
    name: str, state_dir: Path, port: int, env: dict, fake: FakeGemini, video: str, fault
) -> str:
    base = f"http://127.0.0.1:{port}"
    tag = f"{name}-{time.monotonic_ns()}"
    with Client(base, timeout=60) as client:
        job_id = client.start_batch(
            [video],
            [f"{tag} {i}" for i in range(COMBINATIONS)],
            [MODEL],
            judge_model="local-rubric",
        ).job_id
        while client.job(job_id).completed_combinations < 3:
            time.sleep(0.1)
    came_back = fault()
    resumed = time.monotonic()
    with Client(base, timeout=60) as client:
        before = client.job(job_id).completed_combinations
        moved = None
        while True:
            job = client.job(job_id)
            if moved is None and job.completed_combinations > before:
                moved = time.monotonic() - resumed
            if job.status.value in ("completed", "failed", "cancelled"):
                break
            time.sleep(0.1)
        result = client.result(job_id)
    once = sorted(c.index for c in result.comparisons) == list(range(COMBINATIONS))
    reruns = sum(c["prompt"].startswith(tag) for c in fake.calls(MODEL)) - COMBINATIONS
    moved_text = f"{moved:.1f} s" if moved is not None else "—"
    return (
        f"| {name} | {job.status.value}, {len(result.comparisons)}/{COMBINATIONS}, "
        f"{'each once' if once else 'NOT each once'} | {reruns} | {came_back} | {moved_text} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sleep-s", type=float, default=120.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, FakeGemini() as fake:
        fake.script(MODEL, latency_ms=1000)
        state_dir, port = Path(folder) / "state", free_port()
        env = fake.env() | {"VIDCOMPARE_GEMINI_POLL_S": "0.05", "VIDCOMPARE_SNAPSHOT_EVERY_S": "5"}

        def up() -> str:
            started = time.monotonic()
            control.launch(state_dir, port=port, extra_env=env)
            return f"`up` {time.monotonic() - started:.1f} s"

        up()
        clip = Path(folder) / "clip.mp4"
        make_video(clip, [SceneSpec((120, 60, 200), 0.75), SceneSpec((20, 200, 90), 0.75)])
        with Client(f"http://127.0.0.1:{port}", timeout=60) as client:
            video = client.upload(clip).video_id

        def down_up() -> str:
            control.shutdown(state_dir)
            return up()

        def crash() -> str:
            signal_all(state_dir, signal.SIGKILL)
            time.sleep(0.5)
            return up()

        def sleep() -> str:
            signal_all(state_dir, signal.SIGSTOP)
            time.sleep(args.sleep_s)
            signal_all(state_dir, signal.SIGCONT)
            return f"woke after {args.sleep_s:g} s"

        print(
            "| fault (after 3 of 10 combinations, 1 s each) | outcome | ran again "
            "| stack back | job moving again |"
        )
        print("|---|---|---|---|---|")
        try:
            for name, fault in [
                ("down, then up", down_up),
                ("SIGKILL everything, then up", crash),
                (f"SIGSTOP everything {args.sleep_s:g} s", sleep),
            ]:
                print(run_fault(name, state_dir, port, env, fake, video, fault), flush=True)
        finally:
            control.shutdown(state_dir)


if __name__ == "__main__":
    main()
