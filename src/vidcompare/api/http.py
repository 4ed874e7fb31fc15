"""The HTTP API: one route table, one dispatcher, one error body.

Each route names the Cloud Function that serves it; a function's ``main.py`` calls
:func:`serve` with its own name, and the local gateway uses the same table to
forward a path to the right function server.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import flask
from pydantic import BaseModel

from vidcompare import auth, sweep
from vidcompare.api import batches, jobs, videos
from vidcompare.config import settings
from vidcompare.errors import (
    InvalidRequest,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    VidcompareError,
)
from vidcompare.schemas import dump

log = logging.getLogger(__name__)

Handler = Callable[[flask.Request, dict[str, str], str | None], tuple[int, BaseModel]]

START_BATCH, JOB_STATUS = "start_batch", "job_status"


@dataclass(frozen=True)
class Route:
    method: str
    template: str  # e.g. "/api/jobs/{job_id}/result"
    function: str
    handler: Handler

    @property
    def regex(self) -> re.Pattern[str]:
        return re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", self.template) + "/?$")


def _json_body(request: flask.Request) -> Any:
    limit = settings().max_body_bytes
    # Read at most one byte past the limit: a body without Content-Length is bounded too.
    data = request.stream.read(limit + 1)
    if len(data) > limit:
        raise PayloadTooLarge(f"the request body is larger than {limit} bytes")
    try:
        return json.loads(data or b"null")
    except ValueError:
        raise InvalidRequest.for_field("body", "is not valid JSON") from None


def _sweep(owner: str) -> BaseModel:
    auth.require_admin(owner)
    return sweep.sweep()


def _started(answer: BaseModel) -> tuple[int, BaseModel]:
    # A dry run only estimates: 200. A started batch runs in the background: 202.
    return (200 if getattr(answer, "dry_run", False) else 202), answer


ROUTES: tuple[Route, ...] = (
    Route(
        "POST",
        "/api/batch-compare-async",
        START_BATCH,
        lambda req, _, owner: _started(batches.start_batch(_json_body(req), owner=owner)),
    ),
    Route("POST", "/api/videos", START_BATCH, lambda req, _, o: (201, videos.upload(req, o))),
    Route("GET", "/api/videos", JOB_STATUS, lambda req, _, o: (200, videos.list_videos(o))),
    Route(
        "GET",
        "/api/videos/{video_id}",
        JOB_STATUS,
        lambda req, p, o: (200, videos.get_video(p["video_id"], o)),
    ),
    Route(
        "GET",
        "/api/jobs",
        JOB_STATUS,
        lambda req, _, o: (200, jobs.list_jobs(req.args.to_dict(), owner=o)),
    ),
    Route(
        "GET",
        "/api/jobs/{job_id}",
        JOB_STATUS,
        lambda req, p, o: (200, jobs.get_job(p["job_id"], owner=o)),
    ),
    Route(
        "GET",
        "/api/jobs/{job_id}/result",
        JOB_STATUS,
        lambda req, p, o: (200, jobs.get_result(p["job_id"], owner=o)),
    ),
    # Run by Cloud Scheduler in production, by the local gateway on a timer.
    Route("POST", "/internal/sweep", JOB_STATUS, lambda req, _, o: (200, _sweep(o))),
    Route(
        "POST",
        "/api/jobs/{job_id}/cancel",
        JOB_STATUS,
        lambda req, p, o: (200, jobs.cancel(p["job_id"], owner=o)),
    ),
)

_COMPILED = [(route, route.regex) for route in ROUTES]


def match(method: str, path: str) -> tuple[Route, dict[str, str]]:
    """The route for ``method path``; NotFound or MethodNotAllowed otherwise."""
    allowed = []
    for route, regex in _COMPILED:
        found = regex.match(path)
        if found:
            if route.method == method:
                return route, found.groupdict()
            allowed.append(route.method)
    if allowed:
        raise MethodNotAllowed(f"{method} is not allowed on {path}; use {', '.join(allowed)}")
    raise NotFound(f"no such path: {path}")


def error_response(error: VidcompareError) -> flask.Response:
    return flask.Response(
        json.dumps(error.to_body()), status=error.http_status, mimetype="application/json"
    )


def serve(request: flask.Request, function: str) -> flask.Response:
    """Answer ``request`` with the routes that belong to ``function``."""
    if request.path in ("/healthz", "/_health"):
        return flask.Response('{"ok": true}', mimetype="application/json")
    try:
        route, params = match(request.method, request.path)
        if route.function != function:
            raise NotFound(f"{request.path} is served by {route.function}, not {function}")
        status, body = route.handler(request, params, auth.caller(request))
        return flask.Response(json.dumps(dump(body)), status=status, mimetype="application/json")
    except VidcompareError as exc:
        return error_response(exc)
    except Exception:
        log.exception("unexpected error on %s %s", request.method, request.path)
        return error_response(VidcompareError("internal error; see the function's logs"))
