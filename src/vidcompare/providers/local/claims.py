"""What an answer claims: times, durations, counts, colours, levels, and the topics it
deals with, read from its text (the judge then checks them against the facts)."""

from __future__ import annotations

import re

from vidcompare.providers.local.colours import colour_mentions
from vidcompare.providers.local.intents import INTENT_KEYWORDS, TOPICS, keyword_pattern

NUMBER_WORDS = {
    "no": 0, "zero": 0, "one": 1, "a single": 1, "single": 1, "two": 2, "three": 3,
    "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12,
}  # fmt: skip
# "3 more shots", "the first 2 scenes": a number, but not a count of the whole video.
NOT_A_TOTAL = frozenset({"more", "other", "first", "last", "next", "previous", "remaining"})
PARTIAL_CONTEXT = frozenset({"in", "of", "each", "every", "per", "that", "this"})

_NUM = r"(\d+(?:\.\d+)?)"
_UNIT = r"\s*(?:s|sec|secs|seconds?)\b"
_CLOCK = re.compile(r"(?<![\d.:])(?:(\d{1,2}):)?(\d{1,2}):(\d{2}(?:\.\d+)?)(?![\d:])")
_SECONDS_RANGE = re.compile(_NUM + r"\s*(?:-|–|to|and)\s*" + _NUM + _UNIT, re.IGNORECASE)
# A lone number of seconds is a point in time only after a word like "at" or "from":
# "(1.5 s)" after a shot is a length, not a timestamp.
_SECONDS_AT = re.compile(
    r"\b(?:at|from|to|until|till|around|about|approximately|roughly|near|after|before|"
    r"between|and|by|through)\s+(?:the\s+)?~?\s*" + _NUM + r"(?:" + _UNIT + r"|[\s-]second mark)",
    re.IGNORECASE,
)
_AMOUNT = (
    r"(?:(?:\d{1,2}:)?\d{1,2}:\d{2}(?:\.\d+)?"
    r"|\d+(?:\.\d+)?\s*(?:min|mins|minutes?)\b(?:\s*(?:and\s*)?\d+(?:\.\d+)?" + _UNIT + r")?"
    r"|\d+(?:\.\d+)?" + _UNIT + r")"
)
# "lasts 5 s", "a duration of 00:05.0", "is 1 minute 30 seconds long".
_DURATION_CLAIM = re.compile(
    r"\b(?:lasts?|lasting|duration|length|runtime|running time|runs for)\b"
    r"(?:\s+(?:of|is|was))?:?\s+(?:about|around|approximately|roughly|exactly|just|~)?\s*"
    r"(" + _AMOUNT + r")|(" + _AMOUNT + r")\s*(?:long|in length|in total)\b",
    re.IGNORECASE,
)
_PART_OF_VIDEO = re.compile(r"\b(?:shot|scene|clip|segment|cut|part|section)", re.IGNORECASE)
_COUNT = re.compile(
    r"(?<![\d.:])\b(\d+|" + "|".join(NUMBER_WORDS) + r")\s+(?:([a-z-]+)\s+)?"
    r"(shot|scene|cut|clip)s?(\s+changes?)?\b",
    re.IGNORECASE,
)
RESOLUTION = re.compile(r"\b(\d{2,5})\s*[x×]\s*(\d{2,5})\b")
NAMED_HEIGHT = re.compile(r"\b(\d{3,4})p\b")
FPS = re.compile(_NUM + r"\s*(?:fps|frames per second|frames/s|frames a second)", re.IGNORECASE)
_DBFS = re.compile(r"(-\s?\d+(?:\.\d+)?)\s*db", re.IGNORECASE)
_NEGATED = re.compile(r"\b(?:no|not|without|never|nor)\s+(?:\w+\s+)?$", re.IGNORECASE)

# What the judge looks for in an answer's sentences.
CUT_WORDS = keyword_pattern(("cut", "shot", "scene", "transition", "switch", "boundar", "edit"))
MOTION_WORDS = keyword_pattern(("motion", "mov", "action", "activity", "pan", "fast"))
STATIC_CLAIM = keyword_pattern(
    ("static", "motionless", "no motion", "no movement", "nothing moves", "still throughout")
)
# A claim about the whole video, every scene of it ("brown throughout").
THROUGHOUT = keyword_pattern(
    ("throughout", "the whole video", "the entire video", "all the time", "every scene")
)
NO_AUDIO_CLAIM = keyword_pattern(
    ("no audio", "no sound", "silent throughout", "no soundtrack", "without sound")
)
REFUSAL = keyword_pattern(
    (
        "cannot", "can't", "can not", "unable to", "not able to", "don't detect",
        "do not detect", "only measure", "i don't know", "i do not know", "i'm sorry",
        "i am sorry", "no way to tell", "not possible to",
    )
)  # fmt: skip


def sentences_of(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+|\n+", text) if s.strip()]


# Clause breaks: ";", a comma not inside a list of numbers ("rgb 126, 126, 126"), and
# joining words not ending a time range ("between 00:02.0 and 00:03.0").
# "Scene 1 (0-1.5 s) is grey and scene 2 (1.5-3 s) brown" is two claims.
_CLAUSE_BREAK = re.compile(
    r";\s*|,\s+(?!\d)|\s+(?:and|then|while|whereas|but)\s+(?!\d)", re.IGNORECASE
)


def timed_clauses(sentence: str) -> list[tuple[str, list[float]]]:
    """A sentence's clauses, each with the times it refers to: its own, or else the
    nearest clause's before it ("From 00:01.5, brown"), or else after it ("Grey and
    brown from 0 to 3 s")."""
    parts = [p for p in _CLAUSE_BREAK.split(sentence) if p.strip()]
    own = [timestamps(p) for p in parts]
    clauses = []
    for i, part in enumerate(parts):
        before = next((t for t in reversed(own[:i]) if t), [])
        after = next((t for t in own[i + 1 :] if t), [])
        clauses.append((part, own[i] or before or after))
    return clauses


def clock_times(sentence: str) -> list[float]:
    return [
        int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)
        for hours, minutes, seconds in _CLOCK.findall(sentence)
    ]


def timestamps(sentence: str) -> list[float]:
    """Points in time a sentence mentions: clock times, "2-3.5 s", "at 2.5 seconds"."""
    times = clock_times(sentence)
    rest = _CLOCK.sub(" ", sentence)
    for start, end in _SECONDS_RANGE.findall(rest):
        times += [float(start), float(end)]
    rest = _SECONDS_RANGE.sub(" ", rest)
    return times + [float(n) for n in _SECONDS_AT.findall(rest)]


def duration_claims(text: str) -> list[float]:
    """Lengths claimed for the whole video ("lasts 5 s"), not for one of its shots."""
    claims = []
    for sentence in sentences_of(text):
        for match in _DURATION_CLAIM.finditer(sentence):
            if _PART_OF_VIDEO.search(sentence[: match.start()]):
                continue  # "the average shot lasts 1.7 s" is about a shot
            claims.append(_amount_seconds(match.group(1) or match.group(2)))
    return claims


def _amount_seconds(amount: str) -> float:
    if ":" in amount:
        return clock_times(amount)[0]
    minutes = re.search(_NUM + r"\s*min", amount, re.IGNORECASE)
    seconds = re.search(_NUM + _UNIT, amount, re.IGNORECASE)
    return (float(minutes.group(1)) * 60 if minutes else 0.0) + (
        float(seconds.group(1)) if seconds else 0.0
    )


def count_claims(text: str) -> list[tuple[int, str]]:
    """Claimed totals as ``(value, "shots" | "cuts")``: "3 shots", "two cuts", "no cuts"."""
    claims = []
    for match in _COUNT.finditer(text):
        number, middle, noun, change = match.groups()
        before = text[: match.start()].split()
        # "in one shot", "each of 3 scenes": about some shots, not the whole video.
        if (middle or "").lower() in NOT_A_TOTAL or (
            before and before[-1].lower() in PARTIAL_CONTEXT
        ):
            continue
        what = "cuts" if noun.lower() == "cut" or change else "shots"
        if number.lower() == "no" and what == "shots":
            continue  # "no shot is longer than..." is not a count
        value = int(number) if number.isdigit() else NUMBER_WORDS[number.lower()]
        claims.append((value, what))
    return claims


def colours_named(sentence: str) -> list[tuple[str, str]]:
    """``(as written, colour family)`` for the colours a sentence asserts, by the rule in
    :mod:`.colours` (skipping "no red", "not blue")."""
    return [
        (written, family)
        for start, written, family in colour_mentions(sentence)
        if not _NEGATED.search(sentence[:start])
    ]


def loudness_claims(text: str) -> list[float]:
    return [float(v.replace(" ", "")) for v in _DBFS.findall(text)]


# Words that show an *answer* deals with a topic (answers say "lasts", not "how long").
ANSWER_EXTRA_WORDS: dict[str, tuple[str, ...]] = {
    "cuts": ("switch", "boundar"),
    "colour": (),
    "motion": ("still", "static", "mov"),
    "audio": ("db", "quiet"),
    "duration": ("last", "long", "second", "minute"),
    "format": ("frames per second", "pixel"),
    "brightness": ("light", "dim"),
}
_TOPIC_ANSWER_PATTERNS = {
    name: keyword_pattern(INTENT_KEYWORDS[name] + ANSWER_EXTRA_WORDS[name]) for name in TOPICS
}


def addresses(text: str, topic: str) -> bool:
    """Whether ``text`` deals with ``topic`` at all (right or wrong)."""
    if topic == "colour" and colour_mentions(text):
        return True
    if topic == "format" and RESOLUTION.search(text):
        return True
    return bool(_TOPIC_ANSWER_PATTERNS[topic].search(text))
