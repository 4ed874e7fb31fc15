"""A fake Gemini Developer API server that the real ``google-genai`` SDK talks to over HTTP.

Point the SDK at it with ``GOOGLE_GEMINI_BASE_URL=<base_url>`` (plus any API key in
``GEMINI_API_KEY``) or ``genai.Client(api_key=..., http_options=types.HttpOptions(
base_url=<base_url>))``. It is a real threaded HTTP server (werkzeug) on a free port, so
several processes (Cloud Functions, benchmark workers) can call it at once; its behaviour
is scripted and its request log read over HTTP, under ``/_fake/``, because the callers
live in other processes.

API surface (any version prefix ``v1``, ``v1beta``, ``v1alpha``: google-genai 3.x talks
``v1`` by default, ``v1beta`` with ``GOOGLE_GENAI_API_VERSION=beta`` or
``HttpOptions(api_version="v1beta")``)::

    POST   /upload/{ver}/files                      resumable upload (start, upload, finalize)
    GET    /{ver}/files[?pageSize=&pageToken=]      files.list
    GET    /{ver}/files/{id}                        files.get (PROCESSING -> ACTIVE after polls
                                                    and processing_ms)
    DELETE /{ver}/files/{id}                        files.delete
    GET    /{ver}/models[?pageSize=&pageToken=]     models.list (50 a page, at most 1000)
    GET    /{ver}/models/{model}                    models.get
    POST   /{ver}/models/{model}:generateContent
    POST   /{ver}/models/{model}:streamGenerateContent?alt=sse
    POST   /{ver}/models/{model}:countTokens

Models are strict, as in the real API: only those in config ``models`` (default
:data:`DEFAULT_MODELS`, the real list as of 2026-11, where gemini-2.5-* and
gemini-3-pro-preview are gone) exist; any other (or one in ``unknown_models``) answers 404
NOT_FOUND on generate, stream, countTokens and models.get. A model without
``generateContent`` in its supportedGenerationMethods (gemini-embedding-001) answers 400, and
so does a prompt over the model's inputTokenLimit ("The input token count (N) exceeds the
maximum number of tokens allowed (M)."). Tests that want another id list it:
``fake.add_models("my-model")``.

Tokens: text costs one token per 4 characters, every file part ``file_tokens`` (or its
``file_tokens_by_file`` entry, by displayName or sha256 hex), of which a video's
``audio_tokens_per_file`` count as AUDIO and the rest as VIDEO. usageMetadata carries
promptTokenCount, candidatesTokenCount (absent without content), totalTokenCount = prompt +
candidates + thoughts, promptTokensDetails (non-zero modalities), thoughtsTokenCount (64 for
thinking models, judges included, unless scripted) and, with ``cached_tokens``,
cachedContentTokenCount and cacheTokensDetails (split over the prompt's modalities in
proportion).

Refusals: a ``blocked`` call answers ``{"promptFeedback": {"blockReason": R,
"safetyRatings": [...] (SAFETY only)}, "usageMetadata": {...}}`` without candidates; a queued
``finish`` reason answers one candidate with that finishReason and no content (SAFETY adds
safetyRatings with one ``blocked: true``, RECITATION citationMetadata), or MAX_TOKENS with the
text cut to its first half; a ``{"hang_ms": N}`` in ``fail`` answers normally after N ms.

Structured output: a judge call (responseMimeType application/json) may carry responseSchema
(checked like the real API: unknown fields, types, ``required`` and STRING-only ``enum``, 400
INVALID_ARGUMENT otherwise; camelCase or snake_case field names) or responseJsonSchema (an
object). The default verdict honours a label enum at ``evaluations.items.properties.label``
unless ``judge_label_style`` / ``judge_omit`` make the judge sloppy. Each call's log entry
has ``temperature``, ``response_schema`` and ``schema_form``, ``finish_reason``, ``usage``.

Control API (JSON in, JSON out)::

    GET  /_fake/health                  {"ok": true}
    POST /_fake/reset                   {"log_only": false, "keep_files": false} -> forget
                                        files (unless keep_files), scripts, config, log
    POST /_fake/script                  {"model": "<id>" | "*", "clear": false, <script fields>}
    GET  /_fake/script                  every stored script
    POST /_fake/config                  {<config fields>} (null: back to the default)
    GET  /_fake/config                  (models as full resources)
    GET  /_fake/log?since=N&model=M&requests=1   {"calls": [...], "counters": {...}, "requests"}
    GET  /_fake/counters
    GET  /_fake/uploads                 every finalized upload (name, sizeBytes, sha256 hex,
                                        state: PROCESSING, ACTIVE, ..., DELETED or EXPIRED)
    GET  /_fake/files                   live files with their internal state
    POST /_fake/files/expire            {"name": "files/abc"} or {"all": true}: forget them
    POST /_fake/files/state             {"name": "files/abc", "state": "ACTIVE" | "FAILED" | ...}

Script fields (per model id, or ``"*"`` for every model; a model's own value wins, then
``"*"``, then the default; ``null`` removes a field): see :data:`SCRIPT_DEFAULTS`.
Config fields: see :data:`CONFIG_DEFAULTS`.

Default answers are deterministic (:func:`default_answer`) and carry a ``[fake:<model>]``
marker; the default judge (:func:`default_verdict`) finds the labels "Answer A", "Answer B",
... in the prompt, recovers each answer's model from its marker and scores it with
:func:`score_for` (or ``judge_scores``), so a test can predict every score.

Run stand-alone (benchmarks):
``python -m vidcompare.testing.fake_gemini --port 8765 [--model my-model]``;
it prints ``FAKE_GEMINI_URL=http://127.0.0.1:8765`` once it listens.

Notes: the werkzeug server answers ``Connection: close`` (one TCP connection per request).
The SDK sends part fields in snake_case (``fileData: {file_uri, mime_type}``) next to
camelCase top-level fields, and ``property_ordering`` inside a responseSchema; the fake reads
both spellings. The SDK maps a model's supportedGenerationMethods to ``Model.supported_actions``
and a candidate's citationMetadata.citationSources to ``citation_metadata.citations``.
Keep a reference to a ``genai.Client``: ``genai.Client().models.generate_content(...)`` may
fail with "client has been closed" once the temporary client is garbage-collected.
"""

from __future__ import annotations

import argparse
import base64
import copy
import datetime as dt
import hashlib
import json
import logging
import math
import random
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from typing import Any

import httpx
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

try:
    import pytest
except ImportError:  # the server also runs stand-alone, without pytest
    pytest = None

logger = logging.getLogger("fake_gemini")

# --------------------------------------------------------------------------- the models

# What the real API lists for a video-capable text model (Gemini 3.x Flash/Pro); a plain id
# in config "models" becomes a resource with these fields and a displayName derived from it.
VIDEO_MODEL_FIELDS: dict[str, Any] = {
    "inputTokenLimit": 1048576,
    "outputTokenLimit": 65536,
    "supportedGenerationMethods": [
        "generateContent",
        "countTokens",
        "createCachedContent",
        "batchGenerateContent",
    ],
    "temperature": 1.0,
    "topP": 0.95,
    "topK": 64,
    "maxTemperature": 2.0,
    "thinking": True,
}


def model_resource(
    model_id: str,
    display_name: str | None = None,
    *,
    version: str = "001",
    description: str | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """A model resource as ``GET /v1beta/models`` lists it: the video-model fields of
    :data:`VIDEO_MODEL_FIELDS` unless ``fields`` replace them (``None`` drops a field);
    the displayName is derived from the id unless given."""
    model_id = model_id.removeprefix("models/")
    display = display_name or " ".join(w.capitalize() for w in model_id.split("-"))
    if description is None:
        description = f"{display}, a model of the fake Gemini server."
    resource: dict[str, Any] = {"name": f"models/{model_id}", "version": version}
    resource["displayName"] = display
    if description:  # "" leaves it out, as the real list does for some models
        resource["description"] = description
    for name, value in (copy.deepcopy(VIDEO_MODEL_FIELDS) | fields).items():
        if value is not None:
            resource[name] = value
    return resource


# The Gemini Developer API's model list (GET /v1beta/models) as of 2026-11, in its order.
# Shut-down models (gemini-3-pro-preview, gemini-2.5-pro, gemini-2.5-flash, ...) are gone
# from it and answer 404. Adjust ids here: this is the only list.
DEFAULT_MODELS: list[dict[str, Any]] = [
    # Video-capable text models: what a video comparison may offer.
    model_resource(
        "gemini-4-argon",
        "Gemini 4 Argon",
        description="Gemini 4 Argon, our most capable model for complex reasoning tasks.",
    ),
    model_resource(
        "gemini-3.8-flash",
        "Gemini 3.8 Flash",
        description="Gemini 3.8 Flash, our fast multimodal model with a 1M token context.",
    ),
    model_resource(
        "gemini-3.7-flash",
        "Gemini 3.7 Flash",
        description="Gemini 3.7 Flash, a fast multimodal model with a 1M token context.",
    ),
    model_resource(
        "gemini-3.6-flash",
        "Gemini 3.6 Flash",
        description="Gemini 3.6 Flash, a fast multimodal model with a 1M token context.",
    ),
    model_resource(
        "gemini-3.5-flash",
        "Gemini 3.5 Flash",
        description="Gemini 3.5 Flash, a fast multimodal model with a 1M token context.",
    ),
    model_resource(
        "gemini-3.5-flash-lite",
        "Gemini 3.5 Flash-Lite",
        description="Gemini 3.5 Flash-Lite, our most cost-efficient multimodal model.",
    ),
    model_resource(
        "gemini-3.1-flash-lite",
        "Gemini 3.1 Flash-Lite",
        description="Gemini 3.1 Flash-Lite, a cost-efficient multimodal model.",
    ),
    model_resource(
        "gemini-3.1-pro-preview",
        "Gemini 3.1 Pro Preview",
        version="3.1-pro-preview",
        description="Preview release of Gemini 3.1 Pro, our most capable multimodal model.",
    ),
    model_resource(
        "gemini-3-flash-preview",
        "Gemini 3 Flash Preview",
        version="3-flash-preview",
        description="Preview release of Gemini 3 Flash.",
    ),
    model_resource(
        "gemini-flash-latest",
        "Gemini Flash Latest",
        version="Gemini Flash Latest",
        description="Latest release of Gemini Flash",
    ),
    model_resource(
        "gemini-pro-latest",
        "Gemini Pro Latest",
        version="Gemini Pro Latest",
        description="Latest release of Gemini Pro",
    ),
    # Listed too, but no video comparison model: image output, speech output, embeddings,
    # and a small open model with a 128K context.
    model_resource(
        "gemini-3.1-flash-image",
        "Gemini 3.1 Flash Image",
        description="Gemini 3.1 Flash Image: generates and edits images.",
        inputTokenLimit=32768,
        outputTokenLimit=32768,
        supportedGenerationMethods=["generateContent", "countTokens", "batchGenerateContent"],
        thinking=None,
    ),
    model_resource(
        "gemini-3.5-flash-preview-tts",
        "Gemini 3.5 Flash Preview TTS",
        version="gemini-3.5-flash-preview-tts",
        description="Gemini 3.5 Flash Preview TTS: text to speech (audio output only).",
        inputTokenLimit=8192,
        outputTokenLimit=16384,
        supportedGenerationMethods=["countTokens", "generateContent"],
        thinking=None,
    ),
    model_resource(
        "gemini-embedding-001",
        "Gemini Embedding 001",
        description="Obtain a distributed representation of a text.",
        inputTokenLimit=2048,
        outputTokenLimit=1,
        supportedGenerationMethods=["embedContent", "countTokens"],
        temperature=None,
        topP=None,
        topK=None,
        maxTemperature=None,
        thinking=None,
    ),
    model_resource(
        "gemma-3-27b-it",
        "Gemma 3 27B",
        description="",
        inputTokenLimit=131072,
        outputTokenLimit=8192,
        supportedGenerationMethods=["generateContent", "countTokens"],
        maxTemperature=None,
        thinking=None,
    ),
]

# What an alias of the list answers as (its responses' modelVersion), as the real API does.
ALIASES: dict[str, str] = {
    "gemini-flash-latest": "gemini-3.8-flash",
    "gemini-pro-latest": "gemini-3.1-pro-preview",
}

SCRIPT_DEFAULTS: dict[str, Any] = {
    # Fixed delay before a successful answer (judge calls included).
    "latency_ms": 0,
    # Queue of outcomes, one popped per generateContent call: 429, 500, 503, 504, any code,
    # {"code": 429, "retry_delay_s": 2, "message": "...", "latency_ms": 50}, "ok"/null for
    # one success, or {"hang_ms": 5000}: sleep that long, then answer normally (a hung
    # request the client should abandon by its own timeout; its retry takes the next item).
    # The model's own queue is used first, then the "*" queue.
    "fail": [],
    # Probability that a call (not served from a queue) fails with one of fail_rate_codes.
    "fail_rate": 0.0,
    "fail_rate_codes": [503],
    # Delay before a failure is served.
    "fail_latency_ms": 0,
    # RetryInfo.retryDelay and Retry-After of 429s.
    "retry_delay_s": 1.0,
    # Fixed text for normal (non-judge) calls instead of default_answer().
    "text": None,
    # Judge calls (generationConfig.responseMimeType = application/json): a fixed answer
    # (str verbatim, anything else JSON-encoded) instead of default_verdict().
    "judge_response": None,
    # Scores for the default judge, keyed by label ("Answer A") or by answering model id.
    "judge_scores": {},
    # How the default judge writes its labels, whatever the schema's enum says (a model that
    # does not honour it): "exact" ("Answer A"), "letter" ("A"), "lower" ("answer a"),
    # "colon" ("Answer A:"), "bold" ("**Answer A**"), "response" ("Response A"), "paren"
    # ("Answer (A)"). Persists until changed.
    "judge_label_style": "exact",
    # Labels ("Answer B") the default judge leaves out of its evaluations. Persists.
    "judge_omit": [],
    # The next N judge calls answer malformed JSON (malformed_text or a truncated object).
    "malformed": 0,
    "malformed_text": None,
    # The next N calls are blocked: promptFeedback.blockReason = block_reason, no candidates.
    "blocked": 0,
    # SAFETY, OTHER, BLOCKLIST, PROHIBITED_CONTENT or IMAGE_SAFETY.
    "block_reason": "SAFETY",
    # Queue of finish reasons, one popped per answered call (judge calls too; the model's
    # queue first, then "*"): STOP (normal), MAX_TOKENS (the text cut to its first half),
    # SAFETY / PROHIBITED_CONTENT / BLOCKLIST / SPII / IMAGE_SAFETY / OTHER /
    # MALFORMED_FUNCTION_CALL (no content), RECITATION (no content, citationMetadata).
    "finish": [],
    # usageMetadata.thoughtsTokenCount; None: 64 for models whose resource has
    # "thinking": true (judges too), absent for the others. 0 leaves it out.
    "thinking_tokens": None,
    # usageMetadata.cachedContentTokenCount: an int (capped at the prompt tokens) or "all";
    # cacheTokensDetails splits it over the prompt's modalities in proportion.
    "cached_tokens": 0,
}

CONFIG_DEFAULTS: dict[str, Any] = {
    # None: any non-empty key is valid; else only these keys.
    "valid_keys": None,
    # Keys always rejected.
    "bad_keys": [],
    # 400 INVALID_ARGUMENT/API_KEY_INVALID (what the real API does) or 403 PERMISSION_DENIED.
    "bad_key_status": 400,
    # The model resources the API has (models.list, models.get; any other model answers
    # 404). An item may be a plain id: a video model (VIDEO_MODEL_FIELDS) named after it.
    "models": DEFAULT_MODELS,
    # Model ids refused (404) even if listed.
    "unknown_models": [],
    # A new file is PROCESSING until its N-th files.get AND processing_ms after its upload
    # finished (both), then shows final_file_state. 0 and 0: the upload answer already does.
    "active_after_polls": 1,
    "processing_ms": 0,
    "final_file_state": "ACTIVE",
    # Status for files.get/delete or a fileData part naming an unknown, deleted or expired
    # file: 404 NOT_FOUND, or 403 PERMISSION_DENIED (the real API's wording).
    "missing_file_status": 404,
    # Prompt tokens counted for every fileData/inlineData part.
    "file_tokens": 258,
    # Prompt tokens of particular files instead of file_tokens, keyed by the file's
    # displayName or its sha256 hex (uploaded files and inline data).
    "file_tokens_by_file": {},
    # Of a video's tokens, this many are AUDIO and the rest VIDEO (promptTokensDetails).
    "audio_tokens_per_file": 32,
    # Queue of failures for upload start requests (same item forms as a script's "fail").
    "upload_fail": [],
    # Seed of the random generator behind fail_rate.
    "seed": 0,
}

ERROR_TEXT: dict[int, tuple[str, str]] = {
    400: ("INVALID_ARGUMENT", "Request contains an invalid argument."),
    401: ("UNAUTHENTICATED", "Request had invalid authentication credentials."),
    403: ("PERMISSION_DENIED", "The caller does not have permission"),
    404: ("NOT_FOUND", "Requested entity was not found."),
    409: ("ALREADY_EXISTS", "Requested entity already exists."),
    429: (
        "RESOURCE_EXHAUSTED",
        "You exceeded your current quota, please check your plan and billing details. For "
        "more information on this error, head to: https://ai.google.dev/gemini-api/docs/"
        "rate-limits.",
    ),
    500: (
        "INTERNAL",
        "An internal error has occurred. Please retry or report in "
        "https://developers.generativeai.google/guide/troubleshooting",
    ),
    503: ("UNAVAILABLE", "The model is overloaded. Please try again later."),
    504: ("DEADLINE_EXCEEDED", "Deadline expired before operation could complete."),
}

API_KEY_INVALID_MESSAGE = "API key not valid. Please pass a valid API key."
UNREGISTERED_CALLER_MESSAGE = (
    "Method doesn't allow unregistered callers (callers without established identity). "
    "Please use API Key or other form of API consumer identity to call this API."
)
DEFAULT_MALFORMED = '{"evaluations": [{"label": "Answer A", "score": 7, "reasoning": "trunc'
UPLOAD_GRANULARITY = 8 * 1024 * 1024
READ_SIZE = 1024 * 1024
FILE_TTL = dt.timedelta(hours=48)
MODELS_PAGE_SIZE, MODELS_MAX_PAGE_SIZE = 50, 1000
THINKING_TOKENS = 64  # thoughtsTokenCount of a thinking model unless scripted

BLOCK_REASONS = ("SAFETY", "OTHER", "BLOCKLIST", "PROHIBITED_CONTENT", "IMAGE_SAFETY")
# Finish reasons a script may queue; all but STOP and MAX_TOKENS answer without content.
FINISH_REASONS = (
    "STOP",
    "MAX_TOKENS",
    "SAFETY",
    "RECITATION",
    "OTHER",
    "BLOCKLIST",
    "PROHIBITED_CONTENT",
    "SPII",
    "MALFORMED_FUNCTION_CALL",
    "IMAGE_SAFETY",
)
LABEL_STYLES = ("exact", "letter", "lower", "colon", "bold", "response", "paren")
# The fields of the API's Schema message (responseSchema, an OpenAPI subset); the proto
# JSON parser takes each in camelCase or snake_case (the SDK sends "property_ordering").
SCHEMA_FIELDS = (
    "type format title description nullable enum maxItems minItems properties required "
    "propertyOrdering items minimum maximum minLength maxLength pattern anyOf example default "
    "minProperties maxProperties"
).split()
SCHEMA_TYPES = ("STRING", "NUMBER", "INTEGER", "BOOLEAN", "ARRAY", "OBJECT", "NULL")
# A safety rating list whose one blocked entry explains a SAFETY block or finish.
SAFETY_RATINGS: list[dict[str, Any]] = [
    {"category": "HARM_CATEGORY_SEXUALLY_EXPLICIT", "probability": "NEGLIGIBLE"},
    {"category": "HARM_CATEGORY_HATE_SPEECH", "probability": "NEGLIGIBLE"},
    {"category": "HARM_CATEGORY_HARASSMENT", "probability": "NEGLIGIBLE"},
    {"category": "HARM_CATEGORY_DANGEROUS_CONTENT", "probability": "HIGH", "blocked": True},
]

VER = r"v\d+(?:alpha|beta)?\d*"
MARKER_RE = re.compile(r"\[fake:([^\]\s]+)\]")
LABEL_RE = re.compile(r"\bAnswer [A-Z]{1,2}\b")
HEADER_LABEL_RE = re.compile(r"(?m)^[ \t>#*_\-\[(<\"'`|]*(Answer [A-Z]{1,2})\b")
FILE_ID_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")


# --------------------------------------------------------------------------- helpers


def count_tokens(text: str) -> int:
    """The fake's token count of a text: one token per 4 characters, rounded up."""
    return math.ceil(len(text) / 4)


def score_for(key: str) -> int:
    """A deterministic score 1..10 for a model id (or, without a marker, an answer text)."""
    return 1 + int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) % 10


def default_answer(model: str, prompt: str, file_uris: Iterable[str] = ()) -> str:
    """The default answer of ``model`` to ``prompt`` (the text parts joined by newlines)."""
    uris = list(file_uris)
    digest = hashlib.sha256(f"{model}\n{prompt}".encode()).hexdigest()[:12]
    about = f" about {', '.join(uris)}" if uris else ""
    question = " ".join(prompt.split())[:80]
    return f"[fake:{model}] reply {digest}{about} to: {question}"


def find_answers(prompt: str) -> list[tuple[str, str]]:
    """The (label, text) pairs of a judge prompt, in order of first appearance.

    Labels at a line start ("Answer A:", "## Answer B", "[Answer C]") are headers and the
    text runs to the next header; without such headers every occurrence counts.
    """
    spans = [(m.start(1), m.end(1), m.group(1)) for m in HEADER_LABEL_RE.finditer(prompt)]
    if not spans:
        spans = [(m.start(), m.end(), m.group(0)) for m in LABEL_RE.finditer(prompt)]
    texts: dict[str, list[str]] = {}
    for i, (_, end, label) in enumerate(spans):
        stop = spans[i + 1][0] if i + 1 < len(spans) else len(prompt)
        texts.setdefault(label, []).append(prompt[end:stop])
    return [(label, "".join(parts).strip(" \t\r\n:*#-]>)\"'`|")) for label, parts in texts.items()]


def answer_model(text: str) -> str | None:
    """The model id in the ``[fake:<model>]`` marker of an answer, if any."""
    match = MARKER_RE.search(text)
    return match.group(1) if match else None


def judge_score(label: str, text: str, scores: dict[str, int] | None = None) -> int:
    """The default judge's score of one answer: scores[label], scores[model],
    score_for(model) when the answer has a marker, else score_for(stripped text)."""
    scores = scores or {}
    model = answer_model(text)
    if label in scores:
        return int(scores[label])
    if model is not None:
        return int(scores.get(model, score_for(model)))
    return score_for(text.strip())


def style_label(label: str, style: str = "exact") -> str:
    """``label`` ("Answer A") as a sloppy judge writes it (see judge_label_style)."""
    letter = label.rsplit(" ", 1)[-1]
    styled = {
        "exact": label,
        "letter": letter,
        "lower": label.lower(),
        "colon": f"{label}:",
        "bold": f"**{label}**",
        "response": f"Response {letter}",
        "paren": f"Answer ({letter})",
    }
    return styled[style]


def default_verdict(
    prompt: str,
    scores: dict[str, int] | None = None,
    labels: list[str] | None = None,
    *,
    style: str = "exact",
    omit: Iterable[str] = (),
) -> dict[str, Any]:
    """The default judge's answer: ``{"evaluations": [...], "overall_summary": ...}``.

    It scores the labels found in the prompt or, given ``labels`` (the schema's enum),
    exactly those (in prompt order, then the enum's; a label missing from the prompt is
    scored as an empty answer). Scores are integers clamped to 1..10. ``omit`` leaves labels
    out; ``style`` writes them sloppily (:func:`style_label`).
    """
    found = dict(find_answers(prompt))
    if labels is not None:
        wanted = [label for label in found if label in labels]
        wanted += [label for label in labels if label not in found]
        found = {label: found.get(label, "") for label in wanted}
    evaluations = []
    for label, text in found.items():
        if label in omit:
            continue
        score = min(10, max(1, judge_score(label, text, scores)))
        written = style_label(label, style)
        evaluations.append(
            {
                "label": written,
                "score": score,
                "reasoning": f"{written} gets {score}/10 from the fake judge.",
                "strengths": [f"{written} answers the question"],
                "weaknesses": [] if score >= 8 else [f"{written} could be more specific"],
            }
        )
    if evaluations:
        best = max(evaluations, key=lambda e: e["score"])
        summary = f"{best['label']} is best with {best['score']}/10 of {len(evaluations)}."
    else:
        summary = "No labelled answers were found in the prompt."
    return {"evaluations": evaluations, "overall_summary": summary}


def schema_labels(schema: Any) -> list[str] | None:
    """The enum at ``evaluations.items.properties.label`` of a responseSchema or a
    responseJsonSchema (``$ref`` to ``#/$defs/...`` resolved), if there is one."""

    def resolve(node: Any) -> Any:
        for _ in range(20):
            ref = node.get("$ref") if isinstance(node, dict) else None
            if not isinstance(ref, str) or not ref.startswith("#/"):
                break
            node = schema
            for step in ref[2:].split("/"):
                node = node.get(step) if isinstance(node, dict) else None
        return node if isinstance(node, dict) else None

    node = resolve(schema)
    for step in ("evaluations", "items", "label"):
        if node is None:
            return None
        if step == "items":
            node = resolve(node.get("items"))
        else:
            properties = node.get("properties")
            node = resolve(properties.get(step)) if isinstance(properties, dict) else None
    enum = node.get("enum") if node is not None else None
    if isinstance(enum, list) and enum and all(isinstance(v, str) for v in enum):
        return list(enum)
    return None


def response_schema_error(schema: Any, ver: str = "v1beta") -> str | None:
    """Why the API would refuse a responseSchema, or None.

    First the proto JSON parse (an unknown field, a bad type, a non-object, with the real
    wording and path, e.g. ``properties[0].value``), then the semantic checks (``required``
    names a missing property, ``enum`` on a non-STRING), approximating the real wording.
    """
    names = set(SCHEMA_FIELDS) | {_snake(n) for n in SCHEMA_FIELDS}
    parse: list[str] = []
    semantic: list[str] = []

    def invalid(path: str, what: str, value: Any) -> str:
        kind = f"type.googleapis.com/google.ai.generativelanguage.{ver}.{what}"
        return f"Invalid value at '{path}' ({kind}), {json.dumps(value)}"

    def walk(node: Any, path: str, where: str) -> None:
        if parse:
            return
        if not isinstance(node, dict):
            parse.append(invalid(path, "Schema", node))
            return
        for key in node:
            if key not in names:
                parse.append(
                    f'Invalid JSON payload received. Unknown name "{key}" at '
                    f"'{path}': Cannot find field."
                )
                return
        kind = _pick(node, "type")
        if kind is not None and (not isinstance(kind, str) or kind.upper() not in SCHEMA_TYPES):
            parse.append(invalid(f"{path}.type", "Type", kind))
            return
        kind = kind.upper() if isinstance(kind, str) else None
        properties = _pick(node, "properties")
        if properties is not None and not isinstance(properties, dict):
            parse.append(invalid(f"{path}.properties", "Schema.PropertiesEntry", properties))
            return
        for i, (name, sub) in enumerate((properties or {}).items()):
            walk(sub, f"{path}.properties[{i}].value", f"{where}.properties[{name}]")
        if _pick(node, "items") is not None:
            walk(_pick(node, "items"), f"{path}.items", f"{where}.items")
        any_of = _pick(node, "anyOf")
        for i, sub in enumerate(any_of if isinstance(any_of, list) else []):
            walk(sub, f"{path}.any_of[{i}]", f"{where}.any_of[{i}]")
        for i, name in enumerate(_pick(node, "required") or []):
            if name not in (properties or {}):
                semantic.append(
                    f"* GenerateContentRequest.{where}.required[{i}]: property is not defined\n"
                )
        if _pick(node, "enum") is not None and kind != "STRING":
            semantic.append(
                f"* GenerateContentRequest.{where}.enum: only allowed for STRING type\n"
            )

    root = "generation_config.response_schema"
    walk(schema, root, root)
    if parse:
        return parse[0]
    return "".join(semantic) or None


def max_in_flight(calls: Iterable[dict[str, Any]]) -> int:
    """The largest number of calls overlapping in time, from started_at/ended_at."""
    events = []
    for call in calls:
        if call.get("started_at") is None:
            continue
        end = call.get("ended_at") or float("inf")
        events += [(call["started_at"], 1), (end, -1)]
    best = current = 0
    for _, step in sorted(events, key=lambda e: (e[0], e[1])):
        current += step
        best = max(best, current)
    return best


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _rfc3339(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _duration(seconds: float) -> str:
    return f"{int(seconds)}s" if float(seconds).is_integer() else f"{seconds:.3f}s"


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(data), status=status, headers=headers, content_type="application/json"
    )


def google_error(
    code: int,
    message: str | None = None,
    status: str | None = None,
    details: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The Google API error body: ``{"error": {"code", "message", "status", "details"?}}``."""
    default_status, default_message = ERROR_TEXT.get(code, ("UNKNOWN", "Unknown error."))
    error: dict[str, Any] = {
        "code": code,
        "message": message or default_message,
        "status": status or default_status,
    }
    if details:
        error["details"] = details
    return {"error": error}


def _error(
    code: int,
    message: str | None = None,
    status: str | None = None,
    details: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    return _json(google_error(code, message, status, details), code, headers)


def _outcome(item: Any) -> dict[str, Any] | None:
    """Normalise a queued outcome: None means "succeed", {"hang_ms": N} "succeed after N ms",
    else a failure {"code": ..., ...}."""
    if item is None or item == "ok" or item == 0 or item == 200:
        return None
    if isinstance(item, bool):
        raise ValueError(f"not an outcome: {item!r}")
    if isinstance(item, int):
        return {"code": item}
    if isinstance(item, str) and item.isdigit():
        return {"code": int(item)}
    if isinstance(item, dict) and isinstance(item.get("code"), int):
        return dict(item)
    if isinstance(item, dict) and set(item) == {"hang_ms"}:
        hang = item["hang_ms"]
        if isinstance(hang, int | float) and not isinstance(hang, bool) and hang >= 0:
            return {"hang_ms": float(hang)}
    raise ValueError(
        "not an outcome (use a status code, a dict with 'code', {'hang_ms': N} or 'ok'): "
        f"{item!r}"
    )


def _is_hang(outcome: dict[str, Any] | None) -> bool:
    return outcome is not None and "code" not in outcome


def _snake(name: str) -> str:
    return re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), name)


def _pick(obj: Any, name: str, default: Any = None) -> Any:
    """obj[name] by its camelCase or snake_case spelling (the SDK sends both in one body)."""
    if not isinstance(obj, dict):
        return default
    if name in obj:
        return obj[name]
    return obj.get(_snake(name), default)


def _texts(contents: Any) -> list[str]:
    if isinstance(contents, dict):
        contents = [contents]
    out = []
    for content in contents or []:
        for part in (content or {}).get("parts") or []:
            if isinstance(part, dict) and isinstance(part.get("text"), str):
                out.append(part["text"])
    return out


def _media_parts(contents: Any) -> list[dict[str, Any]]:
    out = []
    for content in contents or []:
        for part in (content or {}).get("parts") or []:
            if isinstance(part, dict) and (
                _pick(part, "fileData") is not None or _pick(part, "inlineData") is not None
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


def _details(counts: dict[str, int]) -> list[dict[str, Any]]:
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


def _page_token(offset: int) -> str:
    """An opaque models.list page token for the item at ``offset``."""
    return base64.urlsafe_b64encode(f"models:{offset}".encode()).decode().rstrip("=")


def _page_offset(token: str) -> int | None:
    """The offset a models.list page token stands for (0 for none; None if invalid)."""
    if not token:
        return 0
    try:
        decoded = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    match = re.fullmatch(r"models:(\d+)", decoded)
    return int(match.group(1)) if match else None


def _file_id(uri: str) -> str | None:
    """The id of one of our files named by a fileData URI (None for gs://, YouTube, ...)."""
    if uri.startswith("files/"):
        name = uri[len("files/") :]
    else:
        match = re.fullmatch(rf"https?://[^/]+/{VER}/files/([^/?#]+)", uri)
        if not match:
            return None
        name = match.group(1)
    return name if FILE_ID_RE.fullmatch(name) else None


def _sanitise(body: dict[str, Any]) -> dict[str, Any]:
    """The request as logged: inline bytes replaced by their size and sha256."""
    body = copy.deepcopy(body)
    for part in _media_parts(body.get("contents")):
        inline = _pick(part, "inlineData")
        if isinstance(inline, dict) and isinstance(inline.get("data"), str):
            raw = base64.b64decode(inline["data"] + "==", validate=False)
            inline["data"] = f"<{len(raw)} bytes omitted>"
            inline["dataBytes"] = len(raw)
            inline["dataSha256"] = hashlib.sha256(raw).hexdigest()
    return body


def _as_model(item: Any) -> dict[str, Any]:
    """A config "models" item as a model resource: a plain id becomes a video model."""
    if isinstance(item, str):
        return model_resource(item)
    if isinstance(item, dict) and isinstance(item.get("name"), str):
        resource = copy.deepcopy(item)
        resource["name"] = f"models/{item['name'].removeprefix('models/')}"
        return resource
    raise ValueError(f"a model is an id or a resource with a name: {item!r}")


def _upload_active(session: _Upload) -> Response:
    """An upload session's answer while it is still open: how much has arrived."""
    return Response(
        "",
        200,
        headers={
            "X-Goog-Upload-Status": "active",
            "X-Goog-Upload-Size-Received": str(session.received),
        },
    )


class _Upload:
    def __init__(self, **kw: Any) -> None:
        self.__dict__.update(kw)
        self.received = 0
        self.hasher = hashlib.sha256()
        self.lock = threading.Lock()


# --------------------------------------------------------------------------- the server


class FakeGeminiApp:
    """The WSGI application; all state lives here, guarded by one lock."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.in_flight = 0
        self.in_flight_by_model: dict[str, int] = {}
        self._reset(log_only=False)

    # state ------------------------------------------------------------------

    def _reset(self, *, log_only: bool, keep_files: bool = False) -> None:
        self.calls: list[dict[str, Any]] = []
        self.requests: list[dict[str, Any]] = []
        self.counters: dict[str, Any] = {
            "uploads": 0,
            "uploads_started": 0,
            "upload_chunks": 0,
            "upload_bytes": 0,
            "uploads_by_sha256": {},
            "files_get": 0,
            "files_get_by_name": {},
            "files_list": 0,
            "files_deleted": 0,
            "files_expired": 0,
            "models_list": 0,
            "models_get": 0,
            "generate_calls": 0,
            "generate_calls_by_model": {},
            "judge_calls": 0,
            "stream_calls": 0,
            "count_tokens_calls": 0,
            "errors_served": 0,
            "errors_by_code": {},
            "errors_by_model": {},
            "max_in_flight": self.in_flight,
            "max_in_flight_by_model": dict(self.in_flight_by_model),
        }
        if not log_only:
            self.scripts: dict[str, dict[str, Any]] = {}
            self.config: dict[str, Any] = copy.deepcopy(CONFIG_DEFAULTS)
            self.uploads: list[dict[str, Any]] = []
            self.sessions: dict[str, _Upload] = {}
            if not keep_files or not hasattr(self, "files"):
                self.files: dict[str, dict[str, Any]] = {}
            self.rng = random.Random(self.config["seed"])

    def _bump(self, name: str, key: str | None = None, by: int = 1) -> None:
        if key is None:
            self.counters[name] += by
        else:
            self.counters[name][key] = self.counters[name].get(key, 0) + by

    def _script_value(self, model: str, name: str) -> Any:
        for scope in (model, "*"):
            script = self.scripts.get(scope, {})
            if name in script:
                return script[name]
        return copy.deepcopy(SCRIPT_DEFAULTS[name])

    def _effective_script(self, model: str) -> dict[str, Any]:
        return {name: self._script_value(model, name) for name in SCRIPT_DEFAULTS}

    # WSGI -------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        try:
            if request.path.startswith("/_fake/"):
                response = self._control(request)
            else:
                response = self._api(request)
        except Exception:
            logger.exception("fake gemini failed on %s %s", request.method, request.path)
            response = _error(500, "The fake Gemini server failed (see its log).")
        return response(environ, start_response)

    def _api(self, request: Request) -> Response:
        started = time.time()
        kind, response = self._route(request)
        with self.lock:
            self.requests.append(
                {
                    "i": len(self.requests),
                    "kind": kind,
                    "method": request.method,
                    "path": request.path,
                    "query": request.query_string.decode(),
                    "api_key": self._key(request),
                    "status": response.status_code,
                    "started_at": started,
                    "ended_at": time.time(),
                }
            )
            if response.status_code >= 400:
                self._bump("errors_served")
                self._bump("errors_by_code", str(response.status_code))
        return response

    def _route(self, request: Request) -> tuple[str, Response]:
        path, method = request.path, request.method
        if method == "POST" and (m := re.fullmatch(rf"/upload/({VER})/files", path)):
            if request.args.get("upload_id") is None:
                return "upload_start", self._upload_start(request, m.group(1))
            return "upload_chunk", self._upload_chunk(request, request.args["upload_id"])
        if method == "GET" and (m := re.fullmatch(rf"/({VER})/files", path)):
            return "files.list", self._files_list(request)
        if m := re.fullmatch(rf"/({VER})/files/([^/:]+)", path):
            if method == "GET":
                return "files.get", self._files_get(request, m.group(2))
            if method == "DELETE":
                return "files.delete", self._files_delete(request, m.group(2))
        if method == "POST" and (m := re.fullmatch(rf"/({VER})/models/([^/:]+):(\w+)", path)):
            ver, model, rpc = m.groups()
            if rpc == "generateContent":
                return "generate", self._generate(request, ver, model, stream=False)
            if rpc == "streamGenerateContent":
                return "generate", self._generate(request, ver, model, stream=True)
            if rpc == "countTokens":
                return "count_tokens", self._count_tokens(request, ver, model)
        if method == "GET" and (m := re.fullmatch(rf"/({VER})/models/([^/:]+)", path)):
            return "models.get", self._models_get(request, *m.groups())
        if method == "GET" and re.fullmatch(rf"/({VER})/models", path):
            return "models.list", self._models_list(request)
        return "unknown", _error(404, f"The fake has no {method} {path}.")

    # keys and models ----------------------------------------------------------

    @staticmethod
    def _key(request: Request) -> str | None:
        return request.headers.get("x-goog-api-key") or request.args.get("key")

    def _check_key(self, key: str | None) -> Response | None:
        if not key:
            return _error(403, UNREGISTERED_CALLER_MESSAGE, "PERMISSION_DENIED")
        with self.lock:
            valid, bad = self.config["valid_keys"], self.config["bad_keys"]
            status = self.config["bad_key_status"]
        if key not in bad and (valid is None or key in valid):
            return None
        if status == 403:
            return _error(
                403,
                f"Permission denied: Consumer 'api_key:{key}' has been suspended.",
                "PERMISSION_DENIED",
                [
                    {
                        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                        "reason": "CONSUMER_SUSPENDED",
                        "domain": "googleapis.com",
                        "metadata": {
                            "service": "generativelanguage.googleapis.com",
                            "consumer": "projects/fake-gemini",
                        },
                    }
                ],
            )
        return _error(
            400,
            API_KEY_INVALID_MESSAGE,
            "INVALID_ARGUMENT",
            [
                {
                    "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                    "reason": "API_KEY_INVALID",
                    "domain": "googleapis.com",
                    "metadata": {"service": "generativelanguage.googleapis.com"},
                },
                {
                    "@type": "type.googleapis.com/google.rpc.LocalizedMessage",
                    "locale": "en-US",
                    "message": API_KEY_INVALID_MESSAGE,
                },
            ],
        )

    def _find_model(self, model: str) -> dict[str, Any] | None:
        """The listed resource of a model id (caller holds the lock); None if unknown."""
        if model in self.config["unknown_models"]:
            return None
        for resource in self.config["models"]:
            if resource["name"] == f"models/{model}":
                return resource
        return None

    def _check_model(self, ver: str, model: str, rpc: str) -> Response | None:
        with self.lock:
            found = self._find_model(model)
        if found is not None:
            return None
        return _error(
            404,
            f"models/{model} is not found for API version {ver}, or is not supported for "
            f"{rpc}. Call ListModels to see the list of available models and their "
            "supported methods.",
            "NOT_FOUND",
        )

    def _failure(self, failure: dict[str, Any], model: str | None = None) -> Response:
        code = int(failure["code"])
        status, message = ERROR_TEXT.get(code, ("UNKNOWN", "Fake failure."))
        details = None
        headers = {}
        if code == 429:
            delay = float(
                failure.get("retry_delay_s", self._script_value(model or "*", "retry_delay_s"))
            )
            details = [
                {
                    "@type": "type.googleapis.com/google.rpc.QuotaFailure",
                    "violations": [
                        {
                            "quotaMetric": "generativelanguage.googleapis.com/"
                            "generate_content_free_tier_requests",
                            "quotaId": "GenerateRequestsPerMinutePerProjectPerModel-FreeTier",
                            "quotaDimensions": {"location": "global", "model": model or ""},
                            "quotaValue": "10",
                        }
                    ],
                },
                {
                    "@type": "type.googleapis.com/google.rpc.Help",
                    "links": [
                        {
                            "description": "Learn more about Gemini API quotas",
                            "url": "https://ai.google.dev/gemini-api/docs/rate-limits",
                        }
                    ],
                },
                {
                    "@type": "type.googleapis.com/google.rpc.RetryInfo",
                    "retryDelay": _duration(delay),
                },
            ]
            headers["Retry-After"] = str(max(0, math.ceil(delay)))
        return _error(
            code,
            failure.get("message") or message,
            failure.get("status") or status,
            details,
            headers,
        )

    # files ------------------------------------------------------------------

    def _missing_file(self, file_id: str) -> Response:
        with self.lock:
            status = self.config["missing_file_status"]
        if status == 403:
            return _error(
                403,
                f"You do not have permission to access the File {file_id} or it may not exist.",
                "PERMISSION_DENIED",
            )
        return _error(404, f"File files/{file_id} was not found.", "NOT_FOUND")

    @staticmethod
    def _resource(rec: dict[str, Any]) -> dict[str, Any]:
        resource = {
            "name": rec["name"],
            "mimeType": rec["mimeType"],
            "sizeBytes": str(rec["sizeBytes"]),
            "createTime": rec["createTime"],
            "updateTime": rec["updateTime"],
            "expirationTime": rec["expirationTime"],
            # The real API sends base64 of the hex digest; /_fake/uploads has the hex.
            "sha256Hash": base64.b64encode(rec["sha256"].encode()).decode(),
            "uri": rec["uri"],
            "state": rec["state"],
            "source": "UPLOADED",
        }
        if rec.get("displayName"):
            resource["displayName"] = rec["displayName"]
        if rec["state"] == "FAILED":
            resource["error"] = {"code": 400, "message": "The fake failed to process the file."}
        return resource

    def _upload_start(self, request: Request, ver: str) -> Response:
        if (denied := self._check_key(self._key(request))) is not None:
            return denied
        protocol = request.headers.get("X-Goog-Upload-Protocol", "").lower()
        command = request.headers.get("X-Goog-Upload-Command", "").strip().lower()
        if protocol != "resumable" or command != "start":
            return _error(400, "The fake supports the resumable upload protocol only.")
        body = request.get_json(force=True, silent=True) or {}
        meta = body.get("file") or {}
        declared = request.headers.get("X-Goog-Upload-Header-Content-Length")
        mime = (
            request.headers.get("X-Goog-Upload-Header-Content-Type")
            or _pick(meta, "mimeType")
            or "application/octet-stream"
        )
        wanted = str(meta.get("name") or "")
        file_id = wanted.removeprefix("files/") if wanted else None
        if file_id is not None and not FILE_ID_RE.fullmatch(file_id):
            return _error(400, f"Invalid file name {wanted!r}: use [a-z0-9-], at most 40.")
        with self.lock:
            queue = self.config["upload_fail"]
            failure = _outcome(queue.pop(0)) if queue else None
        if _is_hang(failure):
            time.sleep(failure["hang_ms"] / 1000)
            failure = None
        with self.lock:
            if failure is None and file_id is not None and file_id in self.files:
                return _error(409, f"File files/{file_id} already exists.", "ALREADY_EXISTS")
            if failure is None:
                session = _Upload(
                    id=secrets.token_urlsafe(16),
                    file_id=file_id,
                    version=ver,
                    base=request.host_url.rstrip("/"),
                    mime=mime,
                    display_name=_pick(meta, "displayName"),
                    declared=int(declared) if declared and declared.isdigit() else None,
                    api_key=self._key(request),
                )
                self.sessions[session.id] = session
                self._bump("uploads_started")
        if failure is not None:
            return self._failure(failure)
        url = f"{session.base}/upload/{ver}/files?upload_id={session.id}&upload_protocol=resumable"
        return Response(
            "",
            200,
            headers={
                "X-Goog-Upload-URL": url,
                "X-Goog-Upload-Status": "active",
                "X-Goog-Upload-Chunk-Granularity": str(UPLOAD_GRANULARITY),
                "X-GUploader-UploadID": session.id,
            },
            content_type="text/plain; charset=utf-8",
        )

    @staticmethod
    def _drain(request: Request) -> int:
        total = 0
        while chunk := request.stream.read(READ_SIZE):
            total += len(chunk)
        return total

    def _upload_chunk(self, request: Request, upload_id: str) -> Response:
        final = {"X-Goog-Upload-Status": "final"}
        with self.lock:
            session = self.sessions.get(upload_id)
        if session is None:
            self._drain(request)
            return _error(404, "No such upload session.", "NOT_FOUND", headers=final)
        commands = {
            c.strip().lower() for c in request.headers.get("X-Goog-Upload-Command", "").split(",")
        }
        with session.lock:
            if "cancel" in commands:
                self._drain(request)
                with self.lock:
                    self.sessions.pop(upload_id, None)
                return Response("", 200, headers={"X-Goog-Upload-Status": "cancelled"})
            if "query" in commands:
                return _upload_active(session)
            if "upload" in commands:
                offset = request.headers.get("X-Goog-Upload-Offset")
                if offset is not None and int(offset) != session.received:
                    self._drain(request)
                    return _error(
                        400,
                        f"Upload offset {offset} does not match the {session.received} bytes "
                        "received so far.",
                        headers=final,
                    )
                while chunk := request.stream.read(READ_SIZE):  # hash while receiving
                    session.hasher.update(chunk)
                    session.received += len(chunk)
                with self.lock:
                    self._bump("upload_chunks")
            if "finalize" not in commands:
                return _upload_active(session)
            if session.declared is not None and session.declared != session.received:
                return _error(
                    400,
                    f"Received {session.received} bytes, but the upload declared "
                    f"{session.declared}.",
                    headers=final,
                )
            return self._finalize(session)

    def _finalize(self, session: _Upload) -> Response:
        now = _now()
        sha = session.hasher.hexdigest()
        with self.lock:
            self.sessions.pop(session.id, None)
            file_id = session.file_id or secrets.token_hex(6)
            while session.file_id is None and file_id in self.files:
                file_id = secrets.token_hex(6)
            polls = int(self.config["active_after_polls"])
            processing_s = float(self.config["processing_ms"]) / 1000
            rec = {
                "id": file_id,
                "name": f"files/{file_id}",
                "displayName": session.display_name,
                "mimeType": session.mime,
                "sizeBytes": session.received,
                "sha256": sha,
                "createTime": _rfc3339(now),
                "updateTime": _rfc3339(now),
                "expirationTime": _rfc3339(now + FILE_TTL),
                "uri": f"{session.base}/{session.version}/files/{file_id}",
                "state": "PROCESSING",
                "active_after_polls": polls,
                "ready_at": time.time() + processing_s,
                "final_state": self.config["final_file_state"],
                "polls": 0,
                "api_key": session.api_key,
            }
            self.files[file_id] = self._refresh(rec)
            self.uploads.append(
                {
                    "name": rec["name"],
                    "uri": rec["uri"],
                    "sizeBytes": rec["sizeBytes"],
                    "sha256": sha,
                    "mimeType": rec["mimeType"],
                    "displayName": rec["displayName"],
                    "api_key": session.api_key,
                    "uploaded_at": time.time(),
                    "fate": None,
                }
            )
            self._bump("uploads")
            self._bump("upload_bytes", by=session.received)
            self._bump("uploads_by_sha256", sha)
            resource = self._resource(rec)
        return _json({"file": resource}, headers={"X-Goog-Upload-Status": "final"})

    @staticmethod
    def _refresh(rec: dict[str, Any]) -> dict[str, Any]:
        """Finish processing a file once it has had its polls and its time (caller holds
        the lock)."""
        if (
            rec["state"] == "PROCESSING"
            and rec["polls"] >= rec["active_after_polls"]
            and time.time() >= rec["ready_at"]
        ):
            rec["state"] = rec["final_state"]
            rec["updateTime"] = _rfc3339(_now())
        return rec

    def _forget(self, file_id: str, fate: str) -> bool:
        """Drop a file (caller holds the lock); remember why in the upload history."""
        rec = self.files.pop(file_id, None)
        if rec is None:
            return False
        for upload in self.uploads:
            if upload["name"] == rec["name"] and upload["fate"] is None:
                upload["fate"] = fate
        return True

    def _files_get(self, request: Request, file_id: str) -> Response:
        if (denied := self._check_key(self._key(request))) is not None:
            return denied
        with self.lock:
            self._bump("files_get")
            self._bump("files_get_by_name", f"files/{file_id}")
            rec = self.files.get(file_id)
            if rec is not None:
                rec["polls"] += 1
                resource = self._resource(self._refresh(rec))
        if rec is None:
            return self._missing_file(file_id)
        return _json(resource)

    def _files_delete(self, request: Request, file_id: str) -> Response:
        if (denied := self._check_key(self._key(request))) is not None:
            return denied
        with self.lock:
            deleted = self._forget(file_id, "deleted")
            if deleted:
                self._bump("files_deleted")
        return _json({}) if deleted else self._missing_file(file_id)

    def _files_list(self, request: Request) -> Response:
        if (denied := self._check_key(self._key(request))) is not None:
            return denied
        size = min(int(request.args.get("pageSize") or 10), 100)
        start = int(request.args.get("pageToken") or 0)
        with self.lock:
            self._bump("files_list")
            recs = sorted(self.files.values(), key=lambda r: r["createTime"], reverse=True)
            page = [self._resource(self._refresh(r)) for r in recs[start : start + size]]
        body: dict[str, Any] = {"files": page} if page else {}
        if start + size < len(recs):
            body["nextPageToken"] = str(start + size)
        return _json(body)

    # models -----------------------------------------------------------------

    def _models_get(self, request: Request, ver: str, model: str) -> Response:
        if (denied := self._check_key(self._key(request))) is not None:
            return denied
        if (missing := self._check_model(ver, model, "get")) is not None:
            return missing
        with self.lock:
            self._bump("models_get")
            return _json(copy.deepcopy(self._find_model(model)))

    def _models_list(self, request: Request) -> Response:
        """models.list: pageSize (default 50, at most 1000) and an opaque pageToken."""
        if (denied := self._check_key(self._key(request))) is not None:
            return denied
        raw = request.args.get("pageSize") or "0"
        if not re.fullmatch(r"-?\d+", raw):
            return _error(400, f"Invalid value at 'page_size' (TYPE_INT32), \"{raw}\"")
        size = int(raw)
        size = min(size, MODELS_MAX_PAGE_SIZE) if size > 0 else MODELS_PAGE_SIZE
        start = _page_offset(request.args.get("pageToken") or "")
        if start is None:
            return _error(400, "Invalid page token.")
        with self.lock:
            self._bump("models_list")
            listed = copy.deepcopy(self.config["models"])  # unknown_models too: listed, refused
        body: dict[str, Any] = {"models": listed[start : start + size]}
        if start + size < len(listed):
            body["nextPageToken"] = _page_token(start + size)
        return _json(body)

    def _count_tokens(self, request: Request, ver: str, model: str) -> Response:
        if (denied := self._check_key(self._key(request))) is not None:
            return denied
        if (missing := self._check_model(ver, model, "countTokens")) is not None:
            return missing
        body = request.get_json(force=True, silent=True) or {}
        inner = body.get("generateContentRequest") or body
        total, counts = self._prompt_usage(inner)
        with self.lock:
            self._bump("count_tokens_calls")
        return _json({"totalTokens": total, "promptTokensDetails": _details(counts)})

    def _file_tokens(self, part: dict[str, Any]) -> tuple[int, str]:
        """A media part's prompt tokens and modality (caller holds the lock)."""
        tokens = int(self.config["file_tokens"])
        by_file = self.config["file_tokens_by_file"] or {}
        keys: list[str] = []
        file_data, inline = _pick(part, "fileData"), _pick(part, "inlineData")
        if isinstance(file_data, dict):
            mime = str(_pick(file_data, "mimeType") or "")
            file_id = _file_id(str(_pick(file_data, "fileUri") or ""))
            rec = self.files.get(file_id) if file_id else None
            if rec is not None:
                keys = [rec.get("displayName") or "", rec["sha256"]]
                mime = mime or rec["mimeType"]
        else:
            inline = inline if isinstance(inline, dict) else {}
            mime = str(_pick(inline, "mimeType") or "")
            raw = base64.b64decode(str(inline.get("data") or "") + "==", validate=False)
            keys = [str(_pick(inline, "displayName") or ""), hashlib.sha256(raw).hexdigest()]
        for key in keys:
            if key and key in by_file:
                tokens = int(by_file[key])
                break
        return tokens, _modality(mime)

    def _prompt_usage(self, body: dict[str, Any]) -> tuple[int, dict[str, int]]:
        """The prompt tokens of a request and their split by modality: text at 4 characters
        a token, each file part its file tokens (a video's audio_tokens_per_file as AUDIO)."""
        texts = _texts(body.get("contents")) + _texts(_pick(body, "systemInstruction"))
        counts = {"TEXT": sum(count_tokens(t) for t in texts)}
        with self.lock:
            audio = int(self.config["audio_tokens_per_file"])
            for part in _media_parts(body.get("contents")):
                tokens, modality = self._file_tokens(part)
                if modality == "VIDEO":
                    counts["AUDIO"] = counts.get("AUDIO", 0) + min(audio, tokens)
                    tokens -= min(audio, tokens)
                counts[modality] = counts.get(modality, 0) + tokens
        return sum(counts.values()), counts

    @staticmethod
    def _pop(scripts: dict[str, dict[str, Any]], model: str, name: str) -> Any:
        """Pop the head of a queue field: the model's own queue first, then "*"'s."""
        for scope in (model, "*"):
            queue = scripts.get(scope, {}).get(name)
            if queue:
                return True, queue.pop(0)
        return False, None

    def _plan(self, model: str, judge: bool) -> dict[str, Any]:
        """Decide (under the lock) how this call ends, consuming queues and counters."""
        from_queue, item = self._pop(self.scripts, model, "fail")
        failure = _outcome(item) if from_queue else None
        hang_ms = failure["hang_ms"] if _is_hang(failure) else 0.0
        failure = None if _is_hang(failure) else failure
        rate = float(self._script_value(model, "fail_rate"))
        if not from_queue and rate > 0 and self.rng.random() < rate:
            failure = {"code": int(self.rng.choice(self._script_value(model, "fail_rate_codes")))}
        blocked = malformed = False
        finish = "STOP"
        if failure is None:
            for scope in (model, "*"):
                script = self.scripts.get(scope, {})
                if script.get("blocked", 0) > 0:
                    script["blocked"] -= 1
                    blocked = True
                    break
        if failure is None and not blocked:
            popped, item = self._pop(self.scripts, model, "finish")
            finish = str(item).upper() if popped else "STOP"
        if failure is None and judge and not blocked:
            for scope in (model, "*"):
                script = self.scripts.get(scope, {})
                if script.get("malformed", 0) > 0:
                    script["malformed"] -= 1
                    malformed = True
                    break
        plan = self._effective_script(model)
        plan.update(
            failure=failure, blocked=blocked, malformed=malformed, finish=finish, hang_ms=hang_ms
        )
        return plan

    def _generate(self, request: Request, ver: str, model: str, *, stream: bool) -> Response:
        started = time.time()
        key = self._key(request)
        body = request.get_json(force=True, silent=True)
        body = body if isinstance(body, dict) else {}
        config = _pick(body, "generationConfig") or {}
        mime = str(_pick(config, "responseMimeType") or "")
        judge = mime.lower().startswith("application/json")
        prompt = "\n".join(_texts(body.get("contents")))
        uris = [
            str(_pick(_pick(p, "fileData"), "fileUri") or "")
            for p in _media_parts(body.get("contents"))
            if isinstance(_pick(p, "fileData"), dict)
        ]
        schema_form = next(
            (f for f in ("responseSchema", "responseJsonSchema") if _pick(config, f) is not None),
            None,
        )
        entry: dict[str, Any] = {
            "model": model,
            "api_version": ver,
            "api_key": key,
            "judge": judge,
            "stream": stream,
            "started_at": started,
            "ended_at": None,
            "status": None,
            "error": None,
            "prompt": prompt,
            "file_uris": uris,
            "temperature": _pick(config, "temperature"),
            "response_schema": copy.deepcopy(_pick(config, schema_form)) if schema_form else None,
            "schema_form": schema_form,
            "request": _sanitise(body),
            "response_text": None,
            "finish_reason": None,
            "usage": None,
        }
        with self.lock:
            entry["i"] = len(self.calls)
            self.calls.append(entry)
            self._bump("generate_calls")
            self._bump("generate_calls_by_model", model)
            self._bump("judge_calls", by=int(judge))
            self._bump("stream_calls", by=int(stream))
            self.in_flight += 1
            self.in_flight_by_model[model] = self.in_flight_by_model.get(model, 0) + 1
            self.counters["max_in_flight"] = max(self.counters["max_in_flight"], self.in_flight)
            peaks = self.counters["max_in_flight_by_model"]
            peaks[model] = max(peaks.get(model, 0), self.in_flight_by_model[model])
        response, extra = None, {}
        try:
            response, extra = self._generate_inner(ver, model, body, key, prompt, uris, judge)
        finally:
            with self.lock:
                self.in_flight -= 1
                self.in_flight_by_model[model] -= 1
                entry.update(extra)
                entry["ended_at"] = time.time()
                entry["status"] = response.status_code if response is not None else 500
                if entry["status"] >= 400:
                    self._bump("errors_by_model", model)
                    if response is not None:
                        entry["error"] = json.loads(response.get_data())["error"]
        if stream and response.status_code == 200:
            response = self._as_sse(json.loads(response.get_data()))
        return response

    def _refuse(self, ver: str, model: str, body: dict[str, Any]) -> Response | None:
        """The 400s of a request the API refuses before generating anything."""
        with self.lock:
            resource = copy.deepcopy(self._find_model(model)) or {}
        methods = resource.get("supportedGenerationMethods") or []
        if "generateContent" not in methods:
            # The real wording is approximated (and the real API may answer this with the
            # 404 of _check_model, "... or is not supported for generateContent").
            return _error(
                400,
                f"models/{model} does not support generateContent; its supported methods "
                f"are {', '.join(methods) or 'none'}. Call ListModels to see the list of "
                "available models and their supported methods.",
                "INVALID_ARGUMENT",
            )
        config = _pick(body, "generationConfig") or {}
        schema = _pick(config, "responseSchema")
        if schema is not None and (message := response_schema_error(schema, ver)):
            details = None
            if message.startswith("Invalid JSON payload") or message.startswith("Invalid value"):
                field = message.split("'")[1]
                details = [
                    {
                        "@type": "type.googleapis.com/google.rpc.BadRequest",
                        "fieldViolations": [{"field": field, "description": message}],
                    }
                ]
            return _error(400, message, "INVALID_ARGUMENT", details)
        json_schema = _pick(config, "responseJsonSchema")
        if json_schema is not None and not isinstance(json_schema, dict):
            kind = type(json_schema).__name__
            return _error(
                400,
                "Invalid value at 'generation_config.response_json_schema': a JSON Schema "
                f"must be an object, got {kind} {json.dumps(json_schema)}.",
                "INVALID_ARGUMENT",
            )
        return None

    def _usage(
        self, plan: dict[str, Any], resource: dict[str, Any], counts: dict[str, int], text: str
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
        usage["promptTokensDetails"] = _details(counts)
        if cached > 0:
            usage["cacheTokensDetails"] = _details(_split(cached, counts))
        if thoughts:
            usage["thoughtsTokenCount"] = int(thoughts)
        return usage

    def _generate_inner(
        self,
        ver: str,
        model: str,
        body: dict[str, Any],
        key: str | None,
        prompt: str,
        uris: list[str],
        judge: bool,
    ) -> tuple[Response, dict[str, Any]]:
        if (denied := self._check_key(key)) is not None:
            return denied, {}
        if (missing := self._check_model(ver, model, "generateContent")) is not None:
            return missing, {}
        if (refused := self._refuse(ver, model, body)) is not None:
            return refused, {}
        for uri in uris:
            file_id = _file_id(uri)
            if file_id is None:
                continue  # gs://, YouTube, ...: not ours to check
            with self.lock:
                rec = self.files.get(file_id)
                state = self._refresh(rec)["state"] if rec else None
            if rec is None:
                return self._missing_file(file_id), {}
            if state != "ACTIVE":
                message = f"The File {file_id} is not in an ACTIVE state and usage is not allowed."
                return _error(400, message, "FAILED_PRECONDITION"), {}
        prompt_tokens, counts = self._prompt_usage(body)
        with self.lock:
            resource = copy.deepcopy(self._find_model(model)) or {}
        limit = resource.get("inputTokenLimit")
        if limit is not None and prompt_tokens > int(limit):
            message = (
                f"The input token count ({prompt_tokens}) exceeds the maximum number of tokens "
                f"allowed ({int(limit)})."
            )
            return _error(400, message, "INVALID_ARGUMENT"), {}
        with self.lock:
            plan = self._plan(model, judge)
        extra: dict[str, Any] = {}
        if plan["hang_ms"]:
            extra["hang_ms"] = plan["hang_ms"]
            time.sleep(plan["hang_ms"] / 1000)
        if plan["failure"] is not None:
            delay = plan["failure"].get("latency_ms", plan["fail_latency_ms"])
            time.sleep(float(delay) / 1000)
            return self._failure(plan["failure"], model), extra
        time.sleep(float(plan["latency_ms"]) / 1000)
        answer: dict[str, Any] = {}
        if plan["blocked"]:
            reason = plan["block_reason"]
            feedback: dict[str, Any] = {"blockReason": reason}
            if reason == "SAFETY":
                feedback["safetyRatings"] = copy.deepcopy(SAFETY_RATINGS)
            answer["promptFeedback"] = feedback
            usage = self._usage(plan, resource, counts, "")
            extra.update(blocked=True, block_reason=reason, usage=usage)
            answer.update(
                usageMetadata=usage,
                modelVersion=ALIASES.get(model, model),
                responseId=secrets.token_urlsafe(12),
            )
            return _json(answer), extra
        if judge:
            answers = find_answers(prompt)
            extra["judge_labels"] = {label: answer_model(text) for label, text in answers}
            if plan["malformed"]:
                text = plan["malformed_text"] or DEFAULT_MALFORMED
                extra["malformed"] = True
            elif plan["judge_response"] is not None:
                scripted = plan["judge_response"]
                text = scripted if isinstance(scripted, str) else json.dumps(scripted)
            else:
                config = _pick(body, "generationConfig") or {}
                schema = _pick(config, "responseSchema") or _pick(config, "responseJsonSchema")
                verdict = default_verdict(
                    prompt,
                    plan["judge_scores"],
                    schema_labels(schema),
                    style=plan["judge_label_style"],
                    omit=plan["judge_omit"],
                )
                text = json.dumps(verdict)
        else:
            text = plan["text"]
            if text is None:
                inline = [
                    f"inline {_pick(_pick(p, 'inlineData'), 'mimeType', '?')}"
                    for p in _media_parts(body.get("contents"))
                    if isinstance(_pick(p, "inlineData"), dict)
                ]
                text = default_answer(model, prompt, uris + inline)
        finish = plan["finish"]
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
        usage = self._usage(plan, resource, counts, text)
        answer = {
            "candidates": [candidate],
            "usageMetadata": usage,
            "modelVersion": ALIASES.get(model, model),
            "responseId": secrets.token_urlsafe(12),
        }
        extra.update(response_text=text or None, usage=usage, finish_reason=finish)
        return _json(answer), extra

    @staticmethod
    def _as_sse(answer: dict[str, Any]) -> Response:
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

    # control ------------------------------------------------------------------

    def _control(self, request: Request) -> Response:
        route = (request.method, request.path.removeprefix("/_fake"))
        body = request.get_json(force=True, silent=True) if request.method == "POST" else None
        body = body if isinstance(body, dict) else {}
        try:
            return self._control_route(route, request, body)
        except (ValueError, TypeError, KeyError) as exc:
            return _json({"error": f"{type(exc).__name__}: {exc}"}, 400)

    def _control_route(
        self, route: tuple[str, str], request: Request, body: dict[str, Any]
    ) -> Response:
        match route:
            case ("GET", "/health"):
                return _json({"ok": True})
            case ("POST", "/reset"):
                with self.lock:
                    self._reset(
                        log_only=bool(body.get("log_only")),
                        keep_files=bool(body.get("keep_files")),
                    )
                return _json({"ok": True})
            case ("GET", "/script"):
                with self.lock:
                    return _json(copy.deepcopy(self.scripts))
            case ("POST", "/script"):
                return _json(self._set_script(body))
            case ("GET", "/config"):
                with self.lock:
                    return _json(self.config)
            case ("POST", "/config"):
                return _json(self._set_config(body))
            case ("GET", "/log"):
                return _json(self._log(request))
            case ("GET", "/counters"):
                return _json(self._counters())
            case ("GET", "/uploads"):
                with self.lock:
                    uploads = copy.deepcopy(self.uploads)
                    for upload in uploads:
                        rec = self.files.get(upload["name"].removeprefix("files/"))
                        fate = upload["fate"]
                        if fate:
                            upload["state"] = fate.upper()
                        else:
                            upload["state"] = self._refresh(rec)["state"] if rec else "UNKNOWN"
                    return _json(uploads)
            case ("GET", "/files"):
                with self.lock:
                    return _json([self._refresh(rec) for rec in self.files.values()])
            case ("POST", "/files/expire"):
                with self.lock:
                    names = list(self.files) if body.get("all") else [self._file_arg(body)]
                    gone = [f"files/{n}" for n in names if self._forget(n, "expired")]
                    self._bump("files_expired", by=len(gone))
                return _json({"expired": gone})
            case ("POST", "/files/state"):
                state = str(body["state"]).upper()
                with self.lock:
                    rec = self.files.get(self._file_arg(body))
                    if rec is None:
                        raise KeyError(body.get("name"))
                    rec["state"] = state
                    rec["updateTime"] = _rfc3339(_now())
                    return _json(self._resource(rec))
        return _json({"error": f"no control route {route[0]} {route[1]}"}, 404)

    @staticmethod
    def _file_arg(body: dict[str, Any]) -> str:
        name = str(body["name"])
        return _file_id(name) or name.removeprefix("files/")

    def _set_script(self, body: dict[str, Any]) -> dict[str, Any]:
        body = dict(body)
        model = str(body.pop("model", "*"))
        clear = bool(body.pop("clear", False))
        unknown = sorted(set(body) - set(SCRIPT_DEFAULTS))
        if unknown:
            raise ValueError(f"unknown script fields {unknown}; known: {sorted(SCRIPT_DEFAULTS)}")
        if "fail" in body and body["fail"] is not None:
            if not isinstance(body["fail"], list):
                body["fail"] = [body["fail"]]
            for item in body["fail"]:
                _outcome(item)  # validate
        if body.get("fail_rate") is not None and not 0 <= float(body["fail_rate"]) <= 1:
            raise ValueError("fail_rate must be within [0, 1]")
        if "finish" in body and body["finish"] is not None:
            if not isinstance(body["finish"], list):
                body["finish"] = [body["finish"]]
            body["finish"] = [str(item).upper() for item in body["finish"]]
            for item in body["finish"]:
                if item not in FINISH_REASONS:
                    raise ValueError(f"finish {item!r} is none of {list(FINISH_REASONS)}")
        if body.get("block_reason") is not None:
            body["block_reason"] = str(body["block_reason"]).upper()
            if body["block_reason"] not in BLOCK_REASONS:
                raise ValueError(f"block_reason must be one of {list(BLOCK_REASONS)}")
        if body.get("judge_label_style") not in (None, *LABEL_STYLES):
            raise ValueError(f"judge_label_style must be one of {list(LABEL_STYLES)}")
        if isinstance(body.get("judge_omit"), str):
            body["judge_omit"] = [body["judge_omit"]]
        cached = body.get("cached_tokens")
        if cached is not None and cached != "all" and (isinstance(cached, bool) or int(cached) < 0):
            raise ValueError('cached_tokens must be an int >= 0 or "all"')
        with self.lock:
            script = {} if clear else self.scripts.get(model, {})
            for name, value in body.items():
                if value is None:
                    script.pop(name, None)
                else:
                    script[name] = value
            self.scripts[model] = script
            return {"model": model, "script": script, "effective": self._effective_script(model)}

    def _set_config(self, body: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(body) - set(CONFIG_DEFAULTS))
        if unknown:
            raise ValueError(f"unknown config fields {unknown}; known: {sorted(CONFIG_DEFAULTS)}")
        body = dict(body)
        if isinstance(body.get("valid_keys"), str):
            body["valid_keys"] = [body["valid_keys"]]
        for name in ("bad_keys", "unknown_models", "upload_fail", "models"):
            if isinstance(body.get(name), str | int):
                body[name] = [body[name]]
        for item in body.get("upload_fail") or []:
            _outcome(item)
        if body.get("models") is not None:
            body["models"] = [_as_model(item) for item in body["models"]]
        if body.get("file_tokens_by_file") is not None:
            if not isinstance(body["file_tokens_by_file"], dict):
                raise ValueError("file_tokens_by_file maps a displayName or sha256 hex to tokens")
            body["file_tokens_by_file"] = {
                str(k): int(v) for k, v in body["file_tokens_by_file"].items()
            }
        if body.get("bad_key_status", 400) not in (400, 403):
            raise ValueError("bad_key_status must be 400 or 403")
        if body.get("missing_file_status", 404) not in (403, 404):
            raise ValueError("missing_file_status must be 403 or 404")
        with self.lock:
            for name, value in body.items():
                self.config[name] = copy.deepcopy(CONFIG_DEFAULTS[name]) if value is None else value
            if "seed" in body:
                self.rng = random.Random(self.config["seed"])
            return copy.deepcopy(self.config)

    def _counters(self) -> dict[str, Any]:
        with self.lock:
            counters = copy.deepcopy(self.counters)
            counters["in_flight"] = self.in_flight
            counters["files_live"] = len(self.files)
            counters["upload_sessions_open"] = len(self.sessions)
            return counters

    def _log(self, request: Request) -> dict[str, Any]:
        since = int(request.args.get("since") or 0)
        model = request.args.get("model")
        counters = self._counters()
        with self.lock:
            calls = [c for c in self.calls[since:] if model is None or c["model"] == model]
            log = {"calls": copy.deepcopy(calls), "counters": counters, "next": len(self.calls)}
            if request.args.get("requests") not in (None, "", "0", "false"):
                log["requests"] = copy.deepcopy(self.requests)
            return log


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


# --------------------------------------------------------------------------- the wrapper


class FakeGemini:
    """Start/stop the fake (in a daemon thread, or a subprocess) and drive its control API.

    ``FakeGemini().start()`` serves on 127.0.0.1 and a free port; ``FakeGemini.connect(url)``
    drives one that is already running (a subprocess, another test process).
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, api_key: str = "fake-key"):
        self.host, self.port, self.api_key = host, port, api_key
        self.base_url: str | None = None
        self.app: FakeGeminiApp | None = None
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._proc: subprocess.Popen[str] | None = None
        self._http: httpx.Client | None = None

    @classmethod
    def connect(cls, base_url: str, *, api_key: str = "fake-key") -> FakeGemini:
        fake = cls(api_key=api_key)
        fake._attach(base_url.rstrip("/"))
        return fake

    def _attach(self, base_url: str) -> None:
        self.base_url = base_url
        self._http = httpx.Client(base_url=base_url, timeout=30, trust_env=False)

    def start(self, *, in_subprocess: bool = False) -> FakeGemini:
        if in_subprocess:
            cmd = [sys.executable, "-m", __name__, "--host", self.host, "--port", str(self.port)]
            self._proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
            line = self._proc.stdout.readline().strip() if self._proc.stdout else ""
            if not line.startswith("FAKE_GEMINI_URL="):
                self._proc.kill()
                raise RuntimeError(f"fake gemini subprocess did not start: {line!r}")
            self._attach(line.split("=", 1)[1])
            self.port = int(self.base_url.rsplit(":", 1)[1])
            return self
        self.app = FakeGeminiApp()
        self._server = make_server(
            self.host, self.port, self.app, threaded=True, request_handler=_QuietHandler
        )
        self._server.daemon_threads = True
        self.port = self._server.server_port
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"fake-gemini-{self.port}",
            daemon=True,
        )
        self._thread.start()
        self._attach(f"http://{self.host}:{self.port}")
        return self

    def stop(self) -> None:
        if self._http is not None:
            self._http.close()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
            if self._proc.stdout:
                self._proc.stdout.close()
            self._proc = None

    def __enter__(self) -> FakeGemini:
        return self.start() if self.base_url is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # SDK conveniences ------------------------------------------------------------

    def env(self, api_key: str | None = None) -> dict[str, str]:
        """Environment for a process whose google-genai client should use this fake."""
        return {"GOOGLE_GEMINI_BASE_URL": self.base_url, "GEMINI_API_KEY": api_key or self.api_key}

    def client(
        self,
        api_key: str | None = None,
        *,
        api_version: str | None = None,
        retry_options: Any = None,
        timeout: int | None = None,
    ) -> Any:
        """A real ``genai.Client`` pointed at this fake."""
        from google import genai
        from google.genai import types

        options = types.HttpOptions(
            base_url=self.base_url,
            api_version=api_version,
            retry_options=retry_options,
            timeout=timeout,
        )
        return genai.Client(api_key=api_key or self.api_key, http_options=options)

    # control API -----------------------------------------------------------------

    def _call(self, method: str, path: str, **kw: Any) -> Any:
        assert self._http is not None, "start() or connect() first"
        answer = self._http.request(method, f"/_fake/{path}", **kw)
        if answer.status_code != 200:
            raise ValueError(f"fake gemini control {path}: {answer.status_code} {answer.text}")
        return answer.json()

    def health(self) -> bool:
        return bool(self._call("GET", "health")["ok"])

    def reset(self, *, log_only: bool = False, keep_files: bool = False) -> None:
        """Forget files, scripts, config and log (or only the log and counters)."""
        self._call("POST", "reset", json={"log_only": log_only, "keep_files": keep_files})

    def script(self, model: str = "*", *, clear: bool = False, **fields: Any) -> dict[str, Any]:
        """Script a model (or "*"): latency_ms, fail=[429, {"hang_ms": 500}, ...], fail_rate,
        text, judge_response, judge_scores, judge_label_style, judge_omit, malformed=N,
        blocked=N, block_reason, finish=["SAFETY", ...], thinking_tokens, cached_tokens, ...
        (see SCRIPT_DEFAULTS)."""
        return self._call("POST", "script", json={"model": model, "clear": clear, **fields})

    def scripts(self) -> dict[str, Any]:
        return self._call("GET", "script")

    def configure(self, **fields: Any) -> dict[str, Any]:
        """Set config fields: valid_keys, bad_keys, bad_key_status, models, unknown_models,
        active_after_polls, processing_ms, file_tokens_by_file, ... (see CONFIG_DEFAULTS);
        None restores a field's default."""
        return self._call("POST", "config", json=fields)

    def config(self) -> dict[str, Any]:
        return self._call("GET", "config")

    def models(self) -> list[str]:
        """The ids of the models the API lists now."""
        return [m["name"].removeprefix("models/") for m in self.config()["models"]]

    def add_models(self, *models: str | dict[str, Any]) -> list[str]:
        """List more models (plain ids become video models; resources as given) next to
        the current ones; returns every listed id."""
        current = self.config()["models"]
        self.configure(models=current + list(models))
        return self.models()

    def log(self, *, since: int = 0, model: str | None = None, requests: bool = False) -> dict:
        params: dict[str, Any] = {"since": since, "requests": int(requests)}
        if model is not None:
            params["model"] = model
        return self._call("GET", "log", params=params)

    def calls(self, model: str | None = None, *, since: int = 0) -> list[dict[str, Any]]:
        """The generateContent calls (oldest first) with request, key, timings, status."""
        return self.log(since=since, model=model)["calls"]

    def requests(self) -> list[dict[str, Any]]:
        """Every API request (uploads, files.get, ...) with kind, path, key and status."""
        return self.log(requests=True)["requests"]

    def counters(self) -> dict[str, Any]:
        return self._call("GET", "counters")

    def uploads(self) -> list[dict[str, Any]]:
        return self._call("GET", "uploads")

    def files(self) -> list[dict[str, Any]]:
        return self._call("GET", "files")

    def expire(self, name: str | None = None) -> list[str]:
        """Forget one file (or all of them, without a name) as if it had expired."""
        body = {"name": name} if name else {"all": True}
        return self._call("POST", "files/expire", json=body)["expired"]

    def set_file_state(self, name: str, state: str) -> dict[str, Any]:
        return self._call("POST", "files/state", json={"name": name, "state": state})

    def max_in_flight(self, model: str | None = None) -> int:
        """Peak concurrent generateContent calls (all models, or one) since the last reset."""
        counters = self.counters()
        if model is None:
            return counters["max_in_flight"]
        return counters["max_in_flight_by_model"].get(model, 0)

    def wait_for_calls(self, n: int, *, model: str | None = None, timeout: float = 10) -> None:
        """Block until at least n generateContent calls (of a model) have finished."""
        deadline = time.monotonic() + timeout
        while True:
            done = [c for c in self.calls(model) if c["ended_at"] is not None]
            if len(done) >= n:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(done)} of {n} calls after {timeout}s")
            time.sleep(0.02)


if pytest is not None:

    @pytest.fixture(scope="session")
    def fake_gemini_server() -> Iterator[FakeGemini]:
        """One fake per session: ``pytest_plugins = ["vidcompare.testing.fake_gemini"]``
        in a conftest."""
        with FakeGemini() as fake:
            yield fake

    @pytest.fixture
    def fake_gemini(fake_gemini_server: FakeGemini) -> FakeGemini:
        """The session's fake with this test's scripts, config and log; files uploaded by
        earlier tests live on, as the real Files API keeps them (48 h) while workers
        remember their handles."""
        fake_gemini_server.reset(keep_files=True)
        return fake_gemini_server


# --------------------------------------------------------------------------- stand-alone


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0: a free port")
    parser.add_argument("--valid-key", action="append", help="accept only these API keys")
    parser.add_argument("--latency-ms", type=int, default=0, help="latency of every model")
    parser.add_argument("--active-after-polls", type=int, default=1)
    parser.add_argument("--processing-ms", type=int, default=0)
    parser.add_argument(
        "--model", action="append", default=[], help="also list this model id (a video model)"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    app = FakeGeminiApp()
    app.config["valid_keys"] = args.valid_key
    app.config["active_after_polls"] = args.active_after_polls
    app.config["processing_ms"] = args.processing_ms
    app.config["models"] += [_as_model(model) for model in args.model]
    if args.latency_ms:
        app.scripts["*"] = {"latency_ms": args.latency_ms}
    server = make_server(args.host, args.port, app, threaded=True, request_handler=_QuietHandler)
    server.daemon_threads = True

    def _terminate(*_: object) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, _terminate)
    print(f"FAKE_GEMINI_URL=http://{args.host}:{server.server_port}", flush=True)
    try:
        server.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
