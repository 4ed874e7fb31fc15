"""The fake Gemini server, exercised through the real google-genai SDK (sync and aio)."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import io
import json
import math
import time
from typing import Literal

import httpx
import httpx2
import pytest
from google import genai
from google.genai import errors, types
from pydantic import BaseModel, Field

from vidcompare.testing.fake_gemini import (
    API_KEY_INVALID_MESSAGE,
    DEFAULT_MODELS,
    FakeGemini,
    count_tokens,
    default_answer,
    max_in_flight,
    score_for,
)

MODEL = "gemini-3.5-flash"
JUDGE = "gemini-3.1-pro-preview"


# The judge's output schema (as vidcompare's judges fill it), kept here so that these tests
# do not depend on the provider code.
class LabelVerdict(BaseModel):
    label: str
    score: int = Field(ge=1, le=10)
    reasoning: str
    strengths: list[str] = Field(default_factory=list)
    weaknesses: list[str] = Field(default_factory=list)


class Verdict(BaseModel):
    evaluations: list[LabelVerdict]
    overall_summary: str


class TwoLabels(BaseModel):
    label: Literal["Answer A", "Answer B"]
    score: int = Field(ge=1, le=10)
    reasoning: str


class TwoLabelVerdict(BaseModel):
    """A verdict whose labels are an enum (pydantic Literal): only Answer A and B."""

    evaluations: list[TwoLabels]
    overall_summary: str


@pytest.fixture
def fake(fake_gemini: FakeGemini) -> FakeGemini:
    """The session's fake server (the fixture of vidcompare.testing.fake_gemini.plugin), reset
    for this test."""
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
    assert usage.thoughts_token_count == 64
    assert usage.total_token_count == (
        usage.prompt_token_count + usage.candidates_token_count + usage.thoughts_token_count
    )

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
    with pytest.raises(errors.ClientError) as caught:
        client.files.delete(name=other.name)  # gone: deleting again is a 404
    assert caught.value.code == 404
    counters = fake.counters()
    assert (counters["files_deleted"], counters["files_expired"]) == (1, 1)
    assert other.name not in [f["name"] for f in fake.files()]
    fake.configure(missing_file_status=403)
    with pytest.raises(errors.ClientError) as caught:
        client.files.get(name=other.name)
    assert caught.value.code == 403 and "may not exist" in caught.value.message
    with pytest.raises(errors.ClientError) as caught:
        client.files.get(name="files/neverexisted")
    assert caught.value.code == 403
    assert [u["state"] for u in fake.uploads()] == ["EXPIRED", "DELETED"]


def test_async_client_same_paths_and_concurrency(fake: FakeGemini):
    fake.add_models("slow-model")
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
    fake.configure(models=[MODEL])
    assert client.models.generate_content(model=MODEL, contents="x").text
    with pytest.raises(errors.ClientError) as caught:
        client.models.generate_content(model="gemini-3.8-flash", contents="x")
    assert caught.value.code == 404
    fake.configure(unknown_models=[MODEL])  # refused although listed
    with pytest.raises(errors.ClientError) as caught:
        client.models.generate_content(model=MODEL, contents="x")
    assert caught.value.code == 404


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
    fake.add_models("model-fast", "model-slow", "judge")
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
    fake.add_models("judge")
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

    fake.add_models("flaky")
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


# --------------------------------------------------------------------------- the catalogue


LISTED = [m["name"] for m in DEFAULT_MODELS]
VIDEO_METHODS = ["generateContent", "countTokens", "createCachedContent", "batchGenerateContent"]


def test_models_list_pages_through_the_real_catalogue_sync_and_aio(fake: FakeGemini):
    assert "models/gemini-3-pro-preview" not in LISTED and "models/gemini-2.5-flash" not in LISTED
    assert len(LISTED) > 6  # more than two pages of 3
    client = fake.client()
    pager = client.models.list(config={"page_size": 3})
    assert len(pager.page) == 3 and pager.page_size == 3
    models = list(pager)
    assert [m.name for m in models] == LISTED

    async def names() -> list[str]:
        return [m.name async for m in await client.aio.models.list(config={"page_size": 3})]

    assert asyncio.run(names()) == LISTED
    pages = math.ceil(len(LISTED) / 3)
    assert fake.counters()["models_list"] == 2 * pages  # sync and aio
    assert [m.name for m in client.models.list()] == LISTED  # 50 a page: one request
    assert fake.counters()["models_list"] == 2 * pages + 1
    tokens = [r["query"] for r in fake.requests() if r["kind"] == "models.list"][1:pages]
    assert all("pageToken=" in query and "pageSize=3" in query for query in tokens)

    by_name = {m.name.removeprefix("models/"): m for m in models}
    flash = by_name["gemini-3.8-flash"]
    assert (flash.display_name, flash.version, flash.thinking) == ("Gemini 3.8 Flash", "001", True)
    assert (flash.input_token_limit, flash.output_token_limit) == (1048576, 65536)
    assert flash.supported_actions == VIDEO_METHODS  # the SDK's name for the methods
    assert (flash.temperature, flash.max_temperature, flash.top_p, flash.top_k) == (
        1.0,
        2.0,
        0.95,
        64,
    )
    assert by_name["gemini-3.5-flash-lite"].display_name == "Gemini 3.5 Flash-Lite"
    assert by_name["gemini-pro-latest"].thinking is True
    assert by_name["gemini-embedding-001"].supported_actions == ["embedContent", "countTokens"]
    gemma = by_name["gemma-3-27b-it"]
    assert (gemma.input_token_limit, gemma.output_token_limit, gemma.thinking) == (
        131072,
        8192,
        None,
    )
    assert gemma.supported_actions == ["generateContent", "countTokens"]
    assert by_name["gemini-3.1-flash-image"].thinking is None
    assert "generateContent" in by_name["gemini-3.5-flash-preview-tts"].supported_actions

    fake.configure(bad_keys=["revoked"])
    revoked = fake.client("revoked")  # keep a reference: a collected client is closed
    with pytest.raises(errors.ClientError) as caught:
        list(revoked.models.list())
    assert (caught.value.code, caught.value.message) == (400, API_KEY_INVALID_MESSAGE)


def test_shut_down_and_unlisted_models_are_404_everywhere(fake: FakeGemini):
    client = fake.client()
    for model in ("gemini-3-pro-preview", "gemini-2.5-flash"):
        calls = {
            "generateContent": lambda m=model: client.models.generate_content(
                model=m, contents="x"
            ),
            "stream": lambda m=model: list(
                client.models.generate_content_stream(model=m, contents="x")
            ),
            "countTokens": lambda m=model: client.models.count_tokens(model=m, contents="x"),
            "get": lambda m=model: client.models.get(model=m),
        }
        for rpc, call in calls.items():
            with pytest.raises(errors.ClientError) as caught:
                call()
            assert (caught.value.code, caught.value.status) == (404, "NOT_FOUND")
            wording = "generateContent" if rpc == "stream" else rpc
            assert caught.value.message == (
                f"models/{model} is not found for API version v1, or is not supported for "
                f"{wording}. Call ListModels to see the list of available models and their "
                "supported methods."
            )
    assert fake.calls()[0]["status"] == 404

    # models.get answers the listed resource itself.
    got = client.models.get(model="gemma-3-27b-it")
    resource = next(m for m in DEFAULT_MODELS if m["name"] == "models/gemma-3-27b-it")
    assert (got.name, got.display_name, got.input_token_limit) == (
        resource["name"],
        resource["displayName"],
        resource["inputTokenLimit"],
    )
    assert fake.counters()["models_get"] == 1

    # A plain id in "models" is a video model named after it.
    listed = fake.add_models("my-video-model")
    assert listed == [m.removeprefix("models/") for m in LISTED] + ["my-video-model"]
    mine = client.models.get(model="my-video-model")
    assert (mine.display_name, mine.thinking, mine.supported_actions) == (
        "My Video Model",
        True,
        VIDEO_METHODS,
    )
    fake.configure(models=["only-this"])
    assert [m.name for m in client.models.list()] == ["models/only-this"]
    with pytest.raises(errors.ClientError):
        client.models.generate_content(model=MODEL, contents="x")
    fake.configure(models=None)  # back to DEFAULT_MODELS
    assert [m.name for m in client.models.list()] == LISTED


def test_generate_content_needs_the_method_and_fits_the_input_limit(fake: FakeGemini):
    client = fake.client()
    with pytest.raises(errors.ClientError) as caught:
        client.models.generate_content(model="gemini-embedding-001", contents="x")
    assert (caught.value.code, caught.value.status) == (400, "INVALID_ARGUMENT")
    assert "does not support generateContent" in caught.value.message
    assert client.models.count_tokens(model="gemini-embedding-001", contents="1234").total_tokens

    huge = client.files.upload(
        file=io.BytesIO(b"a long video"), config={"mime_type": "video/mp4", "display_name": "huge"}
    )
    small_bytes = b"a short video"
    small = upload(client, small_bytes)
    for f in (huge, small):
        client.files.get(name=f.name)
    fake.configure(
        file_tokens_by_file={"huge": 1048576, hashlib.sha256(small_bytes).hexdigest(): 131000}
    )
    with pytest.raises(errors.ClientError) as caught:
        client.models.generate_content(model=MODEL, contents=[huge, "Describe it"])
    assert (caught.value.code, caught.value.status) == (400, "INVALID_ARGUMENT")
    assert caught.value.message == (
        "The input token count (1048579) exceeds the maximum number of tokens allowed (1048576)."
    )
    assert client.models.count_tokens(model=MODEL, contents=[huge, "Describe it"]).total_tokens == (
        1048579
    )
    # The same small video fits a 1M model but not gemma's 128K.
    fine = client.models.generate_content(model=MODEL, contents=[small, "x" * 400])
    assert fine.usage_metadata.prompt_token_count == 131100
    with pytest.raises(errors.ClientError) as caught:
        client.models.generate_content(model="gemma-3-27b-it", contents=[small, "x" * 400])
    assert caught.value.message == (
        "The input token count (131100) exceeds the maximum number of tokens allowed (131072)."
    )
    assert [c["status"] for c in fake.calls()] == [400, 400, 200, 400]


# --------------------------------------------------------------------------- usage


def modalities(details: list[types.ModalityTokenCount] | None) -> list[tuple[str, int]]:
    return [(d.modality.value, d.token_count) for d in details or []]


def test_usage_by_modality_with_thoughts_and_cache(fake: FakeGemini):
    client = fake.client()
    video = client.files.get(name=upload(client).name)
    response = client.models.generate_content(model=MODEL, contents=[video, "Describe it"])
    usage = response.usage_metadata
    assert isinstance(usage.prompt_tokens_details[1].modality, types.MediaModality)
    assert modalities(usage.prompt_tokens_details) == [("TEXT", 3), ("VIDEO", 226), ("AUDIO", 32)]
    assert usage.prompt_token_count == 261 and usage.thoughts_token_count == 64
    assert usage.candidates_token_count == count_tokens(response.text)
    assert usage.total_token_count == 261 + usage.candidates_token_count + 64
    assert usage.cached_content_token_count is None and usage.cache_tokens_details is None
    assert fake.calls()[0]["usage"] == response.usage_metadata.model_dump(
        mode="json", by_alias=True, exclude_none=True
    )

    # Cached tokens: part of the prompt, split over its modalities in proportion.
    fake.script(MODEL, cached_tokens=100)
    usage = client.models.generate_content(
        model=MODEL, contents=[video, "Describe it"]
    ).usage_metadata
    assert usage.cached_content_token_count == 100
    assert modalities(usage.cache_tokens_details) == [("TEXT", 1), ("VIDEO", 87), ("AUDIO", 12)]
    assert usage.prompt_token_count == 261
    fake.script(MODEL, cached_tokens=10**6)  # capped at the prompt
    usage = client.models.generate_content(model=MODEL, contents="abcd").usage_metadata
    assert usage.cached_content_token_count == 1

    # No thinking: a model without "thinking", or thinking_tokens=0; a scripted count.
    usage = client.models.generate_content(model="gemma-3-27b-it", contents="abcd").usage_metadata
    assert usage.thoughts_token_count is None
    assert usage.total_token_count == 1 + usage.candidates_token_count
    fake.script(MODEL, thinking_tokens=0, cached_tokens=None)
    assert (
        client.models.generate_content(
            model=MODEL, contents="x"
        ).usage_metadata.thoughts_token_count
        is None
    )
    fake.script(MODEL, thinking_tokens=1000)
    usage = client.models.generate_content(model=MODEL, contents="abcd").usage_metadata
    assert usage.thoughts_token_count == 1000
    assert usage.total_token_count == 1 + usage.candidates_token_count + 1000

    # Other media and file sizes: an image inline, a video with more tokens, no audio.
    fake.configure(
        audio_tokens_per_file=0, file_tokens_by_file={hashlib.sha256(b"png").hexdigest(): 1000}
    )
    image = types.Part.from_bytes(data=b"png", mime_type="image/png")
    usage = client.models.generate_content(
        model=MODEL, contents=[image, video, "abcd"]
    ).usage_metadata
    assert modalities(usage.prompt_tokens_details) == [("TEXT", 1), ("IMAGE", 1000), ("VIDEO", 258)]
    counted = client.models.count_tokens(model=MODEL, contents=[image, video, "abcd"])
    assert counted.total_tokens == 1259

    # Judges think too.
    verdict = client.models.generate_content(
        model=JUDGE, contents=judge_prompt(["one", "two"]), config=judge_config()
    )
    assert verdict.usage_metadata.thoughts_token_count == 64


# --------------------------------------------------------------------------- refusals


def test_blocked_prompt_with_every_block_reason(fake: FakeGemini):
    client = fake.client()
    for reason in ("SAFETY", "OTHER", "BLOCKLIST", "PROHIBITED_CONTENT", "IMAGE_SAFETY"):
        fake.script(MODEL, blocked=1, block_reason=reason)
        response = client.models.generate_content(model=MODEL, contents="abcd")
        assert response.prompt_feedback.block_reason == types.BlockedReason(reason)
        assert response.candidates is None and response.text is None
        usage = response.usage_metadata
        assert (usage.prompt_token_count, usage.total_token_count) == (1, 1)
        assert usage.thoughts_token_count is None and usage.candidates_token_count is None
        ratings = response.prompt_feedback.safety_ratings
        if reason == "SAFETY":
            blocked = [r for r in ratings if r.blocked]
            assert [r.category for r in blocked] == [
                types.HarmCategory.HARM_CATEGORY_DANGEROUS_CONTENT
            ]
        else:
            assert ratings is None
    assert [c["block_reason"] for c in fake.calls()] == [
        "SAFETY",
        "OTHER",
        "BLOCKLIST",
        "PROHIBITED_CONTENT",
        "IMAGE_SAFETY",
    ]
    # Streamed: one chunk with the feedback; judges are blocked too.
    fake.script(MODEL, blocked=1, block_reason="OTHER")
    (chunk,) = client.models.generate_content_stream(model=MODEL, contents="x")
    assert chunk.prompt_feedback.block_reason == types.BlockedReason.OTHER
    fake.script(JUDGE, blocked=1)
    judged = client.models.generate_content(
        model=JUDGE, contents=judge_prompt(["a"]), config=judge_config()
    )
    assert (
        judged.parsed is None and judged.prompt_feedback.block_reason == types.BlockedReason.SAFETY
    )
    with pytest.raises(ValueError, match="block_reason"):
        fake.script(MODEL, block_reason="RUDE")


def test_finish_reasons_without_content_and_max_tokens(fake: FakeGemini):
    client = fake.client()
    full = default_answer(MODEL, "x")
    fake.script(MODEL, finish=["SAFETY", "MAX_TOKENS", "RECITATION", "OTHER", "SPII"])

    safety = client.models.generate_content(model=MODEL, contents="x")
    (candidate,) = safety.candidates
    assert candidate.finish_reason == types.FinishReason.SAFETY
    assert candidate.content is None and safety.text is None
    assert [r.blocked for r in candidate.safety_ratings] == [None, None, None, True]
    assert safety.usage_metadata.candidates_token_count is None
    assert safety.usage_metadata.thoughts_token_count == 64
    assert safety.usage_metadata.total_token_count == 1 + 64

    cut = client.models.generate_content(model=MODEL, contents="x")
    assert cut.candidates[0].finish_reason == types.FinishReason.MAX_TOKENS
    assert cut.text == full[: len(full) // 2]
    assert cut.usage_metadata.candidates_token_count == count_tokens(cut.text)

    recited = client.models.generate_content(model=MODEL, contents="x")
    assert recited.candidates[0].finish_reason == types.FinishReason.RECITATION
    assert recited.text is None
    (citation,) = recited.candidates[0].citation_metadata.citations
    assert citation.uri == "https://example.com/recited" and citation.end_index == 120

    for reason in (types.FinishReason.OTHER, types.FinishReason.SPII):
        answer = client.models.generate_content(model=MODEL, contents="x")
        assert answer.candidates[0].finish_reason == reason and answer.text is None
        assert answer.candidates[0].safety_ratings is None

    normal = client.models.generate_content(model=MODEL, contents="x")
    assert normal.candidates[0].finish_reason == types.FinishReason.STOP and normal.text == full
    finishes = ["SAFETY", "MAX_TOKENS", "RECITATION", "OTHER", "SPII", "STOP"]
    assert [c["finish_reason"] for c in fake.calls()] == finishes

    # Streamed MAX_TOKENS: the half text in two chunks, the reason on the last.
    fake.script("*", finish=["MAX_TOKENS", "SAFETY", "MAX_TOKENS"])
    chunks = list(client.models.generate_content_stream(model=MODEL, contents="x"))
    assert "".join(c.text for c in chunks) == full[: len(full) // 2]
    assert [c.candidates[0].finish_reason for c in chunks] == [None, types.FinishReason.MAX_TOKENS]
    # Judges: no verdict at all, or a cut JSON.
    prompt = judge_prompt(["one", "two"])
    refused = client.models.generate_content(model=JUDGE, contents=prompt, config=judge_config())
    assert refused.parsed is None and refused.text is None
    assert refused.candidates[0].finish_reason == types.FinishReason.SAFETY
    truncated = client.models.generate_content(model=JUDGE, contents=prompt, config=judge_config())
    assert truncated.parsed is None
    with pytest.raises(json.JSONDecodeError):
        json.loads(truncated.text)
    with pytest.raises(ValueError, match="finish"):
        fake.script(MODEL, finish=["BORED"])


def test_hung_request_is_abandoned_by_the_sdk_timeout_and_retried(fake: FakeGemini):
    fake.script(MODEL, fail=[{"hang_ms": 800}])
    impatient = fake.client(timeout=300)
    # google-genai 3.x sends with httpx2 (a dependency; httpx is an extra): its own timeout
    # exception, which is no httpx.TimeoutException.
    with pytest.raises(httpx2.TimeoutException):
        impatient.models.generate_content(model=MODEL, contents="x")

    fake.script(MODEL, fail=[{"hang_ms": 2000}])
    options = types.HttpOptions(
        base_url=fake.base_url,
        timeout=300,
        retry_options=types.HttpRetryOptions(attempts=2, initial_delay=0.01),
    )
    client = genai.Client(api_key=fake.api_key, http_options=options)
    started = time.monotonic()
    response = client.models.generate_content(model=MODEL, contents="x")
    assert time.monotonic() - started < 1.8  # 300 ms, a short wait (<= 1 s jitter), a retry
    assert response.text == default_answer(MODEL, "x")
    fake.wait_for_calls(3, model=MODEL, timeout=5)
    first, hung, retry = fake.calls(MODEL)
    assert first["hang_ms"] == 800 and hung["hang_ms"] == 2000 and "hang_ms" not in retry
    assert hung["status"] == retry["status"] == 200  # the hung call answered, too late
    assert retry["ended_at"] < hung["ended_at"]
    with pytest.raises(ValueError, match="hang_ms"):
        fake.script(MODEL, fail=[{"hang_ms": "long"}])


# --------------------------------------------------------------------------- judges


def json_judge_config(schema: object, **kw: object) -> types.GenerateContentConfig:
    return types.GenerateContentConfig(
        response_mime_type="application/json", response_json_schema=schema, **kw
    )


def test_response_schema_is_checked_like_the_real_api(fake: FakeGemini):
    client = fake.client()
    prompt = judge_prompt(["one", "two"])

    def refused(config: types.GenerateContentConfig) -> errors.ClientError:
        with pytest.raises(errors.ClientError) as caught:
            client.models.generate_content(model=JUDGE, contents=prompt, config=config)
        assert (caught.value.code, caught.value.status) == (400, "INVALID_ARGUMENT")
        return caught.value

    # An unknown field (the SDK refuses additionalProperties itself: sent raw, via extra_body).
    raw = {
        "generationConfig": {
            "responseSchema": {"properties": {"evaluations": {"additionalProperties": False}}}
        }
    }
    error = refused(
        types.GenerateContentConfig(
            response_mime_type="application/json",
            response_schema=Verdict,
            http_options=types.HttpOptions(extra_body=raw),
        )
    )
    assert error.message == (
        'Invalid JSON payload received. Unknown name "additionalProperties" at '
        "'generation_config.response_schema.properties[0].value': Cannot find field."
    )
    violation = error.details["error"]["details"][0]["fieldViolations"][0]
    assert violation["field"] == "generation_config.response_schema.properties[0].value"
    call = fake.calls()[0]
    assert call["schema_form"] == "responseSchema"
    assert call["response_schema"]["properties"]["evaluations"]["additionalProperties"] is False

    bad_type = {"generationConfig": {"responseSchema": {"type": "FLOAT"}}}
    error = refused(
        types.GenerateContentConfig(
            response_mime_type="application/json",
            response_schema=Verdict,
            http_options=types.HttpOptions(extra_body=bad_type),
        )
    )
    assert error.message == (
        "Invalid value at 'generation_config.response_schema.type' "
        '(type.googleapis.com/google.ai.generativelanguage.v1.Type), "FLOAT"'
    )
    error = refused(
        types.GenerateContentConfig(
            response_mime_type="application/json",
            response_schema=types.Schema(
                type=types.Type.OBJECT,
                properties={
                    "score": types.Schema(type=types.Type.INTEGER, enum=["1", "2"]),
                    "why": types.Schema(type=types.Type.STRING),
                },
                required=["score", "reason"],
            ),
        )
    )
    assert error.message == (
        "* GenerateContentRequest.generation_config.response_schema.properties[score].enum: "
        "only allowed for STRING type\n"
        "* GenerateContentRequest.generation_config.response_schema.required[1]: "
        "property is not defined\n"
    )
    error = refused(json_judge_config(["not", "an object"]))
    assert "response_json_schema" in error.message
    assert fake.counters()["judge_calls"] == 4 and fake.calls()[3]["response_schema"] == [
        "not",
        "an object",
    ]

    # What the SDK itself sends passes: a pydantic model (snake_case property_ordering),
    # a types.Schema like vidcompare's judge sends, lower-case JSON Schema types.
    fine = client.models.generate_content(model=JUDGE, contents=prompt, config=judge_config())
    assert isinstance(fine.parsed, Verdict)
    assert "property_ordering" in fake.calls()[-1]["response_schema"]
    plain = client.models.generate_content(
        model=JUDGE, contents=prompt, config=json_judge_config(Verdict.model_json_schema())
    )
    assert [e["label"] for e in plain.parsed["evaluations"]] == ["Answer A", "Answer B"]
    assert fake.calls()[-1]["schema_form"] == "responseJsonSchema"


def enum_schema(labels: list[str]) -> types.Schema:
    """The verdict schema vidcompare's Gemini judge sends: labels as an enum."""
    text = types.Schema(type=types.Type.STRING)
    fields = ["label", "score", "reasoning"]
    item = types.Schema(
        type=types.Type.OBJECT,
        properties={
            "label": types.Schema(type=types.Type.STRING, enum=labels),
            "score": types.Schema(type=types.Type.INTEGER, minimum=1, maximum=10),
            "reasoning": text,
        },
        required=fields,
        property_ordering=fields,
    )
    return types.Schema(
        type=types.Type.OBJECT,
        properties={
            "evaluations": types.Schema(
                type=types.Type.ARRAY, items=item, min_items=len(labels), max_items=len(labels)
            ),
            "overall_summary": text,
        },
        required=["evaluations", "overall_summary"],
    )


def test_default_verdict_keeps_to_the_label_enum_in_either_schema_form(fake: FakeGemini):
    client = fake.client()
    prompt = judge_prompt([default_answer(m, "q") for m in ("m-a", "m-b", "m-c")])
    expected = [("Answer A", score_for("m-a")), ("Answer B", score_for("m-b"))]

    typed = client.models.generate_content(
        model=JUDGE,
        contents=prompt,
        config=types.GenerateContentConfig(
            response_mime_type="application/json", response_schema=TwoLabelVerdict, temperature=0.2
        ),
    ).parsed
    assert isinstance(typed, TwoLabelVerdict)
    assert [(e.label, e.score) for e in typed.evaluations] == expected

    as_json = client.models.generate_content(
        model=JUDGE, contents=prompt, config=json_judge_config(TwoLabelVerdict.model_json_schema())
    ).parsed  # the enum sits behind "$ref": "#/$defs/TwoLabels"
    assert [(e["label"], e["score"]) for e in as_json["evaluations"]] == expected

    # Like vidcompare's judge: labels not in the prompt are scored all the same.
    labels = ["Answer C", "Answer A", "Answer D"]
    verdict = json.loads(
        client.models.generate_content(
            model=JUDGE,
            contents=prompt,
            config=types.GenerateContentConfig(
                response_mime_type="application/json", response_schema=enum_schema(labels)
            ),
        ).text
    )
    assert [e["label"] for e in verdict["evaluations"]] == ["Answer A", "Answer C", "Answer D"]
    assert all(
        isinstance(e["score"], int) and 1 <= e["score"] <= 10 for e in verdict["evaluations"]
    )

    # Without an enum: every label in the prompt; the temperature as sent.
    untyped = client.models.generate_content(model=JUDGE, contents=prompt, config=judge_config())
    assert [e.label for e in untyped.parsed.evaluations] == ["Answer A", "Answer B", "Answer C"]
    assert [c["temperature"] for c in fake.calls()] == [0.2, None, None, 0]
    assert (
        fake.calls()[2]["response_schema"]["properties"]["evaluations"]["items"]["properties"][
            "label"
        ]["enum"]
        == labels
    )


@pytest.mark.parametrize(
    ("style", "written"),
    [
        ("exact", ["Answer A", "Answer B"]),
        ("letter", ["A", "B"]),
        ("lower", ["answer a", "answer b"]),
        ("colon", ["Answer A:", "Answer B:"]),
        ("bold", ["**Answer A**", "**Answer B**"]),
        ("response", ["Response A", "Response B"]),
        ("paren", ["Answer (A)", "Answer (B)"]),
    ],
)
def test_sloppy_judge_label_styles(fake: FakeGemini, style: str, written: list[str]):
    client = fake.client()
    config = types.GenerateContentConfig(
        response_mime_type="application/json", response_schema=enum_schema(["Answer A", "Answer B"])
    )
    prompt = judge_prompt([default_answer("m-a", "q"), default_answer("m-b", "q")])
    fake.script(JUDGE, judge_label_style=style)
    for _ in range(2):  # persists
        verdict = json.loads(
            client.models.generate_content(model=JUDGE, contents=prompt, config=config).text
        )
        assert [e["label"] for e in verdict["evaluations"]] == written
        assert [e["score"] for e in verdict["evaluations"]] == [score_for("m-a"), score_for("m-b")]


def test_sloppy_judge_omits_labels(fake: FakeGemini):
    client = fake.client()
    prompt = judge_prompt(["one", "two", "three"])
    fake.script("*", judge_omit=["Answer B"])
    for _ in range(2):  # persists
        verdict = client.models.generate_content(
            model=JUDGE, contents=prompt, config=judge_config()
        )
        assert [e.label for e in verdict.parsed.evaluations] == ["Answer A", "Answer C"]
    fake.script("*", judge_omit=None, judge_label_style="letter")
    verdict = client.models.generate_content(model=JUDGE, contents=prompt, config=judge_config())
    assert [e.label for e in verdict.parsed.evaluations] == ["A", "B", "C"]
    with pytest.raises(ValueError, match="judge_label_style"):
        fake.script("*", judge_label_style="shouting")


# --------------------------------------------------------------------------- files


def test_processing_ms_holds_a_file_processing_for_that_long(fake: FakeGemini):
    client = fake.client()
    fake.configure(processing_ms=600)  # and the default active_after_polls=1
    uploaded = upload(client)
    uploaded_at = time.monotonic()
    assert uploaded.state == types.FileState.PROCESSING
    assert client.files.get(name=uploaded.name).state == types.FileState.PROCESSING
    with pytest.raises(errors.ClientError) as caught:
        client.models.generate_content(model=MODEL, contents=[uploaded, "too early"])
    assert (caught.value.code, caught.value.status) == (400, "FAILED_PRECONDITION")
    while client.files.get(name=uploaded.name).state == types.FileState.PROCESSING:
        assert time.monotonic() - uploaded_at < 3
        time.sleep(0.05)
    assert 0.55 <= time.monotonic() - uploaded_at < 1.5
    assert client.models.generate_content(model=MODEL, contents=[uploaded, "now"]).text

    # Without polls to wait for, time alone makes it ACTIVE (no files.get needed).
    fake.configure(processing_ms=300, active_after_polls=0)
    quick = upload(client)
    assert quick.state == types.FileState.PROCESSING
    time.sleep(0.35)
    assert client.models.generate_content(model=MODEL, contents=[quick, "now"]).text
    assert [u["state"] for u in fake.uploads()] == ["ACTIVE", "ACTIVE"]
    # And polls still count: 2 polls and 0 ms.
    fake.configure(processing_ms=0, active_after_polls=0)
    assert upload(client).state == types.FileState.ACTIVE
