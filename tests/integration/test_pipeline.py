"""The whole pipeline on the real emulators: start → Pub/Sub chain → results."""

from __future__ import annotations

import datetime
import json
import re
import threading
import time

import httpx
import pytest

from vidcompare import queue, store
from vidcompare.gcp import firestore_client

MODELS = ["local-scenes", "local-motion-colour"]
PROMPTS = [
    "Describe what happens in this video, with timestamps.",
    "When are the scene cuts, and which colours dominate each scene?",
]


def all_comparison_docs(job_id: str) -> list[dict]:
    docs = store.job_ref(job_id).collection(store.COMPARISONS).stream()
    return sorted((d.to_dict() for d in docs), key=lambda d: d["index"])


def test_batch_of_2_videos_2_prompts_2_models_completes_in_the_seed_shape(client, stack, videos):
    video_ids = [videos["red_blue"], videos["green"]]
    accepted = client.start_batch(video_ids, PROMPTS, MODELS)
    assert accepted.status.value == "pending"
    assert accepted.total_combinations == 4

    job = client.wait(accepted.job_id, poll_seconds=0.2, timeout=90)
    assert job.status.value == "completed", job.error
    assert job.progress == 100.0
    assert job.completed_combinations == 4
    assert job.progress_message == "Completed 4/4 combinations"

    raw = httpx.get(f"{stack.base_url}/api/jobs/{accepted.job_id}/result").json()
    assert raw["complete"] is True
    assert (raw["total_videos"], raw["total_prompts"], raw["total_combinations"]) == (2, 2, 4)
    # The seed's order: for each video, each prompt.
    assert [(c["video_id"], c["prompt"]) for c in raw["comparisons"]] == [
        (v, p) for v in video_ids for p in PROMPTS
    ]
    for comparison in raw["comparisons"]:
        assert [r["model_name"] for r in comparison["results"]] == [
            "Local Scenes",
            "Local Motion & Colour",
        ]
        for r in comparison["results"]:
            assert set(r) >= {"model_name", "model_id", "response", "latency_ms", "error", "usage"}
            assert r["error"] is None and len(r["response"]) > 40
            assert r["latency_ms"] >= 0
        assert {e["model_id"] for e in comparison["evaluation"]} == set(MODELS)
        for e in comparison["evaluation"]:
            assert set(e) >= {"model_name", "score", "reasoning", "strengths", "weaknesses"}
            assert 1 <= e["score"] <= 10 and e["reasoning"]
        assert comparison["overall_summary"]
        assert "Answer A" not in comparison["overall_summary"]  # labels mapped back to names
        assert sorted(comparison["judge_labels"].values()) == sorted(MODELS)

    board = raw["leaderboard"]
    assert [row["rank"] for row in board] == [1, 2]
    assert {row["model_id"] for row in board} == set(MODELS)
    for row in board:
        scores = [
            e["score"]
            for c in raw["comparisons"]
            for e in c["evaluation"]
            if e["model_id"] == row["model_id"]
        ]
        assert row["mean_score"] == round(sum(scores) / len(scores), 2)
        assert row["scored"] == 4 and row["errors"] == 0
    assert sum(row["wins"] for row in board) == pytest.approx(4)

    # The seed's clients read the result inline from the job once it has completed.
    inline = httpx.get(f"{stack.base_url}/api/jobs/{accepted.job_id}").json()
    assert inline["result"]["comparisons"] == raw["comparisons"]

    listed = client.jobs(limit=100).jobs
    assert accepted.job_id in [j.job_id for j in listed]
    created = [j.created_at for j in listed]
    assert created == sorted(created, reverse=True)  # newest first


def test_progress_is_monotonic_and_follows_the_formula(client, videos):
    prompts = [f"Describe the video, part {i}." for i in range(6)]
    accepted = client.start_batch([videos["green"]], prompts, MODELS)
    seen = []
    while True:
        job = client.job(accepted.job_id)
        seen.append(job)
        if job.status.finished:
            break
        time.sleep(0.02)
    assert job.status.value == "completed"
    progress = [j.progress for j in seen]
    assert progress == sorted(progress)
    for j in seen:
        if j.status.value == "pending":
            assert j.progress == 5.0
        elif j.status.value == "running":
            assert j.progress == round(10 + 80 * j.completed_combinations / 6, 1)
            if j.completed_combinations == 6:  # between the last commit and the finish
                assert j.progress_message == "Finishing: 6/6 combinations done"
                continue
            k = int(re.fullmatch(r"Processing combination (\d+)/6\.\.\.", j.progress_message)[1])
            assert k == j.completed_combinations + 1
    assert seen[-1].progress == 100.0
    assert any(j.status.value == "running" for j in seen), "never saw the job running"


def test_explicit_pairs_run_exactly_those_pairs(client, videos):
    pairs = [
        {"video_id": videos["green"], "prompt": "What colours are there?"},
        {"video_id": videos["red_blue"], "prompt": "How many cuts are there?"},
        {"video_id": videos["green"], "prompt": "How long is it?"},
    ]
    accepted = client.start_batch(pairs=pairs, models=["local-scenes"])
    assert accepted.total_combinations == 3
    assert client.wait(accepted.job_id, poll_seconds=0.2, timeout=60).status.value == "completed"
    result = client.result(accepted.job_id)
    assert [(c.video_id, c.prompt) for c in result.comparisons] == [
        (p["video_id"], p["prompt"]) for p in pairs
    ]
    assert (result.total_videos, result.total_prompts) == (2, 3)


def test_the_seeds_parallel_lists_with_repeats_run_and_say_how(client, videos):
    """The seed's "Custom Batch Processing" example: parallel lists, repeated ids."""
    green, red = videos["green"], videos["red_blue"]
    body = {
        "video_ids": [green, green, red, red],
        "prompts": ["Describe it.", "Which colours?", "Describe it.", "Which colours?"],
        "models": ["local-scenes"],
    }
    estimate = client.http.post("/api/batch-compare-async", json=body | {"dry_run": True})
    assert estimate.status_code == 200
    answer = client.http.post("/api/batch-compare-async", json=body)
    assert answer.status_code == 202, answer.text
    accepted = answer.json()
    assert accepted["total_combinations"] == 4  # 2 distinct videos × 2 distinct prompts
    pairs = [
        {"video_id": v, "prompt": p}
        for v, p in zip(body["video_ids"], body["prompts"], strict=True)
    ]
    assert accepted["warnings"] == [
        f"video_ids: repeats collapsed ({green!r} × 2, {red!r} × 2); each distinct one runs "
        "once with every prompt",
        "prompts: repeats collapsed ('Describe it.' × 2, 'Which colours?' × 2); each distinct "
        "one runs once with every video",
        "to run exactly the pairs as listed, send instead: " + json.dumps({"pairs": pairs}),
    ]
    assert estimate.json()["warnings"] == accepted["warnings"]
    assert client.job(accepted["job_id"]).warnings == accepted["warnings"]
    assert client.wait(accepted["job_id"], poll_seconds=0.2, timeout=60).status.value == "completed"


def test_cancel_mid_batch_stops_within_one_combination(client, videos):
    prompts = [f"Describe the colours, question {i}." for i in range(40)]
    accepted = client.start_batch([videos["red_blue"]], prompts, MODELS)
    while client.job(accepted.job_id).completed_combinations < 2:
        time.sleep(0.02)
    answer = client.cancel(accepted.job_id)
    assert answer.status.value == "cancelled"
    cancelled_at = datetime.datetime.now(datetime.UTC)
    assert client.cancel(accepted.job_id).status.value == "cancelled"  # idempotent
    time.sleep(2.0)  # long enough for several more combinations, were any still running

    job = client.job(accepted.job_id)
    assert job.status.value == "cancelled"
    assert job.completed_combinations < 40
    # The answer said what may still land: the count grows by at most that.
    assert answer.still_running <= 1  # one lane
    assert answer.completed_combinations <= job.completed_combinations
    assert job.completed_combinations <= answer.completed_combinations + answer.still_running
    docs = all_comparison_docs(accepted.job_id)
    # A claim that raced the cancel committed before it (the claim reads the job in its
    # transaction), so nothing is claimed once the cancel has answered.
    late = [(d["index"], d["claimed_at"]) for d in docs if d["claimed_at"] >= cancelled_at]
    assert not late, f"claimed after the cancel at {cancelled_at}: {late}"
    # At most the one in flight at the moment of the cancel finished after it.
    states = [(d["index"], d["state"]) for d in docs]
    assert len(docs) <= job.completed_combinations + 1, (job.completed_combinations, states)
    assert sum(d["state"] == "done" for d in docs) == job.completed_combinations, states
    partial = client.result(accepted.job_id)
    assert partial.complete is False
    assert len(partial.comparisons) == job.completed_combinations


def test_cancelling_a_finished_job_is_409(client, videos):
    accepted = client.start_batch([videos["green"]], ["How long is it?"], ["local-scenes"])
    client.wait(accepted.job_id, poll_seconds=0.2, timeout=60)
    answer = client.http.post(f"/api/jobs/{accepted.job_id}/cancel")
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "FAILED_PRECONDITION"
    assert "completed" in answer.json()["error"]["message"]


def test_duplicate_messages_run_each_combination_once(client, videos):
    prompts = [f"Where is the motion? ({i})" for i in range(6)]
    accepted = client.start_batch([videos["red_blue"]], prompts, MODELS)
    # Deliver combination 0 three times (two at once) and combination 1 early, twice.
    threads = [
        threading.Thread(target=queue.publish_combinations, args=(accepted.job_id, [0, 1]))
        for _ in range(2)
    ]
    queue.publish_combinations(accepted.job_id, [0])
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    job = client.wait(accepted.job_id, poll_seconds=0.2, timeout=90)
    assert job.status.value == "completed"
    assert job.completed_combinations == 6

    docs = all_comparison_docs(accepted.job_id)
    assert [d["index"] for d in docs] == list(range(6))
    assert all(d["attempts"] == 1 for d in docs), [d["attempts"] for d in docs]
    stats = store.get_job(accepted.job_id).stats
    assert {m: stats[m].answered for m in MODELS} == {m: 6 for m in MODELS}

    # A late duplicate of a finished job's message changes nothing.
    before = firestore_client().collection(store.JOBS).document(accepted.job_id).get().to_dict()
    queue.publish_combinations(accepted.job_id, [3])
    time.sleep(1.0)
    after = firestore_client().collection(store.JOBS).document(accepted.job_id).get().to_dict()
    assert after == before


def test_lanes_run_every_combination_once(client, videos):
    prompts = [f"Summarise the video ({i})." for i in range(9)]
    accepted = client.start_batch(
        [videos["red_blue"], videos["green"]], prompts, ["local-scenes"], concurrency=3
    )
    assert accepted.concurrency == 3
    job = client.wait(accepted.job_id, poll_seconds=0.2, timeout=90)
    assert job.status.value == "completed"
    docs = all_comparison_docs(accepted.job_id)
    assert [d["index"] for d in docs] == list(range(18))
    assert all(d["attempts"] == 1 for d in docs)
    # Every combination with a successor in its lane chained it.
    assert all(d["next_published"] for d in docs if d["index"] + 3 < 18)


def test_messages_that_can_never_succeed_are_dropped_not_retried(client, videos):
    """The worker acknowledges (returns) instead of raising, so Pub/Sub stops redelivering."""
    import base64
    import uuid

    from vidcompare import worker

    garbage = {"message": {"data": base64.b64encode(b"not json").decode(), "messageId": "1"}}
    assert worker.handle_event(garbage) == "drop: malformed message"
    assert worker.process(str(uuid.uuid4()), 0) == "drop: job not found"
    accepted = client.start_batch([videos["green"]], ["How long is it?"], ["local-scenes"])
    client.wait(accepted.job_id, poll_seconds=0.2, timeout=60)
    assert worker.process(accepted.job_id, 5) == "drop: combination 5 is outside 0..0"
    assert worker.process(accepted.job_id, 0) == "drop: job is completed"


def test_a_combination_that_always_crashes_fails_its_job_after_max_deliveries(client, videos):
    """Poison: each delivery crashes (here: a model id no registry knows, written past
    validation); after VIDCOMPARE_MAX_DELIVERIES the job is failed, not left hanging."""
    from vidcompare.api.batches import create_job
    from vidcompare.plan import Plan
    from vidcompare.schemas import BatchRequest

    request = BatchRequest(video_ids=[videos["green"]], prompts=["Describe."], models=["x"])
    job_id = create_job(
        request, Plan.from_request(request), judge_model="local-rubric", lanes=1, owner="local"
    )
    queue.publish_combinations(job_id, [0])
    job = client.wait(job_id, poll_seconds=0.3, timeout=120)
    assert job.status.value == "failed"
    assert job.error.startswith("combination 0 crashed 3 times: InvalidRequest: models: unknown")
    combo = store.combo_ref(job_id, 0).get().to_dict()
    assert combo["crashes"] == 3 and combo["attempts"] == 3
