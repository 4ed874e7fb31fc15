"""``vidcompare leaderboard``: models ranked across your jobs, with confidence intervals."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import typer

from vidcompare.cli.options import KeyOption, OutputOption, UrlOption
from vidcompare.cli.render import console, emit, print_table
from vidcompare.cli.session import session
from vidcompare.reports import standings


class BoardFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    md = "md"


class Grouping(StrEnum):
    model = "model"
    prompt = "prompt"
    prompt_tag = "prompt_tag"


def _many(help_text: str, *names: str) -> Any:
    return typer.Option(*names, help=help_text, show_default=False)


def leaderboard(
    job: Annotated[
        list[str] | None, _many("Only this job (id or prefix; repeat).", "--job")
    ] = None,
    model: Annotated[list[str] | None, _many("Only this model (repeat).", "--model", "-m")] = None,
    video: Annotated[
        list[str] | None, _many("Only this video id (repeat).", "--video", "-v")
    ] = None,
    prompt: Annotated[
        list[str] | None, _many("Only this prompt, exactly (repeat).", "--prompt", "-p")
    ] = None,
    prompt_tag: Annotated[
        list[str] | None, _many("Only prompts with this tag (repeat).", "--prompt-tag")
    ] = None,
    tag: Annotated[
        list[str] | None, _many("Only jobs with this tag (repeat).", "--tag", "-t")
    ] = None,
    judge: Annotated[list[str] | None, _many("Only jobs this judge scored.", "--judge")] = None,
    since: Annotated[
        str | None, _many("Jobs created from this ISO date or time.", "--since")
    ] = None,
    until: Annotated[
        str | None, _many("Jobs created until this date (included) or time.", "--until")
    ] = None,
    by: Annotated[
        Grouping,
        typer.Option(
            "--by",
            help="model: rank the models; prompt or prompt_tag: also each prompt's (or tag's) "
            "mean score per model, and each model's best prompt (a prompt A/B test).",
        ),
    ] = Grouping.model,
    fmt: Annotated[
        BoardFormat,
        typer.Option("--format", "-f", help="table, csv, json (the API's answer) or md."),
    ] = BoardFormat.table,
    output: OutputOption = None,
    url: UrlOption = None,
    api_key: KeyOption = None,
) -> None:
    """Rank the models over all your jobs' comparisons (or the ones the filters keep).

    Per model: a Bradley–Terry rating from the pairwise outcomes within each combination
    (who scored higher; ties count half), its mean score, both with 95 % bootstrap
    confidence intervals; the win rate, latency, cost per 100 answers and errors. A model
    marked `*` was never compared with the others, directly or through a third model.

    Examples:

    * `vidcompare leaderboard --tag library-2026`
    * `vidcompare leaderboard --by prompt_tag --job 3f9a1c --format md -o ab.md`
    """
    if output is not None and fmt is BoardFormat.table:
        raise typer.BadParameter("--output needs a file format, not table", param_hint="--output")
    filters = {
        "job": job, "model": model, "video": video, "prompt": prompt,
        "prompt_tag": prompt_tag, "tag": tag, "judge": judge, "since": since, "until": until,
    }  # fmt: skip
    with session(url, api_key) as client:
        board = client.leaderboard(
            **{k: v for k, v in filters.items() if v},
            by=by.value,  # type: ignore[arg-type]
        )
    if fmt is BoardFormat.json:
        emit(board.model_dump_json(indent=2) + "\n", output)
    elif fmt is BoardFormat.csv:
        emit(standings.to_csv(board), output)
    elif fmt is BoardFormat.md:
        emit(standings.to_markdown(board), output)
    elif not board.models:
        console.print("No scored comparisons match: run a batch, or loosen the filters.")
    else:
        for table in standings.tables(board):
            print_table(table)
        if any(not m.connected for m in board.models):
            console.print("* never compared with the others: its rating stands apart.")
