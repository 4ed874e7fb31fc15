"""Where documents live: collection names, references, ids, timestamps and expiry."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable
from typing import TypeVar

from google.api_core.exceptions import Aborted, DeadlineExceeded, ServiceUnavailable
from google.cloud import firestore

from vidcompare.config import settings
from vidcompare.errors import NotFound, RetryLater
from vidcompare.gcp import firestore_client
from vidcompare.schemas import SAFE_ID_PATTERN

JOBS = "jobs"
COMPARISONS = "comparisons"
VIDEOS = "videos"
GEMINI_FILES = "gemini_files"
UPLOADS = "uploads"
VIDEO_DIGESTS = "video_digests"
_SAFE_ID = re.compile(SAFE_ID_PATTERN)
# A transaction that keeps losing to other writers (parallel lanes all add to their
# job's counters) is tried this many times before the caller is told to come back.
TRANSACTION_ATTEMPTS = 20
T = TypeVar("T")


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


def comparisons(job_id: str) -> firestore.CollectionReference:
    return job_ref(job_id).collection(COMPARISONS)


def combo_ref(job_id: str, index: int) -> firestore.DocumentReference:
    return comparisons(job_id).document(combo_id(index))


def video_ref(video_id: str) -> firestore.DocumentReference:
    return firestore_client().collection(VIDEOS).document(_safe_id("video", video_id))


def gemini_file_ref(sha256: str) -> firestore.DocumentReference:
    return firestore_client().collection(GEMINI_FILES).document(sha256)


def upload_ref(upload_id: str) -> firestore.DocumentReference:
    return firestore_client().collection(UPLOADS).document(_safe_id("upload", upload_id))


def video_digest_ref(owner: str | None, sha256: str) -> firestore.DocumentReference:
    """Which of ``owner``'s videos holds the bytes ``sha256``: one per owner and content."""
    key = hashlib.sha256(f"{owner or ''}\n{sha256}".encode()).hexdigest()
    return firestore_client().collection(VIDEO_DIGESTS).document(key)


def transact(body: Callable[[firestore.Transaction], T]) -> T:
    """Run ``body`` in a Firestore transaction, tried again while it loses to other
    writers; one that still loses is a 503 (``RetryLater``), never a 500: a worker's
    message is redelivered, and a client told to retry."""
    transaction = firestore_client().transaction(max_attempts=TRANSACTION_ATTEMPTS)
    try:
        return firestore.transactional(body)(transaction)
    except (Aborted, ServiceUnavailable, DeadlineExceeded) as exc:  # a read inside it
        raise RetryLater(f"Firestore is busy ({exc.message}); try again", retry_after_s=1) from exc
    except ValueError as exc:  # "Failed to commit transaction in 20 attempts."
        if "commit transaction" not in str(exc):
            raise
        raise RetryLater("the data is busy with other writers; try again", retry_after_s=1) from exc
