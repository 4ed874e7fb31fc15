"""One answer checked against the measured facts, topic by topic: each checkable claim
right or wrong, each fact the prompt asks for stated or not, and how relevant,
specific and well-sized the answer is. The judge turns this into a score."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from vidcompare.media.analysis import SILENCE_FLOOR_DBFS, SecondFacts, VideoFacts
from vidcompare.providers.base import AnonymousAnswer
from vidcompare.providers.local.claims import (
    CUT_WORDS,
    FPS,
    MOTION_WORDS,
    NAMED_HEIGHT,
    NO_AUDIO_CLAIM,
    REFUSAL,
    RESOLUTION,
    STATIC_CLAIM,
    addresses,
    colours_named,
    count_claims,
    duration_claims,
    loudness_claims,
    sentences_of,
    timestamps,
)
from vidcompare.providers.local.facts import SILENT_DBFS, STILL_BELOW
from vidcompare.providers.local.intents import TIMED_TOPICS, TOPICS
from vidcompare.providers.local.wording import MAX_LISTED, fmt_range, fmt_ts, join_words


def assess(facts: VideoFacts, intents: frozenset[str], answer: AnonymousAnswer) -> Assessment:
    """Every check of ``answer`` to a prompt about ``intents``; its score is left to the judge."""
    return _AnswerChecker(facts, intents, answer).run()


@dataclass
class Check:
    """One claim compared with a measurement."""

    ok: bool
    message: str


@dataclass
class Expected:
    """One fact the prompt asks for, and how well the answer states it (0-1)."""

    found: float
    missing: str


@dataclass
class Assessment:
    """What the checks found in one answer; the judge sets its score."""

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

    def expect(self, found: float, what: str) -> None:
        self.result.expected.append(Expected(found, f"Does not state {what}."))

    # -- structure

    def check_cuts(self) -> None:
        facts = self.facts
        cuts = facts.cut_times_s
        count_ok = False
        for value, noun in count_claims(self.text):
            actual = len(cuts) if noun == "cuts" else len(facts.shots)
            count_ok |= value == actual
            said = f"{value} {noun.removesuffix('s') if value == 1 else noun}"
            if value == actual:
                self.add(True, f"Says {said}, matching the measurement.")
            else:
                self.add(
                    False, f"Says {said}, but {actual} {'was' if actual == 1 else 'were'} measured."
                )
        if not self.wants("cuts"):
            return
        matched: set[int] = set()
        for sentence in self.sentences:
            if CUT_WORDS.search(sentence):
                for t in timestamps(sentence):
                    self._check_boundary(t, matched)
        self.expect(float(count_ok), f"how many shots there are ({len(facts.shots)})")
        if cuts:
            found = min(1.0, len(matched) / min(len(cuts), MAX_LISTED))
            listed = join_words([fmt_ts(t) for t in cuts[:4]])
            self.expect(found, f"the cut times ({listed})")

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
            self.expect(float(ok), f"the duration ({fmt_ts(duration)})")

    def check_format(self) -> None:
        facts = self.facts
        resolution_ok = fps_ok = False
        for width, height in RESOLUTION.findall(self.text):
            ok = (int(width), int(height)) == (facts.width, facts.height)
            resolution_ok |= ok
            verdict = "matches" if ok else f"is wrong (measured {facts.width}x{facts.height})"
            self.add(ok, f"Resolution {width}x{height} {verdict}.")
        for height in NAMED_HEIGHT.findall(self.text):
            ok = int(height) == facts.height
            resolution_ok |= ok
            self.add(ok, f"{height}p " + ("matches." if ok else f"is wrong ({facts.height}p)."))
        for value in FPS.findall(self.text):
            ok = abs(float(value) - facts.fps) <= 0.5
            fps_ok |= ok
            verdict = "matches" if ok else f"is wrong (measured {facts.fps:g} fps)"
            self.add(ok, f"Frame rate {float(value):g} fps {verdict}.")
        if "format" in self.intents:
            self.expect(float(resolution_ok), f"the resolution ({facts.width}x{facts.height})")
            self.expect(float(fps_ok), f"the frame rate ({facts.fps:g} fps)")

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
            self.expect(found, f"the main colours ({join_words(main)})")

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
        says_static = bool(STATIC_CLAIM.search(self.text))
        if says_static and moving:
            span = fmt_range(busiest.start_s, busiest.end_s)
            self.add(False, f"Calls the picture static, but motion was measured from {span}.")
        hits = 0
        for sentence in self.sentences:
            times = timestamps(sentence)
            if times and MOTION_WORDS.search(sentence) and not STATIC_CLAIM.search(sentence):
                hits += self._check_motion_claim(times, busiest.motion)
        if self.wants("motion"):
            found = bool(hits) if moving else says_static
            span = fmt_range(busiest.start_s, busiest.end_s)
            what = (
                f"where the motion is (most at {span})" if moving else "that the picture is still"
            )
            self.expect(float(found), what)

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
        says_none = bool(NO_AUDIO_CLAIM.search(self.text))
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
            self.expect(float(says_none), "that there is no audible sound")
        elif "audio" in self.intents:
            self.expect(float(level_ok), f"the level ({audio.mean_loudness_dbfs:.1f} dBFS)")
        else:  # a summary should at least mention the sound
            self.expect(float(self._addresses("audio")), "anything about the sound")

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
        refusal = REFUSAL.search(self.text)
        if refusal:
            self.result.relevance *= 0.6
            self.result.notes.append(f'Declines part of the question ("{refusal.group(0)} ...").')

    def _addresses(self, topic: str) -> bool:
        return addresses(self.text, topic)

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
