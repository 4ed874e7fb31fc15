"""The local stack: the official emulators, the three functions and a gateway.

``Stack.start()`` starts the Firestore and Pub/Sub emulators (gcloud), the Cloud
Storage emulator (``gcp-storage-emulator``), creates the topic, the bucket and a push
subscription that delivers to the ``process_combo`` functions-framework server as a
CloudEvent (as Eventarc does in production), starts ``start_batch``, ``job_status`` and a
gateway serving the production paths under one base URL, waits until all answer, and
records ports, pids and logs in ``<state_dir>/stack.json``. ``stop()`` ends them all.
The CLI, the demo, the tests and the benchmarks all use this module.
"""

from __future__ import annotations

import contextlib
import datetime as dt
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

REPO_ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS_DIR = Path(os.environ.get("VIDCOMPARE_FUNCTIONS_DIR", REPO_ROOT / "functions"))
DEFAULT_STATE_DIR = Path(".vidcompare")
DEFAULT_PROJECT = "vidcompare-local"
# The emulator pushes two messages per subscription at a time: 4 shards, 8 lanes at once.
LOCAL_TOPIC_SHARDS = 4
COMPONENTS_HINT = (
    "The local stack needs the Google Cloud CLI with the Firestore and Pub/Sub emulators "
    "and Java 17+. Install them with\n"
    "    gcloud components install beta cloud-firestore-emulator pubsub-emulator\n"
    "or, where gcloud came from apt:\n"
    "    apt-get install google-cloud-cli google-cloud-cli-firestore-emulator "
    "google-cloud-cli-pubsub-emulator openjdk-17-jre-headless"
)


class StackError(RuntimeError):
    pass


class Service(BaseModel):
    name: str
    port: int
    pid: int
    log: str


class StackInfo(BaseModel):
    base_url: str
    project: str
    bucket: str
    topic: str
    topics: list[str]  # the topic's shards (VIDCOMPARE_TOPIC_SHARDS), each pushed to the worker
    subscriptions: list[str]
    services: list[Service]
    env: dict[str, str]  # what a client process needs to reach the emulators

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


def check_emulators_installed() -> str:
    """Path of gcloud if the emulators can run here; a StackError saying what to install."""
    gcloud = shutil.which("gcloud")
    if gcloud is None or shutil.which("java") is None:
        raise StackError(COMPONENTS_HINT)
    sdk_root = Path(gcloud).resolve().parents[1]
    missing = [
        component
        for component in ("cloud-firestore-emulator", "pubsub-emulator")
        if not (sdk_root / "platform" / component).is_dir()
    ]
    if missing:
        raise StackError(f"missing gcloud components: {', '.join(missing)}.\n{COMPONENTS_HINT}")
    return gcloud


class Stack:
    """Start and stop the whole local stack; see the module docstring."""

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
        self._services: list[Service] = []
        self._procs: list[subprocess.Popen] = []
        self._launch: dict[str, tuple[int, list[str], dict | None]] = {}
        self.info: StackInfo | None = None

    @property
    def info_path(self) -> Path:
        return self.state_dir / "stack.json"

    # ------------------------------------------------------------------ start

    def start(self, *, timeout: float = 90.0) -> StackInfo:
        gcloud = check_emulators_installed()
        if not port_is_free(self.gateway_port):
            raise StackError(
                f"port {self.gateway_port} is busy; is a stack already up? "
                "Try `vidcompare down` or choose another port with --port."
            )
        self.state_dir.mkdir(parents=True, exist_ok=True)
        (self.state_dir / "logs").mkdir(exist_ok=True)
        ports = {name: free_port() for name in ("firestore", "pubsub", "storage")}
        ports |= {name: free_port() for name in ("start_batch", "job_status", "process_combo")}
        env = {
            "GOOGLE_CLOUD_PROJECT": self.project,
            "FIRESTORE_EMULATOR_HOST": f"127.0.0.1:{ports['firestore']}",
            "PUBSUB_EMULATOR_HOST": f"127.0.0.1:{ports['pubsub']}",
            "STORAGE_EMULATOR_HOST": f"http://127.0.0.1:{ports['storage']}",
            "VIDCOMPARE_BUCKET": f"{self.project}-videos",
            "VIDCOMPARE_TOPIC": "combos",
            "VIDCOMPARE_TOPIC_SHARDS": str(LOCAL_TOPIC_SHARDS),
        } | self.extra_env
        try:
            self._spawn(
                "firestore",
                ports["firestore"],
                [
                    gcloud,
                    "emulators",
                    "firestore",
                    "start",
                    f"--host-port=127.0.0.1:{ports['firestore']}",
                    "--quiet",
                ],
            )
            self._spawn(
                "pubsub",
                ports["pubsub"],
                [
                    gcloud,
                    "beta",
                    "emulators",
                    "pubsub",
                    "start",
                    f"--host-port=127.0.0.1:{ports['pubsub']}",
                    f"--project={self.project}",
                    "--quiet",
                ],
            )
            self._spawn(
                "storage",
                ports["storage"],
                [
                    _venv_bin("gcp-storage-emulator"),
                    "start",
                    "--host=127.0.0.1",
                    f"--port={ports['storage']}",
                    "--in-memory",
                ],
            )
            deadline = time.monotonic() + timeout
            for name in ("firestore", "pubsub", "storage"):
                self._wait_http(name, deadline)
            subscriptions = self._create_resources(env, ports["process_combo"])
            function_env = os.environ | env
            for name in ("start_batch", "job_status", "process_combo"):
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
            upstreams = ",".join(
                f"{name}=http://127.0.0.1:{ports[name]}" for name in ("start_batch", "job_status")
            )
            self._spawn(
                "gateway",
                self.gateway_port,
                [
                    sys.executable,
                    "-m",
                    "vidcompare.gateway",
                    "--host=127.0.0.1",
                    f"--port={self.gateway_port}",
                    f"--sweep-every={function_env.get('VIDCOMPARE_SWEEP_EVERY_S', '30')}",
                    f"--upstreams={upstreams}",
                ],
                env=function_env,
            )
            for name in ("start_batch", "job_status", "process_combo", "gateway"):
                self._wait_http(name, deadline)
        except BaseException:
            self.stop()
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
        )
        self._record()
        return self.info

    def _record(self) -> None:
        assert self.info is not None
        self.info.services = list(self._services)
        self.info_path.write_text(self.info.model_dump_json(indent=2))

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
            self._procs.remove(proc)
            self._services.remove(service)
        for name in names:
            port, cmd, env = self._launch[name]
            self._spawn(name, port, cmd, (env or os.environ.copy()) | (extra_env or {}))
            self._launch[name] = (port, cmd, env)
        deadline = time.monotonic() + timeout
        for name in names:
            self._wait_http(name, deadline)
        self._record()

    def _spawn(self, name: str, port: int, cmd: list[str], env: dict | None = None) -> None:
        self._launch[name] = (port, cmd, env)
        log_path = self.state_dir / "logs" / f"{name}.log"
        with open(log_path, "ab") as log:  # a restarted server appends to its log
            # A session of its own, so stop() can end the whole tree (gcloud starts java).
            proc = subprocess.Popen(
                cmd,
                stdout=log,
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
            with contextlib.suppress(Conflict):
                storage.Client(project=self.project).create_bucket(env["VIDCOMPARE_BUCKET"])
            return subscriptions
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value

    # ------------------------------------------------------------------- stop

    def stop(self) -> None:
        pids = [s.pid for s in self._services]
        if not pids and self.info_path.exists():
            pids = [s.pid for s in load_info(self.state_dir).services]
        stop_pids(pids)
        self._services, self._procs = [], []
        self.info_path.unlink(missing_ok=True)


def stop_pids(pids: list[int], *, grace: float = 5.0) -> None:
    """SIGTERM each process group, then SIGKILL what is still alive after ``grace``."""
    for pid in reversed(pids):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGTERM)
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


def _venv_bin(name: str) -> str:
    candidate = Path(sys.executable).parent / name
    found = str(candidate) if candidate.exists() else shutil.which(name)
    if found is None:
        raise StackError(f"{name} is not installed; run `pip install -e '.[dev]'`")
    return found
