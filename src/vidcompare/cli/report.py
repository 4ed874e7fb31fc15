"""The CLI's own tables and lines: jobs, videos, a job's fields, the dry run's estimate,
progress without a terminal. A result's tables and files are :mod:`vidcompare.reports`.
"""

from __future__ import annotations

from pydantic import BaseModel

from vidcompare.reports.cells import NONE, cost_text, duration_text, plural, time_text
from vidcompare.reports.tables import TextTable
from vidcompare.schemas import BatchShape, DryRunAnswer, JobView, VideoInfo

# Ids are copied from tables: a terminal too narrow squeezes other columns, never these.
ID_COLUMNS = {"#", "rank", "job", "video", "id"}


def to_json(model: BaseModel) -> str:
    """An API answer (an estimate, a started batch, a result) as the API sent it."""
    return model.model_dump_json(indent=2)


def eta_text(job: JobView) -> str:
    """What the progress bar shows as ETA: the server's estimate, once it has one."""
    if job.status.finished:
        return ""
    return "ETA …" if job.eta_seconds is None else f"ETA {duration_text(job.eta_seconds)}"


def progress_line(job: JobView) -> str:
    """``45.0%  Processing combination 4/8...  ETA 3 s`` (progress without a terminal)."""
    return "  ".join(
        part for part in (f"{job.progress:5.1f}%", job.progress_message, eta_text(job)) if part
    )


def jobs_table(jobs: list[JobView]) -> TextTable:
    """The full job id (it is copied into the next command), its name and tags when any
    job has them, status, combinations done."""
    named = any(j.name for j in jobs)
    tagged = any(j.tags for j in jobs)
    columns = ["job", *(["name"] if named else []), *(["tags"] if tagged else [])]
    columns += ["status", "done", "progress", "models", "message", "created"]
    rows = [
        [
            j.job_id,
            *([j.name] if named else []),
            *([", ".join(j.tags)] if tagged else []),
            j.status.value,
            f"{j.completed_combinations}/{j.total_combinations}",
            f"{j.progress:.0f}%",
            ", ".join(j.models),
            j.progress_message,
            time_text(j.created_at),
        ]
        for j in jobs
    ]
    return TextTable("Jobs", columns, rows, ("message", "models", "progress", "created", "tags"))


def videos_table(videos: list[VideoInfo]) -> TextTable:
    columns = ["video", "file", "size", "duration", "resolution", "audio", "uploaded"]
    rows = [
        [
            v.video_id,
            v.filename,
            f"{v.size_bytes:,} B",
            NONE if v.duration_s is None else f"{v.duration_s:.1f} s",
            f"{v.width}×{v.height}" if v.width and v.height else NONE,
            {True: "yes", False: "no", None: NONE}[v.has_audio],
            time_text(v.created_at),
        ]
        for v in videos
    ]
    return TextTable("Videos", columns, rows, ("audio", "resolution", "size"))


def job_fields(job: JobView) -> list[tuple[str, str]]:
    """``vidcompare status``: one (label, value) a line."""
    fields = [
        ("job", job.job_id),
        *([("name", job.name)] if job.name else []),
        ("status", job.status.value),
        ("progress", f"{job.progress:.1f}%  {job.progress_message}"),
        (
            "combinations",
            f"{job.completed_combinations}/{job.total_combinations} "
            f"({job.total_videos} videos × {job.total_prompts} prompts)",
        ),
        ("models", ", ".join(job.models)),
        ("judge", job.judge_model),
        ("concurrency", lanes_text(job)),
        ("created", time_text(job.created_at)),
        ("started", time_text(job.started_at)),
        ("finished", time_text(job.finished_at)),
        ("eta", duration_text(job.eta_seconds)),
        ("tokens", f"{job.total_tokens:,}"),
        ("cost", cost_text(job.estimated_cost_usd, job.unpriced_calls)),
    ]
    return fields + ([("error", job.error)] if job.error else [])


def estimate_table(answer: DryRunAnswer) -> TextTable:
    """``batch --dry-run``: what each model and the judge would take per call.

    basis "measured": the means of your earlier jobs; "default": 15 s per call and tokens
    from the videos' durations (output includes a thinking allowance)."""
    columns = ["model", "role", "basis", "per call", "tokens in/out per call", "cost per call"]
    rows = [
        [
            m.model_id,
            m.role,
            m.basis,
            duration_text(m.seconds_per_call),
            f"{m.input_tokens_per_call:,}/{m.output_tokens_per_call:,}",
            cost_text(m.cost_per_call_usd),
        ]
        for m in answer.per_model
    ]
    unpriced = (
        f"; no price known for {', '.join(answer.unpriced_models)}"
        if answer.unpriced_models
        else ""
    )
    title = (
        f"Estimate: {plural(answer.total_combinations, 'combination')}, "
        f"{plural(answer.model_calls, 'model call')} + {plural(answer.judge_calls, 'judge call')} "
        f"≈ {duration_text(answer.estimated_seconds)}, {cost_text(answer.estimated_cost_usd)} "
        f"(both with a 20 % margin{unpriced})"
        + (f"; bound by {answer.bound_by}'s quota" if answer.bound_by else "")
    )
    return TextTable(title, columns, rows, ("tokens in/out per call", "basis"))


def lanes_text(shape: BatchShape | JobView) -> str:
    """``3``, ``auto (8 lanes)``, or ``auto (3 of 8 lanes now)`` while an Auto job runs:
    lanes paced by the models' shared quota, fewer while it is contended."""
    if not shape.auto_concurrency:
        return str(shape.concurrency)
    now = getattr(shape, "lanes_now", None)
    if now is not None:
        return f"auto ({now} of {shape.concurrency} lanes now)"
    return f"auto ({shape.concurrency} lane{'s' * (shape.concurrency != 1)})"
