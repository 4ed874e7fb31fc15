"""``/api/videos`` and ``/api/uploads``: videos in by a body, a resumable upload or a
``gs://`` URI; list, get, rename and delete them, and their thumbnails."""

from __future__ import annotations

import re

import flask
from google.api_core import exceptions as gcs_errors

from vidcompare import playback, store, thumbnails, uploads
from vidcompare.api.batches import parse_model
from vidcompare.api.routing import RawAnswer
from vidcompare.errors import InvalidRequest
from vidcompare.gcp import bucket
from vidcompare.schemas import (
    ORIGIN_PATTERN,
    UploadRequest,
    UploadSession,
    VideoDeleted,
    VideoImport,
    VideoInfo,
    VideoList,
    VideoRename,
)

# A thumbnail never changes while its video exists: the browser keeps it a day.
THUMBNAIL_CACHE = "private, max-age=86400"


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


def rename_video(video_id: str, body: object, owner: str | None) -> VideoInfo:
    rename = parse_model(VideoRename, body)
    return store.rename_video(video_id, rename.filename, owner=owner).info()


def delete_video(video_id: str, owner: str | None) -> VideoDeleted:
    """The video's document and digest record, then its object and thumbnail: jobs keep
    their results (each comparison carries the video id)."""
    video = store.delete_video(video_id, owner=owner)
    try:
        bucket().blob(video.object_name).delete()
    except gcs_errors.NotFound:
        pass  # already gone: what was asked
    thumbnails.delete_thumbnail(video.video_id)
    return VideoDeleted(video_id=video.video_id)


def thumbnail(video_id: str, owner: str | None) -> RawAnswer:
    jpeg = thumbnails.thumbnail(video_id, owner=owner)
    return RawAnswer(jpeg, thumbnails.THUMBNAIL_TYPE, {"Cache-Control": THUMBNAIL_CACHE})


def content(request: flask.Request, video_id: str) -> tuple[int, RawAnswer]:
    """A video's bytes for a player: its token in the query, the range in the header."""
    served = playback.serve(request.args.get("token", ""), video_id, request.headers.get("Range"))
    return served.status, RawAnswer(served.content, served.media_type, served.headers)
