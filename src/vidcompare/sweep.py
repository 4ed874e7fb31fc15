"""Mend broken chains: find unfinished jobs that made no progress for a lease time and
republish, per lane, the first combination that is neither done nor held by a live lease.

A chain breaks when a successor publish fails after its commit and the message is
never redelivered (or was dropped). Republishing is always safe: a duplicate message
never runs a combination twice (docs/architecture.md §4). In production Cloud Scheduler calls
``POST /internal/sweep`` on job_status; the local stack calls it on a timer.
"""

from __future__ import annotations

import datetime as dt
import logging

from google.cloud import firestore

from vidcompare import queue, store
from vidcompare.config import settings
from vidcompare.errors import InvalidRequest
from vidcompare.gcp import firestore_client
from vidcompare.plan import Plan
from vidcompare.providers.registry import default_registry
from vidcompare.schemas import JobStatus, SweepReport

log = logging.getLogger(__name__)


def stalled_jobs(stale_after: dt.timedelta) -> list[dict]:
    cutoff = store.now() - stale_after
    jobs = []
    for status in (JobStatus.pending, JobStatus.running):
        query = (
            firestore_client()
            .collection(store.JOBS)
            .where(filter=firestore.FieldFilter("status", "==", status.value))
            .where(filter=firestore.FieldFilter("updated_at", "<", cutoff))
        )
        jobs += [s.to_dict() for s in query.stream()]
    return jobs


def missing_links(job: dict, plan: Plan, combos: dict[int, dict]) -> list[int]:
    """Per lane, the first combination that is not done and not held by a live lease."""
    now, lanes, missing = store.now(), job["concurrency"], []
    for lane in range(lanes):
        for index in range(lane, plan.total, lanes):
            combo = combos.get(index, {})
            if combo.get("state") == "done":
                continue
            lease = combo.get("lease_expires_at")
            if combo.get("state") != "running" or lease is None or lease <= now:
                missing.append(index)
            break  # the lane's frontier: later combinations wait for this one
    return missing


def sweep(
    *,
    stale_after: dt.timedelta | None = None,
    lost_messages: bool = False,
    release_dead: bool = False,
    recount: bool = False,
) -> SweepReport:
    """Republish what stalled jobs miss.

    ``lost_messages``: Pub/Sub forgot its messages (a new emulator, a restore), so every
    unfinished job is looked at now, not after a lease of silence; combinations held by
    a live lease are left alone. ``release_dead`` (local stack only): leases held by
    workers of this host whose process is gone are released first. ``recount`` (local
    stack only): a job restored from a snapshot gets its counters from its comparisons.
    """
    if (release_dead or recount) and not settings().local_stack:
        raise InvalidRequest("release_dead and recount are repairs of the local stack only")
    if lost_messages:
        stale_after = dt.timedelta(0)
    stale_after = (
        stale_after if stale_after is not None else dt.timedelta(seconds=settings().lease_seconds)
    )
    report = SweepReport()
    for job in stalled_jobs(stale_after):
        job_id = job["job_id"]
        report.jobs_checked += 1
        if recount:
            store.recount(job_id)
        if release_dead:
            store.release_dead_local_leases(job_id)
        plan = Plan.from_doc(store.get_job(job_id, with_plan=True)["plan"])
        # Keyed by the document's id: a document a crash record created may hold no
        # `index` field (its claim was lost with a restored Firestore).
        combos = {
            int(snap.id): snap.to_dict()
            for snap in store.job_ref(job_id)
            .collection(store.COMPARISONS)
            .select(["state", "lease_expires_at"])
            .stream()
        }
        if sum(c.get("state") == "done" for c in combos.values()) >= plan.total:
            store.finish_if_complete(job_id)  # the finishing worker died before finishing
            continue
        indexes = missing_links(job, plan, combos)
        if indexes:
            queue.publish_combinations(job_id, indexes)
            report.republished[job_id] = indexes
            log.warning("job %s stalled; republished combinations %s", job_id, indexes)
        # Start the stale clock again, so the next sweep gives these messages time.
        store.job_ref(job_id).update({"updated_at": firestore.SERVER_TIMESTAMP})
    for family in default_registry().families:
        if family.sweep is None:
            continue
        try:
            if cleaned := family.sweep():
                report.cleaned[family.provider] = cleaned
        except Exception:  # noqa: BLE001 - housekeeping must not stop the sweep's real job
            log.exception("the %s housekeeping failed", family.provider)
    return report
