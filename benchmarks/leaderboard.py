"""The leaderboard across jobs at scale: ``GET /api/leaderboard`` over 10,000 comparisons.

    .venv/bin/python benchmarks/leaderboard.py [--jobs 10] [--per-job 1000] [--calls 20]

The jobs are written straight into the Firestore emulator as committed jobs leave them
(a job document with its plan and totals, and its score rows: 10 videos × 100 prompts ×
4 models each, scores drawn from known model strengths, a judge swap on every combination)
so that no model has to run. Then a client times the API through the local gateway, as a
user sees it: by model, by prompt tag, and with filters. The ranking's own share (numpy,
no I/O) is timed apart, in process.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as functions/job_status sets it

import argparse
import random
import statistics
import time
import uuid

from harness import Figure, bench_stack, machine, p50_p95, print_figures

from vidcompare import library_leaderboard, ranking, store
from vidcompare.api.batches import job_document
from vidcompare.auth import LOCAL_OWNER
from vidcompare.documents import ModelStats
from vidcompare.gcp import firestore_client
from vidcompare.plan import Plan
from vidcompare.schemas import BatchRequest, Comparison, Evaluation, JobStatus, ModelResult, Usage
from vidcompare.score_rows import encode
from vidcompare.store.scores import CHUNK, chunk_ref

MODELS = {"gemini-3.1-pro-preview": 2.0, "gemini-3.8-flash": 1.4, "gemini-3.6-flash": 1.0,
          "gemini-3.5-flash-lite": 0.6}  # fmt: skip
TAG = "bench-library"


def synthetic_job(rng: random.Random, per_job: int, videos: int) -> str:
    prompts = [f"Question {p} about the video?" for p in range(per_job // videos)]
    request = BatchRequest(
        video_ids=[f"video-{v:03d}" for v in range(videos)],
        prompts=prompts,
        models=list(MODELS),
        judge_model="gemini-3.8-flash",
        tags=[TAG],
        prompt_tags={p: ("A" if i % 2 else "B") for i, p in enumerate(prompts)},
    )
    plan = Plan.from_request(request)
    job = job_document(request, plan, judge_model="gemini-3.8-flash", lanes=1, owner=LOCAL_OWNER)
    job.status, job.completed_combinations = JobStatus.completed, plan.total
    job.stats = {m: ModelStats(model_name=m) for m in MODELS}
    store.create_job(job)
    chunks: dict[int, dict[str, str]] = {}
    for index in range(plan.total):
        results, evaluation = [], []
        for model_id, strength in MODELS.items():
            score = max(1, min(10, round(rng.gauss(5 + 1.5 * strength, 1.5))))
            results.append(
                ModelResult(model_name=model_id, model_id=model_id, response="…",
                            latency_ms=rng.randint(800, 9000),
                            usage=Usage(estimated_cost_usd=0.0004 * strength))
            )  # fmt: skip
            evaluation.append(Evaluation(model_name=model_id, model_id=model_id, score=score))
        comparison = Comparison(
            index=index, video_id="", prompt="", results=results, evaluation=evaluation,
            position_consistent=rng.random() < 0.85,
        )  # fmt: skip
        chunks.setdefault(index // CHUNK, {})[str(index)] = encode(comparison)
    batch = firestore_client().batch()
    for chunk, rows in chunks.items():
        batch.set(chunk_ref(job.job_id, chunk), {"rows": rows})
    batch.commit()
    return job.job_id


def timed_calls(call, calls: int) -> list[float]:
    call()  # warm: the first request of an instance imports and connects
    samples = []
    for _ in range(calls):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=10)
    parser.add_argument("--per-job", type=int, default=1000)
    parser.add_argument("--calls", type=int, default=20)
    args = parser.parse_args()
    total = args.jobs * args.per_job
    rng = random.Random(18)
    with bench_stack() as bench:
        started = time.perf_counter()
        job_ids = [synthetic_job(rng, args.per_job, 10) for _ in range(args.jobs)]
        print(f"seeded {total:,} comparisons in {time.perf_counter() - started:.1f} s")
        board = bench.client.leaderboard(tag=TAG)
        assert board.comparisons == total, board.comparisons
        print([(m.model_id, m.rating, m.rating_ci) for m in board.models])
        figures = []
        for label, call in [
            ("by model", lambda: bench.client.leaderboard(tag=TAG)),
            ("by prompt tag", lambda: bench.client.leaderboard(tag=TAG, by="prompt_tag")),
            ("by prompt (100 prompts)", lambda: bench.client.leaderboard(tag=TAG, by="prompt")),
            ("one job (short id), two models", lambda: bench.client.leaderboard(
                job=job_ids[0][:8], model=list(MODELS)[:2])),
        ]:  # fmt: skip
            samples = timed_calls(call, args.calls)
            target = "p50 ≤ 200 ms" if label == "by model" else ""
            met = statistics.median(samples) <= 0.200 if target else None
            figures.append(
                Figure(f"GET /api/leaderboard, {total:,} comparisons, {label}",
                       p50_p95(samples), target, met)
            )  # fmt: skip
        query = library_leaderboard.LeaderboardQuery(tags=[TAG])
        jobs = store.leaderboard_jobs(owner=LOCAL_OWNER, since=None, until=None)
        rows = store.read_rows(jobs)
        gathered = library_leaderboard.gather(jobs, rows, query)
        samples = timed_calls(lambda: ranking.leaderboard(gathered), args.calls)
        figures.append(Figure("of which ranking (numpy, in process)", p50_p95(samples), ""))
        samples = timed_calls(lambda: library_leaderboard.gather(jobs, rows, query), args.calls)
        figures.append(Figure("of which rows → arrays (in process)", p50_p95(samples), ""))
        samples = timed_calls(lambda: store.read_rows(jobs), args.calls)
        figures.append(Figure("of which reading the rows (in process)", p50_p95(samples), ""))
    print(f"machine: {machine()}  ·  run {uuid.uuid4().hex[:6]}")
    print_figures(figures)


if __name__ == "__main__":
    main()
