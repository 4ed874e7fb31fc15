"""The local stack: the official emulators, the three functions and a gateway.

``Stack.start()`` starts the emulators that ``emulators/emulators.toml`` defines
(Firestore and Pub/Sub from gcloud, Cloud Storage from ``gcp-storage-emulator``),
creates the topic, the bucket and a push subscription that delivers to the
``process_combo`` functions-framework server as a CloudEvent (as Eventarc does in
production), starts ``start_batch``, ``job_status`` and a gateway serving the
production paths under one base URL, waits until all answer, and records ports, pids
and logs in ``<state_dir>/stack.json``. ``stop()`` ends them all.

Data survives ``stop``/``start``, crashes and sleep: the bucket's objects are on disk
under ``<state_dir>/data/storage``; Firestore is exported to ``<state_dir>/data/firestore``
(by :meth:`Stack.snapshot`, which the supervisor calls every few seconds, and at
``stop``) and imported at ``start``. Pub/Sub keeps nothing: after a start from saved
data, the sweep releases the dead workers' leases and republishes what unfinished jobs
need (``POST /internal/sweep?restarted=true``). :meth:`Stack.heal` restarts what died.
The CLI, the demo, the tests and the benchmarks all use this module.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from pydantic import BaseModel

from vidcompare.config import topic_names
from vidcompare.devstack.emulators import Emulator, EmulatorMissing, check_all, load

log = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[3]
FUNCTIONS_DIR = Path(os.environ.get("VIDCOMPARE_FUNCTIONS_DIR", REPO_ROOT / "functions"))


def _default_state_dir() -> Path:
    """Per user, so that the CLI finds the running stack from any directory."""
    if explicit := os.environ.get("VIDCOMPARE_STATE_DIR"):
        return Path(explicit)
    base = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    return Path(base) / "vidcompare"


DEFAULT_STATE_DIR = _default_state_dir()
DEFAULT_PROJECT = "vidcompare-local"
# The emulator pushes two messages per subscription at a time: 4 shards, 8 lanes at once.
LOCAL_TOPIC_SHARDS = 4
EMULATORS = ("firestore", "pubsub", "storage")
FUNCTIONS = ("start_batch", "job_status", "process_combo")
# Variables that hold a raw API key: given to the gateway alone, never to the functions.
RAW_KEYS = frozenset({"VIDCOMPARE_SWEEP_API_KEY"})
# Firestore exports kept (the newest is imported at start).
KEEP_EXPORTS = 2
# A service that keeps dying is restarted after 1, 2, 4, ... s, at most this far apart.
MAX_RESTART_BACKOFF_S = 30.0


class StackError(RuntimeError):
    pass


class Service(BaseModel):
    name: str
    port: int
    pid: int
    log: str
    restarts: int = 0


class StackInfo(BaseModel):
    base_url: str
    project: str
    bucket: str
    topic: str
    topics: list[str]  # the topic's shards (VIDCOMPARE_TOPIC_SHARDS), each pushed to the worker
    subscriptions: list[str]
    services: list[Service]
    env: dict[str, str]  # what a client process needs to reach the emulators
    data_dir: str = ""
    supervisor_pid: int | None = None  # the process that keeps the stack alive (`up`)

    def service(self, name: str) -> Service:
        return next(s for s in self.services if s.name == name)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_is_free(port: int) -> bool:
    """Whether a server could listen on ``port`` now. SO_REUSEADDR as servers set it: the
    closed connections a stopped stack leaves in TIME_WAIT for a minute do not count."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def check_emulators_installed() -> None:
    """A StackError saying what to install, unless every emulator can run here."""
    try:
        check_all()
    except EmulatorMissing as exc:
        raise StackError(str(exc)) from None


class Stack:
    """Start, heal, snapshot and stop the whole local stack; see the module docstring."""

    def __init__(
        self,
        state_dir: Path = DEFAULT_STATE_DIR,
        *,
        gateway_port: int = 8000,
        project: str = DEFAULT_PROJECT,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        self.state_dir = Path(state_dir).resolve()
        self.gateway_port = gateway_port
        self.project = project
        self.extra_env = extra_env or {}
        self.emulators: dict[str, Emulator] = load()
        self._services: list[Service] = []
        self._procs: list[subprocess.Popen] = []
        self._launch: dict[str, tuple[int, list[str], dict | None]] = {}
        self._next_restart: dict[str, float] = {}
        self.info: StackInfo | None = None
        self.restored = False  # started from saved data

    @property
    def info_path(self) -> Path:
        return self.state_dir / "stack.json"

    @property
    def data_dir(self) -> Path:
        return self.state_dir / "data"

    # ------------------------------------------------------------------ start

    def start(self, *, timeout: float = 90.0) -> StackInfo:
        check_emulators_installed()
        if not port_is_free(self.gateway_port):
            raise StackError(
                f"port {self.gateway_port} is busy: another program listens there. Choose "
                "another with --port, or stop a stack of vidcompare's with `vidcompare down`."
            )
        for folder in (self.state_dir / "logs", self.data_dir, self.state_dir / "cache"):
            folder.mkdir(parents=True, exist_ok=True)
        ports = {name: free_port() for name in (*EMULATORS, *FUNCTIONS)}
        env = {
            "GOOGLE_CLOUD_PROJECT": self.project,
            "VIDCOMPARE_BUCKET": f"{self.project}-videos",
            "VIDCOMPARE_TOPIC": "combos",
            "VIDCOMPARE_TOPIC_SHARDS": str(LOCAL_TOPIC_SHARDS),
            # The offline models' copies of videos: inside the state directory, bounded.
            "VIDCOMPARE_CACHE_DIR": str(self.state_dir / "cache"),
        }
        for name in EMULATORS:
            env |= self.emulators[name].client(port=ports[name])
        env |= self.extra_env
        export = latest_export(self.data_dir)
        self.restored = export is not None
        try:
            for name in EMULATORS:
                self._spawn_emulator(name, ports[name], export if name == "firestore" else None)
            deadline = time.monotonic() + timeout
            for name in EMULATORS:
                self._wait_http(name, deadline)
            subscriptions = self._create_resources(env, ports["process_combo"])
            # A raw key goes only to the process that uses it (the gateway's sweep timer).
            function_env = {k: v for k, v in (os.environ | env).items() if k not in RAW_KEYS}
            for name in FUNCTIONS:
                self._spawn(
                    name,
                    ports[name],
                    [
                        sys.executable,
                        "-m",
                        "functions_framework",
                        f"--target={name}",
                        f"--source={FUNCTIONS_DIR / name / 'main.py'}",
                        "--host=127.0.0.1",
                        f"--port={ports[name]}",
                    ],
                    env=function_env | {"THREADS": "32"},
                )
            upstreams = ",".join(f"{name}=http://127.0.0.1:{ports[name]}" for name in FUNCTIONS)
            self._spawn(
                "gateway",
                self.gateway_port,
                [
                    sys.executable,
                    "-m",
                    "vidcompare.devstack.gateway",
                    "--host=127.0.0.1",
                    f"--port={self.gateway_port}",
                    f"--sweep-every={function_env.get('VIDCOMPARE_SWEEP_EVERY_S', '30')}",
                    f"--upstreams={upstreams}",
                ],
                env=function_env | {k: v for k, v in env.items() if k in RAW_KEYS},
            )
            for name in (*FUNCTIONS, "gateway"):
                self._wait_http(name, deadline)
        except BaseException:
            self.stop(snapshot=False)
            raise
        self.info = StackInfo(
            base_url=f"http://127.0.0.1:{self.gateway_port}",
            project=self.project,
            bucket=env["VIDCOMPARE_BUCKET"],
            topic=env["VIDCOMPARE_TOPIC"],
            topics=topic_names(env["VIDCOMPARE_TOPIC"], int(env["VIDCOMPARE_TOPIC_SHARDS"])),
            subscriptions=subscriptions,
            services=self._services,
            env=env,
            data_dir=str(self.data_dir),
        )
        self._record()
        if self.restored:
            # No worker of the old stack lives on, and Pub/Sub forgot its messages.
            self.sweep(restarted=True)
        return self.info

    def _record(self) -> None:
        assert self.info is not None
        self.info.services = list(self._services)
        temporary = self.info_path.with_suffix(".tmp")
        temporary.write_text(self.info.model_dump_json(indent=2))
        temporary.replace(self.info_path)  # readers never see half a file

    def _spawn_emulator(self, name: str, port: int, export: Path | None = None) -> None:
        emulator = self.emulators[name]
        data = self.data_dir / name
        data.mkdir(parents=True, exist_ok=True)
        argv = emulator.argv(port=port, project=self.project, data=data, export=export)
        env = os.environ | emulator.env(port=port, project=self.project, data=data)
        self._spawn(name, port, argv, env)

    def restart(
        self,
        *names: str,
        sig: int = signal.SIGKILL,
        timeout: float = 60.0,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        """Stop the named servers (SIGKILL: a crash) and start them again on their ports.

        ``extra_env`` applies to this start only; a later restart goes back to the
        environment the stack started with.
        """
        for name in names:
            service = next(s for s in self._services if s.name == name)
            proc = next(p for p in self._procs if p.pid == service.pid)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, sig)
            proc.wait(timeout)
        self._respawn(names, extra_env=extra_env)
        deadline = time.monotonic() + timeout
        for name in names:
            self._wait_http(name, deadline)
        self._record()

    def _respawn(self, names: tuple[str, ...], *, extra_env: dict[str, str] | None = None) -> None:
        """Start the named (dead) services again on their ports, with their environment."""
        for name in names:
            old = next(s for s in self._services if s.name == name)
            self._procs = [p for p in self._procs if p.pid != old.pid]
            self._services.remove(old)
            port, cmd, env = self._launch[name]
            if name == "firestore":  # from the newest snapshot: what it had is gone
                export = latest_export(self.data_dir)
                emulator = self.emulators[name]
                cmd = emulator.argv(
                    port=port, project=self.project, data=self.data_dir / name, export=export
                )
            self._spawn(name, port, cmd, (env or os.environ.copy()) | (extra_env or {}))
            self._launch[name] = (port, cmd, env)
            restarted = next(s for s in self._services if s.name == name)
            restarted.restarts = old.restarts + 1

    def _spawn(self, name: str, port: int, cmd: list[str], env: dict | None = None) -> None:
        self._launch[name] = (port, cmd, env)
        log_path = self.state_dir / "logs" / f"{name}.log"
        with open(log_path, "ab") as log_file:  # a restarted server appends to its log
            # A session of its own, so stop() can end the whole tree (gcloud starts java).
            proc = subprocess.Popen(
                cmd,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env or os.environ.copy(),
                start_new_session=True,
            )
        self._procs.append(proc)
        self._services.append(Service(name=name, port=port, pid=proc.pid, log=str(log_path)))

    def _wait_http(self, name: str, deadline: float) -> None:
        service = next(s for s in self._services if s.name == name)
        proc = next(p for p in self._procs if p.pid == service.pid)
        url = f"http://127.0.0.1:{service.port}/healthz"
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                tail = Path(service.log).read_text(errors="replace")[-2000:]
                raise StackError(f"{name} exited with {proc.returncode}; its log ends:\n{tail}")
            with contextlib.suppress(httpx.HTTPError):
                httpx.get(url, timeout=1.0)
                return  # any HTTP answer means the server is up
            time.sleep(0.1)
        raise StackError(f"{name} did not answer on port {service.port}; see {service.log}")

    def _create_resources(self, env: dict[str, str], push_port: int) -> list[str]:
        """Topics, push subscriptions and bucket, through the real client libraries."""
        saved = {key: os.environ.get(key) for key in env}
        os.environ.update(env)
        try:
            from google.api_core.exceptions import AlreadyExists, Conflict
            from google.cloud import pubsub_v1, storage

            publisher = pubsub_v1.PublisherClient()
            subscriber = pubsub_v1.SubscriberClient()
            subscriptions = []
            shards = topic_names(env["VIDCOMPARE_TOPIC"], int(env["VIDCOMPARE_TOPIC_SHARDS"]))
            for shard, name in enumerate(shards):
                topic = publisher.topic_path(self.project, name)
                suffix = f"-{shard}" if shard else ""
                subscription = subscriber.subscription_path(
                    self.project, f"process-combo-push{suffix}"
                )
                with contextlib.suppress(AlreadyExists):
                    publisher.create_topic(name=topic)
                with contextlib.suppress(AlreadyExists):
                    subscriber.create_subscription(
                        request={
                            "name": subscription,
                            "topic": topic,
                            "push_config": {"push_endpoint": f"http://127.0.0.1:{push_port}/"},
                            # The push request may take as long as a combination does (600
                            # as in production). Lower it locally to get messages back
                            # sooner from a server that was killed while it held them.
                            "ack_deadline_seconds": int(env.get("VIDCOMPARE_ACK_DEADLINE_S", 600)),
                            "retry_policy": {
                                "minimum_backoff": dt.timedelta(seconds=1),
                                "maximum_backoff": dt.timedelta(seconds=10),
                            },
                        }
                    )
                subscriptions.append(subscription)
            subscriber.close()
            gcs = storage.Client(project=self.project)
            with contextlib.suppress(Conflict):  # kept from an earlier run: it is still set
                gcs.create_bucket(env["VIDCOMPARE_BUCKET"])
            bucket = gcs.get_bucket(env["VIDCOMPARE_BUCKET"])
            bucket.soft_delete_policy.retention_duration_seconds = 0  # as the deploy sets it
            bucket.patch()
            return subscriptions
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value

    # --------------------------------------------------------------- keep alive

    def dead(self) -> list[str]:
        """The services whose process has exited."""
        alive = {p.pid for p in self._procs if p.poll() is None}
        return [s.name for s in self._services if s.pid not in alive]

    def heal(self) -> list[str]:
        """Restart every service that died (each with its own growing backoff) and mend
        what its death broke; the names restarted. The supervisor calls this every second."""
        assert self.info is not None
        now = time.monotonic()
        due = [name for name in self.dead() if self._next_restart.get(name, 0.0) <= now]
        if not due:
            return []
        for name in due:
            service = next(s for s in self._services if s.name == name)
            wait = min(MAX_RESTART_BACKOFF_S, 2.0**service.restarts)
            self._next_restart[name] = now + wait
            log.warning(
                "%s (pid %d) died; restarting it (restart %d)",
                name,
                service.pid,
                service.restarts + 1,
            )
        self._respawn(tuple(due))
        deadline = time.monotonic() + 60
        for name in due:
            self._wait_http(name, deadline)
        if "pubsub" in due:  # a new emulator knows no topic: create them again
            self._create_resources(self.info.env, self.info.service("process_combo").port)
        self._record()
        if {"pubsub", "process_combo", "firestore"} & set(due):
            # Messages were lost, or the worker that held leases is gone.
            self.sweep(restarted=bool({"process_combo", "firestore"} & set(due)))
        return due

    def sweep(self, *, restarted: bool = False) -> dict:
        """Ask job_status to mend the jobs (as the gateway's timer does), now."""
        assert self.info is not None
        key = self.extra_env.get("VIDCOMPARE_SWEEP_API_KEY")
        url = f"http://127.0.0.1:{self.info.service('job_status').port}/internal/sweep"
        answer = httpx.post(
            url,
            params={"restarted": "true"} if restarted else None,
            headers={"X-API-Key": key} if key else {},
            timeout=120,
        )
        answer.raise_for_status()
        report = answer.json()
        if report.get("republished"):
            log.warning("sweep republished %s", report["republished"])
        return report

    # ---------------------------------------------------------------- snapshots

    def snapshot(self) -> Path | None:
        """Export Firestore to the data directory; the export's metadata file. The newest
        export is what the next start imports."""
        info = self.info or (load_info(self.state_dir) if self.info_path.exists() else None)
        if info is None:
            return None
        return export_firestore(info, self.data_dir)

    # ------------------------------------------------------------------- stop

    def stop(self, *, snapshot: bool = True) -> None:
        """Save Firestore (unless ``snapshot`` is False), then end every process."""
        info = self.info
        if info is None and self.info_path.exists():
            with contextlib.suppress(ValueError):
                info = load_info(self.state_dir)
        if snapshot and info is not None:
            try:
                export_firestore(info, self.data_dir)
            except (httpx.HTTPError, OSError, StackError) as exc:
                log.warning("could not save Firestore before stopping: %s", exc)
        pids = [s.pid for s in self._services] or ([s.pid for s in info.services] if info else [])
        if info is not None and info.supervisor_pid and info.supervisor_pid != os.getpid():
            pids.append(info.supervisor_pid)
        stop_pids(pids)
        self._services, self._procs = [], []
        self.info_path.unlink(missing_ok=True)


def export_firestore(info: StackInfo, data_dir: Path) -> Path:
    """Export the Firestore emulator's data; keep the newest exports; the metadata file."""
    exports = data_dir / "firestore" / "exports"
    exports.mkdir(parents=True, exist_ok=True)
    port = info.service("firestore").port
    answer = httpx.post(
        f"http://127.0.0.1:{port}/emulator/v1/projects/{info.project}:export",
        json={
            "database": f"projects/{info.project}/databases/(default)",
            "export_directory": str(exports),
        },
        timeout=120,
    )
    if answer.status_code != 200:
        raise StackError(f"the Firestore export failed: {answer.status_code} {answer.text}")
    newest = max(exports.iterdir(), key=lambda p: p.stat().st_mtime)
    metadata = next(newest.glob("*.overall_export_metadata"))
    pointer = data_dir / "firestore" / "latest.json"
    temporary = pointer.with_suffix(".tmp")
    temporary.write_text(json.dumps({"metadata": str(metadata), "at": time.time()}))
    temporary.replace(pointer)  # a crash leaves the old pointer or the new, never half
    for old in sorted(exports.iterdir(), key=lambda p: p.stat().st_mtime)[:-KEEP_EXPORTS]:
        shutil.rmtree(old, ignore_errors=True)
    return metadata


def latest_export(data_dir: Path) -> Path | None:
    """The metadata file of the newest complete Firestore export, if there is one."""
    pointer = data_dir / "firestore" / "latest.json"
    try:
        metadata = Path(json.loads(pointer.read_text())["metadata"])
    except (OSError, ValueError, KeyError):
        return None
    return metadata if metadata.exists() else None


def reset_data(state_dir: Path) -> None:
    """Forget every job, video, result and key of the local stack."""
    shutil.rmtree(Path(state_dir) / "data", ignore_errors=True)
    shutil.rmtree(Path(state_dir) / "cache", ignore_errors=True)


def stop_pids(pids: list[int], *, grace: float = 10.0) -> None:
    """SIGTERM each process group, then SIGKILL what is still alive after ``grace``."""
    for pid in reversed(pids):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGTERM)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGCONT)  # a stopped (slept) process cannot handle SIGTERM
    deadline = time.monotonic() + grace
    for pid in pids:
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)


def _alive(pid: int) -> bool:
    try:
        reaped, _ = os.waitpid(pid, os.WNOHANG)
        if reaped == pid:
            return False
    except ChildProcessError:
        pass  # not our child (started by another process): ask the kernel instead
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def load_info(state_dir: Path = DEFAULT_STATE_DIR) -> StackInfo:
    path = Path(state_dir) / "stack.json"
    if not path.exists():
        raise StackError(f"no stack is recorded in {path}; start one with `vidcompare up`")
    return StackInfo.model_validate_json(path.read_text())


def running_info(state_dir: Path = DEFAULT_STATE_DIR) -> StackInfo | None:
    """The recorded stack if its gateway still answers, else None."""
    try:
        info = load_info(state_dir)
        httpx.get(f"{info.base_url}/healthz", timeout=1.0)
        return info
    except (StackError, httpx.HTTPError, ValueError):
        return None
