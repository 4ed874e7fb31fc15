"""The parts of gcp-storage-emulator's server that streaming and CORS need replaced.

- ``Response``: can send a byte range of a file in blocks, adds the CORS headers, and can
  be abandoned when the client went away mid-request;
- ``RequestHandler``: answers ``OPTIONS`` (CORS preflight) and gives up on a silent client.

Importing this module imports ``gcp_storage_emulator.server``: ``install()`` does it
only after the handler functions are patched.
"""

from __future__ import annotations

from http import HTTPStatus
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

from gcp_storage_emulator import server

from vidcompare.devstack.storage_emulator import cors
from vidcompare.devstack.storage_emulator.body import BLOCK
from vidcompare.devstack.storage_emulator.sessions import SessionStore

if TYPE_CHECKING:
    from vidcompare.devstack.storage_emulator.sessions import Session

# The server is single-threaded: a client that stops sending must not hold it forever.
SOCKET_TIMEOUT_S = 60


class Response(server.Response):
    def __init__(self, handler: RequestHandler) -> None:
        super().__init__(handler)
        self.session: Session | None = None  # set on a session URL: its CORS origin rules
        self.preflight = False
        self.abandoned = False  # the client is gone: nothing to send
        self._file: tuple[Path, int, int] | None = None

    def send_file(self, path: Path, start: int, length: int, content_type: str | None) -> None:
        if content_type is not None:
            self["Content-type"] = content_type
        self._file = (path, start, length)

    def close(self) -> None:
        if self.abandoned:
            return
        for name, value in self._cors().items():
            self[name] = value
        try:
            if self._file is None:
                super().close()
            else:
                self._send_file(*self._file)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the reader left; nothing to tell it

    def _send_file(self, path: Path, start: int, length: int) -> None:
        handler = self._handler
        handler.send_response(self.status.value, self.status.phrase)
        for name, value in self._headers.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(length))
        handler.end_headers()
        with path.open("rb") as source:
            source.seek(start)
            while length > 0 and (block := source.read(min(BLOCK, length))):
                handler.wfile.write(block)
                length -= len(block)

    def _cors(self) -> dict[str, str]:
        handler = self._handler
        origin = handler.headers.get("Origin")
        if self.session is not None:
            return cors.for_session(origin, self.session.origin, preflight=self.preflight)
        method = handler.command
        if self.preflight:
            method = handler.headers.get("Access-Control-Request-Method") or ""
        path = urlsplit(handler.path).path
        return cors.for_bucket(
            origin, method, path, handler.storage.buckets, preflight=self.preflight
        )


class RequestHandler(server.RequestHandler):
    timeout = SOCKET_TIMEOUT_S

    def do_OPTIONS(self) -> None:  # noqa: N802 (http.server's naming)
        """A CORS preflight: 200, with the headers of the session or the bucket rule."""
        response = Response(self)
        response.preflight = True
        upload_id = parse_qs(urlsplit(self.path).query).get("upload_id")
        if upload_id:
            response.session = SessionStore.of(self.storage).load(upload_id[0])
        response.status = HTTPStatus.OK
        response.close()
