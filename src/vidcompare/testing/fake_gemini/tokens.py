"""Token counting: prompt tokens by modality, usageMetadata, and countTokens.

Text costs one token per 4 characters, every file part ``file_tokens`` (or its
``file_tokens_by_file`` entry, by displayName or sha256 hex), of which a video's
``audio_tokens_per_file`` count as AUDIO and the rest as VIDEO. usageMetadata carries
promptTokenCount, candidatesTokenCount (absent without content), totalTokenCount = prompt +
candidates + thoughts, promptTokensDetails (non-zero modalities), thoughtsTokenCount (64 for
thinking models, judges included, unless scripted) and, with ``cached_tokens``,
cachedContentTokenCount and cacheTokensDetails (split over the prompt's modalities in
proportion).
"""

from __future__ import annotations

import base64
import hashlib
import math
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from vidcompare.testing.fake_gemini.auth import keyed
from vidcompare.testing.fake_gemini.catalogue import unknown_model
from vidcompare.testing.fake_gemini.files import file_id_of
from vidcompare.testing.fake_gemini.wire import json_response, pick

if TYPE_CHECKING:
    from vidcompare.testing.fake_gemini.state import FakeState

THINKING_TOKENS = 64  # thoughtsTokenCount of a thinking model unless scripted


def count_tokens(text: str) -> int:
    """The fake's token count of a text: one token per 4 characters, rounded up."""
    return math.ceil(len(text) / 4)


def texts(contents: Any) -> list[str]:
    """The text parts of a request's contents (one content or a list), in order."""
    if isinstance(contents, dict):
        contents = [contents]
    out = []
    for content in contents or []:
        for part in (content or {}).get("parts") or []:
            if isinstance(part, dict) and isinstance(part.get("text"), str):
                out.append(part["text"])
    return out


def media_parts(contents: Any) -> list[dict[str, Any]]:
    """The fileData and inlineData parts of a request's contents, in order."""
    out = []
    for content in contents or []:
        for part in (content or {}).get("parts") or []:
            if isinstance(part, dict) and (
                pick(part, "fileData") is not None or pick(part, "inlineData") is not None
            ):
                out.append(part)
    return out


def _modality(mime: str) -> str:
    """The promptTokensDetails modality of a file part (anything unknown counts as video)."""
    mime = mime.lower()
    if mime.startswith("image/"):
        return "IMAGE"
    if mime.startswith("audio/"):
        return "AUDIO"
    if mime.startswith("text/"):
        return "TEXT"
    if mime == "application/pdf":
        return "DOCUMENT"
    return "VIDEO"


def modality_details(counts: dict[str, int]) -> list[dict[str, Any]]:
    """A ModalityTokenCount list: the non-zero modalities, TEXT first."""
    order = ("TEXT", "IMAGE", "VIDEO", "AUDIO", "DOCUMENT")
    ranked = sorted(counts, key=lambda m: order.index(m) if m in order else len(order))
    return [{"modality": m, "tokenCount": counts[m]} for m in ranked if counts[m] > 0]


def _split(total: int, counts: dict[str, int]) -> dict[str, int]:
    """``total`` split over the modalities in proportion to counts (largest remainder)."""
    whole = sum(counts.values())
    if whole <= 0 or total <= 0:
        return {}
    shares = {m: total * n / whole for m, n in counts.items()}
    out = {m: math.floor(v) for m, v in shares.items()}
    for m in sorted(shares, key=lambda m: out[m] - shares[m])[: total - sum(out.values())]:
        out[m] += 1
    return out


def prompt_usage(state: FakeState, body: dict[str, Any]) -> tuple[int, dict[str, int]]:
    """The prompt tokens of a request and their split by modality: text at 4 characters
    a token, each file part its file tokens (a video's audio_tokens_per_file as AUDIO)."""
    prompt_texts = texts(body.get("contents")) + texts(pick(body, "systemInstruction"))
    counts = {"TEXT": sum(count_tokens(t) for t in prompt_texts)}
    with state.lock:
        audio = int(state.config["audio_tokens_per_file"])
        for part in media_parts(body.get("contents")):
            tokens, modality = _file_tokens(state, part)
            if modality == "VIDEO":
                counts["AUDIO"] = counts.get("AUDIO", 0) + min(audio, tokens)
                tokens -= min(audio, tokens)
            counts[modality] = counts.get(modality, 0) + tokens
    return sum(counts.values()), counts


def usage_metadata(
    plan: dict[str, Any], resource: dict[str, Any], counts: dict[str, int], text: str
) -> dict[str, Any]:
    """usageMetadata: prompt (by modality), candidates, thoughts, cache and total."""
    prompt_tokens = sum(counts.values())
    candidates = count_tokens(text) if text else 0
    thoughts = plan["thinking_tokens"]
    if thoughts is None:
        thoughts = THINKING_TOKENS if resource.get("thinking") else 0
    if plan["blocked"]:
        candidates = thoughts = 0  # the prompt never reached the model
    cached = plan["cached_tokens"]
    cached = prompt_tokens if cached == "all" else min(int(cached), prompt_tokens)
    usage: dict[str, Any] = {"promptTokenCount": prompt_tokens}
    if candidates:
        usage["candidatesTokenCount"] = candidates
    usage["totalTokenCount"] = prompt_tokens + candidates + int(thoughts)
    if cached > 0:
        usage["cachedContentTokenCount"] = cached
    usage["promptTokensDetails"] = modality_details(counts)
    if cached > 0:
        usage["cacheTokensDetails"] = modality_details(_split(cached, counts))
    if thoughts:
        usage["thoughtsTokenCount"] = int(thoughts)
    return usage


@keyed
def count_request_tokens(state: FakeState, request: Request, ver: str, model: str) -> Response:
    """countTokens: of a bare request or of its ``generateContentRequest``."""
    if (missing := unknown_model(state, ver, model, "countTokens")) is not None:
        return missing
    body = request.get_json(force=True, silent=True) or {}
    inner = body.get("generateContentRequest") or body
    total, counts = prompt_usage(state, inner)
    with state.lock:
        state.bump("count_tokens_calls")
    return json_response({"totalTokens": total, "promptTokensDetails": modality_details(counts)})


def _file_tokens(state: FakeState, part: dict[str, Any]) -> tuple[int, str]:
    """A media part's prompt tokens and modality (caller holds the lock)."""
    tokens = int(state.config["file_tokens"])
    by_file = state.config["file_tokens_by_file"] or {}
    keys: list[str] = []
    file_data, inline = pick(part, "fileData"), pick(part, "inlineData")
    if isinstance(file_data, dict):
        mime = str(pick(file_data, "mimeType") or "")
        file_id = file_id_of(str(pick(file_data, "fileUri") or ""))
        rec = state.files.get(file_id) if file_id else None
        if rec is not None:
            keys = [rec.get("displayName") or "", rec["sha256"]]
            mime = mime or rec["mimeType"]
    else:
        inline = inline if isinstance(inline, dict) else {}
        mime = str(pick(inline, "mimeType") or "")
        raw = base64.b64decode(str(inline.get("data") or "") + "==", validate=False)
        keys = [str(pick(inline, "displayName") or ""), hashlib.sha256(raw).hexdigest()]
    for key in keys:
        if key and key in by_file:
            tokens = int(by_file[key])
            break
    return tokens, _modality(mime)
