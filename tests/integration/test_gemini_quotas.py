"""Our Gemini calls against a fake that enforces quotas, through the real google-genai SDK:
a 429 is retried after the delay the API asks for (the message's precise figure, not the
truncated retryDelay, not a blind backoff), within the call's budget, and what still fails
says how long to wait; the last test runs a batch through the local stack."""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import Callable, Iterator

import pytest
from google.genai import errors

from vidcompare.config import settings
from vidcompare.errors import TransientModelError
from vidcompare.providers.gemini.calls import call_gemini, retry_delay_s
from vidcompare.testing.fake_gemini import FakeGemini, max_in_flight
from vidcompare.testing.synth import SceneSpec, make_video

MODEL = "gemini-3.6-flash"
BACKOFF_S = 0.05  # the jitter on top of an asked delay is at most half of it
SLACK_S = 0.4  # a busy two-core machine


@pytest.fixture
def use_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., None]]:
    """Set vidcompare's settings for this test (the env, read anew)."""

    def apply(*, backoff_s: float = BACKOFF_S, attempts: int = 6) -> None:
        monkeypatch.setenv("VIDCOMPARE_GEMINI_BACKOFF_S", str(backoff_s))
        monkeypatch.setenv("VIDCOMPARE_GEMINI_429_ATTEMPTS", str(attempts))
        settings.cache_clear()

    apply()
    yield apply
    settings.cache_clear()


def run_calls(fake: FakeGemini, prompts: list[str], *, deadline: float | None = None) -> None:
    """``call_gemini`` on each prompt in turn, as one model lane does."""
    client = fake.client()

    async def lane() -> None:
        for prompt in prompts:
            await call_gemini(
                MODEL,
                lambda p=prompt: client.aio.models.generate_content(model=MODEL, contents=p),
                deadline=deadline,
            )

    asyncio.run(lane())


def asked(call: dict) -> float:
    """The precise delay a refused call's message asked for."""
    return float(re.search(r"Please retry in ([\d.]+)s\.$", call["error"]["message"])[1])


def test_over_rpm_the_third_call_waits_the_asked_delay_and_then_passes(fake_gemini, use_settings):
    fake_gemini.set_quota(MODEL, rpm=2, window_s=3)
    started = time.monotonic()
    run_calls(fake_gemini, ["one", "two", "three"])
    elapsed = time.monotonic() - started
    calls = fake_gemini.calls(MODEL)
    assert [c["status"] for c in calls] == [200, 200, 429, 200]
    refused, retried = calls[2], calls[3]
    delay = asked(refused)
    assert 2.0 < delay <= 3.0
    # The truncated retryDelay ("2s") alone would have retried early, into a second 429.
    assert refused["error"]["details"][2]["retryDelay"] == f"{int(delay)}s" != f"{delay}s"
    gap = retried["started_at"] - refused["ended_at"]
    assert delay <= gap <= delay + BACKOFF_S / 2 + SLACK_S, f"waited {gap:.2f} s for {delay}"
    assert elapsed < 3.0 + SLACK_S
    assert fake_gemini.quota_429s(MODEL) == 1


def test_over_tpm_the_call_waits_until_the_window_holds_its_tokens(fake_gemini, use_settings):
    fake_gemini.set_quota(MODEL, tpm=150, window_s=2)
    hundred_tokens = "x" * 400
    run_calls(fake_gemini, [hundred_tokens, hundred_tokens])
    calls = fake_gemini.calls(MODEL)
    assert [c["status"] for c in calls] == [200, 429, 200]
    assert (
        "generate_content_free_tier_input_token_count, limit: 150,"
        in (calls[1]["error"]["message"])
    )
    gap = calls[2]["started_at"] - calls[1]["ended_at"]
    assert asked(calls[1]) <= gap <= asked(calls[1]) + BACKOFF_S / 2 + SLACK_S
    assert fake_gemini.counters()["quota_429s_by_limit"] == {"tpm": 1}


def test_over_the_concurrency_limit_calls_back_off_and_all_pass(fake_gemini, use_settings):
    use_settings(backoff_s=0.1)  # 0.1 + 0.2 + 0.4 + 0.8 + 1.6 s: room for three 0.3 s calls
    fake_gemini.set_quota(MODEL, concurrent=1)
    fake_gemini.script(MODEL, latency_ms=300)
    client = fake_gemini.client()

    async def three_lanes() -> list[str]:
        answers = await asyncio.gather(
            *(
                call_gemini(
                    MODEL,
                    lambda p=p: client.aio.models.generate_content(model=MODEL, contents=p),
                )
                for p in ("a", "b", "c")
            )
        )
        return [a.text for a in answers]

    assert len(asyncio.run(three_lanes())) == 3
    calls = fake_gemini.calls(MODEL)
    admitted = [c for c in calls if c["status"] == 200]
    shed = [c for c in calls if c["status"] == 429]
    assert len(admitted) == 3 and max_in_flight(admitted) == 1
    assert shed and all("details" not in c["error"] for c in shed)
    assert fake_gemini.counters()["quota_429s_by_limit"] == {"concurrent": len(shed)}


def test_a_wait_past_the_budget_ends_the_call_at_once_saying_how_long(fake_gemini, use_settings):
    fake_gemini.set_quota(MODEL, rpm=1, window_s=30)
    run_calls(fake_gemini, ["one"])
    started = time.monotonic()
    with pytest.raises(TransientModelError, match=r"more than the [\d.]+ s left") as caught:
        run_calls(fake_gemini, ["two"], deadline=time.monotonic() + 2)
    assert time.monotonic() - started < 1.0
    refused = fake_gemini.calls(MODEL)[-1]
    assert caught.value.retry_after_s == asked(refused) and 29 < asked(refused) <= 30


def test_a_429_that_outlasts_the_retries_says_how_long_to_wait(fake_gemini, use_settings):
    use_settings(attempts=1)
    fake_gemini.set_quota(MODEL, rpm=1, window_s=30)
    run_calls(fake_gemini, ["one"])
    with pytest.raises(TransientModelError, match=r"^rate limited \(429 RESOURCE_EXHAUSTED\)"):
        run_calls(fake_gemini, ["two"])
    try:
        run_calls(fake_gemini, ["three"])
    except TransientModelError as exc:
        assert exc.retry_after_s == asked(fake_gemini.calls(MODEL)[-1])
    else:
        pytest.fail("the third call passed a 1 RPM quota")


def test_the_delay_read_prefers_the_message_then_retry_info_then_retry_after(fake_gemini):
    client = fake_gemini.client()

    def error_of(**script) -> errors.ClientError:
        fake_gemini.script(MODEL, clear=True, **script)
        with pytest.raises(errors.ClientError) as caught:
            client.models.generate_content(model=MODEL, contents="x")
        return caught.value

    # A scripted 429: RetryInfo "1.500s" and Retry-After "2"; its message names no delay.
    assert retry_delay_s(error_of(fail=[{"code": 429, "retry_delay_s": 1.5}])) == 1.5
    # The API's own quota 429: the message's nanoseconds, not retryDelay's whole seconds.
    fake_gemini.script(MODEL, clear=True)
    fake_gemini.set_quota(MODEL, rpm=1, window_s=30)
    client.models.generate_content(model=MODEL, contents="x")
    quota_error = error_of()
    delay = retry_delay_s(quota_error)
    assert delay == asked(fake_gemini.calls(MODEL)[-1]) and not delay.is_integer()
    # Shed for concurrency: no delay at all, the caller backs off.
    fake_gemini.set_quota(MODEL, concurrent=1)
    fake_gemini.script(MODEL, latency_ms=500)
    busy = threading.Thread(target=run_calls, args=(fake_gemini, ["long"]))
    busy.start()
    deadline = time.monotonic() + 5
    while fake_gemini.counters()["in_flight"] == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert retry_delay_s(error_of(latency_ms=500)) is None
    busy.join()


def test_a_batch_through_the_local_stack_honours_the_quota(client, fake_gemini, tmp_path):
    # process_combo, in its own process, calls the fake as it would call the API.
    path = tmp_path / "quota.mp4"
    make_video(path, [SceneSpec((90, 30, 200), 0.5), SceneSpec((240, 240, 240), 0.5)])
    video_id = client.upload(path).video_id
    fake_gemini.set_quota(MODEL, rpm=1, window_s=4)
    prompts = ["Describe the video.", "Count the cuts.", "Name the colours."]
    accepted = client.start_batch([video_id], prompts, [MODEL], judge_model="local-rubric")
    job = client.wait(accepted.job_id, poll_seconds=0.2, timeout=90)
    assert job.status.value == "completed", job.error
    results = [r for c in client.result(accepted.job_id).comparisons for r in c.results]
    assert [r.error for r in results] == [None] * 3
    calls = fake_gemini.calls(MODEL)
    # Each combination after the first finds the minute's one request spent, waits what
    # the 429 asks, and passes at its first retry.
    assert [c["status"] for c in calls] == [200, 429, 200, 429, 200]
    for refused, retried in zip(calls[1::2], calls[2::2], strict=True):
        assert retried["started_at"] - refused["ended_at"] >= asked(refused)
    assert fake_gemini.quota_429s(MODEL) == 2
