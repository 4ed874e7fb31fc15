"""Duplicate deliveries, SIGKILLed workers and restarted servers lose and double nothing.

A smaller run than ``benchmarks/faults.py``, on the session's stack (whose servers it
kills and restarts; they are back up when it ends).
"""

from __future__ import annotations

from vidcompare.faults import run_fault_suite


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
        models=["gemini-2.5-flash", "local-scenes"],
        judge_model="local-rubric",
        duplicates=True,
        crashes=2,
        restarts=1,
        timeout=180,
    )
    print("\n" + report.table())
    assert report.problems == []
    assert report.combinations_recorded == report.combinations_expected == 24
    assert report.combinations_lost == 0
    assert report.combinations_counted_twice == 0
    assert report.jobs_finished == 4
    assert (report.crashes, report.restarts) == (2, 1)
    # A SIGKILL lands inside combinations (at most the 6 lanes in flight each time), which
    # ran again after their leases expired; nothing else ran twice.
    assert 1.0 < report.model_runs_per_combination <= 1 + 3 * 6 / 24
