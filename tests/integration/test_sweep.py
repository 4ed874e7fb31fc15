"""The sweep mends a broken chain: a job whose messages were lost still finishes."""

from __future__ import annotations

import datetime as dt

import httpx

from vidcompare import store
from vidcompare.api.batches import create_job
from vidcompare.documents import ComboDoc, ComboState
from vidcompare.plan import Plan
from vidcompare.schemas import BatchRequest
from vidcompare.sweep import missing_links

HOUR_AGO = dt.timedelta(hours=1)


def test_each_lane_resumes_at_its_first_unfinished_combination():
    plan = Plan(["v"], [f"p{i}" for i in range(7)], None)
    future = store.now() + HOUR_AGO
    done = ComboDoc(state=ComboState.done)
    combos = {
        0: done,
        2: done,
        # A dead worker's lease, and a live one's: leave that one alone.
        4: ComboDoc(state=ComboState.running, lease_expires_at=store.now() - HOUR_AGO),
        1: done,
        3: ComboDoc(state=ComboState.running, lease_expires_at=future),
    }
    # One lane: 0, 1, 2 done, 3 held by a live worker: the lane waits for it.
    assert missing_links(1, plan, combos) == []
    # Lanes 0,2,4,6 and 1,3,5: 4's worker died; 3 is held.
    assert missing_links(2, plan, combos) == [4]
    # Lanes 0,3,6 / 1,4 / 2,5: 3 is held; 4's worker died; 5 was never delivered.
    assert missing_links(3, plan, combos) == [4, 5]


def stalled_then_swept(stack, client, job_id: str):
    """Make the job look stalled for an hour, sweep: its combination 0 is republished
    and the job completes. The finished job."""
    store.job_ref(job_id).update({"updated_at": store.now() - HOUR_AGO})
    answer = httpx.post(f"{stack.base_url}/internal/sweep", timeout=30)
    assert answer.status_code == 200, answer.text
    assert answer.json()["republished"][job_id] == [0]
    job = client.wait(job_id, poll_seconds=0.2, timeout=60)
    assert job.status.value == "completed"
    return job


def test_a_job_whose_first_message_was_lost_finishes_after_a_sweep(stack, client, videos):
    request = BatchRequest(
        video_ids=[videos["green"]],
        prompts=["How long is it?", "Any cuts?"],
        models=["local-scenes"],
        concurrency=1,
    )
    plan = Plan.from_request(request)
    # Created as start_batch does, but the publish "failed": nothing will ever run it.
    job_id = create_job(request, plan, judge_model="local-rubric", lanes=1, owner="local")
    job = stalled_then_swept(stack, client, job_id)
    assert job.completed_combinations == 2

    # A fresh job is left alone: no progress for less than a lease is not a stall.
    fresh = create_job(request, plan, judge_model="local-rubric", lanes=1, owner="local")
    again = httpx.post(f"{stack.base_url}/internal/sweep", timeout=30).json()
    assert fresh not in again["republished"]
    store.cancel_job(fresh, owner="local")


def test_a_crash_record_without_its_claim_does_not_stop_the_sweep(stack, client, videos):
    # After Firestore came back from a save, a worker's crash was recorded for a claim
    # the save did not hold: the comparison document has a crash count and nothing else.
    request = BatchRequest(
        video_ids=[videos["green"]], prompts=["Crash record?"], models=["local-scenes"]
    )
    plan = Plan.from_request(request)
    job_id = create_job(request, plan, judge_model="local-rubric", lanes=1, owner="local")
    store.combo_ref(job_id, 0).set({"crashes": 1, "last_crash": "OSError: connection reset"})
    stalled_then_swept(stack, client, job_id)
    # A crash recorded from now on names its combination in the document too.
    assert store.record_crash(job_id, 5, "OSError: connection reset") == 1
    assert store.combo_ref(job_id, 5).get().to_dict()["index"] == 5
