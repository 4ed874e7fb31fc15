"""What a prompt asks about: topics found by keywords, or a summary."""

from __future__ import annotations

import re
from collections.abc import Iterable

# Keywords are matched at the start of a word, so "shot" also matches "shots".
INTENT_KEYWORDS: dict[str, tuple[str, ...]] = {
    "cuts": ("cut", "scene", "shot", "transition", "edit", "clip", "segment"),
    "colour": ("colour", "color", "hue", "palette", "tint"),
    "motion": ("motion", "moving", "move", "movement", "action", "activity", "dynamic", "speed"),
    "audio": ("sound", "audio", "loud", "volume", "noise", "music", "tone", "silen", "hear"),
    "duration": ("how long", "duration", "length", "runtime", "long is"),
    "format": ("resolution", "fps", "frame rate", "framerate", "dimension", "codec", "format"),
    "brightness": ("bright", "dark", "lighting", "exposure", "luminance"),
}
# Asking for a summary always gets one; so does a prompt naming no topic ("Describe this").
SUMMARY_ALWAYS = ("summar", "overview", "everything")
TOPICS = ("duration", "format", "cuts", "colour", "brightness", "motion", "audio")
STRUCTURE_TOPICS = frozenset({"duration", "format", "cuts"})
TOPIC_NAMES = {
    "cuts": "cuts and shots",
    "colour": "colour",
    "motion": "motion",
    "audio": "audio",
    "duration": "duration",
    "format": "format",
    "brightness": "brightness",
    "summary": "the video overall",
}
# Topics whose answers are best told with timestamps.
TIMED_TOPICS = frozenset({"cuts", "colour", "motion", "audio", "brightness", "summary"})


def keyword_pattern(words: Iterable[str]) -> re.Pattern[str]:
    """Any of ``words`` at the start of a word, ignoring case."""
    return re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + ")", re.IGNORECASE)


_INTENT_PATTERNS = {name: keyword_pattern(words) for name, words in INTENT_KEYWORDS.items()}
_SUMMARY_ALWAYS = keyword_pattern(SUMMARY_ALWAYS)


# "each scene", "per shot", "scene by scene": the topic only groups what is asked about.
_GROUPING_BEFORE = re.compile(
    r"\b(?:each|every|per|by|across|between)[\s-]+(?:of\s+the\s+|the\s+)?(?:\w+\s+)?$",
    re.IGNORECASE,
)


def primary_topics(prompt: str, intents: frozenset[str]) -> frozenset[str]:
    """The topics ``prompt`` is really about: "Which colours dominate each scene?" asks
    about colour, scene by scene, so a colour answer must carry it. A topic named only
    as a grouping is not primary, unless nothing else is named. A summary keeps
    ``"summary"``: any topic answers it."""
    if "summary" in intents:
        return frozenset({"summary"})
    named = {t for t in intents if t in INTENT_KEYWORDS}
    grouping = {t for t in named if _only_grouping(prompt, _INTENT_PATTERNS[t])}
    return frozenset(named - grouping) or frozenset(named)


# "scene by scene", "shot-by-shot": the first of the pair groups as much as the second.
_GROUPING_PAIR = re.compile(r"\w*(?:\s+|-)by(?:\s+|-)\w", re.IGNORECASE)


def _only_grouping(prompt: str, pattern: re.Pattern[str]) -> bool:
    return all(
        _GROUPING_BEFORE.search(prompt[: m.start()]) or _GROUPING_PAIR.match(prompt, m.end())
        for m in pattern.finditer(prompt)
    )


def detect_intents(prompt: str) -> frozenset[str]:
    """The topics ``prompt`` asks about, plus ``"summary"`` for a general description."""
    topics = {name for name, pattern in _INTENT_PATTERNS.items() if pattern.search(prompt)}
    if not topics or _SUMMARY_ALWAYS.search(prompt):
        topics.add("summary")
    return frozenset(topics)
