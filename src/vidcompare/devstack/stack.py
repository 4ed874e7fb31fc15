"""The local stack: the official emulators, the three functions and a gateway.

``Stack.start()`` starts the emulators that ``emulators/emulators.toml`` defines
(Firestore and Pub/Sub from gcloud, Cloud Storage from ``gcp-storage-emulator``),
creates the topic, the bucket and a push subscription that delivers to the
``process_combo`` functions-framework server as a CloudEvent (as Eventarc does in
production), starts ``start_batch``, ``job_status`` and a gateway serving the
production paths under one base URL, waits until all answer, and records ports, pids
(with their identity: a reused pid is never taken for ours) and logs in
``<state_dir>/stack.json``. ``stop()`` ends them all.

Data survives ``stop``/``start``, crashes and sleep (see :mod:`.snapshots`): the bucket's
objects are on disk, Firestore is exported by :meth:`Stack.snapshot` (every few seconds
under the supervisor, and at ``stop``, after the writers have stopped) and imported at
``start``. Pub/Sub keeps nothing: after a start from saved data, the sweep recounts the
restored jobs, releases the leases of workers that are gone and republishes what
unfinished jobs need. :meth:`Stack.heal` restarts what died and owes every repair it has
not finished yet to the next tick. The CLI, the demo, the tests and the benchmarks all
use this module.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from pydantic import BaseModel

from vidcompare.config import tool_settings, topic_names
from vidcompare.devstack import processes, snapshots
from vidcompare.devstack.emulators import Emulator, EmulatorMissing, check_all, load

log = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[3]
FUNCTIONS_DIR = tool_settings().functions_dir or REPO_ROOT / "functions"


def default_state_dir() -> Path:
    """Per user, so that the CLI finds the running stack from any directory."""
    return tool_settings().state_dir


DEFAULT_PROJECT = "vidcompare-local"
# The emulator pushes two messages per subscription at a time: 8 shards, 16 combinations
# at once, so a second job's lanes are not queued behind the first one's 8 (Cloud Pub/Sub
# pushing to Cloud Run has no such cap).
LOCAL_TOPIC_SHARDS = 8
# The emulators this module knows how to mend (Firestore is restored, Pub/Sub recreated).
EMULATORS = ("firestore", "pubsub", "storage")
FUNCTIONS = ("start_batch", "job_status", "process_combo")
# What writes to Firestore: stopped before the last snapshot of a `down`.
WRITERS = ("gateway", "start_batch", "job_status", "process_combo")
# Variables that hold a raw API key: given to the gateway alone, never to the functions,
# never written to stack.json.
RAW_KEYS = frozenset({"VIDCOMPARE_SWEEP_API_KEY"})
# A service that keeps dying is restarted after 1, 2, 4, ... s, at most this far apart.
MAX_RESTART_BACKOFF_S = 30.0
STOP_EXPORT_TIMEOUT_S = 20.0


class StackError(RuntimeError):
    pass


class Service(BaseModel):
    name: str
    port: int
    pid: int
    log: str
    started: str | None = None  # the process's identity (processes.identity)
    restarts: int = 0

    @property
    def alive(self) -> bool:
        return processes.alive(self.pid, self.started)


class StackInfo(BaseModel):
    base_url: str
    project: str
    bucket: str
    topic: str
    topics: list[str]  # the topic's shards (VIDCOMPARE_TOPIC_SHARDS), each pushed to the worker
    subscriptions: list[str]
    services: list[Service]
    env: dict[str, str]  # what a client process needs to reach the emulators (no keys)
    data_dir: str = ""
    auth: bool = False
    supervisor_pid: int | None = None  # the process that keeps the stack alive (`up`)
    supervisor_started: str | None = None

    def service(self, name: str) -> Service:
        return next(s for s in self.services if s.name == name)

    @property
    def supervised(self) -> bool:
        return processes.alive(self.supervisor_pid, self.supervisor_started)


def push_subscriptions(topic: str, shards: int) -> dict[str, str]:
    """Each topic shard's push subscription to the worker, by topic name."""
    return {
        name: f"process-combo-push-{shard}" if shard else "process-combo-push"
        for shard, name in enumerate(topic_names(topic, shards))
    }


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
        state_dir: Path | None = None,
        *,
        gateway_port: int = 8000,
        project: str = DEFAULT_PROJECT,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        self.state_dir = Path(state_dir or default_state_dir()).resolve()
        self.gateway_port = gateway_port
        self.project = project
        self.extra_env = extra_env or {}
        self.emulators: dict[str, Emulator] = load()
        self._services: list[Service] = []
        self._procs: list[subprocess.Popen] = []
        self._launch: dict[str, tuple[int, list[str], dict | None]] = {}
        self._next_restart: dict[str, float] = {}
        self._owed: set[str] = set()  # repairs heal() has not finished yet
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
        self.state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        for folder in (self.state_dir / "logs", self.data_dir, self.state_dir / "cache"):
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        ports = {name: free_port() for name in (*EMULATORS, *FUNCTIONS)}
        env = {
            "GOOGLE_CLOUD_PROJECT": self.project,
            "VIDCOMPARE_BUCKET": f"{self.project}-videos",
            "VIDCOMPARE_TOPIC": "combos",
            "VIDCOMPARE_TOPIC_SHARDS": str(LOCAL_TOPIC_SHARDS),
            # The offline models' copies of videos: inside the state directory, bounded.
            "VIDCOMPARE_CACHE_DIR": str(self.state_dir / "cache"),
            # Allows the sweep's local repairs (releasing dead local workers' leases).
            "VIDCOMPARE_LOCAL_STACK": "1",
        }
        for name in EMULATORS:
            env |= self.emulators[name].client(port=ports[name])
        env |= self.extra_env
        self._prepare_storage(ports["storage"])
        try:
            self._start_firestore(ports["firestore"], timeout)
            for name in ("pubsub", "storage"):
                self._spawn_emulator(name, ports[name])
            deadline = time.monotonic() + timeout
            for name in ("pubsub", "storage"):
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
            self.info = StackInfo(
                base_url=f"http://127.0.0.1:{self.gateway_port}",
                project=self.project,
                bucket=env["VIDCOMPARE_BUCKET"],
                topic=env["VIDCOMPARE_TOPIC"],
                topics=topic_names(env["VIDCOMPARE_TOPIC"], int(env["VIDCOMPARE_TOPIC_SHARDS"])),
                subscriptions=subscriptions,
                services=self._services,
                env={k: v for k, v in env.items() if k not in RAW_KEYS},
                data_dir=str(self.data_dir),
                auth=env.get("VIDCOMPARE_AUTH", "off").lower() in ("on", "true", "1"),
            )
            self.record()
        except BaseException:
            self.stop(snapshot=False)
            raise
        if self.restored:
            # No worker of the old stack lives on, Pub/Sub forgot its messages, and the
            # restored counters are made to agree with the restored comparisons.
            self._owed.add("restored")
            self._pay_debts()
        return self.info

    def _start_firestore(self, port: int, timeout: float) -> None:
        """From the newest saved export; from an older one if that cannot be imported."""
        candidates = snapshots.exports_newest_first(self.data_dir) or [None]
        for export in candidates:
            self._spawn_emulator("firestore", port, export)
            try:
                self._wait_http("firestore", time.monotonic() + timeout)
            except StackError as exc:
                if export is None or export == candidates[-1]:
                    raise
                log.error("Firestore could not import %s (%s); trying an older save", export, exc)
                self._forget("firestore")
                continue
            self.restored = export is not None
            return

    def record(self) -> None:
        assert self.info is not None
        self.info.services = list(self._services)
        processes.write_private(self.info_path, self.info.model_dump_json(indent=2))

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
        self.record()

    def _forget(self, name: str) -> Service:
        old = next(s for s in self._services if s.name == name)
        for proc in [p for p in self._procs if p.pid == old.pid]:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(5)
            self._procs.remove(proc)
        self._services.remove(old)
        return old

    def _respawn(self, names: tuple[str, ...], *, extra_env: dict[str, str] | None = None) -> None:
        """Start the named (dead) services again on their ports, with their environment."""
        for name in names:
            old = self._forget(name)
            port, cmd, env = self._launch[name]
            if name == "storage":
                self._prepare_storage(port)
            if name == "firestore":  # from the newest snapshot: what it had is gone
                export = snapshots.latest_export(self.data_dir)
                emulator = self.emulators[name]
                cmd = emulator.argv(
                    port=port, project=self.project, data=self.data_dir / name, export=export
                )
            self._spawn(name, port, cmd, (env or os.environ.copy()) | (extra_env or {}))
            self._launch[name] = (port, cmd, env)
            restarted = next(s for s in self._services if s.name == name)
            restarted.restarts = old.restarts + 1

    def _prepare_storage(self, port: int) -> None:
        """The storage emulator's index, before it starts: whole, and linking to ``port``."""
        snapshots.mend_storage_index(self.data_dir)
        snapshots.relink_storage_index(self.data_dir, f"http://127.0.0.1:{port}")

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
        self._services.append(
            Service(
                name=name,
                port=port,
                pid=proc.pid,
                log=str(log_path),
                started=processes.identity(proc.pid),
            )
        )

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
            shards = push_subscriptions(
                env["VIDCOMPARE_TOPIC"], int(env["VIDCOMPARE_TOPIC_SHARDS"])
            )
            for name, push in shards.items():
                topic = publisher.topic_path(self.project, name)
                subscription = subscriber.subscription_path(self.project, push)
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
                            "ack_deadline_seconds": int(
                                env.get("VIDCOMPARE_ACK_DEADLINE_S")
                                or tool_settings().ack_deadline_s
                            ),
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
        """Restart every service that died (each with its own growing backoff), and do
        the repairs owed: Pub/Sub's topics again, the sweep. A repair that fails is owed
        to the next call; the supervisor calls this every second. The names restarted."""
        assert self.info is not None
        now = time.monotonic()
        due = [name for name in self.dead() if self._next_restart.get(name, 0.0) <= now]
        for name in due:
            service = next(s for s in self._services if s.name == name)
            self._next_restart[name] = now + min(MAX_RESTART_BACKOFF_S, 2.0**service.restarts)
            log.warning(
                "%s (pid %d) died; restarting it (restart %d)",
                name,
                service.pid,
                service.restarts + 1,
            )
        if due:
            self._respawn(tuple(due))
            self.record()  # the new pids, before anything else can fail
            # What each death broke, owed until done.
            if "pubsub" in due:
                self._owed |= {"topics", "lost_messages"}
            if "firestore" in due:
                self._owed |= {"restored"}
            if "process_combo" in due:
                self._owed |= {"dead_workers"}
            deadline = time.monotonic() + 60
            for name in due:
                try:
                    self._wait_http(name, deadline)
                except StackError as exc:
                    log.error("%s did not come back: %s", name, exc)
        self._pay_debts()
        return due

    def _pay_debts(self) -> None:
        """Do each owed repair; what fails stays owed."""
        assert self.info is not None
        if "topics" in self._owed:
            try:
                self._create_resources(self.info.env, self.info.service("process_combo").port)
                self._owed.discard("topics")
            except Exception as exc:  # noqa: BLE001 - owed to the next tick
                log.warning("could not create the Pub/Sub topics yet: %s", exc)
                return  # the sweep would republish into nothing
        sweeps = self._owed & {"restored", "dead_workers", "lost_messages"}
        if not sweeps:
            return
        try:
            self.sweep(
                lost_messages=True,
                release_dead=bool(sweeps & {"restored", "dead_workers"}),
                recount="restored" in sweeps,
            )
            self._owed -= sweeps
        except (httpx.HTTPError, ValueError) as exc:
            log.warning("the repair sweep failed (tried again in a second): %s", exc)

    def sweep(
        self, *, lost_messages: bool = False, release_dead: bool = False, recount: bool = False
    ) -> dict:
        """Ask job_status to mend the jobs now (as the gateway's timer does, and more: see
        :func:`vidcompare.sweep.sweep`)."""
        assert self.info is not None
        key = self.extra_env.get("VIDCOMPARE_SWEEP_API_KEY")
        url = f"http://127.0.0.1:{self.info.service('job_status').port}/internal/sweep"
        flags = {"lost_messages": lost_messages, "release_dead": release_dead, "recount": recount}
        answer = httpx.post(
            url,
            params={name: "true" for name, on in flags.items() if on},
            headers={"X-API-Key": key} if key else {},
            timeout=120,
        )
        answer.raise_for_status()
        report = answer.json()
        if report.get("republished"):
            log.warning("sweep republished %s", report["republished"])
        return report

    # ---------------------------------------------------------------- snapshots

    def snapshot(self, *, timeout: float = snapshots.EXPORT_TIMEOUT_S) -> Path | None:
        """Export Firestore and keep a copy of the storage index; the export's metadata."""
        info = self.info or (load_info(self.state_dir) if self.info_path.exists() else None)
        if info is None:
            return None
        metadata = snapshots.export_firestore(
            self.data_dir,
            port=info.service("firestore").port,
            project=info.project,
            timeout=timeout,
        )
        snapshots.keep_storage_index(self.data_dir)
        return metadata

    # ------------------------------------------------------------------- stop

    def stop(self, *, snapshot: bool = True) -> None:
        """Stop the writers, save Firestore (unless ``snapshot`` is False), then stop the
        emulators. Only processes that are still the ones recorded are signalled."""
        info = self.info
        if info is None and self.info_path.exists():
            with contextlib.suppress(ValueError, OSError):
                info = load_info(self.state_dir)
        services = list(self._services) or (list(info.services) if info else [])
        groups = {s.name: (s.pid, s.started) for s in services}
        processes.stop([groups[n] for n in WRITERS if n in groups])
        if snapshot and info is not None and "firestore" in groups:
            try:
                self.snapshot(timeout=STOP_EXPORT_TIMEOUT_S)
            except Exception as exc:  # noqa: BLE001 - saving must never keep the stack up
                log.warning("could not save Firestore before stopping: %s", exc)
        processes.stop([g for n, g in groups.items() if n not in WRITERS])
        self._services, self._procs = [], []
        if info is None or info.supervisor_pid in (None, os.getpid()) or not info.supervised:
            self.info_path.unlink(missing_ok=True)


def reset_data(state_dir: Path) -> None:
    """Forget every job, video, result and key of the local stack."""
    import shutil

    shutil.rmtree(Path(state_dir) / "data", ignore_errors=True)
    shutil.rmtree(Path(state_dir) / "cache", ignore_errors=True)


def load_info(state_dir: Path | None = None) -> StackInfo:
    path = Path(state_dir or default_state_dir()) / "stack.json"
    if not path.exists():
        raise StackError(f"no stack is recorded in {path}; start one with `vidcompare up`")
    return StackInfo.model_validate_json(path.read_text())


def running_info(state_dir: Path | None = None) -> StackInfo | None:
    """The recorded stack if its gateway is still the process recorded, else None."""
    try:
        info = load_info(state_dir)
    except (StackError, ValueError):
        return None
    gateway = next((s for s in info.services if s.name == "gateway"), None)
    return info if gateway is not None and gateway.alive else None
