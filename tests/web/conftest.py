"""The browser fixtures of the web tests: Debian's Chromium driven by Playwright, a fresh
profile per test pointed at the session's local stack, and a page that fails its test on
any script error."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect, sync_playwright

from vidcompare.devstack.stack import StackInfo

CHROMIUM = "/usr/bin/chromium"
# Two cores shared with the emulators and the functions: give the page time under load.
expect.set_options(timeout=15_000)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (Debian's Chromium)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
        )
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def storage_cors(stack: StackInfo) -> bool:
    """Whether the storage emulator answers a browser's preflight for an upload session,
    as Cloud Storage does for the origin the session names."""
    with httpx.Client(base_url=stack.base_url, timeout=30) as http:
        body = {"filename": "probe.mp4", "size_bytes": 1, "origin": stack.base_url}
        session = http.post("/api/uploads", json=body)
    session.raise_for_status()
    preflight = httpx.options(
        session.json()["upload_url"],
        headers={
            "Origin": stack.base_url,
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "content-range",
        },
    )
    return "access-control-allow-origin" in preflight.headers


def _with_cors(route: Route) -> None:
    """The session's answer, sent from Playwright, with the CORS headers it lacks."""
    answer = route.fetch()
    headers = answer.headers | {
        "access-control-allow-origin": "*",
        "access-control-expose-headers": "Range",
    }
    route.fulfill(response=answer, headers=headers)


@pytest.fixture
def context(browser: Browser, stack: StackInfo, storage_cors: bool) -> Iterator[BrowserContext]:
    """A fresh browser profile (empty localStorage) pointed at the gateway."""
    ctx = browser.new_context(base_url=stack.base_url, viewport={"width": 1280, "height": 900})
    ctx.set_default_timeout(20_000)
    if not storage_cors:
        # TEMPORARY stand-in until the storage emulator does CORS for sessions (#15, being
        # built on wt-storage): without it the browser may not read the emulator's answers.
        ctx.route(lambda url: "upload_id=" in url, _with_cors)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.on(
        "console",
        lambda msg: problems.append(f"console: {msg.text}") if msg.type == "error" else None,
    )
    page.problems = problems  # type: ignore[attr-defined]
    yield page
    # A script error or a failed load is a bug of the page (401/404/415 answers the tests
    # provoke show up as failed resources in the console; those are expected).
    unexpected = [p for p in problems if "Failed to load resource" not in p]
    assert not unexpected, unexpected


@pytest.fixture
def api(stack: StackInfo) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.base_url, timeout=60) as http:
        yield http
