"""Videos: streamed into the bucket, described in Firestore, fetched for local models.

Bytes are never held whole in memory: uploads go to Cloud Storage through a resumable
``BlobWriter`` in fixed chunks while they are hashed, the probe reads the object back
through a ranged ``BlobReader``, and local models get a cached file on disk.
"""

from __future__ import annotations

import functools
import hashlib
import mimetypes
import os
import re
import tempfile
import threading
import time
import uuid
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from vidcompare import store
from vidcompare.config import settings
from vidcompare.documents import VideoDoc
from vidcompare.errors import InvalidRequest, PayloadTooLarge, UnsupportedMediaType
from vidcompare.gcp import bucket
from vidcompare.media.analysis import probe
from vidcompare.providers.base import VideoSource
from vidcompare.schemas import VideoInfo

# Resumable uploads need a multiple of 256 KiB; 8 MiB bounds memory per upload.
UPLOAD_CHUNK_BYTES = 8 * 1024 * 1024
READ_BLOCK_BYTES = 1024 * 1024
PROBE_CHUNK_BYTES = 1024 * 1024


def _safe_name(filename: str) -> str:
    name = PurePosixPath(filename.replace("\\", "/")).name
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-.")
    return name[:100] or "video"


def new_video_id(filename: str) -> str:
    stem = _safe_name(filename).rsplit(".", 1)[0][:40].strip("-.") or "video"
    return f"{stem}-{uuid.uuid4().hex[:8]}"


# FFmpeg's demuxer -> the video's media type; a demuxer serving several formats picks
# by the file's extension.
_CONTAINER_TYPES: dict[str, dict[str, str]] = {
    "mov,mp4,m4a,3gp,3g2,mj2": {".mov": "video/quicktime", ".3gp": "video/3gpp", "": "video/mp4"},
    "matroska,webm": {".mkv": "video/x-matroska", "": "video/webm"},
    "avi": {"": "video/x-msvideo"},
    "mpegts": {"": "video/mp2t"},
    "mpeg": {"": "video/mpeg"},
    "flv": {"": "video/x-flv"},
    "asf": {"": "video/x-ms-wmv"},
}


ACCEPTED_FORMATS = "MP4, MOV, 3GP, WebM, MKV, AVI, MPEG, MPEG-TS, FLV or WMV"


def probed_content_type(container: str, filename: str) -> str:
    """The media type of what the probe found. Raises ``ValueError`` for a container that
    Gemini does not take as video (a GIF, an Ogg, a raw H.264 stream)."""
    by_extension = _CONTAINER_TYPES.get(container)
    if by_extension is None:
        raise ValueError(f"{container} is not a video format we accept: send {ACCEPTED_FORMATS}")
    suffix = PurePosixPath(filename.lower()).suffix
    return by_extension.get(suffix, by_extension[""])


def store_upload(
    stream: BinaryIO, *, filename: str, content_type: str | None, owner: str | None
) -> VideoInfo:
    """Stream ``stream`` into the bucket, check that it is a video, record it."""
    if not filename:
        raise InvalidRequest.for_field("filename", "is required")
    config = settings()
    content_type = (
        content_type
        if content_type and content_type != "application/octet-stream"
        else mimetypes.guess_type(filename)[0] or "application/octet-stream"
    )
    video_id = new_video_id(filename)
    blob = bucket().blob(f"videos/{video_id}/{_safe_name(filename)}")
    hasher, size = hashlib.sha256(), 0
    try:
        with blob.open(
            "wb", chunk_size=UPLOAD_CHUNK_BYTES, content_type=content_type, ignore_flush=True
        ) as writer:
            while block := stream.read(READ_BLOCK_BYTES):
                size += len(block)
                if size > config.max_upload_bytes:
                    raise PayloadTooLarge(f"video is larger than {config.max_upload_bytes} bytes")
                hasher.update(block)
                writer.write(block)
        if size == 0:
            raise InvalidRequest.for_field("file", "is empty")
        with blob.open("rb", chunk_size=PROBE_CHUNK_BYTES) as reader:
            facts = probe(reader)
        # What the bytes are, not what the client said they are.
        content_type = probed_content_type(facts.container, filename)
        if blob.content_type != content_type:
            blob.content_type = content_type
            blob.patch()
    except ValueError as exc:
        _delete_quietly(blob)
        raise UnsupportedMediaType(f"{filename}: not a video we can decode ({exc})") from None
    except BaseException:
        _delete_quietly(blob)
        raise
    info = VideoInfo(
        video_id=video_id,
        filename=filename,
        gcs_uri=f"gs://{blob.bucket.name}/{blob.name}",
        content_type=content_type,
        size_bytes=size,
        sha256=hasher.hexdigest(),
        duration_s=facts.duration_s,
        width=facts.width,
        height=facts.height,
        fps=facts.fps,
        has_audio=facts.has_audio,
        created_at=store.now(),
    )
    store.create_video(
        VideoDoc(
            **info.model_dump(),
            owner=owner,
            object_name=blob.name,
            expire_at=store.expiry(info.created_at),
        )
    )
    return info


def _delete_quietly(blob) -> None:
    try:
        blob.delete()
    except Exception:  # noqa: BLE001 - best effort; the upload error is what matters
        pass


# ----------------------------------------------------------------- local copies

_download_lock = threading.Lock()
# A copy used this recently is never evicted (a model may be about to open it).
_IN_USE_S = 300.0


def _cache_dir() -> Path:
    return Path(settings().cache_dir or Path(tempfile.gettempdir()) / "vidcompare-videos")


def _local_copy(object_name: str, sha256: str, suffix: str) -> Path:
    """The video on local disk, downloaded once (keyed by content hash); the cache keeps
    at most ``cache_max_bytes``, evicting the least recently used copies."""
    cache = _cache_dir()
    target = cache / f"{sha256}{suffix}"
    with _download_lock:
        if target.exists():
            os.utime(target)  # recently used: evicted last
            return target
        cache.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(f".{uuid.uuid4().hex}.part")
        bucket().blob(object_name).download_to_filename(str(partial))
        partial.rename(target)
        _evict(cache, keep=target)
    return target


def _evict(cache: Path, *, keep: Path) -> None:
    now = time.time()
    for partial in cache.glob("*.part"):  # a download that was killed half-way
        if now - partial.stat().st_mtime > 3600:
            partial.unlink(missing_ok=True)
    copies = sorted(
        (p for p in cache.iterdir() if p.is_file() and p.suffix != ".part"),
        key=lambda p: p.stat().st_mtime,
    )
    total, limit = sum(p.stat().st_size for p in copies), settings().cache_max_bytes
    # Least recently used first; copies used in the last minutes only when that is not
    # enough (a model may be about to open one: it is fetched again if so).
    for spare_recent in (True, False):
        for copy in copies:
            if total <= limit:
                return
            if copy == keep or not copy.exists():
                continue
            if spare_recent and now - copy.stat().st_mtime < _IN_USE_S:
                continue
            total -= copy.stat().st_size
            copy.unlink(missing_ok=True)


@functools.lru_cache(maxsize=1024)
def _video_doc(video_id: str) -> VideoDoc:
    # What a worker needs of a video never changes once it is uploaded: one read each.
    return store.get_video(video_id)


def video_source(video_id: str) -> VideoSource:
    video = _video_doc(video_id)
    suffix = PurePosixPath(video.object_name).suffix
    return VideoSource(
        video_id=video_id,
        gcs_uri=video.gcs_uri,
        sha256=video.sha256,
        content_type=video.content_type,
        size_bytes=video.size_bytes,
        local_path=lambda: _local_copy(video.object_name, video.sha256, suffix),
    )
