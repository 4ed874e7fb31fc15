"""The local stack keeps its jobs and heals itself: down/up, SIGKILL and SIGSTOP mid-batch.

A supervised stack of its own (``vidcompare up``'s), on its own ports and state directory,
separate from the session's. Every job is 6 combinations of a Gemini model that answers
after a scripted second (the fake Gemini), so that it is mid-way when the fault lands.
What each test proves, it measures: combinations run again, seconds until the job moves.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from vidcompare import cli
from vidcompare.auth import hash_key
from vidcompare.client import Client
from vidcompare.devstack import control
from vidcompare.devstack.stack import free_port, load_info
from vidcompare.testing.synth import SceneSpec, make_video

MODEL = "gemini-3.6-flash"
COMBINATIONS = 6
# Short leases and ack deadlines make recovery reachable in a test; snapshots each second.
ENV = {
    "VIDCOMPARE_LEASE_SECONDS": "10",
    "VIDCOMPARE_ACK_DEADLINE_S": "15",
    "VIDCOMPARE_GEMINI_BACKOFF_S": "0.05",
    "VIDCOMPARE_GEMINI_POLL_S": "0.05",
    "VIDCOMPARE_SNAPSHOT_EVERY_S": "1",
}


class Local:
    """The test's own supervised stack: start, stop, kill, and a client to it."""

    def __init__(self, state_dir: Path, port: int, env: dict[str, str]) -> None:
        self.state_dir, self.port, self.env = state_dir, port, env

    def up(self) -> float:
        started = time.monotonic()
        control.launch(self.state_dir, port=self.port, extra_env=self.env)
        return time.monotonic() - started

    def down(self) -> None:
        control.shutdown(self.state_dir)

    def client(self) -> Client:
        return Client(f"http://127.0.0.1:{self.port}", timeout=60)

    def pids(self) -> dict[str, int]:
        info = load_info(self.state_dir)
        return {s.name: s.pid for s in info.services} | {"supervisor": info.supervisor_pid}

    def signal_all(self, sig: int) -> None:
        for pid in self.pids().values():
            os.killpg(pid, sig) if pid != self.pids()["supervisor"] else os.kill(pid, sig)


@pytest.fixture(scope="module")
def local(tmp_path_factory, fake_gemini_server) -> Iterator[Local]:
    stack = Local(
        tmp_path_factory.mktemp("supervised"), free_port(), ENV | fake_gemini_server.env()
    )
    stack.up()
    try:
        yield stack
    finally:
        stack.down()


@pytest.fixture(scope="module")
def video(local: Local, tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("clip") / "supervised.mp4"
    make_video(path, [SceneSpec((120, 60, 200), 0.75), SceneSpec((20, 200, 90), 0.75)])
    with local.client() as client:
        return client.upload(path).video_id


def start(local: Local, video: str, tag: str) -> str:
    prompts = [f"{tag}: question {i}" for i in range(COMBINATIONS)]
    with local.client() as client:
        return client.start_batch([video], prompts, [MODEL], judge_model="local-rubric").job_id


def progress(local: Local, job_id: str) -> int:
    with local.client() as client:
        return client.job(job_id).completed_combinations


def wait_for(local: Local, job_id: str, done: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while progress(local, job_id) < done:
        assert time.monotonic() < deadline, f"job {job_id} never reached {done}"
        time.sleep(0.2)


def saved_after(local: Local, moment: float, timeout: float = 15) -> None:
    """Wait until the supervisor saved Firestore after ``moment`` (time.time())."""
    deadline = time.monotonic() + timeout
    while (control.health(local.state_dir).saved_at or 0) <= moment:
        assert time.monotonic() < deadline, "no snapshot was taken"
        time.sleep(0.1)


def finished(local: Local, job_id: str, fake, tag: str, timeout: float = 120) -> int:
    """Wait for the job; check it has every combination exactly once; combinations whose
    model ran more than once (the re-runs) are returned."""
    with local.client() as client:
        job = client.wait(job_id, poll_seconds=0.3, timeout=timeout)
        assert job.status.value == "completed", job.error
        result = client.result(job_id)
    assert sorted(c.index for c in result.comparisons) == list(range(COMBINATIONS))
    assert job.completed_combinations == COMBINATIONS
    assert all(c.results[0].error is None for c in result.comparisons)
    calls = [c for c in fake.calls(MODEL) if c["prompt"].startswith(f"{tag}:")]
    return len(calls) - COMBINATIONS


@pytest.fixture
def slow(fake_gemini):
    fake_gemini.script(MODEL, latency_ms=1000)
    return fake_gemini


def test_down_and_up_mid_batch_keep_the_job_and_it_finishes(local, video, slow):
    job_id = start(local, video, "down-up")
    wait_for(local, job_id, 2)
    local.down()
    assert not (local.state_dir / "stack.json").exists()
    seconds_to_up = local.up()  # on the same port, right after
    with local.client() as client:
        assert client.job(job_id).completed_combinations >= 2  # nothing committed was lost
    reruns = finished(local, job_id, slow, "down-up")
    # A clean down saves everything: only the combination in flight may run again.
    assert reruns <= 1, reruns
    print(f"down/up: up again in {seconds_to_up:.1f} s, {reruns} combination(s) ran again")


def test_a_video_uploaded_before_down_and_up_is_read_after_it(local, slow, tmp_path):
    # Gemini reads the video from the bucket; the storage emulator comes back on another
    # port, and its saved index must not send readers to the old one.
    path = tmp_path / "before.mp4"
    make_video(path, [SceneSpec((200, 30, 30), 0.5), SceneSpec((30, 30, 200), 0.5)])
    with local.client() as client:
        video_id = client.upload(path).video_id
    port_before = load_info(local.state_dir).service("storage").port
    local.down()
    local.up()
    assert load_info(local.state_dir).service("storage").port != port_before
    job_id = start(local, video_id, "uploaded-before")
    assert finished(local, job_id, slow, "uploaded-before", timeout=60) == 0


def test_a_crash_of_every_process_mid_batch_loses_at_most_a_snapshot(local, video, slow):
    job_id = start(local, video, "crash")
    wait_for(local, job_id, 2)
    saved_after(local, time.time())
    local.signal_all(signal.SIGKILL)  # the supervisor, the emulators, the functions
    time.sleep(0.5)
    local.up()
    reruns = finished(local, job_id, slow, "crash")
    # Snapshots each second, a combination each second: at most two re-run.
    assert reruns <= 2, reruns
    print(f"crash: {reruns} combination(s) ran again")


@pytest.mark.parametrize(
    "victim", ["process_combo", "pubsub", "firestore", "storage", "pubsub-wrapper-only"]
)
def test_a_killed_component_is_restarted_and_the_batch_goes_on(local, video, slow, victim):
    tag = f"kill-{victim}"
    job_id = start(local, video, tag)
    wait_for(local, job_id, 2)
    saved_after(local, time.time())  # the job is in a snapshot: a new Firestore has it
    if victim == "pubsub-wrapper-only":
        # Only gcloud's wrapper: its java child lives on, holding the port, until the
        # restart ends the wrapper's whole group.
        victim = "pubsub"
        before = local.pids()[victim]
        os.kill(before, signal.SIGKILL)
    else:
        before = local.pids()[victim]
        os.killpg(before, signal.SIGKILL)
    killed_at = time.monotonic()
    reruns = finished(local, job_id, slow, tag)
    info = load_info(local.state_dir)
    assert info.service(victim).pid != before and info.service(victim).restarts >= 1
    assert control.health(local.state_dir).up
    print(f"{tag}: {reruns} re-run(s), job done {time.monotonic() - killed_at:.1f} s later")


def test_sleep_then_wake_and_the_job_finishes(local, video, slow):
    job_id = start(local, video, "sleep")
    wait_for(local, job_id, 2)
    local.signal_all(signal.SIGSTOP)
    time.sleep(20)  # longer than the ack deadline (15 s): messages come back on waking
    local.signal_all(signal.SIGCONT)
    reruns = finished(local, job_id, slow, "sleep")
    assert control.health(local.state_dir).up
    print(f"sleep 20 s: {reruns} re-run(s)")


def test_healthz_names_what_is_down_until_the_supervisor_heals_it(local, video, slow):
    supervisor = local.pids()["supervisor"]
    os.kill(supervisor, signal.SIGSTOP)  # so that it cannot heal before we look
    try:
        # An emulator that answers is not enough: without its push subscription (as
        # after a restart, before the supervisor makes them again) nothing is delivered.
        info = load_info(local.state_dir)
        emulator = f"http://{info.env['PUBSUB_EMULATOR_HOST']}/v1/projects/{info.project}"
        gone = httpx.delete(f"{emulator}/subscriptions/process-combo-push-1", timeout=10)
        assert gone.status_code == 200
        answer = httpx.get(f"http://127.0.0.1:{local.port}/healthz", timeout=10)
        assert answer.status_code == 503
        assert answer.json()["components"]["pubsub"] == "down"
        os.killpg(local.pids()["pubsub"], signal.SIGKILL)
        time.sleep(0.5)
        answer = httpx.get(f"http://127.0.0.1:{local.port}/healthz", timeout=10)
        assert answer.status_code == 503
        assert answer.json()["components"]["pubsub"] == "down"
        assert answer.json()["components"]["firestore"] == "up"
        said = CliRunner().invoke(cli.app, ["status", "--state-dir", str(local.state_dir)])
        assert said.exit_code == 1 and "pubsub" in said.stdout
    finally:
        os.kill(supervisor, signal.SIGCONT)
    assert control.wait_until_up(local.state_dir, timeout=60).up
    job_id = start(local, video, "healed")
    assert finished(local, job_id, slow, "healed") == 0


def test_up_repairs_a_half_dead_stack_and_status_tells_the_truth(local, video, slow):
    os.kill(local.pids()["supervisor"], signal.SIGKILL)
    os.killpg(local.pids()["gateway"], signal.SIGKILL)
    time.sleep(0.5)
    runner = CliRunner()
    args = ["--state-dir", str(local.state_dir)]
    said = runner.invoke(cli.app, ["status", *args])
    assert said.exit_code == 1
    assert "gateway" in said.stdout and "down" in said.stdout
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"http://127.0.0.1:{local.port}/healthz", timeout=2)
    repaired = runner.invoke(
        cli.app, ["up", "--port", str(local.port), *args], env=local.env | dict(os.environ)
    )
    assert repaired.exit_code == 0, repaired.output
    assert "the stack is not whole" in repaired.stderr
    assert runner.invoke(cli.app, ["status", *args]).exit_code == 0
    # Up already: the same port is fine; another port, or auth it does not have, is not.
    again = runner.invoke(cli.app, ["up", "--port", str(local.port), *args])
    assert again.exit_code == 0 and "already up at" in again.stdout
    elsewhere = runner.invoke(cli.app, ["up", "--port", str(local.port + 1), *args])
    assert elsewhere.exit_code == 1
    assert f"vidcompare down && vidcompare up --port {local.port + 1}" in elsewhere.stderr
    assert runner.invoke(cli.app, ["up", "--auth", *args]).exit_code == 1
    job_id = start(local, video, "repaired")
    assert finished(local, job_id, slow, "repaired") == 0


def test_the_owners_key_is_made_once_and_kept_with_the_data(tmp_path):
    env, key = control.auth_env(tmp_path)
    assert key and env["VIDCOMPARE_AUTH"] == "on"
    digest = hash_key(key)
    assert f"local={digest}" in env["VIDCOMPARE_API_KEYS"].split(",")
    # The next `up --auth` shows no new key: the one printed before still works.
    again, shown = control.auth_env(tmp_path)
    assert shown is None and f"local={digest}" in again["VIDCOMPARE_API_KEYS"].split(",")
    assert again["VIDCOMPARE_SWEEP_API_KEY"] != env["VIDCOMPARE_SWEEP_API_KEY"]
    assert (tmp_path / "data" / "keys.json").stat().st_mode & 0o777 == 0o600
    assert key not in (tmp_path / "data" / "keys.json").read_text()  # only its hash


def test_the_video_cache_keeps_its_bound_evicting_the_least_recently_used(tmp_path, monkeypatch):
    from vidcompare import video_files as videos
    from vidcompare.config import settings

    monkeypatch.setenv("VIDCOMPARE_CACHE_MAX_BYTES", "2500")
    settings.cache_clear()
    try:
        now = time.time()
        for age, name in [(900, "oldest"), (600, "older"), (400, "old"), (0, "new")]:
            copy = tmp_path / f"{name}.mp4"
            copy.write_bytes(b"x" * 1000)
            os.utime(copy, (now - age, now - age))
        videos._evict(tmp_path, keep=tmp_path / "new.mp4")
        assert sorted(p.name for p in tmp_path.iterdir()) == ["new.mp4", "old.mp4"]
    finally:
        settings.cache_clear()


def test_ctrl_c_on_one_emulator_stops_it_and_frees_its_port(tmp_path):
    # As a terminal does it: the command in a session of its own, SIGINT to its group.
    port = free_port()
    command = [sys.executable, "-m", "vidcompare.cli", "emulator", "pubsub", "--port", str(port)]
    command += ["--state-dir", str(tmp_path)]
    # Its output to a file: a pipe nobody reads fills up and blocks the command's own
    # shutdown logging, which looked like a command that ignores Ctrl-C.
    screen = (tmp_path / "terminal.log").open("wb")
    terminal = subprocess.Popen(
        command, stdout=screen, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 60
        while not _answers(port):
            assert time.monotonic() < deadline and terminal.poll() is None
            time.sleep(0.2)
        os.killpg(terminal.pid, signal.SIGINT)
        terminal.wait(60)  # the JVM winds down slowly on a loaded machine
        deadline = time.monotonic() + 10
        while _answers(port) or _holders(port):
            assert time.monotonic() < deadline, f"still running: {_holders(port)}"
            time.sleep(0.2)
    finally:
        screen.close()
        for pid in _holders(port):
            os.kill(pid, signal.SIGKILL)


def _answers(port: int) -> bool:
    try:
        httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
        return True
    except httpx.HTTPError:
        return False


def _holders(port: int) -> list[int]:
    """Processes whose command line names the port: the emulator's wrapper, bash, java."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and entry.name != str(os.getpid()):
            try:
                argv = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if any(
                arg.endswith(f":{port}".encode()) or arg == f"--port={port}".encode()
                for arg in argv
            ):
                found.append(int(entry.name))
    return found
