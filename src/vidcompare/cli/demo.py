"""``vidcompare demo``: 2 synthetic videos × 2 prompts × 2 offline models, end to end."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Annotated

import typer

from vidcompare.cli import report
from vidcompare.cli.options import ResultFormat, StateOption, state_dir_or_default
from vidcompare.cli.render import console, follow, show_result
from vidcompare.cli.session import fail, session
from vidcompare.devstack.stack import Stack, StackError, free_port, port_is_free, running_info

DEMO_PROMPTS = [
    "Describe what happens in this video, with timestamps.",
    "When are the scene cuts, and which colours dominate each scene?",
]
DEMO_MODELS = ["local-scenes", "local-motion-colour"]


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
    state_dir = state_dir_or_default(state_dir)
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
        with session(info.base_url, None) as client:
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
        raise fail(str(exc)) from None
    finally:
        if stack is not None:
            stack.stop(snapshot=False)
        if scratch is not None:
            scratch.cleanup()
