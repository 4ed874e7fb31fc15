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


def detect_intents(prompt: str) -> frozenset[str]:
    """The topics ``prompt`` asks about, plus ``"summary"`` for a general description."""
    topics = {name for name, pattern in _INTENT_PATTERNS.items() if pattern.search(prompt)}
    if not topics or _SUMMARY_ALWAYS.search(prompt):
        topics.add("summary")
    return frozenset(topics)
