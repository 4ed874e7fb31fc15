"""The Gemini models vidcompare knows of, with their lifecycle: a dated, shipped list.

The live catalogue (``models.list``) decides what may run. This list adds what the API
does not say — announced shutdown dates and recommended replacements, from Google's
deprecations page — and stands in, marked as a fallback with its date, when the API
cannot be asked. Update it (and ``AS_OF``) when the deprecations page changes.

Sources, read on the date below: ai.google.dev/gemini-api/docs/deprecations (newest
snapshot: models up to gemini-3.8-flash, 2026-09-02), .../docs/models, .../changelog
(2026-10-08: gemini-3.7-flash and gemini-3.5-flash routed to 3.8 / 3.6 Flash;
2026-10-13: gemini-4-argon GA). Gemini 2.5 Pro / Flash shut down on 2026-12-01 by the
newest reading of the deprecations page (earlier snapshots said 2026-06-17, 2026-10-16).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from vidcompare.providers.base import TokenRates

AS_OF = dt.date(2026, 11, 26)


@dataclass(frozen=True)
class KnownModel:
    model_id: str
    display_name: str
    released: dt.date | None = None
    shutdown: dt.date | None = None  # the announced (earliest) shutdown date
    successor: str | None = None  # the recommended replacement
    deprecated: bool = False  # announced, even without a date (e.g. routed to a successor)
    video: bool = True  # answers about a video
    input_token_limit: int | None = 1_048_576
    output_token_limit: int | None = 65_536

    def __post_init__(self) -> None:
        if self.shutdown is not None:
            object.__setattr__(self, "deprecated", True)


D = dt.date
MODELS: tuple[KnownModel, ...] = (
    # Gemini 4: one 1M-token window shared by input and output.
    KnownModel("gemini-4-argon", "Gemini 4 Argon", D(2026, 10, 13)),
    KnownModel("gemini-4-carbon", "Gemini 4 Carbon", D(2026, 11, 10)),
    # Gemini 3.x, stable
    KnownModel("gemini-3.8-flash", "Gemini 3.8 Flash", D(2026, 9, 2)),
    KnownModel(
        "gemini-3.7-flash",
        "Gemini 3.7 Flash",
        D(2026, 8, 13),
        successor="gemini-3.8-flash",
        deprecated=True,
    ),
    KnownModel("gemini-3.6-flash", "Gemini 3.6 Flash", D(2026, 7, 21)),
    KnownModel(
        "gemini-3.5-flash",
        "Gemini 3.5 Flash",
        D(2026, 5, 19),
        successor="gemini-3.6-flash",
        deprecated=True,
    ),
    KnownModel("gemini-3.5-flash-lite", "Gemini 3.5 Flash-Lite", D(2026, 7, 21)),
    KnownModel(
        "gemini-3.1-flash-lite",
        "Gemini 3.1 Flash-Lite",
        D(2026, 5, 7),
        shutdown=D(2027, 5, 7),
        successor="gemini-3.5-flash-lite",
    ),
    # Gemini 3.x, preview
    KnownModel("gemini-3.1-pro-preview", "Gemini 3.1 Pro Preview", D(2026, 2, 19)),
    KnownModel(
        "gemini-3-flash-preview",
        "Gemini 3 Flash Preview",
        D(2025, 12, 17),
        successor="gemini-3.5-flash",
        deprecated=True,
    ),
    KnownModel(
        "gemini-3-pro-preview",
        "Gemini 3 Pro Preview",
        D(2025, 11, 18),
        shutdown=D(2026, 3, 9),
        successor="gemini-3.1-pro-preview",
    ),
    KnownModel(
        "gemini-3.1-flash-lite-preview",
        "Gemini 3.1 Flash-Lite Preview",
        D(2026, 3, 3),
        shutdown=D(2026, 5, 25),
        successor="gemini-3.1-flash-lite",
    ),
    # Gemini 2.5
    KnownModel(
        "gemini-2.5-pro",
        "Gemini 2.5 Pro",
        D(2025, 6, 17),
        shutdown=D(2026, 12, 1),
        successor="gemini-3.1-pro-preview",
    ),
    KnownModel(
        "gemini-2.5-flash",
        "Gemini 2.5 Flash",
        D(2025, 6, 17),
        shutdown=D(2026, 12, 1),
        successor="gemini-3.5-flash-lite",
    ),
    KnownModel(
        "gemini-2.5-flash-lite",
        "Gemini 2.5 Flash-Lite",
        D(2025, 7, 22),
        successor="gemini-3.5-flash-lite",
        deprecated=True,
    ),
    # Gemini 2.0: shut down
    KnownModel(
        "gemini-2.0-flash",
        "Gemini 2.0 Flash",
        D(2025, 2, 5),
        shutdown=D(2026, 6, 1),
        successor="gemini-3.5-flash",
    ),
    KnownModel(
        "gemini-2.0-flash-lite",
        "Gemini 2.0 Flash-Lite",
        D(2025, 2, 25),
        shutdown=D(2026, 6, 1),
        successor="gemini-3.1-flash-lite",
    ),
)
BY_ID: dict[str, KnownModel] = {m.model_id: m for m in MODELS}


# ------------------------------------------------------------------ model ids


@dataclass(frozen=True)
class ModelName:
    """What a Gemini id says of itself: "gemini-3.1-pro-preview" is version 3.1, tier
    "pro", a preview; "gemini-flash-latest" an alias; "gemini-4-argon" version 4, tier
    "argon" (ranked with Pro)."""

    version: float | None
    tier: str | None
    preview: bool
    alias: bool

    @property
    def major(self) -> int | None:
        return None if self.version is None else int(self.version)


_ID = re.compile(r"^gemini-(?:(\d+(?:\.\d+)?)-)?(flash-lite|flash|pro|[a-z]+)?")


def parse(model_id: str) -> ModelName:
    found = _ID.match(model_id)
    version = float(found[1]) if found and found[1] else None
    tier = found[2] if found else None
    return ModelName(
        version=version,
        tier=tier,
        preview="preview" in model_id or "-exp" in model_id,
        alias=model_id.endswith("-latest"),
    )


# ------------------------------------------------------------------ token rates

# Tokens per second of video at the default media resolution, frames sampled at 1 fps:
# Gemini 2.5 counts 258 per frame, Gemini 3 and later 70 (low and medium are the same for
# video; docs/gemini-3 "media_resolution"); audio is 32 per second for both.
FRAME_TOKENS_2_5, FRAME_TOKENS_3, AUDIO_TOKENS_PER_S = 258, 70, 32
# Thinking tokens to allow per call when nothing has been measured yet: the models think
# by default (Pro and Gemini 4 at "high", Flash at "medium", Flash-Lite at "minimal").
THINKING_ALLOWANCE = {"flash": 1_000, "flash-lite": 300}
THINKING_ALLOWANCE_OTHERS = 2_000


def token_rates(model_id: str) -> TokenRates:
    """How ``model_id`` counts a video: its family's frame rate, audio, thinking."""
    name = parse(model_id)
    old = name.major is not None and name.major < 3
    return TokenRates(
        frame_tokens_per_second=FRAME_TOKENS_2_5 if old else FRAME_TOKENS_3,
        audio_tokens_per_second=AUDIO_TOKENS_PER_S,
        thinking_tokens_per_call=THINKING_ALLOWANCE.get(name.tier or "", THINKING_ALLOWANCE_OTHERS),
    )
