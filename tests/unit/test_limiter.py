"""The shared limiter's rules on an explicit clock: no sliding minute over the quota,
bursts, token debt, a 429's halving and hold, and the growth back."""

from __future__ import annotations

import heapq

import pytest

from vidcompare.limiter import charge_tokens, slow_down, take_turn
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


def _simulate(lanes: dict[str, int], quota: ModelQuota, seconds: float, call_s: float = 1.0):
    """Lanes that ask for a turn, wait for it, call for ``call_s`` and ask again: the
    start times of each job's calls over ``seconds``."""
    pace = Pace.fresh(quota)
    asks = [(0.0, job, lane) for job, count in lanes.items() for lane in range(count)]
    heapq.heapify(asks)
    starts: dict[str, list[float]] = {job: [] for job in lanes}
    while asks:
        now, job, lane = heapq.heappop(asks)
        if now > seconds:
            continue
        turn = take_turn(pace, quota, now, job)
        if not turn.granted:  # over its share: asks again when its share allows
            heapq.heappush(asks, (now + turn.wait_s, job, lane))
            continue
        start = now + turn.wait_s
        starts[job].append(start)
        heapq.heappush(asks, (start + call_s, job, lane))
    return starts


def test_jobs_calling_one_model_share_it_evenly_whatever_their_lanes():
    quota = ModelQuota(rpm=60)
    starts = _simulate({"big": 8, "small": 2}, quota, seconds=300)
    big = sum(1 for s in starts["big"] if s < 300)
    small = sum(1 for s in starts["small"] if s < 300)
    assert _busiest_minute(starts["big"] + starts["small"]) <= 60
    assert abs(big - small) <= 0.1 * (big + small), (big, small)
    assert big + small >= 0.9 * 5 * 60  # the quota is still used


def test_a_job_alone_has_the_whole_rate():
    quota = ModelQuota(rpm=60)
    starts = _simulate({"alone": 8}, quota, seconds=300)["alone"]
    assert sum(1 for s in starts if s < 300) >= 0.9 * 5 * 60


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
