"""Reading a judge's verdict whatever the model wrote.

A judge is asked for JSON whose labels are an enum of exactly the labels it was shown,
but models do not always honour a schema: labels come back as ``A``, ``answer a``,
``Answer A:``, ``**Answer A**``, ``Response A`` or ``Answer (A)``, scores as ``"8/10"``,
the JSON inside a code fence. Every reasonable spelling is mapped back. A verdict that
misses an answer keeps the others' scores and names the missing one; only a verdict
with nothing usable is an error.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from vidcompare.errors import MalformedVerdict
from vidcompare.providers.base import LabelVerdict, Verdict

_DECORATION = re.compile(r"[*_`\"'\[\]<>{}]")
_SPOKEN_LABEL = re.compile(
    r"^(?:the\s+)?(?:answer|response|candidate|model|option|output)?\s*[#:.\- ]*"
    r"\(?\s*([a-z]{1,2})\s*\)?$",
    re.IGNORECASE,
)
_SCORE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:/\s*10|out of 10|points?)?\s*$", re.IGNORECASE)
_FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.DOTALL | re.IGNORECASE)


def match_label(raw: object, labels: Sequence[str]) -> str | None:
    """The label of ``labels`` (``"Answer A"``, ...) that ``raw`` spells, or None."""
    if not isinstance(raw, str):
        return None
    text = _DECORATION.sub("", raw).strip().rstrip(":.;,").strip()
    by_lower = {label.lower(): label for label in labels}
    if text.lower() in by_lower:
        return by_lower[text.lower()]
    spoken = _SPOKEN_LABEL.match(text)
    if spoken:
        candidate = f"Answer {spoken[1].upper()}"
        return candidate if candidate in labels else None
    return None


def _score(raw: object) -> int | float | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        value = float(raw)
    elif isinstance(raw, str) and (found := _SCORE.match(raw)):
        value = float(found[1])
    else:
        return None
    if not 1 <= value <= 10:
        return None
    return int(value) if value.is_integer() else round(value, 2)


def _strings(raw: object) -> list[str]:
    if isinstance(raw, str):
        return [raw] if raw.strip() else []
    if isinstance(raw, list):
        return [str(item) for item in raw if str(item).strip()]
    return []


def parse_json(text: str) -> Any:
    """JSON from a model's output: as is, inside a code fence, or the outermost object."""
    text = text.strip()
    if fenced := _FENCE.match(text):
        text = fenced[1]
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        start, end = text.find("{"), text.rfind("}")
        if 0 <= start < end:
            try:
                return json.loads(text[start : end + 1])
            except json.JSONDecodeError:
                pass
    raise MalformedVerdict(f"the judge's output is not JSON: {text[:120]!r}")


def read_verdict(text: str, labels: Sequence[str]) -> Verdict:
    """The verdict in ``text`` with every label one of ``labels``; raises
    :class:`MalformedVerdict` when not one answer got a usable score."""
    data = parse_json(text)
    summary = ""
    if isinstance(data, dict):
        evaluations = data.get("evaluations", data.get("scores", data.get("results")))
        summary = str(data.get("overall_summary") or data.get("summary") or "")
    else:
        evaluations = data
    if not isinstance(evaluations, list):
        raise MalformedVerdict("the judge's output has no list of evaluations")
    found: dict[str, LabelVerdict] = {}
    notes: list[str] = []
    for item in evaluations:
        if not isinstance(item, dict):
            notes.append(f"an evaluation that is not an object was ignored: {item!r:.60}")
            continue
        label = match_label(item.get("label"), labels)
        if label is None:
            notes.append(f"a verdict for the unknown label {item.get('label')!r} was ignored")
            continue
        if label in found:
            notes.append(f"a second verdict for {label} was ignored")
            continue
        score = _score(item.get("score"))
        if score is None:
            notes.append(f"{label}: the score {item.get('score')!r} is not a number from 1 to 10")
            continue
        found[label] = LabelVerdict(
            label=label,
            score=score,
            reasoning=str(item.get("reasoning") or ""),
            strengths=_strings(item.get("strengths")),
            weaknesses=_strings(item.get("weaknesses")),
        )
    if not found:
        raise MalformedVerdict(
            "the judge's output scored none of the answers"
            + (f" ({'; '.join(notes)})" if notes else "")
        )
    return Verdict(
        evaluations=[found[label] for label in labels if label in found],
        overall_summary=summary,
        missing=[label for label in labels if label not in found],
        notes=notes,
    )
