"""Upload documents: resumable uploads to the bucket, from their session to their video."""

from __future__ import annotations

from vidcompare.documents import UploadDoc, UploadState
from vidcompare.errors import NotFound
from vidcompare.store.refs import upload_ref


def create_upload(upload: UploadDoc) -> None:
    upload_ref(upload.upload_id).create(upload.to_doc())


def get_upload(upload_id: str, *, owner: str | None) -> UploadDoc:
    snapshot = upload_ref(upload_id).get()
    doc = snapshot.to_dict() if snapshot.exists else None
    if doc is None or (owner is not None and doc.get("owner") != owner):
        raise NotFound(f"upload {upload_id!r} not found")
    return UploadDoc.from_doc(doc)


def close_upload(
    upload_id: str, state: UploadState, *, video_id: str | None = None, error: str | None = None
) -> None:
    upload_ref(upload_id).update({"state": state.value, "video_id": video_id, "error": error})
