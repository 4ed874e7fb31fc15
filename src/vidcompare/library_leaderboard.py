"""The leaderboard across a caller's jobs (``GET /api/leaderboard``): which jobs and
combinations count, gathered from their compact score rows into the arrays that
:mod:`vidcompare.ranking` ranks.

Nothing here scans comparisons: each job's rows are a few documents
(:mod:`vidcompare.store.scores`), written as its combinations commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from vidcompare import ranking, store
from vidcompare.documents import JobDoc
from vidcompare.errors import InvalidRequest
from vidcompare.plan import Plan
from vidcompare.score_rows import ScoreRow

GROUPINGS = ("model", "prompt", "prompt_tag")
UNTAGGED = "(untagged)"
MIN_RESAMPLES, MAX_RESAMPLES, DEFAULT_RESAMPLES = 100, 2000, 1000


@dataclass
class LeaderboardQuery:
    """What to count: every filter is optional; a plural one matches any of its values."""

    jobs: list[str] = field(default_factory=list)
    models: list[str] = field(default_factory=list)
    videos: list[str] = field(default_factory=list)
    prompts: list[str] = field(default_factory=list)
    prompt_tags: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    judges: list[str] = field(default_factory=list)
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    by: str = "model"
    resamples: int = DEFAULT_RESAMPLES

    @classmethod
    def from_args(cls, args: Mapping[str, Sequence[str]]) -> LeaderboardQuery:
        def many(name: str) -> list[str]:
            return [v.strip() for v in args.get(name, []) if v.strip()]

        def one(name: str) -> str | None:
            values = many(name)
            return values[-1] if values else None

        by = one("by") or "model"
        if by not in GROUPINGS:
            raise InvalidRequest.for_field("by", f"must be one of {', '.join(GROUPINGS)}")
        resamples = DEFAULT_RESAMPLES
        if (text := one("resamples")) is not None:
            if not text.isdigit() or not MIN_RESAMPLES <= int(text) <= MAX_RESAMPLES:
                raise InvalidRequest.for_field(
                    "resamples", f"must be a whole number from {MIN_RESAMPLES} to {MAX_RESAMPLES}"
                )
            resamples = int(text)
        since, until = _moment("since", one("since")), _moment("until", one("until"), end=True)
        if since and until and since >= until:
            raise InvalidRequest.for_field("until", "must be after since")
        return cls(
            jobs=many("job"),
            models=many("model"),
            videos=many("video"),
            prompts=many("prompt"),
            prompt_tags=many("prompt_tag"),
            tags=many("tag"),
            judges=many("judge"),
            since=since,
            until=until,
            by=by,
            resamples=resamples,
        )

    def echo(self) -> dict[str, object]:
        """The filters as applied (for the answer: what was counted)."""
        shown: dict[str, object] = {}
        for name in ("jobs", "models", "videos", "prompts", "prompt_tags", "tags", "judges"):
            if values := getattr(self, name):
                shown[name] = values
        if self.since:
            shown["since"] = self.since.isoformat()
        if self.until:
            shown["until"] = self.until.isoformat()
        shown["by"] = self.by
        return shown


def _moment(name: str, text: str | None, *, end: bool = False) -> dt.datetime | None:
    """An ISO date or time, in UTC unless it says otherwise; a date alone as ``until``
    means the end of that day (the day is included)."""
    if text is None:
        return None
    try:
        if len(text) == 10:
            day = dt.date.fromisoformat(text)
            moment = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
            return moment + dt.timedelta(days=1) if end else moment
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidRequest.for_field(
            name, f"{text!r} is not an ISO date (2026-11-27) or time (2026-11-27T09:30:00Z)"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def leaderboard(query: LeaderboardQuery, *, owner: str | None) -> ranking.Leaderboard:
    jobs = _jobs(query, owner=owner)
    rows = store.read_rows(jobs)
    gathered = gather(jobs, rows, query)
    # The jobs counted are those that gave a combination (a filter may leave some out).
    return ranking.leaderboard(
        gathered, by=query.by, resamples=query.resamples, filters=query.echo()
    )


def _jobs(query: LeaderboardQuery, *, owner: str | None) -> list[JobDoc]:
    wanted = set(query.jobs)  # whole ids (the API resolves short ones)
    jobs = store.leaderboard_jobs(owner=owner, since=query.since, until=query.until)
    return [
        job
        for job in jobs
        if (not wanted or job.job_id in wanted)
        and (not query.tags or set(query.tags) & set(job.tags))
        and (not query.judges or job.judge_model in query.judges)
        and (not query.models or set(query.models) & set(job.models))
    ]


def gather(
    jobs: Sequence[JobDoc], rows: Mapping[str, Sequence[ScoreRow]], query: LeaderboardQuery
) -> ranking.ScoreRows:
    """The counted combinations of ``jobs`` as one set of arrays: a row per combination,
    a column per model; prompts are texts, or tags when grouping by tag."""
    models: dict[str, str] = {}  # id -> display name, in first-seen order
    prompt_tags: dict[str, str] = {}
    records: list[ranking.ScoreRecord] = []
    for job in jobs:
        plan = Plan.from_doc(job.plan or {})
        counted = [m for m in job.models if not query.models or m in query.models]
        for model_id in counted:
            stats = job.stats.get(model_id)
            models.setdefault(model_id, (stats.model_name if stats else "") or model_id)
        for row in rows.get(job.job_id, []):
            try:
                video_id, prompt = plan.combination(row.index)
            except IndexError:  # not this plan's: nothing to count it as
                continue
            tag = job.prompt_tags.get(prompt)
            if (
                (query.videos and video_id not in query.videos)
                or (query.prompts and prompt not in query.prompts)
                or (query.prompt_tags and tag not in query.prompt_tags)
                or not any(m in row.cells for m in counted)
            ):
                continue
            label = (tag or UNTAGGED) if query.by == "prompt_tag" else prompt
            if tag and query.by == "prompt":
                prompt_tags[prompt] = tag
            answers = {
                m: (c.score, c.latency_ms, c.cost_usd, c.error)
                for m, c in row.cells.items()
                if m in counted
            }
            records.append(
                ranking.ScoreRecord(
                    job.job_id, video_id, label, job.judge_model, answers, row.consistent
                )
            )
    return ranking.ScoreRows.from_records(
        records, models=list(models), model_names=models, prompt_tags=prompt_tags
    )
