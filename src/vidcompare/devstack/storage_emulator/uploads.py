"""The resumable-upload protocol, streamed to disk and as strict as Cloud Storage.

What Cloud Storage does, and so what this does:
- a chunk that starts at or before the persisted size is taken from the persisted size
  on (the bytes already persisted are ignored: GCS accepts a replay of persisted bytes,
  see getsentry/objectstore#642 measuring it; the storage-testbench does the same);
- a chunk that starts after it is refused with 400 (GCS: "Invalid request. According to
  the Content-Range header, the upload offset is N byte(s), which exceeds already
  uploaded size of M byte(s).");
- a non-final chunk is persisted in whole 256 KiB units (chunks must be multiples of
  256 KiB except the last), also when the client drops mid-chunk: the 308's Range tells
  the client where to resume;
- the size declared with X-Upload-Content-Length binds: a chunk reaching past it, or a
  total that differs from it, is a 400 and leaves nothing stored (storage-testbench:
  an X-Upload-Content-Length mismatch is a 400);
- a completed session answers any later PUT with 200 and the object it created; an
  unknown or expired one (a week) with 404.
"""

from __future__ import annotations

import hashlib
import os
import time
from base64 import b64encode
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import google_crc32c
from gcp_storage_emulator.handlers import objects

from vidcompare.devstack.storage_emulator import files
from vidcompare.devstack.storage_emulator.body import BLOCK, ClientGone, body_blocks, drain
from vidcompare.devstack.storage_emulator.sessions import Session, SessionStore

QUANTUM = 256 * 1024


class _TooLarge(Exception):
    pass


def initiate(request: Any, response: Any, storage: Any) -> None:
    """POST …/o?uploadType=resumable: a session for one object name and declared size."""
    if "upload_id" in request.query:  # some clients POST their chunks
        upload_partial(request, response, storage)
        return
    bucket = request.params["bucket_name"]
    if storage.get_bucket(bucket) is None:
        files.error(response, HTTPStatus.NOT_FOUND, f"No such bucket: {bucket}")
        return
    metadata = request.data if isinstance(request.data, dict) else {}
    name = (request.query.get("name") or [metadata.get("name")])[0]
    declared = request.get_header("X-Upload-Content-Length")
    if not name:
        files.error(response, HTTPStatus.BAD_REQUEST, "the object name is missing")
        return
    if declared is not None and not (declared.isdigit()):
        files.error(response, HTTPStatus.BAD_REQUEST, f"bad X-Upload-Content-Length {declared!r}")
        return
    if_generation_match = (request.query.get("ifGenerationMatch") or [None])[0]
    if not files.generation_matches(storage, bucket, name, if_generation_match):
        files.error(response, HTTPStatus.PRECONDITION_FAILED, "ifGenerationMatch failed")
        return
    content_type = objects._content_type_from_request(
        request, request.get_header("X-Upload-Content-Type", "application/octet-stream")
    )
    resource = objects._make_object_resource(
        request.base_url, bucket, name, content_type, None, {**metadata, "name": name}
    )
    session = SessionStore.of(storage).create(
        bucket=bucket,
        name=name,
        resource=resource,
        declared_size=None if declared is None else int(declared),
        origin=request.get_header("Origin"),
        if_generation_match=if_generation_match,
    )
    response["Location"] = f"{request.full_url}&{urlencode({'upload_id': session.id})}"
    response["X-GUploader-UploadID"] = session.id


def upload_partial(request: Any, response: Any, storage: Any) -> None:
    """PUT on a session URL: a chunk (``bytes S-E/T``), a status query (``bytes */T``), or
    the whole object (no Content-Range)."""
    handler = request._request_handler
    store = SessionStore.of(storage)
    session = store.load((request.query.get("upload_id") or [""])[0])
    if session is None:
        drain(handler)
        files.error(response, HTTPStatus.NOT_FOUND, "No such upload session (gone or unknown)")
        return
    response.session = session
    response["X-GUploader-UploadID"] = session.id
    if session.complete is not None:
        drain(handler)
        response.json(session.complete)
        return
    header = request.get_header("Content-Range")
    span = (
        {"kind": "whole", "start": 0, "end": None, "total": None}
        if header is None
        else objects._parse_resumable_content_range(header)
    )
    if span is None:
        drain(handler)
        files.error(response, HTTPStatus.BAD_REQUEST, f"bad Content-Range {header!r}")
        return
    persisted = store.persisted(session)
    if span["kind"] == "status":
        drain(handler)
        _answer_status(request, response, storage, store, session, span["total"], persisted)
        return
    problem = _chunk_problem(session, span, persisted, request.get_header("Content-Length"))
    if problem:
        drain(handler)
        files.error(response, HTTPStatus.BAD_REQUEST, problem)
        return
    bound = span["total"] if span["total"] is not None else session.declared_size
    spool = store.spool(session.id)
    try:
        size = persisted + _append(handler, spool, persisted - span["start"], bound, persisted)
    except _TooLarge:
        drain(handler)
        files.error(response, HTTPStatus.BAD_REQUEST, f"more bytes than the {bound} declared")
        return
    except ClientGone:
        _truncate(spool, _whole_quanta(spool, persisted))
        response.abandoned = True
        return
    if span["kind"] == "whole":
        span["total"] = size
    if span["total"] is not None and size == span["total"]:
        _finalize(request, response, storage, store, session)
        return
    _resume_incomplete(response, _truncate(spool, _whole_quanta(spool, persisted)))


def _chunk_problem(
    session: Session, span: dict[str, Any], persisted: int, content_length: str | None
) -> str | None:
    start, end, total = span["start"], span["end"], span["total"]
    declared = session.declared_size
    if end is not None and content_length is not None and end - start + 1 != int(content_length):
        return f"Content-Range names {end - start + 1} bytes, the body has {content_length}"
    if total is not None and declared is not None and total != declared:
        return f"the total {total} differs from the X-Upload-Content-Length {declared}"
    bound = total if total is not None else declared
    if end is not None and bound is not None and end >= bound:
        return f"bytes up to {end} are past the object's size {bound}"
    if start > persisted:
        return (
            f"Invalid request. According to the Content-Range header, the upload offset is "
            f"{start} byte(s), which exceeds already uploaded size of {persisted} byte(s)."
        )
    return None


def _append(handler: Any, spool: Path, skip: int, bound: int | None, persisted: int) -> int:
    """Append the body to the spool, less its first ``skip`` (already persisted) bytes;
    the number of bytes written. Past ``bound``: the spool is put back, _TooLarge."""
    written = 0
    with spool.open("ab") as out:
        for block in body_blocks(handler):
            if skip:
                cut = min(skip, len(block))
                block, skip = block[cut:], skip - cut
            if bound is not None and persisted + written + len(block) > bound:
                out.truncate(persisted)
                raise _TooLarge
            out.write(block)
            written += len(block)
    return written


def _whole_quanta(spool: Path, persisted: int) -> int:
    size = os.path.getsize(spool)
    return max(persisted, size - size % QUANTUM)


def _truncate(spool: Path, size: int) -> int:
    with spool.open("r+b") as out:
        out.truncate(size)
    return size


def _resume_incomplete(response: Any, persisted: int) -> None:
    response.status = objects.GoogleHTTPStatus.RESUME_INCOMPLETE
    if persisted:
        response["Range"] = f"bytes=0-{persisted - 1}"


def _answer_status(
    request: Any,
    response: Any,
    storage: Any,
    store: SessionStore,
    session: Session,
    total: int | None,
    persisted: int,
) -> None:
    """``bytes */T``: 308 with what is persisted; with every byte there, it completes."""
    if total is not None and session.declared_size not in (None, total):
        problem = f"the total {total} differs from the declared {session.declared_size}"
        files.error(response, HTTPStatus.BAD_REQUEST, problem)
    elif total is not None and total < persisted:
        files.error(response, HTTPStatus.BAD_REQUEST, f"{persisted} bytes are already stored")
    elif total is not None and total == persisted:
        _finalize(request, response, storage, store, session)
    else:
        _resume_incomplete(response, persisted)


def _finalize(
    request: Any, response: Any, storage: Any, store: SessionStore, session: Session
) -> None:
    """Hash the spool by streaming it, then move it into place (a rename)."""
    spool = store.spool(session.id)
    md5, crc32c = _hashes(spool)
    resource = dict(session.resource)
    for field, actual in (("md5Hash", md5), ("crc32c", crc32c)):
        if resource.get(field) not in (None, actual):
            store.forget(session)
            problem = f"Provided {field} {resource[field]!r} doesn't match the data's {actual!r}"
            files.error(response, HTTPStatus.BAD_REQUEST, problem)
            return
    if storage.get_bucket(session.bucket) is None:
        store.forget(session)
        files.error(response, HTTPStatus.NOT_FOUND, f"No such bucket: {session.bucket}")
        return
    if not files.generation_matches(
        storage, session.bucket, session.name, session.if_generation_match
    ):
        store.forget(session)
        files.error(response, HTTPStatus.PRECONDITION_FAILED, "ifGenerationMatch failed")
        return
    generation = time.time_ns()
    now = datetime.now(UTC).strftime(files.TIME_FORMAT)
    link = f"/download/storage/v1/b/{session.bucket}/o/{quote(session.name, safe='')}"
    resource |= {
        "id": f"{session.bucket}/{session.name}/{generation}",
        "generation": str(generation),
        "metageneration": "1",
        "timeCreated": now,
        "updated": now,
        "size": str(os.path.getsize(spool)),
        "md5Hash": md5,
        "crc32c": crc32c,
        "etag": md5,
        "mediaLink": f"{request.base_url}{link}?generation={generation}&alt=media",
    }
    files.move_into_place(storage, spool, session.bucket, session.name, resource)
    session.complete = resource
    store.save(session)
    response.status = HTTPStatus.OK
    response.json(resource)


def _hashes(path: Path) -> tuple[str, str]:
    md5, crc32c = hashlib.md5(), google_crc32c.Checksum()
    with path.open("rb") as source:
        while block := source.read(BLOCK):
            md5.update(block)
            crc32c.update(block)
    return b64encode(md5.digest()).decode(), b64encode(crc32c.digest()).decode()
