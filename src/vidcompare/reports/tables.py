"""A result as titled tables of text cells: the leaderboard, every (combination, model),
the judge's summaries. The CLI prints them with rich; Markdown writes them as pipes."""

from __future__ import annotations

from dataclasses import dataclass

from vidcompare.reports.cells import NONE, cost_text, ms_text, printable, score_text
from vidcompare.reports.rows import result_rows
from vidcompare.schemas import JobResult

# Right-aligned (and never wrapped on a terminal): a number reads whole.
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
    "done",
    "combinations",
    "win rate",
    "cost / 100",
    "swapped",
    "rating [95% CI]",
    "mean score [95% CI]",
}


@dataclass(frozen=True)
class TextTable:
    """``optional``: columns a narrow screen may leave out, the least useful first."""

    title: str
    columns: list[str]
    rows: list[list[str]]
    optional: tuple[str, ...] = ()

    def without(self, dropped: set[str]) -> TextTable:
        keep = [i for i, column in enumerate(self.columns) if column not in dropped]
        return TextTable(
            self.title,
            [self.columns[i] for i in keep],
            [[row[i] for i in keep] for row in self.rows],
            tuple(c for c in self.optional if c not in dropped),
        )

    def markdown(self) -> str:
        lines = [
            _md_row(self.columns),
            _md_row(["---:" if c in NUMERIC_COLUMNS else "---" for c in self.columns]),
            *(_md_row(row) for row in self.rows),
        ]
        return f"## {_md_cell(self.title)}\n\n" + "\n".join(lines) + "\n"


def _md_cell(text: str) -> str:
    """A cell on one line: pipes escaped, line breaks as ``<br>``, no control characters."""
    return printable(text.replace("\r\n", "\n")).replace("|", "\\|").replace("\n", "<br>")


def _md_row(cells: list[str]) -> str:
    return "| " + " | ".join(_md_cell(c) for c in cells) + " |"


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
    return TextTable(
        f"Results ({done} combinations)", columns, rows, ("tokens in/out", "cost", "latency")
    )


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
    return TextTable("Leaderboard", columns, rows, ("tokens", "cost", "mean latency"))


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
