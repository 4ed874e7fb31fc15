"""What exists in the stack's Firestore and bucket: a rejected request must add nothing."""

from __future__ import annotations

from vidcompare import store
from vidcompare.gcp import bucket, firestore_client


def _count(collection: str) -> int:
    return firestore_client().collection(collection).count().get()[0][0].value


def created_so_far() -> tuple[int, int, int]:
    """Jobs, videos and stored video files."""
    return _count(store.JOBS), _count(store.VIDEOS), sum(1 for _ in bucket().list_blobs())
