"""``/api/videos`` and ``/api/uploads``: videos in by a body, a resumable upload or a
``gs://`` URI; list and get them."""

from __future__ import annotations

import re

import flask

from vidcompare import store, uploads
from vidcompare.api.batches import parse_model
from vidcompare.errors import InvalidRequest
from vidcompare.schemas import (
    ORIGIN_PATTERN,
    UploadRequest,
    UploadSession,
    VideoImport,
    VideoInfo,
    VideoList,
)


def upload(request: flask.Request, owner: str | None) -> tuple[VideoInfo, bool]:
    """A raw body (``?filename=clip.mp4``) or a multipart form with a ``file`` field:
    (the video, True if it is new)."""
    if request.mimetype == "multipart/form-data":
        # Werkzeug spools each part to a temporary file, so this stays off the heap too.
        part = request.files.get("file")
        if part is None:
            raise InvalidRequest.for_field("file", "multipart upload needs a 'file' field")
        return uploads.store_upload(
            part.stream, filename=part.filename or "", content_type=part.mimetype, owner=owner
        )
    filename = request.args.get("filename") or request.headers.get("X-Filename", "")
    return uploads.store_upload(
        request.stream, filename=filename, content_type=request.mimetype, owner=owner
    )


def import_video(body: object, owner: str | None) -> tuple[VideoInfo, bool]:
    """JSON ``{"gcs_uri": "gs://…"}``: a video already in Cloud Storage, copied in."""
    return uploads.import_object(parse_model(VideoImport, body), owner=owner)


def start_upload(
    request: flask.Request, owner: str | None, json_body: object
) -> tuple[int, UploadSession]:
    """A resumable session straight to the bucket (201), or the video the owner already
    has with the hash the body gives (200)."""
    origin = request.headers.get("Origin")
    if origin and not re.fullmatch(ORIGIN_PATTERN, origin):
        origin = None  # not a page's origin ("null" from a file:// page, say)
    return uploads.start_upload(parse_model(UploadRequest, json_body), owner=owner, origin=origin)


def finalize_upload(upload_id: str, owner: str | None) -> tuple[VideoInfo, bool]:
    return uploads.finalize_upload(upload_id, owner=owner)


def list_videos(owner: str | None) -> VideoList:
    return VideoList(videos=[v.info() for v in store.list_videos(owner=owner)])


def get_video(video_id: str, owner: str | None) -> VideoInfo:
    return store.get_video(video_id, owner=owner).info()
