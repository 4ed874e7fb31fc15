"""The compact row each committed comparison leaves for the leaderboard across jobs.

A row is what ranking needs of one combination and nothing more: per model its score,
latency, cost and whether it failed, and whether the judge kept its verdict when the
answers were swapped. It is a short JSON string, written with the commit (so it exists
exactly when the combination is counted). Rows are read back as :class:`Columns`, numpy
arrays; a finished job's chunk also keeps them packed as bytes (:func:`pack`), which
read back without a Python object per row.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from vidcompare.schemas import Comparison

# The figures kept per model and combination, in this order along Columns.values' last axis.
FIGURES = ("score", "latency_ms", "cost_usd", "error")


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


@dataclass(frozen=True)
class Columns:
    """Rows as arrays: ``values[r, m]`` holds :data:`FIGURES` of model ``models[m]`` in
    row ``r`` (NaN where unknown or the model was not in it)."""

    index: np.ndarray  # int64 (n,): each row's combination
    models: list[str]
    values: np.ndarray  # float64 (n, len(models), 4)
    consistent: np.ndarray  # float64 (n,): 1 / 0, NaN without a swap

    def __len__(self) -> int:
        return len(self.index)

    @classmethod
    def concat(cls, parts: Sequence[Columns]) -> Columns:
        models = list(dict.fromkeys(m for part in parts for m in part.models))
        n = sum(len(p) for p in parts)
        values = np.full((n, len(models), len(FIGURES)), np.nan)
        start = 0
        for part in parts:
            where = [models.index(m) for m in part.models]
            values[start : start + len(part), where] = part.values
            start += len(part)
        return cls(
            index=np.concatenate([p.index for p in parts]) if parts else np.zeros(0, np.int64),
            models=models,
            values=values,
            consistent=np.concatenate([p.consistent for p in parts]) if parts else np.zeros(0),
        )


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


def columns(rows: Iterable[tuple[int, str]]) -> Columns:
    """Encoded rows (index, text) as arrays."""
    decoded = [(index, *json.loads(text)) for index, text in rows]
    models = list(dict.fromkeys(cell[0] for _, cells, _ in decoded for cell in cells))
    at = {m: i for i, m in enumerate(models)}
    values = np.full((len(decoded), len(models), len(FIGURES)), np.nan)
    for r, (_, cells, _) in enumerate(decoded):
        for model_id, *figures in cells:
            values[r, at[model_id]] = [np.nan if f is None else f for f in figures]
    return Columns(
        index=np.array([d[0] for d in decoded], dtype=np.int64),
        models=models,
        values=values,
        consistent=np.array([np.nan if d[2] is None else d[2] for d in decoded], dtype=float),
    )


def pack(rows: Columns) -> bytes:
    """A chunk's rows as one value: read back by :func:`unpack` in microseconds (a map of
    a thousand JSON rows takes ~10 ms to read and parse per chunk)."""
    out = io.BytesIO()
    np.savez(
        out,
        index=rows.index,
        values=rows.values,
        consistent=rows.consistent,
        models=np.array(json.dumps(rows.models)),
    )
    return out.getvalue()


def unpack(data: bytes) -> Columns:
    with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
        return Columns(
            index=arrays["index"],
            models=json.loads(str(arrays["models"])),
            values=arrays["values"],
            consistent=arrays["consistent"],
        )
