"""How the offline models and the judge write times, lists and counts."""

from __future__ import annotations

from collections.abc import Sequence

# The most items (cuts, shots, colour changes...) one answer enumerates.
MAX_LISTED = 12


def fmt_ts(seconds: float) -> str:
    """``mm:ss.s``, e.g. ``00:02.5``; rounding happens first so 59.96 s is ``01:00.0``."""
    tenths = round(max(seconds, 0.0) * 10)
    minutes, rest = divmod(tenths, 600)
    return f"{minutes:02d}:{rest / 10:04.1f}"


def fmt_range(start: float, end: float) -> str:
    return f"{fmt_ts(start)} to {fmt_ts(end)}"


def join_words(items: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"
