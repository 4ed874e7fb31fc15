"""Starting, stopping and asking after the supervised local stack (what the CLI runs).

``launch`` starts :mod:`vidcompare.devstack.supervisor` in the background and waits
until the stack answers; ``shutdown`` asks the supervisor to save and stop (and stops
what is left if it is gone); ``health`` says what is up. Only processes that are still
the ones recorded (same boot, same start time) count, and only they are ever signalled.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from vidcompare import auth
from vidcompare.config import tool_settings
from vidcompare.devstack import processes, snapshots
from vidcompare.devstack.stack import Stack, StackError, StackInfo, load_info


@dataclass
class Health:
    """What is running of a stack recorded in a state directory."""

    recorded: bool  # a stack.json exists
    supervisor: bool  # its supervisor process is alive
    components: dict[str, str] = field(default_factory=dict)  # name -> "up" | "down"
    info: StackInfo | None = None
    saved_at: float | None = None  # when Firestore was last saved

    @property
    def up(self) -> bool:
        return (
            self.supervisor
            and bool(self.components)
            and all(state == "up" for state in self.components.values())
        )


def health(state_dir: Path) -> Health:
    saved = snapshots.saved_at(Path(state_dir) / "data")
    try:
        info = load_info(state_dir)
    except (StackError, ValueError):
        return Health(recorded=False, supervisor=False, saved_at=saved)
    components = {s.name: "up" if s.alive else "down" for s in info.services}
    gateway = next((s for s in info.services if s.name == "gateway"), None)
    if gateway is not None and gateway.alive:
        with contextlib.suppress(httpx.HTTPError, ValueError):
            answer = httpx.get(f"{info.base_url}/healthz", timeout=5.0)
            components |= answer.json().get("components", {})
    return Health(True, info.supervised, components, info, saved)


def wait_until_up(state_dir: Path, *, timeout: float) -> Health:
    """The stack's health once it is up, or as it is after ``timeout``."""
    deadline = time.monotonic() + timeout
    state = health(state_dir)
    while not state.up and time.monotonic() < deadline:
        time.sleep(0.5)
        state = health(state_dir)
    return state


def auth_env(state_dir: Path) -> tuple[dict[str, str], str | None]:
    """The environment of a stack with auth on, and a key to print when one was made.

    The owner's key is made once and only its hash is kept (``data/keys.json``), so it
    works again after ``down``/``up``; the gateway's sweep gets a fresh key each time.
    """
    path = Path(state_dir) / "data" / "keys.json"
    keys: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    shown = None
    if auth.LOCAL_OWNER not in keys:
        shown, keys[auth.LOCAL_OWNER] = auth.new_key()
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        processes.write_private(path, json.dumps(keys, indent=2))
    sweeper_key, sweeper_digest = auth.new_key()
    # Keys configured in the environment count too (only their hashes are ever there).
    configured = list(tool_settings().configured_api_keys)
    owners = ",".join([f"{owner}={digest}" for owner, digest in keys.items()] + configured)
    env = {
        "VIDCOMPARE_AUTH": "on",
        "VIDCOMPARE_API_KEYS": f"{owners},local-sweeper={sweeper_digest}",
        "VIDCOMPARE_ADMINS": f"{auth.LOCAL_OWNER},local-sweeper",
        "VIDCOMPARE_SWEEP_API_KEY": sweeper_key,  # the gateway's sweep timer calls as admin
    }
    return env, shown


def launch(
    state_dir: Path, *, port: int, extra_env: dict[str, str] | None = None, timeout: float = 240
) -> StackInfo:
    """Start the supervisor in the background; the stack's info once it answers."""
    state_dir = Path(state_dir).resolve()
    (state_dir / "logs").mkdir(parents=True, exist_ok=True, mode=0o700)
    state_dir.chmod(0o700)
    failed = state_dir / "supervisor.failed"
    failed.unlink(missing_ok=True)
    command = [
        sys.executable,
        "-m",
        "vidcompare.devstack.supervisor",
        f"--state-dir={state_dir}",
        f"--port={port}",
    ]
    if extra_env:
        env_file = state_dir / "supervisor-env.json"  # read, then deleted, by the supervisor
        processes.write_private(env_file, json.dumps(extra_env))
        command.append(f"--env-file={env_file}")
    with open(state_dir / "logs" / "supervisor.log", "ab") as log:
        process = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # outlives this command and its terminal
        )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            why = failed.read_text() if failed.exists() else _tail(state_dir)
            raise StackError(f"the stack did not start:\n{why}")
        with contextlib.suppress(StackError, ValueError):
            info = load_info(state_dir)
            if info.supervisor_pid == process.pid:
                return info
        time.sleep(0.2)
    # Give up on it: it (and what it started) must not come up after this said it failed.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(60)
    shutdown(state_dir)
    raise StackError(f"the stack did not start within {timeout:g} s:\n{_tail(state_dir)}")


def _tail(state_dir: Path) -> str:
    log = Path(state_dir) / "logs" / "supervisor.log"
    return log.read_text(errors="replace")[-2000:] if log.exists() else ""


def shutdown(state_dir: Path, *, timeout: float = 90) -> bool:
    """Save and stop the stack of ``state_dir``; False when none was recorded."""
    try:
        info = load_info(state_dir)
    except (StackError, ValueError):
        return False
    # A stopped (slept) stack cannot handle the signals that stop it: continue it first.
    for pid, started in [(s.pid, s.started) for s in info.services] + [
        (info.supervisor_pid, info.supervisor_started)
    ]:
        if processes.alive(pid, started):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGCONT)
    if info.supervised:
        assert info.supervisor_pid is not None
        with contextlib.suppress(ProcessLookupError):
            os.kill(info.supervisor_pid, signal.SIGTERM)  # it saves, then stops everything
        deadline = time.monotonic() + timeout
        while info.supervised and time.monotonic() < deadline:
            time.sleep(0.1)
    if (Path(state_dir) / "stack.json").exists():
        Stack(state_dir).stop()  # no supervisor (it crashed): save what can be, stop the rest
    return True
