"""A video goes to the Gemini Files API once, and its handle is reused until it expires.

Handles are cached in Firestore under the video's SHA-256 (``gemini_files/{sha256}``),
so the same bytes under another video id are not uploaded again, and copied to
``videos/{id}.gemini_file`` for people to see. A lease on that document makes sure two
workers never upload the same bytes at once: the second waits for the first's handle.
Before use a handle is checked with ``files.get``; one the API no longer knows (files
live 48 h) is replaced transparently. With Vertex AI the ``gs://`` URI is passed as is.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import random
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from google import genai
from google.cloud import firestore
from google.genai import errors, types

from vidcompare import store
from vidcompare.clients import bucket, firestore_client
from vidcompare.errors import PermanentModelError

log = logging.getLogger(__name__)

GEMINI_FILES = "gemini_files"
# Don't start a call with a handle that expires within this margin.
EXPIRY_MARGIN = dt.timedelta(hours=1)
# An uploader holds the upload for this long and renews it while it works, so that the
# upload of a worker that died is taken over soon instead of blocking the video.
UPLOAD_LEASE = dt.timedelta(seconds=float(os.environ.get("VIDCOMPARE_UPLOAD_LEASE_S", "60")))
UPLOAD_CHUNK_BYTES = 8 * 1024 * 1024
T = TypeVar("T")
TRANSACTION_ATTEMPTS = 12
_video_locks: dict[tuple[int, str], asyncio.Lock] = {}
# Handles this instance checked with the API lately (sha256 -> handle, when): reused
# without a Firestore read or a files.get. A call the API refuses for its file drops the
# entry (forget_verified), and the next lookup checks again.
VERIFIED_FOR = dt.timedelta(minutes=5)
_verified: dict[str, tuple[dict, dt.datetime]] = {}
POLL_SECONDS = float(os.environ.get("VIDCOMPARE_GEMINI_POLL_S", "1.0"))


async def video_part(client: genai.Client, video) -> types.Part:
    if client.vertexai:
        return types.Part.from_uri(file_uri=video.gcs_uri, mime_type=video.content_type)
    handle = await uploaded_handle(client, video)
    return types.Part.from_uri(file_uri=handle["uri"], mime_type=handle["mime_type"])


async def uploaded_handle(client: genai.Client, video) -> dict:
    """The video's live Files API handle, uploading it first if there is none."""
    if handle := _recently_verified(video.sha256):
        return handle  # the hot path: no Firestore transaction, no files.get
    # The lanes and models of one instance take turns per video: transactions on one
    # document from many threads at once deadlock the Firestore emulator until its lock
    # timeout, and gain nothing (the first to look uploads, the others reuse its handle).
    key = (id(asyncio.get_running_loop()), video.sha256)
    async with _video_locks.setdefault(key, asyncio.Lock()):
        if handle := _recently_verified(video.sha256):
            return handle
        handle = await _uploaded_handle(client, video)
        _verified[video.sha256] = (handle, store.now())
        return handle


def _recently_verified(sha256: str) -> dict | None:
    if (entry := _verified.get(sha256)) is None:
        return None
    handle, checked_at = entry
    now = store.now()
    if now - checked_at > VERIFIED_FOR or handle["expires_at"] <= now + EXPIRY_MARGIN:
        return None
    return handle


def forget_verified(sha256: str) -> None:
    """The API refused this instance's handle for ``sha256``: look it up again next time."""
    _verified.pop(sha256, None)


async def _uploaded_handle(client: genai.Client, video) -> dict:
    ref = firestore_client().collection(GEMINI_FILES).document(video.sha256)
    uploader = uuid.uuid4().hex  # per call: two lanes of one process must not both upload
    while True:
        decision, handle = await _transact(_claim_upload, ref, uploader)
        if decision == "use":
            if await _still_known(client, handle["name"]):
                return handle
            await _transact(_forget, ref, handle["name"])
            continue
        if decision == "wait":
            await asyncio.sleep(POLL_SECONDS)
            continue
        try:
            handle = await _upload_renewing_lease(client, video, ref)
        except BaseException:
            await asyncio.to_thread(ref.update, {"uploading_until": None})
            raise
        await asyncio.to_thread(_remember, ref, video.video_id, handle)
        return handle


async def _transact(run: Callable[..., T], *args: Any) -> T:
    """Run a one-attempt Firestore transaction off the loop; one that lost to another
    instance is tried again after a random pause, so that contenders fall out of step."""
    for attempt in range(TRANSACTION_ATTEMPTS):
        try:
            return await asyncio.to_thread(run, *args)
        except ValueError:  # "Failed to commit transaction in 1 attempts."
            if attempt == TRANSACTION_ATTEMPTS - 1:
                raise
            await asyncio.sleep(random.uniform(0, min(2.0, 0.05 * 2**attempt)))
    raise AssertionError("unreachable")


def _claim_upload(ref: firestore.DocumentReference, uploader: str) -> tuple[str, dict]:
    """("use", handle) | ("wait", {}) | ("upload", {}) — the latter with the lease taken."""

    @firestore.transactional
    def run(tx: firestore.Transaction) -> tuple[str, dict]:
        snapshot = ref.get(transaction=tx)
        doc = snapshot.to_dict() if snapshot.exists else {}
        now = store.now()
        handle = doc.get("handle")
        if handle and handle["expires_at"] > now + EXPIRY_MARGIN:
            return "use", handle
        lease = doc.get("uploading_until")
        if lease is not None and lease > now and doc.get("uploader") != uploader:
            return "wait", {}
        tx.set(ref, {"uploading_until": now + UPLOAD_LEASE, "uploader": uploader}, merge=True)
        return "upload", {}

    return run(firestore_client().transaction(max_attempts=1))


async def _still_known(client: genai.Client, name: str) -> bool:
    try:
        file = await client.aio.files.get(name=name)
    except errors.ClientError as exc:
        if exc.code in (403, 404):
            log.info("Gemini no longer knows %s; uploading again", name)
            return False
        raise
    return file.state != types.FileState.FAILED


def _forget(ref: firestore.DocumentReference, name: str) -> None:
    """Drop the cached handle ``name`` — unless another worker has already replaced it."""

    @firestore.transactional
    def run(tx: firestore.Transaction) -> None:
        handle = (ref.get(field_paths=["handle"], transaction=tx).to_dict() or {}).get("handle")
        if handle and handle["name"] == name:
            tx.update(ref, {"handle": None, "forgotten": firestore.ArrayUnion([name])})

    run(firestore_client().transaction(max_attempts=1))


async def _upload_renewing_lease(client: genai.Client, video, ref) -> dict:
    upload = asyncio.ensure_future(_upload(client, video))
    while True:
        done, _ = await asyncio.wait({upload}, timeout=UPLOAD_LEASE.total_seconds() / 3)
        if done:
            return upload.result()
        renewed = {"uploading_until": store.now() + UPLOAD_LEASE}
        await asyncio.to_thread(ref.update, renewed)


async def _upload(client: genai.Client, video) -> dict:
    def send() -> types.File:
        blob = bucket().blob(video.gcs_uri.split("/", 3)[3])
        # Streamed from the bucket in chunks: the video is never whole in memory.
        with blob.open("rb", chunk_size=UPLOAD_CHUNK_BYTES) as reader:
            return client.files.upload(
                file=reader,
                config=types.UploadFileConfig(
                    mime_type=video.content_type, display_name=video.video_id
                ),
            )

    file = await asyncio.to_thread(send)
    while file.state == types.FileState.PROCESSING:
        await asyncio.sleep(POLL_SECONDS)
        file = await client.aio.files.get(name=file.name)
    if file.state == types.FileState.FAILED:
        detail = file.error.message if file.error else "no reason given"
        raise PermanentModelError(f"Gemini could not process video {video.video_id}: {detail}")
    expires = file.expiration_time or store.now() + dt.timedelta(hours=48)
    return {
        "name": file.name,
        "uri": file.uri,
        "mime_type": file.mime_type or video.content_type,
        "expires_at": expires,
        "size_bytes": file.size_bytes,
        "uploaded_at": store.now(),
    }


def _remember(ref: firestore.DocumentReference, video_id: str, handle: dict) -> None:
    ref.set({"handle": handle, "uploading_until": None}, merge=True)
    store.video_ref(video_id).update({"gemini_file": handle})
