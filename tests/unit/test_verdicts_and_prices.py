"""Reading a judge's verdict whatever it wrote, judging with swaps, and pricing a call as
the bill does. In process: no stack, no server.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json

import pytest
from google.genai import types

from vidcompare.errors import MalformedVerdict
from vidcompare.judging import anonymise, judge_combination, with_names
from vidcompare.prices import TokenCount, cost_usd, price_change, price_of
from vidcompare.providers.base import Judge, LabelVerdict, Verdict, VideoSource
from vidcompare.providers.gemini.answers import read_answer, usage_of
from vidcompare.providers.verdicts import match_label, read_verdict
from vidcompare.schemas import ModelResult, Usage

LABELS = ["Answer A", "Answer B", "Answer C"]


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("Answer A", "Answer A"),
        ("A", "Answer A"),
        ("b", "Answer B"),
        ("answer a", "Answer A"),
        ("ANSWER C", "Answer C"),
        ("Answer A:", "Answer A"),
        ("**Answer B**", "Answer B"),
        ("*Answer C*.", "Answer C"),
        ("Response A", "Answer A"),
        ("response b", "Answer B"),
        ("Answer (A)", "Answer A"),
        ("(C)", "Answer C"),
        ("Answer_B", "Answer B"),
        ("Answer-C", "Answer C"),
        ("`Answer A`", "Answer A"),
        ("[Answer B]", "Answer B"),
        ("Candidate C", "Answer C"),
        ("  Answer   A  ", "Answer A"),
    ],
)
def test_every_reasonable_spelling_of_a_label_is_mapped_back(written: str, meant: str) -> None:
    assert match_label(written, LABELS) == meant


@pytest.mark.parametrize("written", ["Answer D", "D", "Answer AB", "the best one", "", None, 7])
def test_labels_that_were_not_shown_are_not_guessed(written: object) -> None:
    assert match_label(written, LABELS) is None


def _verdict(*evaluations: dict, summary: str = "B wins.") -> str:
    return json.dumps({"evaluations": list(evaluations), "overall_summary": summary})


def _item(label: object, score: object, **extra: object) -> dict:
    return {"label": label, "score": score, "reasoning": f"{label} reasons", **extra}


def test_a_sloppy_verdict_keeps_every_usable_score_in_the_order_shown() -> None:
    text = (
        "```json\n"
        + _verdict(
            _item("C", "7/10", strengths="precise", weaknesses=["short", ""]),
            _item("**Answer A**", 9.5),
            _item("Response B", "8"),
        )
        + "\n```"
    )
    verdict = read_verdict(text, LABELS)
    assert [(v.label, v.score) for v in verdict.evaluations] == [
        ("Answer A", 9.5),
        ("Answer B", 8),
        ("Answer C", 7),
    ]
    assert verdict.evaluations[2].strengths == ["precise"]
    assert verdict.evaluations[2].weaknesses == ["short"]
    assert verdict.missing == [] and verdict.notes == []
    assert verdict.overall_summary == "B wins."


def test_a_verdict_that_misses_an_answer_names_it_and_keeps_the_others() -> None:
    text = _verdict(
        _item("Answer A", 6),
        _item("Answer D", 9),  # not shown
        _item("Answer C", 11),  # out of range
        _item("A", 2),  # a second verdict for A
    )
    verdict = read_verdict(text, LABELS)
    assert [(v.label, v.score) for v in verdict.evaluations] == [("Answer A", 6)]
    assert verdict.missing == ["Answer B", "Answer C"]
    assert verdict.notes == [
        "a verdict for the unknown label 'Answer D' was ignored",
        "Answer C: the score 11 is not a number from 1 to 10",
        "a second verdict for Answer A was ignored",
    ]


def test_a_bare_list_and_json_inside_prose_are_read() -> None:
    bare = json.dumps([_item("a", 4), _item("b", 5), _item("c", 6)])
    assert [v.score for v in read_verdict(bare, LABELS).evaluations] == [4, 5, 6]
    prose = "Here is my verdict: " + _verdict(_item("Answer B", 3)) + " Thanks!"
    verdict = read_verdict(prose, LABELS)
    assert [(v.label, v.score) for v in verdict.evaluations] == [("Answer B", 3)]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('{"evaluations": [{"label": "Answer A", "score": 7, "reasoning": "trunc', "not JSON"),
        ('{"overall_summary": "all good"}', "no list of evaluations"),
        (_verdict(_item("Answer Z", 7)), "scored none of the answers"),
        (_verdict(_item("Answer A", "great")), "scored none of the answers"),
        (_verdict(_item("Answer A", True)), "scored none of the answers"),
    ],
)
def test_only_a_verdict_with_nothing_usable_is_an_error(text: str, problem: str) -> None:
    with pytest.raises(MalformedVerdict, match=problem):
        read_verdict(text, LABELS)


# ------------------------------------------------------------------------------- answers


def _response(**fields: object) -> types.GenerateContentResponse:
    """A response parsed from the API's JSON as the SDK does."""
    return types.GenerateContentResponse.model_validate(fields)


def test_every_stop_reason_is_named_and_max_tokens_keeps_the_partial_text() -> None:
    from vidcompare.errors import ModelRefusal

    blocked = _response(prompt_feedback={"block_reason": "PROHIBITED_CONTENT"})
    with pytest.raises(ModelRefusal, match=r"the prompt was blocked \(PROHIBITED_CONTENT\)") as e:
        read_answer(blocked)
    assert e.value.block_reason == "PROHIBITED_CONTENT" and e.value.finish_reason is None
    for reason in ["SAFETY", "RECITATION", "PROHIBITED_CONTENT", "BLOCKLIST", "SPII"]:
        stopped = _response(candidates=[{"finish_reason": reason}])
        with pytest.raises(ModelRefusal, match=f"finish reason {reason}") as e:
            read_answer(stopped)
        assert e.value.finish_reason == reason
    cut = _response(
        candidates=[
            {
                "content": {"parts": [{"text": "thinking", "thought": True}, {"text": "The vid"}]},
                "finish_reason": "MAX_TOKENS",
            }
        ]
    )
    answer = read_answer(cut)
    assert (answer.text, answer.finish_reason, answer.truncated) == ("The vid", "MAX_TOKENS", True)
    spent = _response(candidates=[{"content": {"parts": []}, "finish_reason": "MAX_TOKENS"}])
    with pytest.raises(ModelRefusal, match="output token limit was reached before any answer"):
        read_answer(spent)


# -------------------------------------------------------------------------------- prices


def test_a_long_prompt_pays_the_long_context_price_for_input_and_output() -> None:
    on = dt.date(2026, 11, 1)
    short = cost_usd("gemini-2.5-pro", TokenCount(prompt=200_000, output=1_000), on)
    assert short == pytest.approx((200_000 * 1.25 + 1_000 * 10.00) / 1e6)
    long = cost_usd("gemini-2.5-pro", TokenCount(prompt=200_001, output=1_000), on)
    assert long == pytest.approx((200_001 * 2.50 + 1_000 * 15.00) / 1e6)
    # Flash models have one price at any length.
    flash = cost_usd("gemini-3.6-flash", TokenCount(prompt=500_000, output=1_000), on)
    assert flash == pytest.approx((500_000 * 1.50 + 1_000 * 7.50) / 1e6)


def test_cached_tokens_audio_and_thinking_are_billed_as_the_bill_does() -> None:
    on = dt.date(2026, 11, 1)
    tokens = TokenCount(prompt=10_000, cached=4_000, audio=1_000, cached_audio=400, output=700)
    # gemini-2.5-flash: input 0.30, audio 1.00, cached 0.03, cached audio 0.10, output 2.50
    expected = (5_400 * 0.30 + 600 * 1.00 + 3_600 * 0.03 + 400 * 0.10 + 700 * 2.50) / 1e6
    assert cost_usd("gemini-2.5-flash", tokens, on) == pytest.approx(expected)

    usage = usage_of(
        "gemini-2.5-flash",
        _response(
            candidates=[{"content": {"parts": [{"text": "ok"}]}, "finish_reason": "STOP"}],
            usage_metadata={
                "prompt_token_count": 10_000,
                "cached_content_token_count": 4_000,
                "candidates_token_count": 500,
                "thoughts_token_count": 200,
                "total_token_count": 10_700,
                "prompt_tokens_details": [
                    {"modality": "TEXT", "token_count": 100},
                    {"modality": "VIDEO", "token_count": 8_900},
                    {"modality": "AUDIO", "token_count": 1_000},
                ],
                "cache_tokens_details": [
                    {"modality": "VIDEO", "token_count": 3_600},
                    {"modality": "AUDIO", "token_count": 400},
                ],
            },
        ),
    )
    assert (usage.input_tokens, usage.output_tokens, usage.total_tokens) == (10_000, 700, 10_700)
    assert (usage.cached_tokens, usage.thinking_tokens) == (4_000, 200)
    today = dt.datetime.now(dt.UTC).date()
    assert usage.estimated_cost_usd == pytest.approx(cost_usd("gemini-2.5-flash", tokens, today))


def test_prices_change_on_their_date_and_versions_share_their_models_price() -> None:
    promo = price_of("gemini-3.8-flash", dt.date(2026, 12, 31))
    listed = price_of("gemini-3.8-flash", dt.date(2027, 1, 1))
    assert (promo.input, promo.output) == (0.75, 3.75)
    assert (listed.input, listed.output) == (1.50, 7.50)
    assert price_change("gemini-3.8-flash", dt.date(2026, 11, 26)) == (
        dt.date(2026, 12, 31),
        listed,
    )
    assert price_change("gemini-3.8-flash", dt.date(2027, 1, 1)) is None
    assert price_change("gemini-3.6-flash", dt.date(2026, 11, 26)) is None
    assert price_of("gemini-2.5-flash-001") == price_of("gemini-2.5-flash")
    assert price_of("gemini-flash-latest") is None
    assert cost_usd("local-scenes", TokenCount(prompt=1_000, output=1_000)) == 0.0


# ------------------------------------------------------------------- judging, in process

NAMES = {"m1": "Model One", "m2": "Model Two", "m3": "Model Three"}
SHOWN = {"Answer A": "m1", "Answer B": "m2", "Answer C": "m3"}


@pytest.mark.parametrize(
    ("written", "read"),
    [
        (
            "Answer A is best; Answer C misses the cut.",
            "Model One is best; Model Three misses the cut.",
        ),
        ("**Answer B** is vague.", "Model Two is vague."),
        ("answer B: good timestamps", "Model Two: good timestamps"),
        ("Response A beats Answer (C).", "Model One beats Model Three."),
        # English, not labels: the letter must be a capital, and be alone.
        (
            "The response a viewer would want is short.",
            "The response a viewer would want is short.",
        ),
        ("Neither answer a priori wins.", "Neither answer a priori wins."),
        ("Answer Alpha", "Answer Alpha"),
        ("Answer D was not shown.", "Answer D was not shown."),
    ],
)
def test_the_judges_text_names_the_models_not_the_labels(written: str, read: str) -> None:
    assert with_names(written, SHOWN, NAMES) == read


class ScriptedJudge(Judge):
    """A judge of ours that answers from a list, in order (our interface, no Google)."""

    judge_id, display_name, provider = "scripted", "Scripted", "test"

    def __init__(self, *outcomes: Verdict | Exception) -> None:
        self.outcomes = list(outcomes)

    async def judge(self, video, prompt, answers) -> Verdict:
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


def _verdict_of(scores: dict[str, float], usage_tokens: int = 10) -> Verdict:
    return Verdict(
        evaluations=[
            LabelVerdict(label=label, score=score, reasoning=f"{label} reasons")
            for label, score in scores.items()
        ],
        overall_summary="",
        missing=[label for label in ("Answer A", "Answer B", "Answer C") if label not in scores],
        usage=Usage(total_tokens=usage_tokens, estimated_cost_usd=0.001),
    )


def _judged(judge: Judge, swaps: int = 2):
    results = [ModelResult(model_name=NAMES[m], model_id=m, response=f"{m} says") for m in NAMES]
    video = VideoSource("v", "gs://b/v", "0" * 64, "video/mp4", 1, lambda: None)
    return asyncio.run(judge_combination(judge, video, "Q?", results, seed=7, swaps=swaps))


def test_position_consistency_compares_the_same_answers_in_both_orders() -> None:
    results = [ModelResult(model_name=NAMES[m], model_id=m, response=f"{m} says") for m in NAMES]
    _, shown = anonymise(results, seed=7)
    by_model = {m: label for label, m in shown.items()}
    # The same scores both ways, but the first verdict left out the best answer.
    first = _verdict_of({by_model["m1"]: 5, by_model["m2"]: 7})
    reversed_labels = {f"Answer {'ABC'[i]}": m for i, m in enumerate(reversed(shown.values()))}
    by_model_rev = {m: label for label, m in reversed_labels.items()}
    second = _verdict_of({by_model_rev["m1"]: 5, by_model_rev["m2"]: 7, by_model_rev["m3"]: 9})
    judged = _judged(ScriptedJudge(first, second))
    assert judged.position_consistent is True  # m2 best of {m1, m2} in both orders
    scores = {e.model_id: e.score for e in judged.evaluation}
    assert scores == {"m1": 5, "m2": 7, "m3": 9}  # m3 from the one verdict that had it
    assert judged.warnings == [f"the judge gave no verdict for {by_model['m3']} (Model Three)"]


def test_a_failed_second_judging_keeps_the_first_and_counts_both_costs() -> None:
    results = [ModelResult(model_name=NAMES[m], model_id=m, response=f"{m} says") for m in NAMES]
    _, shown = anonymise(results, seed=7)
    first = _verdict_of({label: 6 for label in shown}, usage_tokens=10)
    failed = MalformedVerdict("judge: nothing usable", usage=Usage(total_tokens=4))
    judged = _judged(ScriptedJudge(first, failed))
    assert judged.judge_error is None and judged.position_consistent is None
    assert {e.score for e in judged.evaluation} == {6}
    assert judged.warnings == ["the judging in reversed order failed: judge: nothing usable"]
    assert judged.usage.total_tokens == 14
    # A judge that fails outright still reports what it cost.
    alone = _judged(ScriptedJudge(MalformedVerdict("junk", usage=Usage(total_tokens=3))), swaps=1)
    assert (alone.judge_error, alone.usage.total_tokens) == ("junk", 3)
