"""Access with auth on: API keys (only hashes configured), owners see only their own."""

from __future__ import annotations

import http.server
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import httpx
import pytest

from vidcompare.auth import hash_key
from vidcompare.devstack.stack import free_port

FUNCTIONS = ("start_batch", "job_status")
ALICE, BOB, SCHEDULER = "vc_alice_key", "vc_bob_key", "vc_scheduler_key"


@pytest.fixture(scope="module")
def auth_on(local_stack):
    """The session's functions restarted with auth on; auth goes back off afterwards."""
    keys = f"alice={hash_key(ALICE)},bob={hash_key(BOB)},scheduler={hash_key(SCHEDULER)}"
    env = {"VIDCOMPARE_AUTH": "on", "VIDCOMPARE_API_KEYS": keys, "VIDCOMPARE_ADMINS": "scheduler"}
    local_stack.restart(*FUNCTIONS, extra_env=env)
    try:
        yield local_stack.info.base_url
    finally:
        local_stack.restart(*FUNCTIONS)


def as_(key: str | None) -> dict[str, str]:
    return {"X-API-Key": key} if key else {}


def test_every_route_needs_a_valid_key(auth_on):
    routes = [
        ("GET", "/api/jobs"),
        ("GET", "/api/jobs/some-job"),
        ("GET", "/api/jobs/some-job/result"),
        ("POST", "/api/jobs/some-job/cancel"),
        ("GET", "/api/videos"),
        ("GET", "/api/videos/some-video"),
        ("POST", "/api/videos?filename=a.mp4"),
        ("POST", "/api/batch-compare-async"),
        ("POST", "/internal/sweep"),
        ("GET", "/api/models"),
    ]
    for key in (None, "vc_not_a_key"):
        for method, path in routes:
            answer = httpx.request(method, auth_on + path, headers=as_(key), content=b"{}")
            assert answer.status_code == 401, (key, method, path, answer.text)
            assert answer.json()["error"]["code"] == "UNAUTHENTICATED"


def test_owners_see_only_their_own_jobs_and_videos(auth_on, video_files):
    alice = httpx.Client(base_url=auth_on, headers=as_(ALICE), timeout=60)
    bob = httpx.Client(base_url=auth_on, headers=as_(BOB), timeout=60)
    path = video_files["green"]
    video = alice.post(
        "/api/videos", params={"filename": path.name}, content=path.read_bytes()
    ).json()
    batch = {"video_ids": [video["video_id"]], "prompts": ["How long?"], "models": ["local-scenes"]}
    job_id = alice.post("/api/batch-compare-async", json=batch).json()["job_id"]

    assert alice.get(f"/api/jobs/{job_id}").status_code == 200
    assert job_id in [j["job_id"] for j in alice.get("/api/jobs").json()["jobs"]]
    assert video["video_id"] in [v["video_id"] for v in alice.get("/api/videos").json()["videos"]]
    # To Bob, Alice's things do not exist.
    for method, path in [
        ("GET", f"/api/jobs/{job_id}"),
        ("GET", f"/api/jobs/{job_id}/result"),
        ("POST", f"/api/jobs/{job_id}/cancel"),
        ("GET", f"/api/videos/{video['video_id']}"),
    ]:
        assert bob.request(method, path).status_code == 404, (method, path)
    assert job_id not in [j["job_id"] for j in bob.get("/api/jobs").json()["jobs"]]
    assert video["video_id"] not in [v["video_id"] for v in bob.get("/api/videos").json()["videos"]]
    refused = bob.post("/api/batch-compare-async", json=batch)
    assert refused.status_code == 400 and "unknown video" in refused.json()["error"]["message"]
    # A page token is no oracle: Alice's job id answers exactly like a made-up one.
    probes = [bob.get("/api/jobs", params={"page_token": t}) for t in (job_id, str(uuid.uuid4()))]
    assert [p.status_code for p in probes] == [400, 400]
    assert probes[0].json() == probes[1].json()


def test_any_valid_key_may_read_the_model_list(auth_on):
    answer = httpx.get(auth_on + "/api/models", headers=as_(BOB), timeout=30)
    assert answer.status_code == 200
    assert "local-scenes" in [m["model_id"] for m in answer.json()["models"]]


def test_only_an_admin_may_sweep(auth_on):
    assert httpx.post(auth_on + "/internal/sweep", headers=as_(ALICE)).status_code == 403
    assert httpx.post(auth_on + "/internal/sweep", headers=as_(SCHEDULER)).status_code == 200


def test_up_with_auth_prints_a_key_that_opens_the_api(tmp_path):
    """`vidcompare up --auth`: a stack of its own that refuses callers without the key."""

    def cli(*args: str, key: str | None = None) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if k != "VIDCOMPARE_API_KEY"}
        env |= {"VIDCOMPARE_API_KEY": key} if key else {}
        return subprocess.run(
            [sys.executable, "-m", "vidcompare.cli", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=180,
        )

    state = str(tmp_path / "authed")
    started = cli("up", "--auth", "--port", str(free_port()), "--state-dir", state)
    try:
        assert started.returncode == 0, started.stderr
        exports = [ln for ln in started.stdout.splitlines() if ln.startswith("export ")]
        key = exports[0].removeprefix("export VIDCOMPARE_API_KEY=")
        assert key.startswith("vc_")
        url = next(ln.split()[-3] for ln in started.stdout.splitlines() if " is up at " in ln)
        refused = cli("jobs", "--url", url)
        assert refused.returncode == 1
        assert "UNAUTHENTICATED (401)" in refused.stderr
        assert cli("jobs", "--url", url, key=key).returncode == 0
        swept = httpx.post(f"{url}/internal/sweep", headers=as_(key), timeout=30)
        assert swept.status_code == 200  # the printed key is an admin's
        # Raw keys stay out of the functions' environment: only hashes are there.
        info = json.loads((tmp_path / "authed" / "stack.json").read_text())
        for service in info["services"]:
            environ = Path(f"/proc/{service['pid']}/environ").read_bytes().split(b"\0")
            if service["name"] != "gateway":
                assert not any(e.startswith(b"VIDCOMPARE_SWEEP_API_KEY=") for e in environ)
            assert not any(key.encode() in e for e in environ), service["name"]
        # Down and up again with auth: no new key, and the printed one still opens the API.
        assert cli("down", "--state-dir", state).returncode == 0
        again = cli("up", "--auth", "--port", url.rsplit(":", 1)[1], "--state-dir", state)
        assert again.returncode == 0, again.stderr
        assert "export " not in again.stdout and "still works" in again.stdout
        assert cli("jobs", "--url", url, key=key).returncode == 0
    finally:
        assert cli("down", "--state-dir", state).returncode == 0


class CertsServer:
    """Google's certificate endpoint, played by a local server with a key of the test's."""

    def __init__(self) -> None:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.private_pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        public_pem = (
            key.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode()
        )
        self.served = 0
        certs = json.dumps({"test-kid": public_pem}).encode()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.served += 1
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(certs)

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/certs"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def token(self, **claims: object) -> str:
        from google.auth import crypt, jwt

        signer = crypt.RSASigner.from_string(self.private_pem, "test-kid")
        now = int(time.time())
        payload = {"iss": "https://accounts.google.com", "iat": now, "exp": now + 600} | claims
        return jwt.encode(signer, payload).decode()


def test_bearer_tokens_are_401_or_503_never_500_and_certificates_are_cached(local_stack):
    certs = CertsServer()
    env = {"VIDCOMPARE_AUTH": "on", "VIDCOMPARE_GOOGLE_CERTS_URL": certs.url}
    local_stack.restart("job_status", extra_env=env)
    url = f"{local_stack.info.base_url}/api/jobs"
    try:
        good = certs.token(email="carol@example.com", email_verified=True)
        assert httpx.get(url, headers={"Authorization": f"Bearer {good}"}).status_code == 200
        for bad, why in [
            ("not.a.jwt", "not a JWT"),
            (certs.token(email="carol@example.com", email_verified=False), "no verified email"),
            (certs.token(email="eve@example.com", email_verified=True, iss="evil"), "by Google"),
        ]:
            answer = httpx.get(url, headers={"Authorization": f"Bearer {bad}"})
            assert answer.status_code == 401, bad
            assert why in answer.json()["error"]["message"]
        for _ in range(5):
            httpx.get(url, headers={"Authorization": f"Bearer {good}"})
        assert certs.served == 1  # fetched once, then cached
        # Google out of reach and nothing cached yet: 503 with Retry-After, not 500.
        dead = {"VIDCOMPARE_GOOGLE_CERTS_URL": f"http://127.0.0.1:{free_port()}/certs"}
        local_stack.restart("job_status", extra_env=env | dead)
        answer = httpx.get(url, headers={"Authorization": f"Bearer {good}"})
        assert answer.status_code == 503 and answer.headers["Retry-After"] == "30"
        assert answer.json()["error"]["code"] == "UNAVAILABLE"
        # A malformed token is refused without asking anyone.
        assert httpx.get(url, headers={"Authorization": "Bearer x"}).status_code == 401
    finally:
        certs.server.shutdown()
        local_stack.restart("job_status")


def test_a_direct_token_and_a_forwarded_one_are_held_to_their_own_audiences(local_stack):
    """Cloud Scheduler's token (straight to job_status, naming its run.app URL) is taken
    only as a direct call's: the gateway's forwarded tokens keep their own audiences."""
    certs = CertsServer()
    gateway, run = "https://gw.example/job-status", "https://job-status-1.run.app"
    env = {
        "VIDCOMPARE_AUTH": "on",
        "VIDCOMPARE_GOOGLE_CERTS_URL": certs.url,
        "VIDCOMPARE_ID_TOKEN_AUDIENCE": gateway,
        "VIDCOMPARE_DIRECT_ID_TOKEN_AUDIENCE": run,
    }
    local_stack.restart("job_status", extra_env=env)
    url = f"{local_stack.info.base_url}/api/jobs"
    try:
        for audience, header, status in [
            (run, "Authorization", 200),
            (run, "X-Forwarded-Authorization", 401),
            (gateway, "X-Forwarded-Authorization", 200),
            (gateway, "Authorization", 401),
        ]:
            token = certs.token(email="sched@example.com", email_verified=True, aud=audience)
            answer = httpx.get(url, headers={header: f"Bearer {token}"})
            assert answer.status_code == status, (audience, header, answer.text)
    finally:
        certs.server.shutdown()
        local_stack.restart("job_status")
