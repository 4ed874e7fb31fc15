"""Reading a generateContent answer: its text, why it stopped, and what it cost.

A 200 is not always an answer. The API says no in the body too:

==========================================  ==========================================
the response                                what the model's result gets
==========================================  ==========================================
no candidates, ``promptFeedback.blockReason``  error "the prompt was blocked (SAFETY)",
                                            ``block_reason``; not retried
``finishReason`` SAFETY, RECITATION,        error naming the reason, ``finish_reason``;
PROHIBITED_CONTENT, BLOCKLIST, SPII, ...    not retried
``finishReason`` MAX_TOKENS with text       the partial text, ``truncated: true``
``finishReason`` MAX_TOKENS, no text        error: the limit was spent (e.g. thinking)
STOP with no text                           error: an empty answer
==========================================  ==========================================
"""

from __future__ import annotations

from dataclasses import dataclass

from google.genai import types

from vidcompare.errors import ModelError, ModelRefusal
from vidcompare.prices import TokenCount, cost_usd, price_of
from vidcompare.schemas import Usage

# What each stop reason means, for the error a person reads.
WHY: dict[str, str] = {
    "SAFETY": "the answer was stopped by the safety filters",
    "RECITATION": "the answer was stopped for reciting training data",
    "PROHIBITED_CONTENT": "the answer was stopped for prohibited content",
    "BLOCKLIST": "the answer was stopped by a blocklist term",
    "SPII": "the answer was stopped for sensitive personal information",
    "IMAGE_SAFETY": "the answer was stopped by the image safety filters",
    "LANGUAGE": "the answer was stopped: the language is not supported",
    "MALFORMED_FUNCTION_CALL": "the model produced a malformed function call",
    "OTHER": "the answer was stopped for an unspecified reason",
}


@dataclass(frozen=True)
class Answer:
    text: str
    finish_reason: str | None
    truncated: bool


def _name(value: object) -> str | None:
    if value is None:
        return None
    return str(getattr(value, "value", value))


def read_answer(response: types.GenerateContentResponse) -> Answer:
    """The answer's text (thought parts left out), or the refusal as a :class:`ModelError`."""
    if not response.candidates:
        feedback = response.prompt_feedback
        reason = _name(feedback.block_reason) if feedback else None
        if reason:
            said = f": {feedback.block_reason_message}" if feedback.block_reason_message else ""
            raise ModelRefusal(f"the prompt was blocked ({reason}){said}", block_reason=reason)
        raise ModelError("Gemini returned no answer (no candidates, no block reason)")
    candidate = response.candidates[0]
    finish = _name(candidate.finish_reason)
    parts = candidate.content.parts if candidate.content and candidate.content.parts else []
    text = "".join(part.text for part in parts if part.text and not part.thought)
    if finish == "MAX_TOKENS":
        if text:
            return Answer(text, finish, truncated=True)
        raise ModelRefusal(
            "the output token limit was reached before any answer (MAX_TOKENS; thinking "
            "may have used it up)",
            finish_reason=finish,
        )
    if finish not in (None, "STOP", "FINISH_REASON_UNSPECIFIED"):
        why = WHY.get(finish, "the answer was stopped")
        detail = f": {candidate.finish_message}" if candidate.finish_message else ""
        raise ModelRefusal(f"{why} (finish reason {finish}){detail}", finish_reason=finish)
    if not text:
        raise ModelError(f"Gemini returned an empty answer (finish reason {finish})")
    return Answer(text, finish, truncated=False)


def _modality_tokens(details: list[types.ModalityTokenCount] | None, modality: str) -> int:
    return sum(d.token_count or 0 for d in details or [] if _name(d.modality) == modality.upper())


def usage_of(model_id: str, response: types.GenerateContentResponse) -> Usage:
    """Tokens as the bill counts them: cached prompt tokens at the cache price, audio at
    the audio price, thinking tokens as output, the long-context tier when it applies.

    An alias ("gemini-flash-latest") is priced as the model that answered
    (``modelVersion``); a model with no known price counts as an unpriced call.
    """
    meta = response.usage_metadata
    if meta is None:
        return Usage(unpriced_calls=1)  # the API did not say: the cost is unknown, not $0
    priced_as = next(
        (m for m in (model_id, response.model_version) if m and price_of(m) is not None), None
    )
    prompt = meta.prompt_token_count or 0
    thinking = meta.thoughts_token_count or 0
    output = (meta.candidates_token_count or 0) + thinking
    tokens = TokenCount(
        prompt=prompt,
        cached=meta.cached_content_token_count or 0,
        audio=_modality_tokens(meta.prompt_tokens_details, "AUDIO"),
        cached_audio=_modality_tokens(meta.cache_tokens_details, "AUDIO"),
        output=output,
    )
    return Usage(
        input_tokens=prompt,
        output_tokens=output,
        total_tokens=meta.total_token_count or prompt + output,
        cached_tokens=tokens.cached,
        thinking_tokens=thinking,
        estimated_cost_usd=cost_usd(priced_as, tokens) if priced_as else 0.0,
        unpriced_calls=int(priced_as is None),
    )
