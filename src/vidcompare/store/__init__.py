"""Firestore documents and the transactions that keep at-least-once delivery safe.

``jobs/{job_id}``                       small: status, plan, counters, per-model stats
``jobs/{job_id}/comparisons/{index}``   one per combination: lease, attempts, results
``videos/{video_id}``                   where a video is and what it is

The claim and commit transactions implement docs/architecture.md §4: a finished combination is
never run or counted again, a live lease makes a duplicate message fail (so Pub/Sub
redelivers it), and only the commit that makes ``done == total`` finishes the job.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from google.api_core.exceptions import FailedPrecondition
from google.cloud import firestore
from google.cloud.firestore_v1.field_path import FieldPath

from vidcompare.config import settings
from vidcompare.errors import Conflict, InvalidRequest, LeaseHeld, NotFound
from vidcompare.gcp import firestore_client
from vidcompare.leaderboard import judge_delta, leaderboard_from_stats, stats_delta
from vidcompare.schemas import SAFE_ID_PATTERN, JobStatus

_SAFE_ID = re.compile(SAFE_ID_PATTERN)
JOBS = "jobs"
COMPARISONS = "comparisons"
VIDEOS = "videos"

# Everything in a job document except its plan, which can be large and never changes.
JOB_SUMMARY_FIELDS = [
    "job_id",
    "owner",
    "status",
    "completed_combinations",
    "total_combinations",
    "total_videos",
    "total_prompts",
    "models",
    "judge_model",
    "judge_swaps",
    "concurrency",
    "created_at",
    "updated_at",
    "started_at",
    "finished_at",
    "error",
    "stats",
    "judge_stats",
    "leaderboard",
    "expire_at",
]


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def expiry(start: dt.datetime) -> dt.datetime:
    """When a document made at ``start`` may go: the field Firestore's TTL policy reads."""
    return start + dt.timedelta(days=settings().retention_days)


def combo_id(index: int) -> str:
    # Zero-padded so that document ids sort in combination order.
    return f"{index:08d}"


def _safe_id(kind: str, value: str) -> str:
    # Not every string is a document id ("..", "a/b", "__x__"); none of ours look like that.
    if not _SAFE_ID.match(value):
        raise NotFound(f"{kind} {value!r} not found")
    return value


def job_ref(job_id: str) -> firestore.DocumentReference:
    return firestore_client().collection(JOBS).document(_safe_id("job", job_id))


def combo_ref(job_id: str, index: int) -> firestore.DocumentReference:
    return job_ref(job_id).collection(COMPARISONS).document(combo_id(index))


def video_ref(video_id: str) -> firestore.DocumentReference:
    return firestore_client().collection(VIDEOS).document(_safe_id("video", video_id))


# --------------------------------------------------------------------------- jobs


def create_job(doc: dict[str, Any]) -> None:
    job_ref(doc["job_id"]).create(doc)


def delete_job(job_id: str) -> None:
    """Remove a job that never started (nothing of it was published)."""
    job_ref(job_id).delete()


def get_job(job_id: str, *, owner: str | None = None, with_plan: bool = False) -> dict:
    fields = None if with_plan else JOB_SUMMARY_FIELDS
    snapshot = job_ref(job_id).get(field_paths=fields)
    doc = snapshot.to_dict() if snapshot.exists else None
    # Another owner's job answers exactly like a missing one: ids are not secrets to probe.
    if doc is None or (owner is not None and doc.get("owner") != owner):
        raise NotFound(f"job {job_id!r} not found")
    return doc


def list_jobs(
    *, owner: str | None, status: JobStatus | None, limit: int, page_token: str | None
) -> tuple[list[dict], str | None]:
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
    docs = [s.to_dict() for s in query.select(JOB_SUMMARY_FIELDS).limit(limit + 1).stream()]
    next_token = _page_token(docs[limit - 1]) if len(docs) > limit else None
    return docs[:limit], next_token


def _page_token(job: dict) -> str:
    position = json.dumps({"c": job["created_at"].isoformat(), "j": job["job_id"]})
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


def cancel_job(job_id: str, *, owner: str | None) -> JobStatus:
    """Cancel a pending or running job; idempotent; Conflict once it has finished."""
    client = firestore_client()

    @firestore.transactional
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
            {
                "status": JobStatus.cancelled.value,
                "updated_at": stamp,
                "finished_at": stamp,
            },
        )
        return JobStatus.cancelled

    return run(client.transaction())


def running_combinations(job_id: str) -> int:
    """How many of a job's combinations a live worker holds now."""
    running = (
        job_ref(job_id)
        .collection(COMPARISONS)
        .where(filter=firestore.FieldFilter("state", "==", "running"))
        .select(["lease_expires_at"])
        .stream()
    )
    stamp = now()
    return sum(1 for s in running if (s.get("lease_expires_at") or stamp) > stamp)


def list_comparisons(job_id: str) -> list[dict]:
    query = (
        job_ref(job_id)
        .collection(COMPARISONS)
        .where(filter=firestore.FieldFilter("state", "==", "done"))
    )
    docs = [s.to_dict() for s in query.stream()]
    return sorted(docs, key=lambda d: d["index"])


def fail_job(job_id: str, error: str) -> None:
    """Mark a job failed (unless it already finished) with a readable error."""

    def decide(job: dict[str, Any]) -> dict[str, Any] | None:
        if not job or JobStatus(job["status"]).finished:
            return None
        stamp = now()
        return {
            "status": JobStatus.failed.value,
            "error": error,
            "updated_at": stamp,
            "finished_at": stamp,
        }

    _update_if_unchanged(job_ref(job_id), decide)


# ------------------------------------------------------------ claiming and commit


@dataclass
class Claim:
    """What the worker should do with a message."""

    action: str  # "run" | "chain" | "drop"
    reason: str = ""
    attempts: int = 0
    next_published: bool = False
    job: dict = field(default_factory=dict)


# What a claim reads of a combination (never its results, which can be large).
_CLAIM_FIELDS = ["state", "lease_expires_at", "worker", "attempts", "next_published"]


def claim_combination(
    job_id: str, index: int, *, worker: str, lease_seconds: float, video_id: str, prompt: str
) -> Claim:
    """Take the lease on a combination, or say why not to run it.

    The job document is only read here, never written: parallel lanes claim without
    waiting on each other. The read still orders the claim after any cancel.
    """
    client = firestore_client()

    @firestore.transactional
    def run(tx: firestore.Transaction) -> Claim:
        # Both documents in one read: this is on the path from one combination to the next.
        refs = {"job": job_ref(job_id), "combo": combo_ref(job_id, index)}
        found = client.get_all(
            refs.values(), field_paths=JOB_SUMMARY_FIELDS + _CLAIM_FIELDS, transaction=tx
        )
        by_path = {s.reference.path: s for s in found}  # in no particular order
        snaps = {name: by_path[ref.path] for name, ref in refs.items()}
        if not snaps["job"].exists:
            return Claim("drop", reason="job not found")
        job = {k: v for k, v in snaps["job"].to_dict().items() if k in JOB_SUMMARY_FIELDS}
        status = JobStatus(job["status"])
        if status.finished:
            return Claim("drop", reason=f"job is {status.value}", job=job)
        combo = snaps["combo"].to_dict() if snaps["combo"].exists else {}
        if combo.get("state") == "done":
            return Claim("chain", next_published=bool(combo.get("next_published")), job=job)
        stamp = now()
        lease = combo.get("lease_expires_at")
        if combo.get("state") == "running" and lease is not None and lease > stamp:
            raise LeaseHeld(
                f"combination {index} of job {job_id} is held by {combo.get('worker')} "
                f"until {lease.isoformat()}",
                expires_at=lease,
                expires_in_s=(lease - stamp).total_seconds(),
            )
        attempts = int(combo.get("attempts", 0)) + 1
        tx.set(
            combo_ref(job_id, index),
            {
                "index": index,
                "video_id": video_id,
                "prompt": prompt,
                "state": "running",
                "worker": worker,
                "attempts": attempts,
                "claimed_at": stamp,
                "lease_expires_at": stamp + dt.timedelta(seconds=lease_seconds),
                # Gone with its job (a TTL deletion does not reach subcollections).
                "expire_at": job.get("expire_at") or expiry(stamp),
            },
            merge=True,  # keeps the crash count of earlier deliveries
        )
        return Claim("run", attempts=attempts, job=job)

    claim = run(client.transaction())
    if claim.action == "run" and claim.job["status"] == JobStatus.pending.value:
        _update_if_unchanged(
            job_ref(job_id),
            lambda job: (
                {"status": JobStatus.running.value, "started_at": now(), "updated_at": now()}
                if job.get("status") == JobStatus.pending.value
                else None
            ),
        )
    return claim


def commit_combination(job_id: str, index: int, comparison: dict[str, Any]) -> bool:
    """Record a finished combination and add it to the job's counters, once.

    Returns False when another worker had already recorded it. The job's counters
    are blind increments in the same transaction as the combination's ``done``.
    """
    client = firestore_client()
    increments: dict[str, Any] = {
        "completed_combinations": firestore.Increment(1),
        "updated_at": firestore.SERVER_TIMESTAMP,
    }
    for model_id, delta in stats_delta(comparison).items():
        for name, value in delta.items():
            path = FieldPath("stats", model_id, name).to_api_repr()
            increments[path] = value if name == "model_name" else firestore.Increment(value)
    for name, value in judge_delta(comparison).items():
        increments[f"judge_stats.{name}"] = firestore.Increment(value)

    @firestore.transactional
    def run(tx: firestore.Transaction) -> bool:
        combo_snap = combo_ref(job_id, index).get(field_paths=["state"], transaction=tx)
        if combo_snap.exists and combo_snap.get("state") == "done":
            return False
        tx.set(
            combo_ref(job_id, index),
            comparison | {"state": "done", "completed_at": now(), "next_published": False},
            merge=True,
        )
        tx.update(job_ref(job_id), increments)
        return True

    return run(client.transaction())


def finish_if_complete(job_id: str) -> JobStatus:
    """Mark a running job whose every combination is done as completed, exactly once."""

    def decide(job: dict[str, Any]) -> dict[str, Any] | None:
        if job.get("status") != JobStatus.running.value:
            return None
        if job["completed_combinations"] < job["total_combinations"]:
            return None
        stamp = now()
        return {
            "status": JobStatus.completed.value,
            "finished_at": stamp,
            "updated_at": stamp,
            "leaderboard": leaderboard_from_stats(job.get("stats") or {}, job["models"]),
        }

    after = _update_if_unchanged(job_ref(job_id), decide)
    # A job deleted under a running worker has nothing left to chain: treat it as failed.
    return JobStatus(after.get("status", JobStatus.failed.value))


def _update_if_unchanged(
    ref: firestore.DocumentReference, decide: Callable[[dict[str, Any]], dict[str, Any] | None]
) -> dict[str, Any]:
    """Read, decide, write only if nobody wrote in between (an optimistic transaction).

    Used for the job transitions that must happen once (pending → running,
    running → completed, → failed) without holding locks that parallel lanes would wait on.
    ``decide`` gets ``{}`` for a missing document. Returns the document afterwards.
    """
    while True:
        # The summary only: the plan can be large and no transition needs it.
        snapshot = ref.get(field_paths=JOB_SUMMARY_FIELDS)
        doc = snapshot.to_dict() or {}
        update = decide(doc)
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


def record_crash(job_id: str, index: int, error: str) -> int:
    """Count a crashed delivery of an unfinished combination and release its lease.

    Returns the new count (0 for a finished combination: a failed successor publish
    is not poison, it heals when Pub/Sub does).
    """
    client = firestore_client()

    @firestore.transactional
    def run(tx: firestore.Transaction) -> int:
        snapshot = combo_ref(job_id, index).get(field_paths=["crashes", "state"], transaction=tx)
        doc = snapshot.to_dict() if snapshot.exists else {}
        if doc.get("state") == "done":
            return 0  # only chaining is left; that heals when Pub/Sub does
        crashes = int(doc.get("crashes", 0)) + 1
        update: dict[str, Any] = {"index": index, "crashes": crashes, "last_crash": error}
        if doc.get("state") == "running":
            # The crashed worker holds it no longer: the redelivery may claim it at once.
            update["lease_expires_at"] = now()
        tx.set(combo_ref(job_id, index), update, merge=True)
        return crashes

    return run(client.transaction())


def renew_lease(job_id: str, index: int, holder: str, lease_seconds: float) -> bool:
    """Extend ``holder``'s lease on a running combination; False when it holds it no more
    (the combination is done, or another claim took it over)."""
    client = firestore_client()

    @firestore.transactional
    def run(tx: firestore.Transaction) -> bool:
        snapshot = combo_ref(job_id, index).get(field_paths=["state", "worker"], transaction=tx)
        doc = snapshot.to_dict() if snapshot.exists else {}
        if doc.get("state") != "running" or doc.get("worker") != holder:
            return False
        until = now() + dt.timedelta(seconds=lease_seconds)
        tx.update(combo_ref(job_id, index), {"lease_expires_at": until})
        return True

    return run(client.transaction())


def release_claim(job_id: str, index: int, *, worker: str) -> None:
    """Give a combination back unfinished (not a crash): its redelivery may claim it."""
    client = firestore_client()

    @firestore.transactional
    def run(tx: firestore.Transaction) -> None:
        snapshot = combo_ref(job_id, index).get(field_paths=["state", "worker"], transaction=tx)
        doc = snapshot.to_dict() if snapshot.exists else {}
        if doc.get("state") == "running" and doc.get("worker") == worker:
            tx.update(combo_ref(job_id, index), {"lease_expires_at": now()})

    run(client.transaction())


def release_dead_local_leases(job_id: str) -> list[int]:
    """Release the leases that workers of this host hold whose process is gone (a local
    stack restarted under them). A lease of another host, or of a live process, stays."""
    host, released = socket.gethostname(), []
    running = (
        job_ref(job_id)
        .collection(COMPARISONS)
        .where(filter=firestore.FieldFilter("state", "==", "running"))
        .select(["worker"])
        .stream()
    )
    for snapshot in running:
        holder = str(snapshot.get("worker") or "")
        parts = holder.split(":")
        if len(parts) != 3 or parts[0] != host or not parts[1].isdigit():
            continue
        if _process_exists(int(parts[1])):
            continue
        index = int(snapshot.id)
        release_claim(job_id, index, worker=holder)  # a transaction: only if still theirs
        released.append(index)
    return released


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def recount(job_id: str) -> None:
    """Make a job's counters agree with its comparisons (after a restore from a snapshot
    that may have caught a commit half-way): done count, per-model and judge totals. One
    transaction: a commit landing meanwhile makes it read again."""
    client = firestore_client()
    done_query = (
        job_ref(job_id)
        .collection(COMPARISONS)
        .where(filter=firestore.FieldFilter("state", "==", "done"))
    )

    @firestore.transactional
    def run(tx: firestore.Transaction) -> None:
        done = [s.to_dict() for s in tx.get(done_query)]
        stats: dict[str, dict[str, Any]] = {}
        judge: dict[str, Any] = {}
        for comparison in done:
            for model_id, delta in stats_delta(comparison).items():
                totals = stats.setdefault(model_id, {})
                for name, value in delta.items():
                    totals[name] = value if name == "model_name" else totals.get(name, 0) + value
            for name, value in judge_delta(comparison).items():
                judge[name] = judge.get(name, 0) + value
        tx.update(
            job_ref(job_id),
            {"completed_combinations": len(done), "stats": stats, "judge_stats": judge},
        )

    run(client.transaction())


def mark_successor_published(job_id: str, index: int) -> None:
    combo_ref(job_id, index).update({"next_published": True})


# --------------------------------------------------------------------------- videos


def create_video(doc: dict[str, Any]) -> None:
    video_ref(doc["video_id"]).create(doc)


def get_video(video_id: str, *, owner: str | None = None) -> dict:
    snapshot = video_ref(video_id).get()
    doc = snapshot.to_dict() if snapshot.exists else None
    if doc is None or (owner is not None and doc.get("owner") != owner):
        raise NotFound(f"video {video_id!r} not found")
    return doc


def missing_videos(video_ids: list[str], *, owner: str | None) -> list[str]:
    """The ids among ``video_ids`` that do not exist (or belong to someone else)."""
    refs = [video_ref(v) for v in video_ids]
    found = {
        s.id
        for s in firestore_client().get_all(refs, field_paths=["owner"])
        if s.exists and (owner is None or s.get("owner") == owner)
    }
    return [v for v in video_ids if v not in found]


def video_durations(video_ids: list[str]) -> dict[str, float]:
    refs = [video_ref(v) for v in video_ids]
    return {
        s.id: float(s.get("duration_s"))
        for s in firestore_client().get_all(refs, field_paths=["duration_s"])
        if s.exists and s.to_dict().get("duration_s") is not None
    }


def recent_job_stats(*, owner: str | None, limit: int) -> list[dict]:
    """Per-model totals of the caller's latest completed jobs (for estimates)."""
    query = firestore_client().collection(JOBS)
    if owner is not None:
        query = query.where(filter=firestore.FieldFilter("owner", "==", owner))
    query = query.where(filter=firestore.FieldFilter("status", "==", JobStatus.completed.value))
    query = query.order_by("created_at", direction=firestore.Query.DESCENDING).limit(limit)
    return [s.to_dict() for s in query.select(["stats", "judge_stats", "judge_model"]).stream()]


def list_videos(*, owner: str | None, limit: int = 1000) -> list[dict]:
    query = firestore_client().collection(VIDEOS)
    if owner is not None:
        query = query.where(filter=firestore.FieldFilter("owner", "==", owner))
    query = query.order_by("created_at", direction=firestore.Query.DESCENDING).limit(limit)
    return [s.to_dict() for s in query.stream()]
