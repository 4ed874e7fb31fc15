"""The local Cloud Storage emulator: ``gcp-storage-emulator``, with the resumable-upload
protocol served at any size, streamed, and as strictly as Cloud Storage serves it.

    python -m vidcompare.devstack.gcs_emulator --host=127.0.0.1 --port=PORT  (STORAGE_BASE=dir)

gcp-storage-emulator (pinned: :data:`TESTED_VERSION`) runs unchanged except for these
handlers, replaced before its server module builds its routing table from them:

* **session chunks** (``PUT`` on a session URL): appended to the session's spool file on
  disk, not read back and rewritten whole (which costs O(size²) and the whole object in
  memory); the declared size (``X-Upload-Content-Length``) is enforced, a chunk must
  start at or before the persisted offset (bytes already held are skipped, as Cloud
  Storage does), a status query (``Content-Range: bytes */SIZE``) answers ``308`` with
  ``Range`` only when bytes are held, and a completed session answers ``200`` with the
  object, as Cloud Storage's do;
* **completion**: the spool file is moved into place and its MD5/CRC32C computed by
  streaming it;
* **downloads**: a ranged read (``bytes=a-b``, ``bytes=a-``, ``bytes=-n``) reads only
  those bytes, and every download is streamed to the socket in blocks;
* **copy and rewrite**: a file copy on disk;
* **CORS for sessions**: the ``Origin`` a session was created with (as
  ``create_resumable_upload_session(origin=…)`` sends it) may send to it from a browser:
  preflights are answered and its answers carry ``Access-Control-Allow-Origin`` and
  expose ``Range``; another origin gets no CORS headers, so the browser refuses.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import logging
import os
import re
import shutil
from http import HTTPStatus
from importlib.metadata import version
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import google_crc32c
from gcp_storage_emulator.exceptions import NotFound
from gcp_storage_emulator.handlers import objects

TESTED_VERSION = "2026.7.19"
BLOCK_BYTES = 1024 * 1024
_DONE = "_vidcompare_completed"  # a completed session keeps its object, to answer with
_ORIGIN = "_vidcompare_origin"
_SESSION_HEADERS = "Content-Range, Content-Type"
_EXPOSED = "Range, Location, Content-Range, X-GUploader-UploadID"
log = logging.getLogger(__name__)


class FileSlice:
    """Bytes of a file on disk, sent to the socket in blocks by :func:`_close`."""

    def __init__(self, path: Path, start: int, length: int) -> None:
        self.path, self.start, self.length = path, start, length


def _disk(storage: Any, bucket: str, name: str) -> Path:
    return storage._store._disk_path(storage._object_path(bucket, name))


def _spool(storage: Any, upload_id: str) -> Path:
    return _disk(storage, "_resumable", storage.safe_id(upload_id))


def _bad_request(response: Any, message: str) -> None:
    response.status = HTTPStatus.BAD_REQUEST
    response.json({"error": {"code": 400, "message": message}})


# ------------------------------------------------------------------- sessions


def create_resumable_upload(request: Any, response: Any, storage: Any) -> None:
    """The stock session, remembering the origin that may send to it."""
    _stock_create(request, response, storage)
    location = response._headers.get("Location")
    origin = request.get_header("Origin")
    if location and origin:
        upload_id = parse_qs(urlparse(location).query)["upload_id"][0]
        storage.resumable[upload_id][_ORIGIN] = origin
        storage._write_config_to_file()
        _allow(response, origin)


def upload_partial(request: Any, response: Any, storage: Any, *args: Any, **kwargs: Any) -> None:
    upload_id = request.query.get("upload_id")[0]
    try:
        session = storage.get_resumable_file_obj(upload_id)
    except NotFound:
        response.status = HTTPStatus.NOT_FOUND
        return
    if origin := session.get(_ORIGIN):
        if request.get_header("Origin") == origin:
            _allow(response, origin)
    if _DONE in session:
        response.json(session[_DONE])
        return
    declared = int(session["size"]) if session.get("size") not in (None, "") else None
    spool = _spool(storage, upload_id)
    held = spool.stat().st_size if spool.exists() else 0
    body: bytes = request.data or b""
    if isinstance(body, (dict, list, str)):  # the stock reader parsed it: not a chunk
        return _bad_request(response, "a chunk is bytes")
    parsed = objects._parse_resumable_content_range(request.get_header("Content-Range", ""))
    if parsed is None:  # the whole object in one request
        start, total = 0, len(body)
    elif parsed["kind"] == "status":
        start, total = None, parsed["total"]
    else:
        start, total = parsed["start"], parsed["total"]
        if parsed["end"] is not None and parsed["end"] - start + 1 != len(body):
            return _bad_request(response, "Content-Range does not match the body's length")
    if declared is not None and total is not None and total != declared:
        return _bad_request(response, f"the session was started for {declared} bytes, not {total}")
    if start is not None:
        if start > held:
            return _bad_request(response, f"the chunk starts at {start}; the session holds {held}")
        body = body[held - start :]  # what it already holds is not written twice
        if declared is not None and held + len(body) > declared:
            return _bad_request(response, f"more bytes than the {declared} declared")
        spool.parent.mkdir(parents=True, exist_ok=True)
        with spool.open("ab") as out:
            out.write(body)
        held += len(body)
    if total is not None and held >= total:
        _complete(response, storage, upload_id, session, spool, held)
        return
    response.status = objects.GoogleHTTPStatus.RESUME_INCOMPLETE
    if held:
        response["Range"] = f"bytes=0-{held - 1}"


def _complete(
    response: Any, storage: Any, upload_id: str, session: dict, spool: Path, size: int
) -> None:
    obj = {k: v for k, v in session.items() if k != _ORIGIN}
    if obj["bucket"] not in storage.buckets:
        response.status = HTTPStatus.NOT_FOUND
        return
    spool.parent.mkdir(parents=True, exist_ok=True)
    spool.touch()
    md5, crc = hashlib.md5(), google_crc32c.Checksum()
    with spool.open("rb") as stream:
        while block := stream.read(BLOCK_BYTES):
            md5.update(block)
            crc.update(block)
    obj["size"] = str(size)
    obj["md5Hash"] = base64.b64encode(md5.digest()).decode("ascii")
    obj["crc32c"] = base64.b64encode(crc.digest()).decode("ascii")
    target = _disk(storage, obj["bucket"], obj["name"])
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(spool, target)
    storage.objects.setdefault(obj["bucket"], {})[obj["name"]] = obj
    storage.resumable[upload_id] = {
        _DONE: obj,
        **({_ORIGIN: session[_ORIGIN]} if _ORIGIN in session else {}),
    }
    storage._write_config_to_file()
    response.json(obj)


def _allow(response: Any, origin: str) -> None:
    response["Access-Control-Allow-Origin"] = origin
    response["Access-Control-Expose-Headers"] = _EXPOSED
    response["Vary"] = "Origin"


# ------------------------------------------------------------------ downloads


def download(request: Any, response: Any, storage: Any, *args: Any, **kwargs: Any) -> None:
    bucket, name = request.params["bucket_name"], request.params["object_id"]
    try:
        obj = storage.get_file_obj(bucket, name)
    except NotFound:
        response.status = HTTPStatus.NOT_FOUND
        return
    path = _disk(storage, bucket, name)
    if not path.is_file():
        response.status = HTTPStatus.NOT_FOUND
        return
    size = path.stat().st_size
    start, length = 0, size
    asked = re.fullmatch(r"\s*bytes=(\d*)-(\d*)\s*", request.get_header("range", "") or "")
    if asked and (asked[1] or asked[2]):
        if asked[1]:
            start = int(asked[1])
            end = min(size - 1, int(asked[2])) if asked[2] else size - 1
        else:  # the last n bytes
            start, end = max(0, size - int(asked[2])), size - 1
        if start >= size:
            response.status = HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE
            response["Content-Range"] = f"bytes */{size}"
            return
        length = end - start + 1
        response.status = HTTPStatus.PARTIAL_CONTENT
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    else:
        response["x-goog-hash"] = f"crc32c={obj['crc32c']},md5={obj['md5Hash']}"
    if "response-content-disposition" in request.query:
        response["Content-Disposition"] = request.query["response-content-disposition"][0]
    for key, value in (obj.get("metadata") or {}).items():
        if value is not None:
            response[f"x-goog-meta-{key}"] = str(value)
    response.write_file(FileSlice(path, start, length), content_type=obj.get("contentType"))


def _close(self: Any) -> None:
    """``Response.close``, streaming a :class:`FileSlice` instead of holding it."""
    if not isinstance(self._content, FileSlice):
        return _stock_close(self)
    part = self._content
    handler = self._handler
    handler.send_response(self.status.value, self.status.phrase)
    for key, value in self._headers.items():
        handler.send_header(key, value)
    handler.send_header("Content-Length", str(part.length))
    handler.end_headers()
    with part.path.open("rb") as stream:
        stream.seek(part.start)
        left = part.length
        while left > 0 and (block := stream.read(min(BLOCK_BYTES, left))):
            handler.wfile.write(block)
            left -= len(block)


# ------------------------------------------------------------- copy and rewrite


def _copy(
    base_url: str, storage: Any, bucket: str, name: str, to_bucket: str, to_name: str
) -> dict:
    obj = storage.get_file_obj(bucket, name)
    if to_bucket not in storage.buckets:
        raise NotFound
    copied = objects._make_object_resource(
        base_url, to_bucket, to_name, obj["contentType"], obj["size"], obj
    )
    copied["md5Hash"], copied["crc32c"] = obj.get("md5Hash"), obj.get("crc32c")
    target = _disk(storage, to_bucket, to_name)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_disk(storage, bucket, name), target)
    storage.objects.setdefault(to_bucket, {})[to_name] = copied
    storage._write_config_to_file()
    return copied


def rewrite(request: Any, response: Any, storage: Any, *args: Any, **kwargs: Any) -> None:
    params = request.params
    try:
        copied = _copy(
            request.base_url,
            storage,
            params["bucket_name"],
            params["object_id"],
            params["dest_bucket_name"],
            params["dest_object_id"],
        )
    except NotFound:
        response.status = HTTPStatus.NOT_FOUND
        return
    size = str(copied["size"])
    response.json(
        {
            "kind": "storage#rewriteResponse",
            "totalBytesRewritten": size,
            "objectSize": size,
            "done": True,
            "resource": copied,
        }
    )


# ------------------------------------------------------------------ preflights


def do_options(handler: Any) -> None:
    """A browser's preflight: allowed for a session, from the origin it was made for."""
    query = parse_qs(urlparse(handler.path).query)
    origin = handler.headers.get("Origin")
    allowed = False
    if "upload_id" in query and origin:
        try:
            session = handler.storage.get_resumable_file_obj(query["upload_id"][0])
            allowed = session.get(_ORIGIN) == origin
        except NotFound:
            pass
    handler.send_response(HTTPStatus.OK.value if allowed else HTTPStatus.FORBIDDEN.value)
    if allowed:
        handler.send_header("Access-Control-Allow-Origin", origin)
        handler.send_header("Access-Control-Allow-Methods", "PUT, POST, GET, OPTIONS")
        handler.send_header("Access-Control-Allow-Headers", _SESSION_HEADERS)
        handler.send_header("Access-Control-Max-Age", "3600")
        handler.send_header("Vary", "Origin")
    handler.send_header("Content-Length", "0")
    handler.end_headers()


# ------------------------------------------------------------------- wiring

_stock_create = objects._create_resumable_upload
objects._create_resumable_upload = create_resumable_upload
objects.upload_partial = upload_partial
objects.download = download
objects._copy = _copy
objects.rewrite = rewrite
from gcp_storage_emulator import server  # noqa: E402 - its table takes the handlers above

_stock_close = server.Response.close
server.Response.close = _close
server.RequestHandler.do_OPTIONS = do_options


def main() -> None:
    installed = version("gcp-storage-emulator")
    if installed != TESTED_VERSION:
        raise SystemExit(
            f"gcp-storage-emulator {installed} is installed; vidcompare's extensions are made "
            f"for {TESTED_VERSION}: pip install 'gcp-storage-emulator=={TESTED_VERSION}'"
        )
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)
    data_dir = os.environ.get("STORAGE_BASE")
    server.create_server(args.host, args.port, in_memory=False, data_dir=data_dir).run()


if __name__ == "__main__":
    main()
