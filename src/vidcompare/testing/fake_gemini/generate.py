"""generateContent and streamGenerateContent: each call is logged and counted in flight
while it runs, checked as the real API checks it (its quotas last: see limits), then ended
as its script plans (a hang, a failure, a latency) with its answer.

Each call's log entry has the model, API version and key, ``judge``, ``stream``, timings,
status and error, the prompt, ``file_uris``, ``temperature``, ``response_schema`` and
``schema_form``, the request (inline bytes replaced by their size and sha256),
``response_text``, ``finish_reason``, ``usage`` and, for a call refused by a quota,
``quota_exceeded: true``.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import time
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from vidcompare.testing.fake_gemini.auth import api_key, check_key
from vidcompare.testing.fake_gemini.catalogue import model_copy, unknown_model
from vidcompare.testing.fake_gemini.content import Question, answer, as_sse
from vidcompare.testing.fake_gemini.limits import admit, release
from vidcompare.testing.fake_gemini.scripting import failure_response, plan_call
from vidcompare.testing.fake_gemini.tokens import media_parts, prompt_usage
from vidcompare.testing.fake_gemini.validation import (
    file_refusal,
    request_refusal,
    token_limit_refusal,
)
from vidcompare.testing.fake_gemini.wire import json_response, pick

if TYPE_CHECKING:
    from vidcompare.testing.fake_gemini.state import FakeState


def generate(state: FakeState, request: Request, ver: str, model: str, *, stream: bool) -> Response:
    """Answer one call (streamed as server-sent events if ``stream``), logging it first, so
    that even a call refused for its key is in the log."""
    started = time.time()
    key = api_key(request)
    body = request.get_json(force=True, silent=True)
    question = Question.read(model, body if isinstance(body, dict) else {})
    entry = _log_entry(question, ver, key, stream, started)
    _begin(state, entry)
    response, notes = None, {}
    try:
        response, notes = _respond(state, question, ver, key)
    finally:
        _end(state, entry, response, notes)
    if stream and response.status_code == 200:
        return as_sse(json.loads(response.get_data()))
    return response


def _respond(
    state: FakeState, question: Question, ver: str, key: str | None
) -> tuple[Response, dict[str, Any]]:
    """A call's answer and what its log entry notes."""
    model = question.model
    if (denied := check_key(state, key)) is not None:
        return denied, {}
    if (missing := unknown_model(state, ver, model, "generateContent")) is not None:
        return missing, {}
    resource = model_copy(state, model)
    if (refused := request_refusal(model, resource, ver, question.body)) is not None:
        return refused, {}
    if (refused := file_refusal(state, question.file_uris)) is not None:
        return refused, {}
    prompt_tokens, counts = prompt_usage(state, question.body)
    if (refused := token_limit_refusal(resource, prompt_tokens)) is not None:
        return refused, {}
    if (refused := admit(state, model, key, prompt_tokens)) is not None:
        return refused, {"quota_exceeded": True}
    try:
        return _serve(state, question, resource, counts)
    finally:
        release(state, model, key)


def _serve(
    state: FakeState, question: Question, resource: dict[str, Any], counts: dict[str, int]
) -> tuple[Response, dict[str, Any]]:
    """An admitted call: ended as its script plans (a hang, a failure, a latency)."""
    model = question.model
    with state.lock:
        plan = plan_call(state, model, question.judge)
    notes: dict[str, Any] = {}
    if plan["hang_ms"]:
        notes["hang_ms"] = plan["hang_ms"]
        time.sleep(plan["hang_ms"] / 1000)
    if plan["failure"] is not None:
        delay = plan["failure"].get("latency_ms", plan["fail_latency_ms"])
        time.sleep(float(delay) / 1000)
        return failure_response(plan["failure"], state.scripts, model), notes
    time.sleep(float(plan["latency_ms"]) / 1000)
    body, answered = answer(question, plan, resource, counts)
    return json_response(body), notes | answered


def _log_entry(
    question: Question, ver: str, key: str | None, stream: bool, started: float
) -> dict[str, Any]:
    config = question.config
    schema_form = next(
        (f for f in ("responseSchema", "responseJsonSchema") if pick(config, f) is not None),
        None,
    )
    return {
        "model": question.model,
        "api_version": ver,
        "api_key": key,
        "judge": question.judge,
        "stream": stream,
        "started_at": started,
        "ended_at": None,
        "status": None,
        "error": None,
        "prompt": question.prompt,
        "file_uris": question.file_uris,
        "temperature": pick(config, "temperature"),
        "response_schema": copy.deepcopy(pick(config, schema_form)) if schema_form else None,
        "schema_form": schema_form,
        "request": _sanitise(question.body),
        "response_text": None,
        "finish_reason": None,
        "usage": None,
    }


def _begin(state: FakeState, entry: dict[str, Any]) -> None:
    """Log a call and count it in flight (its model's peak too)."""
    model = entry["model"]
    with state.lock:
        entry["i"] = len(state.calls)
        state.calls.append(entry)
        state.bump("generate_calls")
        state.bump("generate_calls_by_model", model)
        state.bump("judge_calls", by=int(entry["judge"]))
        state.bump("stream_calls", by=int(entry["stream"]))
        state.in_flight += 1
        state.in_flight_by_model[model] = state.in_flight_by_model.get(model, 0) + 1
        state.counters["max_in_flight"] = max(state.counters["max_in_flight"], state.in_flight)
        peaks = state.counters["max_in_flight_by_model"]
        peaks[model] = max(peaks.get(model, 0), state.in_flight_by_model[model])


def _end(
    state: FakeState, entry: dict[str, Any], response: Response | None, notes: dict[str, Any]
) -> None:
    """A call is over: out of flight, its outcome in its log entry (no answer: 500)."""
    model = entry["model"]
    with state.lock:
        state.in_flight -= 1
        state.in_flight_by_model[model] -= 1
        entry.update(notes)
        entry["ended_at"] = time.time()
        entry["status"] = response.status_code if response is not None else 500
        if entry["status"] >= 400:
            state.bump("errors_by_model", model)
            if response is not None:
                entry["error"] = json.loads(response.get_data())["error"]


def _sanitise(body: dict[str, Any]) -> dict[str, Any]:
    """The request as logged: inline bytes replaced by their size and sha256."""
    body = copy.deepcopy(body)
    for part in media_parts(body.get("contents")):
        inline = pick(part, "inlineData")
        if isinstance(inline, dict) and isinstance(inline.get("data"), str):
            raw = base64.b64decode(inline["data"] + "==", validate=False)
            inline["data"] = f"<{len(raw)} bytes omitted>"
            inline["dataBytes"] = len(raw)
            inline["dataSha256"] = hashlib.sha256(raw).hexdigest()
    return body
