"""Measured facts about a video, decoded for real with PyAV.

:func:`analyze` streams through the file once (video and audio packets together) and
keeps only running totals plus the previous downscaled frame, so memory stays flat
whatever the video's length or resolution. :func:`probe` reads container metadata only.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import av
import numpy as np
from av.stream import Disposition
from av.video.reformatter import VideoReformatter
from pydantic import BaseModel, computed_field

# Frames are analysed at this size: enough for colour and cut statistics, cheap to diff.
ANALYSIS_SIZE = (64, 48)
# Colour naming uses every other pixel of the analysis frame (32x24 samples per frame).
COLOUR_STRIDE = 2
# A hard cut changes what colours are on screen (histogram) *and* the pixels themselves.
# Requiring both keeps a small object moving over a still background from counting.
CUT_MIN_HIST_DIFF = 0.35
CUT_MIN_PIXEL_DIFF = 0.04
# ...and the change must stand out from the recent level of motion, so fast pans don't cut.
CUT_MOTION_RATIO = 4.0
CUT_BASELINE_FRAMES = 12
MIN_SHOT_S = 0.2
# A dominant colour held for less than this is flicker (noise, a flash, a cross-fade frame).
MIN_COLOUR_RUN_S = 0.2
# RMS of digital silence is 0, whose log is -inf; report a floor instead.
SILENCE_FLOOR_DBFS = -100.0
# Colours covering less of a frame than this are not listed.
MIN_COLOUR_SHARE = 0.02
CACHE_SIZE = 32

# Reference colours (mostly CSS named colours) per palette name; a pixel gets the name of
# its nearest reference. Several references per name cover dark/light variants.
PALETTE: dict[str, list[tuple[int, int, int]]] = {
    "red": [(255, 0, 0), (139, 0, 0), (220, 20, 60), (178, 34, 34)],
    "orange": [(255, 165, 0), (255, 140, 0), (255, 99, 71)],
    "yellow": [(255, 255, 0), (255, 215, 0), (240, 230, 140)],
    "green": [(0, 128, 0), (0, 255, 0), (34, 139, 34), (50, 205, 50), (0, 100, 0)],
    "blue": [(0, 0, 255), (0, 0, 128), (65, 105, 225), (30, 144, 255), (70, 130, 180)],
    "purple": [(128, 0, 128), (75, 0, 130), (148, 0, 211), (102, 51, 153)],
    "cyan": [(0, 255, 255), (0, 206, 209), (0, 128, 128), (64, 224, 208)],
    "magenta": [(255, 0, 255), (199, 21, 133)],
    "pink": [(255, 192, 203), (255, 105, 180), (255, 182, 193)],
    "brown": [(139, 69, 19), (160, 82, 45), (210, 105, 30), (101, 67, 33)],
    "white": [(255, 255, 255), (235, 235, 235)],
    "grey": [(128, 128, 128), (169, 169, 169), (105, 105, 105), (211, 211, 211)],
    "black": [(0, 0, 0), (28, 28, 28)],
}
COLOUR_NAMES: tuple[str, ...] = tuple(PALETTE)
_REF_RGB = np.array([rgb for refs in PALETTE.values() for rgb in refs], dtype=np.float32)
_REF_NAME = np.array(
    [COLOUR_NAMES.index(name) for name, refs in PALETTE.items() for _ in refs], dtype=np.intp
)


class VideoProbe(BaseModel):
    """Container metadata only; ``None`` where the container does not say."""

    duration_s: float | None
    width: int
    height: int
    fps: float | None
    has_audio: bool
    codec: str
    container: str = ""  # the demuxer FFmpeg found: "mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm"


class ColourShare(BaseModel):
    name: str
    share: float  # fraction of sampled pixels given this name
    rgb: tuple[int, int, int]  # mean colour of those pixels


class Shot(BaseModel):
    index: int  # 1-based
    start_s: float
    end_s: float
    dominant_colour: str
    dominant_rgb: tuple[int, int, int]
    colours: list[ColourShare]
    brightness: float  # mean luma, 0-1
    motion: float  # mean abs difference between consecutive frames, 0-1

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


class ColourSegment(BaseModel):
    """A stretch of frames sharing one dominant colour, at frame precision."""

    start_s: float
    end_s: float
    colour: str
    rgb: tuple[int, int, int]


class SecondFacts(BaseModel):
    second: int
    start_s: float
    end_s: float
    dominant_colour: str
    dominant_rgb: tuple[int, int, int]
    colours: list[ColourShare]
    brightness: float
    motion: float


class AudioSecond(BaseModel):
    start_s: float
    end_s: float
    loudness_dbfs: float  # RMS level relative to full scale


class AudioFacts(BaseModel):
    codec: str
    sample_rate: int
    channels: int
    mean_loudness_dbfs: float  # RMS over the whole track
    seconds: list[AudioSecond]


class VideoFacts(BaseModel):
    container: str
    video_codec: str
    audio_codec: str | None
    duration_s: float
    width: int
    height: int
    fps: float
    frame_count: int
    has_audio: bool
    shots: list[Shot]
    colour_segments: list[ColourSegment]
    timeline: list[SecondFacts]
    audio: AudioFacts | None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def cut_times_s(self) -> list[float]:
        return [shot.start_s for shot in self.shots[1:]]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def mean_brightness(self) -> float:
        return _round(float(np.mean([s.brightness for s in self.timeline])) if self.timeline else 0)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def mean_motion(self) -> float:
        return _round(float(np.mean([s.motion for s in self.timeline])) if self.timeline else 0)


# --------------------------------------------------------------------------- probe


def probe(source: str | Path | BinaryIO) -> VideoProbe:
    """Read container metadata; raise ``ValueError`` if ``source`` is not a video.

    A file object is rewound to where it was, so the caller can still store it.
    """
    rewind = not isinstance(source, (str, Path)) and source.seekable()
    start = source.tell() if rewind else None
    try:
        with _open(source) as container:
            return _probe_container(container)
    finally:
        if start is not None:
            source.seek(start)  # type: ignore[union-attr]


def _probe_container(container: av.container.InputContainer) -> VideoProbe:
    stream = video_stream(container)
    rate = stream.average_rate or stream.guessed_rate
    return VideoProbe(
        duration_s=container_duration(container, stream),
        width=stream.codec_context.width,
        height=stream.codec_context.height,
        fps=float(rate) if rate else None,
        has_audio=bool(container.streams.audio),
        codec=stream.codec_context.name,
        container=container.format.name,
    )


def _open(source: str | Path | BinaryIO) -> av.container.InputContainer:
    name = str(source) if isinstance(source, (str, Path)) else getattr(source, "name", "upload")
    try:
        return av.open(str(source) if isinstance(source, Path) else source, mode="r")
    except av.error.FFmpegError as exc:
        raise ValueError(f"{Path(str(name)).name} is not a readable media file") from exc


def video_stream(container: av.container.InputContainer) -> av.VideoStream:
    """The container's moving picture; ValueError for a still image, cover art only, or
    a stream without a picture size."""
    fmt = container.format.name
    # Image demuxers (image2, png_pipe, jpeg_pipe, ...) expose a picture as a 1-frame video.
    if container.streams.video and (fmt == "image2" or fmt.endswith("_pipe")):
        raise ValueError(f"the file is a still image ({fmt}), not a video")
    # Cover art in an audio file (mp3, m4a) is also a "video stream"; it is not a video.
    moving = [s for s in container.streams.video if Disposition.attached_pic not in s.disposition]
    if not moving:
        raise ValueError("the file has no video stream")
    stream = moving[0]
    if not stream.codec_context.width or not stream.codec_context.height:
        raise ValueError("the video stream has no picture size")
    return stream


def container_duration(
    container: av.container.InputContainer, stream: av.VideoStream
) -> float | None:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / av.time_base
    return None


# --------------------------------------------------------------------------- analyze


def analyze(path: str | Path) -> VideoFacts:
    """Decode ``path`` once and measure structure, colour, motion and loudness.

    Raises ``ValueError`` if the file is not a decodable video.
    """
    with _open(Path(path)) as container:
        video = video_stream(container)
        video.thread_type = "AUTO"  # frame threading: decoding is the expensive part
        audio = container.streams.audio[0] if container.streams.audio else None
        visual = _VisualAnalyser(fps=_nominal_fps(video))
        sound = _AudioAnalyser(audio.codec_context.sample_rate) if audio else None
        streams = [s for s in (video, audio) if s is not None]
        try:
            for packet in container.demux(*streams):
                for frame in packet.decode():
                    if isinstance(frame, av.VideoFrame):
                        visual.add(frame)
                    elif sound is not None and isinstance(frame, av.AudioFrame):
                        sound.add(frame)
        except av.error.FFmpegError as exc:
            raise ValueError(f"{Path(path).name} could not be decoded: {exc}") from exc
        if visual.frame_count == 0:
            raise ValueError(f"{Path(path).name} has a video stream but no decodable frames")
        duration = visual.duration_s
        return VideoFacts(
            container=container.format.name,
            video_codec=video.codec_context.name,
            audio_codec=audio.codec_context.name if audio else None,
            duration_s=_round(duration),
            width=video.codec_context.width,
            height=video.codec_context.height,
            fps=_round(visual.fps),
            frame_count=visual.frame_count,
            has_audio=audio is not None,
            shots=visual.shots(),
            colour_segments=visual.colour_segments(),
            timeline=visual.timeline(),
            audio=sound.facts(audio, duration) if sound and audio else None,
        )


class _FactsCache:
    """A small thread-safe LRU of facts, with one lock per key.

    The per-key lock means two models asking about the same video at the same moment
    (each from its own worker thread) wait for one decode instead of doing two.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._facts: OrderedDict[str, VideoFacts] = OrderedDict()
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def get(self, path: str | Path, key: str) -> VideoFacts:
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            with self._guard:
                if key in self._facts:
                    self._facts.move_to_end(key)
                    return self._facts[key]
            try:
                facts = analyze(path)
            except Exception:
                with self._guard:
                    self._locks.pop(key, None)  # failures are not cached; don't keep the lock
                raise
            with self._guard:
                self._facts[key] = facts
                while len(self._facts) > self._size:
                    evicted, _ = self._facts.popitem(last=False)
                    self._locks.pop(evicted, None)
            return facts

    def clear(self) -> None:
        with self._guard:
            self._facts.clear()
            self._locks.clear()


_cache = _FactsCache(CACHE_SIZE)


def analyze_cached(path: str | Path, key: str) -> VideoFacts:
    """:func:`analyze`, memoised by ``key`` (the video's sha256) for this process."""
    return _cache.get(path, key)


def clear_cache() -> None:
    _cache.clear()


# --------------------------------------------------------------------------- video


@dataclass
class _Bucket:
    """Running totals over a span of frames (one second, or one shot)."""

    start_s: float
    frames: int = 0
    brightness: float = 0.0
    motion: float = 0.0
    motion_frames: int = 0
    votes: np.ndarray = field(default_factory=lambda: np.zeros(len(COLOUR_NAMES)))
    rgb_sums: np.ndarray = field(default_factory=lambda: np.zeros((len(COLOUR_NAMES), 3)))

    def add(self, sample: _FrameSample, motion: float | None) -> None:
        self.frames += 1
        self.brightness += sample.brightness
        self.votes += sample.votes
        self.rgb_sums += sample.rgb_sums
        if motion is not None:
            self.motion += motion
            self.motion_frames += 1

    def colours(self) -> list[ColourShare]:
        total = self.votes.sum() or 1.0
        order = np.argsort(-self.votes, kind="stable")
        shares = []
        for i in order:
            share = self.votes[i] / total
            if share < MIN_COLOUR_SHARE and shares:
                break
            rgb = self.rgb_sums[i] / max(self.votes[i], 1)
            shares.append(
                ColourShare(name=COLOUR_NAMES[i], share=_round(share), rgb=_rgb_tuple(rgb))
            )
        return shares

    def mean_brightness(self) -> float:
        return _round(self.brightness / max(self.frames, 1))

    def mean_motion(self) -> float:
        return _round(self.motion / self.motion_frames) if self.motion_frames else 0.0


@dataclass
class _ColourRun:
    """Consecutive frames whose most common palette name is ``name``."""

    start_s: float
    name: int
    pixels: float = 0.0
    rgb_sum: np.ndarray = field(default_factory=lambda: np.zeros(3))

    def add(self, sample: _FrameSample) -> None:
        self.pixels += sample.votes[self.name]
        self.rgb_sum += sample.rgb_sums[self.name]


@dataclass
class _FrameSample:
    pixels: np.ndarray  # analysis-size RGB as int16, ready for differencing
    histogram: np.ndarray  # normalised 64-bin joint RGB histogram
    brightness: float
    votes: np.ndarray  # sampled pixels per palette name
    rgb_sums: np.ndarray  # summed RGB of those pixels, per palette name


def _sample(rgb: np.ndarray) -> _FrameSample:
    # 4 levels per channel: coarse enough that codec noise rarely moves a pixel's bin.
    codes = ((rgb[..., 0] >> 6) * 16 + (rgb[..., 1] >> 6) * 4 + (rgb[..., 2] >> 6)).ravel()
    histogram = np.bincount(codes, minlength=64) / codes.size
    luma = rgb @ np.array([0.299, 0.587, 0.114])
    votes, rgb_sums = _name_pixels(rgb[::COLOUR_STRIDE, ::COLOUR_STRIDE].reshape(-1, 3))
    return _FrameSample(
        pixels=rgb.astype(np.int16),
        histogram=histogram,
        brightness=float(luma.mean() / 255),
        votes=votes,
        rgb_sums=rgb_sums,
    )


def _name_pixels(pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Count pixels per palette name, by nearest reference colour.

    Distance is the "redmean" weighted RGB distance: a cheap approximation of perceived
    difference that avoids a colour-space conversion per pixel.
    """
    px = pixels.astype(np.float32)[:, None, :]
    delta = px - _REF_RGB[None, :, :]
    rmean = (px[..., 0] + _REF_RGB[None, :, 0]) / 2
    dist = (
        (2 + rmean / 256) * delta[..., 0] ** 2
        + 4 * delta[..., 1] ** 2
        + (2 + (255 - rmean) / 256) * delta[..., 2] ** 2
    )
    names = _REF_NAME[np.argmin(dist, axis=1)]
    votes = np.bincount(names, minlength=len(COLOUR_NAMES)).astype(np.float64)
    rgb_sums = np.zeros((len(COLOUR_NAMES), 3))
    np.add.at(rgb_sums, names, pixels.astype(np.float64))
    return votes, rgb_sums


class _VisualAnalyser:
    """Consumes decoded frames in order; keeps only totals and the previous frame."""

    def __init__(self, fps: float | None) -> None:
        self._nominal_fps = fps
        # One reformatter for every frame reuses its scaling context (half the cost).
        self._reformatter = VideoReformatter()
        self.frame_count = 0
        self._first_time: float | None = None
        self._last_time = 0.0
        self._previous: _FrameSample | None = None
        self._recent_motion: list[float] = []
        self._seconds: dict[int, _Bucket] = {}
        self._shot_buckets: list[_Bucket] = []
        self._colour_runs: list[_ColourRun] = []

    @property
    def fps(self) -> float:
        if self._nominal_fps:
            return self._nominal_fps
        span = self._last_time
        return (self.frame_count - 1) / span if span > 0 else 1.0

    @property
    def duration_s(self) -> float:
        # The last frame is shown for one frame interval after its timestamp.
        return self._last_time + 1 / self.fps

    def add(self, frame: av.VideoFrame) -> None:
        t = self._relative_time(frame)
        width, height = ANALYSIS_SIZE
        small = self._reformatter.reformat(
            frame, width=width, height=height, format="rgb24", interpolation="AREA"
        )
        sample = _sample(small.to_ndarray())
        motion = None
        if self._previous is None:
            self._shot_buckets.append(_Bucket(start_s=t))
        else:
            diff = float(np.abs(sample.pixels - self._previous.pixels).mean() / 255)
            if self._is_cut(sample, diff, t):
                self._shot_buckets.append(_Bucket(start_s=t))
            else:
                motion = diff  # a cut is not motion
                self._remember_motion(diff)
        second = int(math.floor(t + 1e-6))
        self._seconds.setdefault(second, _Bucket(start_s=float(second))).add(sample, motion)
        self._shot_buckets[-1].add(sample, motion)
        self._track_colour(sample, t)
        self._previous = sample
        self._last_time = t
        self.frame_count += 1

    def _relative_time(self, frame: av.VideoFrame) -> float:
        # Times are relative to the first frame so a non-zero container start is ignored.
        if frame.time is None:
            return self.frame_count / (self._nominal_fps or 25.0)
        if self._first_time is None:
            self._first_time = frame.time
        return max(0.0, frame.time - self._first_time)

    def _is_cut(self, sample: _FrameSample, pixel_diff: float, t: float) -> bool:
        assert self._previous is not None
        hist_diff = float(np.abs(sample.histogram - self._previous.histogram).sum() / 2)
        baseline = float(np.median(self._recent_motion)) if self._recent_motion else 0.0
        return (
            hist_diff >= CUT_MIN_HIST_DIFF
            and pixel_diff >= CUT_MIN_PIXEL_DIFF
            and pixel_diff >= CUT_MOTION_RATIO * baseline
            and t - self._shot_buckets[-1].start_s >= MIN_SHOT_S
        )

    def _remember_motion(self, diff: float) -> None:
        self._recent_motion.append(diff)
        del self._recent_motion[:-CUT_BASELINE_FRAMES]

    def _track_colour(self, sample: _FrameSample, t: float) -> None:
        name = int(np.argmax(sample.votes))
        runs = self._colour_runs
        if runs and runs[-1].name != name and len(runs) >= 2:
            if t - runs[-1].start_s < MIN_COLOUR_RUN_S:
                runs.pop()  # flicker: the run before simply lasts until now
        if not runs or runs[-1].name != name:
            runs.append(_ColourRun(start_s=t, name=name))
        runs[-1].add(sample)

    def colour_segments(self) -> list[ColourSegment]:
        runs = list(self._colour_runs)
        if len(runs) >= 2 and self.duration_s - runs[-1].start_s < MIN_COLOUR_RUN_S:
            runs.pop()  # a flicker on the very last frames
        ends = [r.start_s for r in runs[1:]] + [self.duration_s]
        return [
            ColourSegment(
                start_s=_round(run.start_s),
                end_s=_round(end),
                colour=COLOUR_NAMES[run.name],
                rgb=_rgb_tuple(run.rgb_sum / max(run.pixels, 1)),
            )
            for run, end in zip(runs, ends, strict=True)
        ]

    def shots(self) -> list[Shot]:
        ends = [b.start_s for b in self._shot_buckets[1:]] + [self.duration_s]
        return [
            Shot(
                index=i + 1,
                start_s=_round(bucket.start_s),
                end_s=_round(end),
                dominant_colour=(colours := bucket.colours())[0].name,
                dominant_rgb=colours[0].rgb,
                colours=colours,
                brightness=bucket.mean_brightness(),
                motion=bucket.mean_motion(),
            )
            for i, (bucket, end) in enumerate(zip(self._shot_buckets, ends, strict=True))
        ]

    def timeline(self) -> list[SecondFacts]:
        duration = self.duration_s
        return [
            SecondFacts(
                second=second,
                start_s=float(second),
                end_s=_round(min(second + 1.0, duration)),
                dominant_colour=(colours := bucket.colours())[0].name,
                dominant_rgb=colours[0].rgb,
                colours=colours,
                brightness=bucket.mean_brightness(),
                motion=bucket.mean_motion(),
            )
            for second, bucket in sorted(self._seconds.items())
        ]


def _nominal_fps(stream: av.VideoStream) -> float | None:
    rate = stream.average_rate or stream.guessed_rate
    return float(rate) if rate else None


# --------------------------------------------------------------------------- audio


class _AudioAnalyser:
    """Sums squared samples per second of audio, from a running sample counter."""

    def __init__(self, sample_rate: int) -> None:
        self._rate = sample_rate
        # fltp gives float32 in [-1, 1] whatever the codec decodes to (s16, s32, flt...).
        self._resampler = av.AudioResampler(format="fltp")
        self._samples = 0
        self._sum_squares: list[float] = []
        self._counts: list[int] = []
        self.channels = 0

    def add(self, frame: av.AudioFrame) -> None:
        for converted in self._resampler.resample(frame):
            self._add_block(converted.to_ndarray())

    def _add_block(self, block: np.ndarray) -> None:
        self.channels = max(self.channels, block.shape[0])
        # Mean square across channels: equal channels give the same level as mono.
        power = np.mean(block.astype(np.float64) ** 2, axis=0)
        seconds = (self._samples + np.arange(power.size)) // self._rate
        first = int(seconds[0])
        sums = np.bincount(seconds - first, weights=power)
        counts = np.bincount(seconds - first)
        needed = first + sums.size
        self._sum_squares.extend([0.0] * (needed - len(self._sum_squares)))
        self._counts.extend([0] * (needed - len(self._counts)))
        for offset, (s, n) in enumerate(zip(sums, counts, strict=True)):
            self._sum_squares[first + offset] += float(s)
            self._counts[first + offset] += int(n)
        self._samples += power.size

    def facts(self, stream: av.AudioStream, video_duration_s: float) -> AudioFacts:
        for converted in self._resampler.resample(None):  # flush buffered samples
            self._add_block(converted.to_ndarray())
        # Encoder padding can run past the picture; seconds that start after it are dropped.
        seconds = [
            AudioSecond(
                start_s=float(i),
                end_s=_round(min(i + 1.0, video_duration_s)),
                loudness_dbfs=_dbfs(total / count),
            )
            for i, (total, count) in enumerate(zip(self._sum_squares, self._counts, strict=True))
            if count and i < video_duration_s
        ]
        total_power = sum(self._sum_squares) / max(sum(self._counts), 1)
        return AudioFacts(
            codec=stream.codec_context.name,
            sample_rate=self._rate,
            channels=self.channels or stream.codec_context.channels,
            mean_loudness_dbfs=_dbfs(total_power),
            seconds=seconds,
        )


# --------------------------------------------------------------------------- helpers


def _dbfs(mean_square: float) -> float:
    if mean_square <= 0:
        return SILENCE_FLOOR_DBFS
    return _round(max(SILENCE_FLOOR_DBFS, 10 * math.log10(mean_square)), 2)


def _round(value: float, digits: int = 4) -> float:
    return round(float(value), digits)


def _rgb_tuple(values: Iterable[float]) -> tuple[int, int, int]:
    r, g, b = (int(round(v)) for v in values)
    return (r, g, b)
