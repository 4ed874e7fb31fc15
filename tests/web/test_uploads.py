"""The web page's uploads, in Chromium on the real stack: each file a resumable upload
straight to the storage emulator's session (POST /api/uploads, chunked PUTs, finalize),
several at once, resumed after the network drops, the server's own error in the row.

The network drop is real from the page's side: Playwright aborts the session's requests
(the XMLHttpRequest sees a network error) for a while, then lets them through again.
Screenshots go to ``/tmp/web15/``.
"""

from __future__ import annotations

import hashlib
import random
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Locator, Page, Request, Route, expect

from vidcompare.gcp import bucket
from vidcompare.testing.synth import padded_video

SCREENSHOTS = Path("/tmp/web15")
CHUNK = 8 * 1024 * 1024  # the session's chunk_bytes
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(256)) * 16

# Records, in the page, every state and text each upload row shows: the states pass too
# quickly on a local stack to be caught by polling.
WATCH_ROWS = """() => {
  window.rowHistory = {};
  const note = (row) => {
    const name = row.querySelector(".upload-name").textContent;
    const seen = (window.rowHistory[name] ||= []);
    const detail = row.querySelector(".upload-detail, .upload-error");
    const entry = [row.dataset.state, row.querySelector(".upload-state").textContent,
                   detail ? detail.textContent : ""];
    const last = seen[seen.length - 1];
    if (!last || last.join("|") !== entry.join("|")) seen.push(entry);
  };
  new MutationObserver(() => document.querySelectorAll("#uploads .upload").forEach(note))
    .observe(document.getElementById("uploads"),
             {subtree: true, childList: true, characterData: true, attributes: true});
}"""


def shot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def make_video(tmp_path: Path, video_files: dict[str, Path]):
    """A real video padded to about ``mib`` MiB, a size (so bytes) no other test uses."""

    def make(name: str, mib: float) -> Path:
        path = tmp_path / name
        size = int(mib * 1024 * 1024) + random.randrange(1, 256 * 1024)
        padded_video(video_files["red_blue"], path, size=size)
        return path

    return make


@dataclass
class Traffic:
    """What the page sent: API calls in order, and every PUT to an upload session."""

    events: list[str] = field(default_factory=list)
    puts: list[str] = field(default_factory=list)  # Content-Range of each session PUT
    lock: threading.Lock = field(default_factory=threading.Lock)

    def watch(self, page: Page) -> None:
        page.on("request", self._request)
        page.on("response", lambda answer: self._response(answer.request, answer.status))

    def _request(self, request: Request) -> None:
        with self.lock:
            if request.method == "PUT" and "upload_id=" in request.url:
                self.puts.append(request.headers.get("content-range", ""))
            elif request.url.endswith("/api/uploads"):
                self.events.append("start")
            elif request.url.endswith("/finalize"):
                self.events.append("finalize")

    def _response(self, request: Request, status: int) -> None:
        with self.lock:
            if request.url.endswith("/finalize"):
                self.events.append(f"finalized {status}")


def row_of(page: Page, name: str) -> Locator:
    return page.locator("#uploads .upload").filter(
        has=page.locator(".upload-name", has_text=re.compile(f"^{re.escape(name)}$"))
    )


def history(page: Page, name: str) -> list[list[str]]:
    return page.evaluate("(name) => window.rowHistory[name] || []", name)


def test_two_files_upload_at_once_each_in_its_own_row(
    page: Page, api: httpx.Client, make_video
) -> None:
    big, small = make_video("big-one.mp4", 20), make_video("small-one.mp4", 1)
    traffic = Traffic()
    traffic.watch(page)
    page.goto("/")
    page.evaluate(WATCH_ROWS)
    page.set_input_files("#file-input", [big, small])

    done = page.locator('#uploads .upload[data-state="done"]')
    expect(done).to_have_count(2, timeout=60_000)
    shot(page, "01-two-uploads-done")
    # Both sessions were opened before either upload was finalized: they ran at once.
    assert traffic.events[:2] == ["start", "start"], traffic.events
    # The big file went in the session's chunks, each range right after the last.
    size = big.stat().st_size
    assert [r for r in traffic.puts if r.endswith(f"/{size}")] == [
        f"bytes 0-{CHUNK - 1}/{size}",
        f"bytes {CHUNK}-{2 * CHUNK - 1}/{size}",
        f"bytes {2 * CHUNK}-{size - 1}/{size}",
    ]
    for path in (big, small):
        row = row_of(page, path.name)
        video_id = row.get_attribute("data-video-id")
        assert video_id, path.name
        video = api.get(f"/api/videos/{video_id}").json()
        assert (video["filename"], video["size_bytes"]) == (path.name, path.stat().st_size)
        assert video["sha256"] == sha256(path)
        expect(row.locator(".upload-state")).to_have_text("uploaded")
        expect(row.locator(".upload-detail")).to_have_text(
            re.compile(
                rf"^video {re.escape(video_id)} · [\d.]+ MB in [^(]+ \([\d.]+ MB/s\) · 2\.0 s video$"
            )
        )
        # Uploaded videos are in the list, selected.
        expect(page.locator(f'#video-list label.pick.checked[data-video-id="{video_id}"]')).to_be_visible()
    # The big one's row showed its progress: bytes of the size, percent, speed.
    states = history(page, big.name)
    shown = [detail for state, _, detail in states if state == "uploading"]
    assert any(
        re.fullmatch(r"[\d.]+ (KB|MB|B) of 20\.\d MB · \d+% · [\d.]+ MB/s", d) for d in shown
    ), states
    assert [s for s, _, _ in states][-2:] == ["finalizing", "done"], states
