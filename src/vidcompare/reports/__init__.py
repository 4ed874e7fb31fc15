"""A job's result as a file to download, mail or pipe: part of the service core.

One entry point, :func:`render`; the API's ``GET /api/jobs/{id}/export?format=`` and the
CLI's ``result --format`` both call it. Formats (:data:`FORMATS`):

======== =================== ===========================================================
format   media type          what
======== =================== ===========================================================
csv      text/csv            one row per combination: ``score <model_id>`` per model,
                             then per model its answer, strengths, weaknesses; the
                             judge's summary; the video's original filename
csv-long text/csv            one row per combination and model (latency, tokens, cost…)
json     application/json    the API's ``JobResult`` as it is
md       text/markdown       leaderboard, every (combination, model), the summaries,
                             then each combination's answers with the judge's words
html     text/html           a self-contained report (inline CSS, no script, no links out)
======== =================== ===========================================================

Pure functions of :mod:`vidcompare.schemas`: nothing here imports the CLI, rich or
typer, so the deployed functions can serve it. One module a job::

    cells.py     one value as text (score, ms, dollars, durations, times)
    rows.py      the long and the wide CSV
    tables.py    titled tables of text cells (the CLI prints them, Markdown writes them)
    markdown.py  the Markdown report
    html.py      the HTML report
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import NamedTuple

from vidcompare.errors import InvalidRequest
from vidcompare.reports.html import to_html
from vidcompare.reports.markdown import to_markdown
from vidcompare.reports.rows import to_csv_long, to_csv_wide
from vidcompare.schemas import JobResult, JobView

__all__ = ["FORMATS", "Export", "download_name", "render"]


class Export(NamedTuple):
    text: str
    media_type: str  # without a charset: the text is always UTF-8
    extension: str  # without the dot


Renderer = Callable[[JobResult, Mapping[str, str], JobView | None], str]

_RENDERERS: dict[str, tuple[Renderer, str, str]] = {
    "csv": (lambda r, names, job: to_csv_wide(r, names), "text/csv", "csv"),
    # Its own name: saved beside the wide CSV, it must not take that one's place.
    "csv-long": (lambda r, names, job: to_csv_long(r), "text/csv", "long.csv"),
    "json": (lambda r, names, job: r.model_dump_json(indent=2) + "\n", "application/json", "json"),
    "md": (lambda r, names, job: to_markdown(r, names), "text/markdown", "md"),
    "html": (to_html, "text/html", "html"),
}
FORMATS: tuple[str, ...] = tuple(_RENDERERS)


def render(
    result: JobResult,
    fmt: str,
    *,
    filenames: Mapping[str, str] | None = None,
    job: JobView | None = None,
) -> Export:
    """``result`` in the format ``fmt`` (one of :data:`FORMATS`).

    ``filenames``: video id -> original file name (the wide CSV's ``filename`` column, the
    HTML's video labels); ``job``: the job's view, for the HTML heading's name and date.
    An unknown format is an :class:`~vidcompare.errors.InvalidRequest` (400) naming them.
    """
    try:
        renderer, media_type, extension = _RENDERERS[fmt]
    except KeyError:
        raise InvalidRequest.for_field(
            "format", f"must be one of {', '.join(FORMATS)}, not {fmt!r}"
        ) from None
    return Export(renderer(result, filenames or {}, job), media_type, extension)


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def download_name(job_id: str, name: str | None, extension: str) -> str:
    """``vidcompare-<first 8 of the job>-<name or 'job'>.<extension>``: the job's name
    with anything but letters, digits, ``.``, ``_`` and ``-`` as ``-`` (a header- and
    file-system-safe name), at most 60 characters of it."""
    safe = _UNSAFE.sub("-", name or "").strip("-.")[:60].strip("-.") or "job"
    return f"vidcompare-{job_id[:8]}-{safe}.{extension}"
