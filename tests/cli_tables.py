"""Reading what the CLI printed: the rows of a rich table, for exact assertions."""

from __future__ import annotations


def table_rows(text: str, title: str) -> list[list[str]]:
    """The body rows of the rich table printed under ``title`` (one line a row)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == title)
    rows = []
    for line in lines[start + 1 :]:
        if not line.startswith(("┏", "┃", "┡", "│", "└")):
            break
        if line.startswith("│"):
            rows.append([cell.strip() for cell in line.split("│")[1:-1]])
    return rows
