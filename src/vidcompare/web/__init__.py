"""The web page: static files (HTML, CSS, JS) served at ``/`` and ``/static/``.

No build step and nothing from a CDN: the same files can be copied next to the API
(a bucket behind the load balancer) and work unchanged, against the same origin. The
script is native ES modules in ``js/`` (``js/main.js`` imports the others).
"""

from __future__ import annotations

import re
from importlib import resources

# Only these kinds of files are ever served.
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    # Browsers run a module script only when it is served with a JavaScript type.
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".ico": "image/x-icon",
    ".png": "image/png",
}
# The one subfolder, and the only kind of file it serves.
FOLDERS = {"js": {".js"}}
_NAME = re.compile(r"(?:(?P<folder>[a-z]+)/)?[A-Za-z0-9][A-Za-z0-9_-]*(?P<ext>\.[a-z]+)")


def asset(name: str) -> tuple[bytes, str] | None:
    """The bytes and content type of the page's file ``name``; None if there is none.

    ``name`` is a bare file name with one known extension, or ``js/<name>.js``: at most
    one ``/`` and only after a known folder, no ``..``, no dot-files, no Python sources,
    so nothing outside this folder and its ``js/`` is reachable.
    """
    found = _NAME.fullmatch(name)
    if not found or found["ext"] not in CONTENT_TYPES:
        return None
    folder = found["folder"]
    if folder is not None and found["ext"] not in FOLDERS.get(folder, ()):
        return None
    file = resources.files(__name__).joinpath(*name.split("/"))
    if not file.is_file():
        return None
    return file.read_bytes(), CONTENT_TYPES[found["ext"]]
