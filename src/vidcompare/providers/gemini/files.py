"""A video goes to the Gemini Files API once, and its handle is reused until it expires.

Handles are cached in Firestore under the video's SHA-256 (``gemini_files/{sha256}``),
so the same bytes under another video id are not uploaded again, and copied to
``videos/{id}.gemini_file`` for people to see. A lease on that document makes sure two
workers never upload the same bytes at once: the second waits for the first's handle.
With Vertex AI the ``gs://`` URI is passed as is and nothing is uploaded.

Long videos: the upload and the PROCESSING -> ACTIVE wait run as one task per video and
instance, with a deadline of their own (``video_ready_timeout_s``), not a model's.
Callers wait for it up to that deadline; a caller that gives up does not stop it, so
the handle is recorded for the next combination. Files nobody will use are deleted
(``files.delete``), so they do not eat the project's 20 GB: one that failed
processing or never became ACTIVE, one superseded by a newer upload, and one whose
upload finished after another worker had recorded its own.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import random
import time
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from google import genai
from google.cloud import firestore
from google.genai import errors, types

from vidcompare import store
from vidcompare.clients import bucket, firestore_client
from vidcompare.config import settings
from vidcompare.errors import ModelError

log = logging.getLogger(__name__)

GEMINI_FILES = "gemini_files"
# Don't start a call with a handle that expires within this margin.
EXPIRY_MARGIN = dt.timedelta(hours=1)
UPLOAD_CHUNK_BYTES = 8 * 1024 * 1024
TRANSACTION_ATTEMPTS = 12
# Files API polls start at gemini_poll_s and grow by this factor up to MAX_POLL_S.
POLL_GROWTH, MAX_POLL_S = 1.5, 10.0
# A video Gemini failed to process is not uploaded again for this long.
FAILED_FOR = dt.timedelta(hours=1)
# Handles this instance checked with the API lately (sha256 -> handle, when): reused
# without a Firestore read or a files.get. A call the API refuses for its file drops the
# entry (forget_verified), and the next lookup checks again.
VERIFIED_FOR = dt.timedelta(minutes=5)
T = TypeVar("T")

_verified: dict[str, tuple[dict, dt.datetime]] = {}
# The running upload-or-lookup of each video, per event loop: every lane and model of
# an instance waits for the same one.
_pending: dict[tuple[int, str], asyncio.Task[dict]] = {}


class VideoNotReady(ModelError):
    """The video did not become usable at the Files API within the deadline."""


async def video_part(client: genai.Client, video) -> types.Part:
    if client.vertexai:
        return types.Part.from_uri(file_uri=video.gcs_uri, mime_type=video.content_type)
    handle = await uploaded_handle(client, video)
    return types.Part.from_uri(file_uri=handle["uri"], mime_type=handle["mime_type"])


async def uploaded_handle(client: genai.Client, video) -> dict:
    """The video's live Files API handle, uploading it first if there is none.

    Waits at most ``video_ready_timeout_s``; the upload goes on after a timeout.
    """
    if handle := _recently_verified(video.sha256):
        return handle  # the hot path: no Firestore transaction, no files.get
    key = (id(asyncio.get_running_loop()), video.sha256)
    task = _pending.get(key)
    if task is None:
        task = asyncio.ensure_future(_lookup_or_upload(client, video))
        _pending[key] = task
        task.add_done_callback(lambda done: _finished(key, done))
    timeout = settings().video_ready_timeout_s
    try:
        return await asyncio.wait_for(asyncio.shield(task), timeout)
    except TimeoutError:
        raise VideoNotReady(
            f"video {video.video_id} was not ready at the Gemini Files API within "
            f"{timeout:g} s (uploading or PROCESSING); the upload goes on, and later "
            "combinations use it"
        ) from None


def _finished(key: tuple[int, str], task: asyncio.Task[dict]) -> None:
    _pending.pop(key, None)
    if not task.cancelled() and (error := task.exception()) is not None:
        # Everyone who waited has it; this also keeps asyncio from warning when nobody did.
        log.info("upload of %s ended with %s: %s", key[1][:12], type(error).__name__, error)


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


async def _lookup_or_upload(client: genai.Client, video) -> dict:
    handle = await _cached_or_uploaded(client, video)
    _verified[video.sha256] = (handle, store.now())
    return handle


async def _cached_or_uploaded(client: genai.Client, video) -> dict:
    ref = firestore_client().collection(GEMINI_FILES).document(video.sha256)
    uploader = uuid.uuid4().hex  # per upload: two instances must not both upload
    poll = settings().gemini_poll_s
    while True:
        decision, found = await _transact(_claim_upload, ref, uploader)
        if decision == "use":
            if await _still_usable(client, found["name"]):
                return found
            await _transact(_forget, ref, found["name"])
            continue
        if decision == "failed":
            raise ModelError(f"Gemini could not process video {video.video_id}: {found['reason']}")
        if decision == "wait":
            await asyncio.sleep(poll)
            continue
        try:
            handle = await _upload_renewing_lease(client, video, ref)
        except BaseException:
            await asyncio.to_thread(ref.update, {"uploading_until": None})
            raise
        kept, superseded = await _transact(_remember, ref, uploader, handle)
        for name in {superseded, handle["name"] if kept != handle else None} - {None}:
            await _delete(client, name)  # replaced, or lost the race to another uploader
        await asyncio.to_thread(store.video_ref(video.video_id).update, {"gemini_file": kept})
        return kept


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
    """("use", handle) | ("wait", {}) | ("failed", {"reason"}) | ("upload", {}) — the
    latter with the lease taken."""

    @firestore.transactional
    def run(tx: firestore.Transaction) -> tuple[str, dict]:
        snapshot = ref.get(transaction=tx)
        doc = snapshot.to_dict() if snapshot.exists else {}
        now = store.now()
        handle = doc.get("handle")
        if handle and handle["expires_at"] > now + EXPIRY_MARGIN:
            return "use", handle
        failed = doc.get("failed")
        if failed and failed["at"] > now - FAILED_FOR:
            return "failed", failed
        lease = doc.get("uploading_until")
        if lease is not None and lease > now and doc.get("uploader") != uploader:
            return "wait", {}
        lease_until = now + dt.timedelta(seconds=settings().upload_lease_s)
        tx.set(ref, {"uploading_until": lease_until, "uploader": uploader}, merge=True)
        return "upload", {}

    return run(firestore_client().transaction(max_attempts=1))


async def _still_usable(client: genai.Client, name: str) -> bool:
    try:
        file = await client.aio.files.get(name=name)
    except errors.ClientError as exc:
        if exc.code in (403, 404):
            log.info("Gemini no longer knows %s; uploading again", name)
            return False
        raise
    if file.state == types.FileState.FAILED:
        await _delete(client, name)
        return False
    return True


def _forget(ref: firestore.DocumentReference, name: str) -> None:
    """Drop the cached handle ``name`` — unless another worker has already replaced it."""

    @firestore.transactional
    def run(tx: firestore.Transaction) -> None:
        handle = (ref.get(field_paths=["handle"], transaction=tx).to_dict() or {}).get("handle")
        if handle and handle["name"] == name:
            tx.update(ref, {"handle": None, "forgotten": firestore.ArrayUnion([name])})

    run(firestore_client().transaction(max_attempts=1))


async def _upload_renewing_lease(client: genai.Client, video, ref) -> dict:
    upload = asyncio.ensure_future(_upload(client, video, ref))
    lease = settings().upload_lease_s
    while True:
        done, _ = await asyncio.wait({upload}, timeout=lease / 3)
        if done:
            return upload.result()
        renewed = {"uploading_until": store.now() + dt.timedelta(seconds=lease)}
        await asyncio.to_thread(ref.update, renewed)


async def _upload(client: genai.Client, video, ref: firestore.DocumentReference) -> dict:
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

    config = settings()
    # However long callers wait, an upload that never turns ACTIVE is given up on.
    deadline = time.monotonic() + config.video_processing_limit_s
    file = await asyncio.to_thread(send)
    poll = config.gemini_poll_s
    while file.state == types.FileState.PROCESSING:
        if time.monotonic() + poll > deadline:
            await _delete(client, file.name)
            raise VideoNotReady(
                f"Gemini did not finish processing video {video.video_id} within "
                f"{config.video_processing_limit_s:g} s; the file was deleted"
            )
        await asyncio.sleep(poll)
        poll = min(MAX_POLL_S, poll * POLL_GROWTH)
        file = await client.aio.files.get(name=file.name)
    if file.state == types.FileState.FAILED:
        reason = file.error.message if file.error and file.error.message else "no reason given"
        await _delete(client, file.name)
        failed = {"reason": reason, "at": store.now(), "name": file.name}
        await asyncio.to_thread(ref.set, {"failed": failed, "uploading_until": None}, merge=True)
        raise ModelError(f"Gemini could not process video {video.video_id}: {reason}")
    expires = file.expiration_time or store.now() + dt.timedelta(hours=48)
    return {
        "name": file.name,
        "uri": file.uri,
        "mime_type": file.mime_type or video.content_type,
        "expires_at": expires,
        "size_bytes": file.size_bytes,
        "uploaded_at": store.now(),
    }


def _remember(
    ref: firestore.DocumentReference, uploader: str, handle: dict
) -> tuple[dict, str | None]:
    """Record ``handle`` unless another uploader recorded a usable one meanwhile (its
    lease had expired); returns the handle to use and the superseded file's name."""

    @firestore.transactional
    def run(tx: firestore.Transaction) -> tuple[dict, str | None]:
        snapshot = ref.get(transaction=tx)
        doc = snapshot.to_dict() if snapshot.exists else {}
        theirs = doc.get("handle")
        if theirs and doc.get("uploader") != uploader and theirs["expires_at"] > store.now():
            return theirs, None
        old = theirs["name"] if theirs and theirs["name"] != handle["name"] else None
        tx.set(ref, {"handle": handle, "uploading_until": None, "failed": None}, merge=True)
        return handle, old

    return run(firestore_client().transaction(max_attempts=1))


async def _delete(client: genai.Client, name: str) -> None:
    """Delete a file nobody will use. One the API already forgot is fine; a failure is
    logged, not raised (the file expires after 48 h anyway)."""
    try:
        await client.aio.files.delete(name=name)
    except errors.APIError as exc:
        if exc.code != 404:
            log.warning("could not delete the unused Gemini file %s: %s", name, exc)
        return
    log.info("deleted the unused Gemini file %s", name)
