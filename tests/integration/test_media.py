"""Real decoding of synthetic videos whose facts are known exactly.

Nothing here needs the local stack: videos are written with PyAV into a temporary
directory, analysed, and answered/judged by the offline provider.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import threading
from pathlib import Path

import av
import numpy as np
import pytest

from vidcompare.errors import PermanentModelError
from vidcompare.media import analysis
from vidcompare.media.analysis import VideoFacts, analyze, analyze_cached, probe
from vidcompare.providers.base import AnonymousAnswer, VideoSource
from vidcompare.providers.local import (
    LocalMotionColourModel,
    LocalRubricJudge,
    LocalScenesModel,
    register,
)
from vidcompare.providers.local.wording import fmt_ts
from vidcompare.providers.registry import Registry
from vidcompare.testing import synth
from vidcompare.testing.synth import GroundTruth, SceneSpec, demo_scenes, make_video

RED, BLUE, GREEN = (220, 30, 30), (30, 60, 220), (30, 180, 60)
# red 1.0 s (static, loud) | blue 1.5 s (moving square, quieter) | green 1.0 s (silent)
THREE_SCENES = [
    SceneSpec(RED, 1.0, tone_hz=440.0, loudness_dbfs=-12.0),
    SceneSpec(BLUE, 1.5, motion=8.0, tone_hz=660.0, loudness_dbfs=-20.0),
    SceneSpec(GREEN, 1.0, tone_hz=None),
]


def frame_tolerance(truth: GroundTruth) -> float:
    return 1 / truth.fps + 1e-6


@pytest.fixture(scope="module")
def videos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, GroundTruth]:
    folder = tmp_path_factory.mktemp("media")
    square = SceneSpec((40, 40, 160), 2.0, motion=12.0)
    return {
        "three": make_video(folder / "three.mp4", THREE_SCENES),
        "static": make_video(folder / "static.mp4", [SceneSpec((40, 40, 160), 2.0)]),
        "moving": make_video(folder / "moving.mp4", [square]),
        "silent": make_video(
            folder / "silent.mp4",
            [SceneSpec((240, 220, 30), 1.0), SceneSpec((130, 40, 160), 1.0)],
            fps=30,
            size=(200, 112),
            audio=False,
        ),
    }


@pytest.fixture(scope="module")
def facts(videos: dict[str, GroundTruth]) -> dict[str, VideoFacts]:
    return {name: analyze(truth.path) for name, truth in videos.items()}


def source_for(path: Path) -> VideoSource:
    data = path.read_bytes()
    return VideoSource(
        video_id=path.stem,
        gcs_uri=f"gs://test/{path.name}",
        sha256=hashlib.sha256(data).hexdigest(),
        content_type="video/mp4",
        size_bytes=len(data),
        local_path=lambda: path,
    )


# ----------------------------------------------------------------------------- synth


def test_ground_truth_is_frame_accurate(videos: dict[str, GroundTruth]) -> None:
    truth = videos["three"]
    assert truth.scene_frames == [24, 36, 24]
    assert truth.cut_times_s == [1.0, 2.5]
    assert truth.duration_s == 3.5
    assert truth.shots == [(0.0, 1.0), (1.0, 2.5), (2.5, 3.5)]


def test_demo_scenes_are_distinct() -> None:
    first, second = demo_scenes()
    assert len(first) != len(second)
    assert {s.colour for s in first}.isdisjoint({s.colour for s in second})
    assert all(4.0 <= sum(s.seconds for s in v) <= 6.0 for v in (first, second))


# -------------------------------------------------------------------------- analysis


def test_structure_matches_ground_truth(
    videos: dict[str, GroundTruth], facts: dict[str, VideoFacts]
) -> None:
    truth, got = videos["three"], facts["three"]
    tol = frame_tolerance(truth)
    assert abs(got.duration_s - truth.duration_s) <= tol
    assert (got.width, got.height, got.fps) == (320, 240, 24.0)
    assert got.frame_count == sum(truth.scene_frames)
    assert len(got.shots) == 3
    assert len(got.cut_times_s) == len(truth.cut_times_s)
    for measured, expected in zip(got.cut_times_s, truth.cut_times_s, strict=True):
        assert abs(measured - expected) <= tol
    assert got.shots[-1].end_s == got.duration_s
    assert got.video_codec in {"h264", "mpeg4"}


def test_dominant_colours_per_shot_and_second(facts: dict[str, VideoFacts]) -> None:
    got = facts["three"]
    assert [s.dominant_colour for s in got.shots] == ["red", "blue", "green"]
    assert [s.dominant_colour for s in got.timeline[:2]] == ["red", "blue"]
    assert got.timeline[3].dominant_colour == "green"
    # 2-3 s straddles the cut at 2.5 s: half blue, half green.
    shares = {c.name: c.share for c in got.timeline[2].colours}
    assert abs(shares["blue"] - 0.5) < 0.05 and abs(shares["green"] - 0.5) < 0.05
    # The white square is a small but visible part of the blue shot.
    assert any(c.name == "white" and c.share > 0.01 for c in got.shots[1].colours)


def test_palette_names_many_colours(tmp_path: Path) -> None:
    palette = {
        "red": (255, 0, 0),
        "orange": (255, 150, 0),
        "yellow": (250, 240, 20),
        "green": (0, 170, 0),
        "cyan": (0, 220, 230),
        "blue": (0, 0, 230),
        "purple": (120, 0, 140),
        "magenta": (255, 0, 255),
        "pink": (255, 180, 200),
        "brown": (140, 70, 20),
        "white": (250, 250, 250),
        "grey": (128, 128, 128),
        "black": (5, 5, 5),
    }
    scenes = [SceneSpec(rgb, 0.5, tone_hz=None) for rgb in palette.values()]
    truth = make_video(tmp_path / "palette.mp4", scenes, size=(96, 64), audio=False)
    got = analyze(truth.path)
    assert [s.dominant_colour for s in got.shots] == list(palette)


def test_moving_square_is_motion_not_cuts(facts: dict[str, VideoFacts]) -> None:
    static, moving = facts["static"], facts["moving"]
    assert static.cut_times_s == [] and moving.cut_times_s == []
    assert len(moving.shots) == 1
    assert moving.mean_motion > static.mean_motion
    assert all(s.motion > 0.002 for s in moving.timeline)
    assert all(s.motion < 0.001 for s in static.timeline)
    # Within the three-scene video, only the moving blue shot has motion.
    shots = facts["three"].shots
    assert shots[1].motion > 10 * max(shots[0].motion, shots[2].motion, 1e-4)


def test_audio_loudness_per_second(facts: dict[str, VideoFacts]) -> None:
    audio = facts["three"].audio
    assert audio is not None and audio.channels == 1 and audio.sample_rate == 48_000
    levels = [s.loudness_dbfs for s in audio.seconds]
    assert len(levels) == 4
    assert abs(levels[0] - -12.0) <= 3.0  # 0-1 s: the -12 dBFS tone
    assert abs(levels[1] - -20.0) <= 3.0  # 1-2 s: the -20 dBFS tone
    assert levels[3] <= -60.0  # 3-3.5 s: silence
    expected_mean = 10 * np.log10((1.0 * 10**-1.2 + 1.5 * 10**-2.0) / 3.5)
    assert abs(audio.mean_loudness_dbfs - expected_mean) <= 3.0


def test_no_audio_and_other_size(
    videos: dict[str, GroundTruth], facts: dict[str, VideoFacts]
) -> None:
    truth, got = videos["silent"], facts["silent"]
    assert not got.has_audio and got.audio is None and got.audio_codec is None
    assert (got.width, got.height, got.fps) == (200, 112, 30.0)
    assert abs(got.duration_s - 2.0) <= frame_tolerance(truth)
    assert [s.dominant_colour for s in got.shots] == ["yellow", "purple"]
    assert abs(got.cut_times_s[0] - 1.0) <= frame_tolerance(truth)


def test_fallback_encoders_analyse_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(synth, "VIDEO_ENCODERS", ("no-such-encoder", "mpeg4"))
    monkeypatch.setattr(synth, "AUDIO_ENCODERS", ("no-such-encoder", "libmp3lame", "aac"))
    truth = make_video(tmp_path / "fallback.mp4", THREE_SCENES[:2], fps=25, size=(160, 96))
    got = analyze(truth.path)
    assert got.video_codec == "mpeg4" and truth.video_codec == "mpeg4"
    assert [s.dominant_colour for s in got.shots] == ["red", "blue"]
    assert abs(got.cut_times_s[0] - truth.cut_times_s[0]) <= frame_tolerance(truth)
    assert got.audio is not None and abs(got.audio.seconds[0].loudness_dbfs - -12.0) <= 3.0


def test_probe_reads_metadata_from_path_and_file(videos: dict[str, GroundTruth]) -> None:
    path = videos["three"].path
    meta = probe(path)
    assert (meta.width, meta.height, meta.fps, meta.has_audio) == (320, 240, 24.0, True)
    assert meta.duration_s is not None and abs(meta.duration_s - 3.5) < 0.05
    with path.open("rb") as handle:
        handle.seek(0)
        assert probe(handle).codec == meta.codec
        assert handle.tell() == 0  # rewound for the caller
    assert probe(videos["silent"].path).has_audio is False


def _png(path: Path) -> Path:
    with av.open(str(path), "w") as container:
        stream = container.add_stream("png")
        stream.width, stream.height, stream.pix_fmt = 16, 16, "rgb24"
        image = av.VideoFrame.from_ndarray(np.zeros((16, 16, 3), np.uint8), format="rgb24")
        container.mux(stream.encode(image))
        container.mux(stream.encode())
    return path


def _audio_only(path: Path) -> Path:
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("aac", rate=48_000, layout="mono")
        samples = np.zeros((1, 1024), np.float32)
        frame = av.AudioFrame.from_ndarray(samples, format="fltp", layout="mono")
        frame.sample_rate = 48_000
        container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return path


def test_probe_rejects_what_is_not_a_video(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("not a video at all\n" * 20)
    for bad in (text, _png(tmp_path / "still.png"), _audio_only(tmp_path / "sound.m4a")):
        with pytest.raises(ValueError) as info:
            probe(bad)
        assert str(info.value)  # a readable reason
    with pytest.raises(ValueError):
        probe(io.BytesIO(b"\x00\x01 garbage" * 100))
    with pytest.raises(ValueError):
        analyze(text)


def test_analyze_cached_decodes_each_key_once(
    videos: dict[str, GroundTruth], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[Path] = []
    real = analysis.analyze

    def counting(path: str | Path) -> VideoFacts:
        calls.append(Path(path))
        return real(path)

    monkeypatch.setattr(analysis, "analyze", counting)
    analysis.clear_cache()
    path = videos["static"].path
    threads = [threading.Thread(target=analyze_cached, args=(path, "same-key")) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert analyze_cached(path, "same-key").frame_count == 48
    assert len(calls) == 1
    analysis.clear_cache()


# --------------------------------------------------------------------------- models


def ask(model: LocalScenesModel | LocalMotionColourModel, path: Path, prompt: str) -> str:
    return asyncio.run(model.generate(source_for(path), prompt)).text


def test_scenes_model_reports_measured_cuts(
    videos: dict[str, GroundTruth], facts: dict[str, VideoFacts]
) -> None:
    path = videos["three"].path
    generation = asyncio.run(LocalScenesModel().generate(source_for(path), "Where are the cuts?"))
    text = generation.text
    assert "3 shots" in text and "2 cuts" in text
    for cut in facts["three"].cut_times_s:
        assert fmt_ts(cut) in text
    assert "00:01.0" in text and "00:02.5" in text
    assert generation.usage.input_tokens == 4
    assert generation.usage.output_tokens == len(text.split())
    assert generation.usage.estimated_cost_usd == 0
    assert "00:03.5" in ask(LocalScenesModel(), path, "How long is the video?")
    assert "one continuous shot" in ask(LocalScenesModel(), videos["static"].path, "Any cuts?")


def test_motion_colour_model_reports_colours_motion_and_sound(
    videos: dict[str, GroundTruth],
) -> None:
    model, path = LocalMotionColourModel(), videos["three"].path
    colours = ask(model, path, "What colours appear and when?")
    assert "mostly red" in colours and "mostly blue" in colours and "mostly green" in colours
    assert "00:01.0 to 00:02.5" in colours  # the blue run, change times refined in-second
    motion = ask(model, path, "Where is the motion?")
    assert "The most movement is from 00:01.0" in motion
    sound = ask(model, path, "How loud is the audio?")
    assert "dBFS" in sound and "silent from" in sound
    assert "no audio track" in ask(model, videos["silent"].path, "How loud is it?")
    assert "still throughout" in ask(model, videos["static"].path, "Is there any motion?")


def test_model_rejects_undecodable_video(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.mp4"
    bogus.write_bytes(b"definitely not an mp4" * 50)
    with pytest.raises(PermanentModelError):
        ask(LocalScenesModel(), bogus, "Describe it")


# ---------------------------------------------------------------------------- judge


def judge(path: Path, prompt: str, answers: dict[str, str]):
    labelled = [AnonymousAnswer(label=label, text=text) for label, text in answers.items()]
    return asyncio.run(LocalRubricJudge().judge(source_for(path), prompt, labelled))


def test_judge_prefers_measured_answer_over_fabrication(videos: dict[str, GroundTruth]) -> None:
    path, prompt = videos["three"].path, "Where are the cuts, and what colours appear?"
    honest = (
        ask(LocalScenesModel(), path, prompt) + "\n" + ask(LocalMotionColourModel(), path, prompt)
    )
    fabricated = (
        "The video has 5 shots, with cuts at 00:00.7, 00:01.8 and 00:03.0. It is mostly "
        "purple from 00:00.0 to 00:01.0 and orange from 00:01.0 to 00:02.5."
    )
    answers = {"Answer B": fabricated, "Answer A": honest}
    verdict = judge(path, prompt, answers)
    assert [e.label for e in verdict.evaluations] == ["Answer B", "Answer A"]
    scores = {e.label: e.score for e in verdict.evaluations}
    assert scores["Answer A"] >= 8 and scores["Answer B"] <= 3
    honest_eval = verdict.evaluations[1]
    assert "Cut at 00:01.0 matches the measured cut at 00:01.0." in honest_eval.strengths
    fabricated_eval = verdict.evaluations[0]
    assert any("purple" in w for w in fabricated_eval.weaknesses)
    assert any("Says 5 shots" in w for w in fabricated_eval.weaknesses)
    assert verdict.overall_summary.startswith("Answer A is best")
    assert "local" not in verdict.overall_summary.lower()
    assert verdict == judge(path, prompt, answers)  # deterministic


def test_judge_checks_numbers_against_measurements(videos: dict[str, GroundTruth]) -> None:
    path = videos["three"].path
    verdict = judge(
        path,
        "How many shots are there and how long is the video?",
        {
            "Answer A": "There are three shots, with cuts at 1 s and 2.5 s. "
            "The video lasts 3.5 seconds.",
            "Answer B": "There are 2 shots with a cut at 00:01.8. The video lasts 6 seconds.",
            "Answer C": "It is a video.",
        },
    )
    right, wrong, vague = verdict.evaluations
    assert right.score > vague.score and right.score > wrong.score and right.score >= 8
    assert wrong.score <= 3
    assert any("00:03.5" in w for w in wrong.weaknesses)  # the real duration is named
    assert right.reasoning and right.strengths and not right.weaknesses


def test_register_adds_models_and_judge() -> None:
    registry = Registry()
    register(registry)
    assert [m.model_id for m in registry.models] == ["local-scenes", "local-motion-colour"]
    assert [j.judge_id for j in registry.judges] == ["local-rubric"]
    assert all(m.offline for m in registry.models) and registry.judges[0].offline
    assert {registry.provider_of(i) for i in ("local-scenes", "local-rubric")} == {"local"}
