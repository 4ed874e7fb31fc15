"""``jobs/{job_id}/scores/{chunk}``: each job's compact score rows, for the leaderboard
across jobs (:mod:`vidcompare.score_rows`).

A chunk holds the rows of up to :data:`CHUNK` combinations in one map (``rows.{index}``),
so a request reads a few documents per job instead of every comparison. A row is written
in the same write as its commit; writing it twice writes the same key: duplicates are
harmless. Jobs from before rows existed get theirs once, from their comparisons, when a
leaderboard first reads them (:func:`read_rows`).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Any

from google.cloud import firestore

from vidcompare import score_rows
from vidcompare.documents import JobDoc
from vidcompare.gcp import firestore_client
from vidcompare.schemas import Comparison
from vidcompare.score_rows import Columns, columns, pack, unpack
from vidcompare.store.refs import JOBS, comparisons, job_ref

SCORES = "scores"
CHUNK = 1000  # rows per document: ~150 KB, far below Firestore's 1 MiB
# What the leaderboard reads of a job (its plan says which video and prompt a row is).
LEADERBOARD_FIELDS = [
    "job_id", "name", "tags", "prompt_tags", "owner", "status", "models", "judge_model",
    "created_at", "updated_at", "completed_combinations", "total_combinations",
    "total_videos", "total_prompts", "video_names", "stats", "plan", "expire_at",
]  # fmt: skip


def chunk_ref(job_id: str, chunk: int) -> firestore.DocumentReference:
    return job_ref(job_id).collection(SCORES).document(f"{chunk:04d}")


def row_write(
    job_id: str, comparison: Comparison, expire_at: dt.datetime | None
) -> tuple[firestore.DocumentReference, dict[str, Any]]:
    """The merge-write that adds ``comparison``'s row (set with ``merge=True``)."""
    data: dict[str, Any] = {"rows": {str(comparison.index): score_rows.encode(comparison)}}
    if expire_at is not None:
        data["expire_at"] = expire_at  # gone with its job (TTL does not reach subcollections)
    return chunk_ref(job_id, comparison.index // CHUNK), data


def leaderboard_jobs(
    *, owner: str | None, since: dt.datetime | None, until: dt.datetime | None
) -> list[JobDoc]:
    """The owner's jobs created in [since, until), newest first, with their plans."""
    query = firestore_client().collection(JOBS)
    if owner is not None:
        query = query.where(filter=firestore.FieldFilter("owner", "==", owner))
    if since is not None:
        query = query.where(filter=firestore.FieldFilter("created_at", ">=", since))
    if until is not None:
        query = query.where(filter=firestore.FieldFilter("created_at", "<", until))
    query = query.order_by("created_at", direction=firestore.Query.DESCENDING)
    jobs = (JobDoc.from_doc(s.to_dict()) for s in query.select(LEADERBOARD_FIELDS).stream())
    return [job for job in jobs if job.completed_combinations > 0]


def _chunks(job: JobDoc) -> list[firestore.DocumentReference]:
    return [chunk_ref(job.job_id, c) for c in range(math.ceil(job.total_combinations / CHUNK))]


def read_rows(jobs: Sequence[JobDoc]) -> dict[str, Columns]:
    """Every row of each job, by job id: a batched read of the packed chunks, then of the
    row maps of the jobs whose packs do not hold every counted combination yet (running
    ones; finished ones are packed now, so the next read is the fast one). A job with
    fewer rows than combinations counted is from before rows existed: its rows are made
    now, once, from its comparisons."""
    packs: dict[str, list[Columns]] = {job.job_id: [] for job in jobs}
    refs = [ref for job in jobs for ref in _chunks(job)]
    for snapshot in firestore_client().get_all(refs, field_paths=["packed"]):
        packed = (snapshot.to_dict() or {}).get("packed") if snapshot.exists else None
        if packed:
            packs[snapshot.reference.parent.parent.id].append(unpack(packed))
    found = {job_id: Columns.concat(parts) for job_id, parts in packs.items()}
    unpacked = [job for job in jobs if len(found[job.job_id]) < job.completed_combinations]
    maps = [ref for job in unpacked for ref in _chunks(job)]
    chunks: dict[str, dict[str, dict[str, str]]] = {job.job_id: {} for job in unpacked}
    for snapshot in firestore_client().get_all(maps, field_paths=["rows"]):
        if snapshot.exists:
            rows = (snapshot.to_dict() or {}).get("rows") or {}
            chunks[snapshot.reference.parent.parent.id][snapshot.reference.id] = rows
    for job in unpacked:
        # Each chunk parsed once: the answer's rows and, for a finished job, its packs.
        parsed = {
            chunk_id: columns((int(i), text) for i, text in rows.items())
            for chunk_id, rows in chunks[job.job_id].items()
        }
        if sum(len(part) for part in parsed.values()) < job.completed_combinations:
            found[job.job_id] = backfill_rows(job)
            continue
        found[job.job_id] = Columns.concat(list(parsed.values()))
        if job.status.finished:
            _pack(job, parsed)
    return found


def _pack(job: JobDoc, parsed: dict[str, Columns]) -> None:
    """Keep a finished job's rows packed too (the map stays: a late commit of a cancelled
    job's last combination may still add to it, and then the pack is made again)."""
    batch = firestore_client().batch()
    for chunk_id, rows in parsed.items():
        batch.update(
            job_ref(job.job_id).collection(SCORES).document(chunk_id), {"packed": pack(rows)}
        )
    if parsed:
        batch.commit()


def backfill_rows(job: JobDoc) -> Columns:
    """Write a job's rows from its comparisons (a job from before rows existed)."""
    done = comparisons(job.job_id).where(filter=firestore.FieldFilter("state", "==", "done"))
    chunks: dict[int, dict[str, str]] = {}
    for snapshot in done.stream():
        comparison = Comparison.model_validate(snapshot.to_dict())
        chunks.setdefault(comparison.index // CHUNK, {})[str(comparison.index)] = score_rows.encode(
            comparison
        )
    batch = firestore_client().batch()
    for chunk, rows in chunks.items():
        data: dict[str, Any] = {"rows": rows}
        if job.expire_at is not None:
            data["expire_at"] = job.expire_at
        batch.set(chunk_ref(job.job_id, chunk), data, merge=True)
    if chunks:
        batch.commit()  # at most 10 chunks: 10,000 combinations per job
    return columns((int(i), text) for rows in chunks.values() for i, text in rows.items())
