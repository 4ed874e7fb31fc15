"""How a script makes a call end: queued failures and hangs, a failure rate, blocked prompts,
finish reasons, malformed verdicts, latencies; and the 429/5xx answers of a failure.

Script fields are per model id, or ``"*"`` for every model; a model's own value wins, then
``"*"``, then the default of :data:`SCRIPT_DEFAULTS`; ``null`` removes a field.

Refusals: a ``blocked`` call answers ``{"promptFeedback": {"blockReason": R,
"safetyRatings": [...] (SAFETY only)}, "usageMetadata": {...}}`` without candidates; a queued
``finish`` reason answers one candidate with that finishReason and no content (SAFETY adds
safetyRatings with one ``blocked: true``, RECITATION citationMetadata), or MAX_TOKENS with the
text cut to its first half; a ``{"hang_ms": N}`` in ``fail`` answers normally after N ms.
"""

from __future__ import annotations

import copy
import math
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Response

from vidcompare.testing.fake_gemini.judge import LABEL_STYLES
from vidcompare.testing.fake_gemini.limits import QUOTA_HELP
from vidcompare.testing.fake_gemini.wire import ERROR_TEXT, duration, error_response

if TYPE_CHECKING:
    from vidcompare.testing.fake_gemini.state import FakeState

SCRIPT_DEFAULTS: dict[str, Any] = {
    # Fixed delay before a successful answer (judge calls included).
    "latency_ms": 0,
    # Queue of outcomes, one popped per generateContent call: 429, 500, 503, 504, any code,
    # {"code": 429, "retry_delay_s": 2, "message": "...", "latency_ms": 50}, "ok"/null for
    # one success, or {"hang_ms": 5000}: sleep that long, then answer normally (a hung
    # request the client should abandon by its own timeout; its retry takes the next item).
    # The model's own queue is used first, then the "*" queue.
    "fail": [],
    # Probability that a call (not served from a queue) fails with one of fail_rate_codes.
    "fail_rate": 0.0,
    "fail_rate_codes": [503],
    # Delay before a failure is served.
    "fail_latency_ms": 0,
    # RetryInfo.retryDelay and Retry-After of 429s.
    "retry_delay_s": 1.0,
    # Fixed text for normal (non-judge) calls instead of default_answer().
    "text": None,
    # Judge calls (generationConfig.responseMimeType = application/json): a fixed answer
    # (str verbatim, anything else JSON-encoded) instead of default_verdict().
    "judge_response": None,
    # Scores for the default judge, keyed by label ("Answer A") or by answering model id.
    "judge_scores": {},
    # How the default judge writes its labels, whatever the schema's enum says (a model that
    # does not honour it): "exact" ("Answer A"), "letter" ("A"), "lower" ("answer a"),
    # "colon" ("Answer A:"), "bold" ("**Answer A**"), "response" ("Response A"), "paren"
    # ("Answer (A)"). Persists until changed.
    "judge_label_style": "exact",
    # Labels ("Answer B") the default judge leaves out of its evaluations. Persists.
    "judge_omit": [],
    # The next N judge calls answer malformed JSON (malformed_text or a truncated object).
    "malformed": 0,
    "malformed_text": None,
    # The next N calls are blocked: promptFeedback.blockReason = block_reason, no candidates.
    "blocked": 0,
    # SAFETY, OTHER, BLOCKLIST, PROHIBITED_CONTENT or IMAGE_SAFETY.
    "block_reason": "SAFETY",
    # Queue of finish reasons, one popped per answered call (judge calls too; the model's
    # queue first, then "*"): STOP (normal), MAX_TOKENS (the text cut to its first half),
    # SAFETY / PROHIBITED_CONTENT / BLOCKLIST / SPII / IMAGE_SAFETY / OTHER /
    # MALFORMED_FUNCTION_CALL (no content), RECITATION (no content, citationMetadata).
    "finish": [],
    # usageMetadata.thoughtsTokenCount; None: 64 for models whose resource has
    # "thinking": true (judges too), absent for the others. 0 leaves it out.
    "thinking_tokens": None,
    # usageMetadata.cachedContentTokenCount: an int (capped at the prompt tokens) or "all";
    # cacheTokensDetails splits it over the prompt's modalities in proportion.
    "cached_tokens": 0,
}

BLOCK_REASONS = ("SAFETY", "OTHER", "BLOCKLIST", "PROHIBITED_CONTENT", "IMAGE_SAFETY")
# Finish reasons a script may queue; all but STOP and MAX_TOKENS answer without content.
FINISH_REASONS = (
    "STOP",
    "MAX_TOKENS",
    "SAFETY",
    "RECITATION",
    "OTHER",
    "BLOCKLIST",
    "PROHIBITED_CONTENT",
    "SPII",
    "MALFORMED_FUNCTION_CALL",
    "IMAGE_SAFETY",
)


def outcome(item: Any) -> dict[str, Any] | None:
    """Normalise a queued outcome: None means "succeed", {"hang_ms": N} "succeed after N ms",
    else a failure {"code": ..., ...}."""
    if item is None or item == "ok" or item == 0 or item == 200:
        return None
    if isinstance(item, bool):
        raise ValueError(f"not an outcome: {item!r}")
    if isinstance(item, int):
        return {"code": item}
    if isinstance(item, str) and item.isdigit():
        return {"code": int(item)}
    if isinstance(item, dict) and isinstance(item.get("code"), int):
        return dict(item)
    if isinstance(item, dict) and set(item) == {"hang_ms"}:
        hang = item["hang_ms"]
        if isinstance(hang, int | float) and not isinstance(hang, bool) and hang >= 0:
            return {"hang_ms": float(hang)}
    raise ValueError(
        "not an outcome (use a status code, a dict with 'code', {'hang_ms': N} or 'ok'): "
        f"{item!r}"
    )


def is_hang(planned: dict[str, Any] | None) -> bool:
    """Whether a normalised outcome is a hang (a late success), not a failure."""
    return planned is not None and "code" not in planned


def script_value(scripts: dict[str, dict[str, Any]], model: str, name: str) -> Any:
    """A script field of a model: its own value, else "*"'s, else the default."""
    for scope in (model, "*"):
        script = scripts.get(scope, {})
        if name in script:
            return script[name]
    return copy.deepcopy(SCRIPT_DEFAULTS[name])


def effective_script(scripts: dict[str, dict[str, Any]], model: str) -> dict[str, Any]:
    return {name: script_value(scripts, model, name) for name in SCRIPT_DEFAULTS}


def plan_call(state: FakeState, model: str, judge: bool) -> dict[str, Any]:
    """Decide how this call ends, consuming queues and countdowns (caller holds the lock):
    the effective script plus failure, hang_ms, blocked, finish and malformed."""
    from_queue, item = _pop(state.scripts, model, "fail")
    failure = outcome(item) if from_queue else None
    hang_ms = failure["hang_ms"] if is_hang(failure) else 0.0
    failure = None if is_hang(failure) else failure
    rate = float(script_value(state.scripts, model, "fail_rate"))
    if not from_queue and rate > 0 and state.rng.random() < rate:
        codes = script_value(state.scripts, model, "fail_rate_codes")
        failure = {"code": int(state.rng.choice(codes))}
    blocked = malformed = False
    finish = "STOP"
    if failure is None:
        blocked = _count_down(state.scripts, model, "blocked")
    if failure is None and not blocked:
        popped, item = _pop(state.scripts, model, "finish")
        finish = str(item).upper() if popped else "STOP"
    if failure is None and judge and not blocked:
        malformed = _count_down(state.scripts, model, "malformed")
    plan = effective_script(state.scripts, model)
    plan.update(
        failure=failure, blocked=blocked, malformed=malformed, finish=finish, hang_ms=hang_ms
    )
    return plan


def failure_response(
    failure: dict[str, Any], scripts: dict[str, dict[str, Any]], model: str | None = None
) -> Response:
    """The answer of a scripted failure; a 429 carries QuotaFailure, Help and RetryInfo
    details and Retry-After, as the real API's do."""
    code = int(failure["code"])
    status, message = ERROR_TEXT.get(code, ("UNKNOWN", "Fake failure."))
    details = None
    headers = {}
    if code == 429:
        default_delay = script_value(scripts, model or "*", "retry_delay_s")
        delay = float(failure.get("retry_delay_s", default_delay))
        details = _quota_details(model or "", delay)
        headers["Retry-After"] = str(max(0, math.ceil(delay)))
    return error_response(
        code,
        failure.get("message") or message,
        failure.get("status") or status,
        details,
        headers,
    )


def set_script(state: FakeState, body: dict[str, Any]) -> dict[str, Any]:
    """Check and set a model's script fields (``clear``: forget its others first)."""
    body = dict(body)
    model = str(body.pop("model", "*"))
    clear = bool(body.pop("clear", False))
    unknown = sorted(set(body) - set(SCRIPT_DEFAULTS))
    if unknown:
        raise ValueError(f"unknown script fields {unknown}; known: {sorted(SCRIPT_DEFAULTS)}")
    if "fail" in body and body["fail"] is not None:
        if not isinstance(body["fail"], list):
            body["fail"] = [body["fail"]]
        for item in body["fail"]:
            outcome(item)  # validate
    if body.get("fail_rate") is not None and not 0 <= float(body["fail_rate"]) <= 1:
        raise ValueError("fail_rate must be within [0, 1]")
    if "finish" in body and body["finish"] is not None:
        if not isinstance(body["finish"], list):
            body["finish"] = [body["finish"]]
        body["finish"] = [str(item).upper() for item in body["finish"]]
        for item in body["finish"]:
            if item not in FINISH_REASONS:
                raise ValueError(f"finish {item!r} is none of {list(FINISH_REASONS)}")
    if body.get("block_reason") is not None:
        body["block_reason"] = str(body["block_reason"]).upper()
        if body["block_reason"] not in BLOCK_REASONS:
            raise ValueError(f"block_reason must be one of {list(BLOCK_REASONS)}")
    if body.get("judge_label_style") not in (None, *LABEL_STYLES):
        raise ValueError(f"judge_label_style must be one of {list(LABEL_STYLES)}")
    if isinstance(body.get("judge_omit"), str):
        body["judge_omit"] = [body["judge_omit"]]
    cached = body.get("cached_tokens")
    if cached is not None and cached != "all" and (isinstance(cached, bool) or int(cached) < 0):
        raise ValueError('cached_tokens must be an int >= 0 or "all"')
    with state.lock:
        script = {} if clear else state.scripts.get(model, {})
        for name, value in body.items():
            if value is None:
                script.pop(name, None)
            else:
                script[name] = value
        state.scripts[model] = script
        return {
            "model": model,
            "script": script,
            "effective": effective_script(state.scripts, model),
        }


def _pop(scripts: dict[str, dict[str, Any]], model: str, name: str) -> tuple[bool, Any]:
    """Pop the head of a queue field: the model's own queue first, then "*"'s."""
    for scope in (model, "*"):
        queue = scripts.get(scope, {}).get(name)
        if queue:
            return True, queue.pop(0)
    return False, None


def _count_down(scripts: dict[str, dict[str, Any]], model: str, name: str) -> bool:
    """Use one of a countdown field (blocked, malformed): the model's own first, then "*"'s."""
    for scope in (model, "*"):
        script = scripts.get(scope, {})
        if script.get(name, 0) > 0:
            script[name] -= 1
            return True
    return False


def _quota_details(model: str, delay_s: float) -> list[dict[str, Any]]:
    return [
        {
            "@type": "type.googleapis.com/google.rpc.QuotaFailure",
            "violations": [
                {
                    "quotaMetric": "generativelanguage.googleapis.com/"
                    "generate_content_free_tier_requests",
                    "quotaId": "GenerateRequestsPerMinutePerProjectPerModel-FreeTier",
                    "quotaDimensions": {"location": "global", "model": model},
                    "quotaValue": "10",
                }
            ],
        },
        copy.deepcopy(QUOTA_HELP),
        {
            "@type": "type.googleapis.com/google.rpc.RetryInfo",
            "retryDelay": duration(delay_s),
        },
    ]
