"""An Auto job's lanes: how a lane reads the quota waits of its combination, and how many
successors it takes from the cursor."""

from __future__ import annotations

import asyncio

import pytest

from vidcompare.lanes import (
    CONTENDED_WAIT_S,
    FREE_WAIT_S,
    Dispatch,
    Pressure,
    note_wait,
    pressure,
    successors_to_take,
    turn_waits,
)


@pytest.mark.parametrize(
    ("waits", "felt"),
    [
        ([], Pressure.free),  # no paced call (offline models): nothing holds it back
        ([0.0, 0.1, FREE_WAIT_S], Pressure.free),
        ([0.0, FREE_WAIT_S + 0.01], Pressure.steady),
        ([0.3, CONTENDED_WAIT_S - 0.01], Pressure.steady),
        ([0.0, CONTENDED_WAIT_S], Pressure.contended),  # one long wait is enough
    ],
)
def test_the_longest_wait_says_the_pressure(waits, felt):
    assert pressure(waits) is felt


@pytest.mark.parametrize(
    ("cursor", "lanes", "felt", "taken"),
    [
        (10, 4, Pressure.free, 2),  # room in the quota: one more lane
        (10, 8, Pressure.free, 1),  # ... up to the cap
        (19, 4, Pressure.free, 1),  # ... and never past the last combination
        (10, 4, Pressure.steady, 1),
        (10, 4, Pressure.contended, 0),  # waiting lanes only hold instances: one ends
        (10, 1, Pressure.contended, 1),  # never the last lane while work remains
        (20, 3, Pressure.free, 0),  # nothing left: the lane ends
        (20, 1, Pressure.steady, 0),
    ],
)
def test_a_lane_takes_0_1_or_2_successors(cursor, lanes, felt, taken):
    assert successors_to_take(Dispatch(cursor, lanes), total=20, cap=8, felt=felt) == taken


def test_waits_are_collected_per_combination_across_its_tasks():
    async def combination(waits: list[float]) -> None:
        turn_waits.set(waits)

        async def call(seconds: float) -> None:
            note_wait(seconds)

        async with asyncio.TaskGroup() as group:  # models in parallel, as the worker runs them
            for seconds in (0.1, 2.5, 0.0):
                group.create_task(call(seconds))
        note_wait(0.4)  # the judge

    first, second = [], []
    asyncio.run(combination(first))
    asyncio.run(combination(second))
    assert sorted(first) == sorted(second) == [0.0, 0.1, 0.4, 2.5]
    note_wait(9.0)  # outside a combination: nowhere to note it, and no error
