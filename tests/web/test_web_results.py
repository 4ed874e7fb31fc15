"""The results view in Chromium: the table (sort, filters, search, pages), the detail with
the answers side by side, deep links, timestamps, the word diff, the player, comparing two
jobs and the exports.

Real jobs run on the session's local stack with the offline models. Large results (120 or
more combinations, errors, judge disagreements) are the benchmark's synthetic JobResult,
answered by Playwright for ``GET /api/jobs/ID`` and ``/api/jobs/ID/result`` only; the page
and everything else are the real stack's. Screenshots go to test-output/screenshots/results-*.png.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import re
import statistics
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
import screenshots
from playwright.sync_api import BrowserContext, Page, Route, expect

from vidcompare.devstack.stack import StackInfo

OFFLINE = ["local-scenes", "local-motion-colour"]


def _synthetic() -> ModuleType:
    """benchmarks/web_results.py: its synthetic JobResult and the routes that serve it."""
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "web_results.py"
    spec = importlib.util.spec_from_file_location("web_results_bench", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


synthetic = _synthetic()


def shot(page: Page, name: str, *, full: bool = False) -> None:
    screenshots.shot(page, f"results-{name}", full_page=full)


def run_job(api: httpx.Client, video_ids: list[str], prompts: list[str], **extra: Any) -> dict:
    """A job of the offline models, run to its end; its JobView (with the result)."""
    body = {"video_ids": video_ids, "prompts": prompts, "models": OFFLINE} | extra
    answer = api.post("/api/batch-compare-async", json=body)
    assert answer.status_code == 202, answer.text
    job_id = answer.json()["job_id"]
    deadline = time.monotonic() + 90
    while (job := api.get(f"/api/jobs/{job_id}").json())["status"] != "completed":
        assert job["status"] in ("pending", "running"), job
        assert time.monotonic() < deadline, job
        time.sleep(0.3)
    return job


@pytest.fixture(scope="module")
def job(stack: StackInfo, videos: dict[str, str]) -> dict:
    """2 videos × 2 prompts × the 2 offline models, judged twice (in both orders)."""
    with httpx.Client(base_url=stack.base_url, timeout=60) as api:
        return run_job(
            api,
            list(videos.values()),
            ["When are the scene cuts?", "Which colours dominate?"],
            judge_model="local-rubric",
            judge_swaps=2,
        )


def rows_of(page: Page) -> list[int]:
    """The combination numbers of the table's rows, top to bottom."""
    return [
        int(n)
        for n in page.locator("#results-table tbody tr").evaluate_all(
            "rows => rows.map(r => r.dataset.combo)"
        )
    ]


def open_synthetic(context: BrowserContext, page: Page, result: dict) -> None:
    synthetic.route_job(context, result)
    page.goto(f"/?job={result['job_id']}")
    expect(page.locator("#results-table tbody tr").first).to_be_visible()


def score(comparison: dict, model_id: str) -> float | None:
    return next(e["score"] for e in comparison["evaluation"] if e["model_id"] == model_id)


# --------------------------------------------------------------------------- pure modules


TIMESTAMP_CASES: list[tuple[str, list[list[Any]]]] = [
    ("00:12", [["00:12", 12]]),
    ("at 1:05 a cut", [["1:05", 65]]),
    ("00:00:12.5", [["00:00:12.5", 12.5]]),
    ("12.5s in", [["12.5s", 12.5]]),
    ("1:02:03", [["1:02:03", 3723]]),
    ("(1:05–1:10)", [["1:05", 65], ["1:10", 70]]),
    ("[00:15] red, 3s later blue.", [["00:15", 15], ["3s", 3]]),
    ("cut at 0:07.", [["0:07", 7]]),
    ("00:59 and 10:00", [["00:59", 59], ["10:00", 600]]),
    ("score 7/10 at 0:45", [["0:45", 45]]),
    # Not times: ratios, scores, times of day, parts of longer tokens, decades.
    ("a 3:2 aspect", []),
    ("16:9 widescreen", []),
    ("16 : 9", []),
    ("aspect ratio of 16:10", []),
    ("ratio 16:10", []),
    ("21:64", []),
    ("8/10", []),
    ("at 10:30 am", []),
    ("10:30pm", []),
    ("10:30 a.m.", []),
    ("v1:05", []),
    ("12:30:45:10", []),
    ("2025-01-01T10:30", []),
    ("the 1990s", []),
    ("1.5s2", []),
    ("12:61", []),
    ("1:60:00", []),
    ("", []),
]


def test_timestamps_are_found_and_read_as_seconds(page: Page) -> None:
    page.goto("/")
    found = page.evaluate(
        """async (cases) => {
          const module = await import('/static/js/timestamps.js');
          const { findTimestamps, parseTimestamp, splitTimestamps } = module;
          return {
            found: cases.map((text) => findTimestamps(text).map((t) => [t.text, t.seconds])),
            parsed: ['1:05', ' 00:00:12.5 ', '16:9', 'at 1:05'].map(parseTimestamp),
            split: splitTimestamps('see 0:04 and 1:02:03!'),
          };
        }""",
        [text for text, _ in TIMESTAMP_CASES],
    )
    for (text, expected), got in zip(TIMESTAMP_CASES, found["found"], strict=True):
        assert got == expected, text
    assert found["parsed"] == [65, 12.5, None, None]
    assert found["split"] == [
        "see ",
        {"text": "0:04", "seconds": 4},
        " and ",
        {"text": "1:02:03", "seconds": 3723},
        "!",
    ]


def test_word_diff_keeps_the_common_words(page: Page) -> None:
    page.goto("/")
    runs = page.evaluate(
        """async () => {
          const { wordDiff } = await import('/static/js/diff.js');
          return [
            wordDiff('the red car turns left at 00:12', 'the blue car turns right at 00:12 fast'),
            wordDiff('', 'new text'),
            wordDiff('same words\\nhere', 'same words here'),
            wordDiff('a b c', ''),
          ];
        }"""
    )
    assert runs[0] == [
        {"op": "same", "text": "the "},
        {"op": "del", "text": "red "},
        {"op": "ins", "text": "blue "},
        {"op": "same", "text": "car turns "},
        {"op": "del", "text": "left "},
        {"op": "ins", "text": "right "},
        {"op": "same", "text": "at 00:12 "},
        {"op": "ins", "text": "fast"},
    ]
    assert runs[1] == [{"op": "ins", "text": "new text"}]
    assert runs[2] == [{"op": "same", "text": "same words here"}]  # a line break is no change
    assert runs[3] == [{"op": "del", "text": "a b c"}]


# --------------------------------------------------------------------------- a real job


def test_a_real_job_as_a_table_and_its_detail(page: Page, job: dict) -> None:
    result = job["result"]
    page.goto(f"/?job={job['job_id']}")
    table = page.locator("#results-table")
    expect(table.locator("tbody tr")).to_have_count(4)
    expect(page.locator("#results-count")).to_have_text("4 combinations")
    names = ["Local Scenes", "Local Motion & Colour"]
    expect(table.locator("thead th")).to_have_text(
        ["#▲", "Video↕", "Prompt↕", *(f"{n}↕" for n in names)]
    )
    expect(table.locator('thead th[data-key="number"]')).to_have_attribute("aria-sort", "ascending")
    for comparison in result["comparisons"]:
        row = table.locator(f'tbody tr[data-combo="{comparison["index"] + 1}"]')
        expect(row.locator(".col-prompt .prompt-clamp")).to_have_text(comparison["prompt"])
        for r in comparison["results"]:
            cell = row.locator(f'td[data-model-id="{r["model_id"]}"]')
            value = score(comparison, r["model_id"])
            text = str(int(value)) if float(value).is_integer() else f"{value:.1f}"
            expect(cell.locator(".cell-score")).to_have_text(text)
            expect(cell.locator(".cell-label")).to_have_text(re.compile("^(good|fair|poor)$"))
            expect(cell.locator(".cell-latency")).to_have_text(re.compile(r"^\d+ ms$|^\d+\.\d+ s$"))

    # A click on a model's cell: the detail, both answers side by side, focus inside.
    second = result["comparisons"][1]
    table.locator(f'tbody tr[data-combo="2"] td[data-model-id="{OFFLINE[1]}"] button').click()
    dialog = page.locator("#answer-view")
    expect(dialog).to_be_visible()
    expect(page).to_have_url(re.compile(r"[?&]combo=2$"))
    expect(dialog.locator(".answer-col h3")).to_have_text(names)
    expect(dialog.locator(".answer-col h3").nth(1)).to_be_focused()
    boxes = [dialog.locator(".answer-col").nth(i).bounding_box() for i in range(2)]
    assert boxes[0] and boxes[1] and boxes[0]["x"] < boxes[1]["x"]  # side by side
    assert abs(boxes[0]["y"] - boxes[1]["y"]) < 2
    for r in second["results"]:
        column = dialog.locator(f'.answer-col[data-model-id="{r["model_id"]}"]')
        evaluation = next(e for e in second["evaluation"] if e["model_id"] == r["model_id"])
        expect(column.locator(".reasoning")).to_have_text(evaluation["reasoning"])
        expect(column.locator(".strengths li")).to_have_text(evaluation["strengths"])
        expect(column.locator(".weaknesses li")).to_have_text(evaluation["weaknesses"])
        expect(column.locator(".answer-text")).to_have_text(r["response"])
        tokens = r["usage"]["total_tokens"]
        expect(column.locator(".answer-tokens")).to_have_text(
            f"{tokens} token{'s' * (tokens != 1)}"
        )
    expect(dialog.locator(".judge-summary")).to_have_text(second["overall_summary"])

    # Esc closes; focus goes back to the cell; the address forgets the combination.
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page).not_to_have_url(re.compile("combo="))
    expect(
        table.locator(f'tbody tr[data-combo="2"] td[data-model-id="{OFFLINE[1]}"] button')
    ).to_be_focused()

    # The keyboard alone: Enter on a row's number opens it, the Close button closes it.
    table.locator('tbody tr[data-combo="3"] .combo-open').focus()
    page.keyboard.press("Enter")
    expect(dialog.locator("#answer-title")).to_be_focused()
    expect(dialog.locator("#answer-title")).to_contain_text("#3 · ")
    dialog.get_by_role("button", name="Next combination").click()
    expect(dialog.locator("#answer-title")).to_contain_text("#4 · ")
    expect(page).to_have_url(re.compile(r"[?&]combo=4$"))
    dialog.get_by_role("button", name="Close (Esc)").click()
    expect(dialog).to_be_hidden()


def test_a_deep_link_opens_one_combination(page: Page, job: dict) -> None:
    comparison = job["result"]["comparisons"][2]
    page.goto(f"/?job={job['job_id']}&combo=3")
    dialog = page.locator("#answer-view")
    expect(dialog).to_be_visible()
    expect(dialog.locator(".detail-prompt")).to_have_text(comparison["prompt"])
    expect(dialog.locator("#answer-title")).to_be_focused()
    page.keyboard.press("Escape")
    expect(page).to_have_url(re.compile(rf"\?job={job['job_id']}$"))
    # A combination the job does not have: nothing opens, the address drops it.
    page.goto(f"/?job={job['job_id']}&combo=99")
    expect(page.locator("#results-table tbody tr")).to_have_count(4)
    expect(page).to_have_url(re.compile(rf"\?job={job['job_id']}$"))
    expect(dialog).to_be_hidden()


# --------------------------------------------------------------------------- 120 combinations


def test_sort_by_a_model_orders_the_rows_exactly(context: BrowserContext, page: Page) -> None:
    result = synthetic.synthetic_result(12, 10)
    open_synthetic(context, page, result)
    expect(page.locator("#results-shown")).to_have_text("All 120 rows")
    expect(page.locator("#results-pager .pager-status")).to_have_text("1–50 of 120 · page 1 of 3")
    assert rows_of(page) == list(range(1, 51))

    model = "gemini-3.8-flash"
    header = page.locator(f'#results-table th[data-key="{model}"]')
    header.locator("button").click()
    expect(header).to_have_attribute("aria-sort", "descending")
    expect(page.locator('#results-table th[data-key="number"]')).to_have_attribute(
        "aria-sort", "none"
    )
    comparisons = result["comparisons"]
    scored = [c for c in comparisons if score(c, model) is not None]
    unscored = [c["index"] + 1 for c in comparisons if score(c, model) is None]
    best_first = [
        c["index"] + 1 for c in sorted(scored, key=lambda c: (-score(c, model), c["index"]))
    ]
    assert unscored  # errors exist, and go last whichever the direction
    assert rows_of(page) == (best_first + unscored)[:50]
    page.locator("#results-pager").get_by_role("button", name="Next ›").click()
    page.locator("#results-pager").get_by_role("button", name="Next ›").click()
    expect(page.locator("#results-pager .pager-status")).to_have_text(
        "101–120 of 120 · page 3 of 3"
    )
    assert rows_of(page) == (best_first + unscored)[100:]

    header.locator("button").click()
    expect(header).to_have_attribute("aria-sort", "ascending")
    worst_first = [
        c["index"] + 1 for c in sorted(scored, key=lambda c: (score(c, model), c["index"]))
    ]
    assert rows_of(page) == (worst_first + unscored)[:50]  # back on page 1
    page.locator('#results-table th[data-key="video"] button').click()
    assert rows_of(page) == list(range(1, 51))  # video names sort as the combinations do


def test_filters_show_exactly_the_matching_rows(context: BrowserContext, page: Page) -> None:
    result = synthetic.synthetic_result(12, 10)
    comparisons = result["comparisons"]
    open_synthetic(context, page, result)
    shown = page.locator("#results-shown")

    def numbers(keep) -> list[int]:
        return [c["index"] + 1 for c in comparisons if keep(c)]

    def expect_rows(expected: list[int]) -> None:
        expect(shown).to_have_text(
            "All 120 rows" if len(expected) == 120 else f"{len(expected)} of 120 rows match"
        )
        assert rows_of(page) == expected[:50]

    # Errors only (any model), then for one model: its column alone.
    page.check("#filter-errors")
    expect_rows(numbers(lambda c: any(r["error"] for r in c["results"])))
    page.select_option("#filter-model", "local-scenes")
    expect(page.locator("#results-table thead th.model-col")).to_have_count(1)
    expect_rows(numbers(lambda c: c["results"][0]["error"] is not None))
    page.uncheck("#filter-errors")
    expect_rows(numbers(lambda c: True))

    # A score range for that model, then for all of them (any model in range).
    page.fill("#filter-min", "9")
    expect_rows(numbers(lambda c: (score(c, "local-scenes") or 0) >= 9))
    page.fill("#filter-max", "9.5")
    expect_rows(numbers(lambda c: 9 <= (score(c, "local-scenes") or 0) <= 9.5))
    page.select_option("#filter-model", "")
    expect(page.locator("#results-table thead th.model-col")).to_have_count(4)
    expect_rows(numbers(lambda c: any(9 <= (e["score"] or 0) <= 9.5 for e in c["evaluation"])))
    page.get_by_role("button", name="Clear filters").click()
    expect_rows(numbers(lambda c: True))

    # Video, prompt, judge disagreement.
    page.select_option("#filter-video", "video0003")
    expect_rows(numbers(lambda c: c["video_id"] == "video0003"))
    page.select_option("#filter-prompt", "Prompt 4: what happens in the video?")
    expect_rows([34])
    page.get_by_role("button", name="Clear filters").click()
    page.check("#filter-disagreement")
    expect_rows(numbers(lambda c: c["position_consistent"] is False))
    expect(page.locator("#results-table tbody tr.disagreement")).to_have_count(
        len(numbers(lambda c: c["position_consistent"] is False))
    )
    page.get_by_role("button", name="Clear filters").click()

    # Full-text search over the answers: every word must appear, any case.
    page.fill("#filter-search", "ZEBRA")
    expect_rows(numbers(lambda c: "zebra" in (c["results"][0]["response"] or "")))
    page.fill("#filter-search", "zebra nowhere-to-be-found")
    expect_rows([])
    expect(page.locator("#results-pager")).to_be_hidden()
    page.fill("#filter-search", "")
    expect_rows(numbers(lambda c: True))
    shot(page, "filters-desktop")


def test_judge_disagreement_filter_only_with_two_judgings(
    context: BrowserContext, page: Page
) -> None:
    open_synthetic(context, page, synthetic.synthetic_result(3, 2, swaps=1))
    expect(page.locator("#filter-disagreement")).to_be_hidden()
    expect(page.locator("#results-table tbody tr")).to_have_count(6)


def test_screenshots_of_120_combinations(context: BrowserContext, page: Page) -> None:
    result = synthetic.synthetic_result(12, 10)
    open_synthetic(context, page, result)
    page.locator("#results-panel").scroll_into_view_if_needed()
    screenshots.shot_of(page.locator("#results-panel"), "results-table-desktop")
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 6000, height  # one page of 50 rows, not 120 cards

    failed = next(c for c in result["comparisons"] if any(r["error"] for r in c["results"]))
    page.locator(f'#results-table tbody tr[data-combo="{failed["index"] + 1}"] .combo-open').click()
    dialog = page.locator("#answer-view")
    expect(dialog.locator(".answer-col")).to_have_count(4)
    expect(dialog.locator(".answer-col .model-error")).to_have_count(1)  # its column says so
    # These videos exist in no bucket: the player says so instead of a black box.
    expect(dialog.locator(".player-status")).to_contain_text("No video to play:")
    expect(dialog.locator("video")).to_be_hidden()
    expect(dialog.locator(".answer-col .ts").first).to_be_visible()
    shot(page, "detail-desktop")
    dialog.locator(".diff").scroll_into_view_if_needed()
    screenshots.shot_of(dialog.locator(".diff"), "results-diff")
    page.keyboard.press("Escape")

    page.set_viewport_size({"width": 390, "height": 844})
    page.locator("#results-panel").scroll_into_view_if_needed()
    screenshots.shot_of(page.locator("#results-panel"), "results-table-phone")
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= 390, scroll  # the table scrolls in its box, not the page
    page.locator('#results-table tbody tr[data-combo="1"] .combo-open').click()
    expect(dialog.locator(".answer-col").first).to_be_visible()
    shot(page, "detail-phone")


def test_a_diff_of_two_answers_marks_the_changed_words(context: BrowserContext, page: Page) -> None:
    result = synthetic.synthetic_result(1, 1, models=2)
    first, second = result["comparisons"][0]["results"]
    first["response"] = "The red car turns left at 00:12."
    second["response"] = "The blue car turns left at 00:12 quickly."
    open_synthetic(context, page, result)
    page.locator('#results-table tbody tr[data-combo="1"] .combo-open').click()
    output = page.locator("#diff-output")
    expect(output).to_have_text("The red blue car turns left at 00:12.00:12 quickly.")
    expect(output.locator("del")).to_have_text(["red ", "00:12."])
    expect(output.locator("ins")).to_have_text(["blue ", "00:12 quickly."])
    # The other way round: what was inserted is now deleted.
    page.select_option("#diff-a", second["model_id"])
    page.select_option("#diff-b", first["model_id"])
    expect(output.locator("del")).to_have_text(["blue ", "00:12 quickly."])
    expect(output.locator("ins")).to_have_text(["red ", "00:12."])


# --------------------------------------------------------------------------- two jobs


def _mean(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return statistics.fmean(known) if known else None


def expect_comparison(page: Page, first: dict, second: dict, by: str) -> None:
    """The compare panel says what two results, paired in order, say."""
    output = page.locator("#compare-output")
    pairs = list(zip(first["comparisons"], second["comparisons"], strict=True))
    models = [r["model_id"] for r in first["comparisons"][0]["results"]]
    higher = []
    for a, b in pairs:
        x = _mean([score(a, m) for m in models])
        y = _mean([score(b, m) for m in models])
        higher.append("first" if x > y else "second" if y > x else "tie")
    other = second["job_id"][:12]
    expect(output.locator(".compare-summary")).to_have_text(
        f"{len(pairs)} combinations paired by {by}: this job scored higher in "
        f"{higher.count('first')}, job {other} in {higher.count('second')}, "
        f"tied in {higher.count('tie')}."
    )
    for model in models:
        a = _mean([score(c, model) for c, _ in pairs])
        b = _mean([score(c, model) for _, c in pairs])
        assert a is not None and b is not None
        sign = "+" if b > a else "−" if b < a else ""
        expect(output.locator(f'.compare-models tr[data-model-id="{model}"] td')).to_have_text(
            [re.compile(".+"), f"{a:.2f}", f"{b:.2f}", f"{sign}{abs(b - a):.2f}"]
        )
    rows = output.locator(".compare-combos tbody tr")
    expect(rows).to_have_count(len(pairs))
    assert rows.evaluate_all("rows => rows.map(r => r.dataset.higher)") == higher
    # Each row names its video (two rows of one prompt are two videos), and the other
    # job's id in the headings is the id as written: uppercased, it would name no job.
    shown = rows.evaluate_all(
        "rows => rows.map(r => [r.cells[1].textContent, r.cells[2].textContent])"
    )
    assert all(video for video, _ in shown) and len(set(map(tuple, shown))) == len(pairs)
    heading = output.locator(".compare-combos th").nth(4)
    assert heading.inner_text() == f"Job {other}"


def compare_with(page: Page, job_id: str) -> None:
    if not page.locator("#compare").evaluate("d => d.open"):
        page.locator("#compare summary").click()
    page.fill("#compare-job", job_id)
    page.get_by_role("button", name="Compare", exact=True).click()


def test_compare_two_jobs_of_a_prompt_ab_test(context: BrowserContext, page: Page) -> None:
    first = synthetic.synthetic_result(3, 2, seed=1)
    second = synthetic.synthetic_result(3, 2, seed=2)
    second["job_id"] = "synthsecond0000000000"
    for c in second["comparisons"]:  # other prompts, same videos: paired by number
        c["prompt"] = c["prompt"].replace("what happens", "describe what happens")
    synthetic.route_job(context, second)
    open_synthetic(context, page, first)
    compare_with(page, second["job_id"])
    expect_comparison(page, first, second, "combination number")
    expect(page.locator("#compare-output .compare-prompt").first).to_have_text(
        f"{first['comparisons'][0]['prompt']} ⟷ {second['comparisons'][0]['prompt']}"
    )
    compare_with(page, "nosuchjob000")
    expect(page.locator("#compare-output .compare-error")).to_contain_text("nosuchjob000")


def test_compare_two_real_jobs_by_short_id(
    page: Page, job: dict, stack: StackInfo, videos: dict[str, str]
) -> None:
    # The same videos and prompts judged once instead of twice: paired by video and prompt.
    with httpx.Client(base_url=stack.base_url, timeout=60) as api:
        again = run_job(
            api,
            list(videos.values()),
            ["When are the scene cuts?", "Which colours dominate?"],
            judge_model="local-rubric",
            name="judged once",
        )
    page.goto(f"/?job={job['job_id']}")
    expect(page.locator("#results-table tbody tr")).to_have_count(4)
    page.locator("#compare summary").click()
    # The jobs list offers it (by name); a 12-character id, as the page shows them, works.
    expect(page.locator(f'#compare-jobs option[value="{again["job_id"]}"]')).to_have_text(
        re.compile("^judged once")
    )
    compare_with(page, again["job_id"][:12])
    expect_comparison(page, job["result"], again["result"], "video and prompt")


# --------------------------------------------------------------------------- exports


def test_export_sends_the_key_and_saves_under_the_servers_name(
    context: BrowserContext, page: Page
) -> None:
    result = synthetic.synthetic_result(2, 2)
    asked: list[dict[str, str]] = []

    def export(route: Route) -> None:
        asked.append(route.request.headers | {"url": route.request.url})
        route.fulfill(
            body="a,b\n1,2\n",
            headers={
                "content-type": "text/csv",
                "content-disposition": 'attachment; filename="vidcompare-synth012-job.csv"',
            },
        )

    context.route(f"**/api/jobs/{result['job_id']}/export?format=*", export)
    page.add_init_script("localStorage.setItem('vidcompare.apiKey', 'vc_key_for_export')")
    open_synthetic(context, page, result)
    with page.expect_download() as download:
        page.locator("#results-export").get_by_role("button", name="CSV").click()
    assert download.value.suggested_filename == "vidcompare-synth012-job.csv"
    assert Path(download.value.path()).read_text() == "a,b\n1,2\n"
    assert asked[0]["x-api-key"] == "vc_key_for_export"
    assert asked[0]["url"].endswith(f"/api/jobs/{result['job_id']}/export?format=csv")


# --------------------------------------------------------------------------- the player


def wait_until(page: Page, predicate: str, arg: object = None, timeout_s: float = 15.0) -> None:
    """Poll a JS predicate with page.evaluate: wait_for_function builds it with
    new Function in the page, which the page's CSP (no unsafe-eval) refuses at times."""
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(predicate, arg):
        assert time.monotonic() < deadline, f"not true within {timeout_s} s: {predicate}"
        time.sleep(0.05)


def test_a_timestamp_seeks_the_video_player(page: Page, job: dict) -> None:
    # The real video through a playback grant; a timestamp in an answer seeks it there.
    page.goto(f"/?job={job['job_id']}&combo=1")
    dialog = page.locator("#answer-view")
    video = dialog.locator("video")
    expect(video).to_have_attribute("src", re.compile(r"/api/videos/[^/]+/content\?token="))
    wait_until(page, "() => document.querySelector('#answer-view video').readyState >= 1")
    duration = video.evaluate("v => v.duration")
    stamps = dialog.locator(".answer-text .ts, .reasoning .ts")
    assert stamps.count() > 0, "the offline answers name the times of their cuts"
    seconds = [float(s) for s in stamps.evaluate_all("b => b.map(x => x.dataset.seconds)")]
    inside = [i for i, t in enumerate(seconds) if 0 < t < duration]
    assert inside, (seconds, duration)
    target = seconds[inside[-1]]
    stamps.nth(inside[-1]).click()
    wait_until(
        page,
        "t => Math.abs(document.querySelector('#answer-view video').currentTime - t) < 0.3",
        target,
    )
    # Before the metadata is in, the seek waits for it (a new detail, a new player).
    dialog.get_by_role("button", name="Next combination").click()
    dialog.locator(".ts").first.click()
    first = float(dialog.locator(".ts").first.get_attribute("data-seconds") or 0)
    wait_until(
        page,
        "t => { const v = document.querySelector('#answer-view video');"
        " return v.readyState >= 1 && Math.abs(v.currentTime - Math.min(t, v.duration)) < 0.3; }",
        first,
    )
    shot(page, "player")


def test_export_buttons_download_the_real_files(page: Page, job: dict) -> None:
    page.goto(f"/?job={job['job_id']}")
    expect(page.locator("#results-table tbody tr")).to_have_count(4)
    stem = f"vidcompare-{job['job_id'][:8]}-job"
    files = {}
    for label, ext in [
        ("CSV", "csv"),
        ("JSON", "json"),
        ("Markdown", "md"),
        ("HTML report", "html"),
    ]:
        with page.expect_download() as download:
            page.locator("#results-export").get_by_role("button", name=label, exact=True).click()
        assert download.value.suggested_filename == f"{stem}.{ext}"
        files[ext] = Path(download.value.path()).read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(files["csv"])))
    assert len(rows) == 4
    for row, comparison in zip(rows, job["result"]["comparisons"], strict=True):
        for model in OFFLINE:
            assert float(row[f"score {model}"]) == score(comparison, model)
    assert json.loads(files["json"])["job_id"] == job["job_id"]
    assert job["result"]["comparisons"][0]["prompt"] in files["md"]
    assert files["html"].lstrip().lower().startswith("<!doctype html")
    assert "<script src" not in files["html"] and "<link" not in files["html"]
