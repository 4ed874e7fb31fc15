"""``GET /api/models`` on the session's stack: the registry's models and judges, exactly,
through the HTTP API, both Python clients and ``vidcompare models``.

That the route needs a key when auth is on is checked with every route in test_auth.py.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
from cli_tables import table_rows
from typer.testing import CliRunner

from vidcompare import cli
from vidcompare.client import AsyncClient, Client
from vidcompare.schemas import ModelCatalog
from vidcompare.stack import free_port

# (id, display name, provider, offline), in the registry's order.
MODELS = [
    ("local-scenes", "Local Scenes", "local", True),
    ("local-motion-colour", "Local Motion & Colour", "local", True),
    ("gemini-3-pro-preview", "Gemini 3 Pro", "gemini", False),
    ("gemini-3-flash-preview", "Gemini 3 Flash", "gemini", False),
    ("gemini-2.5-pro", "Gemini 2.5 Pro", "gemini", False),
    ("gemini-2.5-flash", "Gemini 2.5 Flash", "gemini", False),
]
JUDGES = [
    ("local-rubric", "Local Rubric Judge", "local", True),
    ("gemini-3-pro-preview", "Gemini 3 Pro (judge)", "gemini", False),
    ("gemini-3-flash-preview", "Gemini 3 Flash (judge)", "gemini", False),
    ("gemini-2.5-pro", "Gemini 2.5 Pro (judge)", "gemini", False),
    ("gemini-2.5-flash", "Gemini 2.5 Flash (judge)", "gemini", False),
]
EXPECTED = {
    "models": [
        {"model_id": i, "display_name": n, "provider": p, "offline": o} for i, n, p, o in MODELS
    ],
    "judges": [
        {"judge_id": i, "display_name": n, "provider": p, "offline": o} for i, n, p, o in JUDGES
    ],
    "default_judge": "local-rubric",
    "gemini_judge": "gemini-2.5-flash",
    "max_models": 4,
}
SCRIPT = Path(sys.executable).parent / "vidcompare"


def test_the_api_lists_the_registrys_models_and_judges(stack) -> None:
    answer = httpx.get(f"{stack.base_url}/api/models", timeout=30)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    assert answer.json() == EXPECTED
    assert httpx.get(f"{stack.base_url}/api/models/", timeout=30).json() == EXPECTED
    refused = httpx.post(f"{stack.base_url}/api/models", timeout=30)
    assert refused.status_code == 405
    assert refused.json()["error"] == {
        "code": "METHOD_NOT_ALLOWED",
        "message": "POST is not allowed on /api/models; use GET",
        "details": [],
    }


def test_what_is_listed_is_what_a_batch_accepts(stack, videos) -> None:
    """Every listed id passes a batch's validation, and the defaults are the ones applied."""
    catalog = httpx.get(f"{stack.base_url}/api/models", timeout=30).json()

    def dry_run(models: list[str], judge: str | None = None) -> dict:
        body = {"video_ids": [videos["green"]], "prompts": ["How long?"], "models": models}
        body |= {"judge_model": judge} if judge else {}
        answer = httpx.post(
            f"{stack.base_url}/api/batch-compare-async", json=body | {"dry_run": True}, timeout=30
        )
        assert answer.status_code == 200, answer.text
        return answer.json()

    ids = [m["model_id"] for m in catalog["models"]]
    for start in range(0, len(ids), catalog["max_models"]):
        chunk = ids[start : start + catalog["max_models"]]
        assert dry_run(chunk)["models"] == chunk
    for judge in catalog["judges"]:
        assert dry_run(["local-scenes"], judge["judge_id"])["judge_model"] == judge["judge_id"]
    offline = [m["model_id"] for m in catalog["models"] if m["offline"]]
    assert dry_run(offline)["judge_model"] == catalog["default_judge"]
    assert dry_run(["local-scenes", "gemini-2.5-pro"])["judge_model"] == catalog["gemini_judge"]
    too_many = ids[: catalog["max_models"] + 1]
    refused = httpx.post(
        f"{stack.base_url}/api/batch-compare-async",
        json={"video_ids": [videos["green"]], "prompts": ["?"], "models": too_many},
        timeout=30,
    )
    assert refused.status_code == 400
    assert f"at most {catalog['max_models']} models" in refused.json()["error"]["message"]


def test_sync_and_async_clients(stack) -> None:
    with Client(stack.base_url) as vc:
        catalog = vc.models()
    assert isinstance(catalog, ModelCatalog)
    assert catalog.model_dump() == EXPECTED
    assert [m.display_name for m in catalog.models if m.offline] == [
        "Local Scenes",
        "Local Motion & Colour",
    ]

    async def fetch() -> ModelCatalog:
        async with AsyncClient(stack.base_url) as vc:
            return await vc.models()

    assert asyncio.run(fetch()) == catalog


def test_cli_models_prints_tables_and_json(stack) -> None:
    env = os.environ | {"COLUMNS": "200"}
    shown = subprocess.run(
        [str(SCRIPT), "models", "--url", stack.base_url],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert shown.returncode == 0, shown.stderr
    runs = {True: "offline", False: "needs key"}
    assert table_rows(shown.stdout, "Models") == [[i, n, p, runs[o]] for i, n, p, o in MODELS]
    assert table_rows(shown.stdout, "Judges") == [[i, n, p, runs[o]] for i, n, p, o in JUDGES]
    assert shown.stdout.splitlines()[-1] == (
        "default judge: local-rubric (gemini-2.5-flash when a Gemini model runs) · "
        "at most 4 models per batch"
    )

    as_json = CliRunner().invoke(cli.app, ["models", "--json", "--url", stack.base_url])
    assert as_json.exit_code == 0, as_json.output
    assert json.loads(as_json.stdout) == EXPECTED


def test_cli_models_help_and_errors() -> None:
    runner = CliRunner()
    listed = runner.invoke(cli.app, ["--help"], env={"COLUMNS": "200"})
    assert listed.exit_code == 0 and "models" in listed.stdout
    helped = runner.invoke(cli.app, ["models", "--help"], env={"COLUMNS": "200"})
    assert helped.exit_code == 0
    for needle in ("List the models and judges", "--json", "--url", "--api-key"):
        assert needle in helped.stdout, needle
    # Nobody at the URL: a readable message and exit 1, not a traceback.
    url = f"http://127.0.0.1:{free_port()}"
    failed = runner.invoke(cli.app, ["models", "--url", url])
    assert failed.exit_code == 1
    assert failed.stderr.startswith(f"error: {url} did not answer")
