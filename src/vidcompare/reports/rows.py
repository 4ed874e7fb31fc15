"""A result as rows: the long CSV (one row per combination and model) and the wide CSV
(one row per combination, the models side by side), both RFC 4180 with a header."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping

from pydantic import BaseModel

from vidcompare.schemas import Comparison, JobResult


class ResultRow(BaseModel):
    """One row of the long CSV: one model's answer in one combination."""

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


LONG_CSV_COLUMNS: list[str] = list(ResultRow.model_fields)


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


def to_csv_long(result: JobResult) -> str:
    """One row per combination and model under :data:`LONG_CSV_COLUMNS`."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=LONG_CSV_COLUMNS)
    writer.writeheader()
    for row in result_rows(result):
        cost = "" if row.cost_usd is None else f"{row.cost_usd:.8f}"  # unknown: empty
        writer.writerow(row.model_dump() | {"cost_usd": cost})
    return out.getvalue()


def model_ids(result: JobResult) -> list[str]:
    """The result's models in the request's order (as its combinations list them)."""
    seen: dict[str, None] = {}
    for comparison in result.comparisons:
        seen |= {answer.model_id: None for answer in comparison.results}
    return list(seen)


def wide_columns(models: list[str]) -> list[str]:
    """``combination, video_id, prompt, score <m>…, answer/strengths/weaknesses <m>…,
    summary, filename`` (the export contract's order)."""
    per_model = [f"{field} {m}" for m in models for field in ("answer", "strengths", "weaknesses")]
    return [
        "combination",
        "video_id",
        "prompt",
        *(f"score {m}" for m in models),
        *per_model,
        "summary",
        "filename",
    ]


def answer_text(response: str | None, error: str | None) -> str:
    """What a model answered, or ``error: …`` when it gave no answer."""
    if response:
        return response
    return f"error: {error}" if error else ""


def wide_row(comparison: Comparison, models: list[str], filename: str) -> dict[str, str]:
    answers = {a.model_id: a for a in comparison.results}
    evaluations = {e.model_id: e for e in comparison.evaluation}
    row = {
        "combination": str(comparison.index + 1),
        "video_id": comparison.video_id,
        "prompt": comparison.prompt,
        "summary": (
            f"judge error: {comparison.judge_error}"
            if comparison.judge_error
            else comparison.overall_summary
        ),
        "filename": filename,
    }
    for m in models:
        answer, evaluation = answers.get(m), evaluations.get(m)
        score = evaluation.score if evaluation else None
        row[f"score {m}"] = "" if score is None else f"{score:g}"
        row[f"answer {m}"] = answer_text(answer.response, answer.error) if answer else ""
        # One strength a line: a spreadsheet shows them as a list in one cell.
        row[f"strengths {m}"] = "\n".join(evaluation.strengths) if evaluation else ""
        row[f"weaknesses {m}"] = "\n".join(evaluation.weaknesses) if evaluation else ""
    return row


def to_csv_wide(result: JobResult, filenames: Mapping[str, str] | None = None) -> str:
    """One row per combination under :func:`wide_columns`; ``filenames``: video id ->
    original file name (the result itself does not carry them; missing: empty)."""
    models = model_ids(result)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=wide_columns(models))
    writer.writeheader()
    for comparison in result.comparisons:
        filename = (filenames or {}).get(comparison.video_id, "")
        writer.writerow(wide_row(comparison, models, filename))
    return out.getvalue()
