"""What a new user tripped over, fixed, in Chromium: Back closes a combination's detail, a
phone stacks its answers, the video list fills its card, a server's `command` is code, no
row matching the filters says so, the jobs list's links say what they open, and the HTML
report fits a phone.

Large results are the benchmark's synthetic JobResult, answered by Playwright for that job
only (see test_web_results.py); the rest is the session's real stack. Screenshots go to
test-output/screenshots/polish-*.png.
"""

from __future__ import annotations

import copy
import html
import json
import random
import re
from pathlib import Path

import httpx
import pytest
import screenshots
from playwright.sync_api import BrowserContext, Page, Route, expect
from test_web_results import open_synthetic, rows_of, synthetic

from vidcompare import reports
from vidcompare.reports.html import breakable
from vidcompare.schemas import JobResult
from vidcompare.testing.synth import padded_video

PHONE = {"width": 390, "height": 844}


def shot(page: Page, name: str, *, full: bool = False) -> None:
    screenshots.shot(page, f"polish-{name}", full_page=full)


def history_length(page: Page) -> int:
    return page.evaluate("history.length")


# --------------------------------------------------------------------------- 1. history


def test_back_closes_a_detail_and_forward_opens_it_again(
    context: BrowserContext, page: Page
) -> None:
    result = synthetic.synthetic_result(3, 2)
    job = result["job_id"]
    open_synthetic(context, page, result)
    dialog = page.locator("#answer-view")
    title = dialog.locator("#answer-title")
    before = history_length(page)

    opener = page.locator('#results-table tbody tr[data-combo="2"] .combo-open')
    opener.click()
    expect(title).to_contain_text("#2 · ")
    expect(page).to_have_url(re.compile(rf"\?job={job}&combo=2$"))
    assert history_length(page) == before + 1  # an entry of its own
    # Prev and Next change that entry: one entry however many steps.
    dialog.get_by_role("button", name="Next combination").click()
    dialog.get_by_role("button", name="Next combination").click()
    dialog.get_by_role("button", name="Previous combination").click()
    expect(title).to_contain_text("#3 · ")
    expect(page).to_have_url(re.compile(rf"\?job={job}&combo=3$"))
    assert history_length(page) == before + 1

    # Back closes it and stays on the page; Forward opens it again, where it was left.
    page.go_back()
    expect(dialog).to_be_hidden()
    expect(page).to_have_url(re.compile(rf"\?job={job}$"))
    expect(page.locator("#results-table tbody tr")).to_have_count(6)
    # The focus on the row of the combination it showed last.
    expect(page.locator('#results-table tbody tr[data-combo="3"] .combo-open')).to_be_focused()
    page.go_forward()
    expect(title).to_contain_text("#3 · ")
    expect(page).to_have_url(re.compile(rf"\?job={job}&combo=3$"))

    # Esc goes back (not a replaced entry: Forward still opens it) ...
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page).to_have_url(re.compile(rf"\?job={job}$"))
    page.go_forward()
    expect(title).to_contain_text("#3 · ")
    # ... and so does Close; then Back leaves what came before, no detail opens again.
    dialog.get_by_role("button", name="Close (Esc)").click()
    expect(dialog).to_be_hidden()
    expect(page).to_have_url(re.compile(rf"\?job={job}$"))
    assert history_length(page) == before + 1
    page.go_back()
    expect(page).to_have_url("about:blank")


def test_a_deep_links_detail_closes_without_leaving_the_page(
    context: BrowserContext, page: Page
) -> None:
    result = synthetic.synthetic_result(3, 2)
    job = result["job_id"]
    synthetic.route_job(context, result)
    page.goto("/")
    page.goto(f"/?job={job}&combo=5")
    dialog = page.locator("#answer-view")
    expect(dialog.locator("#answer-title")).to_contain_text("#5 · ")
    before = history_length(page)
    dialog.get_by_role("button", name="Previous combination").click()
    expect(page).to_have_url(re.compile(rf"\?job={job}&combo=4$"))
    # Not our entry: Esc takes the combination out of the address, the page stays.
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page).to_have_url(re.compile(rf"\?job={job}$"))
    assert history_length(page) == before
    expect(page.locator("#results-table tbody tr")).to_have_count(6)
    # A detail opened from the table after it is ours again: Back closes it.
    page.locator('#results-table tbody tr[data-combo="1"] .combo-open').click()
    expect(page).to_have_url(re.compile(rf"\?job={job}&combo=1$"))
    page.go_back()
    expect(dialog).to_be_hidden()
    expect(page).to_have_url(re.compile(rf"\?job={job}$"))
    # Back again: the page before, "/" (this job's own entry was replaced, not pushed).
    page.go_back()
    expect(page).to_have_url(re.compile(r"/$"))


# --------------------------------------------------------------------------- 2. the phone


def test_a_phone_shows_the_answers_one_under_the_other(context: BrowserContext, page: Page) -> None:
    page.set_viewport_size(PHONE)
    open_synthetic(context, page, synthetic.synthetic_result(3, 2))
    page.locator('#results-table tbody tr[data-combo="1"] .combo-open').click()
    dialog = page.locator("#answer-view")
    columns = dialog.locator(".answer-col")
    expect(columns).to_have_count(4)
    boxes = [columns.nth(i).bounding_box() for i in range(4)]
    assert all(boxes)
    for above, below in zip(boxes, boxes[1:], strict=False):
        assert above and below
        assert abs(above["x"] - below["x"]) < 1  # one column
        assert below["y"] >= above["y"] + above["height"]  # one under the other
    for box in boxes:
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    scroller = dialog.locator(".answer-columns")
    assert scroller.evaluate("e => e.scrollWidth <= e.clientWidth")  # nothing sideways
    assert dialog.evaluate("e => e.scrollWidth <= e.clientWidth")
    columns.nth(0).scroll_into_view_if_needed()
    dialog.evaluate("d => d.scrollBy(0, -60)")
    shot(page, "detail-phone-answers")
    columns.nth(1).scroll_into_view_if_needed()
    shot(page, "detail-phone-second-answer")


# --------------------------------------------------------------------------- 3. videos


def test_the_video_list_fills_its_card(
    page: Page, api: httpx.Client, tmp_path: Path, video_files: dict[str, Path]
) -> None:
    for n in range(10):
        path = tmp_path / f"{n}.mp4"
        padded_video(video_files["green"], path, size=64 * 1024 + random.randrange(1, 10**6))
        answer = api.post(
            "/api/videos", params={"filename": f"fill {n}.mp4"}, content=path.read_bytes()
        )
        assert answer.status_code == 201, answer.text
    page.goto("/")
    rows = page.locator("#video-list li.video-row")
    expect(rows.nth(4)).to_be_attached()
    listed = page.locator("#video-list")
    card = page.locator("#step-videos").bounding_box()
    box = listed.bounding_box()
    assert card and box
    # Down to the card's padding (14 px) and border: no empty band under the list.
    assert card["y"] + card["height"] - (box["y"] + box["height"]) < 17
    # The first four rows are whole inside it.
    for i in range(4):
        row = rows.nth(i).bounding_box()
        assert row and row["y"] + row["height"] <= box["y"] + box["height"] + 0.5, i
    # More rows than room: a shade along its bottom says so, gone at the end.
    assert listed.evaluate("e => e.scrollHeight > e.clientHeight")
    shade = "e => Number(getComputedStyle(e, '::after').opacity)"
    assert listed.evaluate(shade) > 0.9
    shot(page, "videos-desktop")
    listed.evaluate("e => { e.scrollTop = e.scrollHeight; }")
    page.wait_for_function(
        f"() => ({shade})(document.getElementById('video-list')) < 0.05", polling=100
    )

    # A phone: one step under the other, the list as long as its rows (to 60% of it).
    page.set_viewport_size(PHONE)
    box = listed.bounding_box()
    assert box and box["height"] <= 0.6 * PHONE["height"] + 1
    listed.scroll_into_view_if_needed()
    shot(page, "videos-phone")


# --------------------------------------------------------------------------- 4. `code`


def test_a_providers_commands_are_code_and_its_text_stays_text(
    page: Page, api: httpx.Client
) -> None:
    catalog = api.get("/api/models").json()
    message = (
        "Gemini is not configured: set `GEMINI_API_KEY` and restart "
        "(locally: `vidcompare down`, then `GEMINI_API_KEY=... vidcompare up`) <b>now</b>"
    )
    served = copy.deepcopy(catalog)
    served["providers"] = [
        {"provider": "gemini", "available": False, "source": "none", "message": message}
    ]
    page.route(
        "**/api/models",
        lambda route: route.fulfill(body=json.dumps(served), content_type="application/json"),
    )
    page.goto("/")
    note = page.locator('#model-list .provider-note[data-provider="gemini"]')
    expect(note).to_have_text(
        "Gemini models are unavailable: Gemini is not configured: set GEMINI_API_KEY and "
        "restart (locally: vidcompare down, then GEMINI_API_KEY=... vidcompare up) <b>now</b>"
    )
    expect(note.locator("code")).to_have_text(
        ["GEMINI_API_KEY", "vidcompare down", "GEMINI_API_KEY=... vidcompare up"]
    )
    expect(note.locator("b")).to_have_count(0)  # the server's text is never markup
    screenshots.shot_of(note, "polish-provider-note")


def test_an_unpaired_backtick_is_left_as_it_is(page: Page) -> None:
    page.goto("/")
    pieces = page.evaluate(
        """async () => {
          const { withCode } = await import('/static/js/models.js');
          const show = (nodes) =>
            nodes.map((n) => (typeof n === 'string' ? n : `[${n.textContent}]`));
          return [withCode('run `a` and `b`'), withCode('odd ` one'), withCode('`x`'), withCode('')]
            .map(show);
        }"""
    )
    assert pieces == [["run ", "[a]", " and ", "[b]"], ["odd ` one"], ["[x]"], []]


# --------------------------------------------------------------------------- 5. no match


def test_no_matching_row_says_so_and_offers_to_clear(context: BrowserContext, page: Page) -> None:
    open_synthetic(context, page, synthetic.synthetic_result(3, 3))
    empty = page.locator("#results-table tfoot .empty-row")
    expect(empty).to_have_count(0)
    page.fill("#filter-search", "zebra nowhere-to-be-found")
    expect(page.locator("#results-shown")).to_have_text("0 of 9 rows match")
    expect(page.locator("#results-table tbody tr")).to_have_count(0)
    expect(empty).to_have_text("No combination matches these filters.Clear filters")
    expect(empty.locator("td")).to_have_attribute("colspan", "7")  # #, video, prompt, 4 models
    screenshots.shot_of(page.locator("#results-panel"), "polish-no-match")
    empty.get_by_role("button", name="Clear filters").click()
    expect(page.locator("#results-shown")).to_have_text("All 9 rows")
    assert rows_of(page) == list(range(1, 10))
    expect(page.locator("#filter-search")).to_have_value("")
    expect(empty).to_have_count(0)
    expect(page.locator("#filter-model")).to_be_focused()
    # Filters that exclude each other: the same, one model's column counted.
    page.select_option("#filter-model", "local-scenes")
    page.fill("#filter-min", "9.5")
    page.fill("#filter-max", "1")
    expect(empty.locator("td")).to_have_attribute("colspan", "4")


# --------------------------------------------------------------------------- 6. the jobs


def job_summary(job_id: str, status: str, done: int, total: int = 4) -> dict:
    return {
        "job_id": job_id,
        "status": status,
        "progress": 100.0 * done / total,
        "progress_message": "",
        "completed_combinations": done,
        "total_combinations": total,
        "total_videos": 2,
        "total_prompts": 2,
        "models": ["local-scenes"],
        "judge_model": "local-rubric",
        "concurrency": 1,
        "created_at": "2026-11-26T12:00:00+00:00",
        "updated_at": "2026-11-26T12:00:00+00:00",
    }


JOBS = [
    ("labelcompleted", "completed", 4, "Results"),
    ("labelcancelsome", "cancelled", 2, "Results"),
    ("labelcancelnone", "cancelled", 0, "Open"),
    ("labelfailedsome", "failed", 1, "Results"),
    ("labelfailednone", "failed", 0, "Open"),
    ("labelrunning00", "running", 0, "Open"),
    ("labelrunning03", "running", 3, "Results"),
    ("labelpending00", "pending", 0, "Open"),
]


def test_a_jobs_link_says_results_once_there_are_comparisons(page: Page) -> None:
    listed = {"jobs": [job_summary(job_id, status, done) for job_id, status, done, _ in JOBS]}

    def jobs(route: Route) -> None:
        route.fulfill(body=json.dumps(listed), content_type="application/json")

    page.route(re.compile(r".*/api/jobs\?limit=20$"), jobs)
    page.goto("/")
    for job_id, status, _, label in JOBS:
        row = page.locator(f'#jobs-table tr[data-job-id="{job_id}"]')
        expect(row.locator(".badge")).to_have_text(status)
        expect(row.locator(".job-open")).to_have_text(label)
    # A refresh that finds comparisons changes the word; one without the counts keeps it.
    listed["jobs"][5] = job_summary("labelrunning00", "running", 1)
    listed["jobs"][7] = {"job_id": "labelpending00", "status": "pending"}
    page.locator("#jobs-refresh").click()
    expect(page.locator('tr[data-job-id="labelrunning00"] .job-open')).to_have_text("Results")
    expect(page.locator('tr[data-job-id="labelpending00"] .job-open')).to_have_text("Open")
    expect(page.locator('tr[data-job-id="labelcancelsome"] .job-open')).to_have_text("Results")


# --------------------------------------------------------------------------- 7. the report


def long_named_result() -> tuple[JobResult, dict[str, str]]:
    """Three videos, one with underscores, one with a date in its id; a full leaderboard."""
    raw = synthetic.synthetic_result(3, 2)
    ids = [
        "drone_flyover_sunset_final_v2-3fa9c2b1",
        "kitchen-camera-north-2024-06-01-9c1d22aa",
        "a-9f8e7d6c",
    ]
    for c in raw["comparisons"]:
        c["video_id"] = ids[c["index"] // 2]
    raw["leaderboard"] = [
        {
            "rank": rank,
            "model_id": r["model_id"],
            "model_name": r["model_name"],
            "mean_score": 8.25 - rank,
            "scored": 6,
            "wins": 1.5,
            "mean_latency_ms": 4321.0,
            "errors": 1,
            "total_tokens": 1_234_567,
            "estimated_cost_usd": 12.345678,
            "unpriced_calls": 0,
        }
        for rank, r in enumerate(raw["comparisons"][0]["results"], start=1)
    ]
    names = {ids[0]: "drone_flyover_sunset_final_v2.mp4", ids[1]: "kitchen-north-2024.mp4"}
    return JobResult.model_validate(raw), names


WORD_BREAKS = """() => {
  // Each line break inside an id's text: the character before it (a - or _ when it
  // wraps where it should). Lines are told apart by the tops of the characters.
  const breaks = [];
  for (const cell of document.querySelectorAll(SELECTOR)) {
    if (!cell.getClientRects().length) continue;
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    let previous = null;
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (let i = 0; i < node.length; i++) {
        const range = document.createRange();
        range.setStart(node, i);
        range.setEnd(node, i + 1);
        const rect = range.getBoundingClientRect();
        if (!rect.width) {
          if (previous) previous.char = node.data[i]; // a space where the line ends
          continue;
        }
        if (previous && rect.top > previous.top + 2) breaks.push(previous.char);
        previous = { top: rect.top, char: node.data[i] };
      }
    }
  }
  return breaks;
}"""


def test_the_html_report_fits_a_phone(context: BrowserContext) -> None:
    result, names = long_named_result()
    text = reports.render(result, "html", filenames=names).text
    page = context.new_page()
    page.set_viewport_size(PHONE)
    page.set_content(text)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    widths = page.locator(".scroll").evaluate_all(
        "boxes => boxes.map(b => [b.scrollWidth, b.clientWidth])"
    )
    assert len(widths) == 2 and all(scroll <= client for scroll, client in widths), widths
    # The leaderboard keeps the model, its score, latency, errors and cost.
    shown = page.locator(".scroll").first.locator("th:visible").all_inner_texts()
    assert [t.replace("\n", " ") for t in shown] == [
        "model",
        "mean score",
        "mean latency",
        "errors",
        "cost",
    ]
    # The score table: the video folded into the prompt's cell, ids wrapped at - and _.
    scores = page.locator("table.scores")
    headings = scores.locator("th:visible").all_inner_texts()
    assert headings[:2] == ["#", "prompt"] and len(headings) == 6  # and the 4 models
    expect(scores.locator("tbody tr").first.locator(".cell-video")).to_have_text(
        "drone_flyover_sunset_final_v2.mp4 (drone_flyover_sunset_final_v2-3fa9c2b1)"
    )
    for selector in ["table.scores .cell-video", ".combo h3"]:
        breaks = page.evaluate(WORD_BREAKS.replace("SELECTOR", json.dumps(selector)))
        assert breaks, selector  # they are long enough to wrap at 390 px
        assert set(breaks) <= {"-", "_", " "}, (selector, breaks)
    screenshots.shot(page, "polish-report-phone")

    # On a large screen: every column, the video in its own.
    page.set_viewport_size({"width": 1280, "height": 900})
    assert len(page.locator(".scroll").first.locator("th:visible").all()) == 8
    expect(scores.locator("tbody tr").first.locator(".cell-video")).to_be_hidden()
    expect(scores.locator("th", has_text="video")).to_be_visible()
    screenshots.shot(page, "polish-report-desktop", full_page=False)
    page.close()


@pytest.mark.parametrize("text", ["plain", "a-b_c", "<x>-&_"])
def test_breakable_escapes_then_marks_the_breaks(text: str) -> None:
    assert breakable(text).replace("<wbr>", "") == html.escape(text)
    assert breakable(text).count("<wbr>") == text.count("-") + text.count("_")
