"""Quotas: the ModelQuota type and its Gemini defaults, the fake's sliding windows, and the
fake enforcing RPM, TPM and calls in flight through the real google-genai SDK."""

from __future__ import annotations

import re
import threading
import time

import pytest
from google.genai import errors

from vidcompare.quotas import GEMINI_DEFAULTS, ModelQuota, default_quota, gemini_family
from vidcompare.testing.fake_gemini import FakeGemini, max_in_flight
from vidcompare.testing.fake_gemini.limits import OVERLOADED_MESSAGE, Window

MODEL = "gemini-3.6-flash"
OTHER = "gemini-3.8-flash"
FREE_REQUESTS = "generativelanguage.googleapis.com/generate_content_free_tier_requests"
FREE_TOKENS = "generativelanguage.googleapis.com/generate_content_free_tier_input_token_count"
PAID_TOKENS = "generativelanguage.googleapis.com/generate_content_paid_tier_input_token_count"
HUNDRED_TOKENS = "x" * 400  # the fake counts a token per 4 characters


@pytest.fixture
def fake(fake_gemini: FakeGemini) -> FakeGemini:
    return fake_gemini


def refusal(
    fake: FakeGemini, contents: str = "hi", *, key: str | None = None, model: str = MODEL
) -> errors.ClientError:
    """The ClientError of a call the fake must refuse."""
    with pytest.raises(errors.ClientError) as caught:
        ask(fake, contents, key=key, model=model)
    return caught.value


def ask(fake: FakeGemini, contents: str, *, key: str | None = None, model: str = MODEL) -> str:
    client = fake.client(key)  # kept: a client collected mid-call closes its connection
    return client.models.generate_content(model=model, contents=contents).text


def asked_delay(error: errors.ClientError) -> float:
    return float(re.search(r"Please retry in ([\d.]+)s\.$", error.message)[1])


# ModelQuota and the Gemini defaults ------------------------------------------------------


def test_a_quota_takes_whole_positive_limits_or_none():
    assert ModelQuota(rpm=60).as_dict() == {"rpm": 60, "tpm": None, "concurrent": None}
    assert ModelQuota().unlimited and not ModelQuota(concurrent=1).unlimited
    for bad in ({"rpm": 0}, {"tpm": -5}, {"concurrent": 1.5}, {"rpm": True}, {"rpm": "60"}):
        with pytest.raises(ValueError, match="whole number >= 1"):
            ModelQuota(**bad)
    assert ModelQuota.from_dict({"rpm": 2, "tpm": None}) == ModelQuota(rpm=2)
    with pytest.raises(ValueError, match=r"unknown quota fields \['rps'\]"):
        ModelQuota.from_dict({"rps": 2})


def test_default_quotas_follow_the_model_family_and_the_tier():
    assert default_quota("gemini-3.6-flash", "free") == ModelQuota(rpm=10, tpm=250_000)
    assert default_quota("gemini-3.5-flash-lite", "free") == ModelQuota(rpm=15, tpm=250_000)
    assert default_quota("gemini-3.1-pro-preview", "free") == ModelQuota(rpm=5, tpm=250_000)
    assert default_quota("gemini-3.1-pro-preview") == ModelQuota(rpm=150, tpm=2_000_000)
    assert default_quota("gemini-flash-latest") == ModelQuota(rpm=1_000, tpm=1_000_000)
    assert gemini_family("gemini-4-argon") == "pro"  # ranked with Pro
    assert default_quota("local-rubric").unlimited
    assert all(q.concurrent is None for tier in GEMINI_DEFAULTS.values() for q in tier.values())
    with pytest.raises(ValueError, match="unknown Gemini tier 'tier9'"):
        default_quota(MODEL, "tier9")


# the sliding window, on a clock of its own -------------------------------------------------


def test_the_request_window_frees_a_slot_when_its_oldest_call_leaves():
    window = Window(60.0)
    for when in (0.0, 10.0, 20.0):
        window.admit(when, 1)
    assert window.wait_for_request(30.0, rpm=4) == 0.0
    assert window.wait_for_request(30.0, rpm=3) == 30.0  # the call of t=0 leaves at 60
    assert window.wait_for_request(30.0, rpm=2) == 40.0  # two must leave: t=10 at 70
    assert window.requests(60.0) == 2  # t=0 left at exactly 60 s
    assert window.wait_for_request(60.0, rpm=3) == 0.0


def test_the_token_window_frees_enough_tokens_for_the_next_call():
    window = Window(60.0)
    for when, tokens in ((0.0, 100), (10.0, 200), (20.0, 300)):
        window.admit(when, tokens)
    assert window.tokens(30.0) == 600
    assert window.wait_for_tokens(30.0, 100, tpm=700) == 0.0  # exactly at the limit passes
    assert window.wait_for_tokens(30.0, 150, tpm=700) == 30.0  # t=0's 100 suffice
    assert window.wait_for_tokens(30.0, 250, tpm=700) == 40.0  # t=10's 200 are needed too
    # More tokens than the limit never fit: the delay is until the window is empty.
    assert window.wait_for_tokens(30.0, 800, tpm=700) == 50.0
    assert Window(60.0).wait_for_tokens(0.0, 800, tpm=700) == 60.0


# the fake enforcing quotas ---------------------------------------------------------------


def test_without_quotas_nothing_is_refused(fake: FakeGemini):
    assert fake.config()["quotas"] == {}
    client = fake.client()
    for _ in range(8):
        client.models.generate_content(model=MODEL, contents="hi")
    assert fake.quota_429s() == 0 and fake.counters()["errors_served"] == 0


def test_over_rpm_the_answer_is_the_real_apis_429(fake: FakeGemini):
    fake.set_quota(MODEL, rpm=2, window_s=3)
    client = fake.client()
    client.models.generate_content(model=MODEL, contents="one")
    client.models.generate_content(model=MODEL, contents="two")
    error = refusal(fake, "three")
    assert (error.code, error.status) == (429, "RESOURCE_EXHAUSTED")
    delay = asked_delay(error)
    assert 2.5 < delay <= 3.0, delay  # the first call leaves the 3 s window then
    head, asked = error.message.rsplit("Please retry in ", 1)
    assert re.fullmatch(r"2\.\d{1,9}s\.", asked), asked  # to the nanosecond
    assert head == (
        "You exceeded your current quota, please check your plan and billing details. For "
        "more information on this error, head to: https://ai.google.dev/gemini-api/docs/"
        "rate-limits. To monitor your current usage, head to: https://ai.dev/rate-limit. \n"
        f"* Quota exceeded for metric: {FREE_REQUESTS}, limit: 2, model: {MODEL}\n"
    )
    help_, failure, retry = error.details["error"]["details"]
    assert help_ == {
        "@type": "type.googleapis.com/google.rpc.Help",
        "links": [
            {
                "description": "Learn more about Gemini API quotas",
                "url": "https://ai.google.dev/gemini-api/docs/rate-limits",
            }
        ],
    }
    assert failure == {
        "@type": "type.googleapis.com/google.rpc.QuotaFailure",
        "violations": [
            {
                "quotaMetric": FREE_REQUESTS,
                "quotaId": "GenerateRequestsPerMinutePerProjectPerModel-FreeTier",
                "quotaDimensions": {"location": "global", "model": MODEL},
                "quotaValue": "2",
            }
        ],
    }
    # retryDelay is truncated to whole seconds, as the API's is ("2.93 s" -> "2s").
    assert retry == {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "2s"}
    assert "retry-after" not in error.response.headers
    counters = fake.counters()
    assert counters["quota_429s"] == 1 and counters["quota_429s_by_model"] == {MODEL: 1}
    assert counters["quota_429s_by_limit"] == {"rpm": 1}
    assert counters["errors_by_code"] == {"429": 1}
    statuses = [(c["status"], c.get("quota_exceeded", False)) for c in fake.calls(MODEL)]
    assert statuses == [(200, False), (200, False), (429, True)]
    time.sleep(delay)
    client.models.generate_content(model=MODEL, contents="after the wait")


def test_a_refused_call_uses_none_of_the_quota(fake: FakeGemini):
    fake.set_quota(MODEL, rpm=1, window_s=1)
    client = fake.client()
    client.models.generate_content(model=MODEL, contents="one")
    for _ in range(3):
        refusal(fake, "refused")
    time.sleep(asked_delay(refusal(fake, "refused")))
    client.models.generate_content(model=MODEL, contents="two")
    assert fake.quotas()["usage"][0]["requests"] == 1
    assert fake.quota_429s(MODEL) == 4


def test_over_tpm_the_input_tokens_of_the_window_are_counted(fake: FakeGemini):
    fake.set_quota(MODEL, tpm=150, window_s=3)
    fake.configure(quota_tier="paid")
    client = fake.client()
    client.models.generate_content(model=MODEL, contents=HUNDRED_TOKENS)
    client.models.generate_content(model=MODEL, contents="y" * 200)  # 50 more: at the limit
    error = refusal(fake, "z")
    assert f"* Quota exceeded for metric: {PAID_TOKENS}, limit: 150, model: {MODEL}\n" in (
        error.message
    )
    violation = error.details["error"]["details"][1]["violations"][0]
    assert violation["quotaId"] == "GenerateContentPaidTierInputTokensPerModelPerMinute"
    assert violation["quotaValue"] == "150"
    assert fake.counters()["quota_429s_by_limit"] == {"tpm": 1}
    usage = fake.quotas()["usage"]
    assert [(u["model"], u["requests"], u["tokens"]) for u in usage] == [(MODEL, 2, 150)]


def test_a_call_over_both_quotas_names_both_and_waits_for_both(fake: FakeGemini):
    fake.set_quota(MODEL, rpm=1, tpm=100, window_s=3)
    ask(fake, HUNDRED_TOKENS)
    error = refusal(fake, HUNDRED_TOKENS)
    assert error.message.count("* Quota exceeded for metric:") == 2
    assert f"{FREE_REQUESTS}, limit: 1," in error.message
    assert f"{FREE_TOKENS}, limit: 100," in error.message
    quota_ids = [v["quotaId"] for v in error.details["error"]["details"][1]["violations"]]
    assert quota_ids == [
        "GenerateRequestsPerMinutePerProjectPerModel-FreeTier",
        "GenerateContentInputTokensPerModelPerMinute-FreeTier",
    ]
    assert fake.counters()["quota_429s_by_limit"] == {"rpm": 1, "tpm": 1}


def test_each_model_and_each_api_key_has_windows_of_its_own(fake: FakeGemini):
    fake.set_quota("*", rpm=1, window_s=30)
    ask(fake, "a", key="key-a", model=MODEL)
    ask(fake, "a", key="key-a", model=OTHER)  # another model
    ask(fake, "b", key="key-b", model=MODEL)  # another key
    assert refusal(fake, key="key-a").code == 429
    assert refusal(fake, key="key-a", model=OTHER).code == 429
    fake.set_quota(OTHER, rpm=5)  # a model's own entry wins over "*"
    ask(fake, "a", key="key-a", model=OTHER)
    scopes = {(u["api_key"], u["model"]): u["requests"] for u in fake.quotas()["usage"]}
    assert scopes == {("key-a", MODEL): 1, ("key-a", OTHER): 2, ("key-b", MODEL): 1}
    assert fake.quota_429s() == 2 and fake.quota_429s(OTHER) == 1


def test_over_the_concurrency_limit_the_api_sheds_the_call(fake: FakeGemini):
    fake.set_quota(MODEL, concurrent=1)
    fake.script(MODEL, latency_ms=600)
    outcome: list[object] = []

    def first() -> None:
        outcome.append(ask(fake, "long"))

    worker = threading.Thread(target=first)
    worker.start()
    deadline = time.monotonic() + 5
    while fake.counters()["in_flight"] == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    error = refusal(fake, "second")
    assert (error.code, error.status, error.message) == (
        429,
        "RESOURCE_EXHAUSTED",
        OVERLOADED_MESSAGE,
    )
    assert "details" not in error.details["error"]  # no RetryInfo: the client backs off
    worker.join()
    assert len(outcome) == 1
    ask(fake, "third")  # the slot is free
    assert fake.counters()["quota_429s_by_limit"] == {"concurrent": 1}
    admitted = [c for c in fake.calls(MODEL) if c["status"] == 200]
    assert max_in_flight(admitted) == 1


def test_a_failed_call_frees_its_concurrency_slot(fake: FakeGemini):
    fake.set_quota(MODEL, concurrent=1)
    fake.script(MODEL, fail=[500])
    with pytest.raises(errors.ServerError):
        ask(fake, "fails")
    ask(fake, "passes")
    assert fake.quotas()["usage"][0]["in_flight"] == 0 and fake.quota_429s() == 0


def test_quota_settings_are_checked_and_can_be_removed(fake: FakeGemini):
    for fields in (
        {"quotas": {MODEL: {"rpm": 0}}},
        {"quotas": {MODEL: {"rps": 1}}},
        {"quotas": {MODEL: 5}},
        {"quotas": [MODEL]},
        {"quota_window_s": 0},
        {"quota_tier": "gold"},
    ):
        with pytest.raises(ValueError, match="fake gemini control config: 400"):
            fake.configure(**fields)
    assert fake.set_quota(MODEL, ModelQuota(rpm=3)) == {
        MODEL: {"rpm": 3, "tpm": None, "concurrent": None}
    }
    assert fake.set_quota(MODEL) == {}  # no limit at all: the entry goes
    fake.set_quota(MODEL, rpm=1)
    fake.reset()
    assert fake.config()["quotas"] == {} and fake.quotas()["usage"] == []
