"""Videos: ``upload`` files and list them (``videos``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from vidcompare.cli import report
from vidcompare.cli.options import JsonOption, KeyOption, UrlOption
from vidcompare.cli.progress import upload_progress
from vidcompare.cli.render import print_table
from vidcompare.cli.session import session


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


def videos(url: UrlOption = None, api_key: KeyOption = None, as_json: JsonOption = False) -> None:
    """List your uploaded videos: id, file, size, duration, resolution, audio."""
    with session(url, api_key) as client:
        found = client.videos()
    if as_json:
        typer.echo(json.dumps([v.model_dump(mode="json") for v in found], indent=2))
    else:
        print_table(report.videos_table(found))
