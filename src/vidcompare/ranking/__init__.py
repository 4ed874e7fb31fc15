"""Statistics of the cross-job leaderboard (#18): pure numpy, no I/O.

- ``rows``: ``ScoreRows``, the counted combinations as columns, and ``from_records``.
- ``bootstrap``: the percentile bootstrap over combinations (vectorised multinomial draws).
- ``bradley_terry``: pairwise outcomes, the penalised Bradley–Terry fit, strengths with CIs.
- ``answer``: the pydantic answer of ``GET /api/leaderboard``.
- ``board``: ``leaderboard(rows, ...)``, which puts them together.
"""

from vidcompare.ranking.answer import (
    JudgeConsistency,
    Leaderboard,
    MatrixCell,
    ModelStanding,
    PromptModelScore,
    PromptScores,
    PromptWinner,
    ScoreMatrix,
)
from vidcompare.ranking.board import Grouping, leaderboard
from vidcompare.ranking.bootstrap import bootstrap_mean, bootstrap_means
from vidcompare.ranking.bradley_terry import (
    BTStrength,
    bradley_terry,
    fit_bradley_terry,
    pairwise_outcomes,
)
from vidcompare.ranking.rows import ModelAnswer, ScoreRecord, ScoreRows

__all__ = [
    "BTStrength",
    "Grouping",
    "JudgeConsistency",
    "Leaderboard",
    "MatrixCell",
    "ModelAnswer",
    "ModelStanding",
    "PromptModelScore",
    "PromptScores",
    "PromptWinner",
    "ScoreMatrix",
    "ScoreRecord",
    "ScoreRows",
    "bootstrap_mean",
    "bootstrap_means",
    "bradley_terry",
    "fit_bradley_terry",
    "leaderboard",
    "pairwise_outcomes",
]
