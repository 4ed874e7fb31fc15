"""``/api/jobs``: progress, listing, results and cancel."""

from __future__ import annotations

from typing import Any

from vidcompare import store
from vidcompare.errors import InvalidRequest
from vidcompare.leaderboard import leaderboard_from_stats
from vidcompare.schemas import (
    CancelAnswer,
    Comparison,
    JobList,
    JobResult,
    JobStatus,
    JobView,
    JudgeSummary,
    LeaderboardEntry,
)

MAX_PAGE_SIZE = 100


def job_view(doc: dict[str, Any], *, result: JobResult | None = None) -> JobView:
    status = JobStatus(doc["status"])
    done, total = doc["completed_combinations"], doc["total_combinations"]
    return JobView(
        job_id=doc["job_id"],
        status=status,
        progress=progress(status, done, total),
        progress_message=progress_message(status, done, total, doc.get("error")),
        completed_combinations=doc["completed_combinations"],
        total_combinations=doc["total_combinations"],
        total_videos=doc["total_videos"],
        total_prompts=doc["total_prompts"],
        models=doc["models"],
        judge_model=doc["judge_model"],
        concurrency=doc["concurrency"],
        created_at=doc["created_at"],
        updated_at=doc["updated_at"],
        started_at=doc.get("started_at"),
        finished_at=doc.get("finished_at"),
        eta_seconds=_eta_seconds(doc, status),
        error=doc.get("error"),
        result=result,
        **_totals(doc),
    )


def _totals(doc: dict[str, Any]) -> dict[str, Any]:
    """Tokens and estimated cost of the job so far: every model plus the judge."""
    parts = [*(doc.get("stats") or {}).values(), doc.get("judge_stats") or {}]
    return {
        "total_tokens": sum(int(p.get("total_tokens", 0)) for p in parts),
        "estimated_cost_usd": round(sum(float(p.get("estimated_cost_usd", 0)) for p in parts), 6),
        "unpriced_calls": sum(int(p.get("unpriced_calls", 0)) for p in parts),
    }


def _judge_summary(doc: dict[str, Any]) -> JudgeSummary:
    totals = doc.get("judge_stats") or {}
    judged = int(totals.get("judged", 0))
    return JudgeSummary(
        judge_model=doc["judge_model"],
        judged=judged,
        errors=int(totals.get("errors", 0)),
        mean_latency_ms=round(totals["latency_ms_sum"] / judged, 1) if judged else None,
        total_tokens=int(totals.get("total_tokens", 0)),
        estimated_cost_usd=round(float(totals.get("estimated_cost_usd", 0.0)), 6),
        unpriced_calls=int(totals.get("unpriced_calls", 0)),
        judge_swaps=doc.get("judge_swaps", 1),
        position_consistency=(
            round(totals["consistent"] / totals["swapped"], 3) if totals.get("swapped") else None
        ),
    )


def progress(status: JobStatus, done: int, total: int) -> float:
    """The seed's scale: 5 % queued, combinations fill 10..90 %, 100 % completed."""
    if status is JobStatus.pending:
        return 5.0
    if status is JobStatus.completed:
        return 100.0
    return round(10 + 80 * done / total, 1)


def progress_message(status: JobStatus, done: int, total: int, error: str | None) -> str:
    match status:
        case JobStatus.pending:
            return f"Queued {total} combinations"
        case JobStatus.running if done >= total:
            return f"Finishing: {total}/{total} combinations done"
        case JobStatus.running:
            return f"Processing combination {done + 1}/{total}..."
        case JobStatus.completed:
            return f"Completed {total}/{total} combinations"
        case JobStatus.cancelled:
            return f"Cancelled after {done}/{total} combinations"
        case JobStatus.failed:
            return f"Failed after {done}/{total} combinations: {error}"


def _eta_seconds(doc: dict[str, Any], status: JobStatus) -> float | None:
    """Remaining time at the pace measured so far in this job."""
    done, total, started = (
        doc["completed_combinations"],
        doc["total_combinations"],
        doc.get("started_at"),
    )
    if status.finished:
        return 0.0 if status is JobStatus.completed else None
    if not done or started is None:
        return None
    elapsed = (store.now() - started).total_seconds()
    return round(elapsed / done * (total - done), 1)


def get_job(job_id: str, *, owner: str | None) -> JobView:
    doc = store.get_job(job_id, owner=owner)
    result = _result(doc) if doc["status"] == JobStatus.completed.value else None
    return job_view(doc, result=result)


def list_jobs(args: dict[str, str], *, owner: str | None) -> JobList:
    try:
        limit = int(args.get("limit", 20))
    except ValueError:
        raise InvalidRequest.for_field("limit", "must be an integer") from None
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise InvalidRequest.for_field("limit", f"must be between 1 and {MAX_PAGE_SIZE}")
    status = None
    if "status" in args:
        try:
            status = JobStatus(args["status"])
        except ValueError:
            known = ", ".join(s.value for s in JobStatus)
            raise InvalidRequest.for_field("status", f"must be one of {known}") from None
    docs, next_token = store.list_jobs(
        owner=owner, status=status, limit=limit, page_token=args.get("page_token") or None
    )
    return JobList(jobs=[job_view(d) for d in docs], next_page_token=next_token)


def get_result(job_id: str, *, owner: str | None) -> JobResult:
    return _result(store.get_job(job_id, owner=owner))


def _result(doc: dict[str, Any]) -> JobResult:
    comparisons = [Comparison.model_validate(c) for c in store.list_comparisons(doc["job_id"])]
    leaderboard = doc.get("leaderboard") or leaderboard_from_stats(
        doc.get("stats") or {}, doc["models"]
    )
    return JobResult(
        job_id=doc["job_id"],
        status=JobStatus(doc["status"]),
        complete=doc["status"] == JobStatus.completed.value,
        comparisons=comparisons,
        total_videos=doc["total_videos"],
        total_prompts=doc["total_prompts"],
        total_combinations=doc["total_combinations"],
        completed_combinations=doc["completed_combinations"],
        leaderboard=[LeaderboardEntry.model_validate(row) for row in leaderboard],
        judge=_judge_summary(doc),
        **_totals(doc),
    )


def cancel(job_id: str, *, owner: str | None) -> CancelAnswer:
    status = store.cancel_job(job_id, owner=owner)
    doc = store.get_job(job_id, owner=owner)
    return CancelAnswer(
        job_id=job_id,
        status=status,
        completed_combinations=doc["completed_combinations"],
        total_combinations=doc["total_combinations"],
        still_running=store.running_combinations(job_id),
    )
