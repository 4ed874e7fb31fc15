"""What the commands print: rich tables, a job's result in each format, live progress.

stdout gets the answers (``console``), stderr the notes and errors (``errors``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from vidcompare.cli import report
from vidcompare.cli.options import ResultFormat
from vidcompare.client import Client
from vidcompare.schemas import JobResult, JobView

# Piped into a file or another program, a table keeps its natural width (up to 160
# columns) instead of a terminal's default 80, which breaks words letter by letter.
PIPED_WIDTH = None if sys.stdout.isatty() or "COLUMNS" in os.environ else 160
console = Console(soft_wrap=True, width=PIPED_WIDTH)
errors = Console(stderr=True, soft_wrap=True)


def print_table(table: report.TextTable) -> None:
    shown = Table(title=table.title, title_justify="left", title_style="bold")
    for position, column in enumerate(table.columns):
        justify = "right" if column in report.NUMERIC_COLUMNS else "left"
        if column in report.ID_COLUMNS:
            # An id is what one copies into the next command: never cut, never wrapped.
            widest = max([len(column)] + [len(row[position]) for row in table.rows])
            shown.add_column(column, justify=justify, no_wrap=True, min_width=widest)
        else:
            # Long words fold onto the next line instead of ending in "…": nothing is hidden.
            shown.add_column(column, justify=justify, overflow="fold")
    for row in table.rows:
        # Cells are data: never rich markup, never terminal control sequences.
        shown.add_row(*(Text(report.printable(cell)) for cell in row))
    console.print(shown)


def emit(text: str, output: Path | None) -> None:
    """Text to stdout as it is, or to ``output`` (then a note on stderr)."""
    if output is None:
        typer.echo(text, nl=not text.endswith("\n"))
    else:
        output.write_text(text, encoding="utf-8", newline="")
        errors.print(f"wrote {output}")


def show_result(result: JobResult, fmt: ResultFormat, output: Path | None = None) -> None:
    """A result in the chosen format (table: on the console; the others: text)."""
    if fmt is ResultFormat.table:
        console.print(
            report.printable(report.result_heading(result)), markup=False, highlight=False
        )
        for table in (
            report.results_table(result),
            report.summaries_table(result),
            report.leaderboard_table(result),
        ):
            print_table(table)
        return
    render = {
        ResultFormat.json: report.to_json,
        ResultFormat.csv: report.to_csv,
        ResultFormat.md: report.to_markdown,
    }[fmt]
    emit(render(result), output)


def follow(
    client: Client, job_id: str, *, poll_seconds: float, screen: Console | None = None
) -> JobView:
    """Wait for a job: a live bar (percent, message, ETA) on a terminal, else a line a
    change. ``screen``: where to show it (default: stdout's console)."""
    screen = screen or console
    if not screen.is_terminal:
        seen: list[str] = []

        def log(job: JobView) -> None:
            line = report.progress_line(job)
            if line not in seen[-1:]:
                seen.append(line)
                screen.print(line, markup=False, highlight=False)

        return client.wait(job_id, poll_seconds=poll_seconds, on_progress=log)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[eta]}"),
    )
    with Progress(*columns, console=screen) as progress:
        task = progress.add_task("Queued", total=100, eta="")

        def show(job: JobView) -> None:
            progress.update(
                task,
                completed=job.progress,
                description=job.progress_message,
                eta=report.eta_text(job),
                refresh=True,
            )

        return client.wait(job_id, poll_seconds=poll_seconds, on_progress=show)
