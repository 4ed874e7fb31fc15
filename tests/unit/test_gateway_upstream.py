"""The local gateway when a function does not answer: a 503 in the one JSON error shape."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest
from werkzeug.test import Client

from vidcompare.devstack.gateway import Gateway


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def hangs_up() -> Iterator[tuple[int, list[int]]]:
    """A server that accepts each connection and closes it without an answer."""
    server = socket.create_server(("127.0.0.1", 0))
    accepted: list[int] = []

    def serve() -> None:
        while True:
            try:
                connection, _ = server.accept()
            except OSError:
                return
            accepted.append(1)
            connection.recv(65536)
            connection.close()

    threading.Thread(target=serve, daemon=True).start()
    yield server.getsockname()[1], accepted
    server.close()


def test_a_function_that_is_down_gets_a_json_503_with_retry_after():
    upstream = f"http://127.0.0.1:{_closed_port()}"
    gateway = Client(Gateway({"job_status": upstream, "start_batch": upstream}))
    answer = gateway.get("/api/jobs")
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "1"
    error = answer.get_json()["error"]
    assert error["code"] == "UNAVAILABLE"
    assert error["message"].startswith(
        "the function behind /api/jobs did not answer (ConnectError)"
    )


def test_a_hang_up_is_tried_once_more_without_a_body_and_never_with_one(hangs_up):
    port, accepted = hangs_up
    upstream = f"http://127.0.0.1:{port}"
    gateway = Client(Gateway({"job_status": upstream, "start_batch": upstream}))
    answer = gateway.get("/api/jobs")
    assert (
        answer.status_code == 503 and "RemoteProtocolError" in answer.get_json()["error"]["message"]
    )
    assert len(accepted) == 2  # a GET is replayed once
    accepted.clear()
    answer = gateway.post("/api/batch-compare-async", json={"video_ids": ["v"]})
    assert answer.status_code == 503
    assert len(accepted) == 1  # a body is never sent twice
