"""Gemini models and the Gemini judge, through the real google-genai SDK to a fake server.

The functions reach the fake (vidcompare.testing.fake_gemini) through the SDK's own environment
(``GOOGLE_GEMINI_BASE_URL``, ``GEMINI_API_KEY``), exactly as they would reach the API.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import time
from pathlib import Path

import pytest

from vidcompare import store
from vidcompare.gcp import firestore_client
from vidcompare.judging import anonymise, shuffle_seed
from vidcompare.prices import TokenCount, cost_usd
from vidcompare.reports.cells import cost_text
from vidcompare.reports.rows import to_csv_long
from vidcompare.schemas import ModelResult
from vidcompare.testing.fake_gemini import find_answers, score_for
from vidcompare.testing.synth import SceneSpec, make_video

# Four current models of the fake's catalogue (the real list's shape, late 2026).
GEMINI = ["gemini-3.1-pro-preview", "gemini-3.8-flash", "gemini-3.6-flash", "gemini-3.5-flash-lite"]
NAMES = ["Gemini 3.1 Pro Preview", "Gemini 3.8 Flash", "Gemini 3.6 Flash", "Gemini 3.5 Flash-Lite"]
JUDGE = "gemini-3.8-flash"  # the default judge of a Gemini batch: the newest current Flash


@pytest.fixture(scope="module")
def three_videos(client, tmp_path_factory) -> dict[str, Path]:
    """Three videos with their own bytes, uploaded once for this module: id -> path."""
    folder = tmp_path_factory.mktemp("gemini-videos")
    out = {}
    for i, colour in enumerate([(200, 40, 40), (40, 200, 40), (40, 40, 200)]):
        path = folder / f"clip-{i}.mp4"
        make_video(path, [SceneSpec(colour, 0.5 + 0.25 * i), SceneSpec((240, 240, 240), 0.5)])
        out[client.upload(path).video_id] = path
    return out


def generate_calls(fake, *, judge: bool) -> list[dict]:
    return [c for c in fake.calls() if c["judge"] == judge]


def test_batch_of_four_gemini_models_uploads_each_video_once(client, fake_gemini, three_videos):
    video_ids = list(three_videos)
    prompts = ["Describe the video.", "How many cuts are there?", "Which colours appear?"]
    accepted = client.start_batch(video_ids, prompts, GEMINI)
    assert accepted.judge_model == JUDGE
    job = client.wait(accepted.job_id, poll_seconds=0.2, timeout=120)
    assert job.status.value == "completed", job.error

    uploads = fake_gemini.uploads()
    assert len(uploads) == 3
    # 45 calls (36 answers, 9 verdicts): a handle is checked with files.get while it is
    # PROCESSING, and then trusted by the instance, not checked again before every call.
    assert fake_gemini.counters()["files_get"] <= 2 * 3
    sizes = sorted(p.stat().st_size for p in three_videos.values())
    assert sorted(int(u["sizeBytes"]) for u in uploads) == sizes
    digests = {hashlib.sha256(p.read_bytes()).hexdigest() for p in three_videos.values()}
    assert {u["sha256"] for u in uploads} == digests

    result = client.result(accepted.job_id)
    assert len(result.comparisons) == 9
    for comparison in result.comparisons:
        assert [r.model_name for r in comparison.results] == NAMES
        for r in comparison.results:
            assert r.error is None and r.response.startswith(f"[fake:{r.model_id}]")
            assert r.usage.input_tokens > 0 and r.usage.output_tokens > r.usage.thinking_tokens > 0
            assert r.usage.estimated_cost_usd > 0
            assert (r.finish_reason, r.truncated, r.block_reason) == ("STOP", False, None)
        # The fake judge scores each answer by the model marker inside its text, so the
        # scores must land on the models that wrote those answers.
        assert {e.model_id: e.score for e in comparison.evaluation} == {
            m: score_for(m) for m in GEMINI
        }
        assert comparison.judge_error is None and comparison.judge_usage.total_tokens > 0
    board = {row.model_id: row for row in result.leaderboard}
    assert {m: board[m].mean_score for m in GEMINI} == {m: float(score_for(m)) for m in GEMINI}
    assert all(board[m].total_tokens > 0 and board[m].estimated_cost_usd > 0 for m in GEMINI)
    assert result.judge.judged == 9 and result.judge.estimated_cost_usd > 0
    assert result.estimated_cost_usd == pytest.approx(
        sum(row.estimated_cost_usd for row in result.leaderboard) + result.judge.estimated_cost_usd,
        abs=1e-5,
    )

    # A second batch on the same videos uploads nothing.
    again = client.start_batch(video_ids, ["Summarise."], [JUDGE])
    assert client.wait(again.job_id, poll_seconds=0.2, timeout=60).status.value == "completed"
    assert len(fake_gemini.uploads()) == 3

    # Nor do the same bytes under another video id.
    twin = client.upload(next(iter(three_videos.values())))
    third = client.start_batch([twin.video_id], ["Summarise."], [JUDGE])
    assert client.wait(third.job_id, poll_seconds=0.2, timeout=60).status.value == "completed"
    assert len(fake_gemini.uploads()) == 3


def test_a_handle_the_api_forgot_is_replaced_once_by_all_lanes_at_once(
    client, fake_gemini, three_videos
):
    video_id = next(iter(three_videos))
    first = client.start_batch([video_id], ["Describe."], [JUDGE])
    client.wait(first.job_id, poll_seconds=0.2, timeout=60)
    uploaded = len(fake_gemini.uploads())
    fake_gemini.expire()  # the Files API forgets every file, as after 48 h
    # 4 lanes x 4 models meet the forgotten handle together: they contend on one cache
    # document, and exactly one of them uploads again.
    prompts = [f"Describe part {i}." for i in range(4)]
    second = client.start_batch([video_id], prompts, GEMINI, concurrency=4)
    job = client.wait(second.job_id, poll_seconds=0.2, timeout=90)
    assert job.status.value == "completed", job.error
    assert len(fake_gemini.uploads()) == uploaded + 1
    errors = [r.error for c in client.result(second.job_id).comparisons for r in c.results]
    assert errors == [None] * 16


def test_the_four_models_of_a_combination_are_in_flight_together(client, fake_gemini, three_videos):
    fake_gemini.script("*", latency_ms=400)
    accepted = client.start_batch(
        [next(iter(three_videos))], ["Describe."], GEMINI, judge_model="local-rubric"
    )
    assert client.wait(accepted.job_id, poll_seconds=0.2, timeout=60).status.value == "completed"
    errors = [r.error for r in client.result(accepted.job_id).comparisons[0].results]
    assert errors == [None] * 4
    calls = generate_calls(fake_gemini, judge=False)
    assert len(calls) == 4, [(c["model"], c["status"], c["error"]) for c in fake_gemini.calls()]
    assert fake_gemini.max_in_flight() == 4


def test_429_and_500_are_retried_and_the_wait_honours_retry_after(
    client, fake_gemini, three_videos
):
    fake_gemini.script("gemini-3.6-flash", fail=[{"code": 429, "retry_delay_s": 1.5}])
    fake_gemini.script("gemini-3.8-flash", fail=[500, 503])
    accepted = client.start_batch(
        [next(iter(three_videos))],
        ["Describe."],
        ["gemini-3.6-flash", "gemini-3.8-flash"],
        judge_model="local-rubric",
    )
    job = client.wait(accepted.job_id, poll_seconds=0.2, timeout=60)
    assert job.status.value == "completed"
    results = client.result(accepted.job_id).comparisons[0].results
    assert [r.error for r in results] == [None, None]

    pro = fake_gemini.calls("gemini-3.6-flash")
    assert [c["status"] for c in pro] == [429, 200]
    gap = pro[1]["started_at"] - pro[0]["ended_at"]
    assert gap >= 1.5, f"retried {gap:.2f} s after a 429 that asked for 1.5 s"
    flash = fake_gemini.calls("gemini-3.8-flash")
    assert [c["status"] for c in flash] == [500, 503, 200]


def test_what_still_fails_is_that_models_error_and_the_batch_goes_on(
    client, fake_gemini, three_videos
):
    fake_gemini.script("gemini-3.6-flash", fail=[503] * 20)
    accepted = client.start_batch(
        [next(iter(three_videos))],
        ["Describe.", "Count the cuts."],
        ["gemini-3.6-flash", "gemini-3.8-flash"],
        judge_model="local-rubric",
    )
    job = client.wait(accepted.job_id, poll_seconds=0.2, timeout=90)
    assert job.status.value == "completed"
    result = client.result(accepted.job_id)
    for comparison in result.comparisons:
        pro, flash = comparison.results
        assert pro.response is None and "503" in pro.error
        assert flash.error is None and flash.response
        scores = {e.model_id: e.score for e in comparison.evaluation}
        assert scores["gemini-3.6-flash"] is None and scores["gemini-3.8-flash"] is not None
    board = {row.model_id: row for row in result.leaderboard}
    assert board["gemini-3.6-flash"].errors == 2 and board["gemini-3.8-flash"].errors == 0


def test_a_key_revoked_after_the_start_fails_the_job_at_once(client, fake_gemini, three_videos):
    prompts = [f"Question {i}" for i in range(5)]
    body = {"video_ids": list(three_videos)[:1], "prompts": prompts, "models": GEMINI[:2]}
    # The start was checked with a good key (the catalogue is cached), then it was revoked.
    assert client.http.post("/api/batch-compare-async", json=body | {"dry_run": True}).is_success
    fake_gemini.configure(bad_keys=[fake_gemini.api_key])
    accepted = client.start_batch(list(three_videos)[:1], prompts, GEMINI[:2])
    job = client.wait(accepted.job_id, poll_seconds=0.2, timeout=30)
    assert job.status.value == "failed"
    assert "API key not valid" in job.error
    assert job.completed_combinations == 0
    assert job.progress_message.startswith("Failed after 0/5 combinations: ")
    # It stopped at the first combination instead of failing every one of them.
    assert len(fake_gemini.calls()) <= 3


def test_a_model_gone_after_the_start_fails_the_job_naming_it(client, fake_gemini, three_videos):
    # Offered when the batch started (the catalogue is cached), gone when it runs.
    fake_gemini.configure(unknown_models=["gemini-3.6-flash"])
    accepted = client.start_batch(
        list(three_videos)[:1], ["Describe."], ["gemini-3.6-flash"], judge_model="local-rubric"
    )
    job = client.wait(accepted.job_id, poll_seconds=0.2, timeout=30)
    assert job.status.value == "failed"
    assert job.error.startswith("Gemini does not offer model 'gemini-3.6-flash' (404 NOT_FOUND)")


def test_retired_and_unknown_models_are_refused_at_the_start(client, fake_gemini, three_videos):
    jobs = firestore_client().collection(store.JOBS)
    before = jobs.count().get()[0][0].value
    video_id = next(iter(three_videos))

    def refused(models: list[str], **extra) -> dict:
        body = {"video_ids": [video_id], "prompts": ["Describe."], "models": models} | extra
        answer = client.http.post("/api/batch-compare-async", json=body)
        assert answer.status_code == 400, answer.text
        return answer.json()["error"]

    error = refused(["local-scenes", "gemini-3-pro-preview"])
    message = (
        "gemini-3-pro-preview is not offered by the Gemini API (shut down 2026-03-09); "
        "use gemini-3.1-pro-preview instead"
    )
    assert error == {
        "code": "INVALID_ARGUMENT",
        "message": f"models[1]: {message}",
        "details": [{"field": "models[1]", "message": message}],
    }
    assert refused(["gemini-2.5-pro"])["message"] == (
        "models[0]: gemini-2.5-pro is not offered by the Gemini API (shutdown announced for "
        "2026-12-01); use gemini-3.1-pro-preview instead"
    )
    assert refused(["local-scenes"], judge_model="gemini-2.5-flash")["details"][0] == {
        "field": "judge_model",
        "message": "gemini-2.5-flash is not offered by the Gemini API (shutdown announced for "
        "2026-12-01); use gemini-3.5-flash-lite instead",
    }
    assert refused(["gemini-embedding-001"])["message"].startswith(
        "models[0]: gemini-embedding-001 is offered by the Gemini API but cannot answer about "
        "a video; video models: gemini-4-argon, gemini-3.8-flash, "
    )
    assert refused(["gemini-9-ultra"])["message"].startswith(
        "models[0]: gemini-9-ultra is not offered by the Gemini API; offered video models: "
    )
    # Nothing was created and no model was called.
    assert jobs.count().get()[0][0].value == before
    assert fake_gemini.calls() == []


def test_a_model_released_after_the_catalogue_was_read_runs(client, fake_gemini, three_videos):
    from vidcompare.testing.fake_gemini import DEFAULT_MODELS

    video_id = next(iter(three_videos))
    client.estimate(video_ids=[video_id], prompts=["Describe."], models=[JUDGE])  # now cached
    # (A Flash-Lite: a new Flash would become the default judge of later tests' batches
    # for as long as the functions cache the list, while the fake forgets it after this.)
    fake_gemini.configure(models=[*DEFAULT_MODELS, "gemini-3.9-flash-lite"])
    time.sleep(1.1)  # VIDCOMPARE_CATALOGUE_RECHECK_S: a miss asks the API again after 1 s
    accepted = client.start_batch([video_id], ["Describe."], ["gemini-3.9-flash-lite"])
    job = client.wait(accepted.job_id, poll_seconds=0.2, timeout=60)
    assert job.status.value == "completed", job.error
    result = client.result(accepted.job_id)
    (answer,) = result.comparisons[0].results
    assert (answer.model_name, answer.error) == ("Gemini 3.9 Flash Lite", None)
    # No price is known for it yet: its cost is unknown, not $0.
    assert (answer.usage.unpriced_calls, answer.usage.estimated_cost_usd) == (1, 0.0)
    assert result.leaderboard[0].unpriced_calls == 1 and result.unpriced_calls == 1
    assert client.job(accepted.job_id).unpriced_calls == 1
    (row,) = csv.DictReader(io.StringIO(to_csv_long(result)))
    assert row["cost_usd"] == ""  # unknown
    assert cost_text(0.0, 1) == "unknown"


def test_deprecated_models_run_with_a_warning_and_aliases_cost_what_answered(
    client, fake_gemini, three_videos
):
    video_id = next(iter(three_videos))
    models = ["gemini-3.7-flash", "gemini-flash-latest"]
    warning = "models[0]: gemini-3.7-flash is deprecated; use gemini-3.8-flash instead"
    estimate = client.estimate(video_ids=[video_id], prompts=["Describe."], models=models)
    assert estimate.warnings == [warning]
    # Which model an alias stands for is known only when it answers.
    assert estimate.unpriced_models == ["gemini-flash-latest"]
    assert [r.cost_per_call_usd is None for r in estimate.per_model] == [False, True, False]
    accepted = client.start_batch([video_id], ["Describe."], models, judge_model="local-rubric")
    assert accepted.warnings == [warning]
    job = client.wait(accepted.job_id, poll_seconds=0.2, timeout=60)
    assert job.status.value == "completed", job.error
    deprecated, alias = client.result(accepted.job_id).comparisons[0].results
    # The alias answered as gemini-3.8-flash (modelVersion), and is priced as that model.
    (call,) = fake_gemini.calls("gemini-flash-latest")
    tokens = TokenCount(
        prompt=call["usage"]["promptTokenCount"],
        audio=next(
            d["tokenCount"]
            for d in call["usage"]["promptTokensDetails"]
            if d["modality"] == "AUDIO"
        ),
        output=call["usage"]["candidatesTokenCount"] + call["usage"]["thoughtsTokenCount"],
    )
    assert alias.usage.unpriced_calls == 0
    assert alias.usage.estimated_cost_usd == pytest.approx(cost_usd("gemini-3.8-flash", tokens))
    assert deprecated.usage.unpriced_calls == 0 and deprecated.usage.estimated_cost_usd > 0


def test_the_judge_sees_anonymised_answers_in_a_seeded_shuffled_order(
    client, fake_gemini, three_videos
):
    texts = {m: f"A careful answer number {i} about the clip." for i, m in enumerate(GEMINI)}
    for model_id, text in texts.items():
        fake_gemini.script(model_id, text=text)
    video_id = next(iter(three_videos))
    prompts = [f"Describe part {i}." for i in range(4)]
    accepted = client.start_batch([video_id], prompts, GEMINI, judge_model=JUDGE)
    assert client.wait(accepted.job_id, poll_seconds=0.2, timeout=90).status.value == "completed"
    result = client.result(accepted.job_id)

    # Every model answered (so the judge must have seen four answers every time).
    assert [[r.error for r in c.results] for c in result.comparisons] == [[None] * 4] * 4
    judge_calls = generate_calls(fake_gemini, judge=True)
    assert len(judge_calls) == 4, [(c["status"], c["prompt"][-200:]) for c in judge_calls]
    by_prompt = {c["prompt"].split("## Question\n")[1].split("\n")[0]: c for c in judge_calls}
    orders = set()
    model_of_text = {t: m for m, t in texts.items()}
    for comparison in result.comparisons:
        seen = by_prompt[comparison.prompt]["prompt"]
        for name in [*GEMINI, *NAMES]:
            assert name not in seen, f"the judge saw {name!r}"
        labelled = {label: model_of_text[text] for label, text in find_answers(seen)}
        assert labelled == comparison.judge_labels
        # The order is the seeded one: reproducible from the job id and the index.
        results = [ModelResult(model_name=m, model_id=m, response=texts[m]) for m in GEMINI]
        _, expected = anonymise(results, seed=shuffle_seed(accepted.job_id, comparison.index))
        assert comparison.judge_labels == expected
        orders.add(tuple(labelled.values()))
        # Scores land on the right names: the fake scores each answer by its text.
        assert {e.model_id: e.score for e in comparison.evaluation} == {
            m: score_for(texts[m]) for m in GEMINI
        }
    assert len(orders) > 1, "every combination showed the judge the same order"


def test_malformed_judge_output_is_retried_once_then_stored_as_the_judge_error(
    client, fake_gemini, three_videos
):
    video_id = next(iter(three_videos))
    fake_gemini.script(JUDGE, malformed=1)
    once = client.start_batch([video_id], ["Describe."], ["gemini-3.6-flash"])
    assert client.wait(once.job_id, poll_seconds=0.2, timeout=60).status.value == "completed"
    comparison = client.result(once.job_id).comparisons[0]
    assert comparison.judge_error is None
    assert comparison.evaluation[0].score == score_for("gemini-3.6-flash")
    assert len(generate_calls(fake_gemini, judge=True)) == 2

    fake_gemini.reset(log_only=True)
    fake_gemini.script(JUDGE, malformed=2)
    twice = client.start_batch([video_id], ["Describe again."], ["gemini-3.6-flash"])
    job = client.wait(twice.job_id, poll_seconds=0.2, timeout=60)
    assert job.status.value == "completed"
    comparison = client.result(twice.job_id).comparisons[0]
    assert "malformed judge output" in comparison.judge_error
    assert comparison.results[0].error is None and comparison.results[0].response
    assert comparison.evaluation[0].score is None
    assert len(generate_calls(fake_gemini, judge=True)) == 2


def test_dry_run_estimates_and_creates_nothing(client, stack, fake_gemini, three_videos):
    jobs = firestore_client().collection(store.JOBS)
    before = jobs.count().get()[0][0].value
    answer = client.http.post(
        "/api/batch-compare-async",
        json={
            "video_ids": list(three_videos),
            "prompts": ["a", "b"],
            "models": ["gemini-3.6-flash", "local-scenes"],
            "dry_run": True,
        },
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["dry_run"] is True
    assert (body["total_combinations"], body["model_calls"], body["judge_calls"]) == (6, 12, 6)
    assert body["estimated_seconds"] > 0 and body["estimated_cost_usd"] > 0
    rows = {r["model_id"]: r for r in body["per_model"]}
    # Earlier tests ran these models, so their latencies are measured, not guessed.
    assert rows["gemini-3.6-flash"]["basis"] == "measured"
    assert rows["gemini-3.6-flash"]["seconds_per_call"] < 15
    assert jobs.count().get()[0][0].value == before
    assert fake_gemini.calls() == []


def test_judge_swaps_expose_a_judge_that_prefers_the_first_position(
    client, fake_gemini, three_videos
):
    video_id = next(iter(three_videos))
    models = ["gemini-3.6-flash", "gemini-3.5-flash-lite"]
    # A biased judge: whatever comes first wins.
    fake_gemini.script(JUDGE, judge_scores={"Answer A": 9, "Answer B": 3})
    biased = client.start_batch([video_id], ["Describe.", "Count the cuts."], models, judge_swaps=2)
    assert client.wait(biased.job_id, poll_seconds=0.2, timeout=60).status.value == "completed"
    result = client.result(biased.job_id)
    for comparison in result.comparisons:
        assert [(e.score, e.score_spread) for e in comparison.evaluation] == [(6, 6), (6, 6)]
        assert comparison.position_consistent is False
    assert result.judge.judge_swaps == 2
    assert result.judge.position_consistency == 0.0

    # A judge that scores the content, not the position, stays consistent.
    fake_gemini.script(JUDGE, judge_scores=None)
    fair = client.start_batch([video_id], ["Describe it again."], models, judge_swaps=2)
    assert client.wait(fair.job_id, poll_seconds=0.2, timeout=60).status.value == "completed"
    result = client.result(fair.job_id)
    comparison = result.comparisons[0]
    assert {e.model_id: (e.score, e.score_spread) for e in comparison.evaluation} == {
        m: (score_for(m), 0) for m in models
    }
    assert comparison.position_consistent is True and result.judge.position_consistency == 1.0


def test_an_upload_left_by_a_dead_worker_is_taken_over_when_its_lease_ends(
    client, fake_gemini, tmp_path
):
    # A worker took the upload of these bytes and died: its lease (5 s in the tests,
    # renewed while an upload runs) is all that is left in the cache document.
    path = tmp_path / "orphan.mp4"
    make_video(path, [SceneSpec((10, 120, 200), 0.75), SceneSpec((200, 120, 10), 0.75)])
    video = client.upload(path)
    ref = firestore_client().collection("gemini_files").document(video.sha256)
    ref.set({"uploading_until": store.now() + dt.timedelta(seconds=3), "uploader": "dead"})
    started = time.monotonic()
    accepted = client.start_batch([video.video_id], ["Describe."], [JUDGE])
    job = client.wait(accepted.job_id, poll_seconds=0.2, timeout=60)
    assert job.status.value == "completed", job.error
    assert client.result(accepted.job_id).comparisons[0].results[0].error is None
    assert time.monotonic() - started >= 2.5  # it waited for the lease, then uploaded
    assert [u["sha256"] for u in fake_gemini.uploads()] == [video.sha256]


def test_without_a_working_key_gemini_is_unavailable_and_offline_models_run(
    local_stack, client, fake_gemini, three_videos
):
    """No key at all, then a revoked key: the catalogue says why; a batch naming a Gemini
    model is a 400 at the start; the offline models still run."""
    video_id = next(iter(three_videos))
    body = {"video_ids": [video_id], "prompts": ["Describe."], "models": ["gemini-3.8-flash"]}
    fake_gemini.configure(bad_keys=["revoked-key"])
    cases = {
        "": "Gemini is not configured on this server: set GEMINI_API_KEY (or GOOGLE_API_KEY), "
        "or GOOGLE_GENAI_USE_VERTEXAI=true with GOOGLE_CLOUD_PROJECT and GOOGLE_CLOUD_LOCATION, "
        "where the functions run, and restart them (locally: `vidcompare down`, then "
        "`GEMINI_API_KEY=... vidcompare up`)",
        "revoked-key": "models.list failed: Gemini rejected the credentials (400 "
        "INVALID_ARGUMENT): API key not valid. Please pass a valid API key.",
    }
    try:
        for key, why in cases.items():
            local_stack.restart(
                "start_batch", "job_status", "process_combo", extra_env={"GEMINI_API_KEY": key}
            )
            catalog = client.models()
            assert [m.model_id for m in catalog.models] == ["local-scenes", "local-motion-colour"]
            assert [j.judge_id for j in catalog.judges] == ["local-rubric"]
            assert catalog.gemini_judge is None
            (gemini,) = catalog.providers
            assert (gemini.available, gemini.source, gemini.message) == (False, "none", why)
            refused = client.http.post("/api/batch-compare-async", json=body)
            assert refused.status_code == 400
            assert refused.json()["error"]["details"] == [
                {
                    "field": "models[0]",
                    "message": f"gemini-3.8-flash needs Gemini, which is unavailable here: {why}",
                }
            ]
            offline = client.start_batch([video_id], ["How long is it?"], ["local-scenes"])
            assert offline.judge_model == "local-rubric"
            job = client.wait(offline.job_id, poll_seconds=0.2, timeout=60)
            assert job.status.value == "completed"
    finally:
        local_stack.restart("start_batch", "job_status", "process_combo")
    assert [c["model"] for c in fake_gemini.calls()] == []


def test_the_dry_run_counts_each_familys_video_tokens_thinking_and_judge_swaps(
    client, fake_gemini, three_videos
):
    from vidcompare.providers.gemini import known
    from vidcompare.testing.fake_gemini import DEFAULT_MODELS

    fake_gemini.configure(models=[*DEFAULT_MODELS, "gemini-2.5-flash-lite"])
    models, judge = ["gemini-3.5-flash", "gemini-2.5-flash-lite"], "gemini-3.1-flash-lite"
    prompt = "How many cuts are there?"
    estimate = client.estimate(
        video_ids=list(three_videos),
        prompts=[prompt],
        models=models,
        judge_model=judge,
        judge_swaps=2,
    )
    durations = [v.duration_s for v in client.videos() if v.video_id in three_videos]
    assert sorted(durations) == pytest.approx([1.0, 1.25, 1.5], abs=0.05)
    assert (estimate.model_calls, estimate.judge_calls) == (6, 6)  # the judge twice each

    def expected(model_id: str, frames: int, thinking: int, extra: int = 0):
        ins = [(frames + 32) * d + len(prompt) / 4 + extra for d in durations]
        out = 400 + thinking
        costs = [
            cost_usd(model_id, TokenCount(prompt=round(i), audio=round(32 * d), output=out))
            for i, d in zip(ins, durations, strict=True)
        ]
        return round(sum(ins) / 3), out, round(sum(costs) / 3, 6)

    rows = {r.model_id: r for r in estimate.per_model}
    for model_id, frames, thinking, extra in [
        ("gemini-3.5-flash", 70, 1000, 0),  # Gemini 3: 70 tokens per frame; Flash thinks
        ("gemini-2.5-flash-lite", 258, 300, 0),  # Gemini 2.5: 258; Flash-Lite, a little
        (judge, 70, 300, 200 + 400 * 2),  # the judge reads the answers too (per swap)
    ]:
        row = rows[model_id]
        assert row.basis == "default"
        assert row.video_tokens_per_second == frames + known.AUDIO_TOKENS_PER_S
        inputs, outputs, cost = expected(model_id, frames, thinking, extra)
        assert (row.input_tokens_per_call, row.output_tokens_per_call) == (inputs, outputs)
        assert row.cost_per_call_usd == pytest.approx(cost, abs=2e-6)
    per_combination = (
        sum(r.cost_per_call_usd for r in estimate.per_model[:2]) + 2 * rows[judge].cost_per_call_usd
    )
    assert estimate.estimated_cost_usd == pytest.approx(3 * per_combination * 1.2, abs=1e-4)
