"""Watching a video in the page: a short-lived grant, then its bytes by byte ranges.

A ``<video src>`` cannot send ``X-API-Key``, so ``POST /api/videos/{id}/playback`` (an
ordinary authenticated call) returns a URL whose token is the credential for an hour.
``GET /api/videos/{id}/content?token=`` then answers the ranges the browser asks for,
streamed from the bucket, at most :data:`MAX_RANGE_BYTES` at a time: a function's
answer is capped at 32 MiB, and a shorter ``206`` than asked is fine — players ask
again from where it ended.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass

from google.api_core import exceptions as google_errors
from google.cloud import storage

from vidcompare import store
from vidcompare.errors import NotFound, RangeNotSatisfiable, Unauthenticated
from vidcompare.gcp import bucket
from vidcompare.schemas import PlaybackGrant

GRANT_LIFETIME = dt.timedelta(hours=1)
MAX_RANGE_BYTES = 8 * 1024 * 1024
_BLOCK = 1024 * 1024
_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


def grant(video_id: str, *, owner: str | None) -> PlaybackGrant:
    store.get_video(video_id, owner=owner)  # 404 for another owner's or an unknown video
    token = secrets.token_urlsafe(32)
    expires_at = store.now() + GRANT_LIFETIME
    store.create_grant(token, video_id=video_id, owner=owner, expires_at=expires_at)
    return PlaybackGrant(
        video_id=video_id,
        url=f"/api/videos/{video_id}/content?token={token}",
        expires_at=expires_at,
    )


@dataclass(frozen=True)
class Served:
    """What ``GET …/content`` answers: ``206`` and one range, or ``200`` and the whole."""

    status: int
    content: bytes | Iterator[bytes]  # blocks: the whole video is streamed
    media_type: str
    headers: dict[str, str]


def serve(token: str, video_id: str, range_header: str | None) -> Served:
    """The video's bytes for a request bearing a live grant for it."""
    granted = store.granted_video(token, now=store.now())
    if granted is None or granted[0] != video_id:
        raise Unauthenticated("the playback token is missing, wrong or expired; ask for a new one")
    video = store.get_video(video_id, owner=granted[1])
    blob = bucket().blob(video.object_name)
    headers = {"Accept-Ranges": "bytes", "Cache-Control": "private, max-age=3600"}
    wanted = byte_range(range_header, video.size_bytes)
    if wanted is None:
        headers["Content-Length"] = str(video.size_bytes)
        return Served(200, _blocks(blob, 0), video.content_type, headers)
    first, last = wanted
    last = min(last, first + MAX_RANGE_BYTES - 1)
    try:
        data = blob.download_as_bytes(start=first, end=last)
    except google_errors.NotFound as exc:  # the object went after the document was read
        raise NotFound(f"video {video_id!r} has no bytes in the bucket any more") from exc
    headers["Content-Range"] = f"bytes {first}-{first + len(data) - 1}/{video.size_bytes}"
    return Served(206, data, video.content_type, headers)


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The one range ``header`` asks for, as (first, last) inclusive and within ``size``;
    None to answer the whole (no header, a form we do not serve, several ranges);
    :class:`RangeNotSatisfiable` when it starts past the end."""
    found = _RANGE.fullmatch((header or "").strip())
    if found is None or found[1] == found[2] == "":
        return None
    if found[1] == "":  # bytes=-N: the last N bytes
        suffix = int(found[2])
        if suffix == 0:
            raise RangeNotSatisfiable(f"an empty suffix range of a {size}-byte video", size=size)
        return max(0, size - suffix), size - 1
    first = int(found[1])
    last = None if found[2] == "" else int(found[2])
    if last is not None and last < first:
        return None  # syntactically invalid: ignored, as RFC 9110 says
    if first >= size:
        raise RangeNotSatisfiable(f"bytes {first}- start past the end of {size} bytes", size=size)
    return first, size - 1 if last is None else min(last, size - 1)


def _blocks(blob: storage.Blob, first: int) -> Iterator[bytes]:
    with blob.open("rb", chunk_size=_BLOCK) as stream:
        stream.seek(first)
        while block := stream.read(_BLOCK):
            yield block
