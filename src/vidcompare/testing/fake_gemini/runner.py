"""``FakeGemini``: start and stop the fake (in a daemon thread, or a subprocess), point the
real SDK at it, and drive its control API from tests and benchmarks."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from typing import Any

import httpx
from werkzeug.serving import BaseWSGIServer

from vidcompare.quotas import ModelQuota
from vidcompare.testing.fake_gemini.server import FakeGeminiApp, make_fake_server


class FakeGemini:
    """Start/stop the fake (in a daemon thread, or a subprocess) and drive its control API.

    ``FakeGemini().start()`` serves on 127.0.0.1 and a free port; ``FakeGemini.connect(url)``
    drives one that is already running (a subprocess, another test process).
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, api_key: str = "fake-key"):
        self.host, self.port, self.api_key = host, port, api_key
        self.base_url: str | None = None
        self.app: FakeGeminiApp | None = None
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._proc: subprocess.Popen[str] | None = None
        self._http: httpx.Client | None = None

    @classmethod
    def connect(cls, base_url: str, *, api_key: str = "fake-key") -> FakeGemini:
        fake = cls(api_key=api_key)
        fake._attach(base_url.rstrip("/"))
        return fake

    def _attach(self, base_url: str) -> None:
        self.base_url = base_url
        self._http = httpx.Client(base_url=base_url, timeout=30, trust_env=False)

    def start(self, *, in_subprocess: bool = False) -> FakeGemini:
        if in_subprocess:
            # The package's __main__: the same server, in its own process.
            cmd = [sys.executable, "-m", __package__, "--host", self.host, "--port", str(self.port)]
            self._proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
            line = self._proc.stdout.readline().strip() if self._proc.stdout else ""
            if not line.startswith("FAKE_GEMINI_URL="):
                self._proc.kill()
                raise RuntimeError(f"fake gemini subprocess did not start: {line!r}")
            self._attach(line.split("=", 1)[1])
            self.port = int(self.base_url.rsplit(":", 1)[1])
            return self
        self.app = FakeGeminiApp()
        self._server = make_fake_server(self.app, self.host, self.port)
        self.port = self._server.server_port
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"fake-gemini-{self.port}",
            daemon=True,
        )
        self._thread.start()
        self._attach(f"http://{self.host}:{self.port}")
        return self

    def stop(self) -> None:
        if self._http is not None:
            self._http.close()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
            if self._proc.stdout:
                self._proc.stdout.close()
            self._proc = None

    def __enter__(self) -> FakeGemini:
        return self.start() if self.base_url is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # SDK conveniences ------------------------------------------------------------

    def env(self, api_key: str | None = None) -> dict[str, str]:
        """Environment for a process whose google-genai client should use this fake."""
        return {"GOOGLE_GEMINI_BASE_URL": self.base_url, "GEMINI_API_KEY": api_key or self.api_key}

    def client(
        self,
        api_key: str | None = None,
        *,
        api_version: str | None = None,
        retry_options: Any = None,
        timeout: int | None = None,
    ) -> Any:
        """A real ``genai.Client`` pointed at this fake."""
        from google import genai
        from google.genai import types

        options = types.HttpOptions(
            base_url=self.base_url,
            api_version=api_version,
            retry_options=retry_options,
            timeout=timeout,
        )
        return genai.Client(api_key=api_key or self.api_key, http_options=options)

    # control API -----------------------------------------------------------------

    def _call(self, method: str, path: str, **kw: Any) -> Any:
        assert self._http is not None, "start() or connect() first"
        answer = self._http.request(method, f"/_fake/{path}", **kw)
        if answer.status_code != 200:
            raise ValueError(f"fake gemini control {path}: {answer.status_code} {answer.text}")
        return answer.json()

    def health(self) -> bool:
        return bool(self._call("GET", "health")["ok"])

    def reset(self, *, log_only: bool = False, keep_files: bool = False) -> None:
        """Forget files, scripts, config and log (or only the log and counters)."""
        self._call("POST", "reset", json={"log_only": log_only, "keep_files": keep_files})

    def script(self, model: str = "*", *, clear: bool = False, **fields: Any) -> dict[str, Any]:
        """Script a model (or "*"): latency_ms, fail=[429, {"hang_ms": 500}, ...], fail_rate,
        text, judge_response, judge_scores, judge_label_style, judge_omit, malformed=N,
        blocked=N, block_reason, finish=["SAFETY", ...], thinking_tokens, cached_tokens, ...
        (see SCRIPT_DEFAULTS)."""
        return self._call("POST", "script", json={"model": model, "clear": clear, **fields})

    def scripts(self) -> dict[str, Any]:
        return self._call("GET", "script")

    def configure(self, **fields: Any) -> dict[str, Any]:
        """Set config fields: valid_keys, bad_keys, bad_key_status, models, unknown_models,
        active_after_polls, processing_ms, file_tokens_by_file, ... (see CONFIG_DEFAULTS);
        None restores a field's default."""
        return self._call("POST", "config", json=fields)

    def config(self) -> dict[str, Any]:
        return self._call("GET", "config")

    def models(self) -> list[str]:
        """The ids of the models the API lists now."""
        return [m["name"].removeprefix("models/") for m in self.config()["models"]]

    def add_models(self, *models: str | dict[str, Any]) -> list[str]:
        """List more models (plain ids become video models; resources as given) next to
        the current ones; returns every listed id."""
        current = self.config()["models"]
        self.configure(models=current + list(models))
        return self.models()

    def log(self, *, since: int = 0, model: str | None = None, requests: bool = False) -> dict:
        params: dict[str, Any] = {"since": since, "requests": int(requests)}
        if model is not None:
            params["model"] = model
        return self._call("GET", "log", params=params)

    def calls(self, model: str | None = None, *, since: int = 0) -> list[dict[str, Any]]:
        """The generateContent calls (oldest first) with request, key, timings, status."""
        return self.log(since=since, model=model)["calls"]

    def requests(self) -> list[dict[str, Any]]:
        """Every API request (uploads, files.get, ...) with kind, path, key and status."""
        return self.log(requests=True)["requests"]

    def counters(self) -> dict[str, Any]:
        return self._call("GET", "counters")

    def uploads(self) -> list[dict[str, Any]]:
        return self._call("GET", "uploads")

    def files(self) -> list[dict[str, Any]]:
        return self._call("GET", "files")

    def expire(self, name: str | None = None) -> list[str]:
        """Forget one file (or all of them, without a name) as if it had expired."""
        body = {"name": name} if name else {"all": True}
        return self._call("POST", "files/expire", json=body)["expired"]

    def set_file_state(self, name: str, state: str) -> dict[str, Any]:
        return self._call("POST", "files/state", json={"name": name, "state": state})

    def set_quota(
        self,
        model: str = "*",
        quota: ModelQuota | None = None,
        *,
        rpm: int | None = None,
        tpm: int | None = None,
        concurrent: int | None = None,
        window_s: float | None = None,
    ) -> dict[str, Any]:
        """Enforce a quota on a model (or on each model, "*"): a ModelQuota or its fields;
        no limit at all removes the model's entry. ``window_s`` shortens the minute (for
        every model). Returns the quotas now in force."""
        quota = quota or ModelQuota(rpm=rpm, tpm=tpm, concurrent=concurrent)
        quotas = dict(self.config()["quotas"])
        if quota.unlimited:
            quotas.pop(model, None)
        else:
            quotas[model] = quota.as_dict()
        fields: dict[str, Any] = {"quotas": quotas}
        if window_s is not None:
            fields["quota_window_s"] = window_s
        return self.configure(**fields)["quotas"]

    def quotas(self) -> dict[str, Any]:
        """The quotas, each (api_key, model)'s use of its window now, the quota 429s."""
        return self._call("GET", "quotas")

    def quota_429s(self, model: str | None = None) -> int:
        """Calls refused by a quota (all models, or one) since the last reset."""
        counters = self.counters()
        if model is None:
            return counters["quota_429s"]
        return counters["quota_429s_by_model"].get(model, 0)

    def max_in_flight(self, model: str | None = None) -> int:
        """Peak concurrent generateContent calls (all models, or one) since the last reset."""
        counters = self.counters()
        if model is None:
            return counters["max_in_flight"]
        return counters["max_in_flight_by_model"].get(model, 0)

    def wait_for_calls(self, n: int, *, model: str | None = None, timeout: float = 10) -> None:
        """Block until at least n generateContent calls (of a model) have finished."""
        deadline = time.monotonic() + timeout
        while True:
            done = [c for c in self.calls(model) if c["ended_at"] is not None]
            if len(done) >= n:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(done)} of {n} calls after {timeout}s")
            time.sleep(0.02)
