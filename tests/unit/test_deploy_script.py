"""The deploy's upload settings, without a script: web origins, and the lifecycle's ages."""

from __future__ import annotations

import datetime as dt

import pytest

from vidcompare.deploy.documents import abandoned_upload_days, lifecycle_policy
from vidcompare.deploy.target import Target, web_origin
from vidcompare.uploads import INCOMING_PREFIX, UPLOAD_WINDOW


@pytest.mark.parametrize(
    ("given", "origin"),
    [
        ("https://app.example", "https://app.example"),
        (" HTTPS://App.Example/ ", "https://app.example"),
        ("http://localhost:8000", "http://localhost:8000"),
        ("https://a-b.c.example:443", "https://a-b.c.example:443"),
    ],
)
def test_an_origin_is_kept_as_a_browser_sends_it(given: str, origin: str):
    assert web_origin(given) == origin


@pytest.mark.parametrize(
    "given",
    [
        "",
        "app.example",
        "https://",
        "https://app.example/upload",
        "https://app.example?x=1",
        "ftp://app.example",
        "https://-app.example",
        "https://app.example:123456",
        'https://a.example"]',
        "https://$(id).example",
        "https://`id`.example",
    ],
)
def test_anything_else_is_refused_naming_what_was_given(given: str):
    with pytest.raises(ValueError, match="not a web origin") as refused:
        web_origin(given)
    assert repr(given) in str(refused.value)


def test_a_target_holds_its_origins_checked():
    target = Target("p", "r", web_origins=("https://A.example/",))
    assert target.web_origins == ("https://a.example",)
    with pytest.raises(ValueError, match="not a web origin"):
        Target("p", "r", web_origins=("https://a.example/page",))


def test_abandoned_uploads_go_the_first_whole_day_after_their_window():
    assert abandoned_upload_days() == 1  # the contract's "older than 1 day"
    assert dt.timedelta(days=abandoned_upload_days()) >= UPLOAD_WINDOW


def test_the_lifecycle_keeps_videos_for_the_retention_and_uploads_under_incoming_a_day():
    target = Target("p", "r", retention_days=30)
    assert lifecycle_policy(target) == {
        "rule": [
            {"action": {"type": "Delete"}, "condition": {"age": 30}},
            {
                "action": {"type": "Delete"},
                "condition": {"age": 1, "matchesPrefix": [INCOMING_PREFIX]},
            },
        ]
    }
    assert INCOMING_PREFIX == "incoming/"
