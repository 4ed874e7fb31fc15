"""Offline models and an offline judge, all answering from facts measured with PyAV.

Nothing here is canned: every number, colour and timestamp in an answer or a verdict
comes from :func:`vidcompare.media.analysis.analyze_cached` run on the actual video.

* ``local-scenes`` describes structure: duration, format and shots (cut detection).
* ``local-motion-colour`` describes appearance over time: colour segments (frame
  precision) and a per-second timeline of brightness, motion and loudness.
* ``local-rubric`` extracts the checkable claims from each anonymous answer (times,
  counts, colours, resolution, frame rate, loudness) and scores them against the facts.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from vidcompare.errors import PermanentModelError
from vidcompare.media.analysis import (
    SILENCE_FLOOR_DBFS,
    SecondFacts,
    VideoFacts,
    analyze_cached,
)
from vidcompare.providers.base import (
    AnonymousAnswer,
    Generation,
    Judge,
    LabelVerdict,
    Model,
    Usage,
    Verdict,
    VideoSource,
)

PROVIDER = "local"

# ----------------------------------------------------------------------------- intents

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
TIMED_TOPICS = frozenset({"cuts", "colour", "motion", "audio", "brightness", "summary"})


def _keyword_pattern(words: Iterable[str]) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + ")", re.IGNORECASE)


_INTENT_PATTERNS = {name: _keyword_pattern(words) for name, words in INTENT_KEYWORDS.items()}
_TOPIC_ANSWER_PATTERNS = {
    name: _keyword_pattern(INTENT_KEYWORDS[name] + ANSWER_EXTRA_WORDS[name]) for name in TOPICS
}
_SUMMARY_ALWAYS = _keyword_pattern(SUMMARY_ALWAYS)


def detect_intents(prompt: str) -> frozenset[str]:
    """The topics ``prompt`` asks about, plus ``"summary"`` for a general description."""
    topics = {name for name, pattern in _INTENT_PATTERNS.items() if pattern.search(prompt)}
    if not topics or _SUMMARY_ALWAYS.search(prompt):
        topics.add("summary")
    return frozenset(topics)


# --------------------------------------------------------------------------- formatting


def fmt_ts(seconds: float) -> str:
    """``mm:ss.s``, e.g. ``00:02.5``; rounding happens first so 59.96 s is ``01:00.0``."""
    tenths = round(max(seconds, 0.0) * 10)
    minutes, rest = divmod(tenths, 600)
    return f"{minutes:02d}:{rest / 10:04.1f}"


def fmt_range(start: float, end: float) -> str:
    return f"{fmt_ts(start)} to {fmt_ts(end)}"


def join_words(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _usage(prompt: str, text: str) -> Usage:
    # Word counts stand in for tokens: there is no tokenizer and no cost offline.
    inp, out = len(prompt.split()), len(text.split())
    return Usage(input_tokens=inp, output_tokens=out, total_tokens=inp + out)


async def _facts_for(video: VideoSource) -> VideoFacts:
    """Measured facts for ``video``, decoded at most once per process (cached by sha256)."""

    def load() -> VideoFacts:
        return analyze_cached(video.local_path(), video.sha256)

    try:
        # local_path() may download and analysis decodes: both block, so use a thread.
        return await asyncio.to_thread(load)
    except ValueError as exc:
        raise PermanentModelError(f"video {video.video_id} could not be analysed: {exc}") from exc


# -------------------------------------------------------------------------- segments

MAX_LISTED = 12
# Thresholds on the mean absolute frame difference (0-1) used to name motion levels.
MOTION_LEVELS = ((0.001, "still"), (0.01, "slight motion"), (0.04, "moderate motion"))
STRONG_MOTION = "strong motion"
SILENT_DBFS = -60.0


@dataclass
class Segment:
    """Consecutive seconds that share a label (a colour, a motion level...)."""

    start_s: float
    end_s: float
    label: str
    seconds: list[SecondFacts] = field(default_factory=list)


def segments(timeline: Sequence[SecondFacts], label: Callable[[SecondFacts], str]) -> list[Segment]:
    merged: list[Segment] = []
    for second in timeline:
        name = label(second)
        if merged and merged[-1].label == name:
            merged[-1].end_s = second.end_s
            merged[-1].seconds.append(second)
        else:
            merged.append(Segment(second.start_s, second.end_s, name, [second]))
    return merged


def motion_level(motion: float) -> str:
    for limit, name in MOTION_LEVELS:
        if motion < limit:
            return name
    return STRONG_MOTION


def _rgb(rgb: tuple[int, int, int]) -> str:
    return f"rgb {rgb[0]}, {rgb[1]}, {rgb[2]}"


def _listed(sentences: list[str], total: int, what: str) -> list[str]:
    """Cap long enumerations so a long video doesn't produce a wall of text."""
    if total > MAX_LISTED:
        sentences = sentences[:MAX_LISTED]
        sentences.append(f"There are {total - MAX_LISTED} more {what} after these.")
    return sentences


# ------------------------------------------------------------------- shared sentences


def duration_sentences(facts: VideoFacts) -> list[str]:
    return [f"The video lasts {fmt_ts(facts.duration_s)} ({facts.duration_s:.1f} seconds)."]


def format_sentences(facts: VideoFacts) -> list[str]:
    audio = f"an {facts.audio_codec} audio track" if facts.has_audio else "no audio track"
    return [
        f"It is {facts.width}x{facts.height} at {facts.fps:g} fps ({facts.frame_count} frames), "
        f"{facts.video_codec} video with {audio}."
    ]


# ------------------------------------------------------------------------ the models


class _LocalModel(Model):
    """A model that answers from the facts it measured; subclasses write :meth:`answer`."""

    provider = PROVIDER

    async def generate(self, video: VideoSource, prompt: str) -> Generation:
        facts = await _facts_for(video)
        text = self.answer(facts, detect_intents(prompt))
        return Generation(text=text, usage=_usage(prompt, text))

    def answer(self, facts: VideoFacts, intents: frozenset[str]) -> str:
        raise NotImplementedError


class LocalScenesModel(_LocalModel):
    """Structure only: duration, format, and shots found by cut detection."""

    model_id = "local-scenes"
    display_name = "Local Scenes"
    provider = PROVIDER

    def answer(self, facts: VideoFacts, intents: frozenset[str]) -> str:
        summary = "summary" in intents
        paragraphs: list[list[str]] = []
        if summary or "duration" in intents:
            paragraphs.append(duration_sentences(facts))
        if summary or "format" in intents:
            paragraphs.append(format_sentences(facts))
        unsupported = [t for t in TOPICS if t in intents and t not in STRUCTURE_TOPICS]
        if summary or "cuts" in intents or unsupported:
            paragraphs.append(self._shot_sentences(facts))
        if unsupported:
            paragraphs.append(
                [
                    f"I measure structure only (timing, shots and format), so I cannot "
                    f"describe {join_words(unsupported)}; the shot boundaries above are "
                    f"where the content changes."
                ]
            )
        return "\n\n".join(" ".join(p) for p in paragraphs)

    @staticmethod
    def _shot_sentences(facts: VideoFacts) -> list[str]:
        shots, cuts = facts.shots, facts.cut_times_s
        if not cuts:
            return [
                f"The video is one continuous shot with no cuts, from "
                f"{fmt_range(0.0, facts.duration_s)}."
            ]
        cut_list = join_words([fmt_ts(t) for t in cuts[:MAX_LISTED]])
        more = f" (first {MAX_LISTED} listed)" if len(cuts) > MAX_LISTED else ""
        sentences = [
            f"I detected {plural(len(shots), 'shot')} separated by {plural(len(cuts), 'cut')}, "
            f"at {cut_list}{more}."
        ]
        per_shot = [
            f"Shot {s.index} runs from {fmt_range(s.start_s, s.end_s)} ({s.duration_s:.1f} s)."
            for s in shots
        ]
        sentences += _listed(per_shot, len(per_shot), "shots")
        longest = max(shots, key=lambda s: s.duration_s)
        sentences.append(
            f"The average shot lasts {facts.duration_s / len(shots):.1f} s; the longest is "
            f"shot {longest.index} ({longest.duration_s:.1f} s)."
        )
        return sentences


class LocalMotionColourModel(_LocalModel):
    """Appearance over time, per second: dominant colour, brightness, motion, loudness."""

    model_id = "local-motion-colour"
    display_name = "Local Motion & Colour"
    provider = PROVIDER

    def answer(self, facts: VideoFacts, intents: frozenset[str]) -> str:
        summary = "summary" in intents
        sections: list[tuple[str, Callable[[VideoFacts], list[str]]]] = [
            ("duration", lambda f: duration_sentences(f)),
            ("format", lambda f: [f"The picture is {f.width}x{f.height} at {f.fps:g} fps."]),
            ("cuts", self._change_sentences),
            ("colour", self._colour_sentences),
            ("brightness", self._brightness_sentences),
            ("motion", self._motion_sentences),
            ("audio", self._audio_sentences),
        ]
        wanted = intents | ({"duration", "colour", "motion", "audio"} if summary else set())
        paragraphs = [" ".join(build(facts)) for topic, build in sections if topic in wanted]
        return "\n\n".join(p for p in paragraphs if p)

    @staticmethod
    def _colour_sentences(facts: VideoFacts) -> list[str]:
        runs = facts.colour_segments
        sentences = [
            f"From {fmt_range(r.start_s, r.end_s)} the picture is mostly {r.colour} "
            f"(around {_rgb(r.rgb)})."
            for r in runs
        ]
        sentences = _listed(sentences, len(sentences), "colour changes")
        dominant = {r.colour for r in runs}
        # Smaller areas of colours that never dominate (an object on a background).
        extras: dict[str, list[SecondFacts]] = {}
        for second in facts.timeline:
            for share in second.colours[1:]:
                if share.name not in dominant:
                    extras.setdefault(share.name, []).append(second)
        for name, seconds in sorted(extras.items(), key=lambda kv: kv[1][0].start_s):
            sentences.append(
                f"Smaller {name} areas also appear between {fmt_ts(seconds[0].start_s)} "
                f"and {fmt_ts(seconds[-1].end_s)}."
            )
        return sentences

    @staticmethod
    def _change_sentences(facts: VideoFacts) -> list[str]:
        runs = facts.colour_segments
        changes = [fmt_ts(r.start_s) for r in runs[1:]]
        if not changes:
            return [
                "I don't detect cuts directly, but the dominant colour stays "
                f"{runs[0].colour} throughout, which suggests a single scene."
            ]
        return [
            f"I don't detect cuts directly; the dominant colour changes around "
            f"{join_words(changes[:MAX_LISTED])}, which suggests {plural(len(runs), 'scene')}."
        ]

    @staticmethod
    def _brightness_sentences(facts: VideoFacts) -> list[str]:
        timeline = facts.timeline
        brightest = max(timeline, key=lambda s: s.brightness)
        darkest = min(timeline, key=lambda s: s.brightness)
        sentence = f"Average brightness is {facts.mean_brightness:.2f} on a 0-1 scale."
        if brightest.brightness - darkest.brightness < 0.05:
            return [sentence + " It stays about the same throughout."]
        return [
            sentence,
            f"It is brightest from {fmt_range(brightest.start_s, brightest.end_s)} "
            f"({brightest.brightness:.2f}) and darkest from "
            f"{fmt_range(darkest.start_s, darkest.end_s)} ({darkest.brightness:.2f}).",
        ]

    @staticmethod
    def _motion_sentences(facts: VideoFacts) -> list[str]:
        runs = segments(facts.timeline, lambda s: motion_level(s.motion))
        if len(runs) == 1 and runs[0].label == "still":
            return ["The picture is still throughout: consecutive frames barely differ."]
        peak = max(facts.timeline, key=lambda s: s.motion)
        sentences = [
            f"From {fmt_range(r.start_s, r.end_s)} there is {r.label}."
            if r.label != "still"
            else f"From {fmt_range(r.start_s, r.end_s)} the picture is still."
            for r in runs
        ]
        sentences = _listed(sentences, len(sentences), "motion changes")
        sentences.append(
            f"The most movement is from {fmt_range(peak.start_s, peak.end_s)} "
            f"(mean frame difference {peak.motion:.4f})."
        )
        return sentences

    @staticmethod
    def _audio_sentences(facts: VideoFacts) -> list[str]:
        audio = facts.audio
        if audio is None or not audio.seconds:
            return ["The video has no audio track, so there is nothing to hear."]
        if audio.mean_loudness_dbfs <= SILENT_DBFS:
            return ["The audio track is silent throughout."]
        loudest = max(audio.seconds, key=lambda s: s.loudness_dbfs)
        sentences = [
            f"The audio averages {audio.mean_loudness_dbfs:.1f} dBFS (RMS).",
            f"It is loudest from {fmt_range(loudest.start_s, loudest.end_s)} "
            f"at {loudest.loudness_dbfs:.1f} dBFS.",
        ]
        silent = [s for s in audio.seconds if s.loudness_dbfs <= SILENT_DBFS]
        if silent:
            runs = _time_runs([(s.start_s, s.end_s) for s in silent])
            spans = join_words([fmt_range(a, b) for a, b in runs[:MAX_LISTED]])
            sentences.append(f"It is silent from {spans}.")
        else:
            quietest = min(audio.seconds, key=lambda s: s.loudness_dbfs)
            sentences.append(
                f"It is quietest from {fmt_range(quietest.start_s, quietest.end_s)} "
                f"at {quietest.loudness_dbfs:.1f} dBFS."
            )
        return sentences


def _time_runs(spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    runs: list[tuple[float, float]] = []
    for start, end in spans:
        if runs and abs(runs[-1][1] - start) < 1e-6:
            runs[-1] = (runs[-1][0], end)
        else:
            runs.append((start, end))
    return runs


# ------------------------------------------------------------------ claim extraction

NUMBER_WORDS = {
    "no": 0, "zero": 0, "one": 1, "a single": 1, "single": 1, "two": 2, "three": 3,
    "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12,
}  # fmt: skip
COLOUR_WORDS = {
    "red": "red", "crimson": "red", "scarlet": "red", "orange": "orange",
    "yellow": "yellow", "gold": "yellow", "golden": "yellow", "green": "green",
    "lime": "green", "blue": "blue", "navy": "blue", "purple": "purple",
    "violet": "purple", "lilac": "purple", "lavender": "purple", "cyan": "cyan",
    "turquoise": "cyan", "teal": "cyan", "aqua": "cyan", "magenta": "magenta",
    "fuchsia": "magenta", "pink": "pink", "brown": "brown", "white": "white",
    "grey": "grey", "gray": "grey", "silver": "grey", "black": "black",
}  # fmt: skip
# "3 more shots", "the first 2 scenes": a number, but not a count of the whole video.
NOT_A_TOTAL = frozenset({"more", "other", "first", "last", "next", "previous", "remaining"})
PARTIAL_CONTEXT = frozenset({"in", "of", "each", "every", "per", "that", "this"})
STILL_BELOW = MOTION_LEVELS[0][0]

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
_RESOLUTION = re.compile(r"\b(\d{2,5})\s*[x×]\s*(\d{2,5})\b")
_NAMED_HEIGHT = re.compile(r"\b(\d{3,4})p\b")
_FPS = re.compile(_NUM + r"\s*(?:fps|frames per second|frames/s|frames a second)", re.IGNORECASE)
_DBFS = re.compile(r"(-\s?\d+(?:\.\d+)?)\s*db", re.IGNORECASE)
_COLOUR = re.compile(r"\b(" + "|".join(COLOUR_WORDS) + r")\b", re.IGNORECASE)
_NEGATED = re.compile(r"\b(?:no|not|without|never|nor)\s+(?:\w+\s+)?$", re.IGNORECASE)

_CUT_WORDS = _keyword_pattern(("cut", "shot", "scene", "transition", "switch", "boundar", "edit"))
_MOTION_WORDS = _keyword_pattern(("motion", "mov", "action", "activity", "pan", "fast"))
_STATIC_CLAIM = _keyword_pattern(
    ("static", "motionless", "no motion", "no movement", "nothing moves", "still throughout")
)
_NO_AUDIO_CLAIM = _keyword_pattern(
    ("no audio", "no sound", "silent throughout", "no soundtrack", "without sound")
)
_REFUSAL = _keyword_pattern(
    ("cannot", "can't", "can not", "unable to", "don't detect", "do not detect", "only measure")
)


def sentences_of(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+|\n+", text) if s.strip()]


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


def colours_named(sentence: str) -> list[str]:
    """Palette names for the colours a sentence asserts (skipping "no red", "not blue")."""
    return [
        COLOUR_WORDS[m.group(1).lower()]
        for m in _COLOUR.finditer(sentence)
        if not _NEGATED.search(sentence[: m.start()])
    ]


def loudness_claims(text: str) -> list[float]:
    return [float(v.replace(" ", "")) for v in _DBFS.findall(text)]


# ------------------------------------------------------------------------ the judge

# Weights of the rubric's parts; accuracy then scales the whole (see _score).
W_COVERAGE, W_RELEVANCE, W_SPECIFICITY, W_LENGTH = 0.45, 0.30, 0.15, 0.10


@dataclass
class Check:
    """One claim compared with a measurement."""

    ok: bool
    message: str


@dataclass
class Expected:
    """One fact the prompt asks for, and how well the answer states it (0-1)."""

    name: str
    found: float
    missing: str


@dataclass
class Assessment:
    label: str
    checks: list[Check] = field(default_factory=list)
    expected: list[Expected] = field(default_factory=list)
    relevance: float = 1.0
    specificity: float = 0.0
    length: float = 1.0
    timestamps: int = 0
    notes: list[str] = field(default_factory=list)  # extra weaknesses
    score: int = 1

    @property
    def correct(self) -> int:
        return sum(c.ok for c in self.checks)

    @property
    def wrong(self) -> int:
        return sum(not c.ok for c in self.checks)


class _AnswerChecker:
    """Checks one answer against the facts, topic by topic."""

    def __init__(self, facts: VideoFacts, intents: frozenset[str], answer: AnonymousAnswer):
        self.facts = facts
        self.intents = intents
        self.text = answer.text
        self.sentences = sentences_of(answer.text)
        self.result = Assessment(label=answer.label)
        # Answers round to 0.1 s; two frames of slack also absorbs "cut after frame N" styles.
        self.tolerance = max(0.2, 2 / facts.fps)

    def wants(self, topic: str) -> bool:
        return topic in self.intents or "summary" in self.intents

    def run(self) -> Assessment:
        self.check_cuts()
        self.check_duration()
        self.check_format()
        self.check_colours()
        self.check_motion()
        self.check_audio()
        self.rate_relevance()
        self.rate_specificity_and_length()
        return self.result

    def add(self, ok: bool, message: str) -> None:
        self.result.checks.append(Check(ok, message))

    def expect(self, name: str, found: float, what: str) -> None:
        self.result.expected.append(Expected(name, found, f"Does not state {what}."))

    # -- structure

    def check_cuts(self) -> None:
        facts = self.facts
        cuts = facts.cut_times_s
        count_ok = False
        for value, noun in count_claims(self.text):
            actual = len(cuts) if noun == "cuts" else len(facts.shots)
            count_ok |= value == actual
            if value == actual:
                self.add(True, f"Says {value} {noun}, matching the measurement.")
            else:
                self.add(False, f"Says {value} {noun}, but {actual} were measured.")
        if not self.wants("cuts"):
            return
        matched: set[int] = set()
        for sentence in self.sentences:
            if _CUT_WORDS.search(sentence):
                for t in timestamps(sentence):
                    self._check_boundary(t, matched)
        self.expect("shot count", float(count_ok), f"how many shots there are ({len(facts.shots)})")
        if cuts:
            found = min(1.0, len(matched) / min(len(cuts), MAX_LISTED))
            listed = join_words([fmt_ts(t) for t in cuts[:4]])
            self.expect("cut times", found, f"the cut times ({listed})")

    def _check_boundary(self, t: float, matched: set[int]) -> None:
        cuts = self.facts.cut_times_s
        nearest = min(range(len(cuts)), key=lambda i: abs(cuts[i] - t)) if cuts else None
        if nearest is not None and abs(cuts[nearest] - t) <= self.tolerance:
            if nearest not in matched:
                matched.add(nearest)
                measured = fmt_ts(cuts[nearest])
                self.add(True, f"Cut at {fmt_ts(t)} matches the measured cut at {measured}.")
            return
        if t <= self.tolerance or abs(t - self.facts.duration_s) <= self.tolerance:
            return  # the start or end of the video, not a claim about a cut
        where = f"the nearest measured cut is at {fmt_ts(cuts[nearest])}" if cuts else "none was"
        self.add(False, f"Places a cut or shot boundary at {fmt_ts(t)}, but {where}.")

    def check_duration(self) -> None:
        duration = self.facts.duration_s
        tolerance = max(0.25, 0.02 * duration)
        claims = duration_claims(self.text)
        ok = any(abs(d - duration) <= tolerance for d in claims)
        if claims:
            best = min(claims, key=lambda d: abs(d - duration))
            measured = fmt_ts(duration)
            if ok:
                self.add(True, f"Duration {fmt_ts(best)} matches the measured {measured}.")
            else:
                self.add(False, f"States a duration of {fmt_ts(best)}; the video lasts {measured}.")
        if self.wants("duration"):
            self.expect("duration", float(ok), f"the duration ({fmt_ts(duration)})")

    def check_format(self) -> None:
        facts = self.facts
        resolution_ok = fps_ok = False
        for width, height in _RESOLUTION.findall(self.text):
            ok = (int(width), int(height)) == (facts.width, facts.height)
            resolution_ok |= ok
            verdict = "matches" if ok else f"is wrong (measured {facts.width}x{facts.height})"
            self.add(ok, f"Resolution {width}x{height} {verdict}.")
        for height in _NAMED_HEIGHT.findall(self.text):
            ok = int(height) == facts.height
            resolution_ok |= ok
            self.add(ok, f"{height}p " + ("matches." if ok else f"is wrong ({facts.height}p)."))
        for value in _FPS.findall(self.text):
            ok = abs(float(value) - facts.fps) <= 0.5
            fps_ok |= ok
            verdict = "matches" if ok else f"is wrong (measured {facts.fps:g} fps)"
            self.add(ok, f"Frame rate {float(value):g} fps {verdict}.")
        if "format" in self.intents:
            self.expect(
                "resolution", float(resolution_ok), f"the resolution ({facts.width}x{facts.height})"
            )
            self.expect("frame rate", float(fps_ok), f"the frame rate ({facts.fps:g} fps)")

    # -- appearance

    def check_colours(self) -> None:
        seen: set[tuple[str, tuple[float, ...]]] = set()
        named: set[str] = set()
        for sentence in self.sentences:
            times = tuple(timestamps(sentence))
            for colour in colours_named(sentence):
                named.add(colour)
                if (colour, times) not in seen:
                    seen.add((colour, times))
                    self._check_colour(colour, times)
        if self.wants("colour"):
            main = self._main_colours()
            found = len(named & set(main)) / len(main)
            self.expect("main colours", found, f"the main colours ({join_words(main)})")

    def _check_colour(self, colour: str, times: tuple[float, ...]) -> None:
        window = self._seconds_in(times, slack=0.25)
        start, end = self._span(times, slack=0.25)
        present = {c.name for s in window for c in s.colours} | {
            r.colour for r in self.facts.colour_segments if r.end_s > start and r.start_s < end
        }
        where = f" at {_span_text(times)}" if times else ""
        if colour in present:
            self.add(True, f"{colour.capitalize()}{where} matches the measured colours.")
        else:
            measured = join_words(sorted({s.dominant_colour for s in window})) or "none"
            self.add(False, f"Names {colour}{where}, but the measured colours are {measured}.")

    def _seconds_in(self, times: Sequence[float], slack: float) -> list[SecondFacts]:
        """Timeline seconds a claim refers to: its time range, or around a single time."""
        start, end = self._span(times, slack)
        return [s for s in self.facts.timeline if s.end_s > start and s.start_s < end]

    def _span(self, times: Sequence[float], slack: float) -> tuple[float, float]:
        if not times:
            return (0.0, self.facts.duration_s)
        if len(times) == 1:
            return (times[0] - 0.5 - slack, times[0] + 0.5 + slack)
        return (min(times) - slack, max(times) + slack)

    def _main_colours(self) -> list[str]:
        """The colours a good answer should name: each shot's, or the most common ones."""
        source = self.facts.shots if len(self.facts.shots) <= 6 else self.facts.timeline
        names = [s.dominant_colour for s in source]
        ordered = sorted(set(names), key=lambda n: (-names.count(n), names.index(n)))
        return ordered[:4]

    def check_motion(self) -> None:
        timeline = self.facts.timeline
        busiest = max(timeline, key=lambda s: s.motion)
        moving = busiest.motion >= STILL_BELOW
        says_static = bool(_STATIC_CLAIM.search(self.text))
        if says_static and moving:
            span = fmt_range(busiest.start_s, busiest.end_s)
            self.add(False, f"Calls the picture static, but motion was measured from {span}.")
        hits = 0
        for sentence in self.sentences:
            times = timestamps(sentence)
            if times and _MOTION_WORDS.search(sentence) and not _STATIC_CLAIM.search(sentence):
                hits += self._check_motion_claim(times, busiest.motion)
        if self.wants("motion"):
            found = bool(hits) if moving else says_static
            span = fmt_range(busiest.start_s, busiest.end_s)
            what = (
                f"where the motion is (most at {span})" if moving else "that the picture is still"
            )
            self.expect("motion", float(found), what)

    def _check_motion_claim(self, times: list[float], peak: float) -> int:
        window = self._seconds_in(times, slack=0.0)
        strongest = max((s.motion for s in window), default=0.0)
        span = _span_text(times)
        if strongest >= max(STILL_BELOW, 0.5 * peak):
            self.add(True, f"Motion at {span} matches the measured movement there.")
            return 1
        if strongest < STILL_BELOW:
            self.add(False, f"Describes motion at {span}, but the picture is still there.")
        return 0

    def check_audio(self) -> None:
        audio = self.facts.audio
        audible = audio is not None and audio.mean_loudness_dbfs > SILENT_DBFS
        says_none = bool(_NO_AUDIO_CLAIM.search(self.text))
        if says_none:
            self.add(
                not audible,
                "Correctly says there is no sound."
                if not audible
                else "Says there is no sound, but the audio track is audible.",
            )
        level_ok = False
        for level in loudness_claims(self.text):
            if audio is None:
                self.add(False, f"Gives a level of {level:g} dB, but there is no audio track.")
                continue
            known = [audio.mean_loudness_dbfs, *(s.loudness_dbfs for s in audio.seconds)]
            ok = any(abs(level - k) <= 3.0 for k in known if k > SILENCE_FLOOR_DBFS)
            level_ok |= ok
            mean = f"{audio.mean_loudness_dbfs:.1f}"
            verdict = (
                "matches a measured level" if ok else f"matches no measured level (mean {mean})"
            )
            self.add(ok, f"Level {level:g} dBFS {verdict}.")
        if not self.wants("audio"):
            return
        if audio is None or not audible:
            self.expect("audio presence", float(says_none), "that there is no audible sound")
        elif "audio" in self.intents:
            self.expect(
                "loudness", float(level_ok), f"the level ({audio.mean_loudness_dbfs:.1f} dBFS)"
            )
        else:  # a summary should at least mention the sound
            self.expect("sound", float(self._addresses("audio")), "anything about the sound")

    # -- style

    def rate_relevance(self) -> None:
        topics = [t for t in TOPICS if t in self.intents]
        if topics:
            addressed = [t for t in topics if self._addresses(t)]
            self.result.relevance = len(addressed) / len(topics)
            self.result.notes += [
                f"Does not address the {t} the prompt asks about."
                for t in topics
                if t not in addressed
            ]
        else:  # a general summary should touch several topics
            self.result.relevance = min(1.0, sum(map(self._addresses, TOPICS)) / 3)
        refusal = _REFUSAL.search(self.text)
        if refusal:
            self.result.relevance *= 0.6
            self.result.notes.append(f'Declines part of the question ("{refusal.group(0)} ...").')

    def _addresses(self, topic: str) -> bool:
        if topic == "colour" and _COLOUR.search(self.text):
            return True
        if topic == "format" and _RESOLUTION.search(self.text):
            return True
        return bool(_TOPIC_ANSWER_PATTERNS[topic].search(self.text))

    def rate_specificity_and_length(self) -> None:
        stamps = {round(t, 1) for s in self.sentences for t in timestamps(s)}
        self.result.timestamps = len(stamps)
        if self.intents & TIMED_TOPICS:
            self.result.specificity = min(1.0, len(stamps) / 3)
        else:  # duration/format questions want numbers, not timestamps
            self.result.specificity = 1.0 if re.search(r"\d", self.text) else 0.0
        words = len(self.text.split())
        # "It lasts 00:05.0." fully answers "how long is it?"; other questions need more.
        min_words = 4 if self.intents <= {"duration", "format"} else 12
        if words < min_words:
            self.result.length = 0.2
            self.result.notes.append(f"Too short to be useful ({words} words).")
        elif words < 2 * min_words:
            self.result.length = 0.8
        elif words > 800:
            self.result.length = 0.3
            self.result.notes.append(f"Very long ({words} words) for the question.")
        elif words > 400:
            self.result.length = 0.6


def _span_text(times: Sequence[float]) -> str:
    if len(times) > 1:
        return fmt_range(min(times), max(times))
    return fmt_ts(times[0])


def _score(a: Assessment) -> int:
    """1-10. Accuracy scales everything: a detailed but wrong answer must not score well."""
    coverage = sum(e.found for e in a.expected) / len(a.expected) if a.expected else 0.5
    accuracy = a.correct / len(a.checks) if a.checks else 0.5
    quality = (
        W_COVERAGE * coverage
        + W_RELEVANCE * a.relevance
        + W_SPECIFICITY * a.specificity
        + W_LENGTH * a.length
    )
    total = quality * (0.25 + 0.75 * accuracy)
    return max(1, min(10, round(1 + 9 * total)))


def _verdict_for(a: Assessment, topics: str) -> LabelVerdict:
    strengths = [c.message for c in a.checks if c.ok][:6]
    if a.timestamps >= 2 and a.correct >= a.wrong:
        strengths.append(f"Gives {a.timestamps} specific timestamps.")
    weaknesses = [c.message for c in a.checks if not c.ok][:6]
    weaknesses += [e.missing for e in a.expected if e.found < 0.5]
    weaknesses += a.notes
    if not a.checks:
        weaknesses.append("Makes no concrete claim that could be checked against the video.")
    reasoning = (
        f"The prompt asks about {topics}. Checkable claims in the answer: "
        f"{a.correct} right, {a.wrong} wrong."
    )
    if a.expected:
        covered = sum(e.found for e in a.expected)
        facts = "fact" if len(a.expected) == 1 else "facts"
        reasoning += f" It states {covered:.3g} of the {len(a.expected)} {facts} asked for."
    return LabelVerdict(
        label=a.label,
        score=a.score,
        reasoning=reasoning,
        strengths=strengths,
        weaknesses=weaknesses,
    )


def _overall(assessments: list[Assessment]) -> str:
    if not assessments:
        return "There were no answers to judge."
    ranked = sorted(assessments, key=lambda a: (-a.score, a.label))
    best = ranked[0]
    ties = [a.label for a in ranked if a.score == best.score]
    if len(ties) == len(ranked) and len(ranked) > 1:
        head = f"{join_words(ties)} tie at {best.score}/10."
    elif len(ties) > 1:
        head = f"{join_words(ties)} share the top score ({best.score}/10)."
    else:
        head = f"{best.label} is best with {best.score}/10: {_brief(best)}."
    rest = [f"{a.label} scores {a.score}/10 ({_brief(a)})" for a in ranked if a.label not in ties]
    return head + (" " + "; ".join(rest) + "." if rest else "")


def _brief(a: Assessment) -> str:
    if not a.checks:
        return "no checkable claims"
    if a.wrong == 0:
        return f"all {plural(a.correct, 'checked claim')} are right"
    return f"{plural(a.correct, 'claim')} right and {a.wrong} wrong"


class LocalRubricJudge(Judge):
    """Scores anonymous answers against facts it measures itself; deterministic."""

    judge_id = "local-rubric"
    display_name = "Local Rubric Judge"
    provider = PROVIDER

    async def judge(
        self, video: VideoSource, prompt: str, answers: list[AnonymousAnswer]
    ) -> Verdict:
        facts = await _facts_for(video)
        return self.evaluate(facts, prompt, answers)

    def evaluate(self, facts: VideoFacts, prompt: str, answers: list[AnonymousAnswer]) -> Verdict:
        intents = detect_intents(prompt)
        topics = join_words([TOPIC_NAMES[t] for t in sorted(intents)])
        assessments = [_AnswerChecker(facts, intents, answer).run() for answer in answers]
        for a in assessments:
            a.score = _score(a)
        return Verdict(
            evaluations=[_verdict_for(a, topics) for a in assessments],
            overall_summary=_overall(assessments),
        )


# -------------------------------------------------------------------------- register


class _Registry(Protocol):
    def add_model(self, model: Model) -> None: ...

    def add_judge(self, judge: Judge) -> None: ...


def register(registry: _Registry) -> None:
    """Add the offline models and judge to ``registry``."""
    registry.add_model(LocalScenesModel())
    registry.add_model(LocalMotionColourModel())
    registry.add_judge(LocalRubricJudge())
