"""The deploy: the resources it declares, the script it walks them into, and that each
staged function stands alone.

There is no cloud account here. The dry run is checked as text: every resource with
the right flags, in a workable order, the same on a second run. The scripts are then
run by bash against a stand-in ``gcloud`` on PATH that records each call and answers
which resources exist, so what a deploy creates, skips or updates and what a teardown
deletes is observed, not inferred. The staged function directories are installed into
a fresh venv and served by functions-framework against the session's emulators, as
Cloud Build would run them.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shlex
import subprocess
import sys
import time
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path

import httpx
import pytest
from google.cloud import pubsub_v1

from vidcompare.api.routes import ROUTES
from vidcompare.deploy import Target, teardown_script
from vidcompare.deploy.api_gateway import gateway_spec
from vidcompare.deploy.documents import firestore_indexes
from vidcompare.deploy.resources import resources
from vidcompare.deploy.script import deploy_script
from vidcompare.deploy.stage import (
    pinned_requirements,
    repo_root,
    service_core,
    stage_functions,
)
from vidcompare.devstack.stack import free_port

ROOT = repo_root()
P = "--project=acme-eval"
TARGET = Target(project="acme-eval", region="europe-west1")
INDEXES = firestore_indexes(ROOT)
PLAN = resources(TARGET, INDEXES)
FUNCTION_URL = "https://europe-west1-acme-eval.cloudfunctions.net/vidcompare-"
BUILD_ACCOUNT = "vidcompare-build@acme-eval.iam.gserviceaccount.com"


@pytest.fixture(autouse=True, scope="module")
def _no_deployer_quotas() -> Iterator[None]:
    """Deploy passes a deployer's VIDCOMPARE_QUOTAS on to the functions; the session's
    stack puts its own in this process's environment (conftest). PLAN was built without
    it, so these tests run without it (the quota tests set theirs)."""
    with pytest.MonkeyPatch.context() as patch:
        for name in ("VIDCOMPARE_QUOTAS", "VIDCOMPARE_GEMINI_TIER"):
            patch.delenv(name, raising=False)
        yield


@pytest.fixture(scope="module")
def dry_run() -> list[str]:
    """The lines of ``deploy --dry-run`` for project acme-eval."""
    return _dry_run("--dry-run")


def _env() -> dict[str, str]:
    """This environment, without a deployer's own extra web origins."""
    return {k: v for k, v in os.environ.items() if k != "VIDCOMPARE_WEB_ORIGINS"}


def _cli(*args: str, env: dict[str, str] | None = None) -> str:
    """Run `vidcompare ARGS` as a user would; its stdout."""
    return subprocess.run(
        [sys.executable, "-m", "vidcompare.cli", *args],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env=env if env is not None else _env(),
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
    """A command's words, without the retry around a binding or the redirect after it."""
    return shlex.split(command.strip().removeprefix("with_retries ").removesuffix(" >/dev/null"))


def _blocks(lines: list[str]) -> dict[str, list[str]]:
    """Each ``# --- heading`` of a script and the lines under it, values read aside."""
    blocks: dict[str, list[str]] = {}
    for text in lines:
        if text.startswith("# --- "):
            body = blocks.setdefault(text.removeprefix("# --- "), [])
        elif text and blocks and not re.match(r"[A-Z_]+=\$\(", text):
            body.append(text)
    return blocks


def test_the_worker_is_deployed_on_the_topic_with_retry_timeout_account_and_secret(dry_run):
    deploy = _flags(_one(dry_run, "gcloud functions deploy vidcompare-process-combo"))
    for flag in (
        "--gen2",
        P,
        "--region=europe-west1",
        "--runtime=python311",
        "--entry-point=process_combo",
        f"--source={ROOT}/build/deploy/functions/process_combo",
        f"--build-service-account=projects/acme-eval/serviceAccounts/{BUILD_ACCOUNT}",
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
    assert env["VIDCOMPARE_ID_TOKEN_AUDIENCE"] == (
        f"{FUNCTION_URL}start-batch,{FUNCTION_URL}job-status"
    )
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
    # Read once the worker exists, before it is used: values, not text filled in later.
    worker = _at(dry_run, "gcloud functions deploy vidcompare-process-combo")
    trigger = _at(dry_run, "TRIGGER=$(gcloud functions describe vidcompare-process-combo")
    subscription = _at(dry_run, 'SUBSCRIPTION=$(gcloud eventarc triggers describe "$TRIGGER"')
    assert worker < trigger < subscription < _at(dry_run, "gcloud pubsub subscriptions update")
    agent = "serviceAccount:service-${PROJECT_NUMBER}@gcp-sa-pubsub.iam.gserviceaccount.com"
    publish = _at(dry_run, "topics add-iam-policy-binding vidcompare-combos-dead-letter", agent)
    assert "--role=roles/pubsub.publisher" in _flags(dry_run[publish])
    assert _at(dry_run, "PROJECT_NUMBER=$(gcloud projects describe acme-eval") < publish
    _one(dry_run, 'subscriptions add-iam-policy-binding "$SUBSCRIPTION"', agent, "subscriber")
    _one(dry_run, "pubsub subscriptions create vidcompare-combos-dead-letter-sub")


def test_the_dry_run_shows_each_resource_its_check_and_what_follows(dry_run):
    blocks = _blocks(dry_run)
    assert list(blocks) == [r.what for r in PLAN] + ["Where it answers"]
    assert blocks["Pub/Sub topic vidcompare-combos"] == [
        f"if ! exists gcloud pubsub topics describe vidcompare-combos {P}; then",
        f"  gcloud pubsub topics create vidcompare-combos {P}",
        "fi",
    ]
    sweep = blocks["Cloud Scheduler job vidcompare-sweep"]
    assert sweep[0] == (
        f"if exists gcloud scheduler jobs describe vidcompare-sweep --location=europe-west1 {P}"
        "; then"
    )
    assert sweep[1].startswith("  gcloud scheduler jobs update http vidcompare-sweep ")
    assert sweep[2:4] == ["else", sweep[1].replace(" update ", " create ")]
    # Every create waits on its check; only what is harmless to repeat runs unguarded.
    for r in PLAN:
        body = blocks[r.what]
        if r.upserts:
            assert body == [line for c in r.create for line in c.splitlines()], r.what
        elif r.update:
            assert body[0] == f"if exists {r.check}; then" and "else" in body, r.what
            assert body[body.index("else") + 1 :] == [*_indented(r.create), "fi"], r.what
        else:
            assert body == [f"if ! exists {r.check}; then", *_indented(r.create), "fi"], r.what
    unguarded = {r.what.split(" ")[0] for r in PLAN if r.check is None}
    assert unguarded == {"Google", "Lifecycle", "Firestore", "IAM:", "Retry", "CORS"}
    assert {r.what for r in PLAN if r.upserts and r.check} == {
        f"Cloud Function (gen2) vidcompare-{name}"
        for name in ("start-batch", "job-status", "process-combo")
    }


def _indented(commands: Iterable[str]) -> list[str]:
    return ["  " + line for command in commands for line in command.splitlines()]


def test_least_privilege_roles_per_function(dry_run):
    def roles(account: str) -> set[str]:
        member = f"--member=serviceAccount:vidcompare-{account}@acme-eval.iam.gserviceaccount.com"
        return {
            f.removeprefix("--role=")
            for text in dry_run
            if member in text
            for f in _flags(text)
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
    invokers = {
        (_flags(text)[3], next(f for f in _flags(text) if f.startswith("--member=")))
        for text in dry_run
        if "add-invoker-policy-binding" in text
    }
    member = "--member=serviceAccount:vidcompare-{}@acme-eval.iam.gserviceaccount.com".format
    assert invokers == {
        ("vidcompare-start-batch", member("gateway")),
        ("vidcompare-job-status", member("gateway")),
        ("vidcompare-job-status", member("scheduler")),
        ("vidcompare-process-combo", member("process-combo")),  # Eventarc pushes as it
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
        assert text.startswith("already_ok gcloud ")  # an index has no name to check
    for group in ("jobs", "comparisons", "videos", "scores"):
        _one(dry_run, "ttls update expire_at", f"--collection-group={group} ", "--enable-ttl")
    # A score chunk's map of 1,000 rows is never queried: not indexed (40,000 entries max).
    _one(dry_run, "indexes fields update rows", "--collection-group=scores ", "--disable-indexes")
    lifecycle = json.loads((ROOT / "build/deploy/bucket-lifecycle.json").read_text())
    # Videos are kept as long as the jobs that name them; an upload never finalized
    # (its objects under incoming/) goes a day later, when its 24 h window has closed.
    assert lifecycle == {
        "rule": [
            {"action": {"type": "Delete"}, "condition": {"age": TARGET.retention_days}},
            {"action": {"type": "Delete"}, "condition": {"age": 1, "matchesPrefix": ["incoming/"]}},
        ]
    }
    _one(dry_run, f"--lifecycle-file={ROOT}/build/deploy/bucket-lifecycle.json")
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
    # Whatever a resource is part of comes before it.
    for i, r in enumerate(PLAN):
        assert r.part_of is None or PLAN.index(r.part_of) < i, r.what


def test_the_gateway_calls_the_functions_at_their_urls_under_a_config_named_by_digest(
    dry_run,
):
    text = "\n".join(dry_run)
    assert not re.search(r"\bsed\b", text) and not re.search(r"\$\{\w+_URL\}", text)
    written = (ROOT / "build/deploy/api-gateway.json").read_bytes()
    spec = json.loads(written)
    assert {
        op["x-google-backend"]["address"] for ops in spec["paths"].values() for op in ops.values()
    } == {f"{FUNCTION_URL}start-batch", f"{FUNCTION_URL}job-status"}
    config = f"vidcompare-{hashlib.sha256(written).hexdigest()[:12]}"
    create = _flags(_one(dry_run, "gcloud api-gateway api-configs create"))
    assert create[4] == config and f"--openapi-spec={ROOT}/build/deploy/api-gateway.json" in create
    assert f"--api-config={config}" in _flags(_one(dry_run, "gateways update vidcompare"))


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
        _cli(action, P, "--region=europe-west1", "--dry-run", env=env)
    assert not calls.exists()


def test_teardown_removes_what_deploy_made_and_keeps_data_unless_asked():
    kept = _cli("teardown", P, "--region=europe-west1", "--dry-run").splitlines()
    subprocess.run(["bash", "-n"], input="\n".join(kept), text=True, check=True)
    for needles in [
        ("functions delete vidcompare-process-combo",),
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
        at = _at(kept, *needles)
        # Deleted only when its check finds it.
        guard = next(text for text in reversed(kept[:at]) if not text.startswith(" "))
        assert kept[at].startswith("  gcloud ") and guard.startswith("if exists gcloud ")
    assert not any("storage rm" in t or "databases delete" in t for t in kept)
    _one(kept, "# --- Cloud Storage bucket gs://acme-eval-vidcompare-videos: kept")
    _one(kept, "# --- Firestore database (default), native mode: kept")
    gone = _cli("teardown", P, "--region=europe-west1", "--dry-run", "--delete-data")
    assert "  gcloud storage rm --recursive gs://acme-eval-vidcompare-videos" in gone
    assert "  gcloud firestore databases delete '--database=(default)'" in gone


def test_every_resource_is_deleted_or_goes_with_one_that_is():
    for r in PLAN:
        owner = r
        while not owner.delete and owner.part_of is not None:
            owner = owner.part_of
        assert owner.delete or owner.what == "Google APIs the deploy uses, enabled", r.what
    assert [r.what for r in PLAN if r.holds_data] == [
        "Cloud Storage bucket gs://acme-eval-vidcompare-videos",
        "Firestore database (default), native mode",
    ]


def test_the_api_gateway_document_has_exactly_the_routes_the_functions_serve():
    backends = {"start_batch": "https://start.example", "job_status": "https://status.example"}
    function_at = {url: name for name, url in backends.items()}
    spec = gateway_spec(backends)
    assert spec["swagger"] == "2.0"
    served = {(r.method, r.template, r.function) for r in ROUTES}
    in_spec = {
        (method.upper(), path, function_at[op["x-google-backend"]["address"]])
        for path, ops in spec["paths"].items()
        for method, op in ops.items()
    }
    assert in_spec == served
    ids = [op["operationId"] for ops in spec["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids))
    for ops in spec["paths"].values():
        for op in ops.values():
            assert op["x-google-backend"]["path_translation"] == "APPEND_PATH_TO_ADDRESS"


# ------------------------------------------------------------ #15: uploads in production

BUCKET = "gs://acme-eval-vidcompare-videos"
CORS_FILE = f"{ROOT}/build/deploy/bucket-cors.json"
AGENT = "serviceAccount:service-${PROJECT_NUMBER}@gcp-sa-pubsub.iam.gserviceaccount.com"
RUN_URL = "https://vidcompare-job-status-${PROJECT_NUMBER}.europe-west1.run.app"
CORS_RULE = {
    "method": ["PUT", "POST", "GET", "HEAD", "OPTIONS"],
    "responseHeader": [
        "Content-Type",
        "Content-Range",
        "Range",
        "Location",
        "X-GUploader-UploadID",
    ],
    "maxAgeSeconds": 3600,
}


def test_the_bucket_takes_uploads_from_the_gateways_page_and_the_pages_configured():
    lines = _dry_run(
        "--dry-run", "--web-origin=https://App.example/", "--web-origin=http://localhost:8000"
    )
    heading = (
        f"CORS of {BUCKET}: uploads from the gateway's web page, "
        "https://app.example, http://localhost:8000"
    )
    body = _blocks(lines)[heading]
    # Written once the gateway exists: its host names the page's origin.
    assert body[0] == f"cat > {CORS_FILE} <<JSON"
    assert body[-2:] == [
        "JSON",
        f"gcloud storage buckets update {BUCKET} --cors-file={CORS_FILE} {P}",
    ]
    assert json.loads("\n".join(body[1:-2])) == [
        {"origin": ["https://${GATEWAY_HOST}", "https://app.example", "http://localhost:8000"]}
        | CORS_RULE
    ]
    host = _at(lines, "GATEWAY_HOST=$(gcloud api-gateway gateways describe vidcompare ")
    assert _at(lines, "gcloud api-gateway gateways create vidcompare ") < host
    assert host < _at(lines, f"cat > {CORS_FILE} <<JSON")
    # The same setting from the environment, comma- or space-separated.
    env = os.environ | {"VIDCOMPARE_WEB_ORIGINS": "https://a.example,https://b.example"}
    from_env = _cli("deploy", P, "--region=europe-west1", "--dry-run", env=env).splitlines()
    _one(from_env, "# --- CORS of", "web page, https://a.example, https://b.example")


def test_without_configured_pages_only_the_gateways_page_may_upload(dry_run):
    body = _blocks(dry_run)[f"CORS of {BUCKET}: uploads from the gateway's web page"]
    assert json.loads("\n".join(body[1:-2])) == [
        {"origin": ["https://${GATEWAY_HOST}"]} | CORS_RULE
    ]


@pytest.mark.parametrize(
    "origin", ["https://a.example/upload", "a.example", "ftp://a.example", "https://$(id)"]
)
def test_a_web_origin_that_is_not_one_is_refused_before_anything_is_written(origin):
    refused = subprocess.run(
        [sys.executable, "-m", "vidcompare.cli", "deploy", P, "--region=europe-west1"]
        + ["--dry-run", f"--web-origin={origin}"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=_env(),
    )
    assert refused.returncode == 1 and refused.stdout == ""
    assert "not a web origin (scheme://host[:port], no path)" in refused.stderr


def test_uploads_need_no_signing_so_no_account_mints_tokens_for_itself(dry_run):
    # The service opens resumable sessions with its own credentials: no V4 signed URL.
    core = (ROOT / "src/vidcompare" / path for path in service_core(ROOT))
    assert not any(re.search(r"generate_signed_url|signBlob", p.read_text()) for p in core)
    creators = [
        text
        for text in dry_run
        if "roles/iam.serviceAccountTokenCreator" in text and not text.startswith("#")
    ]
    # Only Pub/Sub's agent, for the ID token of each push to the worker, as the worker.
    assert creators == [
        "with_retries gcloud iam service-accounts add-iam-policy-binding "
        f"vidcompare-process-combo@acme-eval.iam.gserviceaccount.com {P} "
        f'"--member={AGENT}" --role=roles/iam.serviceAccountTokenCreator >/dev/null'
    ]
    assert _at(dry_run, "PROJECT_NUMBER=$(gcloud projects describe acme-eval") < dry_run.index(
        creators[0]
    )
    assert _at(dry_run, "service-accounts create vidcompare-process-combo ") < dry_run.index(
        creators[0]
    )


def test_the_functions_are_built_as_the_deploys_own_build_account(dry_run):
    builder = _one(dry_run, "with_retries ", "roles/cloudbuild.builds.builder")
    assert builder == (
        "with_retries gcloud projects add-iam-policy-binding acme-eval --condition=None --quiet "
        f"--member=serviceAccount:{BUILD_ACCOUNT} --role=roles/cloudbuild.builds.builder >/dev/null"
    )
    account = _at(dry_run, "gcloud iam service-accounts create vidcompare-build ")
    deploys = [i for i, text in enumerate(dry_run) if text.startswith("gcloud functions deploy ")]
    assert len(deploys) == 3 and account < dry_run.index(builder) < min(deploys)
    flag = f"--build-service-account=projects/acme-eval/serviceAccounts/{BUILD_ACCOUNT}"
    assert all(flag in _flags(dry_run[i]) for i in deploys)


def test_every_binding_is_retried_while_iam_catches_up(dry_run):
    bindings = [text for text in dry_run if re.search(r"add-\w+-policy-binding", text)]
    assert len(bindings) == len([r for r in PLAN if r.what.startswith("IAM: ")])
    assert all(text.startswith("with_retries gcloud ") for text in bindings)


def test_the_sweep_is_called_at_its_run_app_url_and_only_job_status_accepts_that(dry_run):
    sweep = _blocks(dry_run)["Cloud Scheduler job vidcompare-sweep"]
    settings = [
        "'--schedule=*/5 * * * *'",
        f'"--uri={RUN_URL}/internal/sweep"',
        "--http-method=POST",
        "--oidc-service-account-email=vidcompare-scheduler@acme-eval.iam.gserviceaccount.com",
        f'"--oidc-token-audience={RUN_URL}"',
    ]
    job = "vidcompare-sweep --location=europe-west1"
    assert sweep[1] == f"  gcloud scheduler jobs update http {job} {' '.join(settings)} {P}"
    assert sweep[3] == f"  gcloud scheduler jobs create http {job} {' '.join(settings)} {P}"

    def audiences(name: str, variable: str = "VIDCOMPARE_ID_TOKEN_AUDIENCE") -> list[str]:
        deploy = _flags(_one(dry_run, f"gcloud functions deploy vidcompare-{name} "))
        env = next(f for f in deploy if f.startswith("--set-env-vars="))
        found = re.search(rf"(?:;|\^){variable}=([^;]*)", env)
        return found[1].split(",") if found else []

    gateway = [f"{FUNCTION_URL}start-batch", f"{FUNCTION_URL}job-status"]
    # Tokens forwarded by the gateway name what they did, on every function alike; only
    # the sweep's target takes its run.app URL, and only from a direct call's token.
    direct = "VIDCOMPARE_DIRECT_ID_TOKEN_AUDIENCE"
    assert audiences("start-batch") == audiences("process-combo") == gateway
    assert audiences("job-status") == gateway
    assert audiences("job-status", direct) == [RUN_URL]
    assert audiences("start-batch", direct) == audiences("process-combo", direct) == []
    number = _at(dry_run, "PROJECT_NUMBER=$(gcloud projects describe acme-eval")
    assert number < _at(dry_run, "gcloud functions deploy vidcompare-job-status ")


def test_describe_reads_gen2_with_v2_and_only_deploy_names_gen2(dry_run):
    kept = _cli("teardown", P, "--region=europe-west1", "--dry-run").splitlines()
    described = [t for t in dry_run + kept if "gcloud functions describe " in t]
    # The worker's trigger when deploying (a deploy needs no check); a teardown's checks.
    assert len(described) == 1 + 3
    assert all(" --v2 " in t and "--gen2" not in t for t in described)
    with_gen2 = [t for t in dry_run + kept if "--gen2" in t]
    assert len(with_gen2) == 3 and all(t.startswith("gcloud functions deploy ") for t in with_gen2)
    assert len([t for t in kept if "gcloud functions delete " in t]) == 3


def test_the_script_runs_from_any_directory(dry_run, tmp_path):
    paths = [
        flag.split("=", 1)[1]
        for text in dry_run
        if text.lstrip().startswith("gcloud ")
        for flag in _flags(text)
        if flag.startswith(("--source=", "--openapi-spec=", "--lifecycle-file=", "--cors-file="))
    ]
    assert len(paths) == 3 + 1 + 1 + 1
    assert all(
        Path(path).is_absolute() and path.startswith(f"{ROOT}/build/deploy/") for path in paths
    )
    assert not any(re.match(r"\s*cd\b", text) for text in dry_run)
    # Asked from elsewhere, the same script.
    elsewhere = subprocess.run(
        [sys.executable, "-m", "vidcompare.cli", "deploy", P, "--region=europe-west1", "--dry-run"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
        env=_env(),
    )
    assert elsewhere.stdout.splitlines() == dry_run


# ------------------------------------------------------------ the scripts, run

# A stand-in for gcloud: it records each call (and what a call reads from stdin), prints
# a value for a lookup (--format=value(...)), fails a check listed in $GCLOUD_MISSING
# (that resource does not exist), fails a call listed in $GCLOUD_NOT_YET once per line
# as IAM does while a new account propagates, and succeeds at everything else. `sleep`
# is a stand-in too: it records how long the script would wait, and returns at once.
FAKE_GCLOUD = r"""#!/usr/bin/env bash
printf '%s\n' "$*" >> "$GCLOUD_CALLS"
if [[ " $* " == *" --data-file=- "* ]]; then printf 'stdin: %s\n' "$(cat)" >> "$GCLOUD_CALLS"; fi
if [[ " $* " == *" --format=value("* ]]; then echo looked-up; exit 0; fi
if grep -qxF -- "$*" "$GCLOUD_MISSING"; then exit 1; fi
if grep -qxF -- "$*" "$GCLOUD_NOT_YET"; then
  awk -v call="$*" 'done || $0 != call { print; next } { done = 1 }' "$GCLOUD_NOT_YET" \
    > "$GCLOUD_NOT_YET.next" && mv "$GCLOUD_NOT_YET.next" "$GCLOUD_NOT_YET"
  echo "ERROR: (gcloud) Service account does not exist." >&2
  exit 1
fi
exit 0
"""
FAKE_SLEEP = r"""#!/usr/bin/env bash
printf 'sleep %s\n' "$*" >> "$GCLOUD_CALLS"
"""


def _run(
    script: str,
    tmp_path: Path,
    missing: Iterable[str] = (),
    not_yet: Iterable[str] = (),
    check: bool = True,
    **env: str,
) -> list[str]:
    """Run a generated script against the stand-in gcloud, from a directory of its own
    (not the checkout); the calls it made, in order."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for name, text in (("gcloud", FAKE_GCLOUD), ("sleep", FAKE_SLEEP)):
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    calls, absent, flaky = tmp_path / "calls", tmp_path / "missing", tmp_path / "not-yet"
    calls.write_text("")
    absent.write_text("".join(f"{check}\n" for check in missing))
    flaky.write_text("".join(f"{call}\n" for call in not_yet))
    (ROOT / "build" / "deploy").mkdir(parents=True, exist_ok=True)  # as prepare_deploy leaves it
    base = {
        k: v for k, v in os.environ.items() if k not in ("GEMINI_API_KEY", "VIDCOMPARE_API_KEYS")
    }
    base |= {"PATH": f"{bin_dir}:{os.environ['PATH']}", "GCLOUD_CALLS": str(calls)}
    base |= {"GCLOUD_MISSING": str(absent), "GCLOUD_NOT_YET": str(flaky)}
    subprocess.run(["bash"], input=script, text=True, check=check, cwd=tmp_path, env=base | env)
    return calls.read_text().splitlines()


def _call(command: str) -> str | None:
    """The arguments gcloud gets from a declared command, with each value a lookup read
    (the stand-in answers them all "looked-up"); None for compound shell."""
    command = command.removeprefix("already_ok ").removeprefix("with_retries ")
    command = re.sub(r"\$\{?[A-Z_]+\}?", "looked-up", command.removesuffix(" >/dev/null"))
    if not command.startswith("gcloud ") or any(c in command for c in "|\n"):
        return None
    return " ".join(shlex.split(command)[1:])


def _calls(commands: Iterable[str]) -> list[str]:
    return [call for command in commands if (call := _call(command))]


def _deploy() -> str:
    return deploy_script(TARGET, indexes=INDEXES)


def test_a_first_deploy_creates_each_resource_in_order_after_checking_it(tmp_path):
    checked = [r for r in PLAN if not r.upserts]
    calls = _run(
        _deploy(),
        tmp_path,
        missing=_calls(r.check for r in checked),
        GEMINI_API_KEY="g-key",
        VIDCOMPARE_API_KEYS="alice=ab12",
    )
    creates = _calls(c for r in PLAN for c in r.create)
    assert [c for c in calls if c in creates] == creates  # each once, in declared order
    for r in checked:
        for create in _calls(r.create):
            assert calls.index(_call(r.check)) < calls.index(create), r.what
    assert not set(_calls(c for r in checked for c in r.update)) & set(calls)
    # Each secret's value goes in through stdin, never on a command line.
    assert calls.count("stdin: g-key") == calls.count("stdin: alice=ab12") == 1
    assert not any("g-key" in c or "ab12" in c for c in calls if not c.startswith("stdin: "))


def test_a_deploy_over_an_existing_one_creates_nothing_and_updates_in_place(tmp_path):
    calls = _run(_deploy(), tmp_path)
    checked = [r for r in PLAN if not r.upserts]
    assert not set(_calls(c for r in checked for c in r.create)) & set(calls)
    updates = _calls(c for r in checked for c in r.update)
    assert [c for c in calls if c in updates] == updates
    assert [" ".join(u.split()[:4]) for u in updates] == [
        "scheduler jobs update http",
        "api-gateway gateways update vidcompare",
    ]
    # What needs no check (functions, bindings, settings) is applied again.
    applied = _calls(c for r in PLAN if r.upserts for c in r.create)
    assert [c for c in calls if c in applied] == applied
    # No value given: the secrets keep theirs. A value given: a new version of that one.
    assert not any(c.startswith("secrets versions add") for c in calls)
    again = _run(_deploy(), tmp_path, GEMINI_API_KEY="new-key")
    added = [c for c in again if c.startswith("secrets versions add")]
    assert added == [f"secrets versions add vidcompare-gemini-api-key --data-file=- {P}"]


@pytest.mark.parametrize("delete_data", [False, True])
def test_teardown_deletes_what_deploy_created_newest_first(tmp_path, delete_data):
    calls = _run(teardown_script(TARGET, delete_data=delete_data), tmp_path)
    every_delete = _calls(c for r in PLAN for c in r.delete)
    expected = _calls(
        c for r in reversed(PLAN) if delete_data or not r.holds_data for c in r.delete
    )
    assert [c for c in calls if c in every_delete] == expected
    assert ("storage rm --recursive gs://acme-eval-vidcompare-videos " + P in calls) is delete_data
    # Every config of the API, older ones too, goes before the API.
    config = f"api-gateway api-configs delete looked-up --api=vidcompare {P} --quiet"
    assert calls.index(config) < calls.index(f"api-gateway apis delete vidcompare {P} --quiet")


def test_a_teardown_of_nothing_deletes_nothing(tmp_path):
    missing = _calls(r.check for r in PLAN if r.check)
    calls = _run(teardown_script(TARGET, delete_data=True), tmp_path, missing=missing)
    assert calls and all(" describe " in f" {c} " for c in calls)


def test_a_deploy_writes_the_cors_document_with_the_gateways_host_and_sets_it(tmp_path):
    target = Target(
        project="acme-eval", region="europe-west1", web_origins=("https://app.example",)
    )
    (ROOT / "build/deploy/bucket-cors.json").unlink(missing_ok=True)
    calls = _run(deploy_script(target, indexes=INDEXES), tmp_path)
    written = json.loads((ROOT / "build/deploy/bucket-cors.json").read_text())
    assert written == [{"origin": ["https://looked-up", "https://app.example"]} | CORS_RULE]
    host = calls.index(
        f"api-gateway gateways describe vidcompare --location=europe-west1 {P} "
        "--format=value(defaultHostname)"
    )
    assert host < calls.index(f"storage buckets update {BUCKET} --cors-file={CORS_FILE} {P}")


def _builder_binding() -> str:
    (builder,) = [r for r in PLAN if r.what.startswith("IAM: roles/cloudbuild.builds.builder")]
    return _call(builder.create[0])


def test_a_binding_on_an_account_iam_does_not_know_yet_is_tried_again(tmp_path):
    binding = _builder_binding()
    calls = _run(_deploy(), tmp_path, not_yet=[binding, binding])
    tries = [i for i, call in enumerate(calls) if call == binding]
    assert len(tries) == 3
    assert calls[tries[0] + 1] == "sleep 2" and calls[tries[1] + 1] == "sleep 4"
    # ...and the deploy goes on.
    assert any(call.startswith("functions deploy ") for call in calls[tries[-1] :])


def test_a_binding_that_keeps_failing_ends_the_deploy_after_about_two_minutes(tmp_path):
    binding = _builder_binding()
    with pytest.raises(subprocess.CalledProcessError):
        _run(_deploy(), tmp_path, not_yet=[binding] * 7)
    calls = (tmp_path / "calls").read_text().splitlines()
    assert calls.count(binding) == 7
    assert [c for c in calls if c.startswith("sleep ")] == [f"sleep {2**n}" for n in range(1, 7)]
    assert calls[-1] == binding  # nothing after it ran


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


def test_the_deployers_quotas_reach_the_functions_and_a_bad_table_stops_the_deploy():
    quotas = '{"gemini-3.8-flash": {"rpm": 60, "tpm": 1000000}, "*": {"rpm": 150}}'
    env = _env() | {"VIDCOMPARE_QUOTAS": quotas, "VIDCOMPARE_GEMINI_TIER": "free"}
    lines = _cli("deploy", P, "--region=europe-west1", "--dry-run", env=env).splitlines()
    deploy = _flags(_one(lines, "gcloud functions deploy vidcompare-process-combo "))
    flag = next(f for f in deploy if f.startswith("--set-env-vars="))
    passed = dict(item.split("=", 1) for item in flag.removeprefix("--set-env-vars=^;^").split(";"))
    assert passed["VIDCOMPARE_QUOTAS"] == quotas
    assert passed["VIDCOMPARE_GEMINI_TIER"] == "free"
    bad = subprocess.run(
        [sys.executable, "-m", "vidcompare.cli", "deploy", P, "--region=europe-west1", "--dry-run"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=_env() | {"VIDCOMPARE_QUOTAS": '{"gemini-3.8-flash": {"rpm": 0}}'},
    )
    assert bad.returncode != 0
    assert bad.stderr.startswith("error: VIDCOMPARE_QUOTAS: rpm must be a whole number >= 1")
