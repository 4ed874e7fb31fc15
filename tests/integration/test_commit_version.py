"""The claim's transaction and the commit's single write on the claim's version (its
transaction when anyone else wrote the combination since): one holder at a time,
recorded and counted once, nothing left locked."""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from vidcompare import store
from vidcompare.api.batches import create_job
from vidcompare.errors import LeaseHeld, RetryLater
from vidcompare.plan import Plan
from vidcompare.schemas import BatchRequest, Comparison, Evaluation, ModelResult


def unpublished_job(video_id: str) -> str:
    request = BatchRequest(
        video_ids=[video_id],
        prompts=[f"Version {uuid.uuid4().hex[:6]}"],
        models=["local-scenes"],
        judge_model="local-rubric",
    )
    plan = Plan.from_request(request)
    return create_job(request, plan, judge_model="local-rubric", lanes=1, owner=None)


def comparison(job_id: str, answer: str) -> Comparison:
    video_id, prompt = Plan.from_doc(store.get_job(job_id, with_plan=True).plan).combination(0)
    return Comparison(
        index=0,
        video_id=video_id,
        prompt=prompt,
        results=[
            ModelResult(
                model_name="Local Scenes", model_id="local-scenes", response=answer, latency_ms=7
            )
        ],
        evaluation=[
            Evaluation(
                model_name="Local Scenes",
                model_id="local-scenes",
                score=6,
                reasoning="fine",
                strengths=["s"],
                weaknesses=["w"],
            )
        ],
        judge_model="local-rubric",
        judge_labels={"Answer A": "local-scenes"},
    )


def claim(job_id: str, worker: str, lease_seconds: float = 10) -> store.Claim:
    video_id, prompt = Plan.from_doc(store.get_job(job_id, with_plan=True).plan).combination(0)
    return store.claim_combination(
        job_id, 0, worker=worker, lease_seconds=lease_seconds, video_id=video_id, prompt=prompt
    )


def stored(job_id: str) -> dict:
    return store.combo_ref(job_id, 0).get().to_dict()


def test_an_untouched_claim_commits_in_one_write_and_a_repeat_is_refused(local_stack, videos):
    job_id = unpublished_job(videos["green"])
    claimed = claim(job_id, "w1")
    assert claimed.action is store.ClaimAction.run and claimed.version is not None
    assert store.commit_combination(job_id, 0, comparison(job_id, "one"), version=claimed.version)
    doc = stored(job_id)
    assert (doc["state"], doc["worker"], doc["attempts"]) == ("done", "w1", 1)
    assert doc["results"][0]["response"] == "one"
    assert doc["judge_labels"] == {"Answer A": "local-scenes"}
    assert doc["next_published"] is False
    # The same version again is stale (the commit changed it): the transaction sees done.
    again = comparison(job_id, "two")
    assert not store.commit_combination(job_id, 0, again, version=claimed.version)
    assert stored(job_id)["results"][0]["response"] == "one"
    job = store.get_job(job_id)
    assert job.completed_combinations == 1
    assert job.stats["local-scenes"].answered == 1


def test_a_takeover_after_the_claim_makes_both_commits_decide_in_a_transaction(local_stack, videos):
    job_id = unpublished_job(videos["green"])
    first = claim(job_id, "slow", lease_seconds=0.2)
    time.sleep(0.5)  # its lease lapsed: another delivery takes the combination over
    second = claim(job_id, "fast")
    assert second.action is store.ClaimAction.run and second.version != first.version
    # The slow holder's version is stale: its commit falls back and still records it once.
    assert store.commit_combination(job_id, 0, comparison(job_id, "slow"), version=first.version)
    # The takeover's own version went stale with that commit: refused, not counted.
    assert not store.commit_combination(
        job_id, 0, comparison(job_id, "fast"), version=second.version
    )
    doc = stored(job_id)
    assert (doc["state"], doc["attempts"], doc["results"][0]["response"]) == ("done", 2, "slow")
    assert store.get_job(job_id).completed_combinations == 1


def test_a_renewal_carries_the_version_and_a_crash_record_invalidates_it(local_stack, videos):
    job_id = unpublished_job(videos["green"])
    claimed = claim(job_id, "w1")
    renewed = store.renew_lease(job_id, 0, "w1", 10)
    assert renewed is not None and renewed > claimed.version
    assert store.renew_lease(job_id, 0, "someone-else", 10) is None  # not theirs
    # A crash record is another writer: the renewal's version is stale afterwards, and the
    # commit decides in its transaction (the combination is not done: it records it).
    assert store.record_crash(job_id, 0, "RuntimeError: boom") == 1
    assert store.commit_combination(job_id, 0, comparison(job_id, "late"), version=renewed)
    doc = stored(job_id)
    assert (doc["state"], doc["crashes"], doc["results"][0]["response"]) == ("done", 1, "late")
    assert store.get_job(job_id).completed_combinations == 1
    # Done: a renewal finds no holder any more.
    assert store.renew_lease(job_id, 0, "w1", 10) is None


def test_concurrent_claims_of_one_combination_let_exactly_one_run(local_stack, videos):
    job_id = unpublished_job(videos["green"])

    def attempt(worker: str) -> str:
        try:
            return claim(job_id, worker).action.value
        except LeaseHeld:
            return "held"
        except RetryLater:  # the emulator timed out a contended transaction: not run
            return "retry"

    workers = [f"w{i}" for i in range(6)]
    with ThreadPoolExecutor(max_workers=6) as pool:
        outcomes = list(pool.map(attempt, workers))
    assert set(outcomes) <= {"run", "held", "retry"}
    # A timed-out claim's message comes back (Pub/Sub redelivers it): tried again, one by
    # one, they meet the one claim that landed. On a loaded machine the emulator can time
    # out all six answers while one of their transactions still commits: then nobody was
    # told "run", and that claim's own redelivery finds its lease (held, then taken over).
    again = [attempt(w) for w, outcome in zip(workers, outcomes, strict=True) if outcome == "retry"]
    assert outcomes.count("run") + again.count("run") <= 1
    assert stored(job_id)["attempts"] == 1  # exactly one claim landed
    assert stored(job_id)["worker"] in workers


def test_a_claim_that_writes_nothing_lets_go_of_the_job_at_once(local_stack, videos):
    job_id = unpublished_job(videos["green"])
    store.cancel_job(job_id, owner=None)
    dropped = claim(job_id, "late")
    assert (dropped.action, dropped.reason) == (store.ClaimAction.drop, "job is cancelled")
    # Its transaction read the job document: rolled back, a writer is not kept waiting.
    started = time.monotonic()
    store.touch_job(job_id)
    assert time.monotonic() - started < 1.0
    # A refused claim (the lease is held) lets go too.
    job_id = unpublished_job(videos["green"])
    claim(job_id, "holder")
    with pytest.raises(LeaseHeld):
        claim(job_id, "duplicate")
    started = time.monotonic()
    store.touch_job(job_id)
    store.combo_ref(job_id, 0).update({"prompt": "edited"})
    assert time.monotonic() - started < 1.0
