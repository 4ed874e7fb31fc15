"""Judge a combination fairly: anonymise the answers, shuffle them reproducibly, map back.

The judge never sees model names, only "Answer A", "Answer B", … in an order shuffled
with a seed derived from the job and the combination, so a rerun shows the judge the
same order and a different combination a different one.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import string
import time
from dataclasses import dataclass, field

from vidcompare.providers.base import AnonymousAnswer, Judge, LabelVerdict, Verdict, VideoSource
from vidcompare.schemas import Evaluation, ModelResult, Usage


@dataclass
class JudgedCombination:
    evaluation: list[Evaluation]
    overall_summary: str
    judge_error: str | None
    labels: dict[str, str]  # "Answer A" -> model_id
    latency_ms: int = 0
    usage: Usage = field(default_factory=Usage)
    # With swaps: did the best answer stay best when the order was reversed?
    position_consistent: bool | None = None


def shuffle_seed(job_id: str, index: int) -> int:
    return int.from_bytes(hashlib.sha256(f"{job_id}:{index}".encode()).digest()[:8], "big")


def _labelled(answered: list[ModelResult]) -> tuple[list[AnonymousAnswer], dict[str, str]]:
    labels = {f"Answer {string.ascii_uppercase[i]}": r.model_id for i, r in enumerate(answered)}
    answers = [
        AnonymousAnswer(label=label, text=r.response or "")
        for label, r in zip(labels, answered, strict=True)
    ]
    return answers, labels


def anonymise(
    results: list[ModelResult], *, seed: int
) -> tuple[list[AnonymousAnswer], dict[str, str]]:
    """The answered results as "Answer A", "Answer B", … in a seeded shuffled order."""
    answered = [r for r in results if not r.error and r.response]
    random.Random(seed).shuffle(answered)
    return _labelled(answered)


async def _judge_once(
    judge: Judge,
    video: VideoSource,
    prompt: str,
    answers: list[AnonymousAnswer],
    labels: dict[str, str],
    timeout_s: float,
) -> tuple[dict[str, LabelVerdict], Verdict]:
    """One judging; its verdicts keyed by model id (labels the judge invented are ignored)."""
    try:
        verdict = await asyncio.wait_for(judge.judge(video, prompt, answers), timeout_s)
    except TimeoutError:
        raise TimeoutError(f"judge timeout: no verdict within {timeout_s:g} s") from None
    by_model = {labels[v.label]: v for v in verdict.evaluations if v.label in labels}
    return by_model, verdict


def _best(scores: dict[str, float]) -> set[str]:
    top = max(scores.values())
    return {m for m, score in scores.items() if score == top}


async def judge_combination(
    judge: Judge,
    video: VideoSource,
    prompt: str,
    results: list[ModelResult],
    *,
    seed: int,
    swaps: int = 1,
    timeout_s: float = 300.0,
) -> JudgedCombination:
    """Judge the answers; with ``swaps=2`` judge again in the reversed order and average."""
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
        first, verdict = await _judge_once(judge, video, prompt, answers, labels, timeout_s)
        usage, second = verdict.usage, None
        if swaps == 2 and len(answers) > 1:
            ordered = {r.model_id: r for r in results}
            reversed_answers, reversed_labels = _labelled(
                [ordered[m] for m in reversed(labels.values())]
            )
            second, swapped = await _judge_once(
                judge, video, prompt, reversed_answers, reversed_labels, timeout_s
            )
            usage = usage + swapped.usage
    except Exception as exc:  # noqa: BLE001 - a judge failure is data; the answers are kept
        message = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
        return JudgedCombination(list(by_model.values()), "", message, labels)
    latency_ms = round((time.perf_counter() - started) * 1000)
    scores: dict[str, float] = {}
    for model_id, item in first.items():
        score: float = item.score
        update = {
            "reasoning": item.reasoning,
            "strengths": item.strengths,
            "weaknesses": item.weaknesses,
        }
        if second is not None and model_id in second:
            other = second[model_id].score
            score = (item.score + other) / 2
            update["score_spread"] = abs(item.score - other)
        scores[model_id] = score
        update["score"] = int(score) if float(score).is_integer() else score
        by_model[model_id] = by_model[model_id].model_copy(update=update)
    consistent = None
    if second is not None and first and second:
        consistent = _best({m: v.score for m, v in first.items()}) == _best(
            {m: v.score for m, v in second.items()}
        )
    summary = verdict.overall_summary
    for label, model_id in labels.items():
        # The summary speaks of labels; readers want names.
        summary = summary.replace(label, by_model[model_id].model_name)
    return JudgedCombination(
        list(by_model.values()), summary, None, labels, latency_ms, usage, consistent
    )
