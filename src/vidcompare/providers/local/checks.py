"""One answer checked against the measured facts, topic by topic: each checkable claim
right or wrong, each fact the prompt asks for stated or not, and how relevant,
specific and well-sized the answer is. The judge turns this into a score."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from vidcompare.media.analysis import (
    SILENCE_FLOOR_DBFS,
    ColourSegment,
    ColourShare,
    SecondFacts,
    Shot,
    VideoFacts,
)
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
    THROUGHOUT,
    addresses,
    colours_named,
    count_claims,
    duration_claims,
    loudness_claims,
    sentences_of,
    timed_clauses,
    timestamps,
)
from vidcompare.providers.local.colours import families_near
from vidcompare.providers.local.colours import family as colour_family
from vidcompare.providers.local.facts import SILENT_DBFS, STILL_BELOW
from vidcompare.providers.local.intents import TIMED_TOPICS, TOPICS
from vidcompare.providers.local.wording import MAX_LISTED, fmt_range, fmt_ts, join_words


def assess(
    facts: VideoFacts,
    intents: frozenset[str],
    answer: AnonymousAnswer,
    primary: frozenset[str] | None = None,
) -> Assessment:
    """Every check of ``answer`` to a prompt about ``intents``; its score is left to the judge.

    ``primary`` are the topics the prompt is really about (see
    :func:`~.intents.primary_topics`); by default all of ``intents``.
    """
    return _AnswerChecker(facts, intents, answer, primary or intents).run()


@dataclass
class Check:
    """One claim compared with a measurement."""

    ok: bool
    message: str
    topic: str


@dataclass
class Expected:
    """One fact the prompt asks for, and how well the answer states it (0-1)."""

    found: float
    missing: str
    topic: str


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
    # The topics the prompt is really about, and those the answer actually answers: with
    # a right claim or an asked-for fact, or (topics nothing checks) outside a refusal.
    asked: list[str] = field(default_factory=list)
    answered: list[str] = field(default_factory=list)
    refusal: str = ""  # the refusing words, when a refusal leaves a topic unanswered
    score: int = 1

    @property
    def correct(self) -> int:
        return sum(c.ok for c in self.checks)

    @property
    def wrong(self) -> int:
        return sum(not c.ok for c in self.checks)


class _AnswerChecker:
    """Checks one answer against the facts, topic by topic."""

    def __init__(
        self,
        facts: VideoFacts,
        intents: frozenset[str],
        answer: AnonymousAnswer,
        primary: frozenset[str],
    ):
        self.facts = facts
        self.intents = intents
        self.primary = primary
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
        self.find_answered_topics()
        self.rate_specificity_and_length()
        return self.result

    def add(self, ok: bool, message: str, topic: str) -> None:
        self.result.checks.append(Check(ok, message, topic))

    def expect(self, found: float, what: str, topic: str) -> None:
        self.result.expected.append(Expected(found, f"Does not state {what}.", topic))

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
                self.add(True, f"Says {said}, matching the measurement.", "cuts")
            else:
                self.add(
                    False,
                    f"Says {said}, but {actual} {'was' if actual == 1 else 'were'} measured.",
                    "cuts",
                )
        if not self.wants("cuts"):
            return
        matched: set[int] = set()
        for sentence in self.sentences:
            if CUT_WORDS.search(sentence):
                for t in timestamps(sentence):
                    self._check_boundary(t, matched)
        self.expect(float(count_ok), f"how many shots there are ({len(facts.shots)})", "cuts")
        if cuts:
            found = min(1.0, len(matched) / min(len(cuts), MAX_LISTED))
            listed = join_words([fmt_ts(t) for t in cuts[:4]])
            self.expect(found, f"the cut times ({listed})", "cuts")

    def _check_boundary(self, t: float, matched: set[int]) -> None:
        cuts = self.facts.cut_times_s
        nearest = min(range(len(cuts)), key=lambda i: abs(cuts[i] - t)) if cuts else None
        if nearest is not None and abs(cuts[nearest] - t) <= self.tolerance:
            if nearest not in matched:
                matched.add(nearest)
                measured = fmt_ts(cuts[nearest])
                self.add(
                    True, f"Cut at {fmt_ts(t)} matches the measured cut at {measured}.", "cuts"
                )
            return
        if t <= self.tolerance or abs(t - self.facts.duration_s) <= self.tolerance:
            return  # the start or end of the video, not a claim about a cut
        where = f"the nearest measured cut is at {fmt_ts(cuts[nearest])}" if cuts else "none was"
        self.add(False, f"Places a cut or shot boundary at {fmt_ts(t)}, but {where}.", "cuts")

    def check_duration(self) -> None:
        duration = self.facts.duration_s
        tolerance = max(0.25, 0.02 * duration)
        claims = duration_claims(self.text)
        ok = any(abs(d - duration) <= tolerance for d in claims)
        if claims:
            best = min(claims, key=lambda d: abs(d - duration))
            measured = fmt_ts(duration)
            if ok:
                self.add(
                    True, f"Duration {fmt_ts(best)} matches the measured {measured}.", "duration"
                )
            else:
                self.add(
                    False,
                    f"States a duration of {fmt_ts(best)}; the video lasts {measured}.",
                    "duration",
                )
        if self.wants("duration"):
            self.expect(float(ok), f"the duration ({fmt_ts(duration)})", "duration")

    def check_format(self) -> None:
        facts = self.facts
        resolution_ok = fps_ok = False
        for width, height in RESOLUTION.findall(self.text):
            ok = (int(width), int(height)) == (facts.width, facts.height)
            resolution_ok |= ok
            verdict = "matches" if ok else f"is wrong (measured {facts.width}x{facts.height})"
            self.add(ok, f"Resolution {width}x{height} {verdict}.", "format")
        for height in NAMED_HEIGHT.findall(self.text):
            ok = int(height) == facts.height
            resolution_ok |= ok
            self.add(
                ok, f"{height}p " + ("matches." if ok else f"is wrong ({facts.height}p)."), "format"
            )
        for value in FPS.findall(self.text):
            ok = abs(float(value) - facts.fps) <= 0.5
            fps_ok |= ok
            verdict = "matches" if ok else f"is wrong (measured {facts.fps:g} fps)"
            self.add(ok, f"Frame rate {float(value):g} fps {verdict}.", "format")
        if "format" in self.intents:
            self.expect(
                float(resolution_ok), f"the resolution ({facts.width}x{facts.height})", "format"
            )
            self.expect(float(fps_ok), f"the frame rate ({facts.fps:g} fps)", "format")

    # -- appearance

    def check_colours(self) -> None:
        seen: set[tuple[str, tuple[float, ...]]] = set()
        confirmed: set[str] = set()  # named where they were measured: a main colour named
        clauses = [c for s in self.sentences for c in timed_clauses(s)]
        for clause, clause_times in clauses:  # for the wrong scene does not count
            times = tuple(clause_times)
            everywhere = not times and bool(THROUGHOUT.search(clause))
            for written, family in colours_named(clause):
                if (family, times) not in seen:
                    seen.add((family, times))
                    if self._check_colour(written, family, times, everywhere):
                        confirmed.add(family)
        if self.wants("colour"):
            main = self._main_colours()
            found = len(confirmed & set(main)) / len(main)
            self.expect(found, f"the main colours ({join_words(main)})", "colour")

    def _check_colour(
        self, written: str, family: str, times: tuple[float, ...], everywhere: bool = False
    ) -> bool:
        """One colour claim; ``everywhere`` ("brown throughout") holds only if every shot
        has the colour."""
        said = written if written == family else f"{written} ({family})"
        if everywhere:
            for shot in self.facts.shots:
                span = (shot.start_s, shot.end_s)
                if not any(family in families_near(m.rgb) for m in self._colours_measured(span)):
                    return self._wrong_colour(said, span)
        measured = self._colours_measured(times)
        where = f" at {_span_text(times)}" if times else ""
        match = next((m for m in measured if family in families_near(m.rgb)), None)
        if match is not None:
            self.add(
                True,
                f"{said[0].upper()}{said[1:]}{where} matches the measured "
                f"{colour_family(match.rgb)} ({_rgb_text(match.rgb)}).",
                "colour",
            )
            return True
        return self._wrong_colour(said, times)

    def _wrong_colour(self, said: str, times: Sequence[float]) -> bool:
        measured = self._colours_measured(times)
        where = f" at {_span_text(times)}" if times else ""
        listed = join_words(
            list(dict.fromkeys(f"{colour_family(m.rgb)} ({_rgb_text(m.rgb)})" for m in measured))
        )
        self.add(
            False,
            f"Names {said}{where}, but the measured colours there are {listed or 'none'}.",
            "colour",
        )
        return False

    def _colours_measured(self, times: Sequence[float]) -> list[ColourShare]:
        """What was measured where a colour claim points, at scene precision.

        A claim's ends are fuzzy, so its range is narrowed by the tolerance rather than
        widened: "00:00.0 to 00:01.5 is brown" must not borrow the brown of the scene
        that starts at 00:01.5. Seconds that straddle a cut mix two scenes, so only the
        shots and the frame-precise colour segments speak for those.
        """
        start, end = self._colour_window(times)
        facts = self.facts
        shares = [c for shot in facts.shots if _overlaps(shot, start, end) for c in shot.colours]
        shares += [
            ColourShare(name=seg.colour, share=1.0, rgb=seg.rgb)
            for seg in facts.colour_segments
            if _overlaps(seg, start, end)
        ]
        cuts = facts.cut_times_s
        shares += [
            c
            for second in facts.timeline
            if _overlaps(second, start, end)
            and not any(second.start_s + 1e-6 < t < second.end_s - 1e-6 for t in cuts)
            for c in second.colours
        ]
        return sorted(shares, key=lambda c: -c.share)

    def _colour_window(self, times: Sequence[float]) -> tuple[float, float]:
        tolerance = self.tolerance
        if not times:
            return (0.0, self.facts.duration_s)
        start, end = min(times), max(times)
        if end - start > 2 * tolerance:
            return (start + tolerance, end - tolerance)
        middle = (start + end) / 2
        return (middle - tolerance, middle + tolerance)

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
        """The colour families a good answer should name: each shot's, or the most common."""
        source = self.facts.shots if len(self.facts.shots) <= 6 else self.facts.timeline
        names = [colour_family(s.dominant_rgb) for s in source]
        ordered = sorted(set(names), key=lambda n: (-names.count(n), names.index(n)))
        return ordered[:4]

    def check_motion(self) -> None:
        timeline = self.facts.timeline
        busiest = max(timeline, key=lambda s: s.motion)
        moving = busiest.motion >= STILL_BELOW
        says_static = bool(STATIC_CLAIM.search(self.text))
        if says_static and moving:
            span = fmt_range(busiest.start_s, busiest.end_s)
            self.add(
                False, f"Calls the picture static, but motion was measured from {span}.", "motion"
            )
        elif says_static:
            self.add(True, "Calls the picture still, matching the measurement.", "motion")
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
            self.expect(float(found), what, "motion")

    def _check_motion_claim(self, times: list[float], peak: float) -> int:
        window = self._seconds_in(times, slack=0.0)
        strongest = max((s.motion for s in window), default=0.0)
        span = _span_text(times)
        if strongest >= max(STILL_BELOW, 0.5 * peak):
            self.add(True, f"Motion at {span} matches the measured movement there.", "motion")
            return 1
        if strongest < STILL_BELOW:
            self.add(
                False, f"Describes motion at {span}, but the picture is still there.", "motion"
            )
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
                "audio",
            )
        level_ok = False
        for level in loudness_claims(self.text):
            if audio is None:
                self.add(
                    False, f"Gives a level of {level:g} dB, but there is no audio track.", "audio"
                )
                continue
            known = [audio.mean_loudness_dbfs, *(s.loudness_dbfs for s in audio.seconds)]
            ok = any(abs(level - k) <= 3.0 for k in known if k > SILENCE_FLOOR_DBFS)
            level_ok |= ok
            mean = f"{audio.mean_loudness_dbfs:.1f}"
            verdict = (
                "matches a measured level" if ok else f"matches no measured level (mean {mean})"
            )
            self.add(ok, f"Level {level:g} dBFS {verdict}.", "audio")
        if not self.wants("audio"):
            return
        if audio is None or not audible:
            self.expect(float(says_none), "that there is no audible sound", "audio")
        elif "audio" in self.intents:
            self.expect(
                float(level_ok), f"the level ({audio.mean_loudness_dbfs:.1f} dBFS)", "audio"
            )
        else:  # a summary should at least mention the sound
            self.expect(float(self._addresses("audio")), "anything about the sound", "audio")

    # -- style

    def rate_relevance(self) -> None:
        # A topic that only groups the question ("each scene") need not be addressed.
        about = self.intents if "summary" in self.primary else self.primary
        topics = [t for t in TOPICS if t in about]
        if topics:
            addressed = [t for t in topics if self._answers(t) or self._addresses(t)]
            self.result.relevance = len(addressed) / len(topics)
            self.result.notes += [
                f"Does not address the {t} the prompt asks about."
                for t in topics
                if t not in addressed
            ]
        else:  # a general summary should touch several topics
            self.result.relevance = min(1.0, sum(map(self._addresses, TOPICS)) / 3)

    def find_answered_topics(self) -> None:
        """Which of the topics the prompt is about the answer answers; a refusal that
        leaves one unanswered is noted (a hedge before a real answer is not)."""
        result = self.result
        if "summary" in self.primary:
            result.asked = ["summary"]
            result.answered = ["summary"] if any(map(self._answers, TOPICS)) else []
        else:
            result.asked = [t for t in TOPICS if t in self.primary]
            result.answered = [t for t in result.asked if self._answers(t)]
        unanswered = [t for t in result.asked if t not in result.answered]
        refusal = REFUSAL.search(self.text)
        if refusal and unanswered:
            result.refusal = refusal.group(0)
            result.relevance *= 0.6
            result.notes.append(f'Declines part of the question ("{refusal.group(0)} ...").')

    def _answers(self, topic: str) -> bool:
        result = self.result
        if any(c.ok for c in result.checks if c.topic == topic):
            return True
        if any(e.topic == topic for e in result.expected):
            return any(e.found > 0 for e in result.expected if e.topic == topic)
        return self._addresses(topic)  # nothing to check: saying something about it counts

    def _addresses(self, topic: str) -> bool:
        """Whether a sentence that is not a refusal deals with ``topic``."""
        return any(addresses(s, topic) for s in self.sentences if not REFUSAL.search(s))

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


def _overlaps(span: Shot | ColourSegment | SecondFacts, start: float, end: float) -> bool:
    return span.end_s > start and span.start_s < end


def _rgb_text(rgb: tuple[int, int, int]) -> str:
    return f"rgb {rgb[0]}, {rgb[1]}, {rgb[2]}"


def _span_text(times: Sequence[float]) -> str:
    if len(times) > 1:
        return fmt_range(min(times), max(times))
    return fmt_ts(times[0])
