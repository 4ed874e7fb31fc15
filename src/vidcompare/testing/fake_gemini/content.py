"""What a generateContent call that gets through answers: a blocked prompt's feedback, or one
candidate (the default answer, the script's text or the judge's verdict) with its finish
reason and usage; and the same answer streamed as server-sent events.

Default answers are deterministic (:func:`default_answer`) and carry a ``[fake:<model>]``
marker, which the default judge (:mod:`.judge`) reads to score each answer.
"""

from __future__ import annotations

import copy
import hashlib
import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from werkzeug.wrappers import Response

from vidcompare.testing.fake_gemini.catalogue import ALIASES
from vidcompare.testing.fake_gemini.judge import verdict_text
from vidcompare.testing.fake_gemini.tokens import media_parts, texts, usage_metadata
from vidcompare.testing.fake_gemini.wire import pick

# A safety rating list whose one blocked entry explains a SAFETY block or finish.
SAFETY_RATINGS: list[dict[str, Any]] = [
    {"category": "HARM_CATEGORY_SEXUALLY_EXPLICIT", "probability": "NEGLIGIBLE"},
    {"category": "HARM_CATEGORY_HATE_SPEECH", "probability": "NEGLIGIBLE"},
    {"category": "HARM_CATEGORY_HARASSMENT", "probability": "NEGLIGIBLE"},
    {"category": "HARM_CATEGORY_DANGEROUS_CONTENT", "probability": "HIGH", "blocked": True},
]


@dataclass(frozen=True)
class Question:
    """A generateContent request as its answer needs it."""

    model: str
    body: dict[str, Any]
    config: dict[str, Any]  # its generationConfig
    prompt: str  # the text parts, joined by newlines
    file_uris: list[str]  # of the fileData parts
    judge: bool  # asks for JSON (responseMimeType application/json): a judge call

    @classmethod
    def read(cls, model: str, body: dict[str, Any]) -> Question:
        config = pick(body, "generationConfig") or {}
        mime = str(pick(config, "responseMimeType") or "")
        uris = [
            str(pick(pick(p, "fileData"), "fileUri") or "")
            for p in media_parts(body.get("contents"))
            if isinstance(pick(p, "fileData"), dict)
        ]
        return cls(
            model=model,
            body=body,
            config=config,
            prompt="\n".join(texts(body.get("contents"))),
            file_uris=uris,
            judge=mime.lower().startswith("application/json"),
        )


def default_answer(model: str, prompt: str, file_uris: Iterable[str] = ()) -> str:
    """The default answer of ``model`` to ``prompt`` (the text parts joined by newlines)."""
    uris = list(file_uris)
    digest = hashlib.sha256(f"{model}\n{prompt}".encode()).hexdigest()[:12]
    about = f" about {', '.join(uris)}" if uris else ""
    question = " ".join(prompt.split())[:80]
    return f"[fake:{model}] reply {digest}{about} to: {question}"


def answer(
    question: Question, plan: dict[str, Any], resource: dict[str, Any], counts: dict[str, int]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The answer body of a call the plan lets through, and what its log entry notes
    (``counts``: the prompt tokens by modality; ``resource``: the model's)."""
    model = question.model
    if plan["blocked"]:
        reason = plan["block_reason"]
        feedback: dict[str, Any] = {"blockReason": reason}
        if reason == "SAFETY":
            feedback["safetyRatings"] = copy.deepcopy(SAFETY_RATINGS)
        usage = usage_metadata(plan, resource, counts, "")
        notes = {"blocked": True, "block_reason": reason, "usage": usage}
        return _envelope(model, usage, promptFeedback=feedback), notes
    notes: dict[str, Any] = {}
    if question.judge:
        text, notes = verdict_text(plan, question.prompt, question.config)
    else:
        text = plan["text"]
        if text is None:
            inline = [
                f"inline {pick(pick(p, 'inlineData'), 'mimeType', '?')}"
                for p in media_parts(question.body.get("contents"))
                if isinstance(pick(p, "inlineData"), dict)
            ]
            text = default_answer(model, question.prompt, question.file_uris + inline)
    candidate, text = _candidate(text, plan["finish"])
    usage = usage_metadata(plan, resource, counts, text)
    notes.update(response_text=text or None, usage=usage, finish_reason=plan["finish"])
    return _envelope(model, usage, candidates=[candidate]), notes


def as_sse(answer: dict[str, Any]) -> Response:
    """A streamed answer: a text in two chunks (usage on both, the finish reason on the
    last); an answer without text (blocked, SAFETY, ...) in one."""
    parts = ((answer.get("candidates") or [{}])[0].get("content") or {}).get("parts") or []
    text = (parts[0].get("text") or "") if parts else ""
    half = len(text) // 2
    chunks = [answer]
    if half:
        first = copy.deepcopy(answer)
        first["candidates"][0]["content"]["parts"][0]["text"] = text[:half]
        del first["candidates"][0]["finishReason"]
        last = copy.deepcopy(answer)
        last["candidates"][0]["content"]["parts"][0]["text"] = text[half:]
        chunks = [first, last]
    data = "".join(f"data: {json.dumps(c)}\r\n\r\n" for c in chunks)
    return Response(data, 200, content_type="text/event-stream")


def _candidate(text: str, finish: str) -> tuple[dict[str, Any], str]:
    """The one candidate of an answer and the text it carries: all of it (STOP), its first
    half (MAX_TOKENS) or none (any other finish reason)."""
    candidate: dict[str, Any] = {}
    if finish == "MAX_TOKENS":
        text = text[: len(text) // 2]
    if finish in ("STOP", "MAX_TOKENS"):
        candidate["content"] = {"parts": [{"text": text}], "role": "model"}
    else:
        text = ""
    candidate["finishReason"] = finish
    if finish == "SAFETY":
        candidate["safetyRatings"] = copy.deepcopy(SAFETY_RATINGS)
    if finish == "RECITATION":
        candidate["citationMetadata"] = {
            "citationSources": [
                {"startIndex": 0, "endIndex": 120, "uri": "https://example.com/recited"}
            ]
        }
    candidate["index"] = 0
    return candidate, text


def _envelope(model: str, usage: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """An answer's fields followed by usage, model version (an alias answers as the model
    it stands for) and a fresh response id."""
    return {
        **fields,
        "usageMetadata": usage,
        "modelVersion": ALIASES.get(model, model),
        "responseId": secrets.token_urlsafe(12),
    }
