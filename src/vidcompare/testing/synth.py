"""Synthetic test videos whose facts are known exactly.

Each scene is a solid background colour, optionally with a white-ish square sliding
horizontally, and a mono sine tone. Scene boundaries fall on whole frames, so the cut
times in :class:`GroundTruth` are exactly what a frame-accurate detector should find.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import pairwise
from pathlib import Path

import av
import numpy as np

AUDIO_RATE = 48_000
SQUARE_RGB = (235, 235, 235)
# Preferred first; the fallbacks keep this working on FFmpeg builds without x264/AAC.
VIDEO_ENCODERS = ("libx264", "mpeg4")
AUDIO_ENCODERS = ("aac", "libmp3lame", "libopus")


@dataclass(frozen=True)
class SceneSpec:
    """One scene: a background colour held for ``seconds``.

    ``motion`` is how many pixels per frame a white-ish square moves horizontally
    (0 means no square, i.e. a perfectly static scene). ``loudness_dbfs`` is the RMS level
    of the tone relative to full scale; ``tone_hz=None`` makes the scene silent.
    """

    colour: tuple[int, int, int]
    seconds: float
    motion: float = 0.0
    tone_hz: float | None = 440.0
    loudness_dbfs: float = -12.0


@dataclass(frozen=True)
class GroundTruth:
    """What :func:`make_video` actually wrote (after rounding scenes to whole frames)."""

    path: Path
    duration_s: float
    width: int
    height: int
    fps: int
    cut_times_s: list[float]
    scenes: list[SceneSpec]
    scene_frames: list[int] = field(default_factory=list)
    video_codec: str = ""
    audio_codec: str = ""

    @property
    def shots(self) -> list[tuple[float, float]]:
        bounds = [0.0, *self.cut_times_s, self.duration_s]
        return list(pairwise(bounds))


def make_video(
    path: str | Path,
    scenes: list[SceneSpec],
    *,
    fps: int = 24,
    size: tuple[int, int] = (320, 240),
    audio: bool = True,
) -> GroundTruth:
    """Encode ``scenes`` into an MP4 at ``path`` and return its ground truth.

    ``audio=False`` writes no audio stream at all (not a silent one).
    """
    if not scenes:
        raise ValueError("make_video needs at least one scene")
    width, height = size
    if width % 2 or height % 2:
        raise ValueError(f"size must be even for yuv420p, got {width}x{height}")
    frames_per_scene = [max(1, round(s.seconds * fps)) for s in scenes]
    total_frames = sum(frames_per_scene)
    path = Path(path)

    with av.open(str(path), mode="w", format="mp4") as container:
        video = _add_video_stream(container, fps, width, height)
        sound = _add_audio_stream(container) if audio else None
        for frame in _video_frames(scenes, frames_per_scene, width, height):
            container.mux(video.encode(frame))
        container.mux(video.encode())
        if sound is not None:
            _write_audio(container, sound, scenes, frames_per_scene, fps)

    cut_frames = np.cumsum(frames_per_scene)[:-1]
    return GroundTruth(
        path=path,
        duration_s=total_frames / fps,
        width=width,
        height=height,
        fps=fps,
        cut_times_s=[int(f) / fps for f in cut_frames],
        scenes=list(scenes),
        scene_frames=frames_per_scene,
        video_codec=video.codec_context.name,
        audio_codec=sound.codec_context.name if sound is not None else "",
    )


def padded_video(source: Path, target: Path, *, size: int) -> None:
    """``source`` (an MP4) padded to exactly ``size`` bytes with a trailing ``free`` box,
    which every MP4 reader skips: still the same video, as large as a test needs. The
    padding is a hole in the file (sparse), so a 1 GiB video costs no disk or time."""
    data = source.read_bytes()
    padding = size - len(data)
    if padding < 16:
        raise ValueError(f"{size} bytes is too small for {source.name} ({len(data)} bytes)")
    with target.open("wb") as out:
        out.write(data)
        # size 1: the real size follows as 64 bits (a box over 4 GiB must say so).
        out.write((1).to_bytes(4, "big") + b"free" + padding.to_bytes(8, "big"))
        out.truncate(size)


def demo_scenes() -> tuple[list[SceneSpec], list[SceneSpec]]:
    """Two clearly different videos for the demo.

    The first has 3 shots (2 cuts), mostly static with one moving scene and one silent
    scene; the second has 4 shots (3 cuts), faster motion and different tones/levels.
    """
    first = [
        SceneSpec(colour=(220, 30, 30), seconds=2.0, tone_hz=440.0, loudness_dbfs=-12.0),
        SceneSpec(
            colour=(30, 60, 220), seconds=1.5, motion=6.0, tone_hz=660.0, loudness_dbfs=-18.0
        ),
        SceneSpec(colour=(30, 180, 60), seconds=1.5, tone_hz=None),
    ]
    second = [
        SceneSpec(
            colour=(240, 220, 30), seconds=1.0, motion=10.0, tone_hz=330.0, loudness_dbfs=-9.0
        ),
        SceneSpec(colour=(130, 40, 160), seconds=1.5, tone_hz=550.0, loudness_dbfs=-20.0),
        SceneSpec(
            colour=(245, 140, 20), seconds=1.0, motion=14.0, tone_hz=880.0, loudness_dbfs=-6.0
        ),
        SceneSpec(colour=(30, 200, 210), seconds=1.5, tone_hz=220.0, loudness_dbfs=-15.0),
    ]
    return first, second


# Backgrounds of known colour, by the colour family the offline judge must measure for
# them (see vidcompare.providers.local.colours): pure grey and #8B4513 brown differ only
# in chroma and hue, which is what "grey is not brown" tests need.
KNOWN_COLOURS: dict[str, tuple[int, int, int]] = {
    "grey": (128, 128, 128),
    "brown": (139, 69, 19),
    "red": (220, 30, 30),
    "blue": (0, 0, 128),  # navy
    "green": (30, 180, 60),
    "yellow": (240, 220, 30),
    "white": (245, 245, 245),
    "black": (10, 10, 10),
}


def colour_scenes(families: list[str], seconds: float = 1.5) -> list[SceneSpec]:
    """Static, silent scenes of :data:`KNOWN_COLOURS`, one per family, in order: every
    boundary is a hard cut between two known dominant colours."""
    return [SceneSpec(KNOWN_COLOURS[f], seconds, tone_hz=None) for f in families]


def _pick_encoder(candidates: tuple[str, ...]) -> str:
    for name in candidates:
        try:
            av.codec.Codec(name, "w")
        except (av.error.FFmpegError, ValueError):
            continue
        return name
    raise RuntimeError(f"none of the encoders {candidates} is available in this PyAV build")


def _add_video_stream(
    container: av.container.OutputContainer, fps: int, width: int, height: int
) -> av.VideoStream:
    codec = _pick_encoder(VIDEO_ENCODERS)
    # ultrafast keeps test videos cheap; a short GOP keeps seeking sane.
    options = {"preset": "ultrafast", "g": str(2 * fps)} if codec == "libx264" else {}
    stream = container.add_stream(codec, rate=fps, options=options)
    stream.width = width
    stream.height = height
    stream.pix_fmt = "yuv420p"
    if codec == "mpeg4":
        stream.bit_rate = 2_000_000  # the default is low enough to smear solid colours
    return stream


def _add_audio_stream(container: av.container.OutputContainer) -> av.AudioStream:
    codec = _pick_encoder(AUDIO_ENCODERS)
    return container.add_stream(codec, rate=AUDIO_RATE, layout="mono")


def _video_frames(
    scenes: list[SceneSpec], frames_per_scene: list[int], width: int, height: int
) -> Iterator[av.VideoFrame]:
    index = 0
    side = max(2, height // 5)
    for scene, count in zip(scenes, frames_per_scene, strict=True):
        for local in range(count):
            image = np.empty((height, width, 3), dtype=np.uint8)
            image[:] = scene.colour
            if scene.motion:
                x = _bounce(scene.motion * local, width - side)
                y = (height - side) // 2
                image[y : y + side, x : x + side] = SQUARE_RGB
            frame = av.VideoFrame.from_ndarray(image, format="rgb24").reformat(format="yuv420p")
            frame.pts = index
            index += 1
            yield frame


def _bounce(distance: float, span: int) -> int:
    """Position after travelling ``distance`` back and forth over ``span`` pixels.

    Bouncing (rather than wrapping) keeps the square's movement continuous, so the only
    abrupt changes in the video are the real scene cuts.
    """
    if span <= 0:
        return 0
    phase = distance % (2 * span)
    return int(phase if phase <= span else 2 * span - phase)


def _write_audio(
    container: av.container.OutputContainer,
    stream: av.AudioStream,
    scenes: list[SceneSpec],
    frames_per_scene: list[int],
    fps: int,
) -> None:
    scene_samples = _scene_sample_counts(frames_per_scene, Fraction(AUDIO_RATE, fps))
    for frame in _audio_frames(scenes, scene_samples, stream.codec_context.frame_size):
        container.mux(stream.encode(frame))
    container.mux(stream.encode())


def _scene_sample_counts(frames_per_scene: list[int], samples_per_frame: Fraction) -> list[int]:
    # Boundaries are computed cumulatively so rounding never drifts audio away from video.
    edges = [round(f * samples_per_frame) for f in np.cumsum([0, *frames_per_scene])]
    return [b - a for a, b in pairwise(edges)]


def _scene_samples(scene: SceneSpec, count: int) -> np.ndarray:
    if scene.tone_hz is None:
        return np.zeros(count, dtype=np.float32)
    # RMS of a sine is amplitude / sqrt(2); loudness_dbfs is an RMS level.
    amplitude = math.sqrt(2) * 10 ** (scene.loudness_dbfs / 20)
    t = np.arange(count, dtype=np.float64) / AUDIO_RATE
    return (amplitude * np.sin(2 * np.pi * scene.tone_hz * t)).astype(np.float32)


def _audio_frames(
    scenes: list[SceneSpec], scene_samples: list[int], frame_size: int | None
) -> Iterator[av.AudioFrame]:
    signal = np.concatenate(
        [_scene_samples(s, n) for s, n in zip(scenes, scene_samples, strict=True)]
    )
    chunk = frame_size or 1024  # some encoders accept any size and report 0
    for start in range(0, len(signal), chunk):
        part = signal[start : start + chunk]
        if len(part) < chunk and frame_size:
            part = np.pad(part, (0, chunk - len(part)))  # fixed-size encoders need full frames
        frame = av.AudioFrame.from_ndarray(part.reshape(1, -1), format="fltp", layout="mono")
        frame.sample_rate = AUDIO_RATE
        frame.pts = start
        frame.time_base = Fraction(1, AUDIO_RATE)
        yield frame
