"""Quotas enforced as the real API enforces them: per model and API key (the fake's stand-in
for a project), a sliding window of requests (``rpm``) and of input tokens (``tpm``, the
prompt tokens of :mod:`.tokens`), and calls in flight (``concurrent``).

Config (:data:`.state.CONFIG_DEFAULTS`): ``quotas`` maps a model id or ``"*"`` to
``{"rpm": N, "tpm": N, "concurrent": N}`` (a :class:`vidcompare.quotas.ModelQuota`); the
model's own entry wins over ``"*"``, and each model has windows of its own either way.
``quota_window_s`` (60) shortens the minute for tests; ``quota_tier`` ("free" or "paid")
names the quota metrics in the answers. Only admitted calls count; refused ones do not.

Over RPM or TPM the answer is the real one (as the API words it in 2026)::

    429 {"error": {"code": 429, "status": "RESOURCE_EXHAUSTED",
         "message": "You exceeded your current quota, ... \\n* Quota exceeded for metric:
                     generativelanguage.googleapis.com/generate_content_free_tier_requests,
                     limit: 2, model: gemini-3.6-flash\\nPlease retry in 36.429760048s.",
         "details": [Help, QuotaFailure (one violation per quota), RetryInfo "36s"]}}

The delay is when the window frees enough for this call (every violated quota at once);
the message gives it to the nanosecond, ``retryDelay`` truncated to whole seconds as the
API does (36.43 s -> "36s"), and there is no Retry-After header. A call with more tokens
than ``tpm`` can never pass: its delay is until the window is empty.

Over ``concurrent``: the API publishes no such quota; the fake answers what the API says
when it sheds load, a bare 429 "Resource has been exhausted (e.g. check quota)." with no
details, so a client falls back on its own backoff.
"""

from __future__ import annotations

import copy
import time
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Response

from vidcompare.quotas import ModelQuota
from vidcompare.testing.fake_gemini.wire import ERROR_TEXT, error_response

if TYPE_CHECKING:
    from vidcompare.testing.fake_gemini.state import FakeState

RATE_LIMITS_URL = "https://ai.google.dev/gemini-api/docs/rate-limits"
QUOTA_HELP = {
    "@type": "type.googleapis.com/google.rpc.Help",
    "links": [{"description": "Learn more about Gemini API quotas", "url": RATE_LIMITS_URL}],
}
OVERLOADED_MESSAGE = "Resource has been exhausted (e.g. check quota)."
_SERVICE = "generativelanguage.googleapis.com"
# (quotaMetric, quotaId) of each limit, by tier, as real 429s name them.
METRICS: dict[str, dict[str, tuple[str, str]]] = {
    "free": {
        "rpm": (
            f"{_SERVICE}/generate_content_free_tier_requests",
            "GenerateRequestsPerMinutePerProjectPerModel-FreeTier",
        ),
        "tpm": (
            f"{_SERVICE}/generate_content_free_tier_input_token_count",
            "GenerateContentInputTokensPerModelPerMinute-FreeTier",
        ),
    },
    "paid": {
        "rpm": (
            f"{_SERVICE}/generate_requests_per_model",
            "GenerateRequestsPerMinutePerProjectPerModel",
        ),
        "tpm": (
            f"{_SERVICE}/generate_content_paid_tier_input_token_count",
            "GenerateContentPaidTierInputTokensPerModelPerMinute",
        ),
    },
}


@dataclass
class Window:
    """The calls admitted in the last ``span_s`` seconds: (when, input tokens), oldest first."""

    span_s: float
    calls: deque[tuple[float, int]] = field(default_factory=deque)

    def expire(self, now: float) -> None:
        while self.calls and self.calls[0][0] <= now - self.span_s:
            self.calls.popleft()

    def requests(self, now: float) -> int:
        self.expire(now)
        return len(self.calls)

    def tokens(self, now: float) -> int:
        self.expire(now)
        return sum(tokens for _, tokens in self.calls)

    def wait_for_request(self, now: float, rpm: int) -> float:
        """Seconds until one more request fits under ``rpm`` (0: it fits now)."""
        over = self.requests(now) - rpm + 1
        return 0.0 if over <= 0 else self.calls[over - 1][0] + self.span_s - now

    def wait_for_tokens(self, now: float, tokens: int, tpm: int) -> float:
        """Seconds until ``tokens`` more fit under ``tpm`` (until the window is empty when
        they never can)."""
        excess = self.tokens(now) + tokens - tpm
        if excess <= 0:
            return 0.0
        if tokens > tpm:
            return (self.calls[-1][0] + self.span_s - now) if self.calls else self.span_s
        for when, spent in self.calls:
            excess -= spent
            if excess <= 0:
                return when + self.span_s - now
        raise AssertionError("unreachable: the window's own tokens cover the excess")

    def admit(self, now: float, tokens: int) -> None:
        self.calls.append((now, tokens))


def quota_of(config: dict[str, Any], model: str) -> ModelQuota:
    """A model's quota: its own entry, else "*"'s, else none."""
    quotas = config["quotas"] or {}
    entry = quotas.get(model, quotas.get("*"))
    return ModelQuota.from_dict(entry) if entry else ModelQuota()


def checked_quotas(quotas: Any) -> dict[str, dict[str, int | None]]:
    """The ``quotas`` config field, checked (each entry a ModelQuota's fields)."""
    if not isinstance(quotas, dict):
        raise ValueError('quotas maps a model id or "*" to {"rpm", "tpm", "concurrent"}')
    out = {}
    for model, entry in quotas.items():
        if isinstance(entry, ModelQuota):
            entry = entry.as_dict()
        if not isinstance(entry, dict):
            raise ValueError(f"quotas[{model!r}] must be an object, not {entry!r}")
        out[str(model)] = ModelQuota.from_dict(entry).as_dict()
    return out


def admit(state: FakeState, model: str, key: str | None, tokens: int) -> Response | None:
    """Admit a call (it counts in its windows and in flight) or answer its 429."""
    now = time.monotonic()
    scope = (key or "", model)
    with state.lock:
        quota = quota_of(state.config, model)
        if quota.unlimited:
            return None
        span = float(state.config["quota_window_s"])
        window = state.windows.setdefault(scope, Window(span))
        window.span_s = span  # a test may shorten the minute between calls
        waits = {}
        if quota.rpm is not None:
            waits["rpm"] = window.wait_for_request(now, quota.rpm)
        if quota.tpm is not None:
            waits["tpm"] = window.wait_for_tokens(now, tokens, quota.tpm)
        violated = {name: wait for name, wait in waits.items() if wait > 0}
        if violated:
            _count_refusal(state, model, list(violated))
            limits = {name: getattr(quota, name) for name in violated}
            return quota_exceeded(model, limits, max(violated.values()), state.config)
        in_flight = state.quota_in_flight.get(scope, 0)
        if quota.concurrent is not None and in_flight >= quota.concurrent:
            _count_refusal(state, model, ["concurrent"])
            return error_response(429, OVERLOADED_MESSAGE, "RESOURCE_EXHAUSTED")
        window.admit(now, tokens)
        state.quota_in_flight[scope] = in_flight + 1
        return None


def release(state: FakeState, model: str, key: str | None) -> None:
    """An admitted call is over: out of flight (its window entry stays its minute)."""
    scope = (key or "", model)
    with state.lock:
        left = state.quota_in_flight.get(scope, 0) - 1
        if left > 0:
            state.quota_in_flight[scope] = left
        else:
            state.quota_in_flight.pop(scope, None)


def quota_exceeded(
    model: str, limits: dict[str, int], delay_s: float, config: dict[str, Any]
) -> Response:
    """The real API's 429 for quotas (``limits``: "rpm"/"tpm" -> the limit) that free up
    in ``delay_s``."""
    metrics = METRICS[config["quota_tier"]]
    lines = "".join(
        f"\n* Quota exceeded for metric: {metrics[name][0]}, limit: {limit}, model: {model}"
        for name, limit in limits.items()
    )
    message = f"{ERROR_TEXT[429][1]} To monitor your current usage, head to: "
    message += f"https://ai.dev/rate-limit. {lines}\nPlease retry in {_precise(delay_s)}."
    violations = [
        {
            "quotaMetric": metrics[name][0],
            "quotaId": metrics[name][1],
            "quotaDimensions": {"location": "global", "model": model},
            "quotaValue": str(limit),
        }
        for name, limit in limits.items()
    ]
    details = [
        copy.deepcopy(QUOTA_HELP),
        {"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": violations},
        {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": f"{int(delay_s)}s"},
    ]
    return error_response(429, message, "RESOURCE_EXHAUSTED", details)


def usage(state: FakeState) -> dict[str, Any]:
    """What the quotas are and what each (API key, model) has used of them now."""
    now = time.monotonic()
    with state.lock:
        scopes = sorted(set(state.windows) | set(state.quota_in_flight))
        rows = []
        for key, model in scopes:
            window = state.windows.get((key, model))
            rows.append(
                {
                    "api_key": key,
                    "model": model,
                    "quota": quota_of(state.config, model).as_dict(),
                    "requests": window.requests(now) if window else 0,
                    "tokens": window.tokens(now) if window else 0,
                    "in_flight": state.quota_in_flight.get((key, model), 0),
                }
            )
        return {
            "quotas": copy.deepcopy(state.config["quotas"]),
            "window_s": state.config["quota_window_s"],
            "tier": state.config["quota_tier"],
            "usage": rows,
            "refused": state.counters["quota_429s"],
            "refused_by_model": dict(state.counters["quota_429s_by_model"]),
            "refused_by_limit": dict(state.counters["quota_429s_by_limit"]),
        }


def _count_refusal(state: FakeState, model: str, limits: list[str]) -> None:
    """Count a quota 429 (caller holds the lock)."""
    state.bump("quota_429s")
    state.bump("quota_429s_by_model", model)
    for name in limits:
        state.bump("quota_429s_by_limit", name)


def _precise(seconds: float) -> str:
    """A delay as the API's message writes it: to the nanosecond, "36.429760048s"."""
    text = f"{max(0.0, seconds):.9f}".rstrip("0").rstrip(".")
    return f"{text}s"
