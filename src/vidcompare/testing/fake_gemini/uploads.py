"""The Files API's resumable upload protocol: start a session, send chunks (hashed as they
arrive), query, cancel, finalize into a file record."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from vidcompare.testing.fake_gemini.auth import api_key, keyed
from vidcompare.testing.fake_gemini.files import FILE_ID_RE, file_resource, refresh
from vidcompare.testing.fake_gemini.scripting import failure_response, is_hang, outcome
from vidcompare.testing.fake_gemini.wire import error_response, json_response, now, pick, rfc3339

if TYPE_CHECKING:
    from vidcompare.testing.fake_gemini.state import FakeState

UPLOAD_GRANULARITY = 8 * 1024 * 1024
READ_SIZE = 1024 * 1024
FILE_TTL = dt.timedelta(hours=48)


@dataclass(eq=False)
class UploadSession:
    """An open resumable upload: what it will become and how much has arrived."""

    file_id: str | None  # the name the caller asked for, if any
    version: str
    base: str  # the server's URL as the caller reached it
    mime: str
    display_name: str | None
    declared: int | None  # X-Goog-Upload-Header-Content-Length
    api_key: str | None
    id: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    received: int = 0
    hasher: Any = field(default_factory=hashlib.sha256)
    lock: threading.Lock = field(default_factory=threading.Lock)


@keyed
def start_upload(state: FakeState, request: Request, ver: str) -> Response:
    """The start request: a session and its upload URL, unless ``upload_fail`` says no."""
    protocol = request.headers.get("X-Goog-Upload-Protocol", "").lower()
    command = request.headers.get("X-Goog-Upload-Command", "").strip().lower()
    if protocol != "resumable" or command != "start":
        return error_response(400, "The fake supports the resumable upload protocol only.")
    body = request.get_json(force=True, silent=True) or {}
    meta = body.get("file") or {}
    declared = request.headers.get("X-Goog-Upload-Header-Content-Length")
    mime = (
        request.headers.get("X-Goog-Upload-Header-Content-Type")
        or pick(meta, "mimeType")
        or "application/octet-stream"
    )
    wanted = str(meta.get("name") or "")
    file_id = wanted.removeprefix("files/") if wanted else None
    if file_id is not None and not FILE_ID_RE.fullmatch(file_id):
        return error_response(400, f"Invalid file name {wanted!r}: use [a-z0-9-], at most 40.")
    with state.lock:
        queue = state.config["upload_fail"]
        failure = outcome(queue.pop(0)) if queue else None
    if is_hang(failure):
        time.sleep(failure["hang_ms"] / 1000)
        failure = None
    with state.lock:
        if failure is None and file_id is not None and file_id in state.files:
            return error_response(409, f"File files/{file_id} already exists.", "ALREADY_EXISTS")
        if failure is None:
            session = UploadSession(
                file_id=file_id,
                version=ver,
                base=request.host_url.rstrip("/"),
                mime=mime,
                display_name=pick(meta, "displayName"),
                declared=int(declared) if declared and declared.isdigit() else None,
                api_key=api_key(request),
            )
            state.sessions[session.id] = session
            state.bump("uploads_started")
    if failure is not None:
        return failure_response(failure, state.scripts)
    url = f"{session.base}/upload/{ver}/files?upload_id={session.id}&upload_protocol=resumable"
    return Response(
        "",
        200,
        headers={
            "X-Goog-Upload-URL": url,
            "X-Goog-Upload-Status": "active",
            "X-Goog-Upload-Chunk-Granularity": str(UPLOAD_GRANULARITY),
            "X-GUploader-UploadID": session.id,
        },
        content_type="text/plain; charset=utf-8",
    )


def upload_chunk(state: FakeState, request: Request, upload_id: str) -> Response:
    """A request to the upload URL (no API key: the URL is the credential): its commands
    are any of upload, query, cancel and finalize."""
    final = {"X-Goog-Upload-Status": "final"}
    with state.lock:
        session = state.sessions.get(upload_id)
    if session is None:
        _drain(request)
        return error_response(404, "No such upload session.", "NOT_FOUND", headers=final)
    commands = {
        c.strip().lower() for c in request.headers.get("X-Goog-Upload-Command", "").split(",")
    }
    with session.lock:
        if "cancel" in commands:
            _drain(request)
            with state.lock:
                state.sessions.pop(upload_id, None)
            return Response("", 200, headers={"X-Goog-Upload-Status": "cancelled"})
        if "query" in commands:
            return _active(session)
        if "upload" in commands:
            offset = request.headers.get("X-Goog-Upload-Offset")
            if offset is not None and int(offset) != session.received:
                _drain(request)
                return error_response(
                    400,
                    f"Upload offset {offset} does not match the {session.received} bytes "
                    "received so far.",
                    headers=final,
                )
            while chunk := request.stream.read(READ_SIZE):  # hash while receiving
                session.hasher.update(chunk)
                session.received += len(chunk)
            with state.lock:
                state.bump("upload_chunks")
        if "finalize" not in commands:
            return _active(session)
        if session.declared is not None and session.declared != session.received:
            return error_response(
                400,
                f"Received {session.received} bytes, but the upload declared {session.declared}.",
                headers=final,
            )
        return _finalize(state, session)


def _finalize(state: FakeState, session: UploadSession) -> Response:
    """The session becomes a PROCESSING file (its record and an upload history entry)."""
    moment = now()
    sha = session.hasher.hexdigest()
    with state.lock:
        state.sessions.pop(session.id, None)
        file_id = session.file_id or secrets.token_hex(6)
        while session.file_id is None and file_id in state.files:
            file_id = secrets.token_hex(6)
        polls = int(state.config["active_after_polls"])
        processing_s = float(state.config["processing_ms"]) / 1000
        rec = {
            "id": file_id,
            "name": f"files/{file_id}",
            "displayName": session.display_name,
            "mimeType": session.mime,
            "sizeBytes": session.received,
            "sha256": sha,
            "createTime": rfc3339(moment),
            "updateTime": rfc3339(moment),
            "expirationTime": rfc3339(moment + FILE_TTL),
            "uri": f"{session.base}/{session.version}/files/{file_id}",
            "state": "PROCESSING",
            "active_after_polls": polls,
            "ready_at": time.time() + processing_s,
            "final_state": state.config["final_file_state"],
            "polls": 0,
            "api_key": session.api_key,
        }
        state.files[file_id] = refresh(rec)
        state.uploads.append(
            {
                "name": rec["name"],
                "uri": rec["uri"],
                "sizeBytes": rec["sizeBytes"],
                "sha256": sha,
                "mimeType": rec["mimeType"],
                "displayName": rec["displayName"],
                "api_key": session.api_key,
                "uploaded_at": time.time(),
                "fate": None,
            }
        )
        state.bump("uploads")
        state.bump("upload_bytes", by=session.received)
        state.bump("uploads_by_sha256", sha)
        resource = file_resource(rec)
    return json_response({"file": resource}, headers={"X-Goog-Upload-Status": "final"})


def _active(session: UploadSession) -> Response:
    """An upload session's answer while it is still open: how much has arrived."""
    return Response(
        "",
        200,
        headers={
            "X-Goog-Upload-Status": "active",
            "X-Goog-Upload-Size-Received": str(session.received),
        },
    )


def _drain(request: Request) -> None:
    """Read and drop a request's body, so that the client's send completes before it reads
    the answer."""
    while request.stream.read(READ_SIZE):
        pass
