"""Video documents: where each uploaded video is and what it is."""

from __future__ import annotations

from typing import Any

from google.cloud import firestore

from vidcompare.documents import VideoDoc
from vidcompare.errors import Conflict, NotFound
from vidcompare.gcp import firestore_client
from vidcompare.schemas import JobStatus
from vidcompare.store.refs import JOBS, VIDEOS, transact, video_digest_ref, video_ref

# The jobs that may still read a video: it cannot be deleted under them.
_ACTIVE = [JobStatus.pending.value, JobStatus.running.value]


def create_video(video: VideoDoc) -> VideoDoc:
    """Record ``video``, unless its owner already has a video with the same bytes: then
    that one is the answer, and nothing is written (the caller drops its copy).

    A transaction over the owner's digest document: two uploads of the same bytes at
    once make one video."""
    digest = video_digest_ref(video.owner, video.sha256)

    def create_once(transaction: firestore.Transaction) -> VideoDoc:
        seen = digest.get(transaction=transaction)
        if seen.exists:
            holder = video_ref(seen.get("video_id")).get(transaction=transaction)
            if holder.exists:  # (gone after its retention: these bytes are new again)
                return VideoDoc.from_doc(holder.to_dict())
        transaction.create(video_ref(video.video_id), video.to_doc())
        transaction.set(digest, {"video_id": video.video_id, "expire_at": video.expire_at})
        return video

    return transact(create_once)


def find_video(sha256: str, *, owner: str | None) -> VideoDoc | None:
    """The owner's video with these bytes, if any."""
    seen = video_digest_ref(owner, sha256).get()
    if not seen.exists:
        return None
    holder = video_ref(seen.get("video_id")).get()
    return VideoDoc.from_doc(holder.to_dict()) if holder.exists else None


def get_video(video_id: str, *, owner: str | None = None) -> VideoDoc:
    return VideoDoc.from_doc(_owned(video_ref(video_id).get(), video_id, owner))


def video_filenames(video_ids: list[str], *, owner: str | None) -> dict[str, str]:
    """The file name of each of ``video_ids`` the owner has (a missing one, or another
    owner's, is not in the answer)."""
    refs = [video_ref(v) for v in dict.fromkeys(video_ids)]
    return {
        s.id: s.get("filename")
        for s in firestore_client().get_all(refs, field_paths=["filename", "owner"])
        if s.exists and (owner is None or s.get("owner") == owner)
    }


def video_durations(video_ids: list[str]) -> dict[str, float]:
    refs = [video_ref(v) for v in video_ids]
    return {
        s.id: float(s.get("duration_s"))
        for s in firestore_client().get_all(refs, field_paths=["duration_s"])
        if s.exists and s.to_dict().get("duration_s") is not None
    }


def list_videos(*, owner: str | None, limit: int = 1000) -> list[VideoDoc]:
    query = firestore_client().collection(VIDEOS)
    if owner is not None:
        query = query.where(filter=firestore.FieldFilter("owner", "==", owner))
    query = query.order_by("created_at", direction=firestore.Query.DESCENDING).limit(limit)
    return [VideoDoc.from_doc(s.to_dict()) for s in query.stream()]


def set_gemini_file(video_id: str, handle: dict[str, Any]) -> None:
    """Show a video's current Files API handle on its document (for people to see)."""
    video_ref(video_id).update({"gemini_file": handle})


def _owned(
    snapshot: firestore.DocumentSnapshot, video_id: str, owner: str | None
) -> dict[str, Any]:
    """The video's document, if it is the owner's; another owner's is missing too."""
    doc = snapshot.to_dict() if snapshot.exists else None
    if doc is None or (owner is not None and doc.get("owner") != owner):
        raise NotFound(f"video {video_id!r} not found")
    return doc


def rename_video(video_id: str, filename: str, *, owner: str | None) -> VideoDoc:
    """Give the owner's video another file name (what people see; the object keeps
    its name)."""
    ref = video_ref(video_id)

    def rename(transaction: firestore.Transaction) -> VideoDoc:
        doc = _owned(ref.get(transaction=transaction), video_id, owner)
        transaction.update(ref, {"filename": filename})
        return VideoDoc.from_doc(doc | {"filename": filename})

    return transact(rename)


def active_jobs_using(video_id: str, *, owner: str | None) -> list[str]:
    """The owner's pending or running jobs whose plan names ``video_id``."""
    query = firestore_client().collection(JOBS)
    if owner is not None:
        query = query.where(filter=firestore.FieldFilter("owner", "==", owner))
    query = query.where(filter=firestore.FieldFilter("status", "in", _ACTIVE))
    return [
        s.id
        for s in query.select(["plan.video_ids"]).stream()
        if video_id in ((s.to_dict() or {}).get("plan") or {}).get("video_ids", [])
    ]


def delete_video(video_id: str, *, owner: str | None) -> VideoDoc:
    """Forget the owner's video: its document and its digest record (so these bytes
    are new again). Conflict while a pending or running job uses it. The caller
    deletes its objects."""
    ref = video_ref(video_id)
    get_video(video_id, owner=owner)  # another owner's video is not found, never in use
    jobs = active_jobs_using(video_id, owner=owner)
    if jobs:
        raise Conflict(
            f"video {video_id!r} is in use by job {jobs[0]}"
            + (f" (and {len(jobs) - 1} more)" if len(jobs) > 1 else "")
            + "; wait for it to finish or cancel it, then delete the video",
            details=[{"job_id": job_id} for job_id in jobs],
        )

    def delete(transaction: firestore.Transaction) -> VideoDoc:
        video = VideoDoc.from_doc(_owned(ref.get(transaction=transaction), video_id, owner))
        digest = video_digest_ref(video.owner, video.sha256)
        seen = digest.get(transaction=transaction)
        transaction.delete(ref)
        if seen.exists and seen.get("video_id") == video_id:
            transaction.delete(digest)
        return video

    return transact(delete)
