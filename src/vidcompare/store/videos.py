"""Video documents: where each uploaded video is and what it is."""

from __future__ import annotations

from typing import Any

from google.cloud import firestore

from vidcompare.documents import VideoDoc
from vidcompare.errors import NotFound
from vidcompare.gcp import firestore_client
from vidcompare.store.refs import VIDEOS, transact, video_digest_ref, video_ref


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
    snapshot = video_ref(video_id).get()
    doc = snapshot.to_dict() if snapshot.exists else None
    if doc is None or (owner is not None and doc.get("owner") != owner):
        raise NotFound(f"video {video_id!r} not found")
    return VideoDoc.from_doc(doc)


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


def list_videos(*, owner: str | None, limit: int = 1000) -> list[VideoDoc]:
    query = firestore_client().collection(VIDEOS)
    if owner is not None:
        query = query.where(filter=firestore.FieldFilter("owner", "==", owner))
    query = query.order_by("created_at", direction=firestore.Query.DESCENDING).limit(limit)
    return [VideoDoc.from_doc(s.to_dict()) for s in query.stream()]


def set_gemini_file(video_id: str, handle: dict[str, Any]) -> None:
    """Show a video's current Files API handle on its document (for people to see)."""
    video_ref(video_id).update({"gemini_file": handle})
