"""Provider ``gemini``: Gemini models and a Gemini judge through google-genai.

=============  ===============================================================
module         its one job
=============  ===============================================================
sdk            the instance's google-genai client (retries, request timeout)
calls          the 429 loop and what each API error means for a batch
answers        a response's text, its refusals (blocks, stop reasons), its cost
catalogue      the live model list (models.list), cached, with a dated fallback
known          the shipped list: display names, shutdown dates, successors
files          the Files API: one upload per video, its own deadline, cleanup
models         GeminiModel: one generateContent on the video and the prompt
judge          GeminiJudge: structured output with the labels as an enum
=============  ===============================================================

Which ids exist is the API's to say: every ``gemini-*`` id is a family member built on
demand, and the catalogue decides at the start of a batch whether it is offered.
"""

from __future__ import annotations

from vidcompare.config import settings
from vidcompare.providers.gemini import known
from vidcompare.providers.gemini.catalogue import catalogue
from vidcompare.providers.gemini.files import delete_orphans
from vidcompare.providers.gemini.judge import GeminiJudge
from vidcompare.providers.gemini.models import PROVIDER, GeminiModel

__all__ = ["PROVIDER", "GeminiJudge", "GeminiModel", "register"]


def register(registry) -> None:
    registry.add_family(
        "gemini-",
        provider=PROVIDER,
        model=GeminiModel,
        judge=GeminiJudge,
        catalogue=catalogue,
        sweep=delete_orphans,
        token_rates=known.token_rates,
        default_judge=lambda: catalogue().default_judge(settings().default_gemini_judge),
    )
