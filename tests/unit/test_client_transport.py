"""The Python clients against an ``httpx.MockTransport``: what they send, how they read
refusals. No stack: the transport answers as the server does, with the API's one error
shape ``{"error": {"code", "message", "details"}}``, or as a proxy in front of it might.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import Callable

import httpx
import pytest
from pydantic import BaseModel

from vidcompare.client import AsyncClient, Client, ClientError, ServerError, Unreachable
from vidcompare.schemas import BatchAccepted, CancelAnswer, JobStatus, JobView

BASE = "http://vidcompare.test"
NOW = dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.UTC)
# One video × two prompts × one model: what both a batch's answer and its job tell.
SHAPE = {
    "total_combinations": 2,
    "total_videos": 1,
    "total_prompts": 2,
    "models": ["local-scenes"],
    "judge_model": "local-rubric",
    "concurrency": 1,
}
ACCEPTED = BatchAccepted(
    job_id="job-1",
    status=JobStatus.pending,
    status_url="/api/jobs/job-1",
    result_url="/api/jobs/job-1/result",
    **SHAPE,
)
VIEW = JobView(
    job_id="job/1",
    status=JobStatus.running,
    progress=50.0,
    progress_message="Processing combination 2/2...",
    completed_combinations=1,
    created_at=NOW,
    updated_at=NOW,
    **SHAPE,
)
CANCELLED = CancelAnswer(job_id="job-1", status=JobStatus.cancelled, still_running=1)


class Recorder:
    """A MockTransport handler that keeps every request and gives one answer to all."""

    def __init__(self, answer: Callable[[], httpx.Response]) -> None:
        self.answer = answer
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.answer()

    def client(self, api_key: str | None = None) -> Client:
        return Client(BASE, api_key=api_key, transport=httpx.MockTransport(self))

    def async_client(self) -> AsyncClient:
        return AsyncClient(BASE, transport=httpx.MockTransport(self))


def ok(model: BaseModel, status: int = 200) -> Callable[[], httpx.Response]:
    return lambda: httpx.Response(status, content=model.model_dump_json())


def refusal(
    status: int,
    code: str,
    message: str,
    details: list[dict[str, str]] | None = None,
    retry_after: int | None = None,
) -> Callable[[], httpx.Response]:
    """The server's refusal: the one error body, and ``Retry-After`` when it says when."""
    body = {"error": {"code": code, "message": message, "details": details or []}}
    headers = {"Retry-After": str(retry_after)} if retry_after else {}
    return lambda: httpx.Response(status, json=body, headers=headers)


def sent(request: httpx.Request) -> tuple[str, str, object]:
    """Method, path with query, and JSON body (None when there is none) of a request."""
    body = json.loads(request.content) if request.content else None
    return request.method, request.url.raw_path.decode(), body


# ----------------------------------------------------------------- what is sent


def test_start_batch_posts_the_batch_body_with_the_api_key():
    server = Recorder(ok(ACCEPTED, 202))
    with server.client(api_key="k-123") as vc:
        answer = vc.start_batch(["v1"], ["Cuts?", "Colours?"], ["local-scenes"], concurrency=2)
    assert answer == ACCEPTED
    (request,) = server.requests
    assert sent(request) == (
        "POST",
        "/api/batch-compare-async",
        {
            "video_ids": ["v1"],
            "prompts": ["Cuts?", "Colours?"],
            "models": ["local-scenes"],
            "concurrency": 2,
        },
    )
    assert request.headers["X-API-Key"] == "k-123"
    assert request.headers["Content-Type"] == "application/json"


def test_start_batch_with_pairs_sends_the_pairs_and_no_videos_or_prompts():
    server = Recorder(ok(ACCEPTED, 202))
    with server.client() as vc:
        vc.start_batch(
            pairs=[{"video_id": "v1", "prompt": "Cuts?"}],
            models=["local-scenes"],
            judge_model="local-rubric",
        )
    (request,) = server.requests
    assert sent(request) == (
        "POST",
        "/api/batch-compare-async",
        {
            "pairs": [{"video_id": "v1", "prompt": "Cuts?"}],
            "models": ["local-scenes"],
            "judge_model": "local-rubric",
        },
    )
    assert "X-API-Key" not in request.headers


def test_job_gets_the_job_with_its_id_as_one_path_segment():
    server = Recorder(ok(VIEW))
    with server.client() as vc:
        assert vc.job("job/1") == VIEW
    assert [sent(r) for r in server.requests] == [("GET", "/api/jobs/job%2F1", None)]


def test_cancel_posts_to_the_jobs_cancel_path_without_a_body():
    server = Recorder(ok(CANCELLED))
    with server.client() as vc:
        assert vc.cancel("job-1") == CANCELLED
    (request,) = server.requests
    assert sent(request) == ("POST", "/api/jobs/job-1/cancel", None)


def test_the_async_client_sends_the_same_calls():
    server = Recorder(ok(ACCEPTED, 202))

    async def scenario() -> BatchAccepted:
        async with server.async_client() as vc:
            return await vc.start_batch(video_ids=["v1"], prompts=["Cuts?"], models=["m"])

    assert asyncio.run(scenario()) == ACCEPTED
    assert [sent(r) for r in server.requests] == [
        (
            "POST",
            "/api/batch-compare-async",
            {"video_ids": ["v1"], "prompts": ["Cuts?"], "models": ["m"]},
        )
    ]


# ---------------------------------------------------------------- what comes back


def test_a_400_is_a_client_error_with_the_servers_message_and_details():
    bad_field = refusal(
        400,
        "INVALID_ARGUMENT",
        "models[1]: unknown model 'nope'",
        [{"field": "models[1]", "message": "unknown model 'nope'"}],
    )
    with Recorder(bad_field).client() as vc, pytest.raises(ClientError) as raised:
        vc.start_batch(["v1"], ["Cuts?"], ["local-scenes", "nope"])
    error = raised.value
    assert (error.status, error.code, error.message) == (
        400,
        "INVALID_ARGUMENT",
        "models[1]: unknown model 'nope'",
    )
    assert error.details == [{"field": "models[1]", "message": "unknown model 'nope'"}]
    assert str(error) == "400 INVALID_ARGUMENT: models[1]: unknown model 'nope'"


def test_a_503_with_retry_after_is_a_server_error():
    busy = refusal(503, "UNAVAILABLE", "the queue is not ready; try again", retry_after=30)
    with Recorder(busy).client() as vc, pytest.raises(ServerError) as raised:
        vc.job("job-1")
    error = raised.value
    assert (error.status, error.code, error.message, error.details) == (
        503,
        "UNAVAILABLE",
        "the queue is not ready; try again",
        [],
    )


def test_a_proxys_html_502_is_a_server_error_that_says_what_came():
    page = (
        "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
        "<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n"
    )
    answer = Recorder(lambda: httpx.Response(502, text=page, headers={"Content-Type": "text/html"}))
    with answer.client() as vc, pytest.raises(ServerError) as raised:
        vc.cancel("job-1")
    assert (raised.value.status, raised.value.code, raised.value.details) == (502, "HTTP_ERROR", [])
    assert raised.value.message == (
        "Bad Gateway: <html> <head><title>502 Bad Gateway</title></head> <body> "
        "<center><h1>502 Bad Gateway</h1></center> </body> </html>"
    )


def test_an_empty_or_long_foreign_answer_still_reads_clearly():
    with Recorder(lambda: httpx.Response(502)).client() as vc, pytest.raises(ServerError) as empty:
        vc.job("job-1")
    assert (empty.value.code, empty.value.message) == ("HTTP_ERROR", "Bad Gateway")

    long = Recorder(lambda: httpx.Response(404, text="no " * 500))
    with long.client() as vc, pytest.raises(ClientError) as cut:
        vc.job("job-1")
    assert cut.value.message == "Not Found: " + ("no " * 100)[:299] + "…"


def test_json_that_is_not_the_error_shape_is_shown_as_it_came():
    gateway = Recorder(lambda: httpx.Response(401, json={"code": 401, "message": "Jwt is missing"}))
    with gateway.client() as vc, pytest.raises(ClientError) as raised:
        vc.job("job-1")
    assert (raised.value.status, raised.value.code, raised.value.message) == (
        401,
        "HTTP_ERROR",
        'Unauthorized: {"code":401,"message":"Jwt is missing"}',
    )


def test_no_answer_at_all_is_unreachable():
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with (
        Client(BASE, transport=httpx.MockTransport(refuse)) as vc,
        pytest.raises(Unreachable) as raised,
    ):
        vc.job("job-1")
    assert (raised.value.status, raised.value.code, raised.value.message) == (
        0,
        "UNREACHABLE",
        f"{BASE} did not answer (connection refused)",
    )


def test_the_async_client_reads_refusals_the_same_way():
    server = Recorder(refusal(503, "UNAVAILABLE", "not now", retry_after=5))

    async def scenario() -> None:
        async with server.async_client() as vc:
            await vc.cancel("job-1")

    with pytest.raises(ServerError) as raised:
        asyncio.run(scenario())
    assert (raised.value.status, raised.value.code, raised.value.message) == (
        503,
        "UNAVAILABLE",
        "not now",
    )


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("127.0.0.1:8400", "http://127.0.0.1:8400"),
        ("localhost:8000/", "http://localhost:8000"),
        ("http://127.0.0.1:8000/api", "http://127.0.0.1:8000"),
        ("http://127.0.0.1:8000/api/", "http://127.0.0.1:8000"),
        ("vidcompare-gw-abc.ew.gateway.dev", "https://vidcompare-gw-abc.ew.gateway.dev"),
        ("https://example.com/base/api", "https://example.com/base"),
    ],
)
def test_a_base_url_is_understood_as_people_type_it(typed: str, meant: str):
    asked: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(str(request.url))
        return httpx.Response(200, json={"jobs": [], "next_page_token": None})

    with Client(typed, transport=httpx.MockTransport(answer)) as client:
        client.jobs()
    assert client.base_url == meant
    assert asked == [f"{meant}/api/jobs?limit=20"]


# ------------------------------------------------------------- waiting through a hiccup


def _answers(*answers: Callable[[], httpx.Response]) -> Recorder:
    """A recorder that gives ``answers`` in turn, the last one for ever after."""
    queue = list(answers)
    return Recorder(lambda: (queue.pop(0) if len(queue) > 1 else queue[0])())


def _reset() -> httpx.Response:
    raise httpx.ReadError("Connection reset by peer")


JOB = VIEW.model_copy(update={"job_id": "job-1"})
FINISHED = JOB.model_copy(update={"status": JobStatus.completed, "progress": 100.0})
BUSY = refusal(503, "UNAVAILABLE", "the function behind /api/jobs/job-1 did not answer")


def test_wait_polls_on_through_a_few_5xx_and_dropped_connections():
    recorder = _answers(ok(JOB), BUSY, _reset, BUSY, ok(FINISHED))
    seen: list[str] = []
    with recorder.client() as client:
        job = client.wait("job-1", poll_seconds=0.001, on_progress=lambda j: seen.append(j.status))
    assert job.status is JobStatus.completed and len(recorder.requests) == 5
    assert seen == [JobStatus.running, JobStatus.completed]  # the misses are not reported


def test_wait_gives_up_after_five_misses_in_a_row_and_at_once_on_a_4xx():
    recorder = _answers(ok(JOB), *[BUSY] * 6, ok(FINISHED))
    with recorder.client() as client, pytest.raises(ServerError):
        client.wait("job-1", poll_seconds=0.001)
    assert len(recorder.requests) == 7  # one poll and six misses: the sixth is raised
    gone = _answers(ok(JOB), refusal(404, "NOT_FOUND", "job 'job-1' not found"))
    with gone.client() as client, pytest.raises(ClientError):
        client.wait("job-1", poll_seconds=0.001)
    assert len(gone.requests) == 2


def test_the_async_wait_polls_on_through_a_miss_too():
    recorder = _answers(ok(JOB), BUSY, ok(FINISHED))

    async def waited() -> JobView:
        async with recorder.async_client() as client:
            return await client.wait("job-1", poll_seconds=0.001)

    assert asyncio.run(waited()).status is JobStatus.completed
    assert len(recorder.requests) == 3
