"""The two offline models: each writes its answer from the video's measured facts.

* ``local-scenes`` describes structure: duration, format and shots (cut detection).
* ``local-motion-colour`` describes appearance over time: colour segments (frame
  precision) and a per-second timeline of brightness, motion and loudness.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from vidcompare.media.analysis import ColourSegment, SecondFacts, VideoFacts
from vidcompare.providers.base import Generation, Model, Usage, VideoSource
from vidcompare.providers.local.colours import family as colour_family
from vidcompare.providers.local.facts import SILENT_DBFS, facts_for, motion_level
from vidcompare.providers.local.intents import STRUCTURE_TOPICS, TOPICS, detect_intents
from vidcompare.providers.local.wording import MAX_LISTED, fmt_range, fmt_ts, join_words, plural

PROVIDER = "local"


def _usage(prompt: str, text: str) -> Usage:
    # Word counts stand in for tokens: there is no tokenizer and no cost offline.
    inp, out = len(prompt.split()), len(text.split())
    return Usage(input_tokens=inp, output_tokens=out, total_tokens=inp + out)


@dataclass
class Segment:
    """Consecutive seconds that share a label (a motion level...)."""

    start_s: float
    end_s: float
    label: str


def segments(timeline: Sequence[SecondFacts], label: Callable[[SecondFacts], str]) -> list[Segment]:
    merged: list[Segment] = []
    for second in timeline:
        name = label(second)
        if merged and merged[-1].label == name:
            merged[-1].end_s = second.end_s
        else:
            merged.append(Segment(second.start_s, second.end_s, name))
    return merged


def family_runs(measured: Sequence[ColourSegment]) -> list[ColourSegment]:
    """Colour segments renamed to their colour family (the judge's rule, see
    :mod:`.colours`), neighbours of one family merged; the first run's colour is kept."""
    runs: list[ColourSegment] = []
    for segment in measured:
        name = colour_family(segment.rgb)
        if runs and runs[-1].colour == name:
            runs[-1] = runs[-1].model_copy(update={"end_s": segment.end_s})
        else:
            runs.append(segment.model_copy(update={"colour": name}))
    return runs


def _rgb(rgb: tuple[int, int, int]) -> str:
    return f"rgb {rgb[0]}, {rgb[1]}, {rgb[2]}"


def _listed(sentences: list[str], total: int, what: str) -> list[str]:
    """Cap long enumerations so a long video doesn't produce a wall of text."""
    if total > MAX_LISTED:
        sentences = sentences[:MAX_LISTED]
        sentences.append(f"There are {total - MAX_LISTED} more {what} after these.")
    return sentences


def duration_sentences(facts: VideoFacts) -> list[str]:
    return [f"The video lasts {fmt_ts(facts.duration_s)} ({facts.duration_s:.1f} seconds)."]


def format_sentences(facts: VideoFacts) -> list[str]:
    audio = f"an {facts.audio_codec} audio track" if facts.has_audio else "no audio track"
    return [
        f"It is {facts.width}x{facts.height} at {facts.fps:g} fps ({facts.frame_count} frames), "
        f"{facts.video_codec} video with {audio}."
    ]


class _LocalModel(Model):
    """A model that answers from the facts it measured; subclasses write :meth:`answer`."""

    provider = PROVIDER
    offline = True

    async def generate(self, video: VideoSource, prompt: str) -> Generation:
        facts = await facts_for(video)
        text = self.answer(facts, detect_intents(prompt))
        return Generation(text=text, usage=_usage(prompt, text))

    @abc.abstractmethod
    def answer(self, facts: VideoFacts, intents: frozenset[str]) -> str:
        """The answer to a prompt about ``intents`` (see :func:`detect_intents`)."""


class LocalScenesModel(_LocalModel):
    """Structure only: duration, format, and shots found by cut detection."""

    model_id = "local-scenes"
    display_name = "Local Scenes"

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
        runs = family_runs(facts.colour_segments)
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
                name = colour_family(share.rgb)
                if name not in dominant:
                    extras.setdefault(name, []).append(second)
        for name, seconds in sorted(extras.items(), key=lambda kv: kv[1][0].start_s):
            sentences.append(
                f"Smaller {name} areas also appear between {fmt_ts(seconds[0].start_s)} "
                f"and {fmt_ts(seconds[-1].end_s)}."
            )
        return sentences

    @staticmethod
    def _change_sentences(facts: VideoFacts) -> list[str]:
        runs = family_runs(facts.colour_segments)
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
