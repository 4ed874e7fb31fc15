"""Which CORS headers an answer carries, as Cloud Storage decides them.

A resumable session URL allows exactly the origin its initiating POST named in its
``Origin`` header (GCS documents that a session started with an Origin answers that
origin, whatever the bucket's CORS configuration); any other request follows the
bucket's ``cors`` configuration. No match, no CORS headers: the browser then refuses
the answer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

SESSION_EXPOSED = "Range, Location, Content-Range, X-GUploader-UploadID"
SESSION_METHODS = "PUT, POST, GET, OPTIONS"
SESSION_REQUEST_HEADERS = "Content-Range, Content-Type"
SESSION_MAX_AGE_S = 3600

# JSON API (/storage/v1, /upload/…, /download/…, and the prefix-less /b/…) or XML (/bucket/…).
_BUCKET_IN_PATH = re.compile(
    r"^(?:/(?:upload|download))?(?:/storage/v1)?/b/(?P<json>[-.\w]+)|^/(?P<xml>[-.\w]+)/"
)


def for_session(
    origin: str | None, session_origin: str | None, *, preflight: bool
) -> dict[str, str]:
    if not origin or origin != session_origin:
        return {}
    headers = {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Expose-Headers": SESSION_EXPOSED,
        "Vary": "Origin",
    }
    if preflight:
        headers |= {
            "Access-Control-Allow-Methods": SESSION_METHODS,
            "Access-Control-Allow-Headers": SESSION_REQUEST_HEADERS,
            "Access-Control-Max-Age": str(SESSION_MAX_AGE_S),
        }
    return headers


def for_bucket(
    origin: str | None,
    method: str,
    path: str,
    buckets: Mapping[str, Any],
    *,
    preflight: bool,
) -> dict[str, str]:
    """Headers from the first ``cors`` rule of the path's bucket matching origin and method
    (for a preflight, ``method`` is the one the browser asks about)."""
    match = _BUCKET_IN_PATH.match(path)
    if not origin or match is None:
        return {}
    bucket = buckets.get(match["json"] or match["xml"]) or {}
    for rule in bucket.get("cors") or []:
        origins, methods = rule.get("origin") or [], rule.get("method") or []
        if (origin in origins or "*" in origins) and (method in methods or "*" in methods):
            exposed = ", ".join(rule.get("responseHeader") or [])
            headers = {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
            if exposed:
                headers["Access-Control-Expose-Headers"] = exposed
            if preflight:
                headers["Access-Control-Allow-Methods"] = ", ".join(methods)
                if exposed:
                    headers["Access-Control-Allow-Headers"] = exposed
                if rule.get("maxAgeSeconds") is not None:
                    headers["Access-Control-Max-Age"] = str(rule["maxAgeSeconds"])
            return headers
    return {}
