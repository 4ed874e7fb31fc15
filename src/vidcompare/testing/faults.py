"""Fault injection on the real local stack: prove nothing is lost or counted twice.

Runs many jobs at once while Pub/Sub delivers every message twice (a second push
subscription to the same endpoint: real duplicate deliveries, some simultaneous), the
process_combo server is killed with SIGKILL mid-combination and started again, and
all three function servers are stopped and started again mid-batch. Then it reads
Firestore and reports what was expected, recorded, counted twice, and finished.

Used by ``tests/integration/test_faults.py`` (small) and ``benchmarks/faults.py`` (full size).
"""

from __future__ import annotations

import contextlib
import random
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from google.api_core.exceptions import NotFound as PubSubNotFound
from google.cloud import pubsub_v1

from vidcompare import store
from vidcompare.client import Client
from vidcompare.devstack.stack import Stack, StackInfo
from vidcompare.schemas import JobStatus

FUNCTIONS = ("start_batch", "job_status", "process_combo")


@dataclass
class FaultReport:
    jobs: int = 0
    combinations_expected: int = 0
    combinations_recorded: int = 0
    combinations_lost: int = 0
    combinations_counted_twice: int = 0
    model_runs_per_combination: float = 0.0  # claims that ran the models / combinations
    jobs_finished: int = 0
    crashes: int = 0
    restarts: int = 0
    duplicate_deliveries: bool = False
    wall_seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    def table(self) -> str:
        rows = [(name, value) for name, value in vars(self).items() if name != "problems"]
        width = max(len(name) for name, _ in rows)
        lines = [f"{name.ljust(width)}  {value}" for name, value in rows]
        return "\n".join(lines + [f"problem: {p}" for p in self.problems])


@contextlib.contextmanager
def duplicate_deliveries(info: StackInfo) -> Iterator[None]:
    """A second push subscription to process_combo per topic shard: every message
    arrives twice."""
    subscriber = pubsub_v1.SubscriberClient()
    endpoint = f"http://127.0.0.1:{info.service('process_combo').port}/"
    names = []
    for topic in info.topics:
        name = f"projects/{info.project}/subscriptions/{topic}-push-duplicate"
        subscriber.create_subscription(
            request={
                "name": name,
                "topic": f"projects/{info.project}/topics/{topic}",
                "push_config": {"push_endpoint": endpoint},
                "ack_deadline_seconds": int(info.env.get("VIDCOMPARE_ACK_DEADLINE_S", 600)),
            }
        )
        names.append(name)
    try:
        yield
    finally:
        for name in names:
            with contextlib.suppress(PubSubNotFound):
                subscriber.delete_subscription(request={"subscription": name})
        subscriber.close()


def _unfinished(job_ids: list[str]) -> list[str]:
    return [j for j in job_ids if not store.get_job(j).status.finished]


def run_fault_suite(
    stack: Stack,
    video_ids: list[str],
    *,
    jobs: int,
    combinations: int,
    models: list[str],
    judge_model: str | None = None,
    duplicates: bool = True,
    crashes: int = 2,
    restarts: int = 1,
    timeout: float = 300.0,
    seed: int = 7,
) -> FaultReport:
    """Run ``jobs`` batches of ``combinations`` each under faults; report what happened."""
    assert stack.info is not None
    rng = random.Random(seed)
    report = FaultReport(jobs=jobs, duplicate_deliveries=duplicates)
    started = time.monotonic()
    with contextlib.ExitStack() as scope:
        if duplicates:
            scope.enter_context(duplicate_deliveries(stack.info))
        client = scope.enter_context(Client(stack.info.base_url, timeout=60))
        job_ids = []
        for j in range(jobs):
            prompts = [f"Fault run {seed}, job {j}, question {i}." for i in range(combinations)]
            video = video_ids[j % len(video_ids)]
            lanes = 1 + j % 2  # half the jobs run two lanes
            accepted = client.start_batch(
                [video], prompts, models, judge_model=judge_model, concurrency=lanes
            )
            job_ids.append(accepted.job_id)
        report.combinations_expected = jobs * combinations

        # The faults, at random moments while the jobs run. Status is read from
        # Firestore: job_status itself is down during a restart.
        faults = ["crash"] * crashes + ["restart"] * restarts
        rng.shuffle(faults)
        deadline = started + timeout
        while _unfinished(job_ids) and time.monotonic() < deadline:
            time.sleep(rng.uniform(0.2, 1.0))
            if not faults:
                continue
            if faults.pop() == "crash":
                stack.restart("process_combo", sig=signal.SIGKILL)
                report.crashes += 1
            else:
                stack.restart(*FUNCTIONS, sig=signal.SIGTERM)
                report.restarts += 1
        _check(job_ids, models, report)
    report.wall_seconds = round(time.monotonic() - started, 1)
    return report


def _check(job_ids: list[str], models: list[str], report: FaultReport) -> None:
    runs = 0
    for job_id in job_ids:
        job = store.get_job(job_id)
        combos = store.combination_attempts(job_id)
        total = job.total_combinations
        report.combinations_recorded += len(combos)
        report.combinations_lost += total - len(combos)
        runs += sum(combos.values())
        # Every counter must equal the number of recorded combinations.
        counted = [job.completed_combinations] + [
            stats.answered + stats.errors for stats in job.stats.values()
        ]
        report.combinations_counted_twice += max(0, max(counted) - len(combos))
        if len(job.stats) != len(models):
            report.problems.append(f"{job_id}: stats for {sorted(job.stats)}")
        if job.status is JobStatus.completed:
            report.jobs_finished += 1
        else:
            report.problems.append(f"{job_id}: {job.status.value} at {len(combos)}/{total}")
    if report.combinations_recorded:
        report.model_runs_per_combination = round(runs / report.combinations_recorded, 3)
