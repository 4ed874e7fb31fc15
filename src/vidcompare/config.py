"""Settings read from the environment, in one place: every variable vidcompare reads.

``Settings`` is the service's (what a function reads once per instance: ``settings()``
is cached); the local stack sets the same variables on the processes it starts, and
deploy sets them on the functions from the defaults below. ``ToolSettings`` is what the
client, the CLI and the local stack read, read anew each time (a test or a script may
set a variable after import); no deployed function reads it.
"""

from __future__ import annotations

import functools
import json
import os
from dataclasses import dataclass
from pathlib import Path

from vidcompare.quotas import TIERS, ModelQuota

# Defaults stated once; deploy and the local stack use them too.
DEFAULT_LEASE_SECONDS = 60.0
DEFAULT_MAX_DELIVERIES = 5
DEFAULT_JUDGE = "local-rubric"  # offline: works with no key
# How long Pub/Sub waits for process_combo to answer a push (its 540 s timeout, and more).
ACK_DEADLINE_S = 600
DEFAULT_URL = "http://127.0.0.1:8000"
# What API Gateway and Cloud Run take in one request body; the local gateway refuses
# more too, so that nothing passes locally that production would refuse.
REQUEST_CAP_BYTES = 32 * 1024 * 1024


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _quotas(name: str) -> dict[str, ModelQuota]:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return {}
    try:
        table = json.loads(raw)
        if not isinstance(table, dict):
            raise ValueError("not a JSON object")
        return {str(model): ModelQuota.from_dict(limits) for model, limits in table.items()}
    except (ValueError, TypeError) as exc:
        raise ValueError(
            f'{name}: {exc}; e.g. {{"gemini-3.8-flash": {{"rpm": 60, "tpm": 1000000}}}}'
        ) from None


def _tier(name: str) -> str:
    tier = os.environ.get(name, "tier1").strip() or "tier1"
    if tier not in (*TIERS, "off"):
        raise ValueError(f"{name}: {tier!r}; one of {', '.join(TIERS)}, off")
    return tier


def _float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


def _list(name: str) -> tuple[str, ...]:
    """A comma-separated variable, without blanks."""
    return tuple(a.strip() for a in os.environ.get(name, "").split(",") if a.strip())


def _api_keys(spec: str) -> dict[str, str]:
    """``owner=sha256hex,owner2=sha256hex`` -> {hash: owner}."""
    keys = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        owner, _, digest = item.partition("=")
        keys[digest.strip().lower()] = owner.strip()
    return keys


def topic_names(topic: str, shards: int) -> list[str]:
    """Every shard of ``topic``; the first is the topic itself."""
    return [topic] + [f"{topic}-{shard}" for shard in range(1, shards)]


@dataclass(frozen=True)
class Settings:
    project: str
    topic: str
    # Combination i goes to topic shard i % topic_shards ("combos", "combos-1", ...).
    # Production: 1. The local stack: several, because the Pub/Sub emulator pushes at most
    # two messages of one subscription at a time, which would cap parallel lanes at two.
    topic_shards: int
    bucket: str
    # Limits on a batch request; every one is a 400 naming the field when exceeded.
    max_combinations: int
    max_videos: int
    max_prompts: int
    max_models: int
    max_prompt_chars: int
    max_concurrency: int
    max_upload_bytes: int
    max_body_bytes: int  # a JSON request body
    # A claim holds a combination this long and its heartbeat renews it every quarter of
    # it while the models run: a crashed worker's combination is taken over within it.
    lease_seconds: float
    # A combination that crashes the worker this many times fails its job (the local
    # stand-in for the subscription's dead-letter policy, which the emulator lacks).
    max_deliveries: int
    default_judge: str
    # Access: off on the local stack by default; on in production (infra sets it).
    auth: bool
    api_keys: dict[str, str]  # sha256(key) hex -> owner; only hashes are configured
    admins: frozenset[str]  # owners allowed on /internal/* (e.g. the scheduler's account)
    # A token forwarded by API Gateway must name one of these; None: not checked.
    id_token_audiences: tuple[str, ...] | None
    # A token sent straight to the function (Cloud Scheduler's); default: the above.
    direct_id_token_audiences: tuple[str, ...] | None
    google_certs_url: str  # where Google publishes the keys of its ID tokens
    # The judge of a batch with a Gemini model when none is named; "" picks the newest
    # current Flash model the live catalogue offers (ids rot: a fixed default would too).
    default_gemini_judge: str
    # Time budgets. A model call (one answer, retries included) has model_timeout_s; one
    # HTTP request of it gemini_request_timeout_s, so a hung request is retried by the SDK
    # inside the call's budget. A combination waits video_ready_timeout_s for its video
    # (upload, PROCESSING; not a model's time), then is given back and redelivered. The
    # judge has model_timeout_s too (both swaps run at once). The defaults keep one
    # combination within process_combo's 540 s: 120 + 180 (models, in parallel) + 180.
    model_timeout_s: float
    gemini_request_timeout_s: float
    video_ready_timeout_s: float
    # A video still PROCESSING this long after its upload is given up on (and deleted).
    video_processing_limit_s: float
    # Attempts per call, the first included: server errors (by the SDK), 429s (by us).
    gemini_server_attempts: int
    gemini_429_attempts: int
    gemini_backoff_s: float  # first backoff, and the SDK's jitter
    gemini_poll_s: float  # first pause between Files API polls; grows to 20 times it
    upload_lease_s: float  # an uploader's hold on a video's upload, renewed while it runs
    # The live Gemini catalogue (models.list) is cached this long per instance; a model
    # missing from it is looked up again when the cache is older than catalogue_recheck_s.
    catalogue_ttl_s: float
    catalogue_recheck_s: float
    # Local copies of videos for the offline models: where (None: the system's temporary
    # directory), and at most how many bytes (least recently used ones go first).
    cache_dir: str | None
    cache_max_bytes: int
    # Gemini quotas per model (vidcompare.quotas): VIDCOMPARE_QUOTAS is JSON,
    # {"gemini-3.8-flash": {"rpm": 60, "tpm": 1000000}, "*": {...}}; a model not named
    # there has its family's default in VIDCOMPARE_GEMINI_TIER (tier1, free; off: none).
    quotas: dict[str, ModelQuota]
    gemini_tier: str
    # Set by the local stack: allows the sweep's repairs that only make sense on one host.
    local_stack: bool
    # Jobs, their comparisons and videos carry ``expire_at`` this far ahead; Firestore's
    # TTL policy (infra/) deletes them after it, and the bucket's lifecycle rule the files.
    retention_days: int

    @staticmethod
    def check_quotas() -> None:
        """Read the quota variables as a function would: ValueError naming a bad one."""
        _quotas("VIDCOMPARE_QUOTAS")
        _tier("VIDCOMPARE_GEMINI_TIER")

    @classmethod
    def from_env(cls) -> Settings:
        project = (
            os.environ.get("GOOGLE_CLOUD_PROJECT")
            or os.environ.get("GCLOUD_PROJECT")
            or "vidcompare-local"
        )
        return cls(
            project=project,
            topic=os.environ.get("VIDCOMPARE_TOPIC", "combos"),
            topic_shards=max(1, _int("VIDCOMPARE_TOPIC_SHARDS", 1)),
            bucket=os.environ.get("VIDCOMPARE_BUCKET", f"{project}-videos"),
            max_combinations=_int("VIDCOMPARE_MAX_COMBINATIONS", 10_000),
            max_videos=_int("VIDCOMPARE_MAX_VIDEOS", 1_000),
            max_prompts=_int("VIDCOMPARE_MAX_PROMPTS", 100),
            max_models=_int("VIDCOMPARE_MAX_MODELS", 4),
            max_prompt_chars=_int("VIDCOMPARE_MAX_PROMPT_CHARS", 2_000),
            max_concurrency=_int("VIDCOMPARE_MAX_CONCURRENCY", 8),
            max_upload_bytes=_int("VIDCOMPARE_MAX_UPLOAD_BYTES", 2 * 1024**3),
            max_body_bytes=_int("VIDCOMPARE_MAX_BODY_BYTES", 1024 * 1024),
            lease_seconds=_float("VIDCOMPARE_LEASE_SECONDS", DEFAULT_LEASE_SECONDS),
            max_deliveries=_int("VIDCOMPARE_MAX_DELIVERIES", DEFAULT_MAX_DELIVERIES),
            default_judge=os.environ.get("VIDCOMPARE_DEFAULT_JUDGE", DEFAULT_JUDGE),
            auth=os.environ.get("VIDCOMPARE_AUTH", "off").lower() in ("on", "true", "1"),
            api_keys=_api_keys(os.environ.get("VIDCOMPARE_API_KEYS", "")),
            admins=frozenset(_list("VIDCOMPARE_ADMINS")),
            id_token_audiences=_list("VIDCOMPARE_ID_TOKEN_AUDIENCE") or None,
            direct_id_token_audiences=(
                _list("VIDCOMPARE_DIRECT_ID_TOKEN_AUDIENCE")
                or _list("VIDCOMPARE_ID_TOKEN_AUDIENCE")
                or None
            ),
            google_certs_url=os.environ.get(
                "VIDCOMPARE_GOOGLE_CERTS_URL", "https://www.googleapis.com/oauth2/v1/certs"
            ),
            default_gemini_judge=os.environ.get("VIDCOMPARE_GEMINI_JUDGE", "").strip(),
            model_timeout_s=_float("VIDCOMPARE_MODEL_TIMEOUT_S", 180.0),
            gemini_request_timeout_s=_float("VIDCOMPARE_GEMINI_REQUEST_TIMEOUT_S", 120.0),
            video_ready_timeout_s=_float("VIDCOMPARE_VIDEO_READY_TIMEOUT_S", 120.0),
            video_processing_limit_s=_float("VIDCOMPARE_VIDEO_PROCESSING_LIMIT_S", 1800.0),
            gemini_server_attempts=_int("VIDCOMPARE_GEMINI_SERVER_ATTEMPTS", 4),
            gemini_429_attempts=_int("VIDCOMPARE_GEMINI_429_ATTEMPTS", 6),
            gemini_backoff_s=_float("VIDCOMPARE_GEMINI_BACKOFF_S", 1.0),
            gemini_poll_s=_float("VIDCOMPARE_GEMINI_POLL_S", 1.0),
            upload_lease_s=_float("VIDCOMPARE_UPLOAD_LEASE_S", 60.0),
            catalogue_ttl_s=_float("VIDCOMPARE_CATALOGUE_TTL_S", 600.0),
            catalogue_recheck_s=_float("VIDCOMPARE_CATALOGUE_RECHECK_S", 30.0),
            retention_days=_int("VIDCOMPARE_RETENTION_DAYS", 90),
            cache_dir=os.environ.get("VIDCOMPARE_CACHE_DIR") or None,
            cache_max_bytes=_int("VIDCOMPARE_CACHE_MAX_BYTES", 2 * 1024**3),
            local_stack=os.environ.get("VIDCOMPARE_LOCAL_STACK") == "1",
            quotas=_quotas("VIDCOMPARE_QUOTAS"),
            gemini_tier=_tier("VIDCOMPARE_GEMINI_TIER"),
        )


@functools.cache
def settings() -> Settings:
    return Settings.from_env()


@dataclass(frozen=True)
class ToolSettings:
    """What the client, the CLI and the local stack read from the environment."""

    url: str  # the API the client and CLI talk to
    api_key: str | None
    state_dir: Path  # the local stack's state: stack.json, logs, data/
    functions_dir: Path | None  # the functions' sources, when not this checkout's
    snapshot_every_s: float  # the local stack saves Firestore this often
    ack_deadline_s: int  # the local push subscriptions' (lower: faster redelivery in tests)
    sweep_api_key: str | None  # the local sweep timer's key, when auth is on
    # API keys configured beside the local stack's own: "owner=sha256hex,..."
    configured_api_keys: tuple[str, ...]

    @classmethod
    def from_env(cls) -> ToolSettings:
        if explicit := os.environ.get("VIDCOMPARE_STATE_DIR"):
            state_dir = Path(explicit).resolve()
        else:
            base = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
            state_dir = Path(base) / "vidcompare"
        functions = os.environ.get("VIDCOMPARE_FUNCTIONS_DIR")
        return cls(
            url=(os.environ.get("VIDCOMPARE_URL") or DEFAULT_URL).rstrip("/"),
            api_key=os.environ.get("VIDCOMPARE_API_KEY") or None,
            state_dir=state_dir,
            functions_dir=Path(functions) if functions else None,
            snapshot_every_s=_float("VIDCOMPARE_SNAPSHOT_EVERY_S", 5.0),
            ack_deadline_s=_int("VIDCOMPARE_ACK_DEADLINE_S", ACK_DEADLINE_S),
            sweep_api_key=os.environ.get("VIDCOMPARE_SWEEP_API_KEY") or None,
            configured_api_keys=_list("VIDCOMPARE_API_KEYS"),
        )


def tool_settings() -> ToolSettings:
    return ToolSettings.from_env()
