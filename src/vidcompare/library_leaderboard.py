"""The leaderboard across a caller's jobs (``GET /api/leaderboard``): which jobs and
combinations count, gathered from their compact score rows into the arrays that
:mod:`vidcompare.ranking` ranks.

Nothing here scans comparisons: each job's rows are a few documents
(:mod:`vidcompare.store.scores`), written as its combinations commit.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import gc
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from vidcompare import ranking, store
from vidcompare.documents import JobDoc
from vidcompare.errors import InvalidRequest
from vidcompare.plan import Plan
from vidcompare.score_rows import FIGURES, Columns

GROUPINGS = ("model", "prompt", "prompt_tag")
# The query parameters (a misspelt one is a 400, never a filter silently left out).
PARAMETERS = (
    "job", "model", "video", "prompt", "prompt_tag", "tag", "judge", "since", "until", "by",
    "resamples",
)  # fmt: skip
UNTAGGED = "(untagged)"  # a plan's untagged prompt by tag (its rows are left out)
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
        for name in args:
            if name not in PARAMETERS:
                near = difflib.get_close_matches(name, PARAMETERS, n=1)
                hint = f"; did you mean {near[0]!r}?" if near else ""
                raise InvalidRequest.for_field(
                    name, f"is not a parameter of the leaderboard{hint} ({', '.join(PARAMETERS)})"
                )

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
    with _collector_paused():
        rows = store.read_rows(jobs)
        gathered = gather(jobs, rows, query)
    # The jobs counted are those that gave a combination (a filter may leave some out).
    return ranking.leaderboard(
        gathered, by=query.by, resamples=query.resamples, filters=query.echo()
    )


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector paused while 10,000 rows become lists and arrays: they
    hold no cycles, and its passes over the growing heap took 100 ms of a 120 ms parse."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


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
    jobs: Sequence[JobDoc], rows: Mapping[str, Columns], query: LeaderboardQuery
) -> ranking.ScoreRows:
    """The counted combinations of ``jobs`` as one set of arrays: a row per combination,
    a column per model; prompts are texts, or tags when grouping by tag. Built a job at a
    time with numpy (which video and prompt a row is comes from its index and the plan),
    so 10,000 rows take milliseconds."""
    models: dict[str, str] = {}  # id -> display name, in first-seen order
    labels: dict[str, dict[str, int]] = {"video": {}, "prompt": {}, "judge": {}, "job": {}}
    prompt_tags: dict[str, str] = {}
    blocks: list[_Block] = []
    for job in jobs:
        counted = [m for m in job.models if not query.models or m in query.models]
        block = _job_block(job, rows[job.job_id], counted, query) if job.job_id in rows else None
        if block is None:
            continue
        for model_id in counted:  # only models with counted rows get a line
            stats = job.stats.get(model_id)
            models.setdefault(model_id, (stats.model_name if stats else "") or model_id)
        plan_videos, plan_prompts = block.plan.video_ids, block.plan.prompts
        video_at = np.array(
            [labels["video"].setdefault(v, len(labels["video"])) for v in plan_videos]
        )
        names = [_prompt_label(job, p, query.by) for p in plan_prompts]
        prompt_at = np.array([labels["prompt"].setdefault(n, len(labels["prompt"])) for n in names])
        if query.by == "prompt":
            prompt_tags |= {p: t for p in plan_prompts if (t := job.prompt_tags.get(p))}
        block.video, block.prompt = video_at[block.video], prompt_at[block.prompt]
        block.judge = labels["judge"].setdefault(job.judge_model, len(labels["judge"]))
        block.job = labels["job"].setdefault(job.job_id, len(labels["job"]))
        blocks.append(block)
    return _stack(blocks, models, labels, prompt_tags)


def _prompt_label(job: JobDoc, prompt: str, by: str) -> str:
    return (job.prompt_tags.get(prompt) or UNTAGGED) if by == "prompt_tag" else prompt


@dataclass
class _Block:
    """One job's counted rows: its models' cells by model id, and each row's plan place."""

    plan: Plan
    cells: dict[str, np.ndarray]  # model id -> (n, 4): score, latency, cost, error
    video: np.ndarray
    prompt: np.ndarray
    consistent: np.ndarray
    judge: int = 0
    job: int = 0


def _job_block(
    job: JobDoc, rows: Columns, counted: list[str], query: LeaderboardQuery
) -> _Block | None:
    plan = Plan.from_doc(job.plan or {})
    inside = (rows.index >= 0) & (rows.index < plan.total)  # another plan's index: nothing
    if not inside.any() or not counted:
        return None
    index = rows.index[inside]
    if plan.pairs is None:
        video, prompt = np.divmod(index, len(plan.prompts))
    else:
        places = np.array(plan.pairs, dtype=np.int64)[index]
        video, prompt = places[:, 0], places[:, 1]
    values = np.full((len(index), len(counted), len(FIGURES)), np.nan)
    for j, model_id in enumerate(counted):
        if model_id in rows.models:
            values[:, j] = rows.values[inside, rows.models.index(model_id)]
    keep = ~np.isnan(values[:, :, 3]).all(axis=1)  # a counted model took part
    if query.videos:
        keep &= np.isin(video, [i for i, v in enumerate(plan.video_ids) if v in query.videos])
    if query.prompts or query.prompt_tags or query.by == "prompt_tag":
        # Grouped by tag, an untagged prompt is no variant of the A/B test: left out.
        allowed = [
            i
            for i, p in enumerate(plan.prompts)
            if (not query.prompts or p in query.prompts)
            and (not query.prompt_tags or job.prompt_tags.get(p) in query.prompt_tags)
            and (query.by != "prompt_tag" or p in job.prompt_tags)
        ]
        keep &= np.isin(prompt, allowed)
    if not keep.any():
        return None
    consistent = rows.consistent[inside]
    return _Block(
        plan=plan,
        cells={m: values[keep, j] for j, m in enumerate(counted)},
        video=video[keep],
        prompt=prompt[keep],
        consistent=consistent[keep],
    )


def _stack(
    blocks: list[_Block],
    models: dict[str, str],
    labels: dict[str, dict[str, int]],
    prompt_tags: dict[str, str],
) -> ranking.ScoreRows:
    model_ids = list(models)
    n = sum(len(b.video) for b in blocks)
    values = np.full((n, len(model_ids), 4), np.nan)
    start = 0
    for block in blocks:
        end = start + len(block.video)
        for model_id, cells in block.cells.items():
            values[start:end, model_ids.index(model_id)] = cells
        start = end

    def column(name: str) -> np.ndarray:
        parts = [np.full(len(b.video), getattr(b, name)) if name in ("judge", "job")
                 else getattr(b, name) for b in blocks]  # fmt: skip
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

    prompt, prompts = _used(column("prompt"), list(labels["prompt"]))
    video, videos = _used(column("video"), list(labels["video"]))
    return ranking.ScoreRows(
        models=model_ids,
        scores=values[:, :, 0],
        latency_ms=values[:, :, 1],
        cost_usd=values[:, :, 2],
        errors=values[:, :, 3] == 1,
        prompt=prompt,
        prompts=prompts,
        video=video,
        videos=videos,
        consistent=column("consistent").astype(float),
        judge=column("judge").astype(np.int64),
        judges=list(labels["judge"]),
        job=column("job").astype(np.int64),
        jobs=list(labels["job"]),
        model_names=[models[m] for m in model_ids],
        prompt_tags=[prompt_tags.get(p) for p in prompts],
    )


def _used(at: np.ndarray, names: list[str]) -> tuple[np.ndarray, list[str]]:
    """Only the labels some row has (a plan's other prompts or videos were filtered out),
    in first-seen order, and the rows' indexes into them."""
    at = at.astype(np.int64)
    kept = sorted(set(at.tolist()))
    renumber = np.zeros(len(names), dtype=np.int64)
    renumber[kept] = np.arange(len(kept))
    return renumber[at], [names[i] for i in kept]
