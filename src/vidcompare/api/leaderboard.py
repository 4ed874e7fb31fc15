"""``GET /api/leaderboard``: the ranking across the caller's jobs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from vidcompare import library_leaderboard, ranking
from vidcompare.api.jobs import full_job_id

QUERY = library_leaderboard.PARAMETERS


def leaderboard(args: Mapping[str, Sequence[str]], *, owner: str | None) -> ranking.Leaderboard:
    query = library_leaderboard.LeaderboardQuery.from_args(args)
    query.jobs = [full_job_id(j, owner=owner) for j in query.jobs]
    return library_leaderboard.leaderboard(query, owner=owner)
