"""The shared limiter's rules on an explicit clock: no sliding minute over the quota,
bursts, token debt, a 429's halving and hold, the growth back, and jobs sharing a model
by least attained service."""

from __future__ import annotations

import heapq
import math

import pytest

from vidcompare.limiter import Turn, charge_tokens, slow_down, take_turn
from vidcompare.quotas import ModelQuota
from vidcompare.store.quotas import Pace


def _turn_at(pace: Pace, quota: ModelQuota, now: float, job: str | None = None) -> float:
    """When one caller's call goes: it asks, and asks again when told to, until granted."""
    while True:
        turn = take_turn(pace, quota, now, job)
        if turn.granted:
            return now + turn.wait_s
        now += turn.wait_s


def _starts(quota: ModelQuota, arrivals: list[float], pace: Pace | None = None) -> list[float]:
    """When each of the callers arriving at ``arrivals`` sends, asking again in time order."""
    pace = pace or Pace.fresh(quota)
    asks = [(now, n) for n, now in enumerate(arrivals)]
    heapq.heapify(asks)
    starts = [0.0] * len(arrivals)
    while asks:
        now, n = heapq.heappop(asks)
        turn = take_turn(pace, quota, now)
        if turn.granted:
            starts[n] = now + turn.wait_s
        else:
            heapq.heappush(asks, (now + turn.wait_s, n))
    return starts


def _busiest_minute(starts: list[float]) -> int:
    ordered = sorted(starts)
    return max(sum(1 for t in ordered if s <= t < s + 60) for s in ordered)


@pytest.mark.parametrize("rpm", [1, 10, 60, 150, 1000])
def test_no_sliding_minute_holds_more_than_the_quota(rpm):
    quota = ModelQuota(rpm=rpm)
    # Everyone at once, then a steady stream faster than the quota.
    arrivals = [0.0] * (rpm * 2) + [i * 0.01 for i in range(rpm * 2)]
    starts = _starts(quota, sorted(arrivals))
    assert _busiest_minute(starts) <= rpm
    # ... and the quota is used: over 3 minutes of demand, at least 90 % of it.
    assert sum(1 for s in starts if s < 180) >= 0.9 * 3 * rpm


def test_a_burst_of_5_percent_goes_at_once_then_calls_are_paced():
    quota = ModelQuota(rpm=60)
    starts = _starts(quota, [0.0] * 6)
    interval = 60 / 57  # the limit less the burst of 3
    assert starts == pytest.approx([0, 0, 0, interval, 2 * interval, 3 * interval])


def test_calls_slower_than_the_quota_never_wait():
    quota = ModelQuota(rpm=60)
    assert _starts(quota, [i * 2.0 for i in range(50)]) == [i * 2.0 for i in range(50)]


def test_spent_input_tokens_hold_the_next_calls():
    quota = ModelQuota(tpm=60_000)
    pace = Pace.fresh(quota)
    assert take_turn(pace, quota, 0.0).wait_s == 0.0
    charge_tokens(pace, quota, 30_000, now=1.0)  # half the minute's tokens in one call
    per_token = 60 / (60_000 - 3_000)
    tolerance = 3_000 * 60 / 60_000
    assert take_turn(pace, quota, 1.0).wait_s == pytest.approx(
        1.0 + 30_000 * per_token - tolerance - 1.0
    )


def test_a_429_halves_the_rate_holds_everyone_and_quiet_minutes_give_it_back():
    quota = ModelQuota(rpm=100)
    pace = Pace.fresh(quota)
    take_turn(pace, quota, 0.0)
    slow_down(pace, quota, retry_after_s=17.0, now=10.0)
    assert pace.rate_rpm == 50.0
    assert _turn_at(pace, quota, 11.0) == pytest.approx(27.0)  # held until 27 s
    slow_down(pace, quota, retry_after_s=None, now=30.0)
    assert pace.rate_rpm == 25.0 and pace.hold_until == 31.0
    take_turn(pace, quota, 60.0)  # within a minute of the 429: no growth
    assert pace.rate_rpm == 25.0
    for second in range(91, 200):  # a quiet minute later: +5 of 100 a call, up to 100
        take_turn(pace, quota, float(second * 10))
    assert pace.rate_rpm == 100.0
    for _ in range(50):
        slow_down(pace, quota, 1.0, now=5000.0)
    assert pace.rate_rpm == 1.0  # never below one a minute


def test_a_model_without_limits_is_never_held():
    quota = ModelQuota()
    assert _starts(quota, [0.0] * 100) == [0.0] * 100


def _simulate(
    jobs: dict[str, tuple[int, int, float]], quota: ModelQuota, seconds: float, call_s: float = 1.0
) -> dict[str, list[float]]:
    """Jobs of (lanes, calls, start time) whose lanes ask for a turn, wait for it, call for
    ``call_s`` and ask again while the job has calls left: each job's start times of its
    calls over ``seconds``."""
    pace = Pace.fresh(quota)
    asks = [(t0, job, lane) for job, (count, _, t0) in jobs.items() for lane in range(count)]
    heapq.heapify(asks)
    left = {job: calls for job, (_, calls, _) in jobs.items()}
    starts: dict[str, list[float]] = {job: [] for job in jobs}
    while asks:
        now, job, lane = heapq.heappop(asks)
        if now > seconds or not left[job]:
            continue
        turn = take_turn(pace, quota, now, job)
        if not turn.granted:  # another job goes first: it asks again when told
            heapq.heappush(asks, (now + turn.wait_s, job, lane))
            continue
        left[job] -= 1
        start = now + turn.wait_s
        starts[job].append(start)
        heapq.heappush(asks, (start + call_s, job, lane))
    return starts


ENDLESS = 10**6  # calls: a job that asks for the whole simulation


def test_jobs_calling_one_model_share_it_evenly_whatever_their_lanes():
    quota = ModelQuota(rpm=60)
    starts = _simulate({"big": (8, ENDLESS, 0.0), "small": (2, ENDLESS, 0.0)}, quota, 300)
    big = sum(1 for s in starts["big"] if s < 300)
    small = sum(1 for s in starts["small"] if s < 300)
    assert _busiest_minute(starts["big"] + starts["small"]) <= 60
    assert abs(big - small) <= 1, (big, small)  # they alternate
    assert big + small >= 0.9 * 5 * 60  # the quota is still used


def test_a_job_alone_has_the_whole_rate():
    quota = ModelQuota(rpm=60)
    starts = _simulate({"alone": (8, ENDLESS, 0.0)}, quota, 300)["alone"]
    assert sum(1 for s in starts if s < 300) >= 0.9 * 5 * 60


def test_a_small_job_behind_a_large_one_takes_the_next_turns_then_leaves_them():
    quota = ModelQuota(rpm=60)
    interval = 60 / 57
    starts = _simulate({"big": (8, ENDLESS, 0.0), "small": (4, 8, 60.0)}, quota, 120)
    small, big = starts["small"], starts["big"]
    # The big job keeps the 2 turns promised before the small one asked; the small one
    # then takes the next 8 in a row ...
    promised = [s for s in big if 60.0 <= s < small[0]]
    assert len(promised) == 2 and small[0] == pytest.approx(promised[-1] + interval)
    assert [b - a for a, b in zip(small, small[1:], strict=False)] == pytest.approx([interval] * 7)
    assert not [s for s in big if small[0] <= s <= small[-1]]
    # ... so it takes 1.7× its time alone (a fair half each would take 3×) ...
    alone = _simulate({"small": (4, 8, 0.0)}, quota, 120)["small"]
    assert (small[-1] + 1 - 60) / (alone[-1] + 1) == pytest.approx(1.67, abs=0.01)
    # ... and once it stops asking the big one has every turn again, one lost at most.
    after = [s for s in big if small[-1] < s <= small[-1] + 40]
    assert len(after) >= 40 / interval - 1


def test_a_large_job_behind_another_goes_first_for_about_a_half_life_then_they_alternate():
    quota = ModelQuota(rpm=60)
    starts = _simulate({"first": (8, ENDLESS, 0.0), "second": (8, ENDLESS, 60.0)}, quota, 300)
    first = starts["first"]
    longest_wait = max(b - a for a, b in zip(first, first[1:], strict=False))
    assert 15.0 <= longest_wait <= 20.5  # SERVICE_HALF_LIFE_S: the first one's count halves
    from_90 = {job: sum(1 for s in times if 90 <= s < 300) for job, times in starts.items()}
    assert abs(from_90["first"] - from_90["second"]) <= 1, from_90


def test_a_job_ahead_of_one_still_asking_asks_again_later():
    quota = ModelQuota(rpm=60)
    interval = 60 / 57
    pace = Pace.fresh(quota)
    pace.next_request_at = 100.0
    pace.jobs = {"big": [100.0, 20.0]}  # asked just now, 20 turns lately
    assert take_turn(pace, quota, 100.0, "small") == Turn(0.0, granted=True)
    assert pace.jobs["small"] == [100.0, 1.0]
    # The small job asked within LEAD_TURNS + 1 intervals: the big one waits 2 intervals.
    assert take_turn(pace, quota, 100.0, "big") == Turn(pytest.approx(2 * interval), False)
    assert take_turn(pace, quota, 100.0 + 3 * interval - 0.01, "big").granted is False
    # Once the small job has not asked for 3 intervals, the big one goes; its count has
    # decayed by half every 20 s since it last asked, and its turn adds one.
    later = 100.0 + 3 * interval + 0.01
    assert take_turn(pace, quota, later, "big").granted
    decayed = 20.0 * 0.5 ** ((3 * interval - 0.01) / 20) * 0.5 ** (0.02 / 20)
    assert pace.jobs["big"] == [later, pytest.approx(decayed + 1.0)]


def test_turns_given_lately_halve_every_20_s_and_quiet_jobs_are_forgotten():
    quota = ModelQuota(rpm=60)
    pace = Pace.fresh(quota)
    pace.jobs = {"a": [10.0, 8.0], "quiet": [5.0, 3.0]}
    assert take_turn(pace, quota, 20.0, "a").granted
    # 8 decayed for 10 s, plus this turn; "quiet" asked nothing for ACTIVE_S: forgotten.
    assert pace.jobs == {"a": [20.0, pytest.approx(8 / math.sqrt(2) + 1)]}
    # Equal counts: neither lets the other go first.
    pace.jobs = {"a": [30.0, 4.0], "b": [30.0, 4.0]}
    assert take_turn(pace, quota, 30.0, "a").granted
    assert take_turn(pace, quota, 30.0, "b").granted


def test_a_count_is_never_more_than_the_full_rate_could_give():
    """An entry of the earlier layout ([next turn, last turn's time]) reads as a busy job."""
    quota = ModelQuota(rpm=60)
    pace = Pace.fresh(quota)
    now = 1_800_000_000.0
    pace.jobs = {"old": [now + 2.0, now], "new": [now, 0.0]}
    assert take_turn(pace, quota, now, "old").granted is False
    assert pace.jobs["old"] == [now, pytest.approx(1.0 * 20 / math.log(2))]


def test_a_turn_without_a_job_is_not_counted_for_any():
    quota = ModelQuota(rpm=60)
    pace = Pace.fresh(quota)
    pace.jobs = {"a": [0.0, 30.0]}
    assert take_turn(pace, quota, 0.0).granted
    assert pace.jobs == {"a": [0.0, 30.0]}


@pytest.fixture
def quotas(monkeypatch):
    """Settings with a quota table (the settings are read once: read again here)."""
    from vidcompare.config import settings

    def use(table: str, tier: str = "tier1") -> None:
        monkeypatch.setenv("VIDCOMPARE_QUOTAS", table)
        monkeypatch.setenv("VIDCOMPARE_GEMINI_TIER", tier)
        settings.cache_clear()

    yield use
    settings.cache_clear()


def test_the_estimate_names_the_model_whose_quota_bounds_a_batch(quotas):
    from vidcompare.estimate import quota_bound

    quotas('{"gemini-3.8-flash": {"rpm": 60}}')
    # 200 combinations, the model judging itself: 400 calls at 57 a minute after 3 at once.
    assert quota_bound(200, ["gemini-3.8-flash", "local-scenes"], "gemini-3.8-flash", 1) == (
        "gemini-3.8-flash",
        pytest.approx((400 - 3) * 60 / 57),
    )
    # Tier 1's Pro (150 a minute) bounds before its Flash (1,000).
    model, seconds = quota_bound(
        300, ["gemini-3.1-pro-preview", "gemini-3.6-flash"], "local-rubric", 1
    )
    assert model == "gemini-3.1-pro-preview"
    assert seconds == pytest.approx((300 - 7.5) * 60 / 142.5)
    assert quota_bound(300, ["local-scenes"], "local-rubric", 2) == (None, 0.0)


def test_quotas_name_models_star_covers_gemini_and_the_tier_can_be_off(quotas):
    from vidcompare.limiter import quota_for

    quotas('{"gemini-3.8-flash": {"rpm": 60}, "*": {"rpm": 5}}')
    assert quota_for("gemini-3.8-flash") == ModelQuota(rpm=60)
    assert quota_for("gemini-3.1-pro-preview") == ModelQuota(rpm=5)
    assert quota_for("local-scenes") == ModelQuota()  # offline: "*" is for Gemini
    quotas("", tier="free")
    assert quota_for("gemini-3.1-pro-preview") == ModelQuota(rpm=5, tpm=250_000)
    quotas("", tier="off")
    assert quota_for("gemini-3.8-flash") == ModelQuota()
