"""What a model provider and a judge implement.

A provider is one module (a file or a package) that registers its models with
:mod:`vidcompare.providers.registry` (``local`` and ``gemini`` register the same way a
third-party one would).
Models and judges are async so a combination can run all its models at once;
CPU-bound providers hand their work to a thread with ``asyncio.to_thread``.
"""

from __future__ import annotations

import abc
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, Field

from vidcompare.schemas import Usage


@dataclass
class VideoSource:
    """One video as a model sees it.

    ``local_path`` is a callable so that providers which never need the bytes
    (a remote API given a ``gs://`` URI) never cause a download.
    """

    video_id: str
    gcs_uri: str
    sha256: str
    content_type: str
    size_bytes: int
    local_path: Callable[[], Path]
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class TokenRates:
    """How a model counts a video, for estimates before anything was measured."""

    frame_tokens_per_second: float = 0.0
    audio_tokens_per_second: float = 0.0
    thinking_tokens_per_call: int = 0  # an allowance: models that think by default

    @property
    def counts_tokens(self) -> bool:
        return self.frame_tokens_per_second > 0


class Generation(BaseModel):
    """A model's answer to one prompt about one video."""

    text: str
    usage: Usage = Field(default_factory=Usage)
    # Why the model stopped ("STOP", "MAX_TOKENS", ...), when the provider says.
    finish_reason: str | None = None
    # The answer was cut off by the output token limit: the text is what came before.
    truncated: bool = False


class AnonymousAnswer(BaseModel):
    """An answer as the judge sees it: a label ("Answer A"), never the model's name."""

    label: str
    text: str


class LabelVerdict(BaseModel):
    label: str
    score: int | float = Field(ge=1, le=10)
    reasoning: str
    strengths: list[str] = Field(default_factory=list)
    weaknesses: list[str] = Field(default_factory=list)


class JudgeOutput(BaseModel):
    """The judge's structured output, keyed by anonymous labels (the schema a model fills)."""

    evaluations: list[LabelVerdict]
    overall_summary: str


class Verdict(JudgeOutput):
    """What a judge returns: its output (every label one of those shown), what producing
    it cost, and what it left out."""

    usage: Usage = Field(default_factory=Usage)
    # Labels shown to the judge that its output gave no usable verdict for.
    missing: list[str] = Field(default_factory=list)
    # What was wrong with the output but could be recovered from (e.g. an unknown label).
    notes: list[str] = Field(default_factory=list)


class Model(abc.ABC):
    """A video-understanding model. Implement :meth:`generate`."""

    model_id: str
    display_name: str
    provider: str
    # Runs on the server itself: no API key, no cloud model, no cost.
    offline: bool = False

    async def prepare(self, video: VideoSource) -> None:
        """Make ``video`` ready for :meth:`generate` (e.g. upload it); not counted in the
        model's latency or timeout, bounded by the video-ready deadline instead. Nothing
        to do by default (offline models read the file directly)."""
        return None

    @abc.abstractmethod
    async def generate(self, video: VideoSource, prompt: str) -> Generation:
        """Answer ``prompt`` about ``video``. Raise :class:`vidcompare.errors.ModelError`
        (or a subclass) for failures; anything else is treated as a transient failure."""


class Judge(abc.ABC):
    """Scores anonymised answers to one prompt about one video. Implement :meth:`judge`."""

    judge_id: str
    display_name: str
    provider: str
    offline: bool = False  # as for :attr:`Model.offline`

    async def prepare(self, video: VideoSource) -> None:
        """Make ``video`` ready for :meth:`judge`; see :meth:`Model.prepare`."""
        return None

    @abc.abstractmethod
    async def judge(
        self, video: VideoSource, prompt: str, answers: list[AnonymousAnswer]
    ) -> Verdict:
        """Return one :class:`LabelVerdict` per answer label, plus an overall summary."""
