"""The compact row each committed comparison leaves for the leaderboard across jobs.

A row is what ranking needs of one combination and nothing more: per model its score,
latency, cost and whether it failed, and whether the judge kept its verdict when the
answers were swapped. It is a short JSON string, written with the commit (so it exists
exactly when the combination is counted) and read back by the thousand per request.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from vidcompare.schemas import Comparison


@dataclass(frozen=True)
class ModelCell:
    score: float | None  # None: not scored (failed, or the judge gave none)
    latency_ms: float | None  # None: it failed
    cost_usd: float | None  # None: unpriced
    error: bool


@dataclass(frozen=True)
class ScoreRow:
    index: int  # the combination, in its job's plan
    cells: dict[str, ModelCell]  # model id -> its answer's figures
    consistent: bool | None  # the judge's verdict survived a swap; None: no swap run


def encode(comparison: Comparison) -> str:
    scores = {e.model_id: e.score for e in comparison.evaluation if e.score}
    cells = []
    for result in comparison.results:
        failed = bool(result.error)
        usage = result.usage
        priced = usage.unpriced_calls == 0
        cells.append(
            [
                result.model_id,
                scores.get(result.model_id),
                None if failed else result.latency_ms,
                round(usage.estimated_cost_usd, 8) if priced else None,
                int(failed),
            ]
        )
    consistent = comparison.position_consistent
    return json.dumps(
        [cells, None if consistent is None else int(consistent)], separators=(",", ":")
    )


# What a reader gets back in bulk: (index, cells, consistent), cells as encoded:
# [[model_id, score, latency_ms, cost_usd, error 0/1], ...], consistent 1 / 0 / None.
RawRow = tuple[int, list[list[Any]], int | None]


def pack(rows: dict[str, str]) -> str:
    """A chunk's rows (index -> encoded row) as one text, read back by :func:`unpack` in a
    single parse: a finished job's rows never change, and one string field reads ~6×
    faster from Firestore than a map of a thousand."""
    return "[" + ",".join(f"[{index},{text}]" for index, text in rows.items()) + "]"


def unpack(text: str) -> list[RawRow]:
    return [(index, cells, consistent) for index, (cells, consistent) in json.loads(text)]


def raw(index: int, text: str) -> RawRow:
    cells, consistent = json.loads(text)
    return index, cells, consistent


def decode(index: int, text: str) -> ScoreRow:
    cells, consistent = json.loads(text)
    return ScoreRow(
        index=index,
        cells={
            model_id: ModelCell(score, latency, cost, bool(error))
            for model_id, score, latency, cost, error in cells
        },
        consistent=None if consistent is None else bool(consistent),
    )
