"""What a model call costs, from one dated price table.

List prices in USD per million tokens, Gemini Developer API, standard paid tier, as
published on ai.google.dev/gemini-api/docs/pricing (transcribed 2026-10-07) and the
models' launch pages; Gemini 4 prices from their launch notes. Change them here and
nowhere else. How the bill counts (and :func:`cost_usd` with it):

* input: the prompt minus its cached tokens, audio at the audio price where a model
  has one; cached tokens at the cache price (``cachedContentTokenCount``);
* output: the answer plus the thinking tokens (``thoughtsTokenCount``);
* a prompt over the long-context threshold (200k tokens on the Pro models) pays the
  long-context prices for all of its input AND output (no model with a long-context
  tier has a separate audio price, so audio follows the input price there);
* a promotional price ends on a date (``PRICE_CHANGES``): a call is priced on its day.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from vidcompare.schemas import ModelPrice

PRICES_AS_OF = dt.date(2026, 10, 7)
LONG_CONTEXT = 200_000


def _pro(input: float, output: float, cached: float) -> ModelPrice:
    """A Pro model: everything doubles (output x1.5) above 200k prompt tokens."""
    return ModelPrice(
        input=input,
        output=output,
        cached_input=cached,
        long_context_threshold=LONG_CONTEXT,
        long_input=input * 2,
        long_output=output * 1.5,
        long_cached_input=cached * 2,
    )


PRICES: dict[str, ModelPrice] = {
    "gemini-4-argon": ModelPrice(input=2.00, output=10.00, cached_input=0.10),
    "gemini-4-carbon": ModelPrice(input=2.00, output=10.00, cached_input=0.10),
    # Introductory price until 2026-12-31 (see PRICE_CHANGES); 3.7 Flash is billed as 3.8.
    "gemini-3.8-flash": ModelPrice(input=0.75, output=3.75, cached_input=0.075),
    "gemini-3.7-flash": ModelPrice(input=0.75, output=3.75, cached_input=0.075),
    "gemini-3.6-flash": ModelPrice(input=1.50, output=7.50, cached_input=0.15),
    "gemini-3.5-flash": ModelPrice(input=1.50, output=9.00, cached_input=0.15),
    "gemini-3.5-flash-lite": ModelPrice(input=0.30, output=2.50, cached_input=0.03),
    "gemini-3.1-flash-lite": ModelPrice(
        input=0.25, output=1.50, cached_input=0.025, audio_input=0.50, cached_audio_input=0.05
    ),
    "gemini-3.1-pro-preview": _pro(2.00, 12.00, 0.20),
    "gemini-3-pro-preview": _pro(2.00, 12.00, 0.20),
    "gemini-3-flash-preview": ModelPrice(
        input=0.50, output=3.00, cached_input=0.05, audio_input=1.00, cached_audio_input=0.10
    ),
    "gemini-2.5-pro": _pro(1.25, 10.00, 0.125),
    "gemini-2.5-flash": ModelPrice(
        input=0.30, output=2.50, cached_input=0.03, audio_input=1.00, cached_audio_input=0.10
    ),
    "gemini-2.5-flash-lite": ModelPrice(
        input=0.10, output=0.40, cached_input=0.01, audio_input=0.30, cached_audio_input=0.03
    ),
}
# model id -> (first day of the new price, the new price): introductory prices that end.
_GEMINI_4_FROM_DECEMBER = (
    dt.date(2026, 12, 1),
    ModelPrice(input=4.00, output=20.00, cached_input=0.20),
)
_FLASH_3_8_FROM_2027 = (dt.date(2027, 1, 1), ModelPrice(input=1.50, output=7.50, cached_input=0.15))
PRICE_CHANGES: dict[str, tuple[dt.date, ModelPrice]] = {
    "gemini-4-argon": _GEMINI_4_FROM_DECEMBER,
    "gemini-4-carbon": _GEMINI_4_FROM_DECEMBER,
    "gemini-3.8-flash": _FLASH_3_8_FROM_2027,
    "gemini-3.7-flash": _FLASH_3_8_FROM_2027,  # billed as 3.8 Flash
}
# "gemini-2.5-flash-001", "gemini-2.5-pro-preview-06-05": priced as their model.
_VERSION_SUFFIX = re.compile(r"-(?:\d{3}|preview-\d{2}-\d{2,4}|\d{2}-\d{4})$")


@dataclass(frozen=True)
class TokenCount:
    """The tokens of one call as the bill counts them."""

    prompt: int  # all prompt tokens, cached ones included
    output: int  # answer + thinking
    cached: int = 0  # of the prompt, served from the (implicit or explicit) cache
    audio: int = 0  # of the prompt, audio (cached or not)
    cached_audio: int = 0


def _priced_as(model_id: str) -> str:
    return model_id if model_id in PRICES else _VERSION_SUFFIX.sub("", model_id)


def price_of(model_id: str, on: dt.date | None = None) -> ModelPrice | None:
    """The price of ``model_id`` on ``on`` (today); None for a model without one."""
    on = on or dt.datetime.now(dt.UTC).date()
    model_id = _priced_as(model_id)
    if model_id not in PRICES:
        return None
    if (change := PRICE_CHANGES.get(model_id)) and on >= change[0]:
        return change[1]
    return PRICES[model_id]


def price_change(model_id: str, on: dt.date | None = None) -> tuple[dt.date, ModelPrice] | None:
    """(last day of today's price, the price after it) for a price that will change."""
    on = on or dt.datetime.now(dt.UTC).date()
    change = PRICE_CHANGES.get(_priced_as(model_id))
    if change is None or on >= change[0]:
        return None
    return change[0] - dt.timedelta(days=1), change[1]


def cost_usd(model_id: str, tokens: TokenCount, on: dt.date | None = None) -> float:
    """USD for one call; 0.0 for models without a price (offline ones, unknown ids)."""
    price = price_of(model_id, on)
    if price is None:
        return 0.0
    # Over the threshold, every token of the call is billed at the long-context price.
    long = price.long_context_threshold is not None and tokens.prompt > price.long_context_threshold
    input_price = price.long_input if long and price.long_input else price.input
    output_price = price.long_output if long and price.long_output else price.output
    cached_price = (
        price.long_cached_input if long and price.long_cached_input else price.cached_input
    )
    audio_price = price.audio_input or input_price
    cached_audio_price = price.cached_audio_input or cached_price
    cached = min(tokens.cached, tokens.prompt)
    cached_audio = min(tokens.cached_audio, cached, tokens.audio)
    audio = tokens.audio - cached_audio
    other = max(0, tokens.prompt - cached - audio)
    per_million = (
        other * input_price
        + audio * audio_price
        + (cached - cached_audio) * cached_price
        + cached_audio * cached_audio_price
        + tokens.output * output_price
    )
    return round(per_million / 1_000_000, 8)


def estimate_cost(model_id: str, input_tokens: int, output_tokens: int) -> float:
    """USD for a call of ``input_tokens`` (none cached, no audio) and ``output_tokens``."""
    return cost_usd(model_id, TokenCount(prompt=input_tokens, output=output_tokens))
