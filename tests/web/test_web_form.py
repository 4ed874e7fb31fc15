"""The page's form and job history, in Chromium on the real stack: what a user saw go wrong
(ticks lost on reload, Run on while the form cannot run, 0-based field paths, the error out
of view, phone tables, a faint focus ring, a silent progress bar), and the history (a job's
name, "Run again", a confirmed cancel, deep links). Screenshots go to
``test-output/screenshots/form-*.png``.
"""

from __future__ import annotations

import json
import re
import time

import httpx
import pytest
import screenshots
from playwright.sync_api import Page, Route, expect
from test_web import OFFLINE, SLOW_MODEL, choose_models, select_videos, set_prompts, wait_for_status

LONG_PROMPT = "Describe the video. " * 125  # 2,499 characters once trimmed; the server takes 2,000
PHONE = {"width": 390, "height": 844}

# The focused element's ring (a visually hidden input's is drawn on what stands for it: the
# switch's track, the drop zone) and the colour it is drawn on: the first ancestor with a
# background.
FOCUS_RING = """() => {
  const el = document.activeElement;
  const drawn = el.matches(".switch input") ? el.nextElementSibling
    : el.matches(".dropzone input") ? el.closest(".dropzone") : el;
  let under = drawn.parentElement;
  while (under && getComputedStyle(under).backgroundColor === "rgba(0, 0, 0, 0)") {
    under = under.parentElement;
  }
  const style = getComputedStyle(drawn);
  return {
    what: el.id || el.getAttribute("aria-label") || el.value || el.textContent.trim(),
    color: style.outlineColor,
    style: style.outlineStyle,
    width: parseFloat(style.outlineWidth),
    back: under ? getComputedStyle(under).backgroundColor : "rgb(255, 255, 255)",
    visible: el.matches(":focus-visible"),
  };
}"""

# Every text the live region takes, as it takes it.
WATCH_LIVE = """() => {
  window.said = [];
  const live = document.getElementById("progress-live");
  const say = () => window.said.push(live.textContent.replace(/\\s+/g, " ").trim());
  new MutationObserver(say).observe(live, { subtree: true, childList: true, characterData: true });
}"""


def shot(page: Page, name: str, *, full_page: bool = True) -> None:
    screenshots.shot(page, f"form-{name}", full_page=full_page)


def open_form(page: Page, address: str = "/") -> None:
    """The page, once its model list is in (a choice made before would be overwritten)."""
    page.goto(address)
    expect(page.locator("#model-list input").first).to_be_attached()


def start_job(api: httpx.Client, videos: dict[str, str], **extra: object) -> str:
    body = {
        "video_ids": list(videos.values()),
        "prompts": ["How long is it?", "When are the scene cuts?"],
        "models": list(OFFLINE),
        "judge_model": "local-rubric",
    } | extra
    started = api.post("/api/batch-compare-async", json=body)
    assert started.status_code == 202, started.text
    return started.json()["job_id"]


def relative_luminance(rgb: tuple[float, float, float]) -> float:
    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG contrast of two computed colours ("rgb(79, 70, 229)")."""
    lums = sorted(
        (relative_luminance(tuple(float(x) for x in re.findall(r"[\d.]+", c)[:3])) for c in (a, b)),
        reverse=True,
    )
    return (lums[0] + 0.05) / (lums[1] + 0.05)


# --------------------------------------------------------------------------- fixes


def test_a_reload_keeps_the_chosen_videos_with_the_prompts(
    page: Page, videos: dict[str, str]
) -> None:
    page.goto("/")
    select_videos(page, list(videos.values()))
    set_prompts(page, ["How long is it?", "When are the scene cuts?"])
    run = page.locator("#run-button")
    expect(run).to_have_text("Run 2 × 2 = 4 Comparisons")
    page.reload()
    expect(run).to_have_text("Run 2 × 2 = 4 Comparisons")
    for video_id in videos.values():
        expect(page.locator(f'#video-list input[value="{video_id}"]')).to_be_checked()
    # An id the server no longer lists (deleted meanwhile) is dropped, not counted.
    page.evaluate(
        """() => {
          const form = JSON.parse(localStorage.getItem("vidcompare.form"));
          form.videos.push("gone-video-id");
          localStorage.setItem("vidcompare.form", JSON.stringify(form));
        }"""
    )
    page.reload()
    expect(run).to_have_text("Run 2 × 2 = 4 Comparisons")
    expect(page.locator("#video-count")).to_contain_text("· 2 selected")
    saved = page.evaluate("JSON.parse(localStorage.getItem('vidcompare.form')).videos")
    assert sorted(saved) == sorted(videos.values())


def test_run_is_off_with_its_reason_and_the_server_names_fields_as_the_form(
    page: Page, api: httpx.Client, videos: dict[str, str]
) -> None:
    open_form(page)
    run = page.locator("#run-button")
    reason = page.locator("#run-reason")
    expect(run).to_be_disabled()
    expect(run).to_have_attribute("aria-describedby", "run-reason")
    expect(reason).to_have_text("Select at least one video.")
    select_videos(page, [videos["green"]])
    choose_models(page, ["local-scenes"], "local-rubric")

    # The form's own rule: the same prompt twice.
    set_prompts(page, ["How long is it?", "How long is it?"])
    expect(reason).to_have_text("Prompt 2 is the same as prompt 1.")
    areas = page.locator("#prompt-list textarea")
    expect(areas.nth(1)).to_have_attribute("aria-invalid", "true")
    expect(areas.nth(0)).not_to_have_attribute("aria-invalid", "true")
    # Run is off but keeps its place in the tab order; pressing it goes to the field.
    run.focus()
    page.keyboard.press("Enter")
    expect(areas.nth(1)).to_be_focused()

    # The server's rule (its dry run): prompts[1] among the prompts sent is the form's
    # third, since the second is blank and is not sent.
    set_prompts(page, ["How long is it?", "", LONG_PROMPT])
    refused = api.post(
        "/api/batch-compare-async",
        json={
            "video_ids": [videos["green"]],
            "prompts": ["How long is it?", LONG_PROMPT],
            "models": ["local-scenes"],
            "judge_model": "local-rubric",
            "dry_run": True,
        },
    ).json()["error"]
    assert refused["details"][0]["field"] == "prompts[1]"
    expect(reason).to_have_text(refused["message"].replace("prompts[1]", "Prompt 3"))
    expect(run).to_be_disabled()
    expect(areas.nth(2)).to_have_attribute("aria-invalid", "true")
    expect(areas.nth(1)).not_to_have_attribute("aria-invalid", "true")
    expect(page.locator("#estimate")).to_have_text("")  # said once, next to Run
    page.locator(".run-bar").scroll_into_view_if_needed()
    shot(page, "run-disabled", full_page=False)
    screenshots.shot_of(page.locator(".run-bar"), "form-run-disabled-bar")

    # Fixed: the mark goes and Run is on.
    areas.nth(2).fill("Which colours dominate?")
    expect(run).to_be_enabled()
    expect(reason).to_be_hidden()
    expect(areas.nth(2)).not_to_have_attribute("aria-invalid", "true")


def test_every_field_path_is_said_as_the_form_says_it(page: Page, videos: dict[str, str]) -> None:
    open_form(page)
    select_videos(page, [videos["green"], videos["red_blue"]])
    set_prompts(page, ["", "First", "Second"])
    choose_models(page, list(OFFLINE), "local-rubric")
    expect(page.locator("#run-button")).to_be_enabled()
    names = page.evaluate(
        """async () => {
          const { explain, formMap } = await import("./static/js/fields.js");
          const map = formMap();
          return [map.videoIds, [
            "prompts[0]: is empty",
            "prompts[1]: duplicate of prompts[0] ('x')",
            "video_ids[1]: unknown video",
            "models[1]: not offered; judge_model: unknown; concurrency: must be at most 8",
            "name: at most 120 characters; prompts: must not be empty",
            "pairs[2].prompt: is empty; pairs[0].video_id: unknown; pairs[4]: duplicate",
          ].map((m) => explain(m, map))];
        }"""
    )
    video_ids, said = names
    files = {videos["green"]: "green-yellow-green.mp4", videos["red_blue"]: "red-blue.mp4"}
    assert said == [
        "Prompt 2: is empty",
        "Prompt 3: duplicate of Prompt 2 ('x')",
        f"Video “{files[video_ids[1]]}”: unknown video",
        f"Model {OFFLINE[list(OFFLINE)[1]]}: not offered; Judge: unknown; "
        "Parallel lanes: must be at most 8",
        "Job name: at most 120 characters; Prompts: must not be empty",
        "Pair 3's prompt: is empty; Pair 1's video: unknown; Pair 5: duplicate",
    ]


def test_an_error_on_run_is_brought_into_view_and_focused(
    page: Page, videos: dict[str, str]
) -> None:
    # The dry runs cannot reach the server, so Run is on; the server refuses Run itself.
    def no_dry_runs(route: Route) -> None:
        body = route.request.post_data or ""
        if route.request.method == "POST" and json.loads(body or "{}").get("dry_run"):
            route.abort()
        else:
            route.continue_()

    page.route("**/api/batch-compare-async", no_dry_runs)
    open_form(page)
    select_videos(page, [videos["green"]])
    choose_models(page, ["local-scenes"], "local-rubric")
    set_prompts(page, ["How long is it?", LONG_PROMPT])
    expect(page.locator("#estimate")).to_contain_text("Cannot reach the server")
    run = page.locator("#run-button")
    expect(run).to_be_enabled()
    run.scroll_into_view_if_needed()
    page.set_viewport_size({"width": 1280, "height": 600})  # the banner is far above
    run.click()
    banner = page.locator("#error-banner")
    expect(banner).to_be_focused()
    expect(banner).to_be_in_viewport()
    expect(page.locator("#error-text")).to_have_text(
        re.compile(r"^Prompt 2: prompt is 2499 characters; at most 2000$")
    )
    expect(page.locator("#prompt-list textarea").nth(1)).to_have_attribute("aria-invalid", "true")
    assert "?job=" not in page.url
    shot(page, "run-error-focused", full_page=False)


def test_jobs_and_leaderboard_are_usable_on_a_phone(
    page: Page, api: httpx.Client, videos: dict[str, str], fake_gemini
) -> None:
    job_id = start_job(api, videos, name="Phone check: a name long enough to wrap on a phone")
    wait_for_status(api, job_id, "completed")
    fake_gemini.script(SLOW_MODEL, latency_ms=3000)
    running = start_job(api, videos, models=[SLOW_MODEL])  # a row with a Cancel button
    page.set_viewport_size(PHONE)
    page.goto(f"/?job={job_id}")
    expect(page.locator("#job-status")).to_have_text("completed")
    expect(page.locator("#leaderboard tbody tr")).to_have_count(2)
    row = page.locator(f'#jobs-table tr[data-job-id="{job_id}"]')
    expect(row.locator(".job-name")).to_have_text(
        "Phone check: a name long enough to wrap on a phone"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    controls = page.locator(
        "#jobs-table button:visible, #jobs-table a:visible, #leaderboard td:visible"
    )
    assert controls.count() >= 8
    for control in controls.all():
        box = control.bounding_box()
        assert box is not None
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (
            control.inner_text(),
            box,
        )
    expect(page.locator("#jobs-table .job-cancel:visible").first).to_be_visible()
    # Each value says what it is, the header row being out of sight.
    score = page.locator('#leaderboard td[data-label="Score"]').first
    label = score.evaluate("td => getComputedStyle(td, '::before').content")
    assert label == '"Score"'
    shot(page, "phone-390")
    screenshots.shot_of(page.locator("#jobs"), "form-phone-390-jobs")
    api.post(f"/api/jobs/{running}/cancel")


def test_the_focus_ring_stands_out_from_what_it_is_on(page: Page) -> None:
    page.goto("/")
    expect(page.locator("#model-list input").first).to_be_attached()
    seen: dict[str, float] = {}
    page.locator("#batch-mode").focus()
    for _ in range(150):  # every stop of the form, up to Run
        page.keyboard.press("Tab")
        ring = page.evaluate(FOCUS_RING)
        assert ring["visible"], ring
        assert ring["style"] == "solid" and ring["width"] >= 2, ring
        seen[ring["what"]] = contrast(ring["color"], ring["back"])
        if ring["what"] == "run-button":
            break
    assert {"run-button", "concurrency", "judge-select", "job-name"} <= set(seen), seen
    faint = {what: ratio for what, ratio in seen.items() if ratio < 3}
    assert not faint, faint
    page.locator("#run-button").focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    expect(page.locator("#run-button")).to_be_focused()
    screenshots.shot_of(page.locator(".run-bar"), "form-focus-ring")


def test_the_progress_bar_is_named_and_says_each_change_once(
    page: Page, api: httpx.Client, videos: dict[str, str], fake_gemini
) -> None:
    # 3 s a call, polled every 2 s: most polls bring nothing new, and must say nothing.
    fake_gemini.script(SLOW_MODEL, latency_ms=3000)
    job_id = start_job(
        api, {"green": videos["green"]}, models=[SLOW_MODEL], prompts=["A?", "B?", "C?"]
    )
    page.goto(f"/?job={job_id}")
    bar = page.get_by_role("progressbar", name="Job progress")
    expect(bar).to_be_visible()
    live = page.locator("#progress-live")
    expect(live).to_have_attribute("aria-live", "polite")
    expect(live).to_contain_text(re.compile(r"\d+%"))
    page.evaluate(WATCH_LIVE)
    expect(page.locator("#job-status")).to_have_text("completed", timeout=60_000)
    said: list[str] = page.evaluate("window.said")
    # Each write changes what is said (a write of the same text is said again).
    assert said, said
    repeated = [a for a, b in zip(said, said[1:], strict=False) if a == b]
    assert not repeated, said
    assert said[-1].startswith("100%"), said
    expect(bar).to_have_attribute("aria-valuetext", "100%, 3 of 3 combinations done (completed)")


# --------------------------------------------------------------------------- history


def test_a_named_job_is_run_again_through_the_form(
    page: Page, api: httpx.Client, videos: dict[str, str]
) -> None:
    open_form(page)
    select_videos(page, [videos["red_blue"]])
    set_prompts(page, ["How long is it?", "When are the scene cuts?"])
    choose_models(page, ["local-scenes"], "local-rubric")
    page.fill("#job-name", "Colours, take 1")
    page.fill("#concurrency", "2")
    expect(page.locator("#run-button")).to_be_enabled()
    page.click("#run-button")
    expect(page).to_have_url(re.compile(r"\?job="))
    expect(page.locator("#job-name-title")).to_have_text("Colours, take 1 ·")
    job_id = re.search(r"job=([^&]+)", page.url)[1]  # type: ignore[index]
    assert api.get(f"/api/jobs/{job_id}").json()["name"] == "Colours, take 1"
    row = page.locator(f'#jobs-table tr[data-job-id="{job_id}"]')
    expect(row.locator(".job-name")).to_have_text("Colours, take 1")

    # Another form, then "Run again" on the job: its request is back, to edit.
    select_videos(page, [videos["green"]])
    set_prompts(page, ["Something else", "And more"])
    page.fill("#job-name", "")
    row.locator(".job-again").click()
    request = api.get(f"/api/jobs/{job_id}/request").json()
    expect(page.locator("#job-name")).to_have_value("Colours, take 1 (again)")
    expect(page.locator("#job-name")).to_be_focused()
    expect(page.locator("#again-note")).to_contain_text(f"Loaded from job {job_id[:12]}")
    checked = page.locator("#video-list input:checked")
    expect(checked).to_have_count(1)
    assert [c.get_attribute("value") for c in checked.all()] == request["video_ids"]
    assert [a.input_value() for a in page.locator("#prompt-list textarea").all()] == request[
        "prompts"
    ]
    assert request["models"] == ["local-scenes"]
    expect(page.locator("#model-list input:checked")).to_have_count(1)
    expect(page.locator('#model-list input[value="local-scenes"]')).to_be_checked()
    expect(page.locator("#judge-select")).to_have_value("local-rubric")
    expect(page.locator("#concurrency")).to_have_value("2")
    shot(page, "run-again")
    # Edited (a third prompt) and run: a new job with the new name.
    prompts = [*request["prompts"], "Which colours dominate?"]
    set_prompts(page, prompts)
    expect(page.locator("#run-button")).to_have_text("Run 1 × 3 = 3 Comparisons")
    page.click("#run-button")
    expect(page).not_to_have_url(re.compile(rf"job={job_id}"))
    again_id = re.search(r"job=([^&]+)", page.url)[1]  # type: ignore[index]
    again = api.get(f"/api/jobs/{again_id}/request").json()
    assert again["name"] == "Colours, take 1 (again)"
    assert again["prompts"] == prompts
    assert again["concurrency"] == 2
    expect(page.locator("#again-note")).to_be_hidden()


def test_a_pairs_job_comes_back_as_its_pairs(
    page: Page, api: httpx.Client, videos: dict[str, str]
) -> None:
    pairs = [
        {"video_id": videos["green"], "prompt": "How many cuts?"},
        {"video_id": videos["red_blue"], "prompt": "What colours?"},
    ]
    started = api.post(
        "/api/batch-compare-async",
        json={"pairs": pairs, "models": ["local-scenes"], "judge_swaps": 2, "name": "Pairs"},
    )
    assert started.status_code == 202, started.text
    job_id = started.json()["job_id"]
    page.goto(f"/?job={job_id}")
    expect(page.locator("#job-again")).to_be_visible()
    page.click("#job-again")
    step = page.locator("#step-pairs")
    expect(step).to_be_visible()
    expect(page.locator("#step-videos")).to_be_hidden()
    expect(step.locator(".pair-video")).to_have_text(["green-yellow-green.mp4", "red-blue.mp4"])
    expect(step.locator("textarea")).to_have_count(2)
    expect(page.locator("#run-button")).to_have_text("Run 2 pairs")
    shot(page, "run-again-pairs")
    # A pair whose prompt is emptied is not sent; removed, it goes.
    step.locator("textarea").nth(1).fill("")
    expect(page.locator("#run-button")).to_have_text("Run 1 pair")
    step.get_by_role("button", name="Remove pair 2").click()
    step.locator("textarea").nth(0).fill("How many scene cuts?")
    page.click("#run-button")
    expect(page).not_to_have_url(re.compile(rf"job={job_id}"))
    again_id = re.search(r"job=([^&]+)", page.url)[1]  # type: ignore[index]
    again = api.get(f"/api/jobs/{again_id}/request").json()
    assert again["pairs"] == [{"video_id": videos["green"], "prompt": "How many scene cuts?"}]
    assert again["judge_swaps"] == 2 and again["name"] == "Pairs (again)"
    # Back to videos × prompts: the pairs' videos ticked, their prompts listed.
    page.click("#job-again")
    expect(page.locator("#again-note")).to_contain_text(f"Loaded from job {again_id[:12]}")
    expect(step).to_be_visible()
    page.click("#pairs-to-grid")
    expect(step).to_be_hidden()
    expect(page.locator("#video-list input:checked")).to_have_count(1)
    expect(page.locator("#run-button")).to_have_text("Run 1 × 1 = 1 Comparison")


def test_cancel_is_confirmed_in_a_dialog_by_keyboard(
    page: Page, api: httpx.Client, videos: dict[str, str], fake_gemini
) -> None:
    fake_gemini.script(SLOW_MODEL, latency_ms=3000)
    job_id = start_job(api, videos, models=[SLOW_MODEL], name="To cancel")
    page.goto(f"/?job={job_id}")
    cancel = page.locator("#job-cancel")
    expect(cancel).to_be_visible()
    dialog = page.locator("#cancel-dialog")
    # Escape keeps the job running, and the focus comes back to the button.
    cancel.focus()
    page.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    expect(page.locator("#cancel-keep")).to_be_focused()
    expect(page.locator("#cancel-text")).to_contain_text(f"“To cancel” ({job_id[:12]})")
    shot(page, "cancel-dialog", full_page=False)
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(cancel).to_be_focused()
    time.sleep(0.5)
    assert api.get(f"/api/jobs/{job_id}").json()["status"] in ("pending", "running")
    # "Keep it running" by Enter (it has the focus): still running.
    page.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    assert api.get(f"/api/jobs/{job_id}").json()["status"] in ("pending", "running")
    # Tab to "Cancel job", Enter: cancelled.
    page.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    page.keyboard.press("Tab")
    expect(page.locator("#cancel-confirm")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#job-status")).to_have_text("cancelled")
    assert api.get(f"/api/jobs/{job_id}").json()["status"] == "cancelled"


@pytest.mark.parametrize("prefix", [False, True])
def test_a_deep_link_keeps_its_other_parameters(
    page: Page, api: httpx.Client, videos: dict[str, str], prefix: bool
) -> None:
    job_id = start_job(api, videos)
    shown = job_id[:12] if prefix else job_id  # the page's short ids work in links too
    page.goto(f"/?lang=en&job={shown}&combo=2")
    expect(page.locator("#job-status")).to_have_text("completed", timeout=60_000)
    expect(page).to_have_url(re.compile(rf"\?lang=en&job={shown}&combo=2$"))
    # The shared-link form moves into the query whole.
    page.goto(f"/?lang=en#job={shown}&combo=3")
    expect(page.locator("#job-status")).to_have_text("completed")
    expect(page).to_have_url(re.compile(rf"\?lang=en&job={shown}&combo=3$"))
    # Another job opened from the list: its own address, without the other's combo.
    page.keyboard.press("Escape")  # the combination's detail, which the link opened
    expect(page.locator("#answer-view")).to_be_hidden()
    other = start_job(api, {"green": videos["green"]})
    page.click("#jobs-refresh")
    page.locator(f'#jobs-table tr[data-job-id="{other}"] .job-open').click()
    expect(page).to_have_url(re.compile(rf"\?lang=en&job={other}$"))


def test_auto_lanes_are_offered_said_and_sent(page: Page, videos: dict[str, str]) -> None:
    open_form(page)
    auto = page.locator("#concurrency-auto")
    expect(auto).not_to_be_checked()
    expect(page.locator("#concurrency-auto-hint")).to_be_hidden()
    page.fill("#concurrency", "3")
    auto.check()
    expect(page.locator("#concurrency")).to_be_disabled()
    expect(page.locator("#concurrency-auto-hint")).to_contain_text("shared fairly")
    select_videos(page, [videos["green"]])
    set_prompts(page, ["How many cuts?"])
    choose_models(page, list(OFFLINE), "local-rubric")
    with page.expect_request(
        lambda r: (
            r.url.endswith("/api/batch-compare-async")
            and r.method == "POST"
            and not json.loads(r.post_data or "{}").get("dry_run")
        )
    ) as sent:
        page.click("#run-button")
    assert json.loads(sent.value.post_data)["concurrency"] == "auto"
    # One combination: one lane ("now" while it runs).
    expect(page.locator("#job-facts")).to_contain_text(
        re.compile(r"auto(: 1 of 1 now| \(up to 1\))")
    )
    auto.uncheck()
    expect(page.locator("#concurrency")).to_have_value("3")  # the number comes back
    shot(page, "auto-lanes", full_page=False)
