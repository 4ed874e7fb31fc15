"""``/api/jobs``: progress, listing, results and cancel."""

from __future__ import annotations

import re
from typing import Any

from vidcompare import reports, store
from vidcompare.api.routing import RawAnswer
from vidcompare.documents import CallTotals, JobDoc
from vidcompare.errors import InvalidRequest
from vidcompare.leaderboard import leaderboard_from_stats
from vidcompare.plan import Plan
from vidcompare.schemas import (
    BatchRequest,
    CancelAnswer,
    JobList,
    JobResult,
    JobStatus,
    JobView,
    JudgeSummary,
    LeaderboardEntry,
    Pair,
)

MAX_PAGE_SIZE = 100
_WHOLE_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def full_job_id(job_id: str, *, owner: str | None) -> str:
    """``job_id`` itself, or the whole id of the one job it is a short form of (a unique
    prefix, as the page and the CLI's lists show ids)."""
    if _WHOLE_ID.fullmatch(job_id):
        return job_id
    return store.job_id_for_prefix(job_id, owner=owner)


def job_view(job: JobDoc, *, result: JobResult | None = None) -> JobView:
    done, total = job.completed_combinations, job.total_combinations
    return JobView(
        job_id=job.job_id,
        name=job.name,
        tags=job.tags,
        status=job.status,
        progress=progress(job.status, done, total),
        progress_message=progress_message(job.status, done, total, job.error),
        completed_combinations=done,
        total_combinations=total,
        total_videos=job.total_videos,
        total_prompts=job.total_prompts,
        models=job.models,
        judge_model=job.judge_model,
        warnings=job.warnings,
        concurrency=job.concurrency,
        auto_concurrency=job.auto_concurrency,
        created_at=job.created_at,
        updated_at=job.updated_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
        eta_seconds=_eta_seconds(job),
        error=job.error,
        result=result,
        **_totals(job),
    )


def _totals(job: JobDoc) -> dict[str, Any]:
    """Tokens and estimated cost of the job so far: every model plus the judge."""
    parts: list[CallTotals] = [*job.stats.values(), job.judge_stats]
    return {
        "total_tokens": sum(p.total_tokens for p in parts),
        "estimated_cost_usd": round(sum(p.estimated_cost_usd for p in parts), 6),
        "unpriced_calls": sum(p.unpriced_calls for p in parts),
    }


def _judge_summary(job: JobDoc) -> JudgeSummary:
    totals = job.judge_stats
    return JudgeSummary(
        judge_model=job.judge_model,
        judged=totals.judged,
        errors=totals.errors,
        mean_latency_ms=totals.mean_latency_ms,
        total_tokens=totals.total_tokens,
        estimated_cost_usd=round(totals.estimated_cost_usd, 6),
        unpriced_calls=totals.unpriced_calls,
        judge_swaps=job.judge_swaps,
        position_consistency=totals.position_consistency,
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


def _eta_seconds(job: JobDoc) -> float | None:
    """Remaining time at the pace measured so far in this job."""
    done, total = job.completed_combinations, job.total_combinations
    if job.status.finished:
        return 0.0 if job.status is JobStatus.completed else None
    if not done or job.started_at is None:
        return None
    elapsed = (store.now() - job.started_at).total_seconds()
    return round(elapsed / done * (total - done), 1)


def get_job(job_id: str, *, owner: str | None) -> JobView:
    job = store.get_job(full_job_id(job_id, owner=owner), owner=owner)
    view = job_view(job, result=_result(job) if job.status is JobStatus.completed else None)
    if job.auto_concurrency and not job.status.finished:
        dispatch = store.read_dispatch(job.job_id)
        view.lanes_now = dispatch.lanes if dispatch is not None else None
    return view


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
    jobs, next_token = store.list_jobs(
        owner=owner, status=status, limit=limit, page_token=args.get("page_token") or None
    )
    return JobList(jobs=[job_view(j) for j in jobs], next_page_token=next_token)


def get_result(job_id: str, *, owner: str | None) -> JobResult:
    return _result(store.get_job(full_job_id(job_id, owner=owner), owner=owner))


def export(job_id: str, fmt: str, *, owner: str | None) -> RawAnswer:
    """The result as a file (``reports.FORMATS``), named for the job, to save or mail."""
    job = store.get_job(full_job_id(job_id, owner=owner), owner=owner)
    result = _result(job)
    # The names the videos had when the job started (a job from before they were kept:
    # today's names).
    filenames = result.video_names or store.video_filenames(
        [c.video_id for c in result.comparisons], owner=owner
    )
    exported = reports.render(result, fmt, filenames=filenames, job=job_view(job))
    name = reports.download_name(job.job_id, job.name, exported.extension)
    return RawAnswer(
        exported.text.encode(),
        f"{exported.media_type}; charset=utf-8",
        {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


def batch_request(job_id: str, *, owner: str | None) -> BatchRequest:
    """The body that runs this job again: its videos and prompts (or its pairs), models,
    judge, lanes, swaps and name. Repeats were collapsed when it started, so none remain."""
    job = store.get_job(full_job_id(job_id, owner=owner), owner=owner, with_plan=True)
    plan = Plan.from_doc(job.plan or {})
    shape: dict[str, Any]
    if plan.pairs is None:
        shape = {"video_ids": plan.video_ids, "prompts": plan.prompts}
    else:
        shape = {
            "pairs": [
                Pair(video_id=plan.video_ids[v], prompt=plan.prompts[p]) for v, p in plan.pairs
            ]
        }
    return BatchRequest(
        **shape,
        models=job.models,
        judge_model=job.judge_model,
        concurrency="auto" if job.auto_concurrency else job.concurrency,
        judge_swaps=job.judge_swaps,
        name=job.name,
        tags=job.tags,
        prompt_tags=job.prompt_tags,
    )


def _result(job: JobDoc) -> JobResult:
    if job.leaderboard:
        leaderboard = [LeaderboardEntry.model_validate(row) for row in job.leaderboard]
    else:
        leaderboard = leaderboard_from_stats(job.stats, job.models)
    return JobResult(
        job_id=job.job_id,
        status=job.status,
        complete=job.status is JobStatus.completed,
        comparisons=store.list_comparisons(job.job_id),
        total_videos=job.total_videos,
        total_prompts=job.total_prompts,
        total_combinations=job.total_combinations,
        completed_combinations=job.completed_combinations,
        leaderboard=leaderboard,
        judge=_judge_summary(job),
        video_names=job.video_names,
        **_totals(job),
    )


def cancel(job_id: str, *, owner: str | None) -> CancelAnswer:
    job_id = full_job_id(job_id, owner=owner)
    status = store.cancel_job(job_id, owner=owner)
    # Held combinations first, then the count: one that commits in between is counted in
    # both (the answer's bound holds); the other order could count it in neither.
    still_running = store.running_combinations(job_id)
    job = store.get_job(job_id, owner=owner)
    return CancelAnswer(
        job_id=job_id,
        status=status,
        completed_combinations=job.completed_combinations,
        total_combinations=job.total_combinations,
        still_running=still_running,
    )
