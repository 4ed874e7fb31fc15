"""Full-size fault-injection run (issue 5): 20 jobs × 10 combinations on the local stack,
every message delivered twice, process_combo SIGKILLed mid-batch, all functions restarted.

    .venv/bin/python benchmarks/faults.py [--jobs 20] [--combinations 10] [--crashes 4]

Prints the figures: jobs, combinations expected / recorded / lost / counted twice,
model runs per combination, jobs finished, wall time. Exits 1 if anything was lost.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from vidcompare.client import Client
from vidcompare.devstack.stack import Stack, free_port
from vidcompare.testing.fake_gemini import FakeGemini
from vidcompare.testing.synth import demo_scenes, make_video


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=20)
    parser.add_argument("--combinations", type=int, default=10)
    parser.add_argument("--crashes", type=int, default=4)
    parser.add_argument("--restarts", type=int, default=2)
    parser.add_argument("--latency-ms", type=int, default=500, help="fake Gemini latency")
    parser.add_argument("--state-dir", help="keep the stack's logs here (default: a temp dir)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder, FakeGemini() as fake:
        fake.script("*", latency_ms=args.latency_ms)
        env = fake.env() | {
            "VIDCOMPARE_LEASE_SECONDS": "10",
            "VIDCOMPARE_ACK_DEADLINE_S": "15",
            "VIDCOMPARE_UPLOAD_LEASE_S": "5",
            "VIDCOMPARE_GEMINI_POLL_S": "0.05",
        }
        state = Path(args.state_dir) if args.state_dir else Path(folder) / "stack"
        stack = Stack(state, gateway_port=free_port(), extra_env=env)
        info = stack.start()
        os.environ.update(info.env)
        from vidcompare.testing.faults import run_fault_suite

        try:
            with Client(info.base_url) as client:
                video_ids = []
                for i, scenes in enumerate(demo_scenes()):
                    path = Path(folder) / f"video-{i}.mp4"
                    make_video(path, scenes)
                    video_ids.append(client.upload(path).video_id)
            report = run_fault_suite(
                stack,
                video_ids,
                jobs=args.jobs,
                combinations=args.combinations,
                models=["gemini-3.8-flash", "local-scenes"],
                judge_model="local-rubric",
                crashes=args.crashes,
                restarts=args.restarts,
                timeout=900,
            )
        finally:
            stack.stop()
    print(report.table())
    lost = report.combinations_lost or report.combinations_counted_twice or report.problems
    return 1 if lost else 0


if __name__ == "__main__":
    sys.exit(main())
