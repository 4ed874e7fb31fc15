"""The counted combinations as columns: what every statistic of the leaderboard reads.

A row is one committed combination (a video × a prompt of one job); a column is a model.
``ScoreRows.from_records`` builds it from plain Python values, so the caller that decodes
stored rows never deals with numpy.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np


class ModelAnswer(NamedTuple):
    """One model's answer in one combination; a plain 4-tuple works as well."""

    score: float | None  # None (or NaN): not scored
    latency_ms: float | None = None  # None: unknown
    cost_usd: float | None = None  # None: unpriced
    error: bool = False  # the model ran and failed


class ScoreRecord(NamedTuple):
    """One combination; a plain 6-tuple in this order works as well."""

    job: str  # job id
    video: str  # video id (or name): what "per video" groups by
    prompt: str  # prompt text, or its tag when the caller groups by tag
    judge: str  # judge model id
    answers: Mapping[str, ModelAnswer | tuple]  # model id → its answer; absent: not in the job
    consistent: bool | None = None  # judge position-consistent; None: no swap was run


@dataclass(frozen=True, eq=False)  # arrays have no single truth value to compare
class ScoreRows:
    """The counted combinations, one row each (N rows), and the models as columns (M)."""

    models: list[str]  # column order, M model ids
    scores: np.ndarray  # float (N, M); NaN where the model was not in that job or not scored
    latency_ms: np.ndarray  # float (N, M); NaN where unknown or the model failed
    cost_usd: np.ndarray  # float (N, M); NaN where unpriced or not run
    errors: np.ndarray  # bool (N, M); the model ran and failed
    prompt: np.ndarray  # int (N,): index into prompts
    prompts: list[str]  # prompt texts (or prompt tags, when grouped by tag)
    video: np.ndarray  # int (N,): index into videos
    videos: list[str]
    consistent: np.ndarray  # float (N,): 1 / 0 judge position-consistent, NaN without a swap
    judge: np.ndarray  # int (N,): index into judges
    judges: list[str]  # judge model ids
    job: np.ndarray  # int (N,): index into jobs
    jobs: list[str]  # job ids
    model_names: list[str] | None = None  # display names in column order; None: the ids
    prompt_tags: list[str | None] | None = None  # tag of each prompt; None: untagged

    def __post_init__(self) -> None:
        n, m = len(self.prompt), len(self.models)
        for name in ("scores", "latency_ms", "cost_usd", "errors"):
            if getattr(self, name).shape != (n, m):
                raise ValueError(f"{name} must have shape ({n}, {m})")
        for name in ("video", "consistent", "judge", "job"):
            if getattr(self, name).shape != (n,):
                raise ValueError(f"{name} must have shape ({n},)")
        for column, labels in (
            ("prompt", self.prompts),
            ("video", self.videos),
            ("judge", self.judges),
            ("job", self.jobs),
        ):
            index = getattr(self, column)
            if n and (index.min() < 0 or index.max() >= len(labels)):
                raise ValueError(f"{column} indexes outside its {len(labels)} labels")
        if self.model_names is not None and len(self.model_names) != m:
            raise ValueError("model_names must name every model")
        if self.prompt_tags is not None and len(self.prompt_tags) != len(self.prompts):
            raise ValueError("prompt_tags must tag every prompt (None: untagged)")

    @property
    def names(self) -> list[str]:
        """Display names in column order (the id where no name was given)."""
        return list(self.model_names) if self.model_names is not None else list(self.models)

    @classmethod
    def from_records(
        cls,
        records: Iterable[ScoreRecord | tuple],
        *,
        models: Sequence[str] | None = None,
        model_names: Mapping[str, str] | None = None,
        prompt_tags: Mapping[str, str] | None = None,
    ) -> ScoreRows:
        """Rows from plain values; labels (prompts, videos, judges, jobs) in first-seen order.

        ``models`` fixes the columns: answers of other models are left out (a model filter).
        Without it the columns are the models in first-seen order.
        """
        records = [ScoreRecord(*record) for record in records]
        if models is None:
            models = list(dict.fromkeys(m for record in records for m in record.answers))
        column = {model_id: j for j, model_id in enumerate(models)}
        labels: dict[str, dict[str, int]] = {"job": {}, "video": {}, "prompt": {}, "judge": {}}
        index = {key: np.zeros(len(records), dtype=np.int64) for key in labels}
        shape = (len(records), len(models))
        scores, latency, cost = (np.full(shape, np.nan) for _ in range(3))
        errors = np.zeros(shape, dtype=bool)
        consistent = np.full(len(records), np.nan)
        for n, record in enumerate(records):
            for key, seen in labels.items():
                index[key][n] = seen.setdefault(getattr(record, key), len(seen))
            if record.consistent is not None:
                consistent[n] = float(record.consistent)
            for model_id, answer in record.answers.items():
                if model_id not in column:
                    continue
                answer = ModelAnswer(*answer)
                j = column[model_id]
                scores[n, j] = _number(answer.score)
                # A failed call's time says nothing about how fast the model answers.
                latency[n, j] = math.nan if answer.error else _number(answer.latency_ms)
                cost[n, j] = _number(answer.cost_usd)
                errors[n, j] = bool(answer.error)
        prompts = list(labels["prompt"])
        return cls(
            models=list(models),
            scores=scores,
            latency_ms=latency,
            cost_usd=cost,
            errors=errors,
            prompt=index["prompt"],
            prompts=prompts,
            video=index["video"],
            videos=list(labels["video"]),
            consistent=consistent,
            judge=index["judge"],
            judges=list(labels["judge"]),
            job=index["job"],
            jobs=list(labels["job"]),
            model_names=[(model_names or {}).get(m, m) for m in models],
            prompt_tags=[(prompt_tags or {}).get(p) for p in prompts],
        )


def _number(value: float | None) -> float:
    """None and non-finite values are unknown (NaN)."""
    if value is None or not math.isfinite(float(value)):
        return math.nan
    return float(value)
