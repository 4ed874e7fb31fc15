"""How a command reaches the API, and how a failure ends it: a message on stderr, exit 1."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.text import Text

from vidcompare.cli.render import errors
from vidcompare.client import APIError, Client, Unreachable
from vidcompare.devstack.stack import default_state_dir, running_info


def fail(message: str) -> typer.Exit:
    """``error: message`` on stderr; raise what it returns to exit 1."""
    errors.print(Text.assemble(("error:", "bold red"), " ", message))
    return typer.Exit(code=1)


def api_failure(exc: APIError) -> typer.Exit:
    """The server's refusal as people read it: code (status), message, then each detail."""
    lines = [f"{exc.code} ({exc.status}): {exc.message}" if exc.status else exc.message]
    for detail in exc.details:
        if isinstance(detail, dict) and "message" in detail:
            where = detail.get("field") or detail.get("location") or ""
            detail = f"{where}: {detail['message']}" if where else detail["message"]
        elif isinstance(detail, dict):  # e.g. {"job_id": …}: as people write it
            detail = ", ".join(f"{key} {value}" for key, value in detail.items())
        if str(detail) not in exc.message:  # our server's message already names each field
            lines.append(f"  - {detail}")
    if isinstance(exc, Unreachable):
        lines.append(
            "  is the stack up? Start it with `vidcompare up`, or pass --url / set VIDCOMPARE_URL."
        )
    return fail("\n".join(lines))


@contextmanager
def session(url: str | None, api_key: str | None) -> Iterator[Client]:
    """A client of the chosen deployment; an APIError inside becomes message + exit 1."""
    if url is None and (local := running_info(default_state_dir())) is not None:
        url = local.base_url
    with Client(url, api_key=api_key) as client:
        try:
            yield client
        except APIError as exc:
            raise api_failure(exc) from None
