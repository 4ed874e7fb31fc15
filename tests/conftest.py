"""Fixtures: one real local stack per test session (emulators + functions + gateway).

The stack runs on free ports in a temporary directory and is stopped at the end.
The test process itself talks to the same emulators through the real Google clients
(to look at documents, publish duplicate messages, observe the topic).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from vidcompare.devstack.stack import Stack, StackInfo, check_emulators_installed, free_port
from vidcompare.testing.synth import SceneSpec, make_video

if TYPE_CHECKING:
    from vidcompare.testing.fake_gemini import FakeGemini

# The fake Gemini server (vidcompare.testing.fake_gemini) and its fixtures.
pytest_plugins = ["vidcompare.testing.fake_gemini.plugin"]

TEST_ENV = {
    # Short leases so that crash-recovery paths are reachable in a test run.
    "VIDCOMPARE_LEASE_SECONDS": "10",
    # Messages held by a killed server come back after this (production: 600).
    "VIDCOMPARE_ACK_DEADLINE_S": "15",
    # A poison message fails its job after this many crashed deliveries (production: 5).
    "VIDCOMPARE_MAX_DELIVERIES": "3",
    # Fast backoff and Files API polling against the fake server.
    "VIDCOMPARE_GEMINI_BACKOFF_S": "0.05",
    "VIDCOMPARE_GEMINI_POLL_S": "0.05",
    # An upload whose worker was killed is taken over after this (production: 60 s).
    "VIDCOMPARE_UPLOAD_LEASE_S": "5",
    # A model missing from the cached Gemini catalogue is asked about after this (30 s).
    "VIDCOMPARE_CATALOGUE_RECHECK_S": "1",
    # One model no other test uses, under a tight quota: an Auto job's lanes shrink on it.
    "VIDCOMPARE_QUOTAS": '{"gemini-3.4-flash-lite": {"rpm": 30}}',
}


def pytest_configure(config: pytest.Config) -> None:
    """No test may touch the developer's own local stack: its default state directory
    (``~/.local/state/vidcompare``) becomes a scratch one for the whole run."""
    import tempfile

    os.environ["VIDCOMPARE_STATE_DIR"] = tempfile.mkdtemp(prefix="vidcompare-tests-")


@pytest.fixture(scope="session")
def local_stack(
    tmp_path_factory: pytest.TempPathFactory, fake_gemini_server: FakeGemini
) -> Iterator[Stack]:
    """The session's Stack itself (for tests that kill and restart its servers)."""
    check_emulators_installed()  # a clear message naming the gcloud components if missing
    state_dir = tmp_path_factory.mktemp("stack")
    # The functions reach "Gemini" through the SDK's own environment, as in production.
    env = TEST_ENV | fake_gemini_server.env()
    local = Stack(state_dir, gateway_port=free_port(), extra_env=env)
    info = local.start()
    saved = {key: os.environ.get(key) for key in info.env}
    os.environ.update(info.env)
    try:
        yield local
    finally:
        local.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture(scope="session")
def stack(local_stack: Stack) -> StackInfo:
    """Where the session's stack runs: base URL, ports, emulator environment."""
    assert local_stack.info is not None
    return local_stack.info


@pytest.fixture(scope="session")
def client(stack: StackInfo):
    from vidcompare.client import Client

    with Client(stack.base_url, timeout=120) as c:
        yield c


@pytest.fixture(scope="session")
def video_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two short synthetic videos with known cuts and colours."""
    folder = tmp_path_factory.mktemp("videos")
    red_blue = folder / "red-blue.mp4"
    make_video(
        red_blue,
        [SceneSpec((220, 30, 30), 1.0), SceneSpec((30, 30, 220), 1.0, motion=4.0)],
    )
    green = folder / "green-yellow-green.mp4"
    make_video(
        green,
        [
            SceneSpec((30, 200, 30), 0.75, tone_hz=220.0),
            SceneSpec((230, 220, 40), 0.75, tone_hz=660.0),
            SceneSpec((30, 200, 30), 0.5, tone_hz=None),
        ],
    )
    return {"red_blue": red_blue, "green": green}


@pytest.fixture(scope="session")
def videos(client, video_files: dict[str, Path]) -> dict[str, str]:
    """The two synthetic videos uploaded through the API: name -> video_id."""
    return {name: client.upload(path).video_id for name, path in video_files.items()}


@pytest.fixture
def unique() -> str:
    return uuid.uuid4().hex[:8]
