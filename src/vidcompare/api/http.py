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
from dataclasses import dataclass, field
from typing import Any

import flask
from pydantic import BaseModel

from vidcompare import auth, sweep
from vidcompare.api import batches, jobs, models, videos
from vidcompare.config import settings
from vidcompare.errors import (
    InvalidRequest,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    VidcompareError,
)
from vidcompare.schemas import (
    BatchAccepted,
    BatchRequest,
    CancelAnswer,
    DryRunAnswer,
    JobList,
    JobResult,
    JobView,
    ModelCatalog,
    SweepReport,
    VideoInfo,
    VideoList,
    dump,
)

log = logging.getLogger(__name__)

Handler = Callable[[flask.Request, dict[str, str], str | None], tuple[int, BaseModel]]

START_BATCH, JOB_STATUS = "start_batch", "job_status"


@dataclass(frozen=True)
class Route:
    method: str
    template: str  # e.g. "/api/jobs/{job_id}/result"
    function: str
    handler: Handler
    # For the OpenAPI spec: what it answers, what it takes.
    summary: str = ""
    responses: dict[int, type[BaseModel]] = field(default_factory=dict)
    body: type[BaseModel] | None = None  # a JSON body
    raw_body: bool = False  # a video's bytes (or a multipart form)
    query: tuple[str, ...] = ()

    @property
    def regex(self) -> re.Pattern[str]:
        # A parameter is one path segment without control characters.
        segment = r"[^/\x00-\x1f\x7f]+"
        pattern = re.sub(r"\{(\w+)\}", lambda m: f"(?P<{m[1]}>{segment})", self.template)
        return re.compile(f"^{pattern}/?$")


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
    except RecursionError:
        raise InvalidRequest.for_field("body", "is nested too deeply") from None


def _flag(request: flask.Request, name: str) -> bool:
    value = request.args.get(name, "").lower()
    if value not in ("", "true", "false", "1", "0"):
        raise InvalidRequest.for_field(name, "must be true or false")
    return value in ("true", "1")


def _sweep(request: flask.Request, owner: str) -> BaseModel:
    auth.require_admin(owner)
    return sweep.sweep(
        lost_messages=_flag(request, "lost_messages"),
        release_dead=_flag(request, "release_dead"),
        recount=_flag(request, "recount"),
    )


def _started(answer: BaseModel) -> tuple[int, BaseModel]:
    # A dry run only estimates: 200. A started batch runs in the background: 202.
    return (200 if getattr(answer, "dry_run", False) else 202), answer


ROUTES: tuple[Route, ...] = (
    Route(
        "POST",
        "/api/batch-compare-async",
        START_BATCH,
        lambda req, _, owner: _started(batches.start_batch(_json_body(req), owner=owner)),
        "Start a batch (202), or estimate it with dry_run (200)",
        {202: BatchAccepted, 200: DryRunAnswer},
        body=BatchRequest,
    ),
    Route(
        "POST",
        "/api/videos",
        START_BATCH,
        lambda req, _, o: (201, videos.upload(req, o)),
        "Upload a video (streamed to the bucket)",
        {201: VideoInfo},
        raw_body=True,
        query=("filename",),
    ),
    Route(
        "GET",
        "/api/videos",
        JOB_STATUS,
        lambda req, _, o: (200, videos.list_videos(o)),
        "List your videos",
        {200: VideoList},
    ),
    Route(
        "GET",
        "/api/videos/{video_id}",
        JOB_STATUS,
        lambda req, p, o: (200, videos.get_video(p["video_id"], o)),
        "One video",
        {200: VideoInfo},
    ),
    Route(
        "GET",
        "/api/jobs",
        JOB_STATUS,
        lambda req, _, o: (200, jobs.list_jobs(req.args.to_dict(), owner=o)),
        "List your jobs, newest first",
        {200: JobList},
        query=("limit", "page_token", "status"),
    ),
    Route(
        "GET",
        "/api/jobs/{job_id}",
        JOB_STATUS,
        lambda req, p, o: (200, jobs.get_job(p["job_id"], owner=o)),
        "A job's progress (and its result once completed)",
        {200: JobView},
    ),
    Route(
        "GET",
        "/api/jobs/{job_id}/result",
        JOB_STATUS,
        lambda req, p, o: (200, jobs.get_result(p["job_id"], owner=o)),
        "The comparisons done so far",
        {200: JobResult},
    ),
    Route(
        "POST",
        "/api/jobs/{job_id}/cancel",
        JOB_STATUS,
        lambda req, p, o: (200, jobs.cancel(p["job_id"], owner=o)),
        "Cancel a pending or running job (idempotent; 409 once finished)",
        {200: CancelAnswer},
    ),
    Route(
        "GET",
        "/api/models",
        JOB_STATUS,
        lambda req, _, o: (200, models.catalog()),
        "The models and judges a batch may name, the default judges and the model limit",
        {200: ModelCatalog},
    ),
    # Run by Cloud Scheduler in production, by the local gateway on a timer.
    Route(
        "POST",
        "/internal/sweep",
        JOB_STATUS,
        lambda req, _, o: (200, _sweep(req, o)),
        "Republish what stalled jobs are missing (admins only); lost_messages=true after "
        "Pub/Sub forgot its messages; release_dead and recount: local-stack repairs",
        {200: SweepReport},
        query=("lost_messages", "release_dead", "recount"),
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
    retry_after = getattr(error, "retry_after_s", None)
    return flask.Response(
        json.dumps(error.to_body()),
        status=error.http_status,
        mimetype="application/json",
        headers={"Retry-After": str(retry_after)} if retry_after else None,
    )


def serve(request: flask.Request, function: str) -> flask.Response:
    """Answer ``request`` with the routes that belong to ``function``."""
    if request.path in ("/healthz", "/_health"):
        return flask.Response('{"ok": true}', mimetype="application/json")
    if request.path == "/openapi.json" and request.method == "GET":
        from vidcompare.api.openapi import spec  # only built when asked for

        return flask.Response(json.dumps(spec()), mimetype="application/json")
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
