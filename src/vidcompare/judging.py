"""Judge a combination fairly: anonymise the answers, shuffle them reproducibly, map back.

The judge never sees model names, only "Answer A", "Answer B", … in an order shuffled
with a seed derived from the job and the combination, so a rerun shows the judge the
same order and a different combination a different one.
"""

from __future__ import annotations

import hashlib
import random
import string
import time
from dataclasses import dataclass, field

from vidcompare.providers.base import AnonymousAnswer, Judge, VideoSource
from vidcompare.schemas import Evaluation, ModelResult, Usage


@dataclass
class JudgedCombination:
    evaluation: list[Evaluation]
    overall_summary: str
    judge_error: str | None
    labels: dict[str, str]  # "Answer A" -> model_id
    latency_ms: int = 0
    usage: Usage = field(default_factory=Usage)


def shuffle_seed(job_id: str, index: int) -> int:
    return int.from_bytes(hashlib.sha256(f"{job_id}:{index}".encode()).digest()[:8], "big")


def anonymise(
    results: list[ModelResult], *, seed: int
) -> tuple[list[AnonymousAnswer], dict[str, str]]:
    answered = [r for r in results if not r.error and r.response]
    random.Random(seed).shuffle(answered)
    labels = {f"Answer {string.ascii_uppercase[i]}": r.model_id for i, r in enumerate(answered)}
    answers = [
        AnonymousAnswer(label=label, text=r.response or "")
        for label, r in zip(labels, answered, strict=True)
    ]
    return answers, labels


async def judge_combination(
    judge: Judge,
    video: VideoSource,
    prompt: str,
    results: list[ModelResult],
    *,
    seed: int,
) -> JudgedCombination:
    answers, labels = anonymise(results, seed=seed)
    by_model: dict[str, Evaluation] = {
        r.model_id: Evaluation(
            model_name=r.model_name,
            model_id=r.model_id,
            reasoning=f"Not judged: the model failed ({r.error})" if r.error else "",
        )
        for r in results
    }
    if not answers:
        return JudgedCombination(
            list(by_model.values()), "No model answered, so nothing was judged.", None, labels
        )
    started = time.perf_counter()
    try:
        verdict = await judge.judge(video, prompt, answers)
    except Exception as exc:  # noqa: BLE001 - a judge failure is data; the answers are kept
        message = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
        return JudgedCombination(list(by_model.values()), "", message, labels)
    latency_ms = round((time.perf_counter() - started) * 1000)
    for item in verdict.evaluations:
        model_id = labels.get(item.label)
        if model_id is None:
            continue  # a label the judge invented: ignore it rather than misattribute
        by_model[model_id] = by_model[model_id].model_copy(
            update={
                "score": item.score,
                "reasoning": item.reasoning,
                "strengths": item.strengths,
                "weaknesses": item.weaknesses,
            }
        )
    summary = verdict.overall_summary
    for label, model_id in labels.items():
        # The summary speaks of labels; readers want names.
        summary = summary.replace(label, by_model[model_id].model_name)
    return JudgedCombination(
        list(by_model.values()), summary, None, labels, latency_ms, verdict.usage
    )
