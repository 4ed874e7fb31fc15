"""An Auto job's lanes take their successors from a cursor: every combination is handed
out exactly once whatever is delivered again, lanes shrink while the quota makes their
calls wait, the last lane never ends while work remains, and the sweep mends a lost one."""

from __future__ import annotations

import threading
import time

import pytest

from vidcompare import queue, store, sweep
from vidcompare.api.batches import job_document
from vidcompare.documents import ComboDoc
from vidcompare.lanes import Dispatch
from vidcompare.plan import Plan
from vidcompare.schemas import BatchRequest
from vidcompare.store.lanes import dispatch_ref
from vidcompare.store.refs import combo_ref
from vidcompare.testing.synth import SceneSpec, make_video

OFFLINE = ["local-scenes", "local-motion-colour"]
PACED = "gemini-3.4-flash-lite"  # 30 RPM in the test stack's VIDCOMPARE_QUOTAS


def _auto_job(total: int, dispatch: Dispatch | None) -> str:
    request = BatchRequest(
        video_ids=["v"], prompts=[f"p{i}" for i in range(total)], models=OFFLINE,
        concurrency="auto",
    )  # fmt: skip
    plan = Plan.from_request(request)
    job = job_document(request, plan, judge_model="local-rubric", lanes=8, owner="local")
    store.create_job(job, dispatch=dispatch)
    for index in range(total):  # committed combinations, as the worker leaves them
        combo_ref(job.job_id, index).set({"index": index, "state": "done"})
    return job.job_id


def _dispatch(job_id: str) -> Dispatch:
    found = store.read_dispatch(job_id)
    assert found is not None
    return found


def test_a_lane_takes_from_the_cursor_once_and_a_redelivery_gets_the_same(local_stack):
    job_id = _auto_job(12, Dispatch(cursor=3, lanes=3))
    assert store.take_successors(job_id, 0, lambda d: 2) == [3, 4]
    assert _dispatch(job_id) == Dispatch(cursor=5, lanes=4)
    assert store.take_successors(job_id, 0, lambda d: 1) == [3, 4]  # recorded: the same
    assert _dispatch(job_id) == Dispatch(cursor=5, lanes=4)
    assert store.take_successors(job_id, 1, lambda d: 0) == []  # a lane ends
    assert _dispatch(job_id) == Dispatch(cursor=5, lanes=3)
    fixed = _auto_job(4, None)
    assert store.take_successors(fixed, 0, lambda d: 1) is None  # fixed lanes: the stride


def test_lanes_taking_at_once_get_distinct_combinations_in_order(local_stack):
    job_id = _auto_job(20, Dispatch(cursor=6, lanes=6))
    taken: dict[int, list[int]] = {}

    def lane(index: int) -> None:
        for attempt in range(5):  # a contended transaction may give up: the message returns
            try:
                taken[index] = store.take_successors(job_id, index, lambda d: 1) or []
                return
            except Exception:  # noqa: BLE001 - RetryLater under the emulator's contention
                time.sleep(0.2 * (attempt + 1))

    threads = [threading.Thread(target=lane, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    handed = sorted(i for got in taken.values() for i in got)
    assert handed == list(range(6, 6 + len(taken)))  # none twice, none skipped
    assert _dispatch(job_id) == Dispatch(cursor=6 + len(taken), lanes=6)


def test_an_auto_job_hands_out_every_combination_once_and_its_lanes_end(client, videos):
    prompts = [f"How many cuts? ({n})" for n in range(11)]
    accepted = client.start_batch([videos["green"]], prompts, OFFLINE, concurrency="auto")
    job = client.wait(accepted.job_id, poll_seconds=0.2, timeout=120)
    assert job.status.value == "completed" and job.completed_combinations == 11
    # Every lane ended: the last one too, taking nothing before it finished the job.
    assert _dispatch(accepted.job_id) == Dispatch(cursor=11, lanes=0)
    combos = [combo_ref(accepted.job_id, i).get().to_dict() for i in range(11)]
    successors = [i for c in combos for i in (c.get("successors") or [])]
    assert sorted([*range(8), *successors]) == list(range(11))  # 0-7 were published at start
    # A duplicate of a finished combination's message publishes nothing new.
    queue.publish_combinations(accepted.job_id, [2])
    time.sleep(1.5)
    assert _dispatch(accepted.job_id) == Dispatch(cursor=11, lanes=0)
    assert client.job(accepted.job_id).completed_combinations == 11


def test_lanes_shrink_while_the_quota_makes_their_calls_wait(client, fake_gemini, tmp_path):
    fake_gemini.add_models(PACED)
    path = tmp_path / "paced.mp4"
    make_video(path, [SceneSpec((200, 60, 60), 0.5), SceneSpec((60, 60, 200), 0.5)])
    video_id = client.upload(path).video_id
    prompts = [f"Describe it ({n})." for n in range(10)]
    accepted = client.start_batch(
        [video_id], prompts, [PACED], judge_model="local-rubric", concurrency="auto"
    )
    assert accepted.concurrency == 8
    seen: list[int] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        view = client.job(accepted.job_id)
        if view.status.finished:
            assert view.lanes_now is None  # only while it runs
            break
        seen.append(view.lanes_now)
        time.sleep(0.3)
    job = client.job(accepted.job_id)
    assert job.status.value == "completed", job.error
    assert job.completed_combinations == 10
    # At 30 RPM (a turn every ~2 s) eight lanes wait for turns: they end down to a few.
    assert seen[0] <= 8 and min(seen) <= 3, seen
    assert all(
        r.error is None for c in client.result(accepted.job_id).comparisons for r in c.results
    )


def test_the_sweep_republishes_a_lost_combination_before_the_cursor_only(local_stack):
    job_id = _auto_job(10, Dispatch(cursor=5, lanes=2))
    plan = Plan.from_doc(store.get_job(job_id, with_plan=True).plan or {})
    for index in (2, 3):  # handed out, their messages lost
        combo_ref(job_id, index).delete()
    combos = store.combination_states(job_id)
    assert sweep.missing_links(8, plan, combos, cursor=5) == [2, 3]  # 5-9: nobody's yet
    held = {**combos, 3: ComboDoc(state="running", lease_expires_at=store.now().replace(year=2100))}
    assert sweep.missing_links(8, plan, held, cursor=5) == [2]  # a live lease is left alone


@pytest.mark.parametrize("lanes", [1, 3])
def test_a_job_that_never_started_leaves_no_dispatch_behind(local_stack, lanes):
    job_id = _auto_job(3, Dispatch(cursor=lanes, lanes=lanes))
    store.delete_job(job_id)
    assert not dispatch_ref(job_id).get().exists


def test_the_last_commit_finishes_the_job_whatever_order_they_come_in(client, fake_gemini, videos):
    # The first call hangs 5 s: its combination, claimed before any other committed,
    # commits last, after the lanes have run every other one.
    fake_gemini.script("gemini-3.6-flash", fail=[{"hang_ms": 5000}])
    prompts = [f"Describe it, take {n}." for n in range(12)]
    accepted = client.start_batch(
        [videos["green"]], prompts, ["gemini-3.6-flash"], judge_model="local-rubric",
        concurrency="auto",
    )  # fmt: skip
    job = client.wait(accepted.job_id, poll_seconds=0.2, timeout=60)
    assert job.status.value == "completed" and job.completed_combinations == 12
    last_commit = max(c.completed_at for c in _done(accepted.job_id))
    # Not left "Finishing" until the sweep notices (a lease later): finished at once.
    assert (job.finished_at - last_commit).total_seconds() < 2.0


def _done(job_id: str) -> list[ComboDoc]:
    return [ComboDoc.from_doc(combo_ref(job_id, i).get().to_dict()) for i in range(12)]
