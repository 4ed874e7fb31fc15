"""How many lanes an Auto job runs: more while its model calls get their turns at once,
fewer while they wait for the quota, never none while combinations remain.

A fixed number of lanes is a chain each (lane ``l`` runs ``l, l+L, …``). An Auto job's
lanes instead take their next combination from the job's cursor
(:func:`vidcompare.store.take_successors`): after each commit a lane asks for 0, 1 or 2
successors, so the job's lanes shrink or grow by one at a time:

* **contended** — one of the combination's calls waited :data:`CONTENDED_WAIT_S` or more
  for its turn under a model's shared quota (:mod:`vidcompare.limiter`): the job has more
  lanes than the quota serves, and a waiting lane only holds an instance. The lane ends
  (0 successors), unless it is the job's last.
* **free** — every call got its turn within :data:`FREE_WAIT_S`: the quota has room, so the
  lane takes two (one more lane), up to the cap.
* otherwise one, as a fixed lane does.

The waits are collected per combination through :data:`turn_waits` (the Gemini calls
note theirs); offline models take no turns, so their jobs grow to the cap and stay there.
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass
from enum import StrEnum

CONTENDED_WAIT_S = 2.0
FREE_WAIT_S = 0.25

# The waits for quota turns of the combination this task runs (set by the worker).
turn_waits: contextvars.ContextVar[list[float] | None] = contextvars.ContextVar(
    "turn_waits", default=None
)


def note_wait(seconds: float) -> None:
    """A model call waited ``seconds`` for its turn (collected for the lane's decision)."""
    waits = turn_waits.get()
    if waits is not None:
        waits.append(seconds)


class Pressure(StrEnum):
    free = "free"
    steady = "steady"
    contended = "contended"


def pressure(waits: list[float]) -> Pressure:
    longest = max(waits, default=0.0)
    if longest >= CONTENDED_WAIT_S:
        return Pressure.contended
    if longest <= FREE_WAIT_S:
        return Pressure.free
    return Pressure.steady


@dataclass
class Dispatch:
    """An Auto job's cursor (the next combination no lane has taken) and its lanes."""

    cursor: int
    lanes: int


def successors_to_take(dispatch: Dispatch, total: int, cap: int, felt: Pressure) -> int:
    """How many combinations a lane that just committed takes next (0, 1 or 2)."""
    remaining = total - dispatch.cursor
    if remaining <= 0:
        return 0
    if felt is Pressure.contended and dispatch.lanes > 1:
        return 0
    if felt is Pressure.free and dispatch.lanes < cap:
        return min(2, remaining)
    return 1
