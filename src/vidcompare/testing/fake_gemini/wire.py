"""The Gemini API's wire conventions that every part of the fake shares: JSON answers, the
Google error body, field names in either spelling, timestamps and durations."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from werkzeug.wrappers import Response

# An API version in a path: v1, v1beta, v1alpha, ...
VER = r"v\d+(?:alpha|beta)?\d*"

ERROR_TEXT: dict[int, tuple[str, str]] = {
    400: ("INVALID_ARGUMENT", "Request contains an invalid argument."),
    401: ("UNAUTHENTICATED", "Request had invalid authentication credentials."),
    403: ("PERMISSION_DENIED", "The caller does not have permission"),
    404: ("NOT_FOUND", "Requested entity was not found."),
    409: ("ALREADY_EXISTS", "Requested entity already exists."),
    429: (
        "RESOURCE_EXHAUSTED",
        "You exceeded your current quota, please check your plan and billing details. For "
        "more information on this error, head to: https://ai.google.dev/gemini-api/docs/"
        "rate-limits.",
    ),
    500: (
        "INTERNAL",
        "An internal error has occurred. Please retry or report in "
        "https://developers.generativeai.google/guide/troubleshooting",
    ),
    503: ("UNAVAILABLE", "The model is overloaded. Please try again later."),
    504: ("DEADLINE_EXCEEDED", "Deadline expired before operation could complete."),
}


def google_error(
    code: int,
    message: str | None = None,
    status: str | None = None,
    details: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The Google API error body: ``{"error": {"code", "message", "status", "details"?}}``."""
    default_status, default_message = ERROR_TEXT.get(code, ("UNKNOWN", "Unknown error."))
    error: dict[str, Any] = {
        "code": code,
        "message": message or default_message,
        "status": status or default_status,
    }
    if details:
        error["details"] = details
    return {"error": error}


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(data), status=status, headers=headers, content_type="application/json"
    )


def error_response(
    code: int,
    message: str | None = None,
    status: str | None = None,
    details: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    return json_response(google_error(code, message, status, details), code, headers)


def snake(name: str) -> str:
    """``mimeType`` -> ``mime_type``."""
    return re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), name)


def pick(obj: Any, name: str, default: Any = None) -> Any:
    """obj[name] by its camelCase or snake_case spelling (the SDK sends both in one body)."""
    if not isinstance(obj, dict):
        return default
    if name in obj:
        return obj[name]
    return obj.get(snake(name), default)


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def rfc3339(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def duration(seconds: float) -> str:
    """A protobuf Duration in JSON: ``"2s"``, ``"1.500s"``."""
    return f"{int(seconds)}s" if float(seconds).is_integer() else f"{seconds:.3f}s"
