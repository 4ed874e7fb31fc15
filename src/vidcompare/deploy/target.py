"""Where a deploy goes and what each function needs there; every name derives from it."""

from __future__ import annotations

import re
from dataclasses import dataclass

# An origin as a browser sends it: scheme, host, optional port; no path, no slash.
_ORIGIN = re.compile(r"https?://[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?")


def web_origin(text: str) -> str:
    """``text`` as a browser's ``Origin`` header says it; ValueError when it is not one."""
    origin = text.strip().rstrip("/").lower()
    if not _ORIGIN.fullmatch(origin):
        raise ValueError(f"not a web origin (scheme://host[:port], no path): {text!r}")
    return origin


@dataclass(frozen=True)
class Target:
    """Where and how to deploy; every resource name derives from ``name``."""

    project: str
    region: str
    name: str = "vidcompare"
    bucket: str | None = None
    retention_days: int = 90
    max_instances: int = 20
    worker_max_instances: int = 10
    max_delivery_attempts: int = 10
    sweep_schedule: str = "*/5 * * * *"
    # Pages besides the gateway's own that may upload to the bucket (its CORS).
    web_origins: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # Checked here: an origin is written into the script's CORS document.
        object.__setattr__(self, "web_origins", tuple(map(web_origin, self.web_origins)))

    @property
    def project_flag(self) -> str:
        """Every gcloud command names the project: never the caller's default one."""
        return f"--project={self.project}"

    @property
    def videos_bucket(self) -> str:
        return self.bucket or f"{self.project}-{self.name}-videos"

    @property
    def topic(self) -> str:
        return f"{self.name}-combos"

    @property
    def dead_letter_topic(self) -> str:
        return f"{self.name}-combos-dead-letter"

    @property
    def gemini_secret(self) -> str:
        return f"{self.name}-gemini-api-key"

    @property
    def api_keys_secret(self) -> str:
        return f"{self.name}-api-keys"

    def function(self, name: str) -> str:
        return f"{self.name}-{name.replace('_', '-')}"

    def account(self, role: str) -> str:
        return f"{self.name}-{role.replace('_', '-')}@{self.project}.iam.gserviceaccount.com"

    @property
    def build_account(self) -> str:
        """What ``--build-service-account`` takes: the account Cloud Build runs as."""
        return f"projects/{self.project}/serviceAccounts/{self.account('build')}"

    def function_url(self, name: str) -> str:
        """The stable URL of a gen2 function (an accepted ID-token audience as well)."""
        return f"https://{self.region}-{self.project}.cloudfunctions.net/{self.function(name)}"


@dataclass(frozen=True)
class FunctionPlan:
    """What one function needs: its size, its trigger, and its least privileges."""

    name: str
    memory: str
    timeout_s: int
    http: bool
    roles: tuple[str, ...]  # project-level roles of its service account
    bucket_role: str | None
    publishes: bool
    secrets: tuple[tuple[str, str], ...]  # (env var, secret property of Target)


FUNCTIONS = (
    FunctionPlan(
        "start_batch",
        memory="1Gi",
        timeout_s=300,  # a streamed upload of a large video
        http=True,
        roles=("roles/datastore.user",),
        # Opens upload sessions with its own credentials, moves and deletes uploads.
        bucket_role="roles/storage.objectAdmin",
        publishes=True,
        # The Gemini key too: a batch is checked against the live catalogue (models.list).
        secrets=(("VIDCOMPARE_API_KEYS", "api_keys_secret"), ("GEMINI_API_KEY", "gemini_secret")),
    ),
    FunctionPlan(
        "job_status",
        memory="512Mi",
        timeout_s=120,
        http=True,
        roles=("roles/datastore.user",),
        bucket_role=None,
        publishes=True,  # the sweep republishes lost combinations
        # The Gemini key too: GET /api/models lists what the key can use (models.list).
        secrets=(("VIDCOMPARE_API_KEYS", "api_keys_secret"), ("GEMINI_API_KEY", "gemini_secret")),
    ),
    FunctionPlan(
        "process_combo",
        memory="2Gi",  # decoding video for the offline models
        timeout_s=540,  # the maximum for event-driven functions
        http=False,
        roles=("roles/datastore.user", "roles/eventarc.eventReceiver"),
        bucket_role="roles/storage.objectViewer",
        publishes=True,  # the next combination
        secrets=(("GEMINI_API_KEY", "gemini_secret"),),
    ),
)
