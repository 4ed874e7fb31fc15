"""The Files API's file records: files.get, files.list and files.delete, and how a file
goes from PROCESSING to its final state.

A new file is PROCESSING until its ``active_after_polls``-th files.get AND ``processing_ms``
after its upload finished (both), then shows ``final_file_state``. Its expirationTime is 48
hours on, as in the real API, but it lives until deleted or expired (``/_fake/files/expire``);
an unknown, deleted or expired file answers ``missing_file_status``.
"""

from __future__ import annotations

import base64
import re
import time
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from vidcompare.testing.fake_gemini.auth import keyed
from vidcompare.testing.fake_gemini.wire import VER, error_response, json_response, now, rfc3339

if TYPE_CHECKING:
    from vidcompare.testing.fake_gemini.state import FakeState

FILE_ID_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")


def file_id_of(uri: str) -> str | None:
    """The id of one of our files named by a fileData URI (None for gs://, YouTube, ...)."""
    if uri.startswith("files/"):
        name = uri[len("files/") :]
    else:
        match = re.fullmatch(rf"https?://[^/]+/{VER}/files/([^/?#]+)", uri)
        if not match:
            return None
        name = match.group(1)
    return name if FILE_ID_RE.fullmatch(name) else None


def file_resource(rec: dict[str, Any]) -> dict[str, Any]:
    """A file record as the API shows it."""
    resource = {
        "name": rec["name"],
        "mimeType": rec["mimeType"],
        "sizeBytes": str(rec["sizeBytes"]),
        "createTime": rec["createTime"],
        "updateTime": rec["updateTime"],
        "expirationTime": rec["expirationTime"],
        # The real API sends base64 of the hex digest; /_fake/uploads has the hex.
        "sha256Hash": base64.b64encode(rec["sha256"].encode()).decode(),
        "uri": rec["uri"],
        "state": rec["state"],
        "source": "UPLOADED",
    }
    if rec.get("displayName"):
        resource["displayName"] = rec["displayName"]
    if rec["state"] == "FAILED":
        resource["error"] = {"code": 400, "message": "The fake failed to process the file."}
    return resource


def refresh(rec: dict[str, Any]) -> dict[str, Any]:
    """Finish processing a file once it has had its polls and its time (caller holds the
    lock)."""
    if (
        rec["state"] == "PROCESSING"
        and rec["polls"] >= rec["active_after_polls"]
        and time.time() >= rec["ready_at"]
    ):
        rec["state"] = rec["final_state"]
        rec["updateTime"] = rfc3339(now())
    return rec


def forget(state: FakeState, file_id: str, fate: str) -> bool:
    """Drop a file (caller holds the lock); remember why in the upload history."""
    rec = state.files.pop(file_id, None)
    if rec is None:
        return False
    for upload in state.uploads:
        if upload["name"] == rec["name"] and upload["fate"] is None:
            upload["fate"] = fate
    return True


def missing_file(state: FakeState, file_id: str) -> Response:
    """The answer about a file the API does not have (any more)."""
    with state.lock:
        status = state.config["missing_file_status"]
    if status == 403:
        return error_response(
            403,
            f"You do not have permission to access the File {file_id} or it may not exist.",
            "PERMISSION_DENIED",
        )
    return error_response(404, f"File files/{file_id} was not found.", "NOT_FOUND")


@keyed
def get_file(state: FakeState, request: Request, file_id: str) -> Response:
    """files.get: each one counts as a poll towards the file's final state."""
    with state.lock:
        state.bump("files_get")
        state.bump("files_get_by_name", f"files/{file_id}")
        rec = state.files.get(file_id)
        if rec is not None:
            rec["polls"] += 1
            resource = file_resource(refresh(rec))
    if rec is None:
        return missing_file(state, file_id)
    return json_response(resource)


@keyed
def delete_file(state: FakeState, request: Request, file_id: str) -> Response:
    with state.lock:
        deleted = forget(state, file_id, "deleted")
        if deleted:
            state.bump("files_deleted")
    return json_response({}) if deleted else missing_file(state, file_id)


@keyed
def list_files(state: FakeState, request: Request) -> Response:
    """files.list: newest first, pageSize (default 10, at most 100) and a pageToken."""
    size = min(int(request.args.get("pageSize") or 10), 100)
    start = int(request.args.get("pageToken") or 0)
    with state.lock:
        state.bump("files_list")
        recs = sorted(state.files.values(), key=lambda r: r["createTime"], reverse=True)
        page = [file_resource(refresh(r)) for r in recs[start : start + size]]
    body: dict[str, Any] = {"files": page} if page else {}
    if start + size < len(recs):
        body["nextPageToken"] = str(start + size)
    return json_response(body)
