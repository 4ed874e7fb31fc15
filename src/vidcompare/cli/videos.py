"""Videos: ``upload`` files; list them (``videos``), ``videos rename`` and
``videos delete``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from vidcompare.cli import report
from vidcompare.cli.options import JsonOption, KeyOption, UrlOption
from vidcompare.cli.progress import upload_progress
from vidcompare.cli.render import print_table
from vidcompare.cli.session import fail, session

videos_app = typer.Typer(
    name="videos",
    help="List your uploaded videos (id, file, size, duration, resolution, audio); rename "
    "or delete one.",
    rich_markup_mode="markdown",
)


def upload(
    files: Annotated[
        list[Path],
        typer.Argument(help="Video files (mp4, mov, webm, …).", exists=True, dir_okay=False),
    ],
    url: UrlOption = None,
    api_key: KeyOption = None,
) -> None:
    """Upload video files of any size; prints one `VIDEO_ID<TAB>FILE` line each.

    Large files go straight to Cloud Storage in chunks, with a progress bar on stderr.
    A dropped connection is resumed; an upload killed half-way resumes where it stopped
    when you run the same command again. Bytes you already uploaded are not sent again:
    you get that video's id.

    Example: `vidcompare upload clip1.mp4 clip2.mp4`
    """
    with session(url, api_key) as client, upload_progress() as bars:
        for path in files:
            video = client.upload(path, progress=bars.tracker(path))
            typer.echo(f"{video.video_id}\t{path}")


@videos_app.callback(invoke_without_command=True)
def videos(
    context: typer.Context,
    url: UrlOption = None,
    api_key: KeyOption = None,
    as_json: JsonOption = False,
) -> None:
    """List your uploaded videos: id, file, size, duration, resolution, audio.

    `vidcompare videos rename ID NAME` and `vidcompare videos delete ID` manage one.
    """
    if context.invoked_subcommand is not None:
        return
    with session(url, api_key) as client:
        found = client.videos()
    if as_json:
        typer.echo(json.dumps([v.model_dump(mode="json") for v in found], indent=2))
    else:
        print_table(report.videos_table(found))


VideoIdArgument = Annotated[str, typer.Argument(help="The video's id (see `vidcompare videos`).")]


@videos_app.command()
def rename(
    video_id: VideoIdArgument,
    filename: Annotated[str, typer.Argument(help="The new file name shown for it.")],
    url: UrlOption = None,
    api_key: KeyOption = None,
) -> None:
    """Give a video another file name; prints `VIDEO_ID<TAB>NAME`. Its jobs are unchanged.

    Example: `vidcompare videos rename clip-3f9a1c2b "Holiday at the sea.mp4"`
    """
    with session(url, api_key) as client:
        video = client.rename_video(video_id, filename)
    typer.echo(f"{video.video_id}\t{video.filename}")


@videos_app.command()
def delete(
    video_id: VideoIdArgument,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask first.")] = False,
    url: UrlOption = None,
    api_key: KeyOption = None,
) -> None:
    """Delete a video and its file; the jobs that used it keep their results. Refused
    while a pending or running job of yours uses it. Asks first on a terminal.

    Example: `vidcompare videos delete clip-3f9a1c2b --yes`
    """
    if not yes:
        if not sys.stdin.isatty():
            raise fail(f"not deleting {video_id} without a confirmation: pass --yes")
        if not typer.confirm(f"Delete video {video_id} and its file?"):
            raise fail("nothing was deleted")
    with session(url, api_key) as client:
        deleted = client.delete_video(video_id)
    typer.echo(f"deleted {deleted.video_id}")
