"""The offline judge's inputs deserve trust: colour names are checked by colour family
against each scene's measured colour (grey is not brown), and a refusal or non-answer
scores below any answer whose checkable claims are right. Facts are written by hand."""

from __future__ import annotations

import pytest

from vidcompare.media.analysis import ColourSegment, ColourShare, SecondFacts, Shot, VideoFacts
from vidcompare.providers.base import AnonymousAnswer
from vidcompare.providers.local import LocalMotionColourModel, LocalRubricJudge, LocalScenesModel
from vidcompare.providers.local.colours import colour_mentions, families_near, family
from vidcompare.providers.local.intents import detect_intents
from vidcompare.providers.local.judge import NON_ANSWER_MAX

GREY, BROWN = (126, 126, 126), (137, 68, 16)  # #808080 and #8B4513 after H.264
COLOURS_PROMPT = "Which colours dominate each scene?"


def _shot(index: int, start: float, rgb: tuple[int, int, int], name: str) -> Shot:
    return Shot(
        index=index,
        start_s=start,
        end_s=start + 1.5,
        dominant_colour=name,
        dominant_rgb=rgb,
        colours=[ColourShare(name=name, share=1.0, rgb=rgb)],
        brightness=0.4,
        motion=0.0,
    )


def _second(index: int, shares: list[ColourShare]) -> SecondFacts:
    return SecondFacts(
        second=index,
        start_s=float(index),
        end_s=index + 1.0,
        dominant_colour=shares[0].name,
        dominant_rgb=shares[0].rgb,
        colours=shares,
        brightness=0.4,
        motion=0.0,
    )


@pytest.fixture(scope="module")
def facts() -> VideoFacts:
    """3 s, still and silent: grey until a cut at 1.5 s, then brown. Second 1 straddles
    the cut and holds both colours."""
    grey = ColourShare(name="grey", share=1.0, rgb=GREY)
    brown = ColourShare(name="brown", share=1.0, rgb=BROWN)
    half = [brown.model_copy(update={"share": 0.5}), grey.model_copy(update={"share": 0.5})]
    return VideoFacts(
        container="mov,mp4,m4a,3gp,3g2,mj2",
        video_codec="h264",
        audio_codec=None,
        duration_s=3.0,
        width=320,
        height=240,
        fps=24.0,
        frame_count=72,
        has_audio=False,
        shots=[_shot(1, 0.0, GREY, "grey"), _shot(2, 1.5, BROWN, "brown")],
        colour_segments=[
            ColourSegment(start_s=0.0, end_s=1.5, colour="grey", rgb=GREY),
            ColourSegment(start_s=1.5, end_s=3.0, colour="brown", rgb=BROWN),
        ],
        timeline=[_second(0, [grey]), _second(1, half), _second(2, [brown])],
        audio=None,
    )


def _judge(facts: VideoFacts, prompt: str, *texts: str) -> list[tuple[int, list[str], str]]:
    answers = [AnonymousAnswer(label=f"Answer {i + 1}", text=t) for i, t in enumerate(texts)]
    verdict = LocalRubricJudge().evaluate(facts, prompt, answers)
    return [(e.score, e.weaknesses, e.reasoning) for e in verdict.evaluations]


# -- the colour rule


@pytest.mark.parametrize(
    ("rgb", "expected"),
    [
        ((128, 128, 128), "grey"),
        (GREY, "grey"),
        ((128, 118, 108), "grey"),  # warm grey: an orange hue, but too little chroma
        ((112, 128, 144), "grey"),  # slate grey
        ((139, 69, 19), "brown"),  # #8B4513 saddle brown
        (BROWN, "brown"),
        ((210, 180, 140), "brown"),  # tan: orange hue, dull
        ((139, 0, 0), "red"),  # dark red stays red: its hue is not orange
        ((220, 30, 30), "red"),
        ((255, 165, 0), "orange"),
        ((0, 0, 128), "blue"),  # navy
        ((75, 0, 130), "purple"),  # indigo
        ((255, 0, 255), "magenta"),
        ((255, 192, 203), "pink"),
        ((0, 128, 128), "cyan"),
        ((240, 220, 30), "yellow"),
        ((30, 180, 60), "green"),
        ((10, 10, 10), "black"),
        ((245, 245, 245), "white"),
        ((245, 245, 220), "white"),  # beige: a very light tint
    ],
)
def test_colour_family_rule(rgb: tuple[int, int, int], expected: str) -> None:
    assert family(rgb) == expected


def test_borders_are_lenient_but_grey_is_never_near_brown() -> None:
    assert families_near(GREY) == {"grey"}
    assert families_near((139, 69, 19)) == {"brown"}
    assert families_near((255, 0, 0)) == {"red"}  # pure red is nowhere near brown
    assert families_near((0, 0, 255)) == {"blue"}
    # A greyish taupe (C* 11) sits on the grey/brown border: either name is fair.
    assert families_near((120, 105, 90)) == {"grey", "brown"}


def test_colour_mentions_read_words_hex_codes_and_rgb_triples() -> None:
    assert colour_mentions("A greyish, grey-brown wall; #8B4513, rgb(126, 126, 126), navy.") == [
        (16, "brown", "brown"),  # "grey-" modifies brown; "greyish" is not a colour claim
        (28, "#8B4513", "brown"),
        (37, "rgb(126, 126, 126)", "grey"),
        (57, "navy", "blue"),
    ]
    assert colour_mentions("rgb 300, 0, 0 is no colour; nor is Orangeville.") == []


# -- colour claims against the measured scenes


def test_a_grey_scene_called_brown_is_wrong_even_beside_a_brown_scene(facts: VideoFacts) -> None:
    [(score, weaknesses, _)] = _judge(
        facts, COLOURS_PROMPT, "From 00:00.0 to 00:01.5 the picture is mostly brown."
    )
    assert weaknesses[0] == (
        "Names brown at 00:00.0 to 00:01.5, but the measured colours there are grey "
        "(rgb 126, 126, 126)."
    )
    assert score <= NON_ANSWER_MAX


def test_swapped_colours_are_both_wrong_and_right_ones_are_strengths(facts: VideoFacts) -> None:
    swapped = "From 00:00.0 to 00:01.5 it is brown. From 00:01.5 to 00:03.0 it is grey."
    right = "From 00:00.0 to 00:01.5 it is grey. From 00:01.5 to 00:03.0 it is #8B4513."
    answers = [AnonymousAnswer(label=label, text=t) for label, t in (("S", swapped), ("R", right))]
    swap, good = LocalRubricJudge().evaluate(facts, COLOURS_PROMPT, answers).evaluations
    assert [w for w in swap.weaknesses if w.startswith("Names")] == [
        "Names brown at 00:00.0 to 00:01.5, but the measured colours there are grey "
        "(rgb 126, 126, 126).",
        "Names grey at 00:01.5 to 00:03.0, but the measured colours there are brown "
        "(rgb 137, 68, 16).",
    ]
    assert good.strengths[:2] == [
        "Grey at 00:00.0 to 00:01.5 matches the measured grey (rgb 126, 126, 126).",
        "#8B4513 (brown) at 00:01.5 to 00:03.0 matches the measured brown (rgb 137, 68, 16).",
    ]
    assert (swap.score, good.score) == (2, 8)


def test_a_colour_for_the_whole_video_may_be_any_scenes(facts: VideoFacts) -> None:
    [(score, weaknesses, _)] = _judge(facts, COLOURS_PROMPT, "Mostly grey and brown, no red.")
    assert not [w for w in weaknesses if w.startswith("Names")]
    assert score > NON_ANSWER_MAX


# -- refusals and non-answers


def test_refusals_and_non_answers_score_below_any_right_answer(facts: VideoFacts) -> None:
    intents = detect_intents(COLOURS_PROMPT)
    scenes = LocalScenesModel().answer(facts, intents)  # right about cuts, declines colour
    colours = LocalMotionColourModel().answer(facts, intents)
    texts = [
        colours,
        "Grey, then brown.",  # terse, but its one checkable claim each is right
        scenes,
        "I cannot describe colour.",
        "",
        "The video lasts 3 seconds and is 320x240 at 24 fps.",  # right, but off-topic
        "Brown throughout.",
    ]
    verdicts = _judge(facts, COLOURS_PROMPT, *texts)
    scores = [score for score, _, _ in verdicts]
    assert scores == [10, 6, 3, 1, 1, 1, 2]
    # "throughout" claims every scene: the grey one contradicts it.
    assert verdicts[-1][1][0] == (
        "Names brown at 00:00.0 to 00:01.5, but the measured colours there are grey "
        "(rgb 126, 126, 126)."
    )
    answers, non_answers = scores[:2], scores[2:]
    assert max(non_answers) <= NON_ANSWER_MAX < min(answers)


@pytest.mark.parametrize(
    "prompt",
    [
        COLOURS_PROMPT,
        "What are the main colours, scene by scene?",
        "Scene by scene: which colour is dominant?",
        "Name the dominant colour of every shot.",
    ],
)
def test_a_refusal_scores_the_same_however_the_grouping_is_worded(
    facts: VideoFacts, prompt: str
) -> None:
    scenes = LocalScenesModel().answer(facts, detect_intents(prompt))  # declines colour
    [(score, _, _)] = _judge(facts, prompt, scenes)
    assert score <= NON_ANSWER_MAX


def test_the_reasoning_lists_the_checked_claims_and_the_cap(facts: VideoFacts) -> None:
    scenes = LocalScenesModel().answer(facts, detect_intents(COLOURS_PROMPT))
    [(score, weaknesses, reasoning)] = _judge(facts, COLOURS_PROMPT, scenes)
    assert score == 3
    assert reasoning == (
        "The prompt asks about colour and cuts and shots. It gives no answer on colour "
        '(it declines: "cannot ..."), so it can score at most 3/10. Checked 3 claims, 3 right '
        "and 0 wrong. right: Says 2 shots, matching the measurement. right: Says 1 cut, "
        "matching the measurement. right: Cut at 00:01.5 matches the measured cut at 00:01.5. "
        "It states 2 of the 3 facts asked for."
    )
    assert weaknesses == [
        "Does not state the main colours (grey and brown).",
        "Does not address the colour the prompt asks about.",
        'Declines part of the question ("cannot ...").',
    ]


def test_a_partial_answer_is_capped_by_the_share_it_answers(facts: VideoFacts) -> None:
    prompt = "What colour is it and how loud is the sound?"
    [(score, _, reasoning)] = _judge(
        facts, prompt, "From 00:00.0 to 00:01.5 it is grey, then brown until 00:03.0."
    )
    assert "It gives no answer on audio, so it can score at most 6/10." in reasoning
    assert score == 6


def test_a_summary_refusal_is_a_non_answer(facts: VideoFacts) -> None:
    [(score, _, reasoning)] = _judge(
        facts, "Describe this video", "I'm sorry, I am unable to watch videos."
    )
    assert score == 1
    assert reasoning.startswith(
        "The prompt asks about the video overall. It gives no answer on the video overall "
        '(it declines: "I\'m sorry ..."), so it can score at most 3/10.'
    )


def test_calling_a_still_video_still_is_a_right_claim(facts: VideoFacts) -> None:
    verdict = LocalRubricJudge().evaluate(
        facts,
        "Describe the motion",
        [
            AnonymousAnswer(label="A", text="The picture is still throughout."),
            AnonymousAnswer(label="B", text="I cannot describe motion."),
        ],
    )
    still, refusal = verdict.evaluations
    assert still.strengths == ["Calls the picture still, matching the measurement."]
    assert still.score > NON_ANSWER_MAX >= refusal.score
