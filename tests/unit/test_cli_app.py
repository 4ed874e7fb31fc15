"""The ``vidcompare`` command as a whole: its entry points and its command table."""

from __future__ import annotations

import subprocess
import sys

import httpx
import pytest
import typer

from vidcompare import cli
from vidcompare.cli import app, session
from vidcompare.client import Client, ServerError

COMMANDS = [
    "up",
    "emulator",
    "reset",
    "deploy",
    "teardown",
    "down",
    "demo",
    "new-key",
    "upload",
    "videos",
    "models",
    "batch",
    "status",
    "jobs",
    "result",
    "cancel",
    "leaderboard",
]


def test_the_package_exports_the_app_with_every_command_in_help_order():
    assert cli.app is app and isinstance(app, typer.Typer)
    assert list(typer.main.get_command(app).commands) == COMMANDS


def test_python_dash_m_runs_the_command():
    # infra/deploy.sh and infra/teardown.sh run `python -m vidcompare.cli`.
    done = subprocess.run(
        [sys.executable, "-m", "vidcompare.cli", "new-key", "alice"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("API key for alice (shown once): ")
    assert lines[1].startswith("add to VIDCOMPARE_API_KEYS (comma-separated): alice=")


def test_a_proxys_502_page_is_one_error_line_and_exit_1(capsys: pytest.CaptureFixture[str]):
    page = "<html>\n<head><title>502 Bad Gateway</title></head>\n</html>\n"
    proxy = httpx.MockTransport(lambda request: httpx.Response(502, text=page))
    with (
        Client("http://vidcompare.test", transport=proxy) as client,
        pytest.raises(ServerError) as refused,
    ):
        client.jobs()
    with pytest.raises(typer.Exit) as ended:
        raise session.api_failure(refused.value)
    assert ended.value.exit_code == 1
    assert capsys.readouterr().err == (
        "error: HTTP_ERROR (502): Bad Gateway: <html> <head><title>502 Bad Gateway</title>"
        "</head> </html>\n"
    )


def test_an_empty_prompt_is_named_as_typed_and_nothing_is_sent():
    from typer.testing import CliRunner

    url = "http://127.0.0.1:9"  # nothing listens: a request would fail differently
    args = ["batch", "-v", "clip", "-p", "Describe.", "-p", " ", "-m", "local-scenes"]
    done = CliRunner().invoke(app, [*args, "--url", url])
    assert done.exit_code == 1
    assert done.stderr == "error: prompt 2 is empty\n"
