"""A result as one self-contained HTML page a person can mail, print or open on a phone.

Inline CSS only: no script, no external file, no font or image to fetch. Every value from
the job (prompts, answers, names, a judge's words) goes through :func:`html.escape`, so an
answer that says ``<script>`` shows those characters. On a phone (media queries, still no
script) the tables drop their less useful columns and the score table folds the video into
the prompt's cell, so that nothing scrolls sideways; video ids wrap at their - and _.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from html import escape

from vidcompare.reports.cells import NONE, cost_text, ms_text, plural, score_text, time_text
from vidcompare.reports.rows import answer_text, model_ids
from vidcompare.schemas import Comparison, Evaluation, JobResult, JobView, ModelResult

STYLE = """
:root { color-scheme: light; --line: #d0d5dd; --muted: #475467; --ink: #101828; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--ink); margin: 0 auto; padding: 1rem; max-width: 80rem; }
h1 { font-size: 1.5rem; margin: 0 0 .5rem; overflow-wrap: anywhere; }
h2 { font-size: 1.2rem; margin: 2rem 0 .5rem; }
h3 { font-size: 1.05rem; margin: 0 0 .25rem; overflow-wrap: anywhere; }
.meta { display: flex; flex-wrap: wrap; gap: .25rem 1.5rem; margin: 0; color: var(--muted); }
.meta div { display: flex; gap: .4rem; }
.meta dt { font-weight: 600; }
.meta dd { margin: 0; overflow-wrap: anywhere; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid var(--line); padding: .3rem .5rem; text-align: left;
  vertical-align: top; }
th { background: #f2f4f7; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
.vid { overflow-wrap: break-word; }
.cell-video { display: none; font-weight: 600; }
.clip { display: -webkit-box; -webkit-box-orient: vertical; -webkit-line-clamp: 3;
  line-clamp: 3; overflow: hidden; min-width: 10rem; }
.score { display: inline-block; min-width: 2.2em; padding: 0 .35em; border-radius: .3em;
  text-align: center; font-weight: 700; font-variant-numeric: tabular-nums;
  -webkit-print-color-adjust: exact; print-color-adjust: exact; }
.s-high { background: #d1fadf; color: #054f31; }
.s-mid { background: #fef0c7; color: #7a2e0e; }
.s-low { background: #fee4e2; color: #7a271a; }
.s-none { background: #f2f4f7; color: var(--muted); }
.combo { border-top: 2px solid var(--line); padding: 1rem 0; break-inside: avoid-page; }
.prompt { margin: 0 0 .75rem; font-style: italic; white-space: pre-wrap; }
.answers { display: grid; gap: .75rem;
  grid-template-columns: repeat(auto-fit, minmax(min(100%, 18rem), 1fr)); }
.answer { border: 1px solid var(--line); border-radius: .5rem; padding: .6rem .75rem;
  break-inside: avoid; min-width: 0; }
.answer h4 { margin: 0 0 .4rem; display: flex; justify-content: space-between; gap: .5rem; }
.response, .reasoning, .summary { white-space: pre-wrap; overflow-wrap: anywhere; }
.response { margin: 0 0 .5rem; }
.reasoning { color: var(--muted); margin: .25rem 0; }
.error { color: #b42318; white-space: pre-wrap; overflow-wrap: anywhere; }
.answer ul { margin: .2rem 0 .4rem; padding-left: 1.2rem; }
.label { font-weight: 600; }
.summary { background: #f9fafb; border-left: 3px solid var(--line); padding: .4rem .6rem;
  margin: .75rem 0 0; }
footer { margin-top: 2rem; color: var(--muted); font-size: .85rem; }
@media (max-width: 40rem) { body { padding: .6rem; } table { font-size: .85rem; }
  th, td { padding: .25rem .35rem; }
  .wide { display: none; }
  .cell-video { display: block; }
  .scores { font-size: .8rem; } .scores th, .scores td { padding: .25rem .2rem; }
  .clip { min-width: 6.5rem; } }
@media print { body { max-width: none; font-size: 11pt; } .scroll { overflow: visible; }
  .clip { display: block; } .wide { display: table-cell; } .cell-video { display: none; } }
"""


def score_class(score: float | None) -> str:
    """Green from 7, amber from 4, red below (the judge scores 1 to 10)."""
    if score is None:
        return "s-none"
    return "s-high" if score >= 7 else "s-mid" if score >= 4 else "s-low"


def score_badge(score: float | None) -> str:
    return f'<span class="score {score_class(score)}">{escape(score_text(score))}</span>'


# The classes of a column's cells: "num" right-aligns; "wide" hides it on a phone.
NUM, WIDE = "num", "wide"


def _cells(values: Iterable[str], classes: list[str], tag: str = "td") -> str:
    return "".join(
        f'<{tag} class="{kind}">{value}</{tag}>' if kind else f"<{tag}>{value}</{tag}>"
        for value, kind in zip(values, classes, strict=True)
    )


def _table(head: list[str], rows: list[list[str]], classes: list[str], name: str = "") -> str:
    """Cells are HTML already escaped by the caller; classes: each column's."""
    body = "".join(f"<tr>{_cells(row, classes)}</tr>" for row in rows)
    table = f'<table class="{name}">' if name else "<table>"
    return (
        f'<div class="scroll">{table}<thead><tr>'
        f"{_cells((escape(h) for h in head), classes, 'th')}</tr></thead>"
        f"<tbody>{body}</tbody></table></div>"
    )


def report_date(result: JobResult, job: JobView | None) -> dt.datetime | None:
    """When the job finished (or was made); without the job, its latest combination."""
    if job is not None:
        return job.finished_at or job.created_at
    done = [c.completed_at for c in result.comparisons if c.completed_at]
    return max(done) if done else None


def video_label(video_id: str, filenames: Mapping[str, str]) -> str:
    filename = filenames.get(video_id)
    return f"{filename} ({video_id})" if filename else video_id


def breakable(text: str) -> str:
    """``text`` escaped, free to wrap after each - and _ (an id breaks there, not mid-word;
    a browser will not always break after a hyphen before a digit)."""
    return escape(text).replace("-", "-<wbr>").replace("_", "_<wbr>")


def heading(result: JobResult, job: JobView | None) -> str:
    name = job.name.strip() if job else ""
    status = result.status.value if result.complete else f"{result.status.value} (partial)"
    fields = [
        ("job", result.job_id),
        ("status", status),
        ("date", time_text(report_date(result, job))),
        (
            "combinations",
            f"{result.completed_combinations}/{result.total_combinations} "
            f"({plural(result.total_videos, 'video')} × {plural(result.total_prompts, 'prompt')})",
        ),
        ("judge", result.judge.judge_model),
        ("tokens", f"{result.total_tokens:,}"),
        ("cost", cost_text(result.estimated_cost_usd, result.unpriced_calls)),
    ]
    meta = "".join(f"<div><dt>{escape(k)}</dt><dd>{escape(v)}</dd></div>" for k, v in fields)
    title = name or f"Job {result.job_id}"
    return f'<header><h1>{escape(title)}</h1><dl class="meta">{meta}</dl></header>'


def leaderboard(result: JobResult) -> str:
    head = ["rank", "model", "mean score", "wins", "mean latency", "errors", "tokens", "cost"]
    rows = [
        [
            escape(str(e.rank)),
            escape(e.model_name),
            score_badge(None if e.mean_score is None else round(e.mean_score, 2)),
            escape(f"{e.wins:g}"),
            escape(ms_text(e.mean_latency_ms)),
            escape(str(e.errors)),
            escape(f"{e.total_tokens:,}"),
            escape(cost_text(e.estimated_cost_usd, e.unpriced_calls)),
        ]
        for e in result.leaderboard
    ]
    # On a phone: the model, its score, latency, errors and cost (the rank is the order).
    classes = [f"{NUM} {WIDE}", "", NUM, f"{NUM} {WIDE}", NUM, NUM, f"{NUM} {WIDE}", NUM]
    return "<section><h2>Leaderboard</h2>" + _table(head, rows, classes) + "</section>"


def model_names(result: JobResult) -> dict[str, str]:
    names = {a.model_id: a.model_name for c in result.comparisons for a in c.results}
    return {m: names[m] for m in model_ids(result)}


def score_table(result: JobResult, filenames: Mapping[str, str]) -> str:
    """Combination × model, each cell the score; the # links to the answers below."""
    names = model_names(result)
    head = ["#", "video", "prompt", *names.values()]
    rows = []
    for c in result.comparisons:
        scores = {e.model_id: e.score for e in c.evaluation}
        rows.append(
            [
                f'<a href="#c{c.index + 1}">{c.index + 1}</a>',
                breakable(video_label(c.video_id, filenames)),
                # On a phone the video column folds into this one (the same words, shown
                # in one place at a time). Three lines at most of the prompt here: the
                # whole prompt heads its answers below.
                f'<span class="cell-video vid">{breakable(video_label(c.video_id, filenames))}'
                f'</span><span class="clip" title="{escape(c.prompt)}">{escape(c.prompt)}</span>',
                *(score_badge(scores.get(m)) for m in names),
            ]
        )
    classes = [NUM, f"vid {WIDE}", "", *(NUM for _ in names)]
    return "<section><h2>Scores</h2>" + _table(head, rows, classes, "scores") + "</section>"


def _list(label: str, items: list[str]) -> str:
    if not items:
        return ""
    entries = "".join(f"<li>{escape(item)}</li>" for item in items)
    return f'<div><span class="label">{escape(label)}</span><ul>{entries}</ul></div>'


def answer_card(answer: ModelResult, evaluation: Evaluation | None) -> str:
    score = evaluation.score if evaluation else None
    parts = [f"<h4><span>{escape(answer.model_name)}</span>{score_badge(score)}</h4>"]
    if answer.response:
        parts.append(f'<p class="response">{escape(answer.response)}</p>')
    if answer.error:
        parts.append(f'<p class="error">{escape(answer_text(None, answer.error))}</p>')
    if answer.truncated:
        parts.append('<p class="error">truncated at the output token limit</p>')
    if evaluation is not None:
        if evaluation.reasoning:
            parts.append(
                '<p class="reasoning"><span class="label">Judge:</span> '
                f"{escape(evaluation.reasoning)}</p>"
            )
        parts.append(_list("Strengths", evaluation.strengths))
        parts.append(_list("Weaknesses", evaluation.weaknesses))
    parts.append(f'<p class="reasoning">{escape(ms_text(answer.latency_ms))}</p>')
    return '<div class="answer">' + "".join(parts) + "</div>"


def combination(c: Comparison, filenames: Mapping[str, str]) -> str:
    evaluations = {e.model_id: e for e in c.evaluation}
    cards = "".join(answer_card(a, evaluations.get(a.model_id)) for a in c.results)
    summary = f"judge error: {c.judge_error}" if c.judge_error else c.overall_summary or NONE
    return (
        f'<article class="combo" id="c{c.index + 1}">'
        f"<h3>{c.index + 1} · {breakable(video_label(c.video_id, filenames))}</h3>"
        f'<p class="prompt">{escape(c.prompt)}</p>'
        f'<div class="answers">{cards}</div>'
        f'<p class="summary"><span class="label">Summary:</span> {escape(summary)}</p>'
        "</article>"
    )


def to_html(
    result: JobResult, filenames: Mapping[str, str] | None = None, job: JobView | None = None
) -> str:
    """The whole report: heading, leaderboard, score table, then each combination's
    answers side by side (one column on a phone) with the judge's words."""
    names = filenames or {}
    title = (job.name.strip() if job else "") or f"job {result.job_id}"
    combos = "".join(combination(c, names) for c in result.comparisons)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>vidcompare · {escape(title)}</title>"
        f"<style>{STYLE}</style></head><body>"
        f"{heading(result, job)}"
        f"{leaderboard(result)}"
        f"{score_table(result, names)}"
        f"<section><h2>Answers</h2>{combos}</section>"
        "<footer>Made by vidcompare.</footer>"
        "</body></html>\n"
    )
