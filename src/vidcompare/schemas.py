"""Every wire shape of vidcompare: requests, answers and stored documents.

The API, the worker, the CLI, the client and the tests all use these models, so a
shape is defined once. Shapes follow the seed's (``comparisons[]`` with ``results``,
``evaluation`` and ``overall_summary``).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

# Ids end up in Firestore document ids and object names: a safe alphabet, no path tricks.
SAFE_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$"
VideoId = Annotated[str, StringConstraints(pattern=SAFE_ID_PATTERN)]
ModelId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]
Prompt = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
# What a person calls a job in lists and reports: one line, no control characters.
JobName = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=120, pattern=r"^[^\x00-\x1f\x7f]*$")
]
# A label to slice a library of runs by (a job's tags, a prompt's tag): short, one line.
Tag = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=40, pattern=r"^[^\x00-\x1f\x7f]*$"
    ),
]
MAX_TAGS = 20


class JobStatus(StrEnum):
    pending = "pending"
    running = "running"
    completed = "completed"
    failed = "failed"
    cancelled = "cancelled"

    @property
    def finished(self) -> bool:
        return self in (JobStatus.completed, JobStatus.failed, JobStatus.cancelled)


class Pair(BaseModel):
    model_config = ConfigDict(extra="forbid")

    video_id: VideoId
    prompt: Prompt


class BatchRequest(BaseModel):
    """Body of ``POST /api/batch-compare-async``."""

    model_config = ConfigDict(extra="forbid")

    video_ids: list[VideoId] = Field(default_factory=list)
    prompts: list[Prompt] = Field(default_factory=list)
    models: list[ModelId]
    judge_model: ModelId | None = None
    # Lanes: a number, or "auto" (as many as the cap, paced by the models' shared quota).
    concurrency: int | Literal["auto"] = 1
    # 2: judge twice, the second time with the answers in reversed order.
    judge_swaps: int = Field(default=1, ge=1, le=2)
    pairs: list[Pair] | None = None
    name: JobName = ""  # "": unnamed
    # Labels to slice the cross-job leaderboard by: the job's, and each prompt's (its
    # text -> its tag, e.g. the variants of a prompt A/B test).
    tags: list[Tag] = Field(default_factory=list, max_length=MAX_TAGS)
    prompt_tags: dict[Prompt, Tag] = Field(default_factory=dict)
    dry_run: bool = False

    @field_validator("concurrency", mode="before")
    @classmethod
    def _lanes(cls, value: object) -> object:
        # One message for every wrong value, named "concurrency" (not a union's branches).
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value)
        if value == "auto" or (type(value) is int and value >= 1):
            return value
        raise ValueError('must be a number of lanes (1 or more) or "auto"')


class BatchShape(BaseModel):
    """What a validated batch is: its size, models, judge and lanes."""

    total_combinations: int
    total_videos: int
    total_prompts: int
    models: list[str]
    judge_model: str
    concurrency: int  # the lanes it runs
    auto_concurrency: bool = False  # asked for "auto": lanes paced by the shared quota
    # What runs but deserves a look, e.g. a deprecated model and its replacement.
    warnings: list[str] = Field(default_factory=list)


class BatchAccepted(BatchShape):
    job_id: str
    name: str = ""
    status: JobStatus
    status_url: str
    result_url: str


class ModelEstimate(BaseModel):
    model_id: str
    role: str  # "model" | "judge"
    basis: str  # "measured" (earlier jobs) | "default" (15 s per call, tokens from duration)
    seconds_per_call: float
    input_tokens_per_call: int
    output_tokens_per_call: int  # thinking included
    # The default basis: the model family's video token rate (0 for offline models).
    video_tokens_per_second: float = 0
    cost_per_call_usd: float | None = 0.0  # None: no price is known for the model


class DryRunAnswer(BatchShape):
    """``POST /api/batch-compare-async`` with ``"dry_run": true``: nothing is created."""

    dry_run: bool = True
    model_calls: int
    judge_calls: int
    estimated_seconds: float
    # Known prices only, with the same 20 % margin as the time; see unpriced_models.
    estimated_cost_usd: float
    per_model: list[ModelEstimate]
    unpriced_models: list[str] = Field(default_factory=list)
    # The model whose quota bounds the time (its calls ÷ its requests per minute are more
    # than the lanes' time); None when the lanes bound it.
    bound_by: str | None = None


class Usage(BaseModel):
    """Tokens of one call (or a sum of calls) and what they cost at list prices.

    ``input_tokens`` is the whole prompt, ``cached_tokens`` included (billed at the cache
    price); ``output_tokens`` is the answer plus ``thinking_tokens`` (billed as output).
    """

    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0
    cached_tokens: int = 0
    thinking_tokens: int = 0
    estimated_cost_usd: float = 0.0  # of the calls with a known price
    unpriced_calls: int = 0  # calls of a model without a known price: not in the cost

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            total_tokens=self.total_tokens + other.total_tokens,
            cached_tokens=self.cached_tokens + other.cached_tokens,
            thinking_tokens=self.thinking_tokens + other.thinking_tokens,
            estimated_cost_usd=round(self.estimated_cost_usd + other.estimated_cost_usd, 8),
            unpriced_calls=self.unpriced_calls + other.unpriced_calls,
        )


class ModelResult(BaseModel):
    model_name: str
    model_id: str
    response: str | None = None
    # Time of the model call itself (not the shared upload of the video before it).
    latency_ms: int = 0
    error: str | None = None
    usage: Usage = Field(default_factory=Usage)
    # Why the model stopped, as the API says: "STOP", "MAX_TOKENS", "SAFETY", ...
    finish_reason: str | None = None
    # The prompt was blocked before any answer: "SAFETY", "PROHIBITED_CONTENT", ...
    block_reason: str | None = None
    # The answer hit the output token limit; ``response`` is the part before it.
    truncated: bool = False


class Evaluation(BaseModel):
    model_name: str
    model_id: str
    score: int | float | None = None  # a mean of two judgings with judge_swaps=2
    score_spread: float | None = None  # |first - second| with judge_swaps=2
    reasoning: str = ""
    strengths: list[str] = Field(default_factory=list)
    weaknesses: list[str] = Field(default_factory=list)


class Comparison(BaseModel):
    index: int
    video_id: str
    prompt: str
    results: list[ModelResult]
    evaluation: list[Evaluation]
    overall_summary: str = ""
    judge_model: str = ""
    judge_error: str | None = None
    # Recoverable flaws of the judge's output, e.g. an answer it gave no verdict for.
    judge_warnings: list[str] = Field(default_factory=list)
    judge_latency_ms: int = 0
    position_consistent: bool | None = None
    judge_usage: Usage = Field(default_factory=Usage)
    # The anonymous order the judge saw, e.g. {"Answer A": "local-scenes"}; kept for audit.
    judge_labels: dict[str, str] = Field(default_factory=dict)
    completed_at: dt.datetime | None = None


class LeaderboardEntry(BaseModel):
    rank: int
    model_name: str
    model_id: str
    mean_score: float | None
    scored: int
    wins: float
    mean_latency_ms: float | None
    errors: int
    total_tokens: int = 0
    estimated_cost_usd: float = 0.0
    unpriced_calls: int = 0


class JudgeSummary(BaseModel):
    judge_model: str
    judged: int = 0
    errors: int = 0
    mean_latency_ms: float | None = None
    total_tokens: int = 0
    estimated_cost_usd: float = 0.0
    unpriced_calls: int = 0
    judge_swaps: int = 1
    # Share of combinations whose best answer stayed best with the order reversed.
    position_consistency: float | None = None


class JobView(BaseModel):
    """``GET /api/jobs/{id}``: progress of one job (and its result once completed)."""

    job_id: str
    name: str = ""  # what the request called it ("" if nothing)
    tags: list[str] = Field(default_factory=list)
    status: JobStatus
    progress: float
    progress_message: str
    completed_combinations: int
    total_combinations: int
    total_videos: int
    total_prompts: int
    models: list[str]
    judge_model: str
    # What the batch was told when it started (repeats collapsed, a deprecated model).
    warnings: list[str] = Field(default_factory=list)
    concurrency: int
    auto_concurrency: bool = False
    # An Auto job's lanes running now (they shrink while the quota is contended); in
    # ``GET /api/jobs/{id}`` only, while it runs.
    lanes_now: int | None = None
    created_at: dt.datetime
    updated_at: dt.datetime
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None
    eta_seconds: float | None = None
    error: str | None = None
    total_tokens: int = 0
    estimated_cost_usd: float = 0.0
    unpriced_calls: int = 0  # model and judge calls whose cost is unknown (not counted)
    result: JobResult | None = None


class JobList(BaseModel):
    jobs: list[JobView]
    next_page_token: str | None = None


class JobResult(BaseModel):
    """``GET /api/jobs/{id}/result``: the comparisons done so far."""

    job_id: str
    status: JobStatus
    complete: bool
    comparisons: list[Comparison]
    total_videos: int
    total_prompts: int
    total_combinations: int
    completed_combinations: int
    leaderboard: list[LeaderboardEntry]
    judge: JudgeSummary
    # Each video's file name when the job started (kept after a rename or a delete).
    video_names: dict[str, str] = Field(default_factory=dict)
    total_tokens: int = 0
    estimated_cost_usd: float = 0.0
    unpriced_calls: int = 0


class CancelAnswer(BaseModel):
    job_id: str
    status: JobStatus
    completed_combinations: int = 0
    total_combinations: int = 0
    # Combinations whose models were already running: they may still be recorded (and
    # counted) after this answer; nothing new starts.
    still_running: int = 0


class VideoInfo(BaseModel):
    video_id: str
    filename: str
    gcs_uri: str
    content_type: str
    size_bytes: int
    sha256: str
    duration_s: float | None = None
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    has_audio: bool | None = None
    created_at: dt.datetime


class VideoList(BaseModel):
    videos: list[VideoInfo]


class PlaybackGrant(BaseModel):
    """``POST /api/videos/{id}/playback``: where a player may stream the video from."""

    video_id: str
    url: str  # relative to the API's base URL; its token is the credential
    expires_at: dt.datetime


Sha256Hex = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
MediaType = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z0-9_.+-]{1,127}/[A-Za-z0-9_.+-]{1,127}$")
]
# A web page's origin: scheme, host, port; what a browser sends in its Origin header.
ORIGIN_PATTERN = r"^https?://[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?$"
Origin = Annotated[str, StringConstraints(pattern=ORIGIN_PATTERN)]
Filename = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1024)]


class UploadRequest(BaseModel):
    """Body of ``POST /api/uploads``: a resumable upload straight to the bucket."""

    model_config = ConfigDict(extra="forbid")

    filename: Filename
    size_bytes: int = Field(gt=0)
    content_type: MediaType | None = None
    # The file's SHA-256, when the client knows it: bytes the owner already has are not
    # sent again (the server checks the hash itself at finalize anyway).
    sha256: Sha256Hex | None = None
    # A web page's origin, allowed to send to the session (default: the Origin header).
    origin: Origin | None = None


class UploadSession(BaseModel):
    """A Cloud Storage resumable-upload session for one new object, or the video the
    owner already has with these bytes (``existing``; nothing to upload)."""

    upload_id: str
    upload_url: str | None = None
    object_name: str | None = None
    size_bytes: int
    content_type: str
    chunk_bytes: int  # send chunks of this size (a multiple of 256 KiB); the last may be short
    expires_at: dt.datetime | None = None  # finalize before this
    existing: VideoInfo | None = None


class VideoImport(BaseModel):
    """Body of ``POST /api/videos`` as JSON: a video already in Cloud Storage, copied in."""

    model_config = ConfigDict(extra="forbid")

    gcs_uri: Annotated[
        str, StringConstraints(pattern=r"^gs://[a-z0-9][a-z0-9._-]{1,221}[a-z0-9]/.+$")
    ]
    filename: Filename | None = None


class SweepReport(BaseModel):
    """``POST /internal/sweep``: what the sweep found and republished."""

    jobs_checked: int = 0
    republished: dict[str, list[int]] = Field(default_factory=dict)
    # Housekeeping, e.g. orphaned Gemini uploads deleted ("gemini": names), abandoned
    # resumable uploads deleted ("uploads": object names).
    cleaned: dict[str, list[str]] = Field(default_factory=dict)


class ModelPrice(BaseModel):
    """List prices in USD per million tokens (one dated table: ``prices_as_of``)."""

    input: float  # text, image and video
    output: float  # the answer and thinking tokens
    cached_input: float
    audio_input: float | None = None  # when audio costs more than the other inputs
    cached_audio_input: float | None = None
    # Prompts over this many tokens pay the long-context prices for input AND output.
    long_context_threshold: int | None = None
    long_input: float | None = None
    long_output: float | None = None
    long_cached_input: float | None = None


class ModelInfo(BaseModel):
    """A model the server can run: its id for ``models[]``, and how to show it."""

    model_id: str
    display_name: str
    provider: str
    offline: bool  # runs on the server itself, no API key or cloud model needed
    description: str | None = None
    input_token_limit: int | None = None
    output_token_limit: int | None = None
    price: ModelPrice | None = None
    # A price that ends (an introductory one): its last day, and the price after it.
    price_until: dt.date | None = None
    next_price: ModelPrice | None = None
    # Its lifecycle, when the provider (or the shipped list) says: deprecated, the
    # announced shutdown date, the recommended replacement.
    deprecated: bool = False
    shutdown_date: dt.date | None = None
    successor: str | None = None


class JudgeInfo(BaseModel):
    """A judge the server can use: its id for ``judge_model``, and how to show it."""

    judge_id: str
    display_name: str
    provider: str
    offline: bool
    deprecated: bool = False
    shutdown_date: dt.date | None = None
    successor: str | None = None


class ProviderStatus(BaseModel):
    """Whether a provider's models can run here, and where its list came from."""

    provider: str
    available: bool
    # "api": the provider's live list; "fallback": the list shipped with vidcompare
    # (the API could not be asked); "none": not configured or refused.
    source: str
    backend: str | None = None  # "gemini-api" | "vertex-ai"
    fetched_at: dt.datetime | None = None
    fallback_as_of: dt.date | None = None
    message: str | None = None  # why it is unavailable, or why the fallback is used


class ModelCatalog(BaseModel):
    """``GET /api/models``: what a batch may name. Offline models first, then each
    provider's live catalogue (current models best first, deprecated ones last)."""

    models: list[ModelInfo]
    judges: list[JudgeInfo]
    default_judge: str  # the judge of a batch of offline models when none is named
    # The judge of a batch with a Gemini model when none is named; None: Gemini unavailable.
    gemini_judge: str | None
    max_models: int  # the most models one batch may run
    providers: list[ProviderStatus] = Field(default_factory=list)
    prices_as_of: dt.date | None = None


class ComboMessage(BaseModel):
    """The Pub/Sub payload: one combination of one job."""

    job_id: str
    index: int = Field(ge=0)


JobView.model_rebuild()


def dump(model: BaseModel) -> dict[str, Any]:
    """JSON-ready dict of a model (datetimes as ISO strings)."""
    return model.model_dump(mode="json")


class VideoRename(BaseModel):
    """Body of ``PATCH /api/videos/{video_id}``: the file name people see."""

    model_config = ConfigDict(extra="forbid")

    filename: Filename


class VideoDeleted(BaseModel):
    """``DELETE /api/videos/{video_id}``: the video, its file and its thumbnail are gone
    (jobs keep their results)."""

    video_id: str
    deleted: bool = True
