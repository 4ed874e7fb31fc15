"""What the commands print: rich tables fitted to the terminal, a job's result in each
format, the HTML report opened in a browser, progress.

stdout gets the answers (``console``), stderr the notes, errors and progress (``errors``).
"""

from __future__ import annotations

import os
import sys
import time
import webbrowser
from collections.abc import Callable, Mapping
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from vidcompare import reports
from vidcompare.cli import report
from vidcompare.cli.options import ResultFormat
from vidcompare.client import Client
from vidcompare.reports.cells import printable
from vidcompare.reports.tables import (
    NUMERIC_COLUMNS,
    TextTable,
    leaderboard_table,
    result_heading,
    results_table,
    summaries_table,
)
from vidcompare.schemas import JobResult, JobView

# Piped into a file or another program, a table keeps its natural width (up to 160
# columns) instead of a terminal's default 80, which breaks words letter by letter.
PIPED_WIDTH = None if sys.stdout.isatty() or "COLUMNS" in os.environ else 160
console = Console(soft_wrap=True, width=PIPED_WIDTH)
errors = Console(stderr=True, soft_wrap=True)

# A text column (a prompt, a message) may be wrapped down to this width; ids and numbers
# are never wrapped.
TEXT_FLOOR = 12
# Without a terminal, the progress line is printed when the count of finished
# combinations changes, else at most once this often (the ETA and message in between).
QUIET_SECONDS = 30.0


def _whole(column: str) -> bool:
    """Ids are copied and numbers read whole: such a column is never wrapped."""
    return column in report.ID_COLUMNS or column in NUMERIC_COLUMNS


def _widest(table: TextTable, position: int) -> int:
    lines = [table.columns[position]]
    lines += [line for row in table.rows for line in row[position].splitlines()]
    return max(len(line) for line in lines)


def needed_width(table: TextTable) -> int:
    """The narrowest the table reads well: whole ids and numbers, text wrapped at
    :data:`TEXT_FLOOR`, plus rich's borders and padding (3 a column and 1)."""
    widths = [
        _widest(table, i) if _whole(c) else min(_widest(table, i), TEXT_FLOOR)
        for i, c in enumerate(table.columns)
    ]
    return sum(widths) + 3 * len(widths) + 1


def fit_columns(table: TextTable, width: int) -> TextTable:
    """``table`` without its optional columns, least useful first, while it needs more
    than ``width``."""
    dropped: set[str] = set()
    fitted = table
    for column in table.optional:
        if needed_width(fitted) <= width:
            break
        dropped.add(column)
        fitted = table.without(dropped)
    return fitted


def print_table(table: TextTable, screen: Console | None = None) -> None:
    """``table`` on ``screen`` (default: stdout's console), fitted to its width."""
    screen = screen or console
    table = fit_columns(table, screen.width)
    shown = Table(title=table.title, title_justify="left", title_style="bold")
    for position, column in enumerate(table.columns):
        justify = "right" if column in NUMERIC_COLUMNS else "left"
        if _whole(column):
            # What one copies into the next command, or a number: never cut, never wrapped.
            widest = _widest(table, position)
            shown.add_column(column, justify=justify, no_wrap=True, min_width=widest)
        else:
            # Wrapped at spaces; a word longer than the column folds: nothing is hidden.
            shown.add_column(column, justify=justify, overflow="fold")
    for row in table.rows:
        # Cells are data: never rich markup, never terminal control sequences.
        shown.add_row(*(Text(printable(cell)) for cell in row))
    screen.print(shown)


def emit(text: str, output: Path | None) -> None:
    """Text to stdout as it is, or to ``output`` (then a note on stderr)."""
    if output is None:
        typer.echo(text, nl=not text.endswith("\n"))
    else:
        output.write_text(text, encoding="utf-8", newline="")
        errors.print(f"wrote {output}", markup=False, highlight=False)


# The CLI's formats as :func:`vidcompare.reports.render` names them: `csv` stays the long
# one the CLI always printed; the export's one-row-a-combination CSV is `csv-wide`.
REPORT_FORMATS = {
    ResultFormat.json: "json",
    ResultFormat.csv: "csv-long",
    ResultFormat.csv_wide: "csv",
    ResultFormat.md: "md",
    ResultFormat.html: "html",
}


def show_result(
    result: JobResult,
    fmt: ResultFormat,
    output: Path | None = None,
    *,
    filenames: Mapping[str, str] | None = None,
    job: JobView | None = None,
) -> None:
    """A result in the chosen format (table: on the console; the others: text).
    ``filenames`` and ``job``: see :func:`vidcompare.reports.render`."""
    if fmt is ResultFormat.table:
        heading = printable(result_heading(result))
        # Wrapped at the " · " between its parts, as the tables below are.
        console.print(heading, markup=False, highlight=False, soft_wrap=False)
        for table in (results_table(result), summaries_table(result), leaderboard_table(result)):
            print_table(table)
        return
    exported = reports.render(result, REPORT_FORMATS[fmt], filenames=filenames, job=job)
    emit(exported.text, output)


def open_report(
    result: JobResult,
    path: Path,
    *,
    filenames: Mapping[str, str] | None = None,
    job: JobView | None = None,
) -> None:
    """Write the HTML report to ``path`` (named on stderr) and open it in the browser
    (``$BROWSER`` if set)."""
    exported = reports.render(result, "html", filenames=filenames, job=job)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(exported.text, encoding="utf-8")
    errors.print(f"wrote {path}", markup=False, highlight=False)
    if not webbrowser.open(path.resolve().as_uri()):
        errors.print("no browser found: open that file yourself", markup=False, highlight=False)


class ProgressLog:
    """Progress as lines for a log or a pipe: the first, one when the number of finished
    combinations changes, the last (a finished job), else at most one a ``quiet_seconds``
    and only if it says something new. A 120-combination job: about 120 lines."""

    def __init__(
        self,
        write: Callable[[str], None],
        *,
        quiet_seconds: float = QUIET_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.write, self.quiet_seconds, self.clock = write, quiet_seconds, clock
        self.last_line: str | None = None
        self.last_done: int | None = None
        self.last_time = 0.0

    def __call__(self, job: JobView) -> None:
        line = report.progress_line(job)
        if line == self.last_line:
            return
        now = self.clock()
        if not (
            self.last_line is None
            or job.completed_combinations != self.last_done
            or job.status.finished
            or now - self.last_time >= self.quiet_seconds
        ):
            return
        self.write(line)
        self.last_line, self.last_done, self.last_time = line, job.completed_combinations, now


def follow(
    client: Client, job_id: str, *, poll_seconds: float, screen: Console | None = None
) -> JobView:
    """Wait for a job: a live bar (percent, message, ETA) on a terminal, else a
    :class:`ProgressLog`. ``screen``: where to show it (default: stdout's console)."""
    screen = screen or console
    if not screen.is_terminal:
        log = ProgressLog(lambda line: screen.print(line, markup=False, highlight=False))
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
