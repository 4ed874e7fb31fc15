"""The WSGI application: routes the API's requests to their handlers (logging each one) and
``/_fake/`` to the control API; and the threaded werkzeug server that serves it.

API surface (any version prefix ``v1``, ``v1beta``, ``v1alpha``)::

    POST   /upload/{ver}/files                      resumable upload (start, upload, finalize)
    GET    /{ver}/files[?pageSize=&pageToken=]      files.list
    GET    /{ver}/files/{id}                        files.get
    DELETE /{ver}/files/{id}                        files.delete
    GET    /{ver}/models[?pageSize=&pageToken=]     models.list
    GET    /{ver}/models/{model}                    models.get
    POST   /{ver}/models/{model}:generateContent
    POST   /{ver}/models/{model}:streamGenerateContent?alt=sse
    POST   /{ver}/models/{model}:countTokens
"""

from __future__ import annotations

import functools
import logging
import re
import time
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from vidcompare.testing.fake_gemini import catalogue, files, uploads
from vidcompare.testing.fake_gemini.auth import api_key
from vidcompare.testing.fake_gemini.control import control
from vidcompare.testing.fake_gemini.generate import generate
from vidcompare.testing.fake_gemini.state import FakeState
from vidcompare.testing.fake_gemini.tokens import count_request_tokens
from vidcompare.testing.fake_gemini.wire import VER, error_response

logger = logging.getLogger("fake_gemini")


class FakeGeminiApp:
    """The WSGI application; all its state is in ``state``."""

    def __init__(self) -> None:
        self.state = FakeState()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        try:
            if request.path.startswith("/_fake/"):
                response = control(self.state, request)
            else:
                response = self._api(request)
        except Exception:
            logger.exception("fake gemini failed on %s %s", request.method, request.path)
            response = error_response(500, "The fake Gemini server failed (see its log).")
        return response(environ, start_response)

    def _api(self, request: Request) -> Response:
        """Answer an API request and log it (kind, path, key, status, timings)."""
        started = time.time()
        kind, handler = _route(request)
        if handler is None:
            response = error_response(404, f"The fake has no {request.method} {request.path}.")
        else:
            response = handler(self.state, request)
        state = self.state
        with state.lock:
            state.requests.append(
                {
                    "i": len(state.requests),
                    "kind": kind,
                    "method": request.method,
                    "path": request.path,
                    "query": request.query_string.decode(),
                    "api_key": api_key(request),
                    "status": response.status_code,
                    "started_at": started,
                    "ended_at": time.time(),
                }
            )
            if response.status_code >= 400:
                state.bump("errors_served")
                state.bump("errors_by_code", str(response.status_code))
        return response


Handler = Callable[[FakeState, Request], Response]


def _route(request: Request) -> tuple[str, Handler | None]:
    """The kind of an API request (as logged) and its handler; None: no such method."""
    path, method, bind = request.path, request.method, functools.partial
    if method == "POST" and (m := re.fullmatch(rf"/upload/({VER})/files", path)):
        if (upload_id := request.args.get("upload_id")) is None:
            return "upload_start", bind(uploads.start_upload, ver=m.group(1))
        return "upload_chunk", bind(uploads.upload_chunk, upload_id=upload_id)
    if method == "GET" and re.fullmatch(rf"/({VER})/files", path):
        return "files.list", files.list_files
    if m := re.fullmatch(rf"/({VER})/files/([^/:]+)", path):
        if method == "GET":
            return "files.get", bind(files.get_file, file_id=m.group(2))
        if method == "DELETE":
            return "files.delete", bind(files.delete_file, file_id=m.group(2))
    if method == "POST" and (m := re.fullmatch(rf"/({VER})/models/([^/:]+):(\w+)", path)):
        ver, model, rpc = m.groups()
        if rpc in ("generateContent", "streamGenerateContent"):
            stream = rpc == "streamGenerateContent"
            return "generate", bind(generate, ver=ver, model=model, stream=stream)
        if rpc == "countTokens":
            return "count_tokens", bind(count_request_tokens, ver=ver, model=model)
    if method == "GET" and (m := re.fullmatch(rf"/({VER})/models/([^/:]+)", path)):
        return "models.get", bind(catalogue.get_model, ver=m.group(1), model=m.group(2))
    if method == "GET" and re.fullmatch(rf"/({VER})/models", path):
        return "models.list", catalogue.list_models
    return "unknown", None


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


def make_fake_server(app: FakeGeminiApp, host: str, port: int) -> BaseWSGIServer:
    """A threaded server of ``app`` on host:port (0: a free port) that logs no requests and
    does not wait for its request threads on shutdown."""
    server = make_server(host, port, app, threaded=True, request_handler=_QuietHandler)
    server.daemon_threads = True
    return server
