"""The fake Gemini server, exercised through the real google-genai SDK (sync and aio)."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import io
import json
import time

import httpx
import pytest
from fake_gemini import (
    API_KEY_INVALID_MESSAGE,
    FakeGemini,
    count_tokens,
    default_answer,
    max_in_flight,
    score_for,
)
from google import genai
from google.genai import errors, types

from vidcompare.providers.base import JudgeOutput

MODEL = "gemini-2.5-flash"


# The judge's real output schema, as the Gemini judge sends it.
Verdict = JudgeOutput


@pytest.fixture
def fake(fake_gemini: FakeGemini) -> FakeGemini:
    """The session's fake server (tests/fake_gemini.py's fixture), reset for this test."""
    return fake_gemini


def upload(client: genai.Client, data: bytes = b"\x00\x01fake mp4 bytes") -> types.File:
    return client.files.upload(file=io.BytesIO(data), config={"mime_type": "video/mp4"})


def test_upload_poll_generate_with_file_and_usage(fake: FakeGemini):
    client = fake.client()
    data = b"not really a video" * 100
    uploaded = client.files.upload(
        file=io.BytesIO(data), config={"mime_type": "video/mp4", "display_name": "clip"}
    )
    assert uploaded.state == types.FileState.PROCESSING
    assert uploaded.size_bytes == len(data)
    assert uploaded.display_name == "clip"
    assert uploaded.uri == f"{fake.base_url}/v1/files/{uploaded.name.removeprefix('files/')}"
    assert uploaded.expiration_time - uploaded.create_time == dt.timedelta(hours=48)
    assert base64.b64decode(uploaded.sha256_hash).decode() == hashlib.sha256(data).hexdigest()

    polled = client.files.get(name=uploaded.name)
    assert polled.state == types.FileState.ACTIVE

    response = client.models.generate_content(model=MODEL, contents=[polled, "Describe it"])
    assert response.text == default_answer(MODEL, "Describe it", [polled.uri])
    assert polled.uri in response.text
    usage = response.usage_metadata
    assert usage.prompt_token_count == count_tokens("Describe it") + 258
    assert usage.candidates_token_count == count_tokens(response.text)
    assert usage.total_token_count == usage.prompt_token_count + usage.candidates_token_count

    (call,) = fake.calls()
    assert call["model"] == MODEL and call["api_key"] == "fake-key" and not call["judge"]
    assert call["file_uris"] == [polled.uri] and call["status"] == 200
    assert call["started_at"] <= call["ended_at"]
    assert call["request"]["contents"][0]["parts"][1] == {"text": "Describe it"}
    (record,) = fake.uploads()
    assert record["sha256"] == hashlib.sha256(data).hexdigest()
    assert record["sizeBytes"] == len(data) and record["state"] == "ACTIVE"
    counters = fake.counters()
    assert counters["uploads"] == 1 and counters["upload_bytes"] == len(data)
    assert counters["uploads_by_sha256"] == {record["sha256"]: 1}
    assert counters["files_get"] == 1 and counters["generate_calls_by_model"] == {MODEL: 1}
    kinds = [(r["kind"], r["path"]) for r in fake.requests()]
    assert kinds[:2] == [("upload_start", "/upload/v1/files"), ("upload_chunk", "/upload/v1/files")]


def test_multi_chunk_upload_from_path_is_hashed_while_receiving(fake: FakeGemini, tmp_path):
    data = bytes(range(256)) * (9 * 4096)  # 9 MiB: two 8 MiB-chunk requests from the SDK
    path = tmp_path / "clip.mp4"
    path.write_bytes(data)
    client = fake.client()  # keep a reference: a collected genai.Client closes its transport
    uploaded = client.files.upload(file=path)
    assert uploaded.mime_type == "video/mp4" and uploaded.size_bytes == len(data)
    (record,) = fake.uploads()
    assert record["sha256"] == hashlib.sha256(data).hexdigest()
    chunks = [r for r in fake.requests() if r["kind"] == "upload_chunk"]
    assert len(chunks) == 2 and fake.counters()["upload_chunks"] == 2
    # The SDK sends the API key on the start request only; the upload URL authorises chunks.
    assert [c["api_key"] for c in chunks] == [None, None]


def test_file_states_deletion_and_expiry(fake: FakeGemini):
    client = fake.client()
    fake.configure(active_after_polls=2)
    uploaded = upload(client)
    with pytest.raises(errors.ClientError) as caught:
        client.models.generate_content(model=MODEL, contents=[uploaded, "too early"])
    assert caught.value.code == 400 and caught.value.status == "FAILED_PRECONDITION"
    assert "is not in an ACTIVE state" in caught.value.message
    assert client.files.get(name=uploaded.name).state == types.FileState.PROCESSING
    assert client.files.get(name=uploaded.name).state == types.FileState.ACTIVE
    assert client.models.generate_content(model=MODEL, contents=[uploaded, "now"]).text

    fake.expire(uploaded.name)
    for call in (
        lambda: client.files.get(name=uploaded.name),
        lambda: client.models.generate_content(model=MODEL, contents=[uploaded, "gone"]),
    ):
        with pytest.raises(errors.ClientError) as caught:
            call()
        assert caught.value.code == 404 and caught.value.status == "NOT_FOUND"

    other = upload(client)
    client.files.delete(name=other.name)
    fake.configure(missing_file_status=403)
    with pytest.raises(errors.ClientError) as caught:
        client.files.get(name=other.name)
    assert caught.value.code == 403 and "may not exist" in caught.value.message
    with pytest.raises(errors.ClientError) as caught:
        client.files.get(name="files/neverexisted")
    assert caught.value.code == 403
    assert [u["state"] for u in fake.uploads()] == ["EXPIRED", "DELETED"]


def test_async_client_same_paths_and_concurrency(fake: FakeGemini):
    fake.script("slow-model", latency_ms=300)
    client = fake.client()

    async def scenario() -> list[types.GenerateContentResponse]:
        uploaded = await client.aio.files.upload(
            file=io.BytesIO(b"async bytes"), config={"mime_type": "video/mp4"}
        )
        assert uploaded.state == types.FileState.PROCESSING
        active = await client.aio.files.get(name=uploaded.name)
        assert active.state == types.FileState.ACTIVE
        return await asyncio.gather(
            *(
                client.aio.models.generate_content(
                    model="slow-model", contents=[active, f"question {i}"]
                )
                for i in range(6)
            )
        )

    started = time.monotonic()
    answers = asyncio.run(scenario())
    elapsed = time.monotonic() - started
    assert elapsed < 1.5  # six 300 ms calls at once, not one after another
    assert [a.text.split(" to: ")[1] for a in answers] == [f"question {i}" for i in range(6)]
    calls = fake.calls("slow-model")
    assert len(calls) == 6 and max_in_flight(calls) == 6
    assert fake.max_in_flight() == 6 and fake.max_in_flight("slow-model") == 6
    paths = {r["path"].split("/files")[0] for r in fake.requests() if "files" in r["path"]}
    assert paths == {"/upload/v1", "/v1"}


def test_429_with_retry_info_reaches_the_sdk(fake: FakeGemini):
    fake.script(MODEL, fail=[429])
    client = fake.client()
    with pytest.raises(errors.ClientError) as caught:
        client.models.generate_content(model=MODEL, contents="hi")
    error = caught.value
    assert error.code == 429 and error.status == "RESOURCE_EXHAUSTED"
    assert error.response.headers["retry-after"] == "1"
    details = error.details["error"]["details"]
    retry = [d for d in details if d["@type"].endswith("RetryInfo")]
    assert retry == [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "1s"}]
    counters = fake.counters()
    assert counters["errors_by_code"] == {"429": 1} and counters["errors_by_model"] == {MODEL: 1}


def test_sdk_retry_options_retry_a_429_without_honouring_retry_after(fake: FakeGemini):
    fake.script(MODEL, fail=[{"code": 429, "retry_delay_s": 3}])
    retry = types.HttpRetryOptions(attempts=3, initial_delay=0.1)
    client = fake.client(retry_options=retry)
    response = client.models.generate_content(model=MODEL, contents="x")
    assert response.text == default_answer(MODEL, "x")
    first, second = fake.calls(MODEL)
    assert (first["status"], second["status"]) == (429, 200)
    assert first["error"]["details"][-1]["retryDelay"] == "3s"
    # tenacity waits initial_delay (+ up to 1 s of jitter), not the 3 s the server asked for.
    assert second["started_at"] - first["ended_at"] < 2.5


def test_sdk_does_not_retry_by_default_and_5xx_are_server_errors(fake: FakeGemini):
    fake.script(MODEL, fail=[503, 500])
    client = fake.client()
    for code, status in ((503, "UNAVAILABLE"), (500, "INTERNAL")):
        with pytest.raises(errors.ServerError) as caught:
            client.models.generate_content(model=MODEL, contents="x")
        assert (caught.value.code, caught.value.status) == (code, status)
    assert client.models.generate_content(model=MODEL, contents="x").text
    assert [c["status"] for c in fake.calls()] == [503, 500, 200]

    fake.script(MODEL, fail=[503, 503, 503])
    retry = types.HttpRetryOptions(attempts=3, initial_delay=0.01, jitter=0)
    client = fake.client(retry_options=retry)
    with pytest.raises(errors.ServerError):
        client.models.generate_content(model=MODEL, contents="x")
    assert [c["status"] for c in fake.calls(since=3)] == [503, 503, 503]


def test_bad_api_keys(fake: FakeGemini):
    fake.configure(bad_keys=["revoked"])
    revoked = fake.client("revoked")
    with pytest.raises(errors.ClientError) as caught:
        revoked.models.generate_content(model=MODEL, contents="x")
    error = caught.value
    assert (error.code, error.status, error.message) == (
        400,
        "INVALID_ARGUMENT",
        API_KEY_INVALID_MESSAGE,
    )
    assert error.details["error"]["details"][0]["reason"] == "API_KEY_INVALID"
    with pytest.raises(errors.ClientError):
        upload(revoked)
    assert fake.calls()[0]["api_key"] == "revoked"

    fake.configure(valid_keys=["the-key"], bad_key_status=403)
    other, good = fake.client("fake-key"), fake.client("the-key")
    with pytest.raises(errors.ClientError) as caught:
        other.models.generate_content(model=MODEL, contents="x")
    assert (caught.value.code, caught.value.status) == (403, "PERMISSION_DENIED")
    assert good.models.generate_content(model=MODEL, contents="x").text


def test_unknown_model_is_404_for_the_api_version_used(fake: FakeGemini):
    fake.configure(unknown_models=["gemini-nope"])
    for version in (None, "v1beta"):
        client = fake.client(api_version=version)
        with pytest.raises(errors.ClientError) as caught:
            client.models.generate_content(model="gemini-nope", contents="x")
        assert (caught.value.code, caught.value.status) == (404, "NOT_FOUND")
        assert caught.value.message.startswith(
            f"models/gemini-nope is not found for API version {version or 'v1'}, or is not "
            "supported for generateContent."
        )
    fake.configure(known_models=[MODEL])
    with pytest.raises(errors.ClientError):
        client.models.generate_content(model="gemini-other", contents="x")


def judge_prompt(answers: list[str]) -> str:
    blocks = "\n\n".join(f"Answer {chr(65 + i)}:\n{text}" for i, text in enumerate(answers))
    return (
        'Score each answer ("Answer A", "Answer B", ...) from 1 to 10.\n'
        f"Question: what happens?\n\n{blocks}\n\nReply with JSON."
    )


def judge_config() -> types.GenerateContentConfig:
    return types.GenerateContentConfig(
        response_mime_type="application/json", response_schema=Verdict, temperature=0
    )


def test_default_judge_structured_output(fake: FakeGemini):
    client = fake.client()
    fast = client.models.generate_content(model="model-fast", contents="what happens?").text
    slow = client.models.generate_content(model="model-slow", contents="what happens?").text
    prompt = judge_prompt([slow, fast])

    response = client.models.generate_content(model="judge", contents=prompt, config=judge_config())
    verdict = response.parsed
    assert isinstance(verdict, Verdict)
    assert [(e.label, e.score) for e in verdict.evaluations] == [
        ("Answer A", score_for("model-slow")),
        ("Answer B", score_for("model-fast")),
    ]
    judge_call = fake.calls("judge")[0]
    assert judge_call["judge"] is True
    assert judge_call["judge_labels"] == {"Answer A": "model-slow", "Answer B": "model-fast"}
    assert "responseSchema" in judge_call["request"]["generationConfig"]

    fake.script("judge", judge_scores={"model-fast": 9, "Answer A": 2})
    verdict = client.models.generate_content(
        model="judge", contents=prompt, config=judge_config()
    ).parsed
    assert [e.score for e in verdict.evaluations] == [2, 9]
    assert verdict.overall_summary.startswith("Answer B is best")
    assert fake.counters()["judge_calls"] == 2


def test_scripted_and_malformed_judge_answers(fake: FakeGemini):
    client = fake.client()
    prompt = judge_prompt(["one", "two"])
    scripted = {
        "evaluations": [{"label": "Answer B", "score": 4, "reasoning": "meh"}],
        "overall_summary": "Answer B only.",
    }
    fake.script("judge", judge_response=scripted, malformed=1)
    bad = client.models.generate_content(model="judge", contents=prompt, config=judge_config())
    assert bad.parsed is None
    with pytest.raises(json.JSONDecodeError):
        json.loads(bad.text)
    good = client.models.generate_content(model="judge", contents=prompt, config=judge_config())
    assert good.parsed == Verdict.model_validate(scripted)
    # Without a pydantic schema: responseJsonSchema, parsed is the plain JSON.
    fake.script("judge", judge_response=None)
    plain = client.models.generate_content(
        model="judge",
        contents=prompt,
        config=types.GenerateContentConfig(
            response_mime_type="application/json",
            response_json_schema=Verdict.model_json_schema(),
        ),
    )
    labels = [e["label"] for e in plain.parsed["evaluations"]]
    assert labels == ["Answer A", "Answer B"]
    assert [c.get("malformed", False) for c in fake.calls("judge")] == [True, False, False]


def test_fail_rate_is_seeded_and_counted(fake: FakeGemini):
    def pattern() -> list[int]:
        client = fake.client()
        statuses = []
        for _ in range(20):
            try:
                client.models.generate_content(model="flaky", contents="x")
                statuses.append(200)
            except errors.APIError as exc:
                statuses.append(exc.code)
        return statuses

    fake.configure(seed=7)
    fake.script("flaky", fail_rate=0.5, fail_rate_codes=[500, 503])
    first = pattern()
    assert 0 < first.count(200) < 20 and set(first) <= {200, 500, 503}
    counters = fake.counters()
    assert counters["errors_by_model"]["flaky"] == 20 - first.count(200)
    fake.reset(log_only=True)
    fake.configure(seed=7)
    assert pattern() == first
    fake.script("flaky", fail=["ok", 429], fail_rate=1.0)  # the queue wins over the rate
    statuses = pattern()
    assert statuses[:2] == [200, 429] and set(statuses[2:]) <= {500, 503}


def test_stream_count_tokens_models_get_and_blocked(fake: FakeGemini):
    client = fake.client()
    chunks = [c.text for c in client.models.generate_content_stream(model=MODEL, contents="hi")]
    assert len(chunks) == 2 and "".join(chunks) == default_answer(MODEL, "hi")
    assert client.models.count_tokens(model=MODEL, contents="12345678").total_tokens == 2
    assert client.models.get(model=MODEL).name == f"models/{MODEL}"
    fake.script(MODEL, blocked=1, text="scripted text")
    blocked = client.models.generate_content(model=MODEL, contents="x")
    assert blocked.text is None and blocked.prompt_feedback.block_reason == "SAFETY"
    assert client.models.generate_content(model=MODEL, contents="x").text == "scripted text"


def test_control_api_over_plain_http(fake: FakeGemini):
    with httpx.Client(base_url=fake.base_url, trust_env=False) as http:
        answer = http.post("/_fake/script", json={"model": "m", "latency": 5})
        assert answer.status_code == 400 and "unknown script fields ['latency']" in answer.text
        answer = http.post("/_fake/script", json={"model": "*", "latency_ms": 1})
        assert answer.json()["effective"]["latency_ms"] == 1
        answer = http.post("/_fake/script", json={"model": "m", "fail": [418]})
        assert answer.json()["effective"]["fail"] == [418]
        assert answer.json()["effective"]["latency_ms"] == 1  # inherited from "*"
        log = http.get("/_fake/log").json()
        assert log["calls"] == [] and log["counters"]["generate_calls"] == 0
        assert http.post("/_fake/reset", json={}).json() == {"ok": True}
        assert http.get("/_fake/script").json() == {}
        assert http.get("/_fake/nothing").status_code == 404
    with pytest.raises(ValueError, match="unknown config fields"):
        fake.configure(valid_key="x")


def test_subprocess_server_through_environment_variables(monkeypatch):
    with FakeGemini().start(in_subprocess=True) as fake:
        for name, value in fake.env("env-key").items():
            monkeypatch.setenv(name, value)
        monkeypatch.delenv("GOOGLE_API_KEY", raising=False)
        monkeypatch.delenv("GOOGLE_GENAI_USE_VERTEXAI", raising=False)
        fake.script(MODEL, latency_ms=10)
        client = genai.Client()
        response = client.models.generate_content(model=MODEL, contents="from env")
        assert response.text == default_answer(MODEL, "from env")
        assert fake.calls()[0]["api_key"] == "env-key"
        assert fake.health()
