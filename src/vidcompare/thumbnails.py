"""A video's thumbnail in the bucket: made once from the video object, then read back.

``thumbnails/{video_id}.jpg`` sits beside ``videos/``; the first request decodes one
frame from the object (read in ranged blocks, never whole) and stores the JPEG, written
only if it is not there yet, so two first requests at once store one. Every later
request reads the stored one.
"""

from __future__ import annotations

from google.api_core import exceptions as gcs_errors
from google.cloud.storage import Blob

from vidcompare import store
from vidcompare.errors import NotFound, UnsupportedMediaType
from vidcompare.gcp import bucket
from vidcompare.intake import PROBE_CHUNK_BYTES
from vidcompare.media.thumbnail import thumbnail_jpeg

THUMBNAIL_TYPE = "image/jpeg"
THUMBNAIL_PREFIX = "thumbnails/"


def thumbnail_object_name(video_id: str) -> str:
    return f"{THUMBNAIL_PREFIX}{video_id}.jpg"


def thumbnail(video_id: str, *, owner: str | None) -> bytes:
    """The JPEG thumbnail of the owner's video ``video_id``: the stored one, else made
    and stored now. NotFound for another owner's or a missing video (or one whose
    object is gone); UnsupportedMediaType when no frame can be decoded."""
    video = store.get_video(video_id, owner=owner)
    stored = bucket().blob(thumbnail_object_name(video.video_id))
    try:
        return stored.download_as_bytes()
    except gcs_errors.NotFound:
        pass
    source = bucket().get_blob(video.object_name)
    if source is None:
        raise NotFound(f"video {video_id!r} has no file in the bucket any more")
    jpeg = _made_from(source, video.filename)
    try:
        stored.upload_from_string(jpeg, content_type=THUMBNAIL_TYPE, if_generation_match=0)
    except gcs_errors.PreconditionFailed:
        return stored.download_as_bytes()  # another request stored it first: theirs
    return jpeg


def _made_from(source: Blob, filename: str) -> bytes:
    try:
        with source.open("rb", chunk_size=PROBE_CHUNK_BYTES) as reader:
            return thumbnail_jpeg(reader)
    except ValueError as exc:
        raise UnsupportedMediaType(f"{filename}: no thumbnail: {exc}") from None


def delete_thumbnail(video_id: str) -> None:
    """Remove the stored thumbnail, if there is one."""
    try:
        bucket().blob(thumbnail_object_name(video_id)).delete()
    except gcs_errors.NotFound:
        pass
