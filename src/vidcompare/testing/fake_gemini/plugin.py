"""The pytest fixtures: ``pytest_plugins = ["vidcompare.testing.fake_gemini.plugin"]`` in a
conftest gives its tests ``fake_gemini`` (and the session's ``fake_gemini_server``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from vidcompare.testing.fake_gemini.runner import FakeGemini


@pytest.fixture(scope="session")
def fake_gemini_server() -> Iterator[FakeGemini]:
    """One fake per session, in a thread of the test process."""
    with FakeGemini() as fake:
        yield fake


@pytest.fixture
def fake_gemini(fake_gemini_server: FakeGemini) -> FakeGemini:
    """The session's fake with this test's scripts, config and log; files uploaded by
    earlier tests live on, as the real Files API keeps them (48 h) while workers
    remember their handles."""
    fake_gemini_server.reset(keep_files=True)
    return fake_gemini_server
