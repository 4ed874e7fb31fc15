"""Combination documents: the claim, lease and commit that keep at-least-once delivery safe.

They implement docs/architecture.md §4: a finished combination is never run or counted
again, a live lease makes a duplicate message fail (so Pub/Sub redelivers it), and only
the commit that makes ``done == total`` finishes the job (``jobs.finish_if_complete``).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from google.api_core.exceptions import FailedPrecondition
from google.cloud import firestore

from vidcompare.documents import SUMMARY_FIELDS, ComboDoc, ComboState, JobDoc
from vidcompare.errors import LeaseHeld, RetryLater
from vidcompare.gcp import firestore_client
from vidcompare.schemas import Comparison, JobStatus, dump
from vidcompare.store.jobs import counter_increments, start_job
from vidcompare.store.refs import combo_ref, comparisons, expiry, job_ref, now, transact
from vidcompare.store.scores import row_write

log = logging.getLogger(__name__)


class ClaimAction(StrEnum):
    run = "run"  # the lease is ours: run the models
    chain = "chain"  # already done: only its successor may be owed
    drop = "drop"  # nothing to do (job gone or finished)


@dataclass
class Claim:
    """What the worker should do with a message."""

    action: ClaimAction
    job: JobDoc | None = None  # the job's summary as the claim read it (None: job gone)
    reason: str = ""
    attempts: int = 0
    next_published: bool = False
    # The combination document's update time as the claim wrote it (action ``run``):
    # unchanged at the commit, nobody else has touched it (see ``commit_combination``).
    version: dt.datetime | None = None


# What a claim reads of a combination (never its results, which can be large).
_CLAIM_FIELDS = ["state", "lease_expires_at", "worker", "attempts", "next_published"]


def claim_combination(
    job_id: str, index: int, *, worker: str, lease_seconds: float, video_id: str, prompt: str
) -> Claim:
    """Take the lease on a combination, or say why not to run it.

    The job document is only read here, never written: parallel lanes claim without
    waiting on each other. The read still orders the claim after any cancel.
    """

    used: list[firestore.Transaction] = []

    def run(tx: firestore.Transaction) -> Claim:
        used[:] = [tx]
        # Both documents in one read: this is on the path from one combination to the next.
        refs = {"job": job_ref(job_id), "combo": combo_ref(job_id, index)}
        found = firestore_client().get_all(
            refs.values(), field_paths=SUMMARY_FIELDS + _CLAIM_FIELDS, transaction=tx
        )
        by_path = {s.reference.path: s for s in found}  # in no particular order
        snaps = {name: by_path[ref.path] for name, ref in refs.items()}
        if not snaps["job"].exists:
            return Claim(ClaimAction.drop, reason="job not found")
        read = snaps["job"].to_dict()
        job = JobDoc.from_doc({k: v for k, v in read.items() if k in SUMMARY_FIELDS})
        if job.status.finished:
            return Claim(ClaimAction.drop, job, reason=f"job is {job.status.value}")
        combo = ComboDoc.from_doc(snaps["combo"].to_dict() if snaps["combo"].exists else {})
        if combo.state is ComboState.done:
            return Claim(ClaimAction.chain, job, next_published=combo.next_published)
        stamp = now()
        if combo.held_at(stamp):
            lease = combo.lease_expires_at
            assert lease is not None
            raise LeaseHeld(
                f"combination {index} of job {job_id} is held by {combo.worker} "
                f"until {lease.isoformat()}",
                expires_at=lease,
                expires_in_s=(lease - stamp).total_seconds(),
            )
        attempts = combo.attempts + 1
        tx.set(
            combo_ref(job_id, index),
            {
                "index": index,
                "video_id": video_id,
                "prompt": prompt,
                "state": ComboState.running.value,
                "worker": worker,
                "attempts": attempts,
                "claimed_at": stamp,
                "lease_expires_at": stamp + dt.timedelta(seconds=lease_seconds),
                # Gone with its job (a TTL deletion does not reach subcollections).
                "expire_at": job.expire_at or expiry(stamp),
            },
            merge=True,  # keeps the crash count of earlier deliveries
        )
        return Claim(ClaimAction.run, job, attempts=attempts)

    claim = transact(run)
    if claim.action is ClaimAction.run:
        claim.version = _written_version(used)
    if claim.action is ClaimAction.run and claim.job and claim.job.status is JobStatus.pending:
        try:
            start_job(job_id)
        except RetryLater:
            # Harmless to skip: the job is pending until a later claim (any lane) moves it.
            log.warning("job %s stayed pending: its document was busy", job_id)
    return claim


def _written_version(used: list[firestore.Transaction]) -> dt.datetime | None:
    """The update time of the one document a committed transaction wrote."""
    results = getattr(used[-1], "write_results", None) if used else None
    return results[0].update_time if results else None


def commit_combination(
    job_id: str,
    index: int,
    comparison: Comparison,
    *,
    version: dt.datetime | None = None,
    expire_at: dt.datetime | None = None,
) -> bool:
    """Record a finished combination and add it to the job's counters, once.

    Returns False when another worker had already recorded it. The job's counters
    are blind increments in the same write as the combination's ``done``, and so is its
    score row (:mod:`.scores`).

    ``version`` is the combination document's update time as this worker last wrote it
    (its claim or lease renewal). If the document still has it, nobody else touched it
    since: it is running under this claim, so one write with that precondition records
    it, instead of a transaction's three round trips. Any other writer (a takeover, a
    commit, a crash record) changed it, and the transaction decides.
    """
    increments = counter_increments(comparison)
    # Its score row for the leaderboard across jobs, in the same write (gone with the job
    # at ``expire_at``).
    row_ref, row = row_write(job_id, comparison, expire_at)
    stored = dump(comparison) | {
        "state": ComboState.done.value,
        "completed_at": now(),
        "next_published": False,
    }
    if version is not None:
        batch = firestore_client().batch()
        # Top-level fields only, as the transaction's merge: the claim wrote none of them.
        batch.update(
            combo_ref(job_id, index),
            stored,
            option=firestore_client().write_option(last_update_time=version),
        )
        batch.update(job_ref(job_id), increments)
        batch.set(row_ref, row, merge=True)
        try:
            batch.commit()
            return True
        except FailedPrecondition:
            log.info("combination %s of job %s changed since its claim", index, job_id)

    def run(tx: firestore.Transaction) -> bool:
        snapshot = combo_ref(job_id, index).get(field_paths=["state"], transaction=tx)
        if snapshot.exists and snapshot.get("state") == ComboState.done.value:
            return False
        tx.set(combo_ref(job_id, index), stored, merge=True)
        tx.update(job_ref(job_id), increments)
        tx.set(row_ref, row, merge=True)
        return True

    return transact(run)


def record_crash(job_id: str, index: int, error: str) -> int:
    """Count a crashed delivery of an unfinished combination and release its lease.

    Returns the new count (0 for a finished combination: a failed successor publish
    is not poison, it heals when Pub/Sub does).
    """

    def run(tx: firestore.Transaction) -> int:
        snapshot = combo_ref(job_id, index).get(field_paths=["crashes", "state"], transaction=tx)
        combo = ComboDoc.from_doc(snapshot.to_dict() if snapshot.exists else {})
        if combo.state is ComboState.done:
            return 0  # only chaining is left; that heals when Pub/Sub does
        crashes = combo.crashes + 1
        update: dict[str, Any] = {"index": index, "crashes": crashes, "last_crash": error}
        if combo.state is ComboState.running:
            # The crashed worker holds it no longer: the redelivery may claim it at once.
            update["lease_expires_at"] = now()
        tx.set(combo_ref(job_id, index), update, merge=True)
        return crashes

    return transact(run)


def _holder_of(tx: firestore.Transaction, job_id: str, index: int) -> str | None:
    """The claim holding a running combination, read in ``tx``; None if none does."""
    snapshot = combo_ref(job_id, index).get(field_paths=["state", "worker"], transaction=tx)
    combo = ComboDoc.from_doc(snapshot.to_dict() if snapshot.exists else {})
    return combo.worker if combo.state is ComboState.running else None


def renew_lease(job_id: str, index: int, holder: str, lease_seconds: float) -> dt.datetime | None:
    """Extend ``holder``'s lease on a running combination: the document's new update time
    (its version, for the commit); None when it holds it no more (the combination is
    done, or another claim took it over)."""
    used: list[firestore.Transaction] = []

    def run(tx: firestore.Transaction) -> bool:
        used[:] = [tx]
        if _holder_of(tx, job_id, index) != holder:
            return False
        until = now() + dt.timedelta(seconds=lease_seconds)
        tx.update(combo_ref(job_id, index), {"lease_expires_at": until})
        return True

    return _written_version(used) if transact(run) else None


def release_claim(job_id: str, index: int, *, worker: str) -> None:
    """Give a combination back unfinished (not a crash): its redelivery may claim it."""

    def run(tx: firestore.Transaction) -> None:
        if _holder_of(tx, job_id, index) == worker:
            tx.update(combo_ref(job_id, index), {"lease_expires_at": now()})

    transact(run)


def _running(job_id: str, fields: list[str]) -> firestore.Query:
    return (
        comparisons(job_id)
        .where(filter=firestore.FieldFilter("state", "==", ComboState.running.value))
        .select(fields)
    )


def running_combinations(job_id: str) -> int:
    """How many of a job's combinations a live worker holds now."""
    stamp = now()
    return sum(
        1
        for s in _running(job_id, ["state", "lease_expires_at"]).stream()
        if ComboDoc.from_doc(s.to_dict()).held_at(stamp)
    )


def release_dead_local_leases(job_id: str) -> list[int]:
    """Release the leases that workers of this host hold whose process is gone (a local
    stack restarted under them). A lease of another host, or of a live process, stays."""
    host, released = socket.gethostname(), []
    for snapshot in _running(job_id, ["worker"]).stream():
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


def combination_states(job_id: str) -> dict[int, ComboDoc]:
    """Every combination document's state and lease, by index. Keyed by the document's
    id: a document a crash record created may hold no ``index`` field (its claim was lost
    with a restored Firestore)."""
    return {
        int(s.id): ComboDoc.from_doc(s.to_dict())
        for s in comparisons(job_id).select(["state", "lease_expires_at"]).stream()
    }


def combination_attempts(job_id: str) -> dict[int, int]:
    """How many times each finished combination was claimed (1 when it ran once)."""
    query = comparisons(job_id).where(
        filter=firestore.FieldFilter("state", "==", ComboState.done.value)
    )
    return {int(s.id): ComboDoc.from_doc(s.to_dict()).attempts or 1 for s in query.stream()}


def list_comparisons(job_id: str) -> list[Comparison]:
    """The job's finished comparisons, in combination order."""
    query = comparisons(job_id).where(
        filter=firestore.FieldFilter("state", "==", ComboState.done.value)
    )
    done = [Comparison.model_validate(s.to_dict()) for s in query.stream()]
    return sorted(done, key=lambda c: c.index)


def mark_successor_published(job_id: str, index: int) -> None:
    combo_ref(job_id, index).update({"next_published": True})
