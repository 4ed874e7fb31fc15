"""What a route is, and how a request finds its route.

The table itself is :data:`vidcompare.api.routes.ROUTES`; this module knows no route,
so the OpenAPI generator can read any table without importing the handlers' world.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import flask
from pydantic import BaseModel

from vidcompare.errors import MethodNotAllowed, NotFound

START_BATCH, JOB_STATUS = "start_batch", "job_status"


@dataclass(frozen=True)
class RawAnswer:
    """An answer that is not JSON (an image, a video's bytes, a file to save): written
    as it is, with its media type and headers (``Cache-Control``, ``Content-Range``, …).
    ``content`` may be an iterable of blocks, streamed as they come."""

    content: bytes | Iterable[bytes]
    media_type: str
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RawBody:
    """What a route answers for a status when it is not a JSON model: a ``RawAnswer``
    of one of these media types (the OpenAPI document says so)."""

    media_types: tuple[str, ...]
    description: str


# A handler gets the request, the path's parameters and the caller (None on a public
# route), and answers a status and a model, written out as JSON, or a RawAnswer.
Handler = Callable[[flask.Request, dict[str, str], str | None], tuple[int, BaseModel | RawAnswer]]

# The errors every route of ours may answer: a bad or unauthenticated request, a foreign
# or missing job or video, a body too large or not a video.
CLIENT_ERRORS = (400, 401, 403, 404, 409, 413, 415)


@dataclass(frozen=True)
class Route:
    method: str
    template: str  # e.g. "/api/jobs/{job_id}/result"
    function: str  # the Cloud Function that serves it
    handler: Handler
    summary: str
    responses: Mapping[int, type[BaseModel] | RawBody]  # the success statuses and their bodies
    errors: tuple[int, ...] = CLIENT_ERRORS  # each answered with an ErrorBody
    body: type[BaseModel] | None = None  # a JSON body
    raw_body: bool = False  # a video's bytes (or a multipart form)
    query: tuple[str, ...] = ()
    public: bool = False  # answered without asking who calls

    @property
    def path_params(self) -> list[str]:
        return re.findall(r"\{(\w+)\}", self.template)

    @functools.cached_property
    def regex(self) -> re.Pattern[str]:
        # A parameter is one path segment without control characters.
        segment = r"[^/\x00-\x1f\x7f]+"
        pattern = re.sub(r"\{(\w+)\}", lambda m: f"(?P<{m[1]}>{segment})", self.template)
        return re.compile(f"^{pattern}/?$")


def find_route(routes: Iterable[Route], method: str, path: str) -> tuple[Route, dict[str, str]]:
    """The route of ``routes`` for ``method path`` and its path parameters; NotFound or
    MethodNotAllowed otherwise."""
    allowed = []
    for route in routes:
        found = route.regex.match(path)
        if found:
            if route.method == method:
                return route, found.groupdict()
            allowed.append(route.method)
    if allowed:
        raise MethodNotAllowed(f"{method} is not allowed on {path}; use {', '.join(allowed)}")
    raise NotFound(f"no such path: {path}")
