"""The offline models and judge on real, decoded synthetic clips of known colours.

Scenes of pure grey, #8B4513 brown, red and navy with hard cuts: the judge must measure
each scene's colour family, pass the model that names them, fail "brown" for grey, and
rank a refusal below every answer. No local stack is needed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from vidcompare.media.analysis import VideoFacts, analyze
from vidcompare.providers.base import AnonymousAnswer, LabelVerdict
from vidcompare.providers.local import LocalMotionColourModel, LocalRubricJudge, LocalScenesModel
from vidcompare.providers.local.colours import family
from vidcompare.providers.local.intents import detect_intents
from vidcompare.providers.local.judge import NON_ANSWER_MAX
from vidcompare.testing.synth import colour_scenes, make_video

FAMILIES = ["grey", "brown", "red", "blue"]
COLOURS_PROMPT = "Which colours dominate each scene?"


@pytest.fixture(scope="module")
def four_scenes(tmp_path_factory: pytest.TempPathFactory) -> VideoFacts:
    path = tmp_path_factory.mktemp("colours") / "four.mp4"
    make_video(path, colour_scenes(FAMILIES), audio=False)
    return analyze(path)


@pytest.fixture(scope="module")
def grey_clip(tmp_path_factory: pytest.TempPathFactory) -> VideoFacts:
    path: Path = tmp_path_factory.mktemp("colours") / "grey.mp4"
    make_video(path, colour_scenes(["grey"], seconds=2.0), audio=False)
    return analyze(path)


def _judge(facts: VideoFacts, prompt: str, extra: dict[str, str]) -> dict[str, LabelVerdict]:
    intents = detect_intents(prompt)
    texts = {
        "scenes": LocalScenesModel().answer(facts, intents),
        "motion-colour": LocalMotionColourModel().answer(facts, intents),
        **extra,
    }
    answers = [AnonymousAnswer(label=label, text=text) for label, text in texts.items()]
    verdict = LocalRubricJudge().evaluate(facts, prompt, answers)
    return {e.label: e for e in verdict.evaluations}


def test_each_scene_measures_its_known_colour_family(four_scenes: VideoFacts) -> None:
    assert four_scenes.cut_times_s == [1.5, 3.0, 4.5]
    assert [family(s.dominant_rgb) for s in four_scenes.shots] == FAMILIES


def test_the_model_naming_the_colours_beats_the_one_declining(four_scenes: VideoFacts) -> None:
    verdicts = _judge(four_scenes, COLOURS_PROMPT, {"refusal": "I cannot describe colour."})
    scores = {label: v.score for label, v in verdicts.items()}
    assert scores == {"scenes": 3, "motion-colour": 10, "refusal": 1}
    named = verdicts["motion-colour"].reasoning
    for start, end, name in [("00:00.0", "00:01.5", "grey"), ("00:01.5", "00:03.0", "brown")]:
        assert (
            f"right: {name.capitalize()} at {start} to {end} matches the measured {name}" in named
        )
    assert verdicts["scenes"].reasoning.startswith(
        "The prompt asks about colour and cuts and shots. It gives no answer on colour "
        '(it declines: "cannot ..."), so it can score at most 3/10.'
    )


def test_brown_for_the_grey_scene_is_wrong(four_scenes: VideoFacts) -> None:
    swapped = {
        "swapped": "Scene 1 (00:00.0 to 00:01.5) is brown and scene 2 (00:01.5 to 00:03.0) "
        "is grey; scene 3 (00:03.0 to 00:04.5) is red and scene 4 (00:04.5 to 00:06.0) navy."
    }
    verdict = _judge(four_scenes, COLOURS_PROMPT, swapped)["swapped"]
    wrong = [w for w in verdict.weaknesses if w.startswith("Names")]
    assert len(wrong) == 2
    assert wrong[0].startswith("Names brown at 00:00.0 to 00:01.5, but the measured colours")
    assert "grey (rgb" in wrong[0] and "brown" not in wrong[0].split("are", 1)[1]
    assert "Navy (blue) at 00:04.5 to 00:06.0 matches the measured blue" in " ".join(
        verdict.strengths
    )


def test_a_grey_clip_described_as_brown_scores_low(grey_clip: VideoFacts) -> None:
    verdicts = _judge(grey_clip, COLOURS_PROMPT, {"brown": "Brown", "grey": "Grey"})
    assert verdicts["brown"].weaknesses[0].startswith("Names brown, but the measured colours")
    assert verdicts["brown"].score <= NON_ANSWER_MAX
    assert verdicts["grey"].score > NON_ANSWER_MAX
    assert verdicts["motion-colour"].score > verdicts["grey"].score


@pytest.mark.parametrize(
    ("prompt", "expected"),
    [
        ("Describe the motion", {"scenes": 3, "motion-colour": 8}),
        ("How many scenes are there?", {"scenes": 10, "motion-colour": 10}),
    ],
)
def test_other_prompts(four_scenes: VideoFacts, prompt: str, expected: dict[str, int]) -> None:
    assert {k: v.score for k, v in _judge(four_scenes, prompt, {}).items()} == expected
