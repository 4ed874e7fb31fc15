"""Videos for the worker: a local copy on disk for the local models, and the source a
provider is handed (the ``gs://`` URI, the hash that keys the Files API cache)."""

from __future__ import annotations

import functools
import os
import tempfile
import threading
import time
import uuid
from pathlib import Path, PurePosixPath

from vidcompare import store
from vidcompare.config import settings
from vidcompare.documents import VideoDoc
from vidcompare.gcp import bucket
from vidcompare.providers.base import VideoSource

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
