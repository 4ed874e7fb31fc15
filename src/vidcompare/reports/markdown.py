"""A result as Markdown: a heading, the leaderboard, every (combination, model), the
judge's summaries (GitHub-flavoured tables; pipes escaped, line breaks as ``<br>``)."""

from __future__ import annotations

from vidcompare.reports.cells import printable
from vidcompare.reports.tables import (
    leaderboard_table,
    result_heading,
    results_table,
    summaries_table,
)
from vidcompare.schemas import JobResult


def to_markdown(result: JobResult) -> str:
    tables = (leaderboard_table(result), results_table(result), summaries_table(result))
    heading = printable(result_heading(result))
    return f"# {heading}\n\n" + "\n".join(t.markdown() for t in tables)
