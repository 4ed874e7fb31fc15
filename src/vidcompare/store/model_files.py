"""The Gemini Files API cache: ``gemini_files/{sha256}``, one upload per video's bytes.

Each function is one Firestore transaction of a single attempt: a cache document is
contended by every instance that wants the same video, and a lost attempt should be
decided again on what the winner wrote, after a pause (``attempt`` does both, bounded).
Only writes by the lease holder (``uploader``) count. The states and their meaning are
in :mod:`vidcompare.providers.gemini.files`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
from collections.abc import Callable
from typing import Any, TypeVar

from google.cloud import firestore

from vidcompare.documents import GeminiFileDoc
from vidcompare.gcp import firestore_client
from vidcompare.store.refs import GEMINI_FILES, gemini_file_ref, now

T = TypeVar("T")
# A transaction lost this many times in a row to other instances gives up (raises).
TRANSACTION_ATTEMPTS = 12


async def attempt(run: Callable[..., T], *args: Any) -> T:
    """Run one of this module's transactions off the loop; one that lost to another
    instance is tried again after a random pause, so that contenders fall out of step."""
    for tries in range(TRANSACTION_ATTEMPTS):
        try:
            return await asyncio.to_thread(run, *args)
        except ValueError as exc:  # "Failed to commit transaction in 1 attempts."
            if "commit transaction" not in str(exc) or tries == TRANSACTION_ATTEMPTS - 1:
                raise
            await asyncio.sleep(random.uniform(0, min(2.0, 0.05 * 2**tries)))
    raise AssertionError("unreachable")


def _one_attempt(sha256: str, run: Callable[[firestore.Transaction, GeminiFileDoc], T]) -> T:
    ref = gemini_file_ref(sha256)

    def body(tx: firestore.Transaction) -> T:
        snapshot = ref.get(transaction=tx)
        return run(tx, GeminiFileDoc.from_doc(snapshot.to_dict() if snapshot.exists else {}))

    return firestore.transactional(body)(firestore_client().transaction(max_attempts=1))


def decide(
    sha256: str,
    me: str,
    *,
    lease: dt.timedelta,
    expiry_margin: dt.timedelta,
    failed_for: dt.timedelta,
) -> tuple[str, dict]:
    """("use", handle) | ("failed", failure) | ("poll", pending) | ("wait", {}) |
    ("upload", {}) — the latter with the upload lease taken by ``me``."""

    def run(tx: firestore.Transaction, doc: GeminiFileDoc) -> tuple[str, dict]:
        stamp = now()
        if doc.handle and doc.handle["expires_at"] > stamp + expiry_margin:
            return "use", doc.handle
        if doc.failed and doc.failed["at"] > stamp - failed_for:
            return "failed", doc.failed
        if doc.pending:
            return "poll", doc.pending
        held = doc.uploading_until is not None and doc.uploading_until > stamp
        if held and doc.uploader != me:
            return "wait", {}
        tx.set(
            gemini_file_ref(sha256),
            {"uploading_until": stamp + lease, "uploader": me},
            merge=True,
        )
        return "upload", {}

    return _one_attempt(sha256, run)


def renew(sha256: str, me: str, lease: dt.timedelta) -> bool:
    """Extend ``me``'s upload lease; False when someone else holds it now."""

    def run(tx: firestore.Transaction, doc: GeminiFileDoc) -> bool:
        if doc.uploader != me:
            return False
        tx.update(gemini_file_ref(sha256), {"uploading_until": now() + lease})
        return True

    return _one_attempt(sha256, run)


def release(sha256: str, me: str) -> None:
    """Give up ``me``'s lease (an upload that failed), never someone else's."""

    def run(tx: firestore.Transaction, doc: GeminiFileDoc) -> None:
        if doc.uploader == me:
            tx.update(gemini_file_ref(sha256), {"uploading_until": None, "uploader": None})

    _one_attempt(sha256, run)


def record_pending(sha256: str, me: str, pending: dict) -> bool:
    """Record the uploaded file as the video's pending one, if ``me`` still holds the
    lease; it supersedes an old handle. False: another uploader took over."""

    def run(tx: firestore.Transaction, doc: GeminiFileDoc) -> bool:
        if doc.uploader != me:
            return False
        tx.set(
            gemini_file_ref(sha256),
            {"pending": pending, "uploading_until": None, "uploader": None, "failed": None},
            merge=True,
        )
        return True

    return _one_attempt(sha256, run)


def promote(sha256: str, name: str, handle: dict) -> tuple[dict, str | None]:
    """The pending file ``name`` is ACTIVE: it becomes the handle (unless another worker
    promoted it first). Returns the handle to use and a superseded file to delete."""

    def run(tx: firestore.Transaction, doc: GeminiFileDoc) -> tuple[dict, str | None]:
        pending, old = doc.pending or {}, doc.handle
        if pending.get("name") != name:
            current = old if old and old["name"] == name else None
            return current or handle, None
        tx.set(gemini_file_ref(sha256), {"handle": handle, "pending": None}, merge=True)
        return handle, old["name"] if old and old["name"] != name else None

    return _one_attempt(sha256, run)


def drop(sha256: str, field: str, name: str) -> None:
    """Forget the ``handle`` or ``pending`` file ``name``, unless already replaced."""

    def run(tx: firestore.Transaction, doc: GeminiFileDoc) -> None:
        current = getattr(doc, field)
        if current and current["name"] == name:
            tx.update(gemini_file_ref(sha256), {field: None})

    _one_attempt(sha256, run)


def fail(sha256: str, name: str, reason: str) -> None:
    """The pending file ``name`` will never be usable: remember why for a while."""

    def run(tx: firestore.Transaction, doc: GeminiFileDoc) -> None:
        if (doc.pending or {}).get("name") == name:
            failed = {"reason": reason, "at": now(), "name": name}
            tx.update(gemini_file_ref(sha256), {"pending": None, "failed": failed})

    _one_attempt(sha256, run)


def known_files() -> set[str]:
    """Every file a cache document refers to (as its handle or its pending file)."""
    names = set()
    query = firestore_client().collection(GEMINI_FILES).select(["handle", "pending"])
    for snapshot in query.stream():
        doc = GeminiFileDoc.from_doc(snapshot.to_dict())
        names |= {f["name"] for f in (doc.handle, doc.pending) if f}
    return names
