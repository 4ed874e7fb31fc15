"""The answer of ``GET /api/leaderboard``: field names as in the #18 contract."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

Interval = tuple[float, float]


class ModelStanding(BaseModel):
    """One model's line of the leaderboard."""

    rank: int
    model_id: str
    model_name: str
    combinations: int  # combinations where it was scored
    mean_score: float | None
    mean_ci: Interval | None
    win_rate: float | None  # (wins + ties / 2) / pairwise
    pairwise: int  # pairwise comparisons it was in
    strength: float | None  # Bradley–Terry, geometric mean 1 over the connected models
    strength_ci: Interval | None
    rating: float | None  # 1000 + 400·log10(strength)
    rating_ci: Interval | None
    connected: bool  # in the largest comparison component
    mean_latency_ms: float | None
    cost_per_100_usd: float | None  # None: no priced answers
    errors: int


class JudgeConsistency(BaseModel):
    judge_model: str
    combinations: int
    swapped: int  # combinations judged twice, the answers' order reversed
    position_consistency: float | None  # None: no swaps


class MatrixCell(BaseModel):
    mean: float
    n: int


class ScoreMatrix(BaseModel):
    """Mean score per prompt (rows) and model (columns); None where nothing was scored."""

    models: list[str]
    prompts: list[str]
    cells: list[list[MatrixCell | None]]


class PromptModelScore(BaseModel):
    model_id: str
    mean_score: float | None
    mean_ci: Interval | None
    n: int


class PromptScores(BaseModel):
    prompt: str
    tag: str | None
    combinations: int
    models: list[PromptModelScore]  # every model, in column order (n = 0: not scored)


class PromptWinner(BaseModel):
    model_id: str
    prompt: str
    mean_score: float
    clear: bool  # its CI lies above the CI of every other prompt the model was scored on


class Leaderboard(BaseModel):
    comparisons: int  # combinations counted
    jobs: int
    models: list[ModelStanding]
    judges: list[JudgeConsistency]
    matrix: ScoreMatrix
    by_prompt: list[PromptScores] | None = None  # only with by=prompt|prompt_tag
    prompt_winners: list[PromptWinner] | None = None  # only with by=prompt|prompt_tag
    filters: dict[str, Any] = Field(default_factory=dict)
    resamples: int
    seed: int
