"""The deploy: what its dry run would do, and that each staged function stands alone.

There is no cloud account here, so the gcloud commands are checked as text: every
resource with the right flags, in a workable order, the same on a second run. The
staged function directories are installed into a fresh venv and served by
functions-framework against the session's emulators, as Cloud Build would run them.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shlex
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest
from google.cloud import pubsub_v1

from vidcompare.api.routes import ROUTES
from vidcompare.deploy.api_gateway import gateway_spec
from vidcompare.deploy.stage import pinned_requirements, repo_root, stage_functions
from vidcompare.devstack.stack import free_port

ROOT = repo_root()
P = "--project=acme-eval"


@pytest.fixture(scope="module")
def dry_run() -> list[str]:
    """The lines of ``deploy --dry-run`` for project acme-eval."""
    return _dry_run("--dry-run")


def _cli(*args: str, env: dict[str, str] | None = None) -> str:
    """Run `vidcompare ARGS` as a user would; its stdout."""
    return subprocess.run(
        [sys.executable, "-m", "vidcompare.cli", *args],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env=env,
    ).stdout


def _dry_run(*extra: str) -> list[str]:
    return _cli("deploy", P, "--region=europe-west1", *extra).splitlines()


def _one(lines: list[str], *needles: str) -> str:
    found = [i for i, text in enumerate(lines) if all(n in text for n in needles)]
    assert len(found) == 1, f"{needles}: {len(found)} lines"
    return lines[found[0]]


def _at(lines: list[str], *needles: str) -> int:
    return lines.index(_one(lines, *needles))


def _flags(command: str) -> list[str]:
    return shlex.split(command)


def test_the_worker_is_deployed_on_the_topic_with_retry_timeout_account_and_secret(dry_run):
    deploy = _flags(_one(dry_run, "gcloud functions deploy vidcompare-process-combo"))
    for flag in (
        "--gen2",
        P,
        "--region=europe-west1",
        "--runtime=python311",
        "--entry-point=process_combo",
        "--source=build/deploy/functions/process_combo",
        "--trigger-topic=vidcompare-combos",
        "--retry",
        "--timeout=540s",
        "--memory=2Gi",
        "--max-instances=10",
        "--service-account=vidcompare-process-combo@acme-eval.iam.gserviceaccount.com",
        "--trigger-service-account=vidcompare-process-combo@acme-eval.iam.gserviceaccount.com",
        "--set-secrets=GEMINI_API_KEY=vidcompare-gemini-api-key:latest",
    ):
        assert flag in deploy, flag
    env = dict(
        item.split("=", 1)
        for item in next(f for f in deploy if f.startswith("--set-env-vars="))
        .removeprefix("--set-env-vars=^;^")
        .split(";")
    )
    assert env["VIDCOMPARE_TOPIC"] == "vidcompare-combos"
    assert env["VIDCOMPARE_BUCKET"] == "acme-eval-vidcompare-videos"
    assert env["VIDCOMPARE_AUTH"] == "on"
    # A short lease, renewed by a heartbeat: a dead worker's combination moves on soon.
    assert int(env["VIDCOMPARE_LEASE_SECONDS"]) == 60
    assert "--trigger-http" not in deploy and "--allow-unauthenticated" not in deploy


@pytest.mark.parametrize("name", ["start_batch", "job_status"])
def test_http_functions_are_closed_to_all_users_and_read_the_api_key_hashes(dry_run, name):
    fn = f"vidcompare-{name.replace('_', '-')}"
    deploy = _flags(_one(dry_run, f"gcloud functions deploy {fn} "))
    assert "--trigger-http" in deploy and "--no-allow-unauthenticated" in deploy
    assert f"--service-account={fn}@acme-eval.iam.gserviceaccount.com" in deploy
    # The Gemini key as well: the live catalogue checks batches and lists the models.
    assert (
        "--set-secrets=VIDCOMPARE_API_KEYS=vidcompare-api-keys:latest,"
        "GEMINI_API_KEY=vidcompare-gemini-api-key:latest"
    ) in deploy
    assert not any("allUsers" in text for text in dry_run)


def test_the_subscription_gets_a_dead_letter_topic_and_a_retry_policy(dry_run):
    update = _flags(_one(dry_run, "gcloud pubsub subscriptions update"))
    assert update[4] == "$SUBSCRIPTION"  # the one Eventarc made for the trigger
    for flag in (
        "--dead-letter-topic=vidcompare-combos-dead-letter",
        "--max-delivery-attempts=10",
        "--min-retry-delay=10s",
        "--max-retry-delay=60s",
        "--ack-deadline=600",
    ):
        assert flag in update
    _one(dry_run, "topics add-iam-policy-binding vidcompare-combos-dead-letter", "PUBSUB_AGENT")
    _one(dry_run, 'subscriptions add-iam-policy-binding "$SUBSCRIPTION"', "subscriber")
    _one(dry_run, "pubsub subscriptions create vidcompare-combos-dead-letter-sub")


def test_every_resource_is_created_only_when_missing(dry_run):
    for needles in [
        ("topics create vidcompare-combos ",),
        ("topics create vidcompare-combos-dead-letter",),
        ("buckets create gs://acme-eval-vidcompare-videos", "--uniform-bucket-level-access"),
        ("firestore databases create", "--type=firestore-native"),
        ("secrets create vidcompare-gemini-api-key", "--replication-policy=automatic"),
        ("secrets create vidcompare-api-keys",),
        ("api-gateway apis create vidcompare",),
        ("api-gateway api-configs create",),
    ]:
        assert _one(dry_run, *needles).startswith("exists gcloud "), needles
    for account in ("start-batch", "job-status", "process-combo", "gateway", "scheduler"):
        assert _one(dry_run, f"service-accounts create vidcompare-{account} ").startswith("exists")
    assert _one(dry_run, "scheduler jobs describe vidcompare-sweep").startswith("if exists")
    assert _one(dry_run, "gateways update vidcompare").startswith("if exists")


def test_least_privilege_roles_per_function(dry_run):
    def roles(account: str) -> set[str]:
        member = f"--member=serviceAccount:vidcompare-{account}@acme-eval.iam.gserviceaccount.com"
        return {
            f.removeprefix("--role=")
            for text in dry_run
            if member in text
            for f in _flags(text.removesuffix(" >/dev/null"))
            if f.startswith("--role=")
        }

    assert roles("start-batch") == {
        "roles/datastore.user",
        "roles/pubsub.publisher",
        "roles/storage.objectAdmin",
        "roles/secretmanager.secretAccessor",
    }
    assert roles("job-status") == {
        "roles/datastore.user",
        "roles/pubsub.publisher",
        "roles/secretmanager.secretAccessor",
    }
    assert roles("process-combo") == {
        "roles/datastore.user",
        "roles/eventarc.eventReceiver",
        "roles/pubsub.publisher",
        "roles/storage.objectViewer",
        "roles/secretmanager.secretAccessor",
    }
    # Nobody gets an owner/editor role.
    assert not any(re.search(r"roles/(owner|editor)\b", text) for text in dry_run)


def test_indexes_and_ttl_come_from_infra(dry_run):
    indexes = json.loads((ROOT / "infra" / "firestore.indexes.json").read_text())["indexes"]
    created = [text for text in dry_run if "firestore indexes composite create" in text]
    assert len(created) == len(indexes)
    for text, index in zip(created, indexes, strict=True):
        fields = [
            f"--field-config=field-path={f['fieldPath']},order={f['order'].lower()}"
            for f in index["fields"]
        ]
        assert fields == [f for f in _flags(text) if f.startswith("--field-config=")]
    for group in ("jobs", "comparisons", "videos"):
        _one(dry_run, "ttls update expire_at", f"--collection-group={group} ", "--enable-ttl")
    lifecycle = json.loads((ROOT / "build/deploy/bucket-lifecycle.json").read_text())
    assert lifecycle == {"rule": [{"action": {"type": "Delete"}, "condition": {"age": 90}}]}
    # A deleted video is gone at once: no soft-delete retention to bill for.
    _one(dry_run, "buckets update gs://acme-eval-vidcompare-videos", "--clear-soft-delete")


def test_the_order_creates_what_each_step_needs_first(dry_run):
    topic = _at(dry_run, "topics create vidcompare-combos ")
    secret = _at(dry_run, "secrets create vidcompare-gemini-api-key")
    accounts = _at(dry_run, "service-accounts create vidcompare-process-combo ")
    worker = _at(dry_run, "gcloud functions deploy vidcompare-process-combo")
    subscription = _at(dry_run, "gcloud pubsub subscriptions update")
    config = _at(dry_run, "api-gateway api-configs create")
    gateway = _at(dry_run, "gateways update vidcompare")
    assert topic < secret < accounts < worker < subscription < config < gateway
    assert _at(dry_run, "gcloud services enable") < topic


def test_a_second_dry_run_of_an_unchanged_tree_is_the_same(dry_run):
    assert _dry_run("--dry-run") == dry_run
    # ...and bash accepts it as a script.
    subprocess.run(["bash", "-n"], input="\n".join(dry_run), text=True, check=True)


def test_the_dry_run_calls_nothing(tmp_path):
    # A gcloud on PATH that records every call: the dry run must not make one.
    calls = tmp_path / "calls"
    fake = tmp_path / "bin" / "gcloud"
    fake.parent.mkdir()
    fake.write_text(f'#!/bin/sh\necho "$@" >> {calls}\n')
    fake.chmod(0o755)
    env = os.environ | {"PATH": f"{fake.parent}:{os.environ['PATH']}"}
    for action in ("deploy", "teardown"):
        _cli(action, P, "--region=r", "--dry-run", env=env)
    assert not calls.exists()


def test_teardown_removes_what_deploy_made_and_keeps_data_unless_asked():
    kept = _cli("teardown", P, "--region=europe-west1", "--dry-run").splitlines()
    for needles in [
        ("functions delete vidcompare-process-combo", "--gen2"),
        ("functions delete vidcompare-start-batch",),
        ("functions delete vidcompare-job-status",),
        ("topics delete vidcompare-combos ",),
        ("topics delete vidcompare-combos-dead-letter ",),
        ("subscriptions delete vidcompare-combos-dead-letter-sub",),
        ("scheduler jobs delete vidcompare-sweep",),
        ("api-gateway gateways delete vidcompare",),
        ("api-gateway apis delete vidcompare",),
        ("secrets delete vidcompare-gemini-api-key",),
        ("service-accounts delete vidcompare-scheduler@",),
    ]:
        assert _one(kept, *needles).startswith("if exists"), needles
    assert not any("storage rm" in t or "databases delete" in t for t in kept)
    gone = _cli("teardown", P, "--region=europe-west1", "--dry-run", "--delete-data")
    assert "gcloud storage rm --recursive gs://acme-eval-vidcompare-videos" in gone
    assert "gcloud firestore databases delete '--database=(default)'" in gone


def test_the_api_gateway_document_has_exactly_the_routes_the_functions_serve():
    backends = {"start_batch": "https://sb.example", "job_status": "https://js.example"}
    spec = gateway_spec(backends)
    assert spec["swagger"] == "2.0"
    served = {(r.method, r.template, backends[r.function]) for r in ROUTES}
    in_spec = {
        (method.upper(), path, op["x-google-backend"]["address"])
        for path, ops in spec["paths"].items()
        for method, op in ops.items()
    }
    assert in_spec == served
    ids = [op["operationId"] for ops in spec["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids))
    for ops in spec["paths"].values():
        for op in ops.values():
            assert op["x-google-backend"]["path_translation"] == "APPEND_PATH_TO_ADDRESS"


# ------------------------------------------------------------ staged functions


@pytest.fixture(scope="module")
def staged_venv(tmp_path_factory) -> tuple[dict[str, Path], Path]:
    """The staged functions and a fresh venv with their requirements.txt installed."""
    out = tmp_path_factory.mktemp("staged")
    staged = stage_functions(out)
    requirements = {(path / "requirements.txt").read_text() for path in staged.values()}
    assert len(requirements) == 1  # the same pins for the three
    venv = out / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [str(venv / "bin/python"), "-m", "pip", "install", "--quiet", "-r"]
        + [str(staged["job_status"] / "requirements.txt")],
        check=True,
    )
    return staged, venv / "bin/python"


def test_requirements_pin_every_runtime_dependency():
    pins = pinned_requirements(ROOT)
    names = {p.split("==")[0].lower() for p in pins}
    assert {"functions-framework", "google-cloud-firestore", "google-genai", "av"} <= names
    assert all(re.fullmatch(r"[\w.-]+==[\w.+-]+", p) for p in pins)


def _serve(
    python: Path, source: Path, name: str, env: dict[str, str]
) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen(
        [str(python), "-m", "functions_framework", f"--target={name}", "--source=main.py"]
        + ["--host=127.0.0.1", f"--port={port}"],
        cwd=source,
        # Only what Cloud Functions would give it: no PYTHONPATH into this checkout.
        env={k: v for k, v in env.items() if k != "PYTHONPATH"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{url}/healthz", timeout=1)
            return process, url
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    raise AssertionError(f"staged {name} did not start")


def test_each_staged_function_works_on_its_own(staged_venv, stack, videos, tmp_path):
    staged, python = staged_venv
    # Not this checkout's library: the venv has only what requirements.txt names.
    probe = subprocess.run(
        [str(python), "-c", "import vidcompare, sys; print(vidcompare.__file__)"],
        cwd=staged["job_status"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert probe.stdout.strip() == str(staged["job_status"] / "vidcompare" / "__init__.py")

    # A topic of their own, with no subscription: the staged worker below is the only one
    # that sees this job's combination (the session's worker listens on "combos").
    topic = f"staged-{uuid.uuid4().hex[:8]}"
    publisher = pubsub_v1.PublisherClient()
    publisher.create_topic(name=publisher.topic_path(stack.project, topic))
    env = os.environ | stack.env | {"VIDCOMPARE_TOPIC": topic}
    servers = {name: _serve(python, path, name, env) for name, path in staged.items()}
    try:
        (_, start_url), (_, status_url), (_, worker_url) = (
            servers["start_batch"],
            servers["job_status"],
            servers["process_combo"],
        )
        body = {
            "video_ids": [videos["green"]],
            "prompts": ["What colour is it?"],
            "models": ["local-scenes"],
            "judge_model": "local-rubric",
        }
        accepted = httpx.post(f"{start_url}/api/batch-compare-async", json=body, timeout=30)
        assert accepted.status_code == 202, accepted.text
        job_id = accepted.json()["job_id"]
        # Deliver combination 0 to the staged worker as Pub/Sub's push would.
        message = {"job_id": job_id, "index": 0}
        event = {
            "message": {
                "data": base64.b64encode(json.dumps(message).encode()).decode(),
                "messageId": uuid.uuid4().hex,
                "attributes": {},
            },
            "subscription": "projects/p/subscriptions/staged-test",
        }
        headers = {
            "ce-id": uuid.uuid4().hex,
            "ce-specversion": "1.0",
            "ce-type": "google.cloud.pubsub.topic.v1.messagePublished",
            "ce-source": "//pubsub.googleapis.com/projects/p/topics/combos",
            "content-type": "application/json",
        }
        pushed = httpx.post(worker_url, json=event, headers=headers, timeout=60)
        assert pushed.status_code == 200, pushed.text
        job = httpx.get(f"{status_url}/api/jobs/{job_id}", timeout=30).json()
        assert (job["status"], job["completed_combinations"]) == ("completed", 1)
        assert job["result"]["comparisons"][0]["results"][0]["model_id"] == "local-scenes"
    finally:
        for process, _ in servers.values():
            process.kill()
            process.wait()
