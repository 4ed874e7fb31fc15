"""The offline models' answers and the rubric judge's scores on facts written by hand:
no video is decoded, so every expected sentence follows from the facts below."""

from __future__ import annotations

import pytest

from vidcompare.media.analysis import (
    AudioFacts,
    AudioSecond,
    ColourSegment,
    ColourShare,
    SecondFacts,
    Shot,
    VideoFacts,
)
from vidcompare.providers.base import AnonymousAnswer
from vidcompare.providers.local import LocalMotionColourModel, LocalRubricJudge, LocalScenesModel
from vidcompare.providers.local.intents import detect_intents

RED, BLUE, WHITE = (220, 30, 30), (30, 60, 220), (235, 235, 235)
WRONG = (
    "There are 4 shots, cuts at 00:00.5 and 00:02.0. The video lasts 10 seconds; it is "
    "green and static, 1920x1080 at 30 fps, -3 dB."
)


def _second(index: int, colour: str, rgb: tuple[int, int, int], motion: float) -> SecondFacts:
    extra = [ColourShare(name="white", share=0.05, rgb=WHITE)] if colour == "blue" else []
    return SecondFacts(
        second=index,
        start_s=float(index),
        end_s=index + 1.0,
        dominant_colour=colour,
        dominant_rgb=rgb,
        colours=[ColourShare(name=colour, share=0.9, rgb=rgb), *extra],
        brightness=0.3 - 0.05 * index,
        motion=motion,
    )


def _shot(index: int, start: float, colour: str, rgb: tuple[int, int, int]) -> Shot:
    return Shot(
        index=index,
        start_s=start,
        end_s=start + 1.5,
        dominant_colour=colour,
        dominant_rgb=rgb,
        colours=[ColourShare(name=colour, share=1.0, rgb=rgb)],
        brightness=0.3,
        motion=0.0,
    )


@pytest.fixture(scope="module")
def facts() -> VideoFacts:
    """3 s, 24 fps: a still red shot, a cut at 1.5 s, a blue shot with a moving white
    square; loud, then quieter, then silent."""
    return VideoFacts(
        container="mov,mp4,m4a,3gp,3g2,mj2",
        video_codec="h264",
        audio_codec="aac",
        duration_s=3.0,
        width=320,
        height=240,
        fps=24.0,
        frame_count=72,
        has_audio=True,
        shots=[_shot(1, 0.0, "red", RED), _shot(2, 1.5, "blue", BLUE)],
        colour_segments=[
            ColourSegment(start_s=0.0, end_s=1.5, colour="red", rgb=RED),
            ColourSegment(start_s=1.5, end_s=3.0, colour="blue", rgb=BLUE),
        ],
        timeline=[
            _second(0, "red", RED, 0.0),
            _second(1, "red", RED, 0.02),
            _second(2, "blue", BLUE, 0.06),
        ],
        audio=AudioFacts(
            codec="aac",
            sample_rate=48_000,
            channels=1,
            mean_loudness_dbfs=-18.0,
            seconds=[
                AudioSecond(start_s=float(i), end_s=i + 1.0, loudness_dbfs=level)
                for i, level in enumerate([-12.0, -20.0, -90.0])
            ],
        ),
    )


def _answers(facts: VideoFacts, prompt: str) -> list[AnonymousAnswer]:
    """Both models' answers, a wrong one and a refusal, labelled A to D."""
    intents = detect_intents(prompt)
    texts = [
        LocalScenesModel().answer(facts, intents),
        LocalMotionColourModel().answer(facts, intents),
        WRONG,
        "I cannot tell.",
    ]
    return [AnonymousAnswer(label=f"Answer {'ABCD'[i]}", text=t) for i, t in enumerate(texts)]


def test_models_answer_from_the_facts(facts: VideoFacts) -> None:
    scenes, colours = (a.text for a in _answers(facts, "What colours and sounds?")[:2])
    assert scenes == (
        "I detected 2 shots separated by 1 cut, at 00:01.5. "
        "Shot 1 runs from 00:00.0 to 00:01.5 (1.5 s). Shot 2 runs from 00:01.5 to 00:03.0 (1.5 s). "
        "The average shot lasts 1.5 s; the longest is shot 1 (1.5 s).\n\n"
        "I measure structure only (timing, shots and format), so I cannot describe colour and "
        "audio; the shot boundaries above are where the content changes."
    )
    assert colours == (
        "From 00:00.0 to 00:01.5 the picture is mostly red (around rgb 220, 30, 30). "
        "From 00:01.5 to 00:03.0 the picture is mostly blue (around rgb 30, 60, 220). "
        "Smaller white areas also appear between 00:02.0 and 00:03.0.\n\n"
        "The audio averages -18.0 dBFS (RMS). It is loudest from 00:00.0 to 00:01.0 at "
        "-12.0 dBFS. It is silent from 00:02.0 to 00:03.0."
    )
    summary = _answers(facts, "Describe this video")[1].text.split("\n\n")
    assert summary[2] == (
        "From 00:00.0 to 00:01.0 the picture is still. From 00:01.0 to 00:02.0 there is "
        "moderate motion. From 00:02.0 to 00:03.0 there is strong motion. The most movement "
        "is from 00:02.0 to 00:03.0 (mean frame difference 0.0600)."
    )


def test_rubric_scores_cut_answers(facts: VideoFacts) -> None:
    prompt = "Where are the cuts?"
    verdict = LocalRubricJudge().evaluate(facts, prompt, _answers(facts, prompt))
    scenes, colours, wrong, refusal = verdict.evaluations
    # B hedges ("I don't detect cuts directly") but then answers: no penalty for that.
    assert [e.score for e in verdict.evaluations] == [10, 9, 2, 1]
    assert scenes.reasoning == (
        "The prompt asks about cuts and shots. It answers the question. Checked 3 claims, "
        "3 right and 0 wrong. right: Says 2 shots, matching the measurement. right: Says 1 "
        "cut, matching the measurement. right: Cut at 00:01.5 matches the measured cut at "
        "00:01.5. It states 2 of the 2 facts asked for."
    )
    assert scenes.strengths == [
        "Says 2 shots, matching the measurement.",
        "Says 1 cut, matching the measurement.",
        "Cut at 00:01.5 matches the measured cut at 00:01.5.",
        "Gives 3 specific timestamps.",
    ]
    assert scenes.weaknesses == []
    assert colours.weaknesses == []
    assert wrong.weaknesses[:3] == [
        "Says 4 shots, but 2 were measured.",
        "Places a cut or shot boundary at 00:00.5, but the nearest measured cut is at 00:01.5.",
        "Places a cut or shot boundary at 00:02.0, but the nearest measured cut is at 00:01.5.",
    ]
    assert refusal.weaknesses[-1] == (
        "Makes no concrete claim that could be checked against the video."
    )
    assert verdict.overall_summary == (
        "Answer A is best with 10/10: all 3 checked claims are right. Answer B scores 9/10 "
        "(all 2 checked claims are right); Answer C scores 2/10 (0 claims right and 9 wrong); "
        "Answer D scores 1/10 (no checkable claims)."
    )


def test_rubric_checks_every_topic_of_a_summary(facts: VideoFacts) -> None:
    prompt = "Describe this video"
    verdict = LocalRubricJudge().evaluate(facts, prompt, _answers(facts, prompt))
    assert [e.score for e in verdict.evaluations] == [9, 9, 2, 1]
    assert verdict.evaluations[1].weaknesses == [
        "Does not state how many shots there are (2).",
        "Does not state the cut times (00:01.5).",
    ]
    assert verdict.evaluations[2].weaknesses[3:6] == [
        "States a duration of 00:10.0; the video lasts 00:03.0.",
        "Resolution 1920x1080 is wrong (measured 320x240).",
        "Frame rate 30 fps is wrong (measured 24 fps).",
    ]
    assert verdict.overall_summary == (
        "Answer A and Answer B share the top score (9/10). Answer C scores 2/10 "
        "(0 claims right and 9 wrong); Answer D scores 1/10 (no checkable claims)."
    )


def test_accuracy_scales_the_score(facts: VideoFacts) -> None:
    """A long, specific, on-topic answer that is wrong loses to a short right one."""
    answers = [
        AnonymousAnswer(label="Answer A", text="It lasts 00:03.0."),
        AnonymousAnswer(label="Answer B", text=WRONG + " " + WRONG.replace("4 shots", "5 shots")),
    ]
    verdict = LocalRubricJudge().evaluate(facts, "How long is it?", answers)
    assert [e.score for e in verdict.evaluations] == [9, 2]
    assert verdict.evaluations[0].strengths == ["Duration 00:03.0 matches the measured 00:03.0."]
