"""``jobs/{job_id}/dispatch/lanes``: an Auto job's cursor and lanes (:mod:`vidcompare.lanes`).

A lane that committed a combination takes its successors in one transaction that also
records them on that combination (``successors``): a redelivered message for it finds
them there and publishes the same ones, so no combination is skipped or handed out twice
whatever is delivered again.
"""

from __future__ import annotations

import collections
import threading
from collections.abc import Callable

from google.cloud import firestore

from vidcompare.lanes import Dispatch
from vidcompare.store.refs import combo_ref, job_ref, transact

DISPATCH = "dispatch"
# One transaction per job at a time from this process: the lanes of one instance queue
# here instead of all reading the cursor and then all wanting to write it (the emulator
# holds such transactions until its 40 s lock timeout; Firestore aborts and retries them).
_job_locks: collections.defaultdict[str, threading.Lock] = collections.defaultdict(threading.Lock)


def dispatch_ref(job_id: str) -> firestore.DocumentReference:
    return job_ref(job_id).collection(DISPATCH).document("lanes")


def read_dispatch(job_id: str) -> Dispatch | None:
    """The job's cursor and lanes; None for a job of fixed lanes."""
    snapshot = dispatch_ref(job_id).get()
    if not snapshot.exists:
        return None
    doc = snapshot.to_dict() or {}
    return Dispatch(cursor=int(doc["cursor"]), lanes=int(doc["lanes"]))


def take_successors(job_id: str, index: int, decide: Callable[[Dispatch], int]) -> list[int] | None:
    """The combinations that follow ``index`` on its lane: those recorded on it already,
    else ``decide(dispatch)`` of them taken from the cursor now. None: the job has fixed
    lanes (no dispatch document)."""

    def run(tx: firestore.Transaction) -> list[int] | None:
        combo = combo_ref(job_id, index).get(field_paths=["successors"], transaction=tx)
        recorded = (combo.to_dict() or {}).get("successors") if combo.exists else None
        if recorded is not None:
            return [int(i) for i in recorded]
        snapshot = dispatch_ref(job_id).get(transaction=tx)
        if not snapshot.exists:
            return None
        doc = snapshot.to_dict() or {}
        dispatch = Dispatch(cursor=int(doc["cursor"]), lanes=int(doc["lanes"]))
        taken = list(range(dispatch.cursor, dispatch.cursor + decide(dispatch)))
        tx.update(
            dispatch_ref(job_id),
            {"cursor": dispatch.cursor + len(taken), "lanes": dispatch.lanes + len(taken) - 1},
        )
        tx.update(combo_ref(job_id, index), {"successors": taken})
        return taken

    with _job_locks[job_id]:
        return transact(run)
