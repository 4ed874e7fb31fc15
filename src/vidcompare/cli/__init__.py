"""The ``vidcompare`` command: run the local stack and the demo, and drive a deployment.

Every API command talks to ``--url`` (or ``VIDCOMPARE_URL``), else to the local stack
recorded in ``~/.local/state/vidcompare/stack.json`` by ``vidcompare up``, else http://127.0.0.1:8000;
``--api-key`` (or ``VIDCOMPARE_API_KEY``) when auth is on. A refusal prints the server's
error (code, message, details) on stderr and exits 1.

The typer ``app`` and its command table are here; the rest, one module a job::

    stack.py     up, down, reset, emulator, and status without a job: the local stack
    demo.py      demo
    jobs.py      batch, status, jobs, result, cancel
    pairs.py     the file of ``batch --pairs``
    videos.py    upload, videos (and videos rename, videos delete)
    models.py    models
    leaderboard.py  leaderboard: models ranked across jobs
    deploy.py    deploy, teardown, new-key
    options.py   the options several commands share
    session.py   a command's API client; a failure as a message on stderr and exit 1
    render.py    what is printed: tables fitted to the terminal, a result in each format,
                 the HTML report opened, progress
    report.py    the CLI's own tables (jobs, videos, the estimate); a result's files and
                 tables are vidcompare.reports
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import typer
from typer.core import TyperGroup

from vidcompare.cli import demo, deploy, jobs, leaderboard, models, stack, videos

__all__ = ["app"]


def _name(command: Callable[..., Any] | typer.Typer) -> str:
    if isinstance(command, typer.Typer):
        return str(command.info.name)
    return command.__name__.replace("_", "-")


class _InTableOrder(TyperGroup):
    """The commands in the order of COMMANDS (typer puts command groups last)."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        place = {_name(command): at for at, command in enumerate(COMMANDS)}
        self.commands = dict(
            sorted(self.commands.items(), key=lambda item: place.get(item[0], len(place)))
        )


app = typer.Typer(
    cls=_InTableOrder,
    help="Compare video-understanding models in batches: N videos × M prompts × up to 4 "
    "models, scored by a judge, run in the background.",
    epilog="Start with `vidcompare demo`, or `vidcompare up` and then upload, batch, result.",
    no_args_is_help=True,
    rich_markup_mode="markdown",
    pretty_exceptions_show_locals=False,  # locals would show API keys
)

# In this order in `vidcompare --help`; a command's name is its function's, "_" as "-".
COMMANDS = (
    stack.up,
    stack.emulator,
    stack.reset,
    deploy.deploy,
    deploy.teardown,
    stack.down,
    demo.demo,
    deploy.new_key,
    videos.upload,
    videos.videos_app,  # videos, videos rename, videos delete
    models.models,
    jobs.batch,
    jobs.status,
    jobs.jobs,
    jobs.result,
    jobs.cancel,
    leaderboard.leaderboard,
)
for command in COMMANDS:
    if isinstance(command, typer.Typer):
        app.add_typer(command)
    else:
        app.command()(command)
