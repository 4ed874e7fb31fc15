"""What the offline provider reads a prompt as asking about."""

from __future__ import annotations

import pytest

from vidcompare.providers.local.intents import detect_intents, primary_topics


@pytest.mark.parametrize(
    ("prompt", "intents"),
    [
        ("Where are the cuts?", {"cuts"}),
        ("How many shots are there?", {"cuts"}),  # a keyword matches the start of a word
        ("What colors appear, and how loud is it?", {"colour", "audio"}),
        ("How long is the video?", {"duration"}),
        ("What resolution and frame rate?", {"format"}),
        ("Is it bright or dark?", {"brightness"}),
        ("Describe this video", {"summary"}),  # no topic named: a summary
        ("Give an overview of the motion", {"summary", "motion"}),  # a summary asked for
        ("Summarise it and list the shots", {"summary", "cuts"}),
        ("What is the upshot?", {"summary"}),  # "shot" inside a word is no keyword
    ],
)
def test_detect_intents(prompt: str, intents: set[str]) -> None:
    assert detect_intents(prompt) == intents


@pytest.mark.parametrize(
    ("prompt", "primary"),
    [
        # "each scene" groups the question: colour is what must be answered.
        ("Which colours dominate each scene?", {"colour"}),
        ("Describe the motion in every shot", {"motion"}),
        ("What is the loudness per segment?", {"audio"}),
        # ... and so does "scene by scene" (the first of the pair too).
        ("What are the main colours, scene by scene?", {"colour"}),
        ("Describe the motion shot-by-shot", {"motion"}),
        ("Scene by scene, which colours dominate?", {"colour"}),
        # Named for its own sake, a topic stays primary.
        ("What colour is the first scene and how many cuts are there?", {"colour", "cuts"}),
        ("How many scenes are there?", {"cuts"}),
        # Only a grouping named: it is what is asked about after all.
        ("Describe each scene", {"cuts"}),
        ("Give an overview of the motion", {"summary"}),  # any topic answers a summary
    ],
)
def test_primary_topics(prompt: str, primary: set[str]) -> None:
    assert primary_topics(prompt, detect_intents(prompt)) == primary
