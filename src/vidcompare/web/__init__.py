"""The web page: static files (HTML, CSS, JS) served at ``/`` and ``/static/``.

No build step and nothing from a CDN: the same files can be copied next to the API
(a bucket behind the load balancer) and work unchanged, against the same origin.
"""

from __future__ import annotations

import re
from importlib import resources

# Only these kinds of files are ever served, and only by a plain name (no folders).
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".ico": "image/x-icon",
    ".png": "image/png",
}
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*(\.[a-z]+)$")


def asset(name: str) -> tuple[bytes, str] | None:
    """The bytes and content type of the page's file ``name``; None if there is none.

    ``name`` is a bare file name with one known extension: no ``/``, no ``..``, no
    dot-files, no Python sources, so nothing outside this folder is reachable.
    """
    found = _NAME.match(name)
    if not found or found[1] not in CONTENT_TYPES:
        return None
    file = resources.files(__name__).joinpath(name)
    if not file.is_file():
        return None
    return file.read_bytes(), CONTENT_TYPES[found[1]]
