"""The local gateway: the production paths under one base URL, as API Gateway does.

It looks a path up in the same route table the functions use and forwards the
request to that function's server, streaming bodies both ways (a large upload never
sits in the gateway's memory). It also serves the web page: ``GET /`` and its files
under ``/static/`` (from the ``vidcompare.web`` package).

    python -m vidcompare.devstack.gateway --port 8000 \
        --upstreams start_batch=http://127.0.0.1:8101,job_status=http://127.0.0.1:8102
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
from werkzeug.serving import run_simple
from werkzeug.wrappers import Request, Response

from vidcompare import config, web
from vidcompare.api.routes import match
from vidcompare.devstack import emulators
from vidcompare.devstack.stack import push_subscriptions
from vidcompare.errors import (
    HeadersTooLarge,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    RetryLater,
    VidcompareError,
)

_HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
    # The gateway's own server writes these: the function's copies would be duplicates.
    "server",
    "date",
}
_BLOCK = 1024 * 1024
_STATIC_PREFIX = "/static/"
# The page talks only to its own origin; nothing from elsewhere, and no framing.
_PAGE_HEADERS = {
    "Cache-Control": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
_PAGE_POLICY = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'; connect-src 'self' {storage}"
)
# Upload bytes go straight to a Cloud Storage session (the emulator's, locally).
_CLOUD_STORAGE = "https://storage.googleapis.com"
log = logging.getLogger(__name__)
# The emulators /healthz asks about too, where the stack's environment says they are.
_EMULATOR_HOSTS = {
    name: next(iter(emulator.client_env)) for name, emulator in emulators.load().items()
}


class Gateway:
    def __init__(self, upstreams: dict[str, str]) -> None:
        self.upstreams = upstreams
        self.http = httpx.Client(timeout=httpx.Timeout(600.0, connect=5.0))

    def __call__(self, environ, start_response):  # the WSGI entry point
        request = Request(environ)
        return self.respond(request)(environ, start_response)

    def respond(self, request: Request) -> Response:
        if request.path == "/healthz":
            return self.health()
        try:
            if request.path in ("/", "/index.html") or request.path.startswith(_STATIC_PREFIX):
                return _page(request)
            if request.path == "/openapi.json":
                upstream = self.upstreams["job_status"]  # job_status serves the spec
                return self._forward(request, upstream)
            route, _ = match(request.method, request.path)
            _check_headers(request)
            _check_length(request)
            return self._forward(request, self.upstreams[route.function])
        except VidcompareError as exc:
            return _error(exc)

    def health(self) -> Response:
        """Every component of the stack, asked now and at once: 200 when all answer, else
        503 and which do not. (Any HTTP answer counts: the servers have no health route;
        Pub/Sub counts once it can deliver, its push subscriptions made.)"""
        targets = dict(self.upstreams)
        for name, variable in _EMULATOR_HOSTS.items():
            if host := os.environ.get(variable):
                targets[name] = host if "://" in host else f"http://{host}"

        def ask(name: str) -> str:
            if name == "pubsub":
                return self._pubsub_state(targets[name])
            try:
                self.http.get(targets[name] + "/healthz", timeout=2.0)
                return "up"
            except httpx.HTTPError:
                return "down"

        with ThreadPoolExecutor(len(targets)) as pool:
            components = dict(zip(targets, pool.map(ask, targets), strict=True))
        ok = all(state == "up" for state in components.values())
        body = json.dumps({"ok": ok, "components": components})
        return Response(body, status=200 if ok else 503, mimetype="application/json")

    def _pubsub_state(self, url: str) -> str:
        """ "up" only when every push subscription exists: a restarted emulator answers
        before the supervisor has made them again, and a batch started then would fail."""
        settings = config.settings()
        names = push_subscriptions(settings.topic, settings.topic_shards).values()
        try:
            for name in names:
                path = f"/v1/projects/{settings.project}/subscriptions/{name}"
                if self.http.get(url + path, timeout=2.0).status_code != 200:
                    return "down"
        except httpx.HTTPError:
            return "down"
        return "up"

    def _forward(self, request: Request, upstream: str) -> Response:
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP}
        outgoing = self.http.build_request(
            request.method,
            # The path as it came, still percent-encoded: decoded, it may not be a URL.
            upstream + (request.environ.get("RAW_URI") or request.full_path.rstrip("?")),
            headers=headers,
            content=_blocks(request) if _has_body(request) else None,
        )
        answer = self._send(outgoing, replayable=not _has_body(request))
        response = Response(
            answer.iter_raw(),
            status=answer.status_code,
            headers=[(k, v) for k, v in answer.headers.items() if k.lower() not in _HOP_BY_HOP],
        )
        response.call_on_close(answer.close)
        return response

    def _send(self, outgoing: httpx.Request, *, replayable: bool) -> httpx.Response:
        """Send upstream. A pooled connection the server had closed fails before any answer:
        a request without a body is sent once more on a new one. What still fails is a 503
        in the one JSON shape (as API Gateway answers 5xx of its own), never a bare page."""
        for attempt in range(2):
            try:
                return self.http.send(outgoing, stream=True)
            except (httpx.RemoteProtocolError, httpx.ConnectError) as exc:
                if attempt or not replayable:
                    failure: httpx.TransportError = exc
                    break
            except httpx.TransportError as exc:
                failure = exc
                break
        log.warning("%s %s: upstream failed: %r", outgoing.method, outgoing.url, failure)
        raise RetryLater(
            f"the function behind {outgoing.url.path} did not answer "
            f"({type(failure).__name__}); try again",
            retry_after_s=1,
        )


def _page(request: Request) -> Response:
    """The web page and its files; anything else under /static/ is a 404."""
    if request.method not in ("GET", "HEAD"):
        raise MethodNotAllowed(f"{request.method} is not allowed on {request.path}; use GET")
    name = request.path.removeprefix(_STATIC_PREFIX) if request.path != "/" else "index.html"
    found = web.asset(name.removeprefix("/"))
    if found is None:
        raise NotFound(f"no such file: {request.path}")
    content, content_type = found
    storage = os.environ.get(_EMULATOR_HOSTS["storage"]) or _CLOUD_STORAGE
    policy = _PAGE_POLICY.format(storage=storage.rstrip("/"))
    headers = _PAGE_HEADERS | {"Content-Security-Policy": policy}
    response = Response(content, content_type=content_type, headers=headers)
    response.add_etag()
    return response.make_conditional(request)


def _error(exc: VidcompareError) -> Response:
    return Response(
        exc.body_json(),
        status=exc.http_status,
        mimetype="application/json",
        headers=exc.response_headers(),
    )


# What the functions' server (gunicorn) takes: a larger header gets its HTML page, so the
# gateway answers first, in the one JSON error shape.
MAX_HEADER_BYTES = 8190
MAX_HEADERS_BYTES = 32 * 1024


def _check_headers(request: Request) -> None:
    sizes = [len(name) + len(value) + 2 for name, value in request.headers.items()]
    if any(size > MAX_HEADER_BYTES for size in sizes) or sum(sizes) > MAX_HEADERS_BYTES:
        raise HeadersTooLarge(
            f"a request header is larger than {MAX_HEADER_BYTES} bytes, or all of them "
            f"together than {MAX_HEADERS_BYTES}"
        )


def _check_length(request: Request) -> None:
    if (request.content_length or 0) > config.REQUEST_CAP_BYTES:
        raise _too_large()


def _too_large() -> PayloadTooLarge:
    return PayloadTooLarge(
        f"the request body is larger than {config.REQUEST_CAP_BYTES // 2**20} MiB, the cap "
        "of API Gateway and Cloud Run; upload a large video with POST /api/uploads "
        "(resumable, straight to Cloud Storage)"
    )


def _has_body(request: Request) -> bool:
    # Whatever the method: a GET with a body must not arrive with a Content-Length and none.
    return bool(request.content_length) or "chunked" in request.headers.get("Transfer-Encoding", "")


def _blocks(request: Request) -> Iterator[bytes]:
    sent = 0
    while block := request.stream.read(_BLOCK):
        sent += len(block)
        if sent > config.REQUEST_CAP_BYTES:  # a chunked body has no length to check first
            raise _too_large()
        yield block


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--upstreams", required=True, help="name=url,name=url")
    parser.add_argument(
        "--sweep-every", type=float, default=30.0, help="seconds between sweeps; 0: never"
    )
    args = parser.parse_args()
    upstreams = dict(item.split("=", 1) for item in args.upstreams.split(","))
    if args.sweep_every > 0:
        threading.Thread(
            target=_sweep_forever,
            args=(upstreams["job_status"], args.sweep_every),
            name="sweep",
            daemon=True,
        ).start()
    run_simple(args.host, args.port, Gateway(upstreams), threaded=True)


def _sweep_forever(job_status_url: str, every: float) -> None:
    """What Cloud Scheduler does in production: call the sweep on a timer."""
    while True:
        time.sleep(every)
        try:
            key = config.tool_settings().sweep_api_key  # needed when auth is on
            headers = {"X-API-Key": key} if key else {}
            httpx.post(f"{job_status_url}/internal/sweep", headers=headers, timeout=60.0)
        except httpx.HTTPError as exc:
            log.warning("sweep failed: %s", exc)


if __name__ == "__main__":
    main()
