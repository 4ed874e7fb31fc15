"""What the fake remembers between requests, behind one lock: its config, the scripts, the
files and upload sessions, the call and request logs, and the counters."""

from __future__ import annotations

import copy
import random
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from vidcompare.testing.fake_gemini.catalogue import DEFAULT_MODELS, as_model_resource
from vidcompare.testing.fake_gemini.limits import METRICS, Window, checked_quotas
from vidcompare.testing.fake_gemini.scripting import outcome

if TYPE_CHECKING:
    from vidcompare.testing.fake_gemini.uploads import UploadSession

CONFIG_DEFAULTS: dict[str, Any] = {
    # None: any non-empty key is valid; else only these keys.
    "valid_keys": None,
    # Keys always rejected.
    "bad_keys": [],
    # 400 INVALID_ARGUMENT/API_KEY_INVALID (what the real API does) or 403 PERMISSION_DENIED.
    "bad_key_status": 400,
    # The model resources the API has (models.list, models.get; any other model answers
    # 404). An item may be a plain id: a video model (VIDEO_MODEL_FIELDS) named after it.
    "models": DEFAULT_MODELS,
    # Model ids refused (404) even if listed.
    "unknown_models": [],
    # A new file is PROCESSING until its N-th files.get AND processing_ms after its upload
    # finished (both), then shows final_file_state. 0 and 0: the upload answer already does.
    "active_after_polls": 1,
    "processing_ms": 0,
    "final_file_state": "ACTIVE",
    # Status for files.get/delete or a fileData part naming an unknown, deleted or expired
    # file: 404 NOT_FOUND, or 403 PERMISSION_DENIED (the real API's wording).
    "missing_file_status": 404,
    # Prompt tokens counted for every fileData/inlineData part.
    "file_tokens": 258,
    # Prompt tokens of particular files instead of file_tokens, keyed by the file's
    # displayName or its sha256 hex (uploaded files and inline data).
    "file_tokens_by_file": {},
    # Of a video's tokens, this many are AUDIO and the rest VIDEO (promptTokensDetails).
    "audio_tokens_per_file": 32,
    # Queue of failures for upload start requests (same item forms as a script's "fail").
    "upload_fail": [],
    # Seed of the random generator behind fail_rate.
    "seed": 0,
    # Quotas enforced per model id (or "*": every model, each its own) and API key:
    # {"rpm": N, "tpm": N, "concurrent": N}, null for no limit (see limits).
    "quotas": {},
    # The quotas' sliding window: a minute, shorter in tests.
    "quota_window_s": 60.0,
    # Names the quota metrics of a 429: "free" (generate_content_free_tier_requests) or
    # "paid" (generate_requests_per_model).
    "quota_tier": "free",
}


class FakeState:
    """All the fake's state; every reader and writer holds ``lock``."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.in_flight = 0
        self.in_flight_by_model: dict[str, int] = {}
        # Admitted calls in flight per (API key, model): live, like in_flight, across resets.
        self.quota_in_flight: dict[tuple[str, str], int] = {}
        self.reset(log_only=False)

    def reset(self, *, log_only: bool, keep_files: bool = False) -> None:
        """Forget the log and counters and, unless ``log_only``, scripts, config, upload
        sessions, quota windows and (unless ``keep_files``) files (caller holds the lock)."""
        self.calls: list[dict[str, Any]] = []
        self.requests: list[dict[str, Any]] = []
        self.counters: dict[str, Any] = {
            "uploads": 0,
            "uploads_started": 0,
            "upload_chunks": 0,
            "upload_bytes": 0,
            "uploads_by_sha256": {},
            "files_get": 0,
            "files_get_by_name": {},
            "files_list": 0,
            "files_deleted": 0,
            "files_expired": 0,
            "models_list": 0,
            "models_get": 0,
            "generate_calls": 0,
            "generate_calls_by_model": {},
            "judge_calls": 0,
            "stream_calls": 0,
            "count_tokens_calls": 0,
            "errors_served": 0,
            "errors_by_code": {},
            "errors_by_model": {},
            "max_in_flight": self.in_flight,
            "max_in_flight_by_model": dict(self.in_flight_by_model),
            "quota_429s": 0,
            "quota_429s_by_model": {},
            "quota_429s_by_limit": {},
        }
        if not log_only:
            self.scripts: dict[str, dict[str, Any]] = {}
            self.config: dict[str, Any] = copy.deepcopy(CONFIG_DEFAULTS)
            self.uploads: list[dict[str, Any]] = []
            self.windows: dict[tuple[str, str], Window] = {}
            self.sessions: dict[str, UploadSession] = {}
            if not keep_files or not hasattr(self, "files"):
                self.files: dict[str, dict[str, Any]] = {}
            self.rng = random.Random(self.config["seed"])

    def bump(self, name: str, key: str | None = None, by: int = 1) -> None:
        """Add to a counter, or to one key of a counter of keys (caller holds the lock)."""
        if key is None:
            self.counters[name] += by
        else:
            self.counters[name][key] = self.counters[name].get(key, 0) + by

    def counters_now(self) -> dict[str, Any]:
        """The counters with what is live now: calls in flight, files, open uploads."""
        with self.lock:
            counters = copy.deepcopy(self.counters)
            counters["in_flight"] = self.in_flight
            counters["files_live"] = len(self.files)
            counters["upload_sessions_open"] = len(self.sessions)
            return counters

    def log(self, *, since: int, model: str | None, with_requests: bool) -> dict[str, Any]:
        """The generateContent calls from ``since`` on (of one model), the counters, the next
        index and, if asked, every API request."""
        counters = self.counters_now()
        with self.lock:
            calls = [c for c in self.calls[since:] if model is None or c["model"] == model]
            log = {"calls": copy.deepcopy(calls), "counters": counters, "next": len(self.calls)}
            if with_requests:
                log["requests"] = copy.deepcopy(self.requests)
            return log

    def set_config(self, body: dict[str, Any]) -> dict[str, Any]:
        """Check and set config fields (None: back to the default); the whole config."""
        unknown = sorted(set(body) - set(CONFIG_DEFAULTS))
        if unknown:
            raise ValueError(f"unknown config fields {unknown}; known: {sorted(CONFIG_DEFAULTS)}")
        body = dict(body)
        if isinstance(body.get("valid_keys"), str):
            body["valid_keys"] = [body["valid_keys"]]
        for name in ("bad_keys", "unknown_models", "upload_fail", "models"):
            if isinstance(body.get(name), str | int):
                body[name] = [body[name]]
        for item in body.get("upload_fail") or []:
            outcome(item)  # validate
        if body.get("models") is not None:
            body["models"] = [as_model_resource(item) for item in body["models"]]
        if body.get("file_tokens_by_file") is not None:
            if not isinstance(body["file_tokens_by_file"], dict):
                raise ValueError("file_tokens_by_file maps a displayName or sha256 hex to tokens")
            body["file_tokens_by_file"] = {
                str(k): int(v) for k, v in body["file_tokens_by_file"].items()
            }
        if body.get("bad_key_status", 400) not in (400, 403):
            raise ValueError("bad_key_status must be 400 or 403")
        if body.get("missing_file_status", 404) not in (403, 404):
            raise ValueError("missing_file_status must be 403 or 404")
        if body.get("quotas") is not None:
            body["quotas"] = checked_quotas(body["quotas"])
        if body.get("quota_window_s") is not None and not float(body["quota_window_s"]) > 0:
            raise ValueError("quota_window_s must be > 0")
        if body.get("quota_tier") not in (None, *METRICS):
            raise ValueError(f"quota_tier must be one of {list(METRICS)}")
        with self.lock:
            for name, value in body.items():
                self.config[name] = copy.deepcopy(CONFIG_DEFAULTS[name]) if value is None else value
            if "seed" in body:
                self.rng = random.Random(self.config["seed"])
            return copy.deepcopy(self.config)


def max_in_flight(calls: Iterable[dict[str, Any]]) -> int:
    """The largest number of calls overlapping in time, from started_at/ended_at."""
    events = []
    for call in calls:
        if call.get("started_at") is None:
            continue
        end = call.get("ended_at") or float("inf")
        events += [(call["started_at"], 1), (end, -1)]
    best = current = 0
    for _, step in sorted(events, key=lambda e: (e[0], e[1])):
        current += step
        best = max(best, current)
    return best
