"""Per-model quotas: what a model may take per minute, and the Gemini figures to start from.

The Gemini API limits each *project* (not each API key) per model over a sliding minute:
requests (RPM) and input tokens (TPM); going over either answers 429 RESOURCE_EXHAUSTED
with a ``RetryInfo``. It publishes no limit on calls in flight; ``concurrent`` is ours to
set (and the fake Gemini's to enforce). ``None`` means no limit.

Default figures (:data:`GEMINI_DEFAULTS`), read on :data:`AS_OF`. Since December 2025
ai.google.dev/gemini-api/docs/rate-limits shows no table: a project's live limits are in
AI Studio (aistudio.google.com/rate-limit), so configure the real ones; these are starting
points by family, from the last tables the page published (Gemini 2.5 and 2.0):

- free: Pro 5 RPM, Flash 10 RPM, Flash-Lite 15 RPM, all 250,000 TPM (the page's free
  table as of mid-2025). Google cut free-tier quotas again on 2025-12-07, and live 429s
  of 2026 show a free Gemini 3.x Flash at 20 requests *per day*: treat free as a trickle.
- tier1 (billing on): Pro 150 RPM / 2,000,000 TPM, Flash 1,000 RPM / 1,000,000 TPM (the
  page's Tier 1 table, 2.5 Pro / Flash previews, ~May 2025). Flash-Lite was not in it:
  Flash's figures stand in as a floor.

Requests per day are left out: a batch of a night is bounded by the minute limits first.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

AS_OF = dt.date(2026, 11, 26)


@dataclass(frozen=True)
class ModelQuota:
    """A model's limits: requests and input tokens per minute, calls in flight at once."""

    rpm: int | None = None
    tpm: int | None = None
    concurrent: int | None = None

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if value is not None and (type(value) is not int or value < 1):
                raise ValueError(f"{name} must be a whole number >= 1 or None, not {value!r}")

    @property
    def unlimited(self) -> bool:
        return self == ModelQuota()

    def as_dict(self) -> dict[str, int | None]:
        return asdict(self)

    @classmethod
    def from_dict(cls, fields: Mapping[str, Any]) -> ModelQuota:
        """From ``{"rpm": 60, "tpm": ..., "concurrent": ...}`` (missing or null: no limit)."""
        unknown = sorted(set(fields) - {"rpm", "tpm", "concurrent"})
        if unknown:
            raise ValueError(f"unknown quota fields {unknown}; known: rpm, tpm, concurrent")
        return cls(**dict(fields))


TIERS = ("free", "tier1")
GEMINI_DEFAULTS: dict[str, dict[str, ModelQuota]] = {
    "free": {
        "pro": ModelQuota(rpm=5, tpm=250_000),
        "flash": ModelQuota(rpm=10, tpm=250_000),
        "flash-lite": ModelQuota(rpm=15, tpm=250_000),
    },
    "tier1": {
        "pro": ModelQuota(rpm=150, tpm=2_000_000),
        "flash": ModelQuota(rpm=1_000, tpm=1_000_000),
        "flash-lite": ModelQuota(rpm=1_000, tpm=1_000_000),
    },
}

# "gemini-3.1-pro-preview" -> pro, "gemini-3.5-flash-lite" -> flash-lite; the Gemini 4
# names ("gemini-4-argon") rank with Pro, as the catalogue ranks them.
_FAMILY = re.compile(r"^gemini-(?:\d+(?:\.\d+)?-)?(flash-lite|flash|pro|[a-z]+)")


def gemini_family(model_id: str) -> str | None:
    """pro, flash or flash-lite for a Gemini model id; None for anything else."""
    found = _FAMILY.match(model_id)
    if not found:
        return None
    family = found[1]
    return family if family in ("pro", "flash", "flash-lite") else "pro"


def default_quota(model_id: str, tier: str = "tier1") -> ModelQuota:
    """The starting quota of a model in a tier (no limit for a model not from Gemini)."""
    if tier not in GEMINI_DEFAULTS:
        raise ValueError(f"unknown Gemini tier {tier!r}; known: {', '.join(TIERS)}")
    family = gemini_family(model_id)
    return GEMINI_DEFAULTS[tier][family] if family else ModelQuota()
