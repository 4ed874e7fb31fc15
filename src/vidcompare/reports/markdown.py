"""A result as Markdown: a heading, the leaderboard, every (combination, model), the
judge's summaries (GitHub-flavoured tables; pipes escaped, line breaks as ``<br>``),
then each combination's answers one after the other with the judge's words.

Free text keeps its own Markdown (models answer in lists), but ``<``, ``>`` and ``&`` are
entities: an answer's HTML shows as text in every renderer.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

from vidcompare.reports.cells import ms_text, printable, score_text
from vidcompare.reports.rows import answer_text
from vidcompare.reports.tables import (
    leaderboard_table,
    result_heading,
    results_table,
    summaries_table,
)
from vidcompare.schemas import Comparison, Evaluation, JobResult, ModelResult


def text(value: str) -> str:
    return escape(printable(value.replace("\r\n", "\n")), quote=False)


def _items(label: str, items: list[str]) -> list[str]:
    if not items:
        return []
    return [f"- {label}:", *(f"  - {text(item)}".replace("\n", " ") for item in items)]


def answer_section(answer: ModelResult, evaluation: Evaluation | None) -> str:
    score = evaluation.score if evaluation else None
    lines = [
        f"#### {text(answer.model_name)} · score {score_text(score)} · "
        f"{ms_text(answer.latency_ms)}",
        "",
        text(answer_text(answer.response, answer.error)) or "(no answer)",
        "",
    ]
    if evaluation is not None:
        if evaluation.reasoning:
            lines.append(f"- Judge: {text(evaluation.reasoning)}".replace("\n", " "))
        lines += _items("Strengths", evaluation.strengths)
        lines += _items("Weaknesses", evaluation.weaknesses)
        lines.append("")
    return "\n".join(lines)


def combination_section(c: Comparison, filenames: Mapping[str, str]) -> str:
    filename = filenames.get(c.video_id)
    video = f"{filename} ({c.video_id})" if filename else c.video_id
    evaluations = {e.model_id: e for e in c.evaluation}
    summary = f"judge error: {c.judge_error}" if c.judge_error else c.overall_summary
    quoted = "\n".join(f"> {line}" for line in text(c.prompt).splitlines())
    answers = "\n".join(answer_section(a, evaluations.get(a.model_id)) for a in c.results)
    return (
        f"### {c.index + 1} · {text(video)}\n\n{quoted}\n\n{answers}\n"
        f"**Summary:** {text(summary) or '—'}\n"
    )


def to_markdown(result: JobResult, filenames: Mapping[str, str] | None = None) -> str:
    """``filenames``: video id -> original file name, named beside each combination."""
    tables = (leaderboard_table(result), results_table(result), summaries_table(result))
    sections = "\n".join(combination_section(c, filenames or {}) for c in result.comparisons)
    heading = printable(result_heading(result))
    return (
        f"# {heading}\n\n" + "\n".join(t.markdown() for t in tables) + f"\n## Answers\n\n{sections}"
    )
