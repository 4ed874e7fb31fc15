"""The documents vidcompare stores in Firestore, typed: what ``store`` writes and reads.

``jobs/{job_id}``                       :class:`JobDoc`: status, plan, counters, totals
``jobs/{job_id}/comparisons/{index}``   :class:`ComboDoc`: lease, attempts, the comparison
``videos/{video_id}``                   :class:`VideoDoc`: where a video is and what it is
``gemini_files/{sha256}``               :class:`GeminiFileDoc`: a video's Files API upload
``uploads/{upload_id}``                 :class:`UploadDoc`: a resumable upload to the bucket
``video_digests/{key}``                 which video holds an owner's bytes (see ``store``)

Wire shapes (what the API answers) are in :mod:`vidcompare.schemas`; a stored document
holds more (owner, lease, totals, expiry) and is turned into those by the API.
A field has a default wherever a stored document may lack it (written by an older
version, read with a field mask, or made by a crash record before any claim); unknown
fields are kept. ``to_doc`` is for whole documents being created, never partial reads.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum, StrEnum
from typing import Any, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from vidcompare.schemas import JobStatus, VideoInfo


class Stored(BaseModel):
    """A Firestore document: unknown fields are kept (a newer version may have written
    them), and ``to_doc`` gives the dict Firestore stores (datetimes stay datetimes)."""

    model_config = ConfigDict(extra="allow")

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Self:
        return cls.model_validate(doc)

    def to_doc(self) -> dict[str, Any]:
        # Enums as their values (Firestore stores strings); datetimes stay timestamps.
        return {
            name: value.value if isinstance(value, Enum) else value
            for name, value in self.model_dump(mode="python").items()
        }


class ComboState(StrEnum):
    running = "running"  # claimed: a worker holds its lease
    done = "done"  # committed: never run or counted again


class CallTotals(BaseModel):
    """What a job's calls of one model (or of its judge) added up to so far."""

    errors: int = 0
    latency_ms_sum: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0
    estimated_cost_usd: float = 0.0
    unpriced_calls: int = 0


class ModelStats(CallTotals):
    """One model's running totals in a job, incremented as each comparison commits."""

    model_name: str = ""
    score_sum: float = 0
    scored: int = 0
    wins: float = 0.0
    answered: int = 0

    @property
    def mean_score(self) -> float | None:
        return round(self.score_sum / self.scored, 2) if self.scored else None

    @property
    def mean_latency_ms(self) -> float | None:
        return round(self.latency_ms_sum / self.answered, 1) if self.answered else None

    def __add__(self, other: ModelStats) -> ModelStats:
        return _add(self, other)


class JudgeStats(CallTotals):
    """The judge's running totals in a job."""

    swapped: int = 0  # combinations judged in both orders
    consistent: int = 0  # of those, the best answer stayed best
    judged: int = 0

    @property
    def mean_latency_ms(self) -> float | None:
        return round(self.latency_ms_sum / self.judged, 1) if self.judged else None

    @property
    def position_consistency(self) -> float | None:
        return round(self.consistent / self.swapped, 3) if self.swapped else None

    def __add__(self, other: JudgeStats) -> JudgeStats:
        return _add(self, other)


Totals = TypeVar("Totals", ModelStats, JudgeStats)


def _add(a: Totals, b: Totals) -> Totals:
    """Field by field sums (a name is kept, not added)."""
    summed = {
        name: getattr(b, name) or getattr(a, name)
        if isinstance(getattr(a, name), str)
        else getattr(a, name) + getattr(b, name)
        for name in type(a).model_fields
    }
    return type(a)(**summed)


class JobDoc(Stored):
    job_id: str
    name: str = ""
    tags: list[str] = Field(default_factory=list)
    # A prompt's text -> its tag (the leaderboard's prompt_tag filter and grouping).
    prompt_tags: dict[str, str] = Field(default_factory=dict)
    owner: str | None = None
    status: JobStatus
    completed_combinations: int = 0
    total_combinations: int
    total_videos: int
    total_prompts: int
    models: list[str]
    judge_model: str
    warnings: list[str] = Field(default_factory=list)
    # Each video's file name when the job started: its reports keep it after a rename or
    # a delete of the video.
    video_names: dict[str, str] = Field(default_factory=dict)
    judge_swaps: int = 1
    concurrency: int = 1  # lanes
    auto_concurrency: bool = False  # the request said "auto"
    created_at: dt.datetime
    updated_at: dt.datetime
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None
    error: str | None = None
    stats: dict[str, ModelStats] = Field(default_factory=dict)
    judge_stats: JudgeStats = Field(default_factory=JudgeStats)
    leaderboard: list[dict[str, Any]] | None = None  # written once, when the job completes
    expire_at: dt.datetime | None = None  # Firestore's TTL policy deletes the job then
    # The validated request (``Plan.to_doc``): large, never changes, so only read when
    # needed (see ``SUMMARY_FIELDS``).
    plan: dict[str, Any] | None = None


# Everything in a job document except its plan: what reads fetch by default.
SUMMARY_FIELDS = [name for name in JobDoc.model_fields if name != "plan"]


class ComboDoc(Stored):
    """A combination: its lease while it runs, then its comparison (the fields of
    :class:`~vidcompare.schemas.Comparison`, stored flat beside these, read as one)."""

    index: int | None = None  # missing on a crash record made before any claim
    video_id: str = ""
    prompt: str = ""
    state: ComboState | None = None
    worker: str | None = None  # the claim holding the lease (host:pid:token)
    attempts: int = 0
    crashes: int = 0
    last_crash: str | None = None
    claimed_at: dt.datetime | None = None
    lease_expires_at: dt.datetime | None = None
    completed_at: dt.datetime | None = None
    next_published: bool = False
    expire_at: dt.datetime | None = None

    def held_at(self, now: dt.datetime) -> bool:
        """Whether a live lease holds it at ``now``."""
        return (
            self.state is ComboState.running
            and self.lease_expires_at is not None
            and self.lease_expires_at > now
        )


class VideoDoc(Stored, VideoInfo):
    owner: str | None = None
    object_name: str  # the object's name in the bucket
    expire_at: dt.datetime | None = None
    gemini_file: dict[str, Any] | None = None  # a copy of its Files API handle, to see

    def info(self) -> VideoInfo:
        return VideoInfo.model_validate(self.model_dump(include=set(VideoInfo.model_fields)))


class UploadState(StrEnum):
    open = "open"  # the session takes bytes; finalize once they are all sent
    finalized = "finalized"  # probed and recorded as ``video_id`` (maybe an older video)
    rejected = "rejected"  # not a video we can decode: the object was deleted


class UploadDoc(Stored):
    """``uploads/{upload_id}``: a resumable upload straight to the bucket, until it is
    finalized. The session URL is the bearer of the right to write: never listed."""

    upload_id: str
    owner: str | None = None
    filename: str
    object_name: str  # under ``incoming/`` until finalized
    content_type: str
    size_bytes: int
    upload_url: str
    state: UploadState = UploadState.open
    video_id: str | None = None
    error: str | None = None
    created_at: dt.datetime
    expires_at: dt.datetime  # finalize before this; then the object is abandoned
    expire_at: dt.datetime | None = None  # Firestore's TTL


class GeminiFileDoc(Stored):
    """``gemini_files/{sha256}``: one video's upload to the Gemini Files API, shared by
    every video id with the same bytes (see ``providers/gemini/files``)."""

    handle: dict[str, Any] | None = None  # ACTIVE: name, uri, mime_type, expires_at, ...
    pending: dict[str, Any] | None = None  # uploaded, still PROCESSING
    failed: dict[str, Any] | None = None  # reason, at, name
    uploader: str | None = None  # who holds the upload lease
    uploading_until: dt.datetime | None = None
