"""Gemini models: one generateContent call on the video and the prompt."""

from __future__ import annotations

import time

from google.genai import types

from vidcompare import limiter
from vidcompare.config import settings
from vidcompare.errors import ModelError
from vidcompare.providers.base import Generation, Model, VideoSource
from vidcompare.providers.gemini import known
from vidcompare.providers.gemini.answers import read_answer, usage_of
from vidcompare.providers.gemini.calls import call_gemini, is_about_a_file
from vidcompare.providers.gemini.catalogue import PROVIDER, display_name
from vidcompare.providers.gemini.files import forget_verified, uploaded_handle, video_part
from vidcompare.providers.gemini.sdk import genai_client


def deterministic_temperature(model_id: str) -> float | None:
    """0 for models before Gemini 3; None (the model's default) from Gemini 3 on, whose
    guidance is to keep the default temperature: lower values can make them loop or
    degrade on reasoning tasks. Aliases ("gemini-flash-latest") keep the default too."""
    major = known.parse(model_id).major
    return 0.0 if major is not None and major < 3 else None


async def ready_video(model_id: str, video: VideoSource) -> None:
    """Upload the video to the Files API if it is not there yet (Developer API only)."""
    client = genai_client()
    if not client.vertexai:
        await call_gemini(model_id, lambda: uploaded_handle(client, video))


async def generate_about(
    model_id: str,
    video: VideoSource,
    text: str,
    *,
    config: types.GenerateContentConfig | None = None,
    deadline: float | None = None,
) -> types.GenerateContentResponse:
    """One generateContent call on the video and ``text``, within ``deadline``.

    A handle this instance trusted without asking (see files) may have expired since:
    when the API refuses the file, it is looked up (and uploaded) again, once.
    """
    client = genai_client()
    for attempt in (1, 2):
        part = await call_gemini(model_id, lambda: video_part(client, video))
        try:
            response = await call_gemini(
                model_id,
                lambda part=part: client.aio.models.generate_content(
                    model=model_id, contents=[part, text], config=config
                ),
                deadline=deadline,
                paced=True,
            )
            used = response.usage_metadata
            if used is not None and used.prompt_token_count:
                await limiter.record_tokens(
                    model_id, limiter.quota_for(model_id), used.prompt_token_count
                )
            return response
        except ModelError as exc:
            if attempt == 2 or not is_about_a_file(exc.__cause__):
                raise
            forget_verified(video.sha256)
    raise AssertionError("unreachable")


class GeminiModel(Model):
    provider = PROVIDER

    def __init__(self, model_id: str) -> None:
        self.model_id = model_id
        self.display_name = display_name(model_id)

    async def prepare(self, video: VideoSource) -> None:
        await ready_video(self.model_id, video)

    async def generate(self, video: VideoSource, prompt: str) -> Generation:
        deadline = time.monotonic() + settings().model_timeout_s
        response = await generate_about(self.model_id, video, prompt, deadline=deadline)
        usage = usage_of(self.model_id, response)
        try:
            answer = read_answer(response)
        except ModelError as refusal:
            refusal.usage = usage  # a refused call still counted its prompt
            raise
        return Generation(
            text=answer.text,
            usage=usage,
            finish_reason=answer.finish_reason,
            truncated=answer.truncated,
        )
