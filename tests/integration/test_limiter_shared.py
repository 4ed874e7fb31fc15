"""The limiter's pace is one for every caller: two "instances" (threads with their own
event loops and Firestore clients) taking turns of one model on the Firestore emulator."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid

import pytest

from vidcompare import limiter
from vidcompare.quotas import ModelQuota


def _instance(model_id: str, quota: ModelQuota, calls: int, starts: list[float]) -> None:
    async def caller() -> None:
        await limiter.wait_for_turn(model_id, quota)
        starts.append(time.time())

    async def main() -> None:
        await asyncio.gather(*(caller() for _ in range(calls)))

    asyncio.run(main())


def test_two_instances_share_one_pace(stack):
    model_id = f"gemini-test-{uuid.uuid4().hex[:8]}"
    quota = ModelQuota(rpm=600)  # a burst of 30, then one every 60/570 s
    starts: list[float] = []
    began = time.time()
    instances = [
        threading.Thread(target=_instance, args=(model_id, quota, 30, starts)) for _ in range(2)
    ]
    for instance in instances:
        instance.start()
    for instance in instances:
        instance.join(timeout=120)
    assert len(starts) == 60
    interval = 60 / 570
    ordered = sorted(s - began for s in starts)
    # The 31st call and after wait their turn, whichever instance asked: one pace.
    for k, start in enumerate(ordered[30:], start=1):
        assert start >= k * interval - 0.05, (k, start)
    assert ordered[-1] == pytest.approx(30 * interval, abs=1.5)


def test_a_429_holds_every_caller_of_the_model(stack):
    model_id = f"gemini-test-{uuid.uuid4().hex[:8]}"
    quota = ModelQuota(rpm=6000)

    async def scenario() -> tuple[float, float]:
        await limiter.wait_for_turn(model_id, quota)
        await limiter.record_429(model_id, quota, 1.5)
        began = time.monotonic()
        waited = await limiter.wait_for_turn(model_id, quota)
        return waited or 0.0, time.monotonic() - began

    waited, took = asyncio.run(scenario())
    assert 1.3 <= waited <= 1.5 and took >= 1.3
    assert asyncio.run(limiter.wait_for_turn(model_id, quota, longest_s=0.0)) in (0.0, None)


def test_a_turn_costs_one_small_transaction(stack):
    """Printed, not timed: the figure for the notes (a turn's transaction on the emulator)."""
    model_id = f"gemini-test-{uuid.uuid4().hex[:8]}"
    quota = ModelQuota(rpm=100_000)

    async def turns() -> list[float]:
        took = []
        for _ in range(50):
            began = time.perf_counter()
            await limiter.wait_for_turn(model_id, quota)
            took.append(time.perf_counter() - began)
        return took

    took = sorted(asyncio.run(turns()))
    print(f"\nlimiter turn: p50 {took[25] * 1000:.1f} ms, p95 {took[47] * 1000:.1f} ms")
    assert took[25] < 1.0  # a sanity bound, not a target


def test_a_job_that_comes_later_takes_the_next_turns_of_a_busy_model(stack):
    """Least attained service on the emulator: the jobs the callers serve
    (``serving_job``) share one pace document, and a small job asking behind a busy one
    is given the next turns in a row, the busy one's promised turns apart."""
    model_id = f"gemini-test-{uuid.uuid4().hex[:8]}"
    quota = ModelQuota(rpm=120)  # a burst of 6, then one every 60/114 s
    interval = 60 / 114
    turns: dict[str, list[float]] = {"big": [], "small": []}

    async def lane(job: str, calls: int, until: float | None = None) -> None:
        limiter.serving_job.set(job)  # this task's context only
        while (until is None and calls > 0) or (until is not None and time.time() < until):
            await limiter.wait_for_turn(model_id, quota)
            turns[job].append(time.time())
            calls -= 1
            await asyncio.sleep(0.2)  # the call

    async def scenario() -> None:
        until = time.time() + 14.0
        big = [asyncio.create_task(lane("big", 0, until)) for _ in range(8)]
        await asyncio.sleep(6.0)  # the burst is spent: the big job uses every turn
        await asyncio.gather(*(lane("small", 2) for _ in range(4)))
        await asyncio.gather(*big)

    asyncio.run(scenario())
    small = turns["small"]
    assert len(small) == 8
    during = [t for t in turns["big"] if small[0] < t < small[-1]]
    assert len(during) <= 2, (during, small)  # only what was promised before it asked
    assert small[-1] - small[0] <= 9 * interval + 0.5
    # Afterwards the big job has the turns again.
    assert [t for t in turns["big"] if t > small[-1] + 3 * interval]
