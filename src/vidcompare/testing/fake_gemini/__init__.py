"""A fake Gemini Developer API server that the real ``google-genai`` SDK talks to over HTTP.

Point the SDK at it with ``GOOGLE_GEMINI_BASE_URL=<base_url>`` (plus any API key in
``GEMINI_API_KEY``) or ``genai.Client(api_key=..., http_options=types.HttpOptions(
base_url=<base_url>))``. It is a real threaded HTTP server (werkzeug) on a free port, so
several processes (Cloud Functions, benchmark workers) can call it at once; its behaviour
is scripted and its request log read over HTTP, under ``/_fake/``, because the callers
live in other processes. Any API version prefix works (``v1``, ``v1beta``, ``v1alpha``:
google-genai 3.x talks ``v1`` by default, ``v1beta`` with ``GOOGLE_GENAI_API_VERSION=beta``
or ``HttpOptions(api_version="v1beta")``).

It is strict where the real API is: unknown models, bad keys, files not yet ACTIVE, bad
response schemas, prompts over a model's token limit and, once configured, calls over a
model's quota (``fake.set_quota(model, rpm=60)``) are refused with the real codes and
wording. Default answers are deterministic and the default judge's scores predictable
(:func:`default_answer`, :func:`score_for`), so a test can assert every number.

One job a module:

    catalogue   the models listed (DEFAULT_MODELS), models.list and models.get
    auth        API keys and their refusals
    files       file records, files.get/list/delete, PROCESSING -> ACTIVE
    uploads     the resumable upload protocol
    tokens      token counting, usageMetadata, countTokens
    validation  what generateContent refuses before generating
    scripting   script fields: failures, 429 with RetryInfo, hangs, latencies, refusals
    limits      quotas per model and key (RPM, TPM, in flight) and the real API's 429s
    judge       the default judge's verdicts
    content     the answers: candidates, finish reasons, blocked prompts, streaming
    generate    generateContent and streamGenerateContent: the call's life and its log
    control     the control API under /_fake/
    state       config (CONFIG_DEFAULTS), scripts, files, logs and counters, one lock
    server      the WSGI app, its routes, the threaded server
    runner      FakeGemini: start/stop in a thread or subprocess, the SDK, the control API
    plugin      the pytest fixtures fake_gemini and fake_gemini_server

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

from vidcompare.testing.fake_gemini.auth import (
    API_KEY_INVALID_MESSAGE,
    UNREGISTERED_CALLER_MESSAGE,
)
from vidcompare.testing.fake_gemini.catalogue import (
    ALIASES,
    DEFAULT_MODELS,
    VIDEO_MODEL_FIELDS,
    model_resource,
)
from vidcompare.testing.fake_gemini.content import default_answer
from vidcompare.testing.fake_gemini.judge import (
    answer_model,
    default_verdict,
    find_answers,
    judge_score,
    schema_labels,
    score_for,
    style_label,
)
from vidcompare.testing.fake_gemini.runner import FakeGemini
from vidcompare.testing.fake_gemini.scripting import SCRIPT_DEFAULTS
from vidcompare.testing.fake_gemini.server import FakeGeminiApp
from vidcompare.testing.fake_gemini.state import CONFIG_DEFAULTS, max_in_flight
from vidcompare.testing.fake_gemini.tokens import count_tokens
from vidcompare.testing.fake_gemini.validation import response_schema_error
from vidcompare.testing.fake_gemini.wire import ERROR_TEXT, google_error

__all__ = [
    "ALIASES",
    "API_KEY_INVALID_MESSAGE",
    "CONFIG_DEFAULTS",
    "DEFAULT_MODELS",
    "ERROR_TEXT",
    "SCRIPT_DEFAULTS",
    "UNREGISTERED_CALLER_MESSAGE",
    "VIDEO_MODEL_FIELDS",
    "FakeGemini",
    "FakeGeminiApp",
    "answer_model",
    "count_tokens",
    "default_answer",
    "default_verdict",
    "find_answers",
    "google_error",
    "judge_score",
    "max_in_flight",
    "model_resource",
    "response_schema_error",
    "schema_labels",
    "score_for",
    "style_label",
]
