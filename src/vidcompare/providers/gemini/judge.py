"""The Gemini judge: structured output whose labels are an enum of the labels shown."""

from __future__ import annotations

import time

from google.genai import types

from vidcompare.config import settings
from vidcompare.errors import MalformedVerdict, ModelError, ModelRefusal
from vidcompare.providers.base import AnonymousAnswer, Judge, Verdict, VideoSource
from vidcompare.providers.gemini.answers import read_answer, usage_of
from vidcompare.providers.gemini.catalogue import display_name
from vidcompare.providers.gemini.models import (
    PROVIDER,
    deterministic_temperature,
    generate_about,
    ready_video,
)
from vidcompare.providers.verdicts import read_verdict
from vidcompare.schemas import Usage

JUDGE_INSTRUCTIONS = """\
You are an impartial expert judge of answers to a question about the attached video.
Watch the video, then score every answer from 1 (useless or wrong) to 10 (complete,
accurate and specific, with correct timestamps where they matter). Judge only what the
video shows; do not reward length for its own sake. The answers are anonymous and in no
particular order. For each answer give its label exactly as written (e.g. "Answer A"),
a score, one or two sentences of reasoning, and concrete strengths and weaknesses.
Finish with an overall summary that compares the answers by their labels."""

_STRING = types.Schema(type=types.Type.STRING)
_STRINGS = types.Schema(type=types.Type.ARRAY, items=_STRING)
_FIELDS = ["label", "score", "reasoning", "strengths", "weaknesses"]


def judge_prompt(prompt: str, answers: list[AnonymousAnswer]) -> str:
    blocks = "\n\n".join(f"### {a.label}\n{a.text}" for a in answers)
    return f"{JUDGE_INSTRUCTIONS}\n\n## Question\n{prompt}\n\n## Answers\n\n{blocks}"


def verdict_schema(labels: list[str]) -> types.Schema:
    """The verdict's response schema: one evaluation per label, labels from an enum."""
    evaluation = types.Schema(
        type=types.Type.OBJECT,
        properties={
            "label": types.Schema(type=types.Type.STRING, enum=list(labels)),
            "score": types.Schema(type=types.Type.INTEGER, minimum=1, maximum=10),
            "reasoning": _STRING,
            "strengths": _STRINGS,
            "weaknesses": _STRINGS,
        },
        required=_FIELDS,
        property_ordering=_FIELDS,
    )
    return types.Schema(
        type=types.Type.OBJECT,
        properties={
            "evaluations": types.Schema(
                type=types.Type.ARRAY,
                items=evaluation,
                min_items=len(labels),
                max_items=len(labels),
            ),
            "overall_summary": _STRING,
        },
        required=["evaluations", "overall_summary"],
        property_ordering=["evaluations", "overall_summary"],
    )


class GeminiJudge(Judge):
    provider = PROVIDER

    def __init__(self, model_id: str) -> None:
        self.judge_id = model_id
        self.display_name = f"{display_name(model_id)} (judge)"

    async def prepare(self, video: VideoSource) -> None:
        await ready_video(self.judge_id, video)

    async def judge(
        self, video: VideoSource, prompt: str, answers: list[AnonymousAnswer]
    ) -> Verdict:
        labels = [a.label for a in answers]
        config = types.GenerateContentConfig(
            response_mime_type="application/json",
            response_schema=verdict_schema(labels),
            temperature=deterministic_temperature(self.judge_id),
        )
        deadline = time.monotonic() + settings().model_timeout_s
        usage, problem = Usage(), ""
        for _ in range(2):  # one retry when nothing usable came back
            response = await generate_about(
                self.judge_id,
                video,
                judge_prompt(prompt, answers),
                config=config,
                deadline=deadline,
            )
            usage = usage + usage_of(self.judge_id, response)
            try:
                verdict = read_verdict(read_answer(response).text, labels)
            except ModelRefusal as refusal:
                raise ModelRefusal(
                    f"{self.judge_id} refused to judge: {refusal.message}",
                    finish_reason=refusal.finish_reason,
                    block_reason=refusal.block_reason,
                    usage=usage,
                ) from None
            except ModelError as exc:  # malformed, or an empty answer: ask once more
                problem = exc.message
                continue
            return verdict.model_copy(update={"usage": usage})
        raise MalformedVerdict(
            f"{self.judge_id}: malformed judge output: {problem} (after one retry)", usage=usage
        )
