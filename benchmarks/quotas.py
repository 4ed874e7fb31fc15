"""Issue #17 end to end: Auto lanes under a quota the fake Gemini enforces.

    .venv/bin/python benchmarks/quotas.py [--combinations 160] [--rpm 60] [--latency-ms 1000]

The fake answers every call after exactly ``--latency-ms`` and refuses (429, with the real
``RetryInfo``) any call over ``--rpm`` per model in a sliding minute; the functions are
told the same quota (``VIDCOMPARE_QUOTAS='{"*": {"rpm": …}}'``). Each batch asks the four
Gemini models with ``gemini-3.8-flash`` also the judge, so that model makes 2 calls per
combination and bounds the batch: its quota minimum is ``2 N / rpm`` minutes. Every
scenario starts from an empty quota window at the fake and no pace in Firestore.

1. one Auto job: wall / quota minimum, 429s as a share of the calls; the same job at 1 lane;
2. two Auto jobs started together: each one's share of the busiest model, each one's wall;
3. a 4-combination Auto job started 60 s after an N-combination one: its wall vs alone.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import dataclass

from harness import GEMINI, Bench, Figure, bench_stack, print_figures

from vidcompare.gcp import firestore_client

JUDGE = "gemini-3.8-flash"  # one of the four: 2 calls per combination, the busiest model
SMALL = 4  # combinations of scenario 3's late job
LATE_S = 60.0  # scenario 3: the small job starts this long after the big one


@dataclass(frozen=True)
class Run:
    job_id: str
    tag: str
    combinations: int
    wall_s: float  # job created → finished, from Firestore
    created_s: float  # job created, seconds since the epoch
    finished_s: float


@dataclass
class Setup:
    bench: Bench
    videos: list[str]
    latency_ms: int
    rpm: int

    def fresh(self) -> None:
        """An empty quota window at the fake (its files kept) and no pace in Firestore."""
        self.bench.fake.reset(keep_files=True)
        self.bench.fake.script("*", latency_ms=self.latency_ms)
        self.bench.fake.set_quota("*", rpm=self.rpm)
        for doc in firestore_client().collection("quota_pace").list_documents():
            doc.delete()

    def start(self, tag: str, combinations: int, concurrency: int | str = "auto") -> str:
        """Start a job whose prompts carry ``tag`` (to tell its calls apart at the fake)."""
        per_video = combinations // len(self.videos)
        prompts = [f"[{tag}] Question {i}: what happens in the video?" for i in range(per_video)]
        accepted = self.bench.client.start_batch(
            self.videos, prompts, GEMINI, judge_model=JUDGE, concurrency=concurrency
        )
        return accepted.job_id

    def finish(self, job_id: str, tag: str, combinations: int) -> Run:
        timeout = max(600.0, 8 * combinations * 60 / self.rpm)
        job = self.bench.wait(job_id, timeout=timeout)
        assert job["status"] == "completed", job.get("error")
        created, finished = job["created_at"].timestamp(), job["finished_at"].timestamp()
        return Run(job_id, tag, combinations, finished - created, created, finished)

    def minimum_s(self, combinations: int) -> float:
        """The busiest model's calls ÷ its quota: the judge's model, 2 per combination."""
        return 2 * combinations * 60 / self.rpm


def calls_of(bench: Bench, tag: str) -> list[dict]:
    """The busiest model's admitted calls made for a job's prompts (model and judge)."""
    return [
        c
        for c in bench.fake.calls(JUDGE)
        if c["status"] == 200 and tag in json.dumps(c.get("request") or c["prompt"])
    ]


def refused_share(bench: Bench) -> tuple[int, int]:
    counters = bench.fake.counters()
    return counters["quota_429s"], counters["generate_calls"]


def alone(setup: Setup, combinations: int) -> list[Figure]:
    setup.fresh()
    run = setup.finish(setup.start("auto", combinations), "auto", combinations)
    refused, sent = refused_share(setup.bench)
    by_model = setup.bench.fake.counters()["quota_429s_by_model"]
    minimum = setup.minimum_s(combinations)
    ratio = run.wall_s / minimum
    setup.fresh()
    sequential = setup.finish(setup.start("one", combinations, 1), "one", combinations)
    refused_1, sent_1 = refused_share(setup.bench)
    name = f"{combinations} combinations × 4 models + judge ({JUDGE}), {setup.rpm} RPM"
    return [
        Figure(
            f"Quotas, one Auto job: wall / quota minimum ({name})",
            f"{ratio:.3f} ({run.wall_s:.1f} s / {minimum:.1f} s)",
            "≤ 1.15",
            ratio <= 1.15,
        ),
        Figure(
            "Quotas, one Auto job: 429s / calls sent (all models)",
            f"{refused / sent:.1%} ({refused} of {sent}; by model {by_model})",
            "≤ 5 %",
            refused / sent <= 0.05,
        ),
        Figure(
            "Quotas, the same job at concurrency 1 (for comparison)",
            f"{sequential.wall_s:.1f} s ({sequential.wall_s / minimum:.3f}× the quota "
            f"minimum; 429s {refused_1} of {sent_1})",
            "",
        ),
    ]


def two_at_once(setup: Setup, combinations: int) -> list[Figure]:
    setup.fresh()
    ids = {tag: setup.start(tag, combinations) for tag in ("first", "second")}
    runs = [setup.finish(job_id, tag, combinations) for tag, job_id in ids.items()]
    refused, sent = refused_share(setup.bench)
    # The share while both ran: the busiest model's calls until the first job finished.
    overlap_end = min(r.finished_s for r in runs) - max(r.created_s for r in runs)
    fake_start = min(c["started_at"] for c in setup.bench.fake.calls(JUDGE))
    shares = {}
    for run in runs:
        calls = calls_of(setup.bench, f"[{run.tag}]")
        assert len(calls) == 2 * combinations, (run.tag, len(calls))
        shares[run.tag] = sum(c["started_at"] - fake_start <= overlap_end for c in calls)
    both = sum(shares.values())
    minimum = setup.minimum_s(2 * combinations)
    figures = [
        Figure(
            f"Quotas, two Auto jobs at once ({combinations} combinations each): {run.tag}'s "
            f"share of {JUDGE} while both ran, and its wall",
            f"{shares[run.tag] / both:.1%} ({shares[run.tag]} of {both} calls); "
            f"wall {run.wall_s:.1f} s ({run.wall_s / minimum:.3f}× both jobs' quota minimum "
            f"{minimum:.1f} s)",
            "≈ 50 %",
            abs(shares[run.tag] / both - 0.5) <= 0.1,
        )
        for run in runs
    ]
    figures.append(
        Figure("Quotas, two Auto jobs at once: 429s / calls sent", f"{refused} of {sent}", "")
    )
    return figures


def late_small(setup: Setup, combinations: int) -> list[Figure]:
    setup.fresh()
    solo = setup.finish(setup.start("solo", SMALL), "solo", SMALL)
    setup.fresh()
    big_id = setup.start("big", combinations)
    time.sleep(LATE_S)
    small_id = setup.start("late", SMALL)
    small = setup.finish(small_id, "late", SMALL)
    big = setup.finish(big_id, "big", combinations)
    refused, sent = refused_share(setup.bench)
    big_ratio = big.wall_s / setup.minimum_s(combinations)
    return [
        Figure(
            f"Quotas, a {SMALL}-combination Auto job started {LATE_S:.0f} s after a "
            f"{combinations}-combination one: its wall vs alone",
            f"{small.wall_s / solo.wall_s:.2f}× ({small.wall_s:.1f} s vs {solo.wall_s:.1f} s "
            f"alone; the big job {big.wall_s:.1f} s, {big_ratio:.3f}× its minimum alone; "
            f"429s {refused} of {sent})",
            "≤ ~2×",
            small.wall_s / solo.wall_s <= 2.2,
        ),
        Figure(
            "… its combinations' claims after it was created (the Pub/Sub emulator pushes "
            "2 messages per topic shard at a time: the big job's lanes hold those slots)",
            f"{', '.join(f'{s:.1f}' for s in claims_after(setup.bench, small))} s (alone: "
            f"{', '.join(f'{s:.1f}' for s in claims_after(setup.bench, solo))} s)",
            "",
        ),
    ]


def claims_after(bench: Bench, run: Run) -> list[float]:
    """Seconds from the job's creation to each of its combinations' claims, in order."""
    return sorted(c["claimed_at"].timestamp() - run.created_s for c in bench.combos(run.job_id))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--combinations", type=int, default=160, help="a multiple of 4")
    parser.add_argument("--rpm", type=int, default=60)
    parser.add_argument("--latency-ms", type=int, default=1000)
    parser.add_argument(
        "--topic-shards",
        type=int,
        help="the stack's topic shards (the emulator pushes 2 at a time per shard; "
        "default: the stack's 8, so 16 combinations at once in all jobs)",
    )
    parser.add_argument(
        "--scenarios", default="1,2,3", help="which of them to run: 1, 2, 3 (comma-separated)"
    )
    args = parser.parse_args()
    if args.combinations % 4:
        parser.error("--combinations must be a multiple of 4 (4 videos × N/4 prompts)")
    chosen = set(args.scenarios.split(","))
    env = {"VIDCOMPARE_QUOTAS": json.dumps({"*": {"rpm": args.rpm}})}
    if args.topic_shards:
        env["VIDCOMPARE_TOPIC_SHARDS"] = str(args.topic_shards)
    figures: list[Figure] = []
    with bench_stack(env) as bench:
        setup = Setup(bench, bench.videos(4, tag="quota"), args.latency_ms, args.rpm)
        for key, scenario in (("1", alone), ("2", two_at_once), ("3", late_small)):
            if key in chosen:
                started = time.monotonic()
                found = scenario(setup, args.combinations)
                print_figures(found)
                print(f"(scenario {key}: {time.monotonic() - started:.0f} s)", flush=True)
                figures += found
    print_figures(figures)


if __name__ == "__main__":
    main()
