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

from vidcompare import queue, store, uploads
from vidcompare.config import settings
from vidcompare.documents import ComboDoc, ComboState
from vidcompare.errors import InvalidRequest
from vidcompare.plan import Plan
from vidcompare.providers.registry import default_registry
from vidcompare.schemas import SweepReport

log = logging.getLogger(__name__)


def missing_links(
    lanes: int, plan: Plan, combos: dict[int, ComboDoc], cursor: int | None = None
) -> list[int]:
    """Per lane, the first combination that is not done and not held by a live lease.

    An Auto job's lanes take from a ``cursor`` (vidcompare.lanes) rather than a stride:
    every combination before it was handed to a lane, so each one not done and not held
    lost its message."""
    now, missing = store.now(), []
    if cursor is not None:
        return [
            index
            for index in range(min(cursor, plan.total))
            if (combo := combos.get(index) or ComboDoc()).state is not ComboState.done
            and not combo.held_at(now)
        ]
    for lane in range(lanes):
        for index in range(lane, plan.total, lanes):
            combo = combos.get(index) or ComboDoc()
            if combo.state is ComboState.done:
                continue
            if not combo.held_at(now):
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
    for job in store.stalled_jobs(stale_after):
        report.jobs_checked += 1
        if recount:
            store.recount(job.job_id)
        if release_dead:
            store.release_dead_local_leases(job.job_id)
        plan = Plan.from_doc(store.get_job(job.job_id, with_plan=True).plan or {})
        combos = store.combination_states(job.job_id)
        if sum(c.state is ComboState.done for c in combos.values()) >= plan.total:
            store.finish_if_complete(job.job_id)  # the finishing worker died before finishing
            continue
        dispatch = store.read_dispatch(job.job_id) if job.auto_concurrency else None
        cursor = dispatch.cursor if dispatch is not None else None
        indexes = missing_links(job.concurrency, plan, combos, cursor)
        if indexes:
            queue.publish_combinations(job.job_id, indexes)
            report.republished[job.job_id] = indexes
            log.warning("job %s stalled; republished combinations %s", job.job_id, indexes)
        # Start the stale clock again, so the next sweep gives these messages time.
        store.touch_job(job.job_id)
    try:
        if abandoned := uploads.delete_abandoned():
            report.cleaned["uploads"] = abandoned
    except Exception:  # noqa: BLE001 - housekeeping must not stop the sweep's real job
        log.exception("deleting abandoned uploads failed")
    for family in default_registry().families:
        if family.sweep is None:
            continue
        try:
            if cleaned := family.sweep():
                report.cleaned[family.provider] = cleaned
        except Exception:  # noqa: BLE001 - housekeeping must not stop the sweep's real job
            log.exception("the %s housekeeping failed", family.provider)
    return report
