"""The default judge: it finds the labelled answers of a judge prompt and scores each
deterministically, so a test can predict every score.

The labels "Answer A", "Answer B", ... are found in the prompt (:func:`find_answers`); each
answer's model is recovered from its ``[fake:<model>]`` marker and scored with
:func:`score_for` (or the script's ``judge_scores``). The verdict honours a label enum at
``evaluations.items.properties.label`` of a responseSchema or responseJsonSchema unless
``judge_label_style`` / ``judge_omit`` make the judge sloppy.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from typing import Any

from vidcompare.testing.fake_gemini.wire import pick

LABEL_STYLES = ("exact", "letter", "lower", "colon", "bold", "response", "paren")
DEFAULT_MALFORMED = '{"evaluations": [{"label": "Answer A", "score": 7, "reasoning": "trunc'
MARKER_RE = re.compile(r"\[fake:([^\]\s]+)\]")
LABEL_RE = re.compile(r"\bAnswer [A-Z]{1,2}\b")
HEADER_LABEL_RE = re.compile(r"(?m)^[ \t>#*_\-\[(<\"'`|]*(Answer [A-Z]{1,2})\b")


def score_for(key: str) -> int:
    """A deterministic score 1..10 for a model id (or, without a marker, an answer text)."""
    return 1 + int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) % 10


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


def verdict_text(
    plan: dict[str, Any], prompt: str, config: dict[str, Any]
) -> tuple[str, dict[str, Any]]:
    """A judge call's answer text as the plan has it (malformed, scripted or the default
    verdict) and what the call log notes about it."""
    answers = find_answers(prompt)
    noted: dict[str, Any] = {"judge_labels": {label: answer_model(text) for label, text in answers}}
    if plan["malformed"]:
        noted["malformed"] = True
        return plan["malformed_text"] or DEFAULT_MALFORMED, noted
    if plan["judge_response"] is not None:
        scripted = plan["judge_response"]
        return (scripted if isinstance(scripted, str) else json.dumps(scripted)), noted
    schema = pick(config, "responseSchema") or pick(config, "responseJsonSchema")
    verdict = default_verdict(
        prompt,
        plan["judge_scores"],
        schema_labels(schema),
        style=plan["judge_label_style"],
        omit=plan["judge_omit"],
    )
    return json.dumps(verdict), noted
