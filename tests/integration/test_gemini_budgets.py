"""Time budgets with Gemini: a long video's upload has a deadline of its own, a hung
request is abandoned and retried, and a 429 never waits past the call's budget.

process_combo runs here with short budgets (restarted once for the module): a model
call has 3 s, one HTTP request 1 s, and a call waits 8 s for a video to be uploaded and
processed. Each test leaves at least a second of slack on a busy two-core machine.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from vidcompare.gcp import firestore_client
from vidcompare.testing.synth import SceneSpec, make_video

BUDGETS = {
    "VIDCOMPARE_MODEL_TIMEOUT_S": "3",
    "VIDCOMPARE_GEMINI_REQUEST_TIMEOUT_S": "1",
    "VIDCOMPARE_VIDEO_READY_TIMEOUT_S": "8",
}
MODELS = ["gemini-3.8-flash", "gemini-3.6-flash"]


@pytest.fixture(scope="module")
def short_budgets(local_stack) -> Iterator[None]:
    local_stack.restart("process_combo", extra_env=BUDGETS)
    try:
        yield
    finally:
        local_stack.restart("process_combo")


@pytest.fixture
def fresh_video(client, tmp_path) -> tuple[str, str, Path]:
    """A video whose bytes no earlier test uploaded: (video_id, sha256, path)."""
    path = tmp_path / f"budget-{time.monotonic_ns()}.mp4"
    colour = (time.monotonic_ns() % 200, 80, 160)
    make_video(path, [SceneSpec(colour, 0.5), SceneSpec((240, 10, 10), 0.5)])
    video = client.upload(path)
    return video.video_id, video.sha256, path


def run(client, video_id: str, prompts: list[str], models: list[str]):
    accepted = client.start_batch([video_id], prompts, models, judge_model="local-rubric")
    job = client.wait(accepted.job_id, poll_seconds=0.2, timeout=90)
    assert job.status.value == "completed", job.error
    return client.result(accepted.job_id)


def test_processing_longer_than_a_model_call_does_not_fail_the_models(
    short_budgets, client, fake_gemini, fresh_video
):
    video_id, sha, _ = fresh_video
    fake_gemini.configure(processing_ms=4500)  # > the 3 s model budget, < the 8 s wait
    started = time.monotonic()
    result = run(client, video_id, ["Describe.", "Count the cuts."], MODELS)
    assert time.monotonic() - started >= 4.5
    errors = [r.error for c in result.comparisons for r in c.results]
    assert errors == [None] * 4
    # The upload did not count against the models: each call's latency is its own.
    assert all(r.latency_ms < 3000 for c in result.comparisons for r in c.results)
    assert [u["sha256"] for u in fake_gemini.uploads()] == [sha]


def test_a_video_not_ready_in_time_is_asked_for_again_not_recorded_as_errors(
    short_budgets, client, fake_gemini, fresh_video
):
    video_id, sha, _ = fresh_video
    fake_gemini.configure(processing_ms=11_000)  # > the 8 s a call waits
    accepted = client.start_batch([video_id], ["Describe."], MODELS, judge_model="local-rubric")
    # The first delivery gave the combination back unfinished; its message came back and
    # found the upload recorded as pending in Firestore, and waited for it.
    job = client.wait(accepted.job_id, poll_seconds=0.2, timeout=90)
    assert job.status.value == "completed", job.error
    (comparison,) = client.result(accepted.job_id).comparisons
    assert [r.error for r in comparison.results] == [None, None]
    combo = firestore_client().document(f"jobs/{accepted.job_id}/comparisons/00000000")
    assert combo.get().get("attempts") >= 2
    assert [u["sha256"] for u in fake_gemini.uploads()] == [sha]  # one upload for both


def test_a_hung_request_is_abandoned_and_retried_within_the_budget(
    short_budgets, client, fake_gemini, fresh_video
):
    video_id, _, _ = fresh_video
    fake_gemini.script("gemini-3.6-flash", fail=[{"hang_ms": 3000}])
    result = run(client, video_id, ["Describe."], ["gemini-3.6-flash"])
    (answer,) = result.comparisons[0].results
    assert answer.error is None and answer.response
    calls = fake_gemini.calls("gemini-3.6-flash")
    assert len(calls) == 2  # the hung one (abandoned after 1 s) and its retry
    assert 1000 <= answer.latency_ms < 3000


def test_a_429_asking_for_more_than_the_budget_ends_the_call_at_once(
    short_budgets, client, fake_gemini, fresh_video
):
    video_id, _, _ = fresh_video
    fake_gemini.script("gemini-3.6-flash", fail=[{"code": 429, "retry_delay_s": 30}])
    result = run(client, video_id, ["Describe."], MODELS)
    fine, limited = result.comparisons[0].results
    assert limited.error.startswith(
        "rate limited (429 RESOURCE_EXHAUSTED): the API asked to wait 30 s, more than the "
    )
    assert limited.error.endswith(" s left of this call's budget")
    assert limited.latency_ms < 2000  # not the 3 s timeout, and not 30 s
    assert fine.error is None
    assert len(fake_gemini.calls("gemini-3.6-flash")) == 1
