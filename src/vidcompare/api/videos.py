"""``/api/videos``: upload (streamed to the bucket), list, get."""

from __future__ import annotations

import flask

from vidcompare import store
from vidcompare.errors import InvalidRequest
from vidcompare.schemas import VideoInfo, VideoList
from vidcompare.uploads import store_upload


def upload(request: flask.Request, owner: str | None) -> VideoInfo:
    """A raw body (``?filename=clip.mp4``) or a multipart form with a ``file`` field."""
    if request.mimetype == "multipart/form-data":
        # Werkzeug spools each part to a temporary file, so this stays off the heap too.
        part = request.files.get("file")
        if part is None:
            raise InvalidRequest.for_field("file", "multipart upload needs a 'file' field")
        return store_upload(
            part.stream, filename=part.filename or "", content_type=part.mimetype, owner=owner
        )
    filename = request.args.get("filename") or request.headers.get("X-Filename", "")
    return store_upload(
        request.stream, filename=filename, content_type=request.mimetype, owner=owner
    )


def list_videos(owner: str | None) -> VideoList:
    return VideoList(videos=[v.info() for v in store.list_videos(owner=owner)])


def get_video(video_id: str, owner: str | None) -> VideoInfo:
    return store.get_video(video_id, owner=owner).info()
