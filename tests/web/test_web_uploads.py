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
from playwright.sync_api import BrowserContext, Locator, Page, Request, Response, Route, expect
from screenshots import shot

from vidcompare.gcp import bucket
from vidcompare.testing.synth import padded_video

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
    sessions: list[Response] = field(default_factory=list)  # answers of POST /api/uploads
    puts: list[str] = field(default_factory=list)  # Content-Range of each session PUT
    lock: threading.Lock = field(default_factory=threading.Lock)

    def watch(self, page: Page) -> None:
        page.on("request", self._request)
        page.on("response", self._response)

    def _request(self, request: Request) -> None:
        with self.lock:
            if request.method == "PUT" and "upload_id=" in request.url:
                self.puts.append(request.headers.get("content-range", ""))
            elif request.url.endswith("/api/uploads"):
                self.events.append("start")
            elif request.url.endswith("/finalize"):
                self.events.append("finalize")

    def _response(self, answer: Response) -> None:
        with self.lock:
            if answer.url.endswith("/finalize"):
                self.events.append(f"finalized {answer.status}")
            elif answer.url.endswith("/api/uploads"):
                self.sessions.append(answer)

    def upload_ids(self) -> list[str]:
        return [answer.json()["upload_id"] for answer in self.sessions]


@pytest.fixture
def traffic(page: Page) -> Traffic:
    watched = Traffic()
    watched.watch(page)
    return watched


def row_of(page: Page, name: str) -> Locator:
    return page.locator("#uploads .upload").filter(
        has=page.locator(".upload-name", has_text=re.compile(f"^{re.escape(name)}$"))
    )


def history(page: Page, name: str) -> list[list[str]]:
    return page.evaluate("(name) => window.rowHistory[name] || []", name)


def test_two_files_upload_at_once_each_in_its_own_row(
    page: Page, api: httpx.Client, make_video, traffic: Traffic
) -> None:
    big, small = make_video("big-one.mp4", 20), make_video("small-one.mp4", 1)
    page.goto("/")
    page.evaluate(WATCH_ROWS)
    page.set_input_files("#file-input", [big, small])

    done = page.locator('#uploads .upload[data-state="done"]')
    expect(done).to_have_count(2, timeout=60_000)
    shot(page, "uploads-01-two-uploads-done")
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
                rf"^video {re.escape(video_id)} · [\d.]+ MB in [^(]+ "
                r"\([\d.]+ MB/s\) · 2\.0 s video$"
            )
        )
        # Uploaded videos are in the list, selected.
        expect(
            page.locator(f'#video-list label.pick.checked[data-video-id="{video_id}"]')
        ).to_be_visible()
    # The big one's row showed its progress: bytes of the size, percent, speed.
    states = history(page, big.name)
    shown = [detail for state, _, detail in states if state == "uploading"]
    assert any(
        re.fullmatch(r"[\d.]+ (KB|MB|B) of 20\.\d MB · \d+% · [\d.]+ MB/s", d) for d in shown
    ), states
    assert [s for s, _, _ in states][-2:] == ["finalizing", "done"], states


def test_an_upload_resumes_after_the_network_drops(
    page: Page, api: httpx.Client, make_video, traffic: Traffic
) -> None:
    path = make_video("resumed.mp4", 20)
    size = path.stat().st_size
    # Once the first chunk is in, the network fails three times: the second chunk and a
    # status query never arrive, another status query meets a 503; then all is well.
    failures = ["abort", "503", "abort"]

    def drop(route: Route) -> None:
        first_chunk = route.request.headers.get("content-range", "").startswith("bytes 0-")
        if first_chunk or not failures:
            route.fallback()
        elif failures.pop(0) == "abort":
            route.abort("internetdisconnected")
        else:
            route.fulfill(status=503, headers={"Access-Control-Allow-Origin": "*"})

    page.route(lambda url: "upload_id=" in url, drop)
    page.goto("/")
    page.evaluate(WATCH_ROWS)
    page.set_input_files("#file-input", [path])
    row = row_of(page, path.name)
    expect(row.locator(".upload-detail")).to_have_text(
        "the connection dropped; trying again in 4 s…", timeout=30_000
    )
    expect(row).to_have_attribute("data-state", "resuming")
    shot(page, "uploads-02-upload-resuming")
    expect(row).to_have_attribute("data-state", "done", timeout=60_000)
    shot(page, "uploads-03-upload-resumed-done")

    # It went on from where the session stood: the first chunk was never sent again.
    second = f"bytes {CHUNK}-{2 * CHUNK - 1}/{size}"
    assert traffic.puts == [
        f"bytes 0-{CHUNK - 1}/{size}",
        second,  # dropped
        f"bytes */{size}",  # dropped
        f"bytes */{size}",  # 503
        f"bytes */{size}",  # 308, Range: bytes=0-(CHUNK - 1)
        second,
        f"bytes {2 * CHUNK}-{size - 1}/{size}",
    ]
    seen = [(state, detail) for state, _, detail in history(page, path.name)]
    total = f"{size / 1024**2:.1f} MB"
    waits = [
        ("resuming", "the connection dropped; trying again in 1 s…"),
        ("resuming", "the storage service answered 503; trying again in 2 s…"),
        ("resuming", "the connection dropped; trying again in 4 s…"),
        ("resuming", f"resuming from 8.0 MB of {total} (39%)"),
    ]
    assert [entry for entry in seen if entry[0] == "resuming"] == waits, seen
    # The exact bytes: the stored video is the file.
    video_id = row.get_attribute("data-video-id")
    video = api.get(f"/api/videos/{video_id}").json()
    assert (video["size_bytes"], video["sha256"]) == (size, sha256(path))
    stored = bucket().blob(f"videos/{video_id}/resumed.mp4").download_as_bytes()
    assert hashlib.sha256(stored).hexdigest() == sha256(path)


def test_offline_then_online_resumes_at_once(
    page: Page,
    context: BrowserContext,
    api: httpx.Client,
    make_video,
    traffic: Traffic,
    storage_cors: bool,
) -> None:
    if not storage_cors:
        # The stand-in sends the session's requests from outside the browser: offline or not.
        pytest.skip("the storage emulator does not answer CORS yet (see conftest.storage_cors)")
    path = make_video("offline.mp4", 40)
    size = path.stat().st_size
    page.goto("/")
    page.set_input_files("#file-input", [path])
    row = row_of(page, path.name)
    detail = row.locator(".upload-detail")
    # The browser goes offline mid-way (somewhere after the first chunk) for a while.
    expect(detail).to_have_text(re.compile(r"^(8|9|[1-3]\d)\.\d MB of "), timeout=30_000)
    context.set_offline(True)
    expect(detail).to_have_text("the connection dropped; trying again in 8 s…", timeout=30_000)
    shot(page, "uploads-05-upload-offline")
    # Back online: the page does not sit out its 8 s, it asks the session at once (the
    # "resuming from" note can be too brief to see: the rest takes well under a second).
    context.set_offline(False)
    expect(row).to_have_attribute("data-state", "done", timeout=6_000)
    assert traffic.puts[0] == f"bytes 0-{CHUNK - 1}/{size}"
    assert traffic.puts.count(traffic.puts[0]) == 1  # resumed, never started over
    assert f"bytes */{size}" in traffic.puts
    video = api.get(f"/api/videos/{row.get_attribute('data-video-id')}").json()
    assert (video["size_bytes"], video["sha256"]) == (size, sha256(path))


def test_a_lost_session_starts_over_and_missing_bytes_are_sent(
    page: Page, api: httpx.Client, make_video, traffic: Traffic
) -> None:
    path = make_video("lost.mp4", 10)
    size = path.stat().st_size
    sessions: list[str] = []
    last_chunk = f"bytes {CHUNK}-{size - 1}/{size}"

    def interfere(route: Route) -> None:
        session = re.search(r"upload_id=([^&]+)", route.request.url)[1]  # type: ignore[index]
        if session not in sessions:
            sessions.append(session)
            # The first session is gone at once (expired, deleted): a 404.
            if len(sessions) == 1:
                route.fulfill(status=404, headers={"Access-Control-Allow-Origin": "*"})
                return
        # In the second, the last chunk "succeeds" without reaching the session.
        if route.request.headers.get("content-range") == last_chunk and len(traffic.puts) == 3:
            route.fulfill(status=200, headers={"Access-Control-Allow-Origin": "*"}, body="{}")
            return
        route.fallback()

    page.route(lambda url: "upload_id=" in url, interfere)
    page.goto("/")
    page.evaluate(WATCH_ROWS)
    page.set_input_files("#file-input", [path])
    row = row_of(page, path.name)
    expect(row).to_have_attribute("data-state", "done", timeout=60_000)

    assert traffic.events == [
        "start",
        "start",  # a new session after the 404
        "finalize",
        "finalized 409",  # the last chunk never arrived
        "finalize",
        "finalized 201",
    ]
    assert traffic.puts == [
        f"bytes 0-{CHUNK - 1}/{size}",  # 404: the session is gone
        f"bytes 0-{CHUNK - 1}/{size}",
        last_chunk,  # swallowed
        f"bytes */{size}",  # where does the session stand? 308, 0-(CHUNK - 1)
        last_chunk,
    ]
    states = [label for _, label, _ in history(page, path.name)]
    assert "starting over" in states, states
    # The video is the second session's, and its bytes are the file's.
    first, second = traffic.upload_ids()
    assert row.get_attribute("data-video-id") == second != first
    video = api.get(f"/api/videos/{second}").json()
    assert video["sha256"] == sha256(path)


def test_more_than_three_files_wait_for_a_free_slot(
    page: Page, make_video, traffic: Traffic
) -> None:
    paths = [make_video(f"queued-{n}.mp4", 0.3) for n in range(4)]
    page.goto("/")
    page.evaluate(WATCH_ROWS)
    page.set_input_files("#file-input", paths)
    expect(page.locator('#uploads .upload[data-state="done"]')).to_have_count(4, timeout=60_000)
    # Three started at once; the fourth only once one of them had finished.
    starts = [n for n, event in enumerate(traffic.events) if event == "start"]
    first_done = traffic.events.index("finalized 201")
    assert starts[:3] == [0, 1, 2] and starts[3] > first_done, traffic.events
    firsts = [history(page, path.name)[0][0] for path in paths]
    assert firsts == ["uploading", "uploading", "uploading", "waiting"]
    expect(page.locator("#uploads .upload .upload-name")).to_have_text([p.name for p in paths])


def test_a_png_named_mp4_shows_the_servers_refusal(
    page: Page, api: httpx.Client, tmp_path: Path
) -> None:
    picture = tmp_path / "holiday.mp4"
    picture.write_bytes(PNG)
    size = len(PNG)
    # What the server says about these bytes, asked directly.
    direct = api.post("/api/uploads", json={"filename": picture.name, "size_bytes": size})
    sent = httpx.put(
        direct.json()["upload_url"],
        content=PNG,
        headers={"Content-Range": f"bytes 0-{size - 1}/{size}"},
    )
    assert sent.status_code in (200, 201), sent.text
    refused = api.post(f"/api/uploads/{direct.json()['upload_id']}/finalize")
    assert refused.status_code == 415, refused.text
    message = refused.json()["error"]["message"]
    assert message.startswith("holiday.mp4: not a video we can decode")

    page.goto("/")
    with page.expect_response(lambda answer: answer.url.endswith("/api/uploads")) as started:
        page.set_input_files("#file-input", [picture])
    upload_id = started.value.json()["upload_id"]
    row = row_of(page, picture.name)
    expect(row).to_have_attribute("data-state", "failed", timeout=30_000)
    expect(row.locator(".upload-state")).to_have_text("failed")
    expect(row.locator(".upload-error")).to_have_text(message)
    shot(page, "uploads-04-png-refused")
    # Nothing of it is kept, and it is not in the list.
    assert [b.name for b in bucket().list_blobs(prefix=f"incoming/{upload_id}/")] == []
    assert [b.name for b in bucket().list_blobs(prefix=f"videos/{upload_id}/")] == []
    expect(page.locator("#video-list .pick-title", has_text="holiday.mp4")).to_have_count(0)
    # A finished row can be dismissed.
    row.get_by_role("button", name="Dismiss holiday.mp4").click()
    expect(row).to_have_count(0)


def test_bytes_already_uploaded_are_that_video(
    page: Page, videos: dict[str, str], video_files: dict[str, Path]
) -> None:
    page.goto("/")
    with page.expect_response(lambda answer: answer.url.endswith("/api/uploads")) as started:
        page.set_input_files("#file-input", [video_files["green"]])
    upload_id = started.value.json()["upload_id"]
    row = row_of(page, video_files["green"].name)
    expect(row).to_have_attribute("data-state", "done")
    expect(row.locator(".upload-state")).to_have_text("already uploaded")
    expect(row.locator(".upload-detail")).to_have_text(f"already uploaded as {videos['green']}")
    assert row.get_attribute("data-video-id") == videos["green"] != upload_id
    checked = page.locator("#video-list label.pick.checked")
    expect(checked).to_have_attribute("data-video-id", videos["green"])
    # The second copy was not kept.
    assert [b.name for b in bucket().list_blobs(prefix=f"incoming/{upload_id}/")] == []
    assert [b.name for b in bucket().list_blobs(prefix=f"videos/{upload_id}/")] == []
