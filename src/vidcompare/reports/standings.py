"""The leaderboard across jobs (:class:`vidcompare.ranking.Leaderboard`) as tables, CSV
and Markdown: what ``vidcompare leaderboard`` prints or writes."""

from __future__ import annotations

import csv
import io

from vidcompare.ranking import Leaderboard
from vidcompare.reports.cells import NONE, ms_text, plural
from vidcompare.reports.tables import TextTable


def _interval(value: float | None, ci: list[float] | tuple[float, float] | None, form: str) -> str:
    if value is None:
        return NONE
    if not ci:
        return format(value, form)
    return f"{value:{form}} [{ci[0]:{form}}, {ci[1]:{form}}]"


def _per_100(usd: float | None) -> str:
    if usd is None:
        return NONE
    return "$0" if usd == 0 else f"${usd:.4f}" if usd >= 0.01 else f"${usd:.2g}"


def models_table(board: Leaderboard) -> TextTable:
    columns = [
        "rank", "model", "rating [95% CI]", "mean score [95% CI]", "win rate", "combinations",
        "mean latency", "cost / 100", "errors",
    ]  # fmt: skip
    rows = [
        [
            str(m.rank),
            m.model_name + ("" if m.connected else " *"),
            _interval(m.rating, m.rating_ci, ".0f"),
            _interval(m.mean_score, m.mean_ci, ".2f"),
            NONE if m.win_rate is None else f"{m.win_rate:.0%}",
            f"{m.combinations:,}",
            ms_text(m.mean_latency_ms),
            _per_100(m.cost_per_100_usd),
            str(m.errors),
        ]
        for m in board.models
    ]
    title = (
        f"Leaderboard: {plural(board.comparisons, 'combination')} of {plural(board.jobs, 'job')}"
    )
    return TextTable(title, columns, rows, ("cost / 100", "mean latency", "errors", "win rate"))


def prompts_table(board: Leaderboard) -> TextTable:
    """With ``by`` prompt or tag: each prompt's mean score per model, and which wins."""
    best = {(w.model_id, w.prompt): w.clear for w in board.prompt_winners}
    names = {m.model_id: m.model_name for m in board.models}
    rows = []
    for prompt in board.by_prompt:
        for entry in prompt.models:
            clear = best.get((entry.model_id, prompt.prompt))
            rows.append(
                [
                    prompt.prompt,
                    names.get(entry.model_id, entry.model_id),
                    _interval(entry.mean_score, entry.mean_ci, ".2f"),
                    f"{entry.n:,}",
                    "" if clear is None else ("best" if clear else "best (not clear)"),
                ]
            )
    columns = ["prompt", "model", "mean score [95% CI]", "combinations", "winner"]
    return TextTable("By prompt", columns, rows)


def judges_table(board: Leaderboard) -> TextTable:
    rows = [
        [
            j.judge_model,
            f"{j.combinations:,}",
            f"{j.swapped:,}",
            NONE if j.position_consistency is None else f"{j.position_consistency:.0%}",
        ]
        for j in board.judges
    ]
    return TextTable("Judges", ["judge", "combinations", "swapped", "position consistency"], rows)


def tables(board: Leaderboard) -> list[TextTable]:
    shown = [models_table(board)]
    if board.by_prompt:
        shown.append(prompts_table(board))
    if board.judges:
        shown.append(judges_table(board))
    return shown


def to_csv(board: Leaderboard) -> str:
    """One row per model; with ``by`` prompt or tag, one row per prompt and model."""
    out = io.StringIO()
    if board.by_prompt:
        writer = csv.writer(out)
        writer.writerow(["prompt", "model_id", "mean_score", "ci_low", "ci_high", "n"])
        for prompt in board.by_prompt:
            for m in prompt.models:
                low, high = m.mean_ci or (None, None)
                writer.writerow([prompt.prompt, m.model_id, m.mean_score, low, high, m.n])
        return out.getvalue()
    fields = [
        "rank", "model_id", "model_name", "rating", "rating_low", "rating_high", "strength",
        "strength_low", "strength_high", "mean_score", "mean_low", "mean_high", "win_rate",
        "pairwise", "combinations", "mean_latency_ms", "cost_per_100_usd", "errors", "connected",
    ]  # fmt: skip
    writer = csv.DictWriter(out, fieldnames=fields)
    writer.writeheader()
    for m in board.models:
        rating, strength, mean = (
            m.rating_ci or [None] * 2,
            m.strength_ci or [None] * 2,
            m.mean_ci or [None] * 2,
        )
        writer.writerow(
            {
                "rank": m.rank, "model_id": m.model_id, "model_name": m.model_name,
                "rating": m.rating, "rating_low": rating[0], "rating_high": rating[1],
                "strength": m.strength, "strength_low": strength[0], "strength_high": strength[1],
                "mean_score": m.mean_score, "mean_low": mean[0], "mean_high": mean[1],
                "win_rate": m.win_rate, "pairwise": m.pairwise, "combinations": m.combinations,
                "mean_latency_ms": m.mean_latency_ms, "cost_per_100_usd": m.cost_per_100_usd,
                "errors": m.errors, "connected": m.connected,
            }
        )  # fmt: skip
    return out.getvalue()


def to_markdown(board: Leaderboard) -> str:
    parts = ["# Leaderboard across jobs", ""]
    for table in tables(board):
        parts += [table.markdown().rstrip("\n"), ""]
    if any(not m.connected for m in board.models):
        parts.append(
            "\\* never compared, directly or through other models, with the rest: its "
            "rating is not comparable to theirs."
        )
    return "\n".join(parts).rstrip() + "\n"
