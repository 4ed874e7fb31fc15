"""The one google-genai client of an instance, and whether Gemini is configured at all.

The SDK's own environment works unchanged: ``GEMINI_API_KEY``/``GOOGLE_API_KEY`` for the
Developer API, ``GOOGLE_GENAI_USE_VERTEXAI=true`` with ``GOOGLE_CLOUD_PROJECT`` and
``GOOGLE_CLOUD_LOCATION`` for Vertex AI, ``GOOGLE_GEMINI_BASE_URL`` to point elsewhere.

Retries: server errors, 408s and timeouts are retried by the SDK (``HttpRetryOptions``,
exponential backoff with jitter), each request bounded by ``HttpOptions.timeout`` so that
a hung request is abandoned and retried inside the call's budget. 429s are retried by
:mod:`.calls`, which reads the delay the API asks for.
"""

from __future__ import annotations

import functools

from google import genai
from google.genai import types

from vidcompare.config import settings
from vidcompare.errors import ProviderNotConfigured

SERVER_ERRORS = [408, 500, 502, 503, 504]


@functools.cache
def genai_client() -> genai.Client:
    """One SDK client per process (its connection pool is reused by every call)."""
    config = settings()
    retry = types.HttpRetryOptions(
        attempts=config.gemini_server_attempts,
        initial_delay=config.gemini_backoff_s,
        jitter=config.gemini_backoff_s,  # the SDK's default is a fixed 1 s
        max_delay=30.0,
        http_status_codes=SERVER_ERRORS,
    )
    options = types.HttpOptions(
        retry_options=retry, timeout=round(config.gemini_request_timeout_s * 1000)
    )
    try:
        return genai.Client(http_options=options)
    except ValueError:  # no key and no Vertex AI project
        raise ProviderNotConfigured(
            "Gemini is not configured on this server: set GEMINI_API_KEY (or "
            "GOOGLE_API_KEY), or GOOGLE_GENAI_USE_VERTEXAI=true with GOOGLE_CLOUD_PROJECT "
            "and GOOGLE_CLOUD_LOCATION, where the functions run, and restart them (locally: "
            "`vidcompare down`, then `GEMINI_API_KEY=... vidcompare up`)"
        ) from None


def backend(client: genai.Client) -> str:
    return "vertex-ai" if client.vertexai else "gemini-api"
