"""One structured log line per combination: where its time went, step by step.

Cloud Run (and so Cloud Functions) turns a JSON line on stdout into a structured log
entry, so ``jsonPayload.steps_ms.claim > 100`` or ``jsonPayload.delivery_ms > 1000`` is
a Cloud Logging query; locally the line lands in the ``process_combo`` log, where
``benchmarks/orchestration.py`` reads it.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
import time
from typing import Any


class _Stdout(logging.StreamHandler):
    """Writes to whatever ``sys.stdout`` is when it writes (a server or a test may have
    replaced it since import)."""

    @property
    def stream(self) -> Any:
        return sys.stdout

    @stream.setter
    def stream(self, _: Any) -> None:
        pass


# Its own logger and handler: the root logger of a function has no handler at INFO.
_log = logging.getLogger("vidcompare.steps")
if not _log.handlers:
    _handler = _Stdout()
    _handler.setFormatter(logging.Formatter("%(message)s"))
    _log.addHandler(_handler)
    _log.setLevel(logging.INFO)
    _log.propagate = False

EVENT = "combination_steps"


class StepTimer:
    """Consecutive step durations of one delivery (``lap`` ends a step and starts the
    next), wall-clock stamps for the steps that cross processes, and the fields that
    say which delivery it was."""

    def __init__(self) -> None:
        self.received_at = time.time()
        self._last = time.perf_counter()
        self.steps_ms: dict[str, float] = {}
        self.fields: dict[str, Any] = {}

    def lap(self, step: str) -> None:
        """End ``step`` now (a step timed twice adds up)."""
        now = time.perf_counter()
        self.steps_ms[step] = round(self.steps_ms.get(step, 0.0) + (now - self._last) * 1000, 2)
        self._last = now

    def stamp(self, name: str) -> None:
        """The wall-clock time of an event another process times from (seconds)."""
        self.fields[name] = time.time()

    def entry(self, outcome: str) -> dict[str, Any]:
        total = round((time.time() - self.received_at) * 1000, 2)
        where = f"combination {self.fields.get('index')} of job {self.fields.get('job_id')}"
        return {
            "severity": "INFO",
            "message": f"{where}: {outcome} in {total:.0f} ms",
            "event": EVENT,
            "outcome": outcome,
            "received_at": self.received_at,
            "total_ms": total,
            "steps_ms": self.steps_ms,
            **self.fields,
        }

    def emit(self, outcome: str) -> None:
        _log.info(json.dumps(self.entry(outcome), default=str))


def delivery_ms(publish_time: object, received_at: float) -> float | None:
    """Milliseconds from Pub/Sub accepting the message to the handler's start; None when
    the message carries no readable ``publishTime``."""
    if not isinstance(publish_time, str):
        return None
    text = publish_time.replace("Z", "+00:00")
    whole, dot, rest = text.partition(".")
    if dot:  # at most microseconds: RFC 3339 allows nanoseconds
        digits = len(rest) - len(rest.lstrip("0123456789"))
        text = f"{whole}.{rest[: min(digits, 6)]}{rest[digits:]}"
    try:
        published = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if published.tzinfo is None:
        return None
    return round((received_at - published.timestamp()) * 1000, 2)
