"""Provider ``gemini``: Gemini models and a Gemini judge through google-genai.

The SDK's own environment works unchanged: ``GEMINI_API_KEY``/``GOOGLE_API_KEY`` for
the Developer API, ``GOOGLE_GENAI_USE_VERTEXAI=true`` with ``GOOGLE_CLOUD_PROJECT`` and
``GOOGLE_CLOUD_LOCATION`` for Vertex AI, ``GOOGLE_GEMINI_BASE_URL`` to point elsewhere.

Retries: server errors and timeouts are retried by the SDK (``HttpRetryOptions``,
exponential backoff with jitter); 429s are retried here because the SDK does not read
``Retry-After``/``RetryInfo.retryDelay`` and the API tells us how long to wait.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import random
import re
from collections.abc import Awaitable, Callable
from typing import TypeVar

from google import genai
from google.genai import errors, types
from pydantic import ValidationError

from vidcompare.errors import ModelError, PermanentModelError, TransientModelError
from vidcompare.prices import estimate_cost
from vidcompare.providers.base import (
    AnonymousAnswer,
    Generation,
    Judge,
    JudgeOutput,
    Model,
    Verdict,
    VideoSource,
)
from vidcompare.providers.gemini_files import forget_verified, video_part
from vidcompare.schemas import Usage

log = logging.getLogger(__name__)

DISPLAY_NAMES = {
    "gemini-3-pro-preview": "Gemini 3 Pro",
    "gemini-3-flash-preview": "Gemini 3 Flash",
    "gemini-2.5-pro": "Gemini 2.5 Pro",
    "gemini-2.5-flash": "Gemini 2.5 Flash",
}
DEFAULT_JUDGE = "gemini-2.5-flash"
_SERVER_ERRORS = [408, 500, 502, 503, 504]
T = TypeVar("T")


def _env_float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


@functools.cache
def genai_client() -> genai.Client:
    """One SDK client per process (its connection pool is reused by every call)."""
    retry = types.HttpRetryOptions(
        attempts=int(_env_float("VIDCOMPARE_GEMINI_SERVER_RETRIES", 4)),
        initial_delay=_env_float("VIDCOMPARE_GEMINI_BACKOFF_S", 1.0),
        max_delay=30.0,
        http_status_codes=_SERVER_ERRORS,
    )
    try:
        return genai.Client(http_options=types.HttpOptions(retry_options=retry))
    except ValueError as exc:  # no key and no Vertex AI project
        raise PermanentModelError(
            "Gemini is not configured: set GEMINI_API_KEY (or GOOGLE_API_KEY), or "
            "GOOGLE_GENAI_USE_VERTEXAI=true with GOOGLE_CLOUD_PROJECT and "
            f"GOOGLE_CLOUD_LOCATION ({exc})"
        ) from None


def display_name(model_id: str) -> str:
    if model_id in DISPLAY_NAMES:
        return DISPLAY_NAMES[model_id]
    words = model_id.removeprefix("gemini-").replace("-", " ").split()
    return "Gemini " + " ".join(w if w[0].isdigit() else w.capitalize() for w in words)


# --------------------------------------------------------------------- errors


def retry_delay_s(exc: errors.APIError) -> float | None:
    """How long the API asked us to wait: ``Retry-After`` or ``RetryInfo.retryDelay``."""
    header = exc.response.headers.get("retry-after") if exc.response is not None else None
    if header:
        try:
            return float(header)
        except ValueError:
            pass
    error = (exc.details or {}).get("error", exc.details) if isinstance(exc.details, dict) else {}
    for detail in (error or {}).get("details", []) or []:
        if str(detail.get("@type", "")).endswith("google.rpc.RetryInfo"):
            found = re.fullmatch(r"([\d.]+)s", str(detail.get("retryDelay", "")))
            if found:
                return float(found[1])
    return None


def classify(exc: Exception, model_id: str) -> ModelError:
    """Our error for an SDK failure: permanent ones fail the job, others are data."""
    if isinstance(exc, errors.ClientError):
        message = exc.message or str(exc)
        if exc.code in (401, 403) or "API key" in message or "API_KEY" in str(exc.details):
            return PermanentModelError(f"Gemini rejected the credentials: {message}")
        if exc.code == 404:
            return PermanentModelError(f"Gemini does not know model {model_id!r}: {message}")
        if exc.code == 429:
            return TransientModelError(f"rate limited (429) after retries: {message}")
        return PermanentModelError(f"Gemini refused the request ({exc.code}): {message}")
    if isinstance(exc, errors.ServerError):
        return TransientModelError(f"Gemini server error {exc.code} after retries: {exc.message}")
    return TransientModelError(f"{type(exc).__name__}: {exc}")


async def call_gemini(model_id: str, call: Callable[[], Awaitable[T]]) -> T:
    """``call()``, retrying 429s with the server's delay (else backoff with jitter)."""
    attempts = int(_env_float("VIDCOMPARE_GEMINI_429_RETRIES", 6))
    backoff = _env_float("VIDCOMPARE_GEMINI_BACKOFF_S", 1.0)
    for attempt in range(1, attempts + 1):
        try:
            return await call()
        except errors.ClientError as exc:
            if exc.code != 429 or attempt == attempts:
                raise classify(exc, model_id) from exc
            asked = retry_delay_s(exc)
            delay = min(60.0, backoff * 2 ** (attempt - 1))
            # Never earlier than asked; jitter spreads the lanes that were refused together.
            wait = (asked if asked is not None else delay) + random.uniform(0, backoff / 2)
            log.info("%s: 429, retrying in %.2f s (attempt %d)", model_id, wait, attempt)
            await asyncio.sleep(wait)
        except ModelError:
            raise
        except Exception as exc:  # noqa: BLE001 - server errors, timeouts: mapped and raised
            raise classify(exc, model_id) from exc
    raise AssertionError("unreachable")


def usage_of(model_id: str, response: types.GenerateContentResponse) -> Usage:
    meta = response.usage_metadata
    if meta is None:
        return Usage()
    prompt = meta.prompt_token_count or 0
    output = (meta.candidates_token_count or 0) + (meta.thoughts_token_count or 0)
    return Usage(
        input_tokens=prompt,
        output_tokens=output,
        total_tokens=meta.total_token_count or prompt + output,
        estimated_cost_usd=estimate_cost(model_id, prompt, output),
    )


def _refused_the_file(exc: BaseException | None) -> bool:
    # "File files/x was not found." / "You do not have permission to access the File x..."
    return (
        isinstance(exc, errors.ClientError)
        and exc.code in (400, 403, 404)
        and "file" in (exc.message or "").lower()
    )


async def generate_about(
    model_id: str,
    video: VideoSource,
    text: str,
    *,
    config: types.GenerateContentConfig | None = None,
) -> types.GenerateContentResponse:
    """One generateContent call on the video and ``text``.

    A handle this instance trusted without asking (see gemini_files) may have expired
    since: when the API refuses the file, it is looked up (and uploaded) again, once.
    """
    client = genai_client()
    for attempt in (1, 2):
        part = await call_gemini(model_id, lambda: video_part(client, video))
        try:
            return await call_gemini(
                model_id,
                lambda part=part: client.aio.models.generate_content(
                    model=model_id, contents=[part, text], config=config
                ),
            )
        except PermanentModelError as exc:
            if attempt == 2 or not _refused_the_file(exc.__cause__):
                raise
            log.info("%s: the API refused the cached file of %s", model_id, video.video_id)
            forget_verified(video.sha256)
    raise AssertionError("unreachable")


# --------------------------------------------------------------------- models


class GeminiModel(Model):
    provider = "gemini"

    def __init__(self, model_id: str) -> None:
        self.model_id = model_id
        self.display_name = display_name(model_id)

    async def generate(self, video: VideoSource, prompt: str) -> Generation:
        response = await generate_about(self.model_id, video, prompt)
        text = response.text
        if not text:
            reason = response.candidates[0].finish_reason if response.candidates else None
            raise ModelError(f"Gemini returned no text (finish reason: {reason})")
        return Generation(text=text, usage=usage_of(self.model_id, response))


JUDGE_INSTRUCTIONS = """\
You are an impartial expert judge of answers to a question about the attached video.
Watch the video, then score every answer from 1 (useless or wrong) to 10 (complete,
accurate and specific, with correct timestamps where they matter). Judge only what the
video shows; do not reward length for its own sake. The answers are anonymous and in no
particular order. For each answer give its label exactly as written (e.g. "Answer A"),
a score, one or two sentences of reasoning, and concrete strengths and weaknesses.
Finish with an overall summary that compares the answers by their labels."""


def judge_prompt(prompt: str, answers: list[AnonymousAnswer]) -> str:
    blocks = "\n\n".join(f"### {a.label}\n{a.text}" for a in answers)
    return f"{JUDGE_INSTRUCTIONS}\n\n## Question\n{prompt}\n\n## Answers\n\n{blocks}"


class GeminiJudge(Judge):
    provider = "gemini"

    def __init__(self, model_id: str) -> None:
        self.judge_id = model_id
        self.display_name = f"{display_name(model_id)} (judge)"

    async def judge(
        self, video: VideoSource, prompt: str, answers: list[AnonymousAnswer]
    ) -> Verdict:
        config = types.GenerateContentConfig(
            response_mime_type="application/json", response_schema=JudgeOutput, temperature=0.0
        )
        expected = {a.label for a in answers}
        problem, usage = "", Usage()
        for _ in range(2):  # one retry on malformed output
            response = await generate_about(
                self.judge_id, video, judge_prompt(prompt, answers), config=config
            )
            usage = usage + usage_of(self.judge_id, response)
            try:
                output = JudgeOutput.model_validate_json(response.text or "")
            except ValidationError as exc:
                problem = f"malformed judge output: {exc.errors(include_url=False)[:2]}"
                continue
            labels = {e.label for e in output.evaluations}
            if labels != expected:
                problem = f"judge scored {sorted(labels)}, expected {sorted(expected)}"
                continue
            return Verdict(**output.model_dump(), usage=usage)
        raise ModelError(f"{self.judge_id}: {problem} (after one retry)")


def register(registry) -> None:
    for model_id in DISPLAY_NAMES:
        registry.add_model(GeminiModel(model_id))
        registry.add_judge(GeminiJudge(model_id))
    # Any other gemini-* id passes through to the API, which says if it does not exist.
    registry.add_family("gemini-", model=GeminiModel, judge=GeminiJudge)
