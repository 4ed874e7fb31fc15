"""One pace per model, shared by every job, lane and instance: no model is asked more
often than its quota allows, and a 429 slows every caller of that model at once.

Rate limits belong to a project and a model (requests and input tokens per minute,
:mod:`vidcompare.quotas`), not to a job, so the pace lives in Firestore
(``quota_pace/{model_id}``) and each ``generateContent`` call takes its turn from it in
one transaction (:func:`take_turn`) before it is sent.

**Requests** follow GCRA, a token bucket kept as one timestamp: each call moves the
model's ``next_request_at`` on by one interval and is told how long to wait for its
turn. A burst of ``B`` = 5 % of the limit (at least 1) may go at once; the steady rate
is the limit less that burst, so no sliding minute ever holds more than the limit.

**Input tokens** are known only from the answer, so each call charges what it used
(:func:`charge_tokens`) and the next calls wait while the minute's tokens are spent.

**It adapts (AIMD).** A 429 halves the model's rate (never below 1 per minute) and
holds every caller until the server's ``retryDelay``; each call more than a minute
after the last 429 adds 5 % of the configured limit back, up to the limit.

**Jobs share it by least attained service.** Each job calling a model has a count of
the turns it was given lately (each decays by half every :data:`SERVICE_HALF_LIFE_S`).
A job that has had more turns lately than another job still asking (it asked in the last
``LEAD_TURNS + 1`` intervals) lets that job go first and asks again ``LEAD_TURNS``
intervals later. So two jobs asking alike alternate, whatever their lanes; a job that
comes later takes the turns until it has had as many lately as the others (a small one
is done by then: the large one waits at most about a half-life); a job that stops
asking leaves every turn to the rest. Alone, a job
has the whole rate. The job is the one the worker is serving (:data:`serving_job`); a
job quiet for :data:`ACTIVE_S` is forgotten. No turn is promised more than
:data:`LEAD_TURNS` intervals ahead (the caller asks again nearer the time), so a job
that comes later never queues behind every lane of the others.
"""

from __future__ import annotations

import asyncio
import collections
import contextvars
import logging
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from vidcompare import store
from vidcompare.config import settings
from vidcompare.quotas import ModelQuota, default_quota, gemini_family
from vidcompare.store.quotas import Pace

log = logging.getLogger(__name__)

BURST_SHARE = 0.05  # of the per-minute limit, sent at once before pacing starts
GROWTH_SHARE = 0.05  # of the limit, given back per call a quiet minute after a 429
QUIET_S = 60.0
MINUTE = 60.0
LEAD_TURNS = 2.0  # a turn is promised at most this many intervals ahead
ACTIVE_S = 15.0  # a job that asked for no turn this long is forgotten
SERVICE_HALF_LIFE_S = 20.0  # a job's count of turns given lately halves this often
T = TypeVar("T")

# The job whose combination this task serves (set by the worker), for fair shares.
serving_job: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "serving_job", default=None
)

# One transaction per model at a time from this process: the calls of one instance
# queue here instead of contending for the document (Firestore aborts or times out
# transactions that pile up on one document); other instances contend as few.
_model_locks: collections.defaultdict[str, threading.Lock] = collections.defaultdict(threading.Lock)


def _locked_update(model_id: str, quota: ModelQuota, change: Callable[..., T]) -> T:
    with _model_locks[model_id]:
        return store.update_pace(model_id, quota, change)


async def _update(model_id: str, quota: ModelQuota, change: Callable[..., T]) -> T:
    return await asyncio.to_thread(_locked_update, model_id, quota, change)


def burst_of(limit: float) -> float:
    """How many calls (or tokens) of a per-minute ``limit`` may go at once."""
    return max(1.0, limit * BURST_SHARE)


@dataclass(frozen=True)
class Turn:
    wait_s: float  # sleep this long, then send (granted) or ask again (not granted)
    granted: bool


def take_turn(pace: Pace, quota: ModelQuota, now: float, job_id: str | None = None) -> Turn:
    """Admit one call of ``job_id``, or tell it when to ask again (``pace`` changes).

    A job that has had more turns lately than another one still asking is not given a
    turn ahead of time: it asks again later, so it never holds the model's future turns
    that the other job could use."""
    start = max(now, pace.hold_until)
    if quota.rpm:
        if pace.last_429_at and now - pace.last_429_at > QUIET_S:
            pace.rate_rpm = min(float(quota.rpm), pace.rate_rpm + quota.rpm * GROWTH_SHARE)
        burst = burst_of(pace.rate_rpm)
        interval = MINUTE / max(1.0, pace.rate_rpm - burst)
        if job_id is not None and _lets_others_go_first(pace, quota, job_id, now, interval):
            return Turn(LEAD_TURNS * interval, granted=False)
        arrival = max(pace.next_request_at, start)
        # GCRA: the call may go once it is no more than (burst - 1) intervals early.
        slot = max(start, arrival - (burst - 1) * interval)
        if slot - now > LEAD_TURNS * interval:
            # Not promised so far ahead: the caller asks again nearer the time, so a job
            # that comes later queues behind a few turns, not behind every lane's.
            return Turn(slot - now - (LEAD_TURNS - 0.5) * interval, granted=False)
        start = slot
        pace.next_request_at = arrival + interval
        if job_id is not None:  # granted: only now is the job's count of turns moved on
            pace.jobs[job_id][1] += 1.0
    if quota.tpm:
        tolerance = burst_of(quota.tpm) * MINUTE / quota.tpm
        start = max(start, pace.next_token_at - tolerance)
    pace.turns += 1
    return Turn(max(0.0, start - now), granted=True)


def _served(entry: list[float], now: float, most: float) -> float:
    """A job's turns given lately, at ``now``: its count ``[asked at, count then]``
    decayed since; never more than the model's rate could have given (``most``: so an
    entry of the earlier layout, ``[next turn, last turn's time]``, reads as a busy job)."""
    asked_at, count = entry
    return min(most, count * 0.5 ** (max(0.0, now - asked_at) / SERVICE_HALF_LIFE_S))


def _lets_others_go_first(
    pace: Pace, quota: ModelQuota, job_id: str, now: float, interval: float
) -> bool:
    """Whether the job has had more turns lately than another job still asking
    (``pace.jobs``: job id -> [last asked at, turns given lately as of then]). Asking
    counts as active, granted or not; jobs quiet for :data:`ACTIVE_S` are forgotten."""
    most = quota.rpm / MINUTE * SERVICE_HALF_LIFE_S / math.log(2)  # the full rate's count
    active = {j: e for j, e in pace.jobs.items() if len(e) == 2 and now - e[0] < ACTIVE_S}
    own = _served(active[job_id], now, most) if job_id in active else 0.0
    active[job_id] = [now, own]
    pace.jobs = active
    asking_s = (LEAD_TURNS + 1) * interval  # a waiting lane asks again within this
    others = [
        _served(e, now, most) for j, e in active.items() if j != job_id and now - e[0] <= asking_s
    ]
    return bool(others) and own > min(others)


def charge_tokens(pace: Pace, quota: ModelQuota, tokens: int, now: float) -> None:
    """A call used ``tokens`` input tokens: the minute's budget is spent by that much."""
    if quota.tpm and tokens > 0:
        per_token = MINUTE / max(1.0, quota.tpm - burst_of(quota.tpm))
        pace.next_token_at = max(pace.next_token_at, now) + tokens * per_token


def slow_down(pace: Pace, quota: ModelQuota, retry_after_s: float | None, now: float) -> None:
    """The server said 429: halve the rate and hold every caller until its delay."""
    if quota.rpm:
        pace.rate_rpm = max(1.0, pace.rate_rpm / 2)
    pace.last_429_at = now
    pace.hold_until = max(pace.hold_until, now + (retry_after_s or 1.0))


def quota_for(model_id: str) -> ModelQuota:
    """The model's configured quota (``VIDCOMPARE_QUOTAS``: its own entry, else ``*`` for
    a Gemini model), else its family's default in ``VIDCOMPARE_GEMINI_TIER`` (none with
    the tier off). The offline analyzers have none unless named."""
    config = settings()
    if model_id in config.quotas:
        return config.quotas[model_id]
    if gemini_family(model_id) is None:
        return ModelQuota()
    if "*" in config.quotas:
        return config.quotas["*"]
    if config.gemini_tier == "off":
        return ModelQuota()
    return default_quota(model_id, config.gemini_tier)


async def wait_for_turn(
    model_id: str, quota: ModelQuota, *, longest_s: float | None = None
) -> float | None:
    """Take the model's next turn from the shared pace and sleep until it: the seconds
    waited; None, without sleeping, when the turn is further off than ``longest_s`` (the
    turn is spent: the others' turns are not moved). A model without limits is not paced
    (nothing is read)."""
    if not (quota.rpm or quota.tpm):
        return 0.0
    job_id = serving_job.get()
    waited = 0.0
    while True:
        turn = await _update(
            model_id, quota, lambda pace, quota, now: take_turn(pace, quota, now, job_id)
        )
        if longest_s is not None and waited + turn.wait_s > longest_s:
            return None
        if turn.wait_s > 0:
            log.info("%s: waiting %.2f s for its turn under its quota", model_id, turn.wait_s)
            await asyncio.sleep(turn.wait_s)
        waited += turn.wait_s
        if turn.granted:
            return waited


async def record_tokens(model_id: str, quota: ModelQuota, tokens: int) -> None:
    if quota.tpm and tokens > 0:
        await _update(
            model_id, quota, lambda pace, quota, now: charge_tokens(pace, quota, tokens, now)
        )


async def record_429(model_id: str, quota: ModelQuota, retry_after_s: float | None) -> None:
    if quota.rpm or quota.tpm:
        await _update(
            model_id, quota, lambda pace, quota, now: slow_down(pace, quota, retry_after_s, now)
        )
