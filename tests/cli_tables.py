"""Reading what the CLI printed: the rows of a rich table, for exact assertions."""

from __future__ import annotations


def table_lines(text: str, title: str) -> list[list[list[str]]]:
    """The body rows of the rich table printed under ``title``, each row as its printed
    lines of cells. A wrapped row goes on over lines whose first cell is empty (the first
    column, an id or a number, is never wrapped)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == title)
    rows: list[list[list[str]]] = []
    for line in lines[start + 1 :]:
        if not line.startswith(("┏", "┃", "┡", "│", "└")):
            break
        if line.startswith("│"):
            cells = [cell.strip() for cell in line.split("│")[1:-1]]
            if cells[0] or not rows:
                rows.append([cells])
            else:
                rows[-1].append(cells)
    return rows


def table_rows(text: str, title: str) -> list[list[str]]:
    """The body rows of the rich table under ``title``: a wrapped cell's lines joined by a
    space (a word folded mid-way would show one)."""
    return [
        [" ".join(part for part in column if part) for column in zip(*row, strict=True)]
        for row in table_lines(text, title)
    ]


def table_header(text: str, title: str) -> list[str]:
    """The column names of the rich table under ``title``."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == title)
    header = next(line for line in lines[start + 1 :] if line.startswith("┃"))
    return [cell.strip() for cell in header.split("┃")[1:-1]]
