"""The HTTP API's dispatcher: a request to its route's handler, an error to its body.

A function's ``main.py`` calls :func:`serve` with its own name; it answers the routes
of :data:`vidcompare.api.routes.ROUTES` that belong to that function.
"""

from __future__ import annotations

import json
import logging

import flask

from vidcompare import auth
from vidcompare.api.routes import match
from vidcompare.api.routing import RawAnswer
from vidcompare.errors import NotFound, VidcompareError
from vidcompare.schemas import dump

log = logging.getLogger(__name__)


def _error_response(error: VidcompareError) -> flask.Response:
    return flask.Response(
        error.body_json(),
        status=error.http_status,
        mimetype="application/json",
        headers=error.response_headers(),
    )


def serve(request: flask.Request, function: str) -> flask.Response:
    """Answer ``request`` with the routes that belong to ``function``."""
    if request.path in ("/healthz", "/_health"):
        return flask.Response('{"ok": true}', mimetype="application/json")
    try:
        route, params = match(request.method, request.path)
        if route.function != function:
            raise NotFound(f"{request.path} is served by {route.function}, not {function}")
        owner = None if route.public else auth.caller(request)
        status, body = route.handler(request, params, owner)
        if isinstance(body, RawAnswer):
            return flask.Response(
                body.content, status=status, content_type=body.media_type, headers=body.headers
            )
        return flask.Response(json.dumps(dump(body)), status=status, mimetype="application/json")
    except VidcompareError as exc:
        return _error_response(exc)
    except Exception:
        log.exception("unexpected error on %s %s", request.method, request.path)
        return _error_response(VidcompareError("internal error; see the function's logs"))
