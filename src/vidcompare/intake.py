"""Taking a video object in: hashed and probed by streaming, deduplicated, recorded.

Every way a video arrives ends here: a raw-body upload (hashed on its way in), a
resumable upload finalized from ``incoming/``, a ``gs://`` object copied in. The object
is read back in ranged blocks, never whole; identical bytes of one owner are one video.
"""

from __future__ import annotations

import hashlib

from google.cloud.storage import Blob

from vidcompare import store
from vidcompare.documents import VideoDoc
from vidcompare.errors import InvalidRequest, UnsupportedMediaType
from vidcompare.gcp import bucket
from vidcompare.media.analysis import probe
from vidcompare.media.formats import probed_content_type, safe_name
from vidcompare.schemas import VideoInfo

# A sequential read for the hash: large blocks; the probe seeks: small ones.
HASH_CHUNK_BYTES = 8 * 1024 * 1024
PROBE_CHUNK_BYTES = 1024 * 1024


def video_object_name(video_id: str, filename: str) -> str:
    return f"videos/{video_id}/{safe_name(filename)}"


def digest(blob: Blob) -> tuple[str, int]:
    """The object's SHA-256 and size, read through once in blocks."""
    hasher, size = hashlib.sha256(), 0
    with blob.open("rb", chunk_size=HASH_CHUNK_BYTES) as reader:
        while block := reader.read(HASH_CHUNK_BYTES):
            hasher.update(block)
            size += len(block)
    return hasher.hexdigest(), size


def take_in(
    blob: Blob,
    *,
    video_id: str,
    filename: str,
    owner: str | None,
    sha256: str | None = None,
    size: int | None = None,
) -> tuple[VideoInfo, bool]:
    """Record the object ``blob`` as the video ``video_id``: (the video, True); or, when
    the owner already has these bytes, (that video, False) and ``blob`` is deleted.

    An object that is not a video we can decode is deleted (415). Any other failure
    leaves it where it is, to be taken in again."""
    if sha256 is None or size is None:
        sha256, size = digest(blob)
    if size == 0:
        delete_quietly(blob)
        raise InvalidRequest.for_field("file", "is empty")
    try:
        with blob.open("rb", chunk_size=PROBE_CHUNK_BYTES) as reader:
            facts = probe(reader)
        # What the bytes are, not what the client said they are.
        content_type = probed_content_type(facts.container, filename)
    except ValueError as exc:
        delete_quietly(blob)
        raise UnsupportedMediaType(f"{filename}: not a video we can decode ({exc})") from None
    if (existing := store.find_video(sha256, owner=owner)) is not None:
        delete_quietly(blob)
        return existing.info(), False
    kept = _moved(blob, video_object_name(video_id, filename))
    if kept.content_type != content_type:
        kept.content_type = content_type
        kept.patch()
    created_at = store.now()
    video = VideoDoc(
        video_id=video_id,
        filename=filename,
        gcs_uri=f"gs://{kept.bucket.name}/{kept.name}",
        content_type=content_type,
        size_bytes=size,
        sha256=sha256,
        duration_s=facts.duration_s,
        width=facts.width,
        height=facts.height,
        fps=facts.fps,
        has_audio=facts.has_audio,
        created_at=created_at,
        owner=owner,
        object_name=kept.name,
        expire_at=store.expiry(created_at),
    )
    recorded = store.create_video(video)
    if recorded.video_id != video_id:  # the same bytes were taken in meanwhile
        delete_quietly(kept)
        return recorded.info(), False
    return recorded.info(), True


def copy_object(source: Blob, target: Blob) -> Blob:
    """``source`` copied to ``target`` inside Cloud Storage (no bytes through us): a
    rewrite, which also crosses locations and storage classes, in as many calls as it
    takes for a large object."""
    token, _, _ = target.rewrite(source)
    while token is not None:
        token, _, _ = target.rewrite(source, token=token)
    return target


def _moved(blob: Blob, name: str) -> Blob:
    if blob.name == name:
        return blob
    moved = copy_object(blob, bucket().blob(name))
    delete_quietly(blob)
    return moved


def delete_quietly(blob: Blob) -> None:
    try:
        blob.delete()
    except Exception:  # noqa: BLE001 - best effort; what the caller says matters more
        pass
