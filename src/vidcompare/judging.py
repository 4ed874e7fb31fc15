"""Judge a combination fairly: anonymise the answers, shuffle them reproducibly, map back.

The judge never sees model names, only "Answer A", "Answer B", … in an order shuffled
with a seed derived from the job and the combination, so a rerun shows the judge the
same order and a different combination a different one.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import re
import string
import time
from dataclasses import dataclass, field

from vidcompare.errors import PermanentModelError
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
    # Recoverable flaws of the verdicts, e.g. an answer one of them left out.
    warnings: list[str] = field(default_factory=list)


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
    await judge.prepare(video)  # the video's upload has its own deadline, not the judge's
    try:
        verdict = await asyncio.wait_for(judge.judge(video, prompt, answers), timeout_s)
    except TimeoutError:
        raise TimeoutError(f"judge timeout: no verdict within {timeout_s:g} s") from None
    by_model = {labels[v.label]: v for v in verdict.evaluations if v.label in labels}
    return by_model, verdict


def _warnings(verdict: Verdict, labels: dict[str, str], names: dict[str, str]) -> list[str]:
    said = [
        f"the judge gave no verdict for {label} ({names[labels[label]]})"
        for label in verdict.missing
        if label in labels
    ]
    return said + verdict.notes


def with_names(text: str, labels: dict[str, str], names: dict[str, str]) -> str:
    """The judge's text with names for labels: "Answer A", "answer A", "**Response A**",
    "Answer (A)". The letter must be a capital: "a response a viewer wants" is English."""
    letters = {label.removeprefix("Answer "): model_id for label, model_id in labels.items()}
    if not letters:
        return text
    choices = "|".join(map(re.escape, letters))
    pattern = re.compile(
        rf"\*{{0,2}}\b(?i:answer|response)\s+\(?({choices})\)?(?![A-Za-z])\*{{0,2}}"
    )
    return pattern.sub(lambda m: names[letters[m[1]]], text)


def _usage_of(outcome: object) -> Usage:
    """What a judging cost, whether it gave a verdict or failed."""
    if isinstance(outcome, tuple):
        return outcome[1].usage
    usage = getattr(outcome, "usage", None)
    return usage if isinstance(usage, Usage) else Usage()


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
    # With swaps, the reversed order is judged at the same time: the two are independent.
    ordered = {r.model_id: r for r in results}
    reversed_answers, reversed_labels = _labelled([ordered[m] for m in reversed(labels.values())])
    judgings = [_judge_once(judge, video, prompt, answers, labels, timeout_s)]
    if swaps == 2 and len(answers) > 1:
        judgings.append(
            _judge_once(judge, video, prompt, reversed_answers, reversed_labels, timeout_s)
        )
    outcomes = await asyncio.gather(*judgings, return_exceptions=True)
    for outcome in outcomes:
        if isinstance(outcome, PermanentModelError):
            raise outcome  # the judge can never work here (e.g. a revoked key): the job fails
    if isinstance(outcomes[0], BaseException):  # a judge failure is data; the answers are kept
        failure = outcomes[0]
        message = getattr(failure, "message", None) or f"{type(failure).__name__}: {failure}"
        usage = sum((_usage_of(o) for o in outcomes), Usage())
        return JudgedCombination(list(by_model.values()), "", message, labels, usage=usage)
    first, verdict = outcomes[0]
    usage, second, swapped, warnings = verdict.usage, None, verdict, []
    if len(outcomes) == 2:
        if isinstance(outcomes[1], BaseException):  # the first verdict stands on its own
            failure = outcomes[1]
            said = getattr(failure, "message", None) or f"{type(failure).__name__}: {failure}"
            warnings.append(f"the judging in reversed order failed: {said}")
            usage = usage + _usage_of(failure)
        else:
            second, swapped = outcomes[1]
            usage = usage + swapped.usage
    latency_ms = round((time.perf_counter() - started) * 1000)
    names = {r.model_id: r.model_name for r in results}
    warnings = _warnings(verdict, labels, names) + warnings
    if second is not None:
        warnings += [f"reversed order: {w}" for w in _warnings(swapped, reversed_labels, names)]
    verdicts = [(first, labels)] + ([(second, reversed_labels)] if second is not None else [])
    for model_id in labels.values():
        found = [(v[model_id], shown) for v, shown in verdicts if model_id in v]
        if not found:
            by_model[model_id] = by_model[model_id].model_copy(
                update={"reasoning": "Not scored: the judge's verdict left this answer out."}
            )
            continue
        item, shown = found[0]

        def named(text: str, shown: dict[str, str] = shown) -> str:
            # The reasoning speaks of labels too ("Answer B is vaguer"); readers want names.
            return with_names(text, shown, names)

        score: float = sum(v.score for v, _ in found) / len(found)
        update = {
            "reasoning": named(item.reasoning),
            "strengths": [named(t) for t in item.strengths],
            "weaknesses": [named(t) for t in item.weaknesses],
        }
        if len(found) == 2:
            update["score_spread"] = abs(found[0][0].score - found[1][0].score)
        update["score"] = int(score) if float(score).is_integer() else round(score, 2)
        by_model[model_id] = by_model[model_id].model_copy(update=update)
    consistent = None
    both = set(first) & set(second or {})
    if second is not None and len(both) > 1:  # the same answers, in both orders
        consistent = _best({m: first[m].score for m in both}) == _best(
            {m: second[m].score for m in both}
        )
    summary = with_names(verdict.overall_summary, labels, names)
    return JudgedCombination(
        list(by_model.values()), summary, None, labels, latency_ms, usage, consistent, warnings
    )
