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
        models=["gemini-3.8-flash", "local-scenes"],
        judge_model="local-rubric",
        duplicates=True,
        crashes=2,
        restarts=1,
        timeout=300,
    )
    print("\n" + report.table())
    assert report.problems == []
    assert report.combinations_recorded == report.combinations_expected == 24
    assert report.combinations_lost == 0
    assert report.combinations_counted_twice == 0
    assert report.jobs_finished == 4
    assert (report.crashes, report.restarts) == (2, 1)
    # A SIGKILL that lands inside combinations (at most the 6 lanes in flight each time)
    # makes them run again after their leases expire; nothing else runs twice.
    assert 1.0 <= report.model_runs_per_combination <= 1 + 3 * 6 / 24


def test_a_429_storm_delays_combinations_but_every_one_completes(client, videos, fake_gemini):
    # 30 % of model calls answer 429 asking for a short wait; the judge is offline.
    fake_gemini.script("*", fail_rate=0.3, fail_rate_codes=[429], retry_delay_s=0.2)
    prompts = [f"Storm question {i}." for i in range(8)]
    accepted = client.start_batch(
        [videos["red_blue"]],
        prompts,
        ["gemini-3.6-flash", "gemini-3.8-flash"],
        judge_model="local-rubric",
        concurrency=2,
    )
    job = client.wait(accepted.job_id, poll_seconds=0.2, timeout=120)
    assert job.status.value == "completed"
    result = client.result(accepted.job_id)
    assert [r.error for c in result.comparisons for r in c.results] == [None] * 16
    served = fake_gemini.counters()["errors_by_code"].get("429", 0)
    assert served >= 3, f"only {served} 429s were served: no storm"


def test_a_model_slower_than_its_budget_ends_as_its_timeout_error(
    local_stack, client, videos, fake_gemini
):
    local_stack.restart("process_combo", extra_env={"VIDCOMPARE_MODEL_TIMEOUT_S": "1"})
    try:
        fake_gemini.script("gemini-3.6-flash", latency_ms=3000)
        accepted = client.start_batch(
            [videos["green"]],
            ["Describe."],
            ["gemini-3.6-flash", "local-scenes"],
            judge_model="local-rubric",
        )
        job = client.wait(accepted.job_id, poll_seconds=0.2, timeout=60)
    finally:
        local_stack.restart("process_combo")
    assert job.status.value == "completed"
    slow, fast = client.result(accepted.job_id).comparisons[0].results
    assert slow.error == "timeout: no answer within 1 s" and slow.response is None
    assert 1000 <= slow.latency_ms < 2500
    assert fast.error is None and fast.response
