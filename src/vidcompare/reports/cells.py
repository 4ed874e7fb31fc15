"""One value as the text of a table cell: scores, milliseconds, dollars, durations, times."""

from __future__ import annotations

import datetime as dt
import re

NONE = "—"  # a value that is not known (or not there), never an empty-looking cell

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """``text`` safe for a terminal: control characters (an ANSI escape in a prompt or an
    answer could rewrite the screen) shown as ``\\x1b``; line breaks and tabs kept."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m[0]):02x}", text)


def score_text(score: float | None) -> str:
    return NONE if score is None else f"{score:g}"


def ms_text(ms: float | None) -> str:
    return NONE if ms is None else f"{ms:,.0f} ms"


def cost_text(usd: float | None, unpriced: int = 0) -> str:
    """``$0.001234``; ``unknown`` without a price; ``$0.001234 + 2 unpriced calls``."""
    if usd is None or (unpriced and not usd):
        return "unknown"
    known = f"${usd:.6f}"
    return f"{known} + {plural(unpriced, 'unpriced call')}" if unpriced else known


def duration_text(seconds: float | None) -> str:
    """``45 s``, ``3 min 05 s``, ``1 h 02 min``."""
    if seconds is None:
        return NONE
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min {whole % 60:02d} s"
    return f"{whole // 3600} h {whole % 3600 // 60:02d} min"


def time_text(when: dt.datetime | None) -> str:
    """Local time to the second (a job list, a report's date)."""
    return NONE if when is None else when.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'s' * (count != 1)}"
