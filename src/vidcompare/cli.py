"""The ``vidcompare`` command: run the local stack, the demo, and talk to a deployment."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from vidcompare.client import APIError, Client
from vidcompare.schemas import JobResult, JobView
from vidcompare.stack import DEFAULT_STATE_DIR, Stack, StackError, load_info, running_info

app = typer.Typer(help="Compare video-understanding models in batches.", no_args_is_help=True)
console = Console()
T = TypeVar("T")

DEMO_PROMPTS = [
    "Describe what happens in this video, with timestamps.",
    "When are the scene cuts, and which colours dominate each scene?",
]
DEMO_MODELS = ["local-scenes", "local-motion-colour"]

UrlOption = Annotated[
    str | None,
    typer.Option("--url", envvar="VIDCOMPARE_URL", help="Base URL of the API."),
]
KeyOption = Annotated[
    str | None,
    typer.Option("--api-key", envvar="VIDCOMPARE_API_KEY", help="API key, if auth is on."),
]
StateOption = Annotated[
    Path, typer.Option("--state-dir", help="Where the local stack records itself.")
]


def _client(url: str | None, api_key: str | None) -> Client:
    return Client(url, api_key=api_key)


def _fail(message: str) -> typer.Exit:
    console.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code=1)


# ------------------------------------------------------------------- local stack


@app.command()
def up(
    port: Annotated[int, typer.Option(help="Port of the local gateway.")] = 8000,
    state_dir: StateOption = DEFAULT_STATE_DIR,
) -> None:
    """Start the local stack (emulators, functions, gateway) and leave it running."""
    if (info := running_info(state_dir)) is not None:
        console.print(f"already up at [bold]{info.base_url}[/]")
        return
    try:
        with console.status("starting the emulators and functions..."):
            info = Stack(state_dir, gateway_port=port).start()
    except StackError as exc:
        raise _fail(str(exc)) from None
    console.print(f"vidcompare is up at [bold]{info.base_url}[/]  (logs: {state_dir}/logs)")


@app.command()
def down(state_dir: StateOption = DEFAULT_STATE_DIR) -> None:
    """Stop the local stack started by `vidcompare up`."""
    try:
        load_info(state_dir)
    except StackError as exc:
        raise _fail(str(exc)) from None
    Stack(state_dir).stop()
    console.print("vidcompare stack stopped")


@app.command()
def demo(
    port: Annotated[int, typer.Option(help="Gateway port if the demo starts the stack.")] = 8000,
    out: Annotated[Path | None, typer.Option(help="Where to write the result JSON.")] = None,
    state_dir: StateOption = DEFAULT_STATE_DIR,
) -> None:
    """Run 2 synthetic videos × 2 prompts × 2 offline models on the local stack."""
    from vidcompare.media.synth import demo_scenes, make_video

    started = time.perf_counter()
    stack = None
    info = running_info(state_dir)
    try:
        if info is None:
            stack = Stack(state_dir, gateway_port=port)
            with console.status("starting the local stack (emulators + functions)..."):
                info = stack.start()
            console.print(
                f"stack up at [bold]{info.base_url}[/] in {time.perf_counter() - started:.1f} s"
            )
        demo_dir = Path(state_dir) / "demo"
        demo_dir.mkdir(parents=True, exist_ok=True)
        with Client(info.base_url) as client:
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
            job = _follow(client, accepted.job_id, poll_seconds=0.3)
            result = client.result(accepted.job_id)
        print_result(result)
        out = out or demo_dir / f"result-{accepted.job_id}.json"
        out.write_text(result.model_dump_json(indent=2))
        console.print(
            f"job {job.status.value}; result written to [bold]{out}[/]; "
            f"demo took {time.perf_counter() - started:.1f} s"
        )
    except (StackError, APIError) as exc:
        raise _fail(str(exc)) from None
    finally:
        if stack is not None:
            stack.stop()


def _follow(client: Client, job_id: str, *, poll_seconds: float) -> JobView:
    """A live progress bar until the job finishes."""
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[eta]}"),
    )
    with Progress(*columns, console=console) as progress:
        task = progress.add_task("queued", total=100, eta="")

        def show(job: JobView) -> None:
            eta = f"ETA {job.eta_seconds:.0f} s" if job.eta_seconds else ""
            progress.update(task, completed=job.progress, description=job.progress_message, eta=eta)

        return client.wait(job_id, poll_seconds=poll_seconds, on_progress=show)


def print_result(result: JobResult) -> None:
    for comparison in result.comparisons:
        table = Table(
            title=f"#{comparison.index + 1} {comparison.video_id} — {comparison.prompt}",
            title_justify="left",
            show_lines=True,
        )
        for column in ("model", "score", "latency", "answer / error"):
            table.add_column(column)
        scores = {e.model_id: e for e in comparison.evaluation}
        for r in comparison.results:
            score = scores.get(r.model_id)
            table.add_row(
                r.model_name,
                str(score.score) if score and score.score is not None else "—",
                f"{r.latency_ms} ms",
                (r.response or f"[red]{r.error}[/]")[:400],
            )
        console.print(table)
        if comparison.overall_summary:
            console.print(f"[italic]{comparison.overall_summary}[/]\n")
    board = Table(title="Leaderboard", title_justify="left")
    for column in ("rank", "model", "mean score", "wins", "mean latency", "errors"):
        board.add_column(column)
    for row in result.leaderboard:
        board.add_row(
            str(row.rank),
            row.model_name,
            "—" if row.mean_score is None else f"{row.mean_score:.2f}",
            f"{row.wins:g}",
            "—" if row.mean_latency_ms is None else f"{row.mean_latency_ms:.0f} ms",
            str(row.errors),
        )
    console.print(board)


@app.command("new-key")
def new_key(owner: str) -> None:
    """Make an API key for OWNER. Give the key to its owner; configure only the hash."""
    from vidcompare.auth import new_key as make_key

    key, digest = make_key()
    console.print(f"API key for {owner} (shown once): [bold]{key}[/]")
    console.print(f"add to VIDCOMPARE_API_KEYS (comma-separated): {owner}={digest}")


# --------------------------------------------------------------- API commands


def _api(url: str | None, api_key: str | None, call: Callable[[Client], T]) -> T:
    """``call(client)``; the server's error message and exit code 1 if it refuses."""
    with _client(url, api_key) as client:
        try:
            return call(client)
        except APIError as exc:
            raise _fail(exc.message) from None


@app.command()
def upload(files: list[Path], url: UrlOption = None, api_key: KeyOption = None) -> None:
    """Upload video files; prints their video ids."""
    for path in files:
        video = _api(url, api_key, lambda client, path=path: client.upload(path))
        console.print(f"{video.video_id}\t{path}")


@app.command()
def status(job_id: str, url: UrlOption = None, api_key: KeyOption = None) -> None:
    """Show a job's progress."""
    job = _api(url, api_key, lambda client: client.job(job_id))
    console.print_json(job.model_dump_json(exclude={"result"}))


@app.command()
def result(
    job_id: str,
    url: UrlOption = None,
    api_key: KeyOption = None,
    fmt: Annotated[str, typer.Option("--format", help="table or json")] = "table",
) -> None:
    """Print a job's result (the comparisons done so far while it runs)."""
    answer = _api(url, api_key, lambda client: client.result(job_id))
    if fmt == "json":
        print(json.dumps(answer.model_dump(mode="json"), indent=2))
    else:
        print_result(answer)


@app.command()
def cancel(job_id: str, url: UrlOption = None, api_key: KeyOption = None) -> None:
    """Cancel a pending or running job."""
    answer = _api(url, api_key, lambda client: client.cancel(job_id))
    console.print(f"{answer.job_id}: {answer.status.value}")


if __name__ == "__main__":
    app()
