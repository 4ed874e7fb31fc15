"""Job documents: create, read, list, cancel, and the transitions that happen once."""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from google.api_core.exceptions import FailedPrecondition
from google.cloud import firestore
from google.cloud.firestore_v1.field_path import FieldPath

from vidcompare.documents import SUMMARY_FIELDS, ComboState, JobDoc, JudgeStats, ModelStats
from vidcompare.errors import Conflict, InvalidRequest, NotFound, RetryLater
from vidcompare.gcp import firestore_client
from vidcompare.lanes import Dispatch
from vidcompare.leaderboard import judge_delta, leaderboard_from_stats, stats_delta
from vidcompare.schemas import Comparison, JobStatus
from vidcompare.store.lanes import dispatch_ref
from vidcompare.store.refs import JOBS, comparisons, job_ref, now, transact

# An optimistic write that loses this many times in a row to other writers gives up
# (the delivery is retried later); each loss means another worker made progress.
TRANSITION_ATTEMPTS = 50


def create_job(job: JobDoc, *, dispatch: Dispatch | None = None) -> None:
    """Write a new job; ``dispatch``: an Auto job's first cursor and lanes, in the same
    write (:mod:`.lanes`)."""
    batch = firestore_client().batch()
    batch.create(job_ref(job.job_id), job.to_doc())
    if dispatch is not None:
        batch.create(
            dispatch_ref(job.job_id),
            {"cursor": dispatch.cursor, "lanes": dispatch.lanes, "expire_at": job.expire_at},
        )
    batch.commit()


def delete_job(job_id: str) -> None:
    """Remove a job that never started (nothing of it was published)."""
    batch = firestore_client().batch()
    batch.delete(dispatch_ref(job_id))
    batch.delete(job_ref(job_id))
    batch.commit()


def get_job(job_id: str, *, owner: str | None = None, with_plan: bool = False) -> JobDoc:
    fields = None if with_plan else SUMMARY_FIELDS
    snapshot = job_ref(job_id).get(field_paths=fields)
    doc = snapshot.to_dict() if snapshot.exists else None
    # Another owner's job answers exactly like a missing one: ids are not secrets to probe.
    if doc is None or (owner is not None and doc.get("owner") != owner):
        raise NotFound(f"job {job_id!r} not found")
    return JobDoc.from_doc(doc)


# A short id shorter than this could name too many jobs to be worth a query.
MIN_JOB_PREFIX = 6
_PREFIX_MATCHES_SHOWN = 5


def job_id_for_prefix(prefix: str, *, owner: str | None) -> str:
    """The one job of ``owner`` whose id starts with ``prefix`` (ids as the page and the
    CLI show them: the first 12 characters); NotFound for none, Conflict for several."""
    if len(prefix) < MIN_JOB_PREFIX:
        raise NotFound(
            f"job {prefix!r} not found (a short job id needs at least {MIN_JOB_PREFIX} characters)"
        )
    start = job_ref(prefix)  # (a prefix no id could start with is a 404 here)
    end = start.parent.document(prefix + "\uf8ff")
    # Document ids sort as strings: the ids with this prefix are one range of names.
    by_id = FieldPath.document_id()
    query = (
        start.parent.where(filter=firestore.FieldFilter(by_id, ">=", start))
        .where(filter=firestore.FieldFilter(by_id, "<", end))
        .order_by(by_id)
        .select(["owner"])
        .limit(50)
    )
    found = [s.id for s in query.stream() if owner is None or s.get("owner") == owner]
    if not found:
        raise NotFound(f"job {prefix!r} not found")
    if len(found) > 1:
        shown = ", ".join(found[:_PREFIX_MATCHES_SHOWN]) + (", …" * (len(found) > 5))
        raise Conflict(f"job id {prefix!r} is ambiguous: {len(found)} jobs start with it ({shown})")
    return found[0]


def list_jobs(
    *, owner: str | None, status: JobStatus | None, limit: int, page_token: str | None
) -> tuple[list[JobDoc], str | None]:
    query = firestore_client().collection(JOBS)
    if owner is not None:
        query = query.where(filter=firestore.FieldFilter("owner", "==", owner))
    if status is not None:
        query = query.where(filter=firestore.FieldFilter("status", "==", status.value))
    query = query.order_by("created_at", direction=firestore.Query.DESCENDING)
    query = query.order_by("job_id", direction=firestore.Query.DESCENDING)
    if page_token:
        # A position in the order, not a document read: a token says nothing of whether a
        # job exists (another owner's id in a made-up token is just a place to start).
        query = query.start_after(_cursor(page_token))
    jobs = [
        JobDoc.from_doc(s.to_dict()) for s in query.select(SUMMARY_FIELDS).limit(limit + 1).stream()
    ]
    next_token = _page_token(jobs[limit - 1]) if len(jobs) > limit else None
    return jobs[:limit], next_token


def _page_token(job: JobDoc) -> str:
    position = json.dumps({"c": job.created_at.isoformat(), "j": job.job_id})
    return base64.urlsafe_b64encode(position.encode()).decode().rstrip("=")


def _cursor(token: str) -> dict[str, Any]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        position = json.loads(raw)
        return {
            "created_at": dt.datetime.fromisoformat(position["c"]),
            "job_id": str(position["j"]),
        }
    except (ValueError, TypeError, KeyError, UnicodeDecodeError):
        raise InvalidRequest.for_field("page_token", "is not a page token from this API") from None


def recent_completed_jobs(*, owner: str | None, limit: int) -> list[JobDoc]:
    """The caller's latest completed jobs, newest first (their totals make estimates)."""
    query = firestore_client().collection(JOBS)
    if owner is not None:
        query = query.where(filter=firestore.FieldFilter("owner", "==", owner))
    query = query.where(filter=firestore.FieldFilter("status", "==", JobStatus.completed.value))
    query = query.order_by("created_at", direction=firestore.Query.DESCENDING).limit(limit)
    return [JobDoc.from_doc(s.to_dict()) for s in query.select(SUMMARY_FIELDS).stream()]


def stalled_jobs(stale_after: dt.timedelta) -> list[JobDoc]:
    """Unfinished jobs that nothing has written to for ``stale_after``."""
    cutoff, jobs = now() - stale_after, []
    for status in (JobStatus.pending, JobStatus.running):
        query = (
            firestore_client()
            .collection(JOBS)
            .where(filter=firestore.FieldFilter("status", "==", status.value))
            .where(filter=firestore.FieldFilter("updated_at", "<", cutoff))
        )
        jobs += [JobDoc.from_doc(s.to_dict()) for s in query.select(SUMMARY_FIELDS).stream()]
    return jobs


def touch_job(job_id: str) -> None:
    """Start a job's stale clock again (the sweep gives what it republished time)."""
    job_ref(job_id).update({"updated_at": firestore.SERVER_TIMESTAMP})


def cancel_job(job_id: str, *, owner: str | None) -> JobStatus:
    """Cancel a pending or running job; idempotent; Conflict once it has finished."""

    def run(tx: firestore.Transaction) -> JobStatus:
        snapshot = job_ref(job_id).get(field_paths=["owner", "status"], transaction=tx)
        doc = snapshot.to_dict() if snapshot.exists else None
        if doc is None or (owner is not None and doc.get("owner") != owner):
            raise NotFound(f"job {job_id!r} not found")
        status = JobStatus(doc["status"])
        if status is JobStatus.cancelled:
            return status
        if status.finished:
            raise Conflict(f"job {job_id!r} is already {status.value}; it cannot be cancelled")
        stamp = now()
        tx.update(
            job_ref(job_id),
            {"status": JobStatus.cancelled.value, "updated_at": stamp, "finished_at": stamp},
        )
        return JobStatus.cancelled

    return transact(run)


def fail_job(job_id: str, error: str) -> None:
    """Mark a job failed (unless it already finished) with a readable error."""

    def decide(job: JobDoc | None) -> dict[str, Any] | None:
        if job is None or job.status.finished:
            return None
        stamp = now()
        return {
            "status": JobStatus.failed.value,
            "error": error,
            "updated_at": stamp,
            "finished_at": stamp,
        }

    _transition(job_id, decide)


def start_job(job_id: str) -> None:
    """pending → running, once (the first claim of any lane)."""

    def decide(job: JobDoc | None) -> dict[str, Any] | None:
        if job is None or job.status is not JobStatus.pending:
            return None
        return {"status": JobStatus.running.value, "started_at": now(), "updated_at": now()}

    _transition(job_id, decide)


def finish_if_complete(job_id: str) -> JobStatus:
    """Mark a running job whose every combination is done as completed, exactly once."""

    def decide(job: JobDoc | None) -> dict[str, Any] | None:
        if job is None or job.status is not JobStatus.running:
            return None
        if job.completed_combinations < job.total_combinations:
            return None
        stamp = now()
        board = leaderboard_from_stats(job.stats, job.models)
        return {
            "status": JobStatus.completed.value,
            "finished_at": stamp,
            "updated_at": stamp,
            "leaderboard": [row.model_dump() for row in board],
        }

    after = _transition(job_id, decide)
    # A job deleted under a running worker has nothing left to chain: treat it as failed.
    return JobStatus(after.get("status", JobStatus.failed.value))


def _transition(
    job_id: str, decide: Callable[[JobDoc | None], dict[str, Any] | None]
) -> dict[str, Any]:
    """Read, decide, write only if nobody wrote in between (an optimistic transaction).

    Used for the job transitions that must happen once (pending → running,
    running → completed, → failed) without holding locks that parallel lanes would wait on.
    ``decide`` gets None for a missing document. Returns the document afterwards.
    """
    ref = job_ref(job_id)
    for _ in range(TRANSITION_ATTEMPTS):
        # The summary only: the plan can be large and no transition needs it.
        snapshot = ref.get(field_paths=SUMMARY_FIELDS)
        doc = snapshot.to_dict() or {}
        update = decide(JobDoc.from_doc(doc) if doc else None)
        if update is None:
            return doc
        try:
            ref.update(
                update,
                option=firestore_client().write_option(last_update_time=snapshot.update_time),
            )
            return doc | update
        except FailedPrecondition:
            continue  # someone else wrote first: decide again on what they wrote
    raise RetryLater(
        f"job {job_id} changed under {TRANSITION_ATTEMPTS} attempts to update it; try again",
        retry_after_s=1,
    )


def counter_increments(comparison: Comparison) -> dict[str, Any]:
    """The job document's updates for one committed comparison: blind increments."""
    increments: dict[str, Any] = {
        "completed_combinations": firestore.Increment(1),
        "updated_at": firestore.SERVER_TIMESTAMP,
    }
    for model_id, delta in stats_delta(comparison).items():
        for name, value in delta.model_dump().items():
            path = FieldPath("stats", model_id, name).to_api_repr()
            increments[path] = value if name == "model_name" else firestore.Increment(value)
    for name, value in judge_delta(comparison).model_dump().items():
        increments[f"judge_stats.{name}"] = firestore.Increment(value)
    return increments


def recount(job_id: str) -> None:
    """Make a job's counters agree with its comparisons (after a restore from a snapshot
    that may have caught a commit half-way): done count, per-model and judge totals. One
    transaction: a commit landing meanwhile makes it read again."""
    done_query = comparisons(job_id).where(
        filter=firestore.FieldFilter("state", "==", ComboState.done.value)
    )

    def run(tx: firestore.Transaction) -> None:
        done = [Comparison.model_validate(s.to_dict()) for s in tx.get(done_query)]
        stats: dict[str, ModelStats] = {}
        judge = JudgeStats()
        for comparison in done:
            for model_id, delta in stats_delta(comparison).items():
                stats[model_id] = stats.get(model_id, ModelStats()) + delta
            judge += judge_delta(comparison)
        tx.update(
            job_ref(job_id),
            {
                "completed_combinations": len(done),
                "stats": {m: s.model_dump() for m, s in stats.items()},
                "judge_stats": judge.model_dump(),
            },
        )

    transact(run)
