"""Jobs: start a ``batch`` (and follow it), its ``status``, the ``jobs`` list, a job's
``result``, ``cancel``."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.text import Text

from vidcompare import reports
from vidcompare.cli import report
from vidcompare.cli.options import (
    FormatOption,
    JsonOption,
    KeyOption,
    OutputOption,
    ResultFormat,
    StateOption,
    UrlOption,
    check_output,
    state_dir_or_default,
)
from vidcompare.cli.pairs import read_pairs
from vidcompare.cli.render import (
    console,
    emit,
    errors,
    follow,
    open_report,
    print_table,
    show_result,
)
from vidcompare.cli.session import fail, session
from vidcompare.cli.stack import show_stack_status
from vidcompare.client import Client
from vidcompare.reports.cells import printable
from vidcompare.schemas import JobResult, JobStatus, JobView

# Passed as typed: the server takes a unique prefix (6 or more characters) of an id.
JobArgument = Annotated[
    str,
    typer.Argument(help="The job id, or its first characters (`vidcompare jobs` lists them)."),
]
# The report formats that name each video's file (and, in HTML, the job's name and date).
NEEDS_CONTEXT = {ResultFormat.csv_wide, ResultFormat.md, ResultFormat.html}


def lanes_option(value: str | None) -> int | str | None:
    """``--concurrency``: a number of lanes, or ``auto`` (the server checks the range)."""
    if value is None or value.strip().lower() == "auto":
        return value and "auto"
    try:
        return int(value)
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is neither a number of lanes nor auto", param_hint="--concurrency"
        ) from None


def report_context(
    client: Client, job_id: str, fmt: ResultFormat, result: JobResult
) -> tuple[Mapping[str, str] | None, JobView | None]:
    """The video file names (those the job started with; today's for a job from before
    they were kept) and the job's view, for the formats that show them."""
    if fmt not in NEEDS_CONTEXT:
        return None, None
    filenames = result.video_names or {v.video_id: v.filename for v in client.videos()}
    return filenames, client.job(job_id)


def batch(
    video: Annotated[
        list[str] | None,
        typer.Option("--video", "-v", help="A video id (repeat for more).", show_default=False),
    ] = None,
    prompt: Annotated[
        list[str] | None,
        typer.Option("--prompt", "-p", help="A prompt (repeat for more).", show_default=False),
    ] = None,
    model: Annotated[
        list[str] | None,
        typer.Option(
            "--model",
            "-m",
            help="A model id (repeat, up to 4): local-scenes, local-motion-colour, or a "
            "Gemini model the server offers (`vidcompare models` lists them).",
            show_default=False,
        ),
    ] = None,
    pairs: Annotated[
        Path | None,
        typer.Option(
            help="JSON or CSV file of {video_id, prompt} pairs to run instead of videos × prompts.",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    judge: Annotated[
        str | None,
        typer.Option(
            "--judge",
            "-j",
            help="Judge model. Default: the server's Gemini judge with Gemini models (the "
            "newest current Flash model unless configured), else local-rubric.",
            show_default=False,
        ),
    ] = None,
    concurrency: Annotated[
        str | None,
        typer.Option(
            help="Combinations run in parallel (default 1), or auto: as many lanes as the "
            "models' shared quota allows (up to the server's cap of 8).",
            show_default=False,
        ),
    ] = None,
    judge_swaps: Annotated[
        int | None,
        typer.Option(help="2: judge again with the answers reversed.", show_default=False),
    ] = None,
    name: Annotated[
        str | None,
        typer.Option(
            "--name", "-n", help="What lists and reports call the job.", show_default=False
        ),
    ] = None,
    tag: Annotated[
        list[str] | None,
        typer.Option(
            "--tag",
            "-t",
            help="A label for the job (repeat for more): slice `vidcompare leaderboard` by it.",
            show_default=False,
        ),
    ] = None,
    prompt_tag: Annotated[
        list[str] | None,
        typer.Option(
            "--prompt-tag",
            help='A tag for each -p, in order (e.g. A and B for two variants of a prompt; "" '
            "for none): `vidcompare leaderboard --by prompt_tag` compares them.",
            show_default=False,
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Estimate calls, time and cost; start nothing.")
    ] = False,
    wait: Annotated[
        bool, typer.Option("--wait", "-w", help="Follow the progress, then print the result.")
    ] = False,
    poll: Annotated[float, typer.Option(help="Seconds between polls with --wait.")] = 2.0,
    fmt: FormatOption = ResultFormat.table,
    output: OutputOption = None,
    url: UrlOption = None,
    api_key: KeyOption = None,
) -> None:
    """Start a batch: every video × every prompt (or the --pairs) × every model.

    The batch runs in the background; with `--wait` a progress bar follows it (percent,
    `Processing combination k/N...`, ETA) and the result is printed at the end.

    Examples:

    * `vidcompare batch -v clip1-3f9a1c2b -p "How many cuts?" -m local-scenes --wait`
    * `vidcompare batch --pairs pairs.csv -m gemini-3.8-flash --judge gemini-3.8-flash --dry-run`
    * `vidcompare batch --pairs pairs.json -m local-scenes --wait --format csv -o result.csv`
    """
    check_output(fmt, output)
    for position, text in enumerate(prompt or [], start=1):
        if not text.strip():  # counted as people count the -p they typed
            raise fail(f"prompt {position} is empty")
    spec: dict[str, Any] = {"models": model or []}
    if pairs is not None:
        spec["pairs"] = read_pairs(pairs)
    if video or prompt or pairs is None:
        spec |= {"video_ids": video or [], "prompts": prompt or []}
    if prompt_tag:
        if len(prompt_tag) != len(prompt or []):
            raise fail(
                f"{len(prompt_tag)} --prompt-tag for {len(prompt or [])} -p: give one tag per "
                "prompt, in the same order"
            )
        pairs = zip(prompt or [], prompt_tag, strict=True)
        spec["prompt_tags"] = {text: tag for text, tag in pairs if tag.strip()}  # "": none
    options = {
        "judge_model": judge,
        "concurrency": lanes_option(concurrency),
        "judge_swaps": judge_swaps,
        "name": name,
        "tags": tag,
    }
    spec |= {key: value for key, value in options.items() if value is not None}
    with session(url, api_key) as client:
        if dry_run:
            estimate = client.estimate(**spec)
            if fmt is ResultFormat.json:
                emit(report.to_json(estimate), output)
            else:
                print_table(report.estimate_table(estimate))
                for warning in estimate.warnings:
                    errors.print(f"warning: {warning}", markup=False, highlight=False)
            return
        accepted = client.start_batch(**spec)
        for warning in accepted.warnings:
            errors.print(f"warning: {warning}", markup=False, highlight=False)
        if not wait:
            if fmt is ResultFormat.json:
                emit(report.to_json(accepted), output)
                return
            console.print(
                f"job [bold]{accepted.job_id}[/] started: {accepted.total_combinations} "
                f"combinations × {len(accepted.models)} models, judge {accepted.judge_model}, "
                f"concurrency {report.lanes_text(accepted)}",
                highlight=False,
            )
            console.print(
                f"follow it: vidcompare status {accepted.job_id} · "
                f"vidcompare result {accepted.job_id}",
                highlight=False,
            )
            return
        errors.print(f"job {accepted.job_id}: {accepted.total_combinations} combinations")
        try:
            # On stderr: stdout is the result alone, so `--format json | jq` works.
            job = follow(client, accepted.job_id, poll_seconds=poll, screen=errors)
        except KeyboardInterrupt:
            raise fail(
                f"stopped following; job {accepted.job_id} runs on in the background "
                f"(vidcompare status {accepted.job_id}, vidcompare cancel {accepted.job_id})"
            ) from None
        answer = client.result(accepted.job_id)
        filenames, view = report_context(client, accepted.job_id, fmt, answer)
    show_result(answer, fmt, output, filenames=filenames, job=view)
    if job.status is not JobStatus.completed:
        raise fail(f"job {job.job_id} {job.status.value}: {job.error or job.progress_message}")


def status(
    job: Annotated[
        str | None,
        typer.Argument(help="The job id (`vidcompare jobs` lists them); none: the local stack."),
    ] = None,
    url: UrlOption = None,
    api_key: KeyOption = None,
    as_json: JsonOption = False,
    state_dir: StateOption = None,
) -> None:
    """Show a job's status, progress, ETA, tokens and cost; without a job, the local
    stack's: each component up or down, the supervisor, when data was last saved.

    Examples: `vidcompare status JOB --json`, `vidcompare status`
    """
    if job is None:
        show_stack_status(state_dir_or_default(state_dir), as_json=as_json)
        return
    with session(url, api_key) as client:
        view = client.job(job)
    if as_json:
        typer.echo(view.model_dump_json(indent=2, exclude={"result"}))
        return
    for label, value in report.job_fields(view):
        console.print(Text.assemble((f"{label:<13}", "bold"), printable(value)))


def jobs(
    status: Annotated[
        JobStatus | None,
        typer.Option("--status", "-s", help="Only jobs in this state.", show_default=False),
    ] = None,
    limit: Annotated[int, typer.Option(help="How many jobs (1–100).")] = 20,
    page_token: Annotated[
        str | None,
        typer.Option(help="Continue a list (printed after a full page).", show_default=False),
    ] = None,
    url: UrlOption = None,
    api_key: KeyOption = None,
    as_json: JsonOption = False,
) -> None:
    """List your jobs, newest first: status, progress, combinations, models.

    Example: `vidcompare jobs --status running --limit 5`
    """
    with session(url, api_key) as client:
        found = client.jobs(
            status=status.value if status else None, limit=limit, page_token=page_token
        )
    if as_json:
        typer.echo(found.model_dump_json(indent=2))
        return
    print_table(report.jobs_table(found.jobs))
    if found.next_page_token:
        console.print(f"more: --page-token {found.next_page_token}", highlight=False)


def result(
    job: JobArgument,
    fmt: FormatOption = ResultFormat.table,
    output: OutputOption = None,
    open_it: Annotated[
        bool,
        typer.Option(
            "--open",
            help="Write the HTML report (to --output, else into the state directory's "
            "reports/) and open it in the browser.",
        ),
    ] = False,
    url: UrlOption = None,
    api_key: KeyOption = None,
) -> None:
    """Print a job's result: every combination and model, the judge's summaries, the
    leaderboard (while the job runs: what is done so far).

    Examples:

    * `vidcompare result JOB`
    * `vidcompare result JOB --format csv -o result.csv` (one row per combination and model)
    * `vidcompare result JOB --format md > result.md`
    * `vidcompare result JOB --open` (the HTML report in your browser)
    """
    check_output(ResultFormat.html if open_it else fmt, output)  # --open writes HTML
    if open_it and fmt not in (ResultFormat.table, ResultFormat.html):
        raise typer.BadParameter("--open writes the HTML report", param_hint="--format")
    if open_it:
        fmt = ResultFormat.html
    with session(url, api_key) as client:
        answer = client.result(job)
        filenames, view = report_context(client, job, fmt, answer)
    if open_it:
        default = reports.download_name(answer.job_id, view.name if view else "", "html")
        path = output or state_dir_or_default(None) / "reports" / default
        open_report(answer, path, filenames=filenames, job=view)
        return
    show_result(answer, fmt, output, filenames=filenames, job=view)


def cancel(job: JobArgument, url: UrlOption = None, api_key: KeyOption = None) -> None:
    """Cancel a pending or running job; it stops within one combination.

    Cancelling twice is fine; a finished job cannot be cancelled (exit 1).
    """
    with session(url, api_key) as client:
        answer = client.cancel(job)
    running = (
        f" ({answer.still_running} running combination{'s' * (answer.still_running != 1)} "
        "may still be recorded)"
        if answer.still_running
        else ""
    )
    console.print(f"{answer.job_id}: {answer.status.value}{running}", highlight=False)
