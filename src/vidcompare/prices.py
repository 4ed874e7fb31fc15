"""Estimated cost of a model call, from one dated price table.

Prices are list prices in USD per million tokens for the Gemini Developer API (paid
tier, prompts up to 200k tokens; video input is billed as input tokens), as published
on ai.google.dev/pricing on the date below. Change them here and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass

PRICES_AS_OF = "2025-12-01"


@dataclass(frozen=True)
class Price:
    input_per_million: float
    output_per_million: float


PRICES: dict[str, Price] = {
    "gemini-3-pro-preview": Price(2.00, 12.00),
    "gemini-3-flash-preview": Price(0.50, 3.00),
    "gemini-2.5-pro": Price(1.25, 10.00),
    "gemini-2.5-flash": Price(0.30, 2.50),
    "gemini-2.5-flash-lite": Price(0.10, 0.40),
}


def estimate_cost(model_id: str, input_tokens: int, output_tokens: int) -> float:
    """USD for one call; 0.0 for models without a price (offline ones, unknown ids)."""
    price = PRICES.get(model_id)
    if price is None:
        return 0.0
    return round(
        (input_tokens * price.input_per_million + output_tokens * price.output_per_million)
        / 1_000_000,
        8,
    )
