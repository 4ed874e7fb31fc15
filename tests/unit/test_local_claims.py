"""What the rubric judge reads in an answer's text, and how the offline provider writes."""

from __future__ import annotations

from vidcompare.providers.local.claims import (
    addresses,
    colours_named,
    count_claims,
    duration_claims,
    loudness_claims,
    sentences_of,
    timed_clauses,
    timestamps,
)
from vidcompare.providers.local.intents import TOPICS
from vidcompare.providers.local.wording import fmt_range, fmt_ts, join_words, plural


def test_timestamps_are_clock_times_ranges_and_points_after_a_preposition() -> None:
    assert timestamps("A cut at 00:02.5 and another at 1:02:03.25.") == [2.5, 3723.25]
    assert timestamps("Blue from 1-3.5 s, then red at 4 seconds.") == [1.0, 3.5, 4.0]
    assert timestamps("Motion around the 6-second mark.") == [6.0]
    assert timestamps("The shot (1.5 s) is blue.") == []  # a length, not a point in time


def test_duration_claims_are_about_the_whole_video() -> None:
    text = "The video lasts 00:05.0. The average shot lasts 1.7 s. It is 1 minute 30 seconds long."
    assert duration_claims(text) == [5.0, 90.0]


def test_count_claims_are_totals_only() -> None:
    text = (
        "There are 3 shots and two cuts. No cuts later. 3 more shots follow; in one shot it "
        "is red. No shot is longer than 2 s. 4 scene changes."
    )
    assert count_claims(text) == [(3, "shots"), (2, "cuts"), (0, "cuts"), (4, "cuts")]


def test_colours_levels_and_sentences() -> None:
    assert colours_named("Not blue but crimson, then gray and no green.") == [
        ("crimson", "red"),
        ("gray", "grey"),
    ]
    assert loudness_claims("It averages -18.5 dBFS, peaks at - 12 dB.") == [-18.5, -12.0]
    assert sentences_of("One. Two!\nThree? four") == ["One.", "Two!", "Three?", "four"]


def test_addresses_counts_answer_words_colours_and_resolutions() -> None:
    text = "It lasts 5 s at 640x360 and is teal."
    assert [t for t in TOPICS if addresses(text, t)] == ["duration", "format", "colour"]


def test_wording() -> None:
    # Rounding comes first: 59.96 s is a whole minute.
    assert [fmt_ts(t) for t in (0, 2.5, 59.96, 125.3)] == [
        "00:00.0",
        "00:02.5",
        "01:00.0",
        "02:05.3",
    ]
    assert fmt_range(0.04, 61.26) == "00:00.0 to 01:01.3"
    assert [join_words(w) for w in ([], ["a"], ["a", "b"], ["a", "b", "c"])] == [
        "",
        "a",
        "a and b",
        "a, b and c",
    ]
    assert (plural(1, "shot"), plural(2, "shot")) == ("1 shot", "2 shots")


def test_timed_clauses_give_each_colour_its_own_times() -> None:
    assert timed_clauses(
        "Scene 1 (00:00.0 to 00:01.5) is grey and scene 2 (00:01.5 to 00:03.0) is brown; "
        "from 00:03.0, red (around rgb 218, 30, 30). White and black between 4 and 5 s."
    ) == [
        ("Scene 1 (00:00.0 to 00:01.5) is grey", [0.0, 1.5]),
        ("scene 2 (00:01.5 to 00:03.0) is brown", [1.5, 3.0]),
        ("from 00:03.0", [3.0]),
        ("red (around rgb 218, 30, 30). White", [3.0]),  # a clause, not a sentence
        ("black between 4 and 5 s.", [4.0, 5.0]),
    ]
