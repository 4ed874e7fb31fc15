"""How a video's bytes arrive: a raw request body, a resumable upload straight to the
bucket, or an object already in Cloud Storage. Each ends in :func:`intake.take_in`.

API Gateway and Cloud Run cap a request at 32 MiB and a video is 100-500 MB, so large
files never pass through a function: the service opens a Cloud Storage resumable-upload
session server-side, with its own credentials (no key, no signing), for exactly one new
object name, content type and size. The client sends the bytes to the session URL in
chunks, resumes from the offset the session reports, and asks to finalize. Bytes are
never held whole in memory on any path.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import mimetypes
import re
import uuid
from typing import BinaryIO

import httpx
from google.api_core import exceptions as gcs_errors

from vidcompare import store
from vidcompare.config import settings
from vidcompare.documents import UploadDoc, UploadState
from vidcompare.errors import (
    Conflict,
    InvalidRequest,
    NotFound,
    PayloadTooLarge,
    PermissionDenied,
    RetryLater,
    UnsupportedMediaType,
)
from vidcompare.gcp import bucket, storage_client
from vidcompare.intake import copy_object, delete_quietly, take_in, video_object_name
from vidcompare.media.formats import safe_name
from vidcompare.schemas import UploadRequest, UploadSession, VideoImport, VideoInfo

# Resumable uploads need a multiple of 256 KiB; 8 MiB bounds memory per upload and is
# what a client is told to send per request (well under the 32 MiB request cap).
UPLOAD_CHUNK_BYTES = 8 * 1024 * 1024
READ_BLOCK_BYTES = 1024 * 1024
# Where resumable uploads land until they are finalized; the bucket's lifecycle rule
# deletes what is left there a day later (abandoned uploads).
INCOMING_PREFIX = "incoming/"
# A session is finalized within this, or its object is abandoned.
UPLOAD_WINDOW = dt.timedelta(hours=24)


def new_video_id(filename: str) -> str:
    stem = safe_name(filename).rsplit(".", 1)[0][:40].strip("-.") or "video"
    return f"{stem}-{uuid.uuid4().hex[:8]}"


def _content_type(given: str | None, filename: str) -> str:
    if given and given != "application/octet-stream":
        return given
    return mimetypes.guess_type(filename)[0] or "application/octet-stream"


# ------------------------------------------------------------------- a raw body


def store_upload(
    stream: BinaryIO, *, filename: str, content_type: str | None, owner: str | None
) -> tuple[VideoInfo, bool]:
    """Stream ``stream`` into the bucket while hashing it, then take it in:
    (the video, True if it is new)."""
    if not filename:
        raise InvalidRequest.for_field("filename", "is required")
    limit = settings().max_upload_bytes
    video_id = new_video_id(filename)
    blob = bucket().blob(video_object_name(video_id, filename))
    hasher, size = hashlib.sha256(), 0
    try:
        with blob.open(
            "wb",
            chunk_size=UPLOAD_CHUNK_BYTES,
            content_type=_content_type(content_type, filename),
            ignore_flush=True,
        ) as writer:
            while block := stream.read(READ_BLOCK_BYTES):
                size += len(block)
                if size > limit:
                    raise PayloadTooLarge(f"video is larger than {limit} bytes")
                hasher.update(block)
                writer.write(block)
        return take_in(
            blob,
            video_id=video_id,
            filename=filename,
            owner=owner,
            sha256=hasher.hexdigest(),
            size=size,
        )
    except (UnsupportedMediaType, InvalidRequest):
        raise  # take_in deleted what it refused
    except BaseException:
        delete_quietly(blob)
        raise


# ------------------------------------------------------------ resumable uploads


def start_upload(
    request: UploadRequest, *, owner: str | None, origin: str | None
) -> tuple[int, UploadSession]:
    """A resumable session for one new object (201), or the owner's video that already
    has the bytes ``request.sha256`` (200, nothing to upload)."""
    content_type = _content_type(request.content_type, request.filename)
    if request.sha256 and (existing := store.find_video(request.sha256, owner=owner)):
        session = UploadSession(
            upload_id=existing.video_id,
            size_bytes=existing.size_bytes,
            content_type=existing.content_type,
            chunk_bytes=UPLOAD_CHUNK_BYTES,
            existing=existing.info(),
        )
        return 200, session
    limit = settings().max_upload_bytes
    if request.size_bytes > limit:
        raise PayloadTooLarge(f"size_bytes: {request.size_bytes} is over the limit of {limit}")
    upload_id = new_video_id(request.filename)
    object_name = f"{INCOMING_PREFIX}{upload_id}/{safe_name(request.filename)}"
    blob = bucket().blob(object_name)
    blob.metadata = {"vidcompare-upload": upload_id, "vidcompare-owner": owner or ""}
    try:
        url = blob.create_resumable_upload_session(
            content_type=content_type,
            size=request.size_bytes,  # the session takes exactly this many bytes
            origin=request.origin or origin,
            if_generation_match=0,  # a new object, never one that exists
            checksum=None,  # the client sends the bytes; the hash is checked at finalize
        )
    except gcs_errors.BadRequest as exc:
        raise InvalidRequest(f"Cloud Storage refused the upload: {exc.message}") from None
    created_at = store.now()
    upload = UploadDoc(
        upload_id=upload_id,
        owner=owner,
        filename=request.filename,
        object_name=object_name,
        content_type=content_type,
        size_bytes=request.size_bytes,
        upload_url=url,
        created_at=created_at,
        expires_at=created_at + UPLOAD_WINDOW,
        expire_at=store.expiry(created_at),
    )
    store.create_upload(upload)
    session = UploadSession(
        upload_id=upload_id,
        upload_url=url,
        object_name=object_name,
        size_bytes=request.size_bytes,
        content_type=content_type,
        chunk_bytes=UPLOAD_CHUNK_BYTES,
        expires_at=upload.expires_at,
    )
    return 201, session


def finalize_upload(upload_id: str, *, owner: str | None) -> tuple[VideoInfo, bool]:
    """Probe the uploaded object and record it: (the video, True if it is new). Asking
    again answers the same video."""
    upload = store.get_upload(upload_id, owner=owner)
    if upload.state is UploadState.finalized:
        return store.get_video(upload.video_id or "").info(), False
    if upload.state is UploadState.rejected:
        raise UnsupportedMediaType(upload.error or f"{upload.filename}: not a video")
    blob = bucket().get_blob(upload.object_name)
    if upload.expires_at < store.now():
        if blob is not None:
            delete_quietly(blob)
        raise Conflict(
            f"upload {upload_id} expired at {upload.expires_at:%Y-%m-%d %H:%M} UTC; start a new one"
        )
    if blob is None:
        received = _received_bytes(upload.upload_url, upload.size_bytes)
        if received == upload.size_bytes:  # complete, and taken in by a finalize meanwhile
            raise RetryLater(f"upload {upload_id} is being finalized; ask again", retry_after_s=1)
        raise Conflict(
            f"{received} of {upload.size_bytes} bytes received; send the rest to the "
            "upload_url, then finalize"
        )
    try:
        video, new = take_in(blob, video_id=upload_id, filename=upload.filename, owner=owner)
    except UnsupportedMediaType as exc:
        store.close_upload(upload_id, UploadState.rejected, error=exc.message)
        raise
    store.close_upload(upload_id, UploadState.finalized, video_id=video.video_id)
    return video, new


def delete_abandoned() -> list[str]:
    """Delete what uploads left under ``incoming/`` past their window (never finalized):
    what the bucket's lifecycle rule does in production, done by the sweep everywhere
    (the local storage emulator has no lifecycle)."""
    cutoff = store.now() - UPLOAD_WINDOW
    gone = []
    for blob in bucket().list_blobs(prefix=INCOMING_PREFIX):
        if blob.time_created is not None and blob.time_created < cutoff:
            delete_quietly(blob)
            gone.append(blob.name)
    return gone


def _received_bytes(upload_url: str, size: int) -> int:
    """How many bytes the session has: the resumable protocol's status query."""
    answer = httpx.put(
        upload_url, headers={"Content-Range": f"bytes */{size}"}, content=b"", timeout=30.0
    )
    if answer.status_code in (200, 201):
        return size
    if answer.status_code != 308:
        raise Conflict(f"the upload session is gone ({answer.status_code}); start a new upload")
    found = re.fullmatch(r"bytes=0-(\d+)", answer.headers.get("Range", ""))
    return int(found[1]) + 1 if found else 0


# ----------------------------------------------------- objects already in Cloud Storage


def import_object(request: VideoImport, *, owner: str | None) -> tuple[VideoInfo, bool]:
    """Copy ``gs://bucket/path`` into our bucket (server-side) and take it in: the video
    is ours from then on, whatever happens to the source."""
    source_bucket, source_name = request.gcs_uri.removeprefix("gs://").split("/", 1)
    filename = request.filename or source_name.rsplit("/", 1)[-1]
    source = storage_client().bucket(source_bucket).blob(source_name)
    video_id = new_video_id(filename)
    target = bucket().blob(video_object_name(video_id, filename))
    try:
        copy_object(source, target)
    except gcs_errors.NotFound:
        raise NotFound.for_field("gcs_uri", f"{request.gcs_uri} does not exist") from None
    except gcs_errors.Forbidden:
        raise PermissionDenied.for_field(
            "gcs_uri",
            f"the service account cannot read {request.gcs_uri}; grant it "
            "roles/storage.objectViewer on that bucket",
        ) from None
    try:
        return take_in(target, video_id=video_id, filename=filename, owner=owner)
    except (UnsupportedMediaType, InvalidRequest):
        raise
    except BaseException:
        delete_quietly(target)
        raise
