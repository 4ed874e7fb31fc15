"""Results, jobs and videos as rows and text: CSV, Markdown, JSON and the CLI's tables.

Plain functions of the pydantic answers (:mod:`vidcompare.schemas`), no terminal needed:
the CLI renders :class:`TextTable` with rich, ``result --format md`` with
:meth:`TextTable.markdown`, ``--format csv`` is :func:`to_csv`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass

from pydantic import BaseModel

from vidcompare.schemas import DryRunAnswer, JobResult, JobView, VideoInfo

NONE = "—"


class ResultRow(BaseModel):
    """One row of ``--format csv``: one model's answer in one combination."""

    combination: int  # 1-based, in the job's order
    video_id: str
    prompt: str
    model_id: str
    model_name: str
    score: int | float | None
    latency_ms: int
    input_tokens: int
    output_tokens: int
    total_tokens: int
    cost_usd: float | None  # None: no price is known for the model
    error: str
    response: str
    reasoning: str
    finish_reason: str  # "STOP", "MAX_TOKENS" (then truncated), "SAFETY", ...; "" if unknown
    truncated: bool


CSV_COLUMNS: list[str] = list(ResultRow.model_fields)


def result_rows(result: JobResult) -> list[ResultRow]:
    """Every (combination, model) of a result, in the job's and the request's order."""
    rows = []
    for comparison in result.comparisons:
        evaluations = {e.model_id: e for e in comparison.evaluation}
        for answer in comparison.results:
            evaluation = evaluations.get(answer.model_id)
            rows.append(
                ResultRow(
                    combination=comparison.index + 1,
                    video_id=comparison.video_id,
                    prompt=comparison.prompt,
                    model_id=answer.model_id,
                    model_name=answer.model_name,
                    score=evaluation.score if evaluation else None,
                    latency_ms=answer.latency_ms,
                    input_tokens=answer.usage.input_tokens,
                    output_tokens=answer.usage.output_tokens,
                    total_tokens=answer.usage.total_tokens,
                    cost_usd=None
                    if answer.usage.unpriced_calls
                    else answer.usage.estimated_cost_usd,
                    error=answer.error or "",
                    response=answer.response or "",
                    reasoning=evaluation.reasoning if evaluation else "",
                    finish_reason=answer.block_reason or answer.finish_reason or "",
                    truncated=answer.truncated,
                )
            )
    return rows


def to_csv(result: JobResult) -> str:
    """One row per combination and model, a header of :data:`CSV_COLUMNS` (RFC 4180)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    for row in result_rows(result):
        cost = "" if row.cost_usd is None else f"{row.cost_usd:.8f}"  # unknown: empty
        writer.writerow(row.model_dump() | {"cost_usd": cost})
    return out.getvalue()


def to_json(model: BaseModel) -> str:
    return model.model_dump_json(indent=2)


# ------------------------------------------------------------------ cell formats


def score_text(score: float | None) -> str:
    return NONE if score is None else f"{score:g}"


def ms_text(ms: float | None) -> str:
    return NONE if ms is None else f"{ms:,.0f} ms"


def cost_text(usd: float | None, unpriced: int = 0) -> str:
    """``$0.001234``; ``unknown`` without a price; ``$0.001234 + 2 unpriced calls``."""
    if usd is None or (unpriced and not usd):
        return "unknown"
    known = f"${usd:.6f}"
    return f"{known} + {unpriced} unpriced call{'s' * (unpriced != 1)}" if unpriced else known


def duration_text(seconds: float | None) -> str:
    """``45 s``, ``3 min 05 s``, ``1 h 02 min``."""
    if seconds is None:
        return NONE
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min {whole % 60:02d} s"
    return f"{whole // 3600} h {whole % 3600 // 60:02d} min"


def time_text(when: dt.datetime | None) -> str:
    return NONE if when is None else when.astimezone().strftime("%Y-%m-%d %H:%M:%S")


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


# ------------------------------------------------------------------------ tables


@dataclass(frozen=True)
class TextTable:
    title: str
    columns: list[str]
    rows: list[list[str]]

    def markdown(self) -> str:
        lines = [
            _md_row(self.columns),
            _md_row(["---:" if c in NUMERIC_COLUMNS else "---" for c in self.columns]),
            *(_md_row(row) for row in self.rows),
        ]
        return f"## {self.title}\n\n" + "\n".join(lines) + "\n"


NUMERIC_COLUMNS = {
    "#",
    "rank",
    "score",
    "mean score",
    "wins",
    "latency",
    "mean latency",
    "tokens in/out",
    "tokens",
    "cost",
    "errors",
    "size",
    "duration",
    "progress",
}


# Ids are copied from tables: a terminal too narrow squeezes other columns, never these.
ID_COLUMNS = {"#", "rank", "job", "video", "id"}


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """``text`` safe for a terminal: control characters (an ANSI escape in a prompt or an
    answer could rewrite the screen) shown as ``\\x1b``; line breaks and tabs kept."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m[0]):02x}", text)


def _md_row(cells: list[str]) -> str:
    escaped = (
        printable(c.replace("\r\n", "\n")).replace("|", "\\|").replace("\n", "<br>") for c in cells
    )
    return "| " + " | ".join(escaped) + " |"


def results_table(result: JobResult) -> TextTable:
    """One row per combination and model: score, latency, tokens, cost, error."""
    columns = [
        "#",
        "video",
        "prompt",
        "model",
        "score",
        "latency",
        "tokens in/out",
        "cost",
        "error",
    ]
    rows = [
        [
            str(r.combination),
            r.video_id,
            r.prompt,
            r.model_name,
            score_text(r.score),
            ms_text(r.latency_ms),
            f"{r.input_tokens:,}/{r.output_tokens:,}",
            cost_text(r.cost_usd),
            r.error
            or ("truncated at the output token limit (MAX_TOKENS)" if r.truncated else NONE),
        ]
        for r in result_rows(result)
    ]
    done = f"{result.completed_combinations}/{result.total_combinations}"
    return TextTable(f"Results ({done} combinations)", columns, rows)


def leaderboard_table(result: JobResult) -> TextTable:
    columns = ["rank", "model", "mean score", "wins", "mean latency", "tokens", "cost", "errors"]
    rows = [
        [
            str(e.rank),
            e.model_name,
            NONE if e.mean_score is None else f"{e.mean_score:.2f}",
            f"{e.wins:g}",
            ms_text(e.mean_latency_ms),
            f"{e.total_tokens:,}",
            cost_text(e.estimated_cost_usd, e.unpriced_calls),
            str(e.errors),
        ]
        for e in result.leaderboard
    ]
    return TextTable("Leaderboard", columns, rows)


def summaries_table(result: JobResult) -> TextTable:
    """The judge's overall summary of each combination (and its error, if it failed)."""
    rows = [
        [str(c.index + 1), c.video_id, c.prompt, c.judge_error or c.overall_summary or NONE]
        for c in result.comparisons
    ]
    return TextTable(
        f"Judge ({result.judge.judge_model})", ["#", "video", "prompt", "summary"], rows
    )


def result_heading(result: JobResult) -> str:
    done = f"{result.completed_combinations}/{result.total_combinations}"
    parts = [
        f"job {result.job_id}",
        result.status.value if result.complete else f"{result.status.value} (partial)",
        f"{done} combinations ({result.total_videos} videos × {result.total_prompts} prompts)",
        f"{result.total_tokens:,} tokens",
        cost_text(result.estimated_cost_usd, result.unpriced_calls),
    ]
    return " · ".join(parts)


def to_markdown(result: JobResult) -> str:
    """A heading, the leaderboard, every (combination, model) and the judge's summaries."""
    tables = (leaderboard_table(result), results_table(result), summaries_table(result))
    return f"# {result_heading(result)}\n\n" + "\n".join(t.markdown() for t in tables)


def jobs_table(jobs: list[JobView]) -> TextTable:
    columns = ["job", "status", "progress", "message", "combinations", "models", "created"]
    rows = [
        [
            j.job_id,
            j.status.value,
            f"{j.progress:.0f}%",
            j.progress_message,
            f"{j.completed_combinations}/{j.total_combinations}",
            ", ".join(j.models),
            time_text(j.created_at),
        ]
        for j in jobs
    ]
    return TextTable("Jobs", columns, rows)


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
    return TextTable("Videos", columns, rows)


def job_fields(job: JobView) -> list[tuple[str, str]]:
    """``vidcompare status``: one (label, value) a line."""
    fields = [
        ("job", job.job_id),
        ("status", job.status.value),
        ("progress", f"{job.progress:.1f}%  {job.progress_message}"),
        (
            "combinations",
            f"{job.completed_combinations}/{job.total_combinations} "
            f"({job.total_videos} videos × {job.total_prompts} prompts)",
        ),
        ("models", ", ".join(job.models)),
        ("judge", job.judge_model),
        ("concurrency", str(job.concurrency)),
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
    )
    return TextTable(title, columns, rows)


def plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'s' * (count != 1)}"
