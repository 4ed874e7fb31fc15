"""The options several commands share: where the API is, as whom, where the local stack
records itself, and how a result is written."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from vidcompare.devstack.stack import default_state_dir


class ResultFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    csv_wide = "csv-wide"
    md = "md"
    html = "html"


UrlOption = Annotated[
    str | None,
    typer.Option(
        "--url",
        envvar="VIDCOMPARE_URL",
        help="Base URL of the API. Default: the running local stack (`vidcompare up`).",
        show_default=False,
    ),
]
KeyOption = Annotated[
    str | None,
    typer.Option(
        "--api-key",
        envvar="VIDCOMPARE_API_KEY",
        help="API key, when auth is on.",
        show_default=False,
    ),
]
StateOption = Annotated[
    Path | None,
    typer.Option(
        "--state-dir",
        help="Where the local stack records itself [default: $VIDCOMPARE_STATE_DIR, else "
        "~/.local/state/vidcompare].",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="The API's JSON answer.")]
FormatOption = Annotated[
    ResultFormat,
    typer.Option(
        "--format",
        "-f",
        help="table (for people), json (the API's answer), csv (one row per combination "
        "and model), csv-wide (one row per combination, the models side by side: scores, "
        "answers, strengths, weaknesses, the summary, the file name), md (Markdown tables) "
        "or html (a report to open, mail or print).",
    ),
]
OutputOption = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="Write the result to this file instead of stdout."),
]


def state_dir_or_default(state_dir: Path | None) -> Path:
    return Path(state_dir) if state_dir else default_state_dir()


def check_output(fmt: ResultFormat, output: Path | None) -> None:
    """A table is for a terminal: ``--output`` needs a text format (a usage error, exit 2)."""
    if output is not None and fmt is ResultFormat.table:
        raise typer.BadParameter("--output needs a file format, not table", param_hint="--output")
