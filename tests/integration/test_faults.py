"""Duplicate deliveries, SIGKILLed workers and restarted servers lose and double nothing.

A smaller run than ``benchmarks/faults.py``, on the session's stack (whose servers it
kills and restarts; they are back up when it ends).
"""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx

from vidcompare import store
from vidcompare.api.batches import create_job
from vidcompare.gcp import firestore_client
from vidcompare.plan import Plan
from vidcompare.schemas import BatchRequest
from vidcompare.testing.faults import run_fault_suite


def test_nothing_is_lost_or_counted_twice_under_duplicates_crashes_and_restarts(
    local_stack, videos, fake_gemini
):
    # Slow models, so that a SIGKILL lands inside a combination, between claim and commit.
    fake_gemini.script("*", latency_ms=600)
    report = run_fault_suite(
        local_stack,
        list(videos.values()),
        jobs=4,
        combinations=6,
        models=["gemini-3.8-flash", "local-scenes"],
        judge_model="local-rubric",
        duplicates=True,
        crashes=2,
        restarts=1,
        timeout=300,
    )
    print("\n" + report.table())
    assert report.problems == []
    assert report.combinations_recorded == report.combinations_expected == 24
    assert report.combinations_lost == 0
    assert report.combinations_counted_twice == 0
    assert report.jobs_finished == 4
    assert (report.crashes, report.restarts) == (2, 1)
    # A SIGKILL that lands inside combinations (at most the 6 lanes in flight each time)
    # makes them run again after their leases expire; nothing else runs twice.
    assert 1.0 <= report.model_runs_per_combination <= 1 + 3 * 6 / 24


def test_a_429_storm_delays_combinations_but_every_one_completes(client, videos, fake_gemini):
    # 30 % of model calls answer 429 asking for a short wait; the judge is offline.
    fake_gemini.script("*", fail_rate=0.3, fail_rate_codes=[429], retry_delay_s=0.2)
    prompts = [f"Storm question {i}." for i in range(8)]
    accepted = client.start_batch(
        [videos["red_blue"]],
        prompts,
        ["gemini-3.6-flash", "gemini-3.8-flash"],
        judge_model="local-rubric",
        concurrency=2,
    )
    job = client.wait(accepted.job_id, poll_seconds=0.2, timeout=120)
    assert job.status.value == "completed"
    result = client.result(accepted.job_id)
    assert [r.error for c in result.comparisons for r in c.results] == [None] * 16
    served = fake_gemini.counters()["errors_by_code"].get("429", 0)
    assert served >= 3, f"only {served} 429s were served: no storm"


def test_a_model_slower_than_its_budget_ends_as_its_timeout_error(
    local_stack, client, videos, fake_gemini
):
    local_stack.restart("process_combo", extra_env={"VIDCOMPARE_MODEL_TIMEOUT_S": "1"})
    try:
        fake_gemini.script("gemini-3.6-flash", latency_ms=3000)
        accepted = client.start_batch(
            [videos["green"]],
            ["Describe."],
            ["gemini-3.6-flash", "local-scenes"],
            judge_model="local-rubric",
        )
        job = client.wait(accepted.job_id, poll_seconds=0.2, timeout=60)
    finally:
        local_stack.restart("process_combo")
    assert job.status.value == "completed"
    slow, fast = client.result(accepted.job_id).comparisons[0].results
    assert slow.error == "timeout: no answer within 1 s" and slow.response is None
    assert 1000 <= slow.latency_ms < 2500
    assert fast.error is None and fast.response


def deliver(stack, job_id: str, index: int) -> httpx.Response:
    """One push delivery of a combination's message, straight to process_combo, as the
    Pub/Sub emulator (and Eventarc) sends it: a binary-mode CloudEvent."""
    data = json.dumps({"job_id": job_id, "index": index}).encode()
    body = {
        "message": {"data": base64.b64encode(data).decode(), "messageId": uuid.uuid4().hex},
        "subscription": "projects/vidcompare-local/subscriptions/direct",
    }
    headers = {
        "ce-id": uuid.uuid4().hex,
        "ce-specversion": "1.0",
        "ce-type": "google.cloud.pubsub.topic.v1.messagePublished",
        "ce-source": "//pubsub.googleapis.com/projects/vidcompare-local/topics/combos",
    }
    port = stack.info.service("process_combo").port
    return httpx.post(f"http://127.0.0.1:{port}/", json=body, headers=headers, timeout=120)


def test_one_message_to_two_workers_of_one_instance_at_once_runs_the_models_once(
    local_stack, client, videos, fake_gemini
):
    fake_gemini.script("gemini-3.6-flash", latency_ms=1500)
    prompt = f"Two at once? {uuid.uuid4().hex[:6]}"
    accepted = client.start_batch(
        [videos["green"]], [prompt], ["gemini-3.6-flash"], judge_model="local-rubric"
    )
    # Pub/Sub delivers it too: three deliveries, two of them in one process at once.
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda _: deliver(local_stack, accepted.job_id, 0), range(2)))
    job = client.wait(accepted.job_id, poll_seconds=0.2, timeout=60)
    assert job.status.value == "completed"
    calls = [c for c in fake_gemini.calls("gemini-3.6-flash") if c["prompt"] == prompt]
    assert len(calls) == 1, [a.status_code for a in answers]
    combo = firestore_client().document(f"jobs/{accepted.job_id}/comparisons/00000000")
    assert combo.get().get("attempts") == 1  # only one claim ever ran it
    # The duplicates watched the lease for a renewal period (2.5 s), long enough for the
    # 1.5 s combination to finish: they were acknowledged (200) without running it.
    assert [a.status_code for a in answers] == [200, 200]


def test_a_live_worker_keeps_its_lease_past_the_lease_time(
    local_stack, client, videos, fake_gemini
):
    # The model takes longer than the lease (10 s in the tests): without a heartbeat the
    # lease would lapse mid-call and a duplicate delivery would run the model again.
    fake_gemini.script("gemini-3.6-flash", latency_ms=20_000)
    prompt = f"Slower than a lease {uuid.uuid4().hex[:6]}"
    accepted = client.start_batch(
        [videos["green"]], [prompt], ["gemini-3.6-flash"], judge_model="local-rubric"
    )
    fake_gemini.wait_for_calls(0)
    time.sleep(11.5)
    duplicate = deliver(local_stack, accepted.job_id, 0)
    # Still running after the duplicate watched it renew: come back later.
    assert duplicate.status_code >= 500
    job = client.wait(accepted.job_id, poll_seconds=0.3, timeout=90)
    assert job.status.value == "completed"
    calls = [c for c in fake_gemini.calls("gemini-3.6-flash") if c["prompt"] == prompt]
    assert len(calls) == 1


def test_a_killed_worker_is_taken_over_within_a_lease(local_stack, client, videos, fake_gemini):
    fake_gemini.script("gemini-3.6-flash", latency_ms=3000)
    prompts = [f"Killed {uuid.uuid4().hex[:6]} {i}" for i in range(2)]
    accepted = client.start_batch(
        [videos["green"]], prompts, ["gemini-3.6-flash"], judge_model="local-rubric"
    )
    deadline = time.monotonic() + 30
    while not [c for c in fake_gemini.calls("gemini-3.6-flash") if c["prompt"] == prompts[0]]:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    local_stack.restart("process_combo")  # SIGKILL mid-combination, then up again
    killed = time.monotonic()
    while len([c for c in fake_gemini.calls("gemini-3.6-flash") if c["prompt"] == prompts[0]]) < 2:
        assert time.monotonic() - killed < 60
        time.sleep(0.05)
    taken_over = time.monotonic() - killed
    job = client.wait(accepted.job_id, poll_seconds=0.2, timeout=90)
    recovered = time.monotonic() - killed
    assert job.status.value == "completed"
    # The lease (10 s here, 60 s by default) lapses, and the first redelivery has waited
    # it out: the takeover comes as the lease lapses, not at Pub/Sub's next retry (up to
    # 10 s later here, 60 s in production).
    assert taken_over < 10 + 3, taken_over
    print(f"killed worker: taken over {taken_over:.1f} s, job done {recovered:.1f} s after")


def unpublished_job(video_id: str, prompt: str) -> str:
    """A job written as start_batch writes it, but whose message was never published:
    only the deliveries a test makes reach the worker."""
    request = BatchRequest(
        video_ids=[video_id], prompts=[prompt], models=["local-scenes"], judge_model="local-rubric"
    )
    plan = Plan.from_request(request)
    return create_job(request, plan, judge_model="local-rubric", lanes=1, owner=None)


def test_a_dead_holders_lease_is_waited_out_and_a_live_one_refused(local_stack, videos):
    # A holder that stopped renewing (its process died): a delivery that arrives with
    # the whole lease (10 s in the tests) left watches it for one renewal period (2.5 s),
    # sees no renewal, waits it out and runs the combination as it lapses.
    job_id = unpublished_job(videos["green"], f"Dead holder {uuid.uuid4().hex[:6]}")
    video_id, prompt = Plan.from_doc(store.get_job(job_id, with_plan=True).plan).combination(0)
    store.claim_combination(
        job_id, 0, worker="dead-holder", lease_seconds=10, video_id=video_id, prompt=prompt
    )
    started = time.monotonic()
    answer = deliver(local_stack, job_id, 0)
    waited = time.monotonic() - started
    assert answer.status_code == 200, answer.text
    assert 10 <= waited < 15, waited  # taken over as the lease lapsed, not before
    combo = firestore_client().document(f"jobs/{job_id}/comparisons/00000000").get()
    assert (combo.get("state"), combo.get("attempts")) == ("done", 2)
    assert store.get_job(job_id).status.value == "completed"

    # A live holder renews its lease every second: the delivery is refused after one
    # renewal period, and the holder keeps the combination.
    job_id = unpublished_job(videos["green"], f"Live holder {uuid.uuid4().hex[:6]}")
    store.claim_combination(
        job_id, 0, worker="live-holder", lease_seconds=10, video_id=video_id, prompt=prompt
    )
    renewing = threading.Event()

    def renew() -> None:
        while not renewing.wait(1.0):
            assert store.renew_lease(job_id, 0, "live-holder", 10)

    renewer = threading.Thread(target=renew)
    renewer.start()
    try:
        started = time.monotonic()
        answer = deliver(local_stack, job_id, 0)
        refused_after = time.monotonic() - started
    finally:
        renewing.set()
        renewer.join()
    assert answer.status_code >= 500, answer.text  # Pub/Sub redelivers it later
    assert 2.5 <= refused_after < 6, refused_after
    combo = firestore_client().document(f"jobs/{job_id}/comparisons/00000000").get()
    assert (combo.get("worker"), combo.get("attempts")) == ("live-holder", 1)


def test_pubsub_unreachable_at_start_is_a_quick_503_and_creates_nothing(
    local_stack, client, videos
):
    from vidcompare import store
    from vidcompare.devstack.stack import free_port

    jobs = firestore_client().collection(store.JOBS)
    before = jobs.count().get()[0][0].value
    local_stack.restart(
        "start_batch", extra_env={"PUBSUB_EMULATOR_HOST": f"127.0.0.1:{free_port()}"}
    )
    try:
        started = time.monotonic()
        answer = client.http.post(
            "/api/batch-compare-async",
            json={"video_ids": [videos["green"]], "prompts": ["?"], "models": ["local-scenes"]},
        )
        took = time.monotonic() - started
    finally:
        local_stack.restart("start_batch")
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "30"
    error = answer.json()["error"]
    assert error["code"] == "UNAVAILABLE"
    assert error["message"].startswith("the batch could not be queued (Pub/Sub: ")
    assert error["message"].endswith("); nothing was created, try again")
    assert took < 20, took  # bounded: not the client library's own minutes of retrying
    assert jobs.count().get()[0][0].value == before
