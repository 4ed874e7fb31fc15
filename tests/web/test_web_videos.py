"""The video list in Chromium on the real stack: a thumbnail per row (fetched with the
page's headers, only for rows in view), rename in place, delete after a confirm (refused
while a job uses the video), and a failed upload's row dismissed.

Screenshots go to ``test-output/screenshots/videos-*.png``.
"""

from __future__ import annotations

import random
from pathlib import Path

import httpx
import pytest
import screenshots
from playwright.sync_api import Page, expect

from vidcompare.testing.synth import padded_video

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(256)) * 16


def shot(page: Page, name: str, *, full_page: bool = False) -> None:
    screenshots.shot(page, f"videos-{name}", full_page=full_page)


@pytest.fixture
def upload(api: httpx.Client, tmp_path: Path, video_files: dict[str, Path]):
    """Upload a video no other test has (bytes of its own) under ``name``: its id."""

    def send(name: str, source: str = "red_blue") -> str:
        path = tmp_path / f"{random.randrange(10**9)}.mp4"
        padded_video(video_files[source], path, size=64 * 1024 + random.randrange(1, 10**6))
        answer = api.post("/api/videos", params={"filename": name}, content=path.read_bytes())
        assert answer.status_code == 201, answer.text
        return answer.json()["video_id"]

    return send


def video_row(page: Page, video_id: str):
    return page.locator(f'#video-list li.video-row[data-video-id="{video_id}"]')


def natural_width(row) -> int:
    return row.locator(".thumb img").evaluate("img => img.naturalWidth")


def test_each_row_shows_its_thumbnail_fetched_only_when_in_view(page: Page, upload) -> None:
    ids = [upload(f"clip {n:02d}.mp4", "green" if n % 2 else "red_blue") for n in range(12)]
    asked: list[str] = []
    page.on(
        "request",
        lambda request: asked.append(request.url) if request.url.endswith("/thumbnail") else None,
    )
    page.goto("/")
    newest, oldest = video_row(page, ids[-1]), video_row(page, ids[0])
    expect(newest.locator(".thumb")).to_have_attribute("data-state", "loaded")
    assert natural_width(newest) == 160
    # The list scrolls: the rows below it are not asked for yet, and show the placeholder.
    expect(oldest.locator(".thumb")).to_have_attribute("data-state", "loading")
    assert not any(ids[0] in url for url in asked)
    assert len(asked) < len(page.locator("#video-list li").all())
    shot(page, "list")
    # Other tests' videos may be older still: scroll to this one, wherever it is.
    oldest.scroll_into_view_if_needed()
    expect(oldest.locator(".thumb")).to_have_attribute("data-state", "loaded")
    assert natural_width(oldest) == 160
    # A picture, not a blank: the top-left pixel is the video's colour (red or green).
    colour = oldest.locator(".thumb img").evaluate(
        """img => { const c = document.createElement('canvas'); c.width = img.naturalWidth;
                    c.height = img.naturalHeight; const g = c.getContext('2d');
                    g.drawImage(img, 0, 0); return Array.from(g.getImageData(4, 4, 1, 1).data); }"""
    )
    assert colour[0] > 150 and colour[1] < 90, colour  # the first (red) scene
    assert oldest.locator(".thumb img").get_attribute("src").startswith("blob:")
    shot(page, "list-scrolled")


def test_a_thumbnail_that_fails_keeps_the_placeholder(page: Page, upload) -> None:
    video_id = upload("broken thumb.mp4")
    page.route("**/thumbnail", lambda route: route.fulfill(status=503, body="{}"))
    page.goto("/")
    expect(video_row(page, video_id).locator(".thumb")).to_have_attribute("data-state", "failed")
    assert natural_width(video_row(page, video_id)) == 0


def test_a_video_is_renamed_in_place(page: Page, api: httpx.Client, upload) -> None:
    video_id = upload("before rename.mp4")
    page.goto("/")
    row = video_row(page, video_id)
    # Esc cancels: nothing is sent, the name stays.
    row.get_by_role("button", name="Rename before rename.mp4").click()
    field = row.get_by_role("textbox", name="New name for before rename.mp4")
    expect(field).to_be_focused()
    expect(field).to_have_value("before rename.mp4")
    field.fill("never saved.mp4")
    field.press("Escape")
    expect(row.locator(".pick-title")).to_have_text("before rename.mp4")
    expect(row.get_by_role("button", name="Rename before rename.mp4")).to_be_focused()
    assert api.get(f"/api/videos/{video_id}").json()["filename"] == "before rename.mp4"
    # An empty name: the server's refusal under the field, which stays open.
    row.get_by_role("button", name="Rename before rename.mp4").click()
    field.fill("   ")
    field.press("Enter")
    expect(row.locator(".rename-error")).to_contain_text("filename")
    expect(field).to_be_visible()
    # Enter saves.
    field.fill("Holiday at the sea.mp4")
    shot(page, "rename")
    field.press("Enter")
    expect(row.locator(".pick-title")).to_have_text("Holiday at the sea.mp4")
    expect(row.get_by_role("button", name="Rename Holiday at the sea.mp4")).to_be_focused()
    assert api.get(f"/api/videos/{video_id}").json()["filename"] == "Holiday at the sea.mp4"
    # The row stays ticked as it was, and the thumbnail is still there.
    expect(row.locator(".thumb")).to_have_attribute("data-state", "loaded")


def test_a_video_is_deleted_after_a_confirm(page: Page, api: httpx.Client, upload) -> None:
    video_id = upload("to delete.mp4")
    page.goto("/")
    row = video_row(page, video_id)
    row.locator("label.pick").click()  # ticked: a delete unticks it too
    expect(row.locator("label.pick")).to_have_class("pick checked")
    row.get_by_role("button", name="Delete to delete.mp4").click()
    dialog = page.get_by_role("dialog", name="Delete this video?")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(f"to delete.mp4 ({video_id})")
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    shot(page, "delete-dialog")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    assert api.get(f"/api/videos/{video_id}").status_code == 200
    row.get_by_role("button", name="Delete to delete.mp4").click()
    dialog.get_by_role("button", name="Delete video").click()
    expect(dialog).to_be_hidden()
    expect(row).to_have_count(0)
    assert api.get(f"/api/videos/{video_id}").status_code == 404
    expect(page.locator("#video-count")).to_be_focused()
    shot(page, "deleted")


def test_a_video_a_job_uses_is_not_deleted_and_the_dialog_says_why(
    page: Page, api: httpx.Client, upload, fake_gemini
) -> None:
    video_id = upload("in use.mp4")
    fake_gemini.script("gemini-3.6-flash", latency_ms=6000)
    body = {
        "video_ids": [video_id],
        "prompts": ["Describe."],
        "models": ["gemini-3.6-flash"],
        "judge_model": "local-rubric",
    }
    job_id = api.post("/api/batch-compare-async", json=body).json()["job_id"]
    page.goto("/")
    row = video_row(page, video_id)
    row.get_by_role("button", name="Delete in use.mp4").click()
    dialog = page.get_by_role("dialog", name="Delete this video?")
    dialog.get_by_role("button", name="Delete video").click()
    error = dialog.get_by_role("alert")
    expect(error).to_contain_text(f"in use by job {job_id}")
    expect(dialog).to_be_visible()
    shot(page, "in-use")
    dialog.get_by_role("button", name="Cancel").click()
    expect(row).to_have_count(1)
    assert api.get(f"/api/videos/{video_id}").status_code == 200
    api.post(f"/api/jobs/{job_id}/cancel")


def test_a_failed_upload_row_is_dismissed(page: Page, tmp_path: Path) -> None:
    picture = tmp_path / "not a video.mp4"
    picture.write_bytes(PNG)
    page.goto("/")
    page.set_input_files("#file-input", [picture])
    row = page.locator("#uploads .upload", has_text="not a video.mp4")
    expect(row).to_have_attribute("data-state", "failed", timeout=30_000)
    dismiss = row.get_by_role("button", name="Dismiss not a video.mp4")
    expect(dismiss).to_have_text("×")
    shot(page, "failed-upload")
    dismiss.click()
    expect(row).to_have_count(0)
    expect(page.locator("#file-input")).to_be_focused()


def test_the_list_on_a_phone(page: Page, upload) -> None:
    video_id = upload("a rather long name for a phone screen, to see it cut.mp4")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/")
    row = video_row(page, video_id)
    expect(row.locator(".thumb")).to_have_attribute("data-state", "loaded")
    # Both buttons inside the screen, and inside the row.
    for name in ("Rename", "Delete"):
        box = row.get_by_role("button", name=f"{name} a rather long name").bounding_box()
        assert box is not None and box["x"] + box["width"] <= 390
    row.scroll_into_view_if_needed()
    shot(page, "phone")
