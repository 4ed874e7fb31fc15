"""A deployment on Google Cloud: ``deploy``, ``teardown``, and ``new-key`` for its users."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from typing import Annotated

import typer

from vidcompare.cli.render import console
from vidcompare.cli.session import fail

ProjectOption = Annotated[str, typer.Option(help="Google Cloud project id.")]
RegionOption = Annotated[str, typer.Option(help="Region, e.g. europe-west1.")]
DryRunOption = Annotated[
    bool, typer.Option("--dry-run", help="Print every gcloud command; run none.")
]
NameOption = Annotated[str, typer.Option(help="Prefix of every resource name.")]


def deploy(
    project: ProjectOption,
    region: RegionOption,
    dry_run: DryRunOption = False,
    name: NameOption = "vidcompare",
    retention_days: Annotated[int, typer.Option(help="Days jobs and videos are kept.")] = 90,
    web_origin: Annotated[
        list[str] | None,
        typer.Option(
            envvar="VIDCOMPARE_WEB_ORIGINS",
            help="Another page that uploads to the bucket (CORS), e.g. https://app.example;"
            " repeatable. The gateway's own page is always allowed.",
        ),
    ] = None,
) -> None:
    """Deploy to Google Cloud with gcloud (idempotent; see infra/README.md).

    Example: `GEMINI_API_KEY=… VIDCOMPARE_API_KEYS=alice=<sha256> vidcompare deploy
    --project my-project --region europe-west1`
    """
    from vidcompare.deploy import Target, prepare_deploy, run_script

    origins = tuple(o for given in web_origin or () for o in given.split(",") if o.strip())
    try:
        target = Target(project, region, name, retention_days=retention_days, web_origins=origins)
        script = prepare_deploy(target)  # checks the quota variables it passes on
    except ValueError as exc:
        raise fail(str(exc)) from None
    _run_or_print(script, dry_run, run_script)


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


def _run_or_print(script: str, dry_run: bool, run_script: Callable[[str], int]) -> None:
    if dry_run:
        typer.echo(script, nl=False)
        return
    if shutil.which("gcloud") is None:
        raise fail("gcloud is not installed: https://cloud.google.com/sdk/docs/install")
    if (status := run_script(script)) != 0:
        raise typer.Exit(status)


def new_key(owner: Annotated[str, typer.Argument(help="Who the key is for, e.g. alice.")]) -> None:
    """Make an API key for OWNER. Give the key to its owner; configure only the hash.

    The hash goes into `VIDCOMPARE_API_KEYS` (`alice=<sha256>,bob=<sha256>`) of the
    deployment; the key is shown once.
    """
    from vidcompare.auth import new_key as make_key

    key, digest = make_key()
    console.print(f"API key for {owner} (shown once): [bold]{key}[/]")
    console.print(f"add to VIDCOMPARE_API_KEYS (comma-separated): {owner}={digest}")
