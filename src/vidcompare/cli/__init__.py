"""The ``vidcompare`` command: run the local stack and the demo, and drive a deployment.

Every API command talks to ``--url`` (or ``VIDCOMPARE_URL``), else to the local stack
recorded in ``~/.local/state/vidcompare/stack.json`` by ``vidcompare up``, else http://127.0.0.1:8000;
``--api-key`` (or ``VIDCOMPARE_API_KEY``) when auth is on. A refusal prints the server's
error (code, message, details) on stderr and exits 1.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from vidcompare import auth
from vidcompare.cli import report
from vidcompare.client import APIError, Client, Unreachable
from vidcompare.devstack import control, emulators, processes, snapshots
from vidcompare.devstack.stack import (
    Stack,
    StackError,
    default_state_dir,
    free_port,
    port_is_free,
    reset_data,
    running_info,
)
from vidcompare.schemas import JobResult, JobStatus, JobView, JudgeInfo, ModelCatalog, ModelInfo

app = typer.Typer(
    help="Compare video-understanding models in batches: N videos × M prompts × up to 4 "
    "models, scored by a judge, run in the background.",
    epilog="Start with `vidcompare demo`, or `vidcompare up` and then upload, batch, result.",
    no_args_is_help=True,
    rich_markup_mode="markdown",
    pretty_exceptions_show_locals=False,  # locals would show API keys
)
# Piped into a file or another program, a table keeps its natural width (up to 160
# columns) instead of a terminal's default 80, which breaks words letter by letter.
PIPED_WIDTH = None if sys.stdout.isatty() or "COLUMNS" in os.environ else 160
console = Console(soft_wrap=True, width=PIPED_WIDTH)
errors = Console(stderr=True, soft_wrap=True)

DEMO_PROMPTS = [
    "Describe what happens in this video, with timestamps.",
    "When are the scene cuts, and which colours dominate each scene?",
]
DEMO_MODELS = ["local-scenes", "local-motion-colour"]


class ResultFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    md = "md"


UrlOption = Annotated[
    str | None,
    typer.Option(
        "--url",
        envvar="VIDCOMPARE_URL",
        help="Base URL of the API. Default: the running local stack (`vidcompare up`).",
        show_default=False,
    ),
]
KeyOption = Annotated[
    str | None,
    typer.Option(
        "--api-key",
        envvar="VIDCOMPARE_API_KEY",
        help="API key, when auth is on.",
        show_default=False,
    ),
]
StateOption = Annotated[
    Path | None,
    typer.Option(
        "--state-dir",
        help="Where the local stack records itself [default: $VIDCOMPARE_STATE_DIR, else "
        "~/.local/state/vidcompare].",
        show_default=False,
    ),
]


def _state(state_dir: Path | None) -> Path:
    return Path(state_dir) if state_dir else default_state_dir()


FormatOption = Annotated[
    ResultFormat,
    typer.Option(
        "--format",
        "-f",
        help="table (for people), json (the API's answer), csv (one row per combination "
        "and model, for spreadsheets) or md (Markdown tables).",
    ),
]
OutputOption = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="Write the result to this file instead of stdout."),
]


def _fail(message: str) -> typer.Exit:
    errors.print(Text.assemble(("error:", "bold red"), " ", message))
    return typer.Exit(code=1)


def _api_failure(exc: APIError) -> typer.Exit:
    """The server's refusal as people read it: code (status), message, then each detail."""
    lines = [f"{exc.code} ({exc.status}): {exc.message}" if exc.status else exc.message]
    for detail in exc.details:
        if isinstance(detail, dict) and "message" in detail:
            where = detail.get("field") or detail.get("location") or ""
            detail = f"{where}: {detail['message']}" if where else detail["message"]
        if str(detail) not in exc.message:  # our server's message already names each field
            lines.append(f"  - {detail}")
    if isinstance(exc, Unreachable):
        lines.append(
            "  is the stack up? Start it with `vidcompare up`, or pass --url / set VIDCOMPARE_URL."
        )
    return _fail("\n".join(lines))


@contextmanager
def _session(url: str | None, api_key: str | None) -> Iterator[Client]:
    """A client of the chosen deployment; an APIError inside becomes message + exit 1."""
    if url is None and (local := running_info(default_state_dir())) is not None:
        url = local.base_url
    with Client(url, api_key=api_key) as client:
        try:
            yield client
        except APIError as exc:
            raise _api_failure(exc) from None


def _print_table(table: report.TextTable) -> None:
    shown = Table(title=table.title, title_justify="left", title_style="bold")
    for position, column in enumerate(table.columns):
        justify = "right" if column in report.NUMERIC_COLUMNS else "left"
        if column in report.ID_COLUMNS:
            # An id is what one copies into the next command: never cut, never wrapped.
            widest = max([len(column)] + [len(row[position]) for row in table.rows])
            shown.add_column(column, justify=justify, no_wrap=True, min_width=widest)
        else:
            # Long words fold onto the next line instead of ending in "…": nothing is hidden.
            shown.add_column(column, justify=justify, overflow="fold")
    for row in table.rows:
        # Cells are data: never rich markup, never terminal control sequences.
        shown.add_row(*(Text(report.printable(cell)) for cell in row))
    console.print(shown)


def _emit(text: str, output: Path | None) -> None:
    if output is None:
        typer.echo(text, nl=not text.endswith("\n"))
    else:
        output.write_text(text, encoding="utf-8", newline="")
        errors.print(f"wrote {output}")


def _check_output(fmt: ResultFormat, output: Path | None) -> None:
    if output is not None and fmt is ResultFormat.table:
        raise typer.BadParameter("--output needs --format json, csv or md", param_hint="--output")


def show_result(result: JobResult, fmt: ResultFormat, output: Path | None = None) -> None:
    """A result in the chosen format (table: on the console; the others: text)."""
    if fmt is ResultFormat.table:
        console.print(
            report.printable(report.result_heading(result)), markup=False, highlight=False
        )
        for table in (
            report.results_table(result),
            report.summaries_table(result),
            report.leaderboard_table(result),
        ):
            _print_table(table)
        return
    render = {
        ResultFormat.json: report.to_json,
        ResultFormat.csv: report.to_csv,
        ResultFormat.md: report.to_markdown,
    }[fmt]
    _emit(render(result), output)


def follow(client: Client, job_id: str, *, poll_seconds: float) -> JobView:
    """Wait for a job: a live bar (percent, message, ETA) on a terminal, else a line a change."""
    if not console.is_terminal:
        seen: list[str] = []

        def log(job: JobView) -> None:
            line = report.progress_line(job)
            if line not in seen[-1:]:
                seen.append(line)
                console.print(line, markup=False, highlight=False)

        return client.wait(job_id, poll_seconds=poll_seconds, on_progress=log)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[eta]}"),
    )
    with Progress(*columns, console=console) as progress:
        task = progress.add_task("Queued", total=100, eta="")

        def show(job: JobView) -> None:
            progress.update(
                task,
                completed=job.progress,
                description=job.progress_message,
                eta=report.eta_text(job),
                refresh=True,
            )

        return client.wait(job_id, poll_seconds=poll_seconds, on_progress=show)


def read_pairs(path: Path) -> list[dict[str, str]]:
    """``{video_id, prompt}`` pairs from a JSON file (a list, or ``{"pairs": [...]}``) or a
    CSV file with a ``video_id,prompt`` header.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise typer.BadParameter(f"cannot read {path}: {exc.strerror}") from None
    if path.suffix.lower() == ".csv" or not text.lstrip().startswith(("[", "{")):
        items: Any = list(csv.DictReader(io.StringIO(text, newline="")))
    else:
        try:
            items = json.loads(text)
        except json.JSONDecodeError as exc:
            raise typer.BadParameter(f"{path} is not valid JSON: {exc}") from None
        if isinstance(items, dict) and "pairs" in items:
            items = items["pairs"]
    if not isinstance(items, list) or not items:
        raise typer.BadParameter(f"{path} holds no pairs; expected a list of {{video_id, prompt}}")
    pairs = []
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict) or not all(
            isinstance(item.get(k), str) and item[k].strip() for k in ("video_id", "prompt")
        ):
            raise typer.BadParameter(f"{path}: pair {number} needs a video_id and a prompt")
        pairs.append({"video_id": item["video_id"].strip(), "prompt": item["prompt"]})
    return pairs


# ------------------------------------------------------------------- local stack


@app.command()
def up(
    port: Annotated[
        int | None,
        typer.Option(help="Port of the local gateway [default: the last one used, else 8000]."),
    ] = None,
    state_dir: StateOption = None,
    with_auth: Annotated[
        bool,
        typer.Option(
            "--auth",
            help="Require an API key, as in production; the first time prints the key to use.",
        ),
    ] = False,
    fresh: Annotated[
        bool, typer.Option("--fresh", help="Start empty: forget every job, video and key.")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask before --fresh.")] = False,
) -> None:
    """Start the local stack (emulators, functions, gateway) and keep it running.

    A supervisor in the background restarts what dies and saves Firestore every few
    seconds; jobs, videos, results and keys survive `vidcompare down` / `up`, crashes and
    sleep, and unfinished jobs go on by themselves. On a half-dead stack, `up` repairs
    it. The other commands find it from any directory; stop it with `vidcompare down`.
    """
    state_dir = _state(state_dir)
    if fresh:
        _reset(state_dir, yes=yes)
    state = control.health(state_dir)
    if state.recorded and not state.up and state.supervisor:
        # Its supervisor may be restarting something right now: give it a moment.
        state = control.wait_until_up(state_dir, timeout=30)
    if state.up:
        running_port = int(state.info.base_url.rsplit(":", 1)[1])
        if port is not None and port != running_port:
            raise _fail(
                f"the stack is already up at {state.info.base_url}; to move it to port {port}: "
                f"vidcompare down && vidcompare up --port {port}"
            )
        if with_auth and not state.info.auth:
            raise _fail(
                f"the stack is already up at {state.info.base_url} without auth; for auth: "
                "vidcompare down && vidcompare up --auth"
            )
        auth_note = " (auth on)" if state.info.auth else ""
        console.print(f"already up at [bold]{state.info.base_url}[/]{auth_note}")
        return
    if state.recorded:
        down_now = sorted(
            name for name, up_or_down in state.components.items() if up_or_down == "down"
        )
        errors.print(
            f"the stack is not whole ({', '.join(down_now) or 'no supervisor'}): "
            "saving what it has and starting it again",
            markup=False,
        )
        control.shutdown(state_dir)
        # The repaired stack keeps its port and its auth unless told otherwise.
        port = port or int(state.info.base_url.rsplit(":", 1)[1])
        with_auth = with_auth or state.info.auth
    port = port or 8000
    env, key = control.auth_env(state_dir) if with_auth else ({}, None)
    try:
        with console.status("starting the emulators and functions..."):
            info = control.launch(state_dir, port=port, extra_env=env)
    except StackError as exc:
        raise _fail(str(exc)) from None
    restored = " (with its saved jobs and videos)" if state.saved_at else ""
    console.print(
        f"vidcompare is up at [bold]{info.base_url}[/]{restored} (logs: {state_dir}/logs)"
    )
    if with_auth:
        if key:
            console.print(
                f"auth is on; your key (owner {auth.LOCAL_OWNER!r}, an admin), shown once:"
            )
            typer.echo(f"export VIDCOMPARE_API_KEY={key}")
        else:
            console.print("auth is on; the key printed at the first `up --auth` still works")


def _reset(state_dir: Path | None, *, yes: bool) -> None:
    state_dir = _state(state_dir)
    if not yes and not typer.confirm(
        f"Forget every job, video, result and key of the local stack in {state_dir}?"
    ):
        raise _fail("nothing was reset")
    was_running = control.health(state_dir).recorded
    control.shutdown(state_dir)
    reset_data(state_dir)
    stopped = "stopped the local stack; " if was_running else ""
    console.print(f"{stopped}its data is gone (jobs, videos, results, keys)")


@app.command()
def emulator(
    name: Annotated[str, typer.Argument(help="firestore, pubsub or storage.")],
    port: Annotated[int | None, typer.Option(help="Port (default: a free one).")] = None,
    data_dir: Annotated[
        Path | None, typer.Option(help="Its data directory (default: the stack's).")
    ] = None,
    state_dir: StateOption = None,
) -> None:
    """Start one emulator alone, in the foreground, as `emulators/emulators.toml` defines
    it (Ctrl-C stops it); prints what a client needs to reach it."""
    definitions = emulators.load()
    if name not in definitions:
        raise _fail(f"unknown emulator {name!r}; known: {', '.join(definitions)}")
    chosen = definitions[name]
    try:
        chosen.check()
    except emulators.EmulatorMissing as exc:
        raise _fail(str(exc)) from None
    port = port or free_port()
    stack_data = _state(state_dir) / "data"
    data = (data_dir or stack_data / name).resolve()
    data.mkdir(parents=True, exist_ok=True)
    for variable, value in chosen.client(port=port).items():
        typer.echo(f"export {variable}={value}")
    # Firestore starts with the stack's last save (read only: it is not saved back).
    export = snapshots.latest_export(stack_data) if name == "firestore" else None
    if export:
        errors.print(f"importing the stack's last save: {export}", markup=False)
    argv = chosen.argv(port=port, project="vidcompare-local", data=data, export=export)
    env = os.environ | chosen.env(port=port, project="vidcompare-local", data=data)
    # gcloud puts itself and the emulator (bash, java) in a process group of their own,
    # which Ctrl-C at the terminal does not reach: give it one from the start, and end
    # that whole group ourselves however this command ends.
    child = subprocess.Popen(argv, env=env, start_new_session=True)
    started = processes.identity(child.pid)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    signal.signal(signal.SIGHUP, lambda *_: sys.exit(129))
    try:
        child.wait()
    except KeyboardInterrupt:
        pass
    finally:
        processes.stop([(child.pid, started)], grace=10.0)


@app.command()
def reset(
    state_dir: StateOption = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask first.")] = False,
) -> None:
    """Stop the local stack and forget all its data (jobs, videos, results, keys)."""
    _reset(state_dir, yes=yes)


ProjectOption = Annotated[str, typer.Option(help="Google Cloud project id.")]
RegionOption = Annotated[str, typer.Option(help="Region, e.g. europe-west1.")]
DryRunOption = Annotated[
    bool, typer.Option("--dry-run", help="Print every gcloud command; run none.")
]
NameOption = Annotated[str, typer.Option(help="Prefix of every resource name.")]


@app.command()
def deploy(
    project: ProjectOption,
    region: RegionOption,
    dry_run: DryRunOption = False,
    name: NameOption = "vidcompare",
    retention_days: Annotated[int, typer.Option(help="Days jobs and videos are kept.")] = 90,
) -> None:
    """Deploy to Google Cloud with gcloud (idempotent; see infra/README.md).

    Example: `GEMINI_API_KEY=… VIDCOMPARE_API_KEYS=alice=<sha256> vidcompare deploy
    --project my-project --region europe-west1`
    """
    from vidcompare.deploy import Target, prepare_deploy, run_script

    target = Target(project=project, region=region, name=name, retention_days=retention_days)
    _run_or_print(prepare_deploy(target), dry_run, run_script)


@app.command()
def teardown(
    project: ProjectOption,
    region: RegionOption,
    dry_run: DryRunOption = False,
    name: NameOption = "vidcompare",
    delete_data: Annotated[
        bool, typer.Option("--delete-data", help="Also the videos bucket and Firestore.")
    ] = False,
) -> None:
    """Remove what `vidcompare deploy` created (data only with --delete-data)."""
    from vidcompare.deploy import Target, run_script, teardown_script

    script = teardown_script(
        Target(project=project, region=region, name=name), delete_data=delete_data
    )
    _run_or_print(script, dry_run, run_script)


def _run_or_print(script: str, dry_run: bool, run_script) -> None:
    if dry_run:
        typer.echo(script, nl=False)
        return
    if shutil.which("gcloud") is None:
        raise _fail("gcloud is not installed: https://cloud.google.com/sdk/docs/install")
    if (status := run_script(script)) != 0:
        raise typer.Exit(status)


@app.command()
def down(state_dir: StateOption = None) -> None:
    """Save and stop the local stack started by `vidcompare up` (its data is kept)."""
    state_dir = _state(state_dir)
    if not control.shutdown(state_dir):
        raise _fail(f"no stack is recorded in {state_dir}; start one with `vidcompare up`")
    console.print("vidcompare stack stopped (its data is kept; `vidcompare up` brings it back)")


@app.command()
def demo(
    port: Annotated[int, typer.Option(help="Gateway port if the demo starts the stack.")] = 8000,
    out: Annotated[Path | None, typer.Option(help="Where to write the result JSON.")] = None,
    state_dir: StateOption = None,
) -> None:
    """Run 2 synthetic videos × 2 prompts × 2 offline models on the local stack.

    Uses the running stack, or starts one for the demo and stops it afterwards.
    No API key needed.
    """
    from vidcompare.testing.synth import demo_scenes, make_video

    started = time.perf_counter()
    state_dir = _state(state_dir)
    stack = None
    scratch = None
    info = running_info(state_dir)  # a stack of this state directory that answers
    try:
        if info is None:
            if not port_is_free(port):
                chosen = free_port()
                console.print(f"port {port} is taken; the demo's stack uses port {chosen}")
                port = chosen
            # A stack of its own, in a scratch directory: your stack's data is not touched.
            scratch = tempfile.TemporaryDirectory(prefix="vidcompare-demo-")
            stack = Stack(Path(scratch.name), gateway_port=port)
            with console.status("starting the local stack (emulators + functions)..."):
                info = stack.start()
            console.print(
                f"stack up at [bold]{info.base_url}[/] in {time.perf_counter() - started:.1f} s"
            )
        else:
            console.print(
                f"on your stack at [bold]{info.base_url}[/]: its 2 videos and job stay there"
            )
        demo_dir = state_dir / "demo"
        demo_dir.mkdir(parents=True, exist_ok=True)
        with _session(info.base_url, None) as client:
            video_ids = []
            for name, scenes in zip(("city-dusk", "ocean-day"), demo_scenes(), strict=True):
                path = demo_dir / f"{name}.mp4"
                make_video(path, scenes)
                video = client.upload(path)
                video_ids.append(video.video_id)
                console.print(
                    f"uploaded {path.name} → [cyan]{video.video_id}[/] "
                    f"({video.size_bytes:,} bytes, {video.duration_s:.1f} s)"
                )
            accepted = client.start_batch(video_ids, DEMO_PROMPTS, DEMO_MODELS)
            console.print(
                f"job [bold]{accepted.job_id}[/]: {accepted.total_combinations} combinations "
                f"running in the background"
            )
            job = follow(client, accepted.job_id, poll_seconds=0.3)
            result = client.result(accepted.job_id)
        show_result(result, ResultFormat.table)
        out = out or demo_dir / f"result-{accepted.job_id}.json"
        out.write_text(report.to_json(result))
        console.print(
            f"job {job.status.value}; result written to [bold]{out}[/]; "
            f"demo took {time.perf_counter() - started:.1f} s"
        )
    except StackError as exc:
        raise _fail(str(exc)) from None
    finally:
        if stack is not None:
            stack.stop(snapshot=False)
        if scratch is not None:
            scratch.cleanup()


@app.command("new-key")
def new_key(owner: Annotated[str, typer.Argument(help="Who the key is for, e.g. alice.")]) -> None:
    """Make an API key for OWNER. Give the key to its owner; configure only the hash.

    The hash goes into `VIDCOMPARE_API_KEYS` (`alice=<sha256>,bob=<sha256>`) of the
    deployment; the key is shown once.
    """
    from vidcompare.auth import new_key as make_key

    key, digest = make_key()
    console.print(f"API key for {owner} (shown once): [bold]{key}[/]")
    console.print(f"add to VIDCOMPARE_API_KEYS (comma-separated): {owner}={digest}")


# --------------------------------------------------------------- API commands


@app.command()
def upload(
    files: Annotated[
        list[Path],
        typer.Argument(help="Video files (mp4, mov, webm, …).", exists=True, dir_okay=False),
    ],
    url: UrlOption = None,
    api_key: KeyOption = None,
) -> None:
    """Upload video files (streamed); prints one `VIDEO_ID<TAB>FILE` line each.

    Example: `vidcompare upload clip1.mp4 clip2.mp4`
    """
    with _session(url, api_key) as client:
        for path in files:
            video = client.upload(path)
            typer.echo(f"{video.video_id}\t{path}")


@app.command()
def videos(
    url: UrlOption = None,
    api_key: KeyOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="The API's JSON answer.")] = False,
) -> None:
    """List your uploaded videos: id, file, size, duration, resolution, audio."""
    with _session(url, api_key) as client:
        found = client.videos()
    if as_json:
        typer.echo(json.dumps([v.model_dump(mode="json") for v in found], indent=2))
    else:
        _print_table(report.videos_table(found))


def _status(item: ModelInfo | JudgeInfo) -> str:
    """ "offline", "current", or "deprecated, shutdown 2027-05-07, use gemini-3.5-flash-lite"."""
    if item.offline:
        return "offline"
    if not item.deprecated:
        return "current"
    said = ["deprecated"]
    if item.shutdown_date:
        said.append(f"shutdown {item.shutdown_date.isoformat()}")
    if item.successor:
        said.append(f"use {item.successor}")
    return ", ".join(said)


def _usd(per_million: float) -> str:
    """$0.75, $1.50, $0.075: cents always, a tenth of a cent when there is one."""
    text = f"{per_million:.3f}"
    return "$" + (text[:-1] if text.endswith("0") else text)


def _price(model: ModelInfo) -> str:
    if model.offline:
        return "free"
    if model.price is None:
        return "unknown"
    price = f"{_usd(model.price.input)} in / {_usd(model.price.output)} out"
    if model.price_until and model.next_price:
        later = f"{_usd(model.next_price.input)} / {_usd(model.next_price.output)}"
        price += f" until {model.price_until}, then {later}"
    return price


def models_tables(catalog: ModelCatalog) -> list[report.TextTable]:
    """``vidcompare models``: the models, then the judges, one row each."""
    models = [
        [m.model_id, m.display_name, m.provider, _status(m), _price(m)] for m in catalog.models
    ]
    judges = [[j.judge_id, j.display_name, j.provider, _status(j)] for j in catalog.judges]
    return [
        report.TextTable(
            "Models", ["id", "name", "provider", "status", "price per 1M tokens"], models
        ),
        report.TextTable("Judges", ["id", "name", "provider", "status"], judges),
    ]


def provider_lines(catalog: ModelCatalog) -> list[str]:
    """One line per provider with a live catalogue: where its list came from, or why not."""
    lines = []
    for status in catalog.providers:
        if not status.available:
            lines.append(f"{status.provider}: unavailable: {status.message}")
        elif status.source == "fallback":
            lines.append(
                f"{status.provider}: the shipped list (as of {status.fallback_as_of}): "
                f"{status.message}"
            )
        else:
            when = status.fetched_at.strftime("%Y-%m-%d %H:%M UTC") if status.fetched_at else "?"
            lines.append(f"{status.provider}: the {status.backend} catalogue, fetched {when}")
    return lines


@app.command()
def models(
    url: UrlOption = None,
    api_key: KeyOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="The API's JSON answer.")] = False,
) -> None:
    """List the models and judges a batch may name now: id (for `--model` / `--judge`),
    name, provider, status (offline, current, or deprecated with its shutdown date and
    replacement) and list price. Gemini models are the ones the server's key or project
    can use, from the live catalogue.

    Example: `vidcompare models --json`
    """
    with _session(url, api_key) as client:
        catalog = client.models()
    if as_json:
        typer.echo(catalog.model_dump_json(indent=2))
        return
    for table in models_tables(catalog):
        _print_table(table)
    for line in provider_lines(catalog):
        console.print(line, highlight=False, markup=False)
    gemini = f" ({catalog.gemini_judge} when a Gemini model runs)" if catalog.gemini_judge else ""
    console.print(
        f"default judge: {catalog.default_judge}{gemini} · at most {catalog.max_models} models "
        f"per batch · prices as of {catalog.prices_as_of}",
        highlight=False,
    )


@app.command()
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
        int | None,
        typer.Option(help="Combinations run in parallel (default 1).", show_default=False),
    ] = None,
    judge_swaps: Annotated[
        int | None,
        typer.Option(help="2: judge again with the answers reversed.", show_default=False),
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
    _check_output(fmt, output)
    spec: dict[str, Any] = {"models": model or []}
    if pairs is not None:
        spec["pairs"] = read_pairs(pairs)
    if video or prompt or pairs is None:
        spec |= {"video_ids": video or [], "prompts": prompt or []}
    options = {"judge_model": judge, "concurrency": concurrency, "judge_swaps": judge_swaps}
    spec |= {key: value for key, value in options.items() if value is not None}
    with _session(url, api_key) as client:
        if dry_run:
            estimate = client.estimate(**spec)
            if fmt is ResultFormat.json:
                _emit(report.to_json(estimate), output)
            else:
                _print_table(report.estimate_table(estimate))
                for warning in estimate.warnings:
                    errors.print(f"warning: {warning}", markup=False, highlight=False)
            return
        accepted = client.start_batch(**spec)
        for warning in accepted.warnings:
            errors.print(f"warning: {warning}", markup=False, highlight=False)
        if not wait:
            if fmt is ResultFormat.json:
                _emit(report.to_json(accepted), output)
                return
            console.print(
                f"job [bold]{accepted.job_id}[/] started: {accepted.total_combinations} "
                f"combinations × {len(accepted.models)} models, judge {accepted.judge_model}, "
                f"concurrency {accepted.concurrency}",
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
            job = follow(client, accepted.job_id, poll_seconds=poll)
        except KeyboardInterrupt:
            raise _fail(
                f"stopped following; job {accepted.job_id} runs on in the background "
                f"(vidcompare status {accepted.job_id}, vidcompare cancel {accepted.job_id})"
            ) from None
        answer = client.result(accepted.job_id)
    show_result(answer, fmt, output)
    if job.status is not JobStatus.completed:
        raise _fail(f"job {job.job_id} {job.status.value}: {job.error or job.progress_message}")


@app.command()
def status(
    job: Annotated[
        str | None,
        typer.Argument(help="The job id (`vidcompare jobs` lists them); none: the local stack."),
    ] = None,
    url: UrlOption = None,
    api_key: KeyOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="The API's JSON answer.")] = False,
    state_dir: StateOption = None,
) -> None:
    """Show a job's status, progress, ETA, tokens and cost; without a job, the local
    stack's: each component up or down, the supervisor, when data was last saved.

    Examples: `vidcompare status JOB --json`, `vidcompare status`
    """
    if job is None:
        _stack_status(_state(state_dir), as_json=as_json)
        return
    with _session(url, api_key) as client:
        view = client.job(job)
    if as_json:
        typer.echo(view.model_dump_json(indent=2, exclude={"result"}))
        return
    for label, value in report.job_fields(view):
        console.print(Text.assemble((f"{label:<13}", "bold"), report.printable(value)))


def _stack_status(state_dir: Path, *, as_json: bool) -> None:
    state = control.health(state_dir)
    saved = (
        time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(state.saved_at))
        if state.saved_at
        else None
    )
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "up": state.up,
                    "base_url": state.info.base_url if state.info else None,
                    "supervisor": state.supervisor,
                    "components": state.components,
                    "data_saved_at": saved,
                },
                indent=2,
            )
        )
    elif not state.recorded:
        console.print(
            f"no local stack is running ({state_dir}); data last saved: {saved or 'never'}"
        )
    else:
        rows = [[name, up_or_down] for name, up_or_down in state.components.items()]
        rows.append(["supervisor", "up" if state.supervisor else "down"])
        _print_table(
            report.TextTable(f"Local stack at {state.info.base_url}", ["component", "state"], rows)
        )
        console.print(f"data last saved: {saved or 'never'}", highlight=False)
    if not state.up:
        raise typer.Exit(1)


@app.command()
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
    as_json: Annotated[bool, typer.Option("--json", help="The API's JSON answer.")] = False,
) -> None:
    """List your jobs, newest first: status, progress, combinations, models.

    Example: `vidcompare jobs --status running --limit 5`
    """
    with _session(url, api_key) as client:
        found = client.jobs(
            status=status.value if status else None, limit=limit, page_token=page_token
        )
    if as_json:
        typer.echo(found.model_dump_json(indent=2))
        return
    _print_table(report.jobs_table(found.jobs))
    if found.next_page_token:
        console.print(f"more: --page-token {found.next_page_token}", highlight=False)


@app.command()
def result(
    job: Annotated[str, typer.Argument(help="The job id (`vidcompare jobs` lists them).")],
    fmt: FormatOption = ResultFormat.table,
    output: OutputOption = None,
    url: UrlOption = None,
    api_key: KeyOption = None,
) -> None:
    """Print a job's result: every combination and model, the judge's summaries, the
    leaderboard (while the job runs: what is done so far).

    Examples:

    * `vidcompare result JOB`
    * `vidcompare result JOB --format csv -o result.csv` (one row per combination and model)
    * `vidcompare result JOB --format md > result.md`
    """
    _check_output(fmt, output)
    with _session(url, api_key) as client:
        answer = client.result(job)
    show_result(answer, fmt, output)


@app.command()
def cancel(
    job: Annotated[str, typer.Argument(help="The job id (`vidcompare jobs` lists them).")],
    url: UrlOption = None,
    api_key: KeyOption = None,
) -> None:
    """Cancel a pending or running job; it stops within one combination.

    Cancelling twice is fine; a finished job cannot be cancelled (exit 1).
    """
    with _session(url, api_key) as client:
        answer = client.cancel(job)
    running = (
        f" ({answer.still_running} running combination{'s' * (answer.still_running != 1)} "
        "may still be recorded)"
        if answer.still_running
        else ""
    )
    console.print(f"{answer.job_id}: {answer.status.value}{running}", highlight=False)


if __name__ == "__main__":
    app()
