"""A video goes to the Gemini Files API once, and its handle is reused until it expires.

Handles are cached in Firestore under the video's SHA-256 (``gemini_files/{sha256}``),
so the same bytes under another video id are not uploaded again, and copied to
``videos/{id}.gemini_file`` for people to see. With Vertex AI the ``gs://`` URI is
passed as is and nothing is uploaded. The cache document moves through::

    (nothing) --lease--> uploading --bytes sent--> pending --ACTIVE--> handle
                              |                       |
                              +--- lease lapses       +--- FAILED / too long: failed

* ``uploading``: one uploader holds a lease (``uploader``, ``uploading_until``) and renews
  it while it sends; the others wait. A lapsed lease (the uploader died) is taken over.
* ``pending``: the bytes are at Google and the file is PROCESSING. It is recorded in
  Firestore, so any worker of any instance polls *that* file instead of uploading again
  (a long video outlives the request that started it).
* ``handle``: ACTIVE, used by every prompt and model until it nears expiry (48 h).
* ``failed``: Gemini could not process it; not uploaded again for an hour.

A call waits for the video at most ``video_ready_timeout_s`` and then raises
:class:`~vidcompare.errors.VideoNotReady`: the combination is released and runs when
its message comes back. Files nobody will use are deleted (``files.delete``): one that
failed or never became ACTIVE, one superseded by a newer upload, one whose upload lost
a race; and the sweep deletes our files that no cache document knows (an uploader that
died between sending and recording). Only writes by the lease holder count: every
release, renewal and record checks the ``uploader``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import logging
import time
import uuid

from google import genai
from google.genai import errors, types

from vidcompare import store
from vidcompare.config import settings
from vidcompare.errors import ModelError, ProviderNotConfigured, VideoNotReady
from vidcompare.gcp import bucket
from vidcompare.providers.gemini.sdk import genai_client
from vidcompare.store import model_files

log = logging.getLogger(__name__)

# Our files at the Files API are named so: the sweep deletes only its own orphans.
DISPLAY_PREFIX = "vidcompare:"
# Don't start a call with a handle that expires within this margin.
EXPIRY_MARGIN = dt.timedelta(hours=1)
UPLOAD_CHUNK_BYTES = 8 * 1024 * 1024
# Files API polls start at gemini_poll_s and grow by this factor, up to 20 times it (10 s).
POLL_GROWTH = 1.5
# A video Gemini failed to process is not uploaded again for this long.
FAILED_FOR = dt.timedelta(hours=1)
# An unrecorded file of ours this old is an orphan (its uploader died before recording).
ORPHAN_AFTER = dt.timedelta(hours=1)
# Handles this instance checked with the API lately (sha256 -> handle, when): reused
# without a Firestore read or a files.get. A call the API refuses for its file drops the
# entry (forget_verified), and the next lookup checks again.
VERIFIED_FOR = dt.timedelta(minutes=5)

_verified: dict[str, tuple[dict, dt.datetime]] = {}
# The running lookup of each video, per event loop: every lane and model of an instance
# waits for the same one.
_lookups: dict[tuple[int, str], asyncio.Task[dict]] = {}


class LostTheLease(Exception):
    """Another uploader took the video over while this one sent it."""


async def video_part(client: genai.Client, video) -> types.Part:
    if client.vertexai:
        return types.Part.from_uri(file_uri=video.gcs_uri, mime_type=video.content_type)
    handle = await uploaded_handle(client, video)
    return types.Part.from_uri(file_uri=handle["uri"], mime_type=handle["mime_type"])


async def uploaded_handle(client: genai.Client, video) -> dict:
    """The video's ACTIVE Files API handle, uploading it first if nobody has.

    Waits at most ``video_ready_timeout_s``, then raises VideoNotReady; the lookup goes
    on in this instance while it runs, and its state is in Firestore for every other.
    """
    if handle := _recently_verified(video.sha256):
        return handle  # the hot path: no Firestore transaction, no files.get
    key = (id(asyncio.get_running_loop()), video.sha256)
    task = _lookups.get(key)
    if task is None:
        task = asyncio.ensure_future(_lookup(client, video))
        _lookups[key] = task
        task.add_done_callback(lambda done: _finished(key, done))
    timeout = settings().video_ready_timeout_s
    try:
        return await asyncio.wait_for(asyncio.shield(task), timeout)
    except TimeoutError:
        raise VideoNotReady(
            f"video {video.video_id} was not ready at the Gemini Files API within "
            f"{timeout:g} s (uploading or PROCESSING); its combinations run when it is"
        ) from None


def _finished(key: tuple[int, str], task: asyncio.Task[dict]) -> None:
    _lookups.pop(key, None)
    if not task.cancelled() and (error := task.exception()) is not None:
        # Everyone who waited has it; this also keeps asyncio from warning when nobody did.
        log.info("lookup of %s ended with %s: %s", key[1][:12], type(error).__name__, error)


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


async def _lookup(client: genai.Client, video) -> dict:
    handle = await _cached_or_uploaded(client, video)
    _verified[video.sha256] = (handle, store.now())
    return handle


async def _cached_or_uploaded(client: genai.Client, video) -> dict:
    sha = video.sha256
    me = uuid.uuid4().hex  # per lookup: two instances must not both upload
    poll = first_poll = settings().gemini_poll_s
    # Bounded: long enough for an upload, its PROCESSING limit and a dead uploader's lease.
    give_up_at = time.monotonic() + 2 * settings().video_processing_limit_s
    while time.monotonic() < give_up_at:
        decision, found = await model_files.attempt(
            functools.partial(
                model_files.decide,
                lease=_upload_lease(),
                expiry_margin=EXPIRY_MARGIN,
                failed_for=FAILED_FOR,
            ),
            sha,
            me,
        )
        if decision == "use":
            if await _still_usable(client, found["name"]):
                return found
            await model_files.attempt(model_files.drop, sha, "handle", found["name"])
        elif decision == "failed":
            raise ModelError(f"Gemini could not process video {video.video_id}: {found['reason']}")
        elif decision == "poll":
            if handle := await _poll_pending(client, video, found):
                return handle
            await asyncio.sleep(poll)
            poll = min(poll * POLL_GROWTH, 20 * first_poll)
        elif decision == "wait":
            await asyncio.sleep(poll)
        else:
            try:
                await _upload_as_holder(client, video, me)
            except LostTheLease:
                log.info("another worker took over the upload of %s", video.video_id)
            except BaseException:
                await asyncio.to_thread(model_files.release, sha, me)
                raise
            poll = first_poll
    raise VideoNotReady(
        f"video {video.video_id} did not become usable at the Gemini Files API within "
        f"{2 * settings().video_processing_limit_s:g} s; looking again"
    )


async def _still_usable(client: genai.Client, name: str) -> bool:
    try:
        file = await client.aio.files.get(name=name)
    except errors.ClientError as exc:
        if exc.code in (403, 404):
            log.info("Gemini no longer knows %s; looking again", name)
            return False
        raise
    if file.state == types.FileState.FAILED:
        await delete_file(client, name)
        return False
    return True


def _upload_lease() -> dt.timedelta:
    return dt.timedelta(seconds=settings().upload_lease_s)


async def _poll_pending(client: genai.Client, video, pending: dict) -> dict | None:
    """One look at the pending file: its handle once ACTIVE, None while PROCESSING."""
    name = pending["name"]
    try:
        file = await client.aio.files.get(name=name)
    except errors.ClientError as exc:
        if exc.code not in (403, 404):
            raise
        await model_files.attempt(model_files.drop, video.sha256, "pending", name)  # gone
        return None
    if file.state == types.FileState.ACTIVE:
        handle = _handle(file, video)
        kept, superseded = await model_files.attempt(
            model_files.promote, video.sha256, name, handle
        )
        if superseded:
            await delete_file(client, superseded)
        await asyncio.to_thread(store.set_gemini_file, video.video_id, kept)
        return kept
    limit = settings().video_processing_limit_s
    if file.state == types.FileState.FAILED:
        reason = file.error.message if file.error and file.error.message else "no reason given"
    elif store.now() - pending["uploaded_at"] > dt.timedelta(seconds=limit):
        reason = f"it was still PROCESSING after {limit:g} s"
    else:
        return None
    await delete_file(client, name)
    await model_files.attempt(model_files.fail, video.sha256, name, reason)
    raise ModelError(f"Gemini could not process video {video.video_id}: {reason}")


async def _upload_as_holder(client: genai.Client, video, me: str) -> None:
    """Send the bytes while renewing ``me``'s lease, then record the file as pending."""
    upload = asyncio.ensure_future(_send(client, video))
    lease = settings().upload_lease_s
    while True:
        done, _ = await asyncio.wait({upload}, timeout=lease / 3)
        if done:
            break
        if not await model_files.attempt(model_files.renew, video.sha256, me, _upload_lease()):
            upload.cancel()  # the thread finishes its request; the file is an orphan
            raise LostTheLease
    file = upload.result()
    pending = _handle(file, video) | {"uploaded_at": store.now()}
    if not await model_files.attempt(model_files.record_pending, video.sha256, me, pending):
        await delete_file(client, file.name)
        raise LostTheLease


async def _send(client: genai.Client, video) -> types.File:
    def send() -> types.File:
        blob = bucket().blob(video.gcs_uri.split("/", 3)[3])
        # Streamed from the bucket in chunks: the video is never whole in memory.
        with blob.open("rb", chunk_size=UPLOAD_CHUNK_BYTES) as reader:
            return client.files.upload(
                file=reader,
                config=types.UploadFileConfig(
                    mime_type=video.content_type, display_name=DISPLAY_PREFIX + video.video_id
                ),
            )

    return await asyncio.to_thread(send)


def _handle(file: types.File, video) -> dict:
    expires = file.expiration_time or store.now() + dt.timedelta(hours=48)
    return {
        "name": file.name,
        "uri": file.uri,
        "mime_type": file.mime_type or video.content_type,
        "expires_at": expires,
        "size_bytes": file.size_bytes,
        "uploaded_at": store.now(),
    }


async def delete_file(client: genai.Client, name: str) -> bool:
    """Delete a file nobody will use. One the API already forgot is fine; a failure is
    logged, not raised (the file expires after 48 h anyway)."""
    try:
        await client.aio.files.delete(name=name)
    except errors.APIError as exc:
        if exc.code != 404:
            log.warning("could not delete the unused Gemini file %s: %s", name, exc)
        return False
    log.info("deleted the unused Gemini file %s", name)
    return True


def delete_orphans(
    client: genai.Client | None = None, *, older_than: dt.timedelta = ORPHAN_AFTER
) -> list[str]:
    """Delete our files (display name ``vidcompare:…``) that no cache document knows and
    that are older than an hour: uploads whose uploader died before recording them.
    Called by the sweep; nothing to do without a Developer API key."""
    try:
        client = client or genai_client()
    except ProviderNotConfigured:
        return []
    if client.vertexai:
        return []
    known, cutoff, deleted = model_files.known_files(), store.now() - older_than, []
    for file in client.files.list(config={"page_size": 100}):
        ours = (file.display_name or "").startswith(DISPLAY_PREFIX)
        old = file.create_time is not None and file.create_time < cutoff
        if not (ours and old and file.name not in known):
            continue
        try:
            client.files.delete(name=file.name)
        except errors.APIError as exc:
            log.warning("could not delete the orphaned Gemini file %s: %s", file.name, exc)
            continue
        deleted.append(file.name)
    if deleted:
        log.warning("deleted %d orphaned Gemini files: %s", len(deleted), deleted)
    return deleted
