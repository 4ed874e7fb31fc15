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
from expectations import VIDEO_MODELS
from typer.testing import CliRunner

from vidcompare import cli
from vidcompare.client import AsyncClient, Client
from vidcompare.devstack.stack import free_port
from vidcompare.prices import PRICES_AS_OF, price_change, price_of
from vidcompare.schemas import ModelCatalog
from vidcompare.testing.fake_gemini import DEFAULT_MODELS

OFFLINE = [("local-scenes", "Local Scenes"), ("local-motion-colour", "Local Motion & Colour")]
NAMES = {r["name"].removeprefix("models/"): r["displayName"] for r in DEFAULT_MODELS}
# The Gemini part is the fake API's catalogue (test_catalogue.py checks its order and
# deprecations in detail); every video model is also a judge.
MODEL_IDS = [i for i, _ in OFFLINE] + VIDEO_MODELS
JUDGE_IDS = ["local-rubric", *VIDEO_MODELS]
DEPRECATED = {
    "gemini-3.7-flash": (None, "gemini-3.8-flash"),
    "gemini-3.5-flash": (None, "gemini-3.6-flash"),
    "gemini-3.1-flash-lite": ("2027-05-07", "gemini-3.5-flash-lite"),
    "gemini-3-flash-preview": (None, "gemini-3.5-flash"),
}
SCRIPT = Path(sys.executable).parent / "vidcompare"


def check_catalog(body: dict) -> None:
    """The exact catalogue the session's stack serves (offline models, then the API's)."""
    assert [m["model_id"] for m in body["models"]] == MODEL_IDS
    assert [j["judge_id"] for j in body["judges"]] == JUDGE_IDS
    for model in body["models"][:2]:
        assert model == {
            "model_id": model["model_id"],
            "display_name": dict(OFFLINE)[model["model_id"]],
            "provider": "local",
            "offline": True,
            "description": None,
            "input_token_limit": None,
            "output_token_limit": None,
            "price": None,
            "price_until": None,
            "next_price": None,
            "deprecated": False,
            "shutdown_date": None,
            "successor": None,
        }
    for model in body["models"][2:]:
        model_id = model["model_id"]
        shutdown, successor = DEPRECATED.get(model_id, (None, None))
        price = price_of(model_id)
        assert model["display_name"] == NAMES[model_id]
        assert (model["provider"], model["offline"]) == ("gemini", False)
        assert (model["input_token_limit"], model["output_token_limit"]) == (1_048_576, 65_536)
        assert model["price"] == (price.model_dump(mode="json") if price else None), model_id
        until, later = price_change(model_id) or (None, None)
        assert model["price_until"] == (until.isoformat() if until else None), model_id
        assert model["next_price"] == (later.model_dump(mode="json") if later else None)
        assert (model["deprecated"], model["shutdown_date"], model["successor"]) == (
            model_id in DEPRECATED,
            shutdown,
            successor,
        )
    judges = {j["judge_id"]: j for j in body["judges"]}
    assert judges["local-rubric"] == {
        "judge_id": "local-rubric",
        "display_name": "Local Rubric Judge",
        "provider": "local",
        "offline": True,
        "deprecated": False,
        "shutdown_date": None,
        "successor": None,
    }
    assert judges["gemini-3.7-flash"]["display_name"] == "Gemini 3.7 Flash"
    assert judges["gemini-3.7-flash"]["successor"] == "gemini-3.8-flash"
    assert (body["default_judge"], body["gemini_judge"]) == ("local-rubric", "gemini-3.8-flash")
    assert (body["max_models"], body["prices_as_of"]) == (4, PRICES_AS_OF.isoformat())
    (gemini,) = body["providers"]
    assert {k: gemini[k] for k in ("provider", "available", "source", "backend", "message")} == {
        "provider": "gemini",
        "available": True,
        "source": "api",
        "backend": "gemini-api",
        "message": None,
    }


def test_the_api_lists_the_offline_models_and_the_live_catalogue(stack) -> None:
    answer = httpx.get(f"{stack.base_url}/api/models", timeout=30)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    check_catalog(answer.json())
    check_catalog(httpx.get(f"{stack.base_url}/api/models/", timeout=30).json())
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
    assert dry_run(["local-scenes", "gemini-3.6-flash"])["judge_model"] == catalog["gemini_judge"]
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
    check_catalog(catalog.model_dump(mode="json"))
    assert [m.display_name for m in catalog.models if m.offline] == [n for _, n in OFFLINE]

    async def fetch() -> ModelCatalog:
        async with AsyncClient(stack.base_url) as vc:
            return await vc.models()

    fetched = asyncio.run(fetch())
    assert fetched.model_dump(exclude={"providers"}) == catalog.model_dump(exclude={"providers"})


def test_cli_models_prints_tables_and_json(stack) -> None:
    env = os.environ | {"COLUMNS": "250"}
    shown = subprocess.run(
        [str(SCRIPT), "models", "--url", stack.base_url],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert shown.returncode == 0, shown.stderr
    models = table_rows(shown.stdout, "Models")
    assert [row[0] for row in models] == MODEL_IDS
    rows = {row[0]: row for row in models}
    assert rows["local-scenes"] == ["local-scenes", "Local Scenes", "local", "offline", "free"]
    assert rows["gemini-3.8-flash"] == [
        "gemini-3.8-flash",
        "Gemini 3.8 Flash",
        "gemini",
        "current",
        "$0.75 in / $3.75 out until 2026-12-31, then $1.50 / $7.50",
    ]
    assert rows["gemini-3.6-flash"][4] == "$1.50 in / $7.50 out"
    assert rows["gemini-3.1-flash-lite"][3] == (
        "deprecated, shutdown 2027-05-07, use gemini-3.5-flash-lite"
    )
    assert rows["gemini-3.7-flash"][3] == "deprecated, use gemini-3.8-flash"
    assert rows["gemini-flash-latest"][4] == "unknown"
    judges = table_rows(shown.stdout, "Judges")
    assert [row[0] for row in judges] == JUDGE_IDS
    assert judges[0] == ["local-rubric", "Local Rubric Judge", "local", "offline"]
    lines = shown.stdout.splitlines()
    assert lines[-2].startswith("gemini: the gemini-api catalogue, fetched ")
    assert lines[-1] == (
        "default judge: local-rubric (gemini-3.8-flash when a Gemini model runs) · at most 4 "
        f"models per batch · prices as of {PRICES_AS_OF.isoformat()}"
    )

    as_json = CliRunner().invoke(cli.app, ["models", "--json", "--url", stack.base_url])
    assert as_json.exit_code == 0, as_json.output
    check_catalog(json.loads(as_json.stdout))


def test_cli_models_help_and_errors() -> None:
    runner = CliRunner()
    listed = runner.invoke(cli.app, ["--help"], env={"COLUMNS": "200"})
    assert listed.exit_code == 0 and "models" in listed.stdout
    helped = runner.invoke(cli.app, ["models", "--help"], env={"COLUMNS": "200"})
    assert helped.exit_code == 0
    for needle in ("List the models and judges", "deprecated", "--json", "--url", "--api-key"):
        assert needle in helped.stdout, needle
    # Nobody at the URL: a readable message and exit 1, not a traceback.
    url = f"http://127.0.0.1:{free_port()}"
    failed = runner.invoke(cli.app, ["models", "--url", url])
    assert failed.exit_code == 1
    assert failed.stderr.startswith(f"error: {url} did not answer")
