"""The worker's structured step log line: durations that add up, and delivery_ms."""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest

from vidcompare import step_log
from vidcompare.step_log import EVENT, StepTimer, delivery_ms


def test_laps_time_consecutive_steps_and_a_repeated_step_adds_up():
    timer = StepTimer()
    time.sleep(0.02)
    timer.lap("claim")
    time.sleep(0.01)
    timer.lap("commit")
    time.sleep(0.01)
    timer.lap("claim")
    assert list(timer.steps_ms) == ["claim", "commit"]
    assert 28 <= timer.steps_ms["claim"] < 200
    assert 9 <= timer.steps_ms["commit"] < 200
    timer.fields.update(job_id="j1", index=3)
    timer.stamp("published_at")
    entry = timer.entry("done")
    assert (entry["event"], entry["outcome"], entry["severity"]) == (EVENT, "done", "INFO")
    assert entry["message"].startswith("combination 3 of job j1: done in ")
    assert entry["received_at"] <= entry["published_at"] <= time.time()
    assert entry["total_ms"] >= sum(timer.steps_ms.values()) - 1


def test_emit_writes_one_json_line_to_stdout(capsys):
    timer = StepTimer()
    timer.fields.update(job_id="j2", index=0, delivery_ms=None)
    timer.lap("parse")
    timer.emit("drop: job not found")
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1
    entry = json.loads(lines[0])
    assert (entry["job_id"], entry["outcome"]) == ("j2", "drop: job not found")
    assert set(entry["steps_ms"]) == {"parse"}


def test_the_logger_keeps_its_lines_out_of_the_root_logger():
    assert step_log._log.propagate is False  # noqa: SLF001 - the module's own logger


def test_delivery_ms_reads_rfc3339_with_nanoseconds_and_zulu():
    received = dt.datetime(2026, 11, 27, 0, 0, 1, 250000, tzinfo=dt.UTC).timestamp()
    assert delivery_ms("2026-11-27T00:00:01.123456789Z", received) == pytest.approx(126.54)
    assert delivery_ms("2026-11-27T00:00:01Z", received) == pytest.approx(250.0)
    assert delivery_ms("2026-11-27T00:00:01.2+00:00", received) == pytest.approx(50.0)


@pytest.mark.parametrize(
    "publish_time",
    [None, 17, "", "yesterday", "2026-11-27T00:00:01.5", "2026-13-40T00:00:00Z"],
)
def test_delivery_ms_is_none_for_what_it_cannot_read(publish_time):
    assert delivery_ms(publish_time, time.time()) is None
