"""The Leaderboard view across jobs (?view=leaderboard) in Chromium: the ranking table, the
forest plot's geometry, the heat map's values and colours, the filters (request and address),
prompt A/B, the empty state, an API error, and a phone's width.

Two real jobs run on the session's local stack (offline models and the fake Gemini, judged by
the offline rubric judge), tagged with a tag of this module's own, so the view is filtered to
them whatever else the session ran. Every number on the page is checked against the API's
own answer for the same filters. Screenshots go to test-output/screenshots/library-*.png.
"""

from __future__ import annotations

import re
import time
import uuid
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import httpx
import pytest
import screenshots
from playwright.sync_api import Page, expect

from vidcompare.devstack.stack import StackInfo

CUTS, COLOURS, MOTION = (
    "When are the scene cuts?",
    "Which colours dominate?",
    "Describe the motion.",
)
# One comparison component of three models, another of two: the two are "not comparable".
MAIN_MODELS = ["local-scenes", "local-motion-colour", "gemini-3.8-flash"]
SIDE_MODELS = ["gemini-3.1-pro-preview", "gemini-3.6-flash"]
VIRIDIS = [
    "#440154",
    "#472d7b",
    "#3b528b",
    "#2c728e",
    "#21918c",
    "#28ae80",
    "#5ec962",
    "#addc30",
    "#fde725",
]


def run_job(api: httpx.Client, body: dict[str, Any]) -> str:
    answer = api.post("/api/batch-compare-async", json=body)
    assert answer.status_code == 202, answer.text
    job_id = answer.json()["job_id"]
    deadline = time.monotonic() + 120
    while (job := api.get(f"/api/jobs/{job_id}").json())["status"] != "completed":
        assert job["status"] in ("pending", "running"), job
        assert time.monotonic() < deadline, job
        time.sleep(0.3)
    return job_id


@pytest.fixture(scope="module")
def library(stack: StackInfo, videos: dict[str, str]) -> dict[str, Any]:
    """Two completed jobs under a tag of this module's own: their ids and the tag."""
    tag = f"lib-{uuid.uuid4().hex[:8]}"
    with httpx.Client(base_url=stack.base_url, timeout=60) as api:
        main = run_job(
            api,
            {
                "video_ids": list(videos.values()),
                "prompts": [CUTS, COLOURS],
                "models": MAIN_MODELS,
                "judge_model": "local-rubric",
                "judge_swaps": 2,
                "name": "library main",
                "tags": [tag, f"{tag}-main"],
                "prompt_tags": {CUTS: "A", COLOURS: "B"},
            },
        )
        side = run_job(
            api,
            {
                "video_ids": [videos["red_blue"]],
                "prompts": [CUTS, MOTION],
                "models": SIDE_MODELS,
                "judge_model": "local-rubric",
                "name": "library side",
                "tags": [tag],
                "prompt_tags": {CUTS: "A", MOTION: "B"},
            },
        )
    return {"tag": tag, "main": main, "side": side}


def leaderboard(api: httpx.Client, **params: Any) -> dict[str, Any]:
    answer = api.get("/api/leaderboard", params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()


def open_view(page: Page, query: str) -> None:
    page.goto(f"/?view=leaderboard&{query}")
    expect(page.locator("#library")).to_be_visible()
    expect(page.locator("#library")).not_to_have_attribute("aria-busy", "true")


def viridis(score: float) -> str:
    """The colour the heat map should give `score`: viridis over 0–10, linearly between stops."""
    t = min(1.0, max(0.0, score / 10)) * (len(VIRIDIS) - 1)
    i = min(len(VIRIDIS) - 2, int(t))
    low, high = ([int(VIRIDIS[k][j : j + 2], 16) for j in (1, 3, 5)] for k in (i, i + 1))
    return "rgb({}, {}, {})".format(
        *(round(a + (b - a) * (t - i)) for a, b in zip(low, high, strict=True))
    )


def js_fixed(value: float, digits: int = 0) -> str:
    """value as the page writes it: JavaScript's Math.round and toFixed round a half up
    (Python's round and format round it to even)."""
    exact = Decimal(value).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    return str(exact)


def ci_text(ci: list[float], digits: int) -> str:
    return f"{js_fixed(ci[0], digits)}–{js_fixed(ci[1], digits)}"


# --------------------------------------------------------------------------- pure shaping


def test_filters_read_from_and_written_to_the_address(page: Page) -> None:
    page.goto("/")
    got = page.evaluate(
        """async () => {
          const m = await import('/static/js/library-model.js');
          const read = m.readFilters('?view=leaderboard&by=prompt&model=a&model=b&model=a&job=j1'
            + '&tag=t+1&prompt_tag=A&judge=local-rubric&since=2026-01-02&metric=score');
          const fallback = m.readFilters('?by=colour&metric=stars&model=');
          return {read, api: m.apiQuery(read), page: m.pageQuery(read), fallback,
                  filtered: [m.isFiltered(read), m.isFiltered(fallback)],
                  defaultPage: m.pageQuery(fallback)};
        }"""
    )
    assert got["read"] == {
        "by": "prompt",
        "metric": "score",
        "models": ["a", "b"],
        "jobs": ["j1"],
        "tags": ["t 1"],
        "promptTags": ["A"],
        "judge": "local-rubric",
        "since": "2026-01-02",
        "until": "",
    }
    assert got["api"] == (
        "by=prompt&model=a&model=b&job=j1&tag=t+1&prompt_tag=A&judge=local-rubric&since=2026-01-02"
    )
    assert got["page"] == "view=leaderboard&" + got["api"] + "&metric=score"
    # Unknown values fall back to the defaults, which the address leaves out.
    assert got["fallback"]["by"] == "model"
    assert got["fallback"]["metric"] == "rating"
    assert got["fallback"]["models"] == []
    assert got["filtered"] == [True, False]
    assert got["defaultPage"] == "view=leaderboard"


def test_axis_colours_and_prompt_rows(page: Page) -> None:
    page.goto("/")
    got = page.evaluate(
        """async () => {
          const m = await import('/static/js/library-model.js');
          const rows = [{low: 1012, value: 1106, high: 1119}, {low: 870, value: 880, high: 911}];
          const scoreRows = [{low: 9.1, value: 9.6, high: 10}, {low: 2.2, value: 3, high: 3.9}];
          const axis = m.niceAxis(rows, 'rating');
          return {
            axis, scoreAxis: m.niceAxis(scoreRows, 'score'),
            flat: m.niceAxis([{low: 1000, value: 1000, high: 1000}], 'rating'),
            x: [m.project(900, axis, 100, 500), m.project(1000, axis, 100, 500)],
            colours: [0, 5, 10, 12, -1, 6.25].map(m.heatColour),
            ink: [m.inkOn(m.heatColour(0)), m.inkOn(m.heatColour(10))],
            heat: m.heatRows(
              {models: ['a', 'b'], prompts: ['p'], cells: [[{mean: 7.5, n: 3}, null]]}),
            cut: [m.truncate('short'), m.truncate('one two three four five six seven', 20)],
            ranked: m.rankColumns(
              {models: ['a', 'b', 'c'], prompts: ['p'],
               cells: [[{mean: 1, n: 1}, null, {mean: 3, n: 1}]]},
              ['c', 'a']),
            prompts: m.promptRows(
              [{prompt: 'p1', tag: 'A', combinations: 4,
                models: [{model_id: 'a', mean_score: 7, mean_ci: [6, 8], n: 4}]},
               {prompt: 'p2', tag: null, combinations: 2,
                models: [{model_id: 'a', mean_score: 5, mean_ci: [4, 6], n: 2},
                         {model_id: 'b', mean_score: 6, mean_ci: [5, 7], n: 2}]}],
              [{model_id: 'a', prompt: 'p1', mean_score: 7, clear: true},
               {model_id: 'b', prompt: 'p2', mean_score: 6, clear: false}], ['a', 'b']),
            summary: m.forestSummary(
              [{name: 'A', value: 1106, low: 1092, high: 1119, connected: false}], 'rating'),
          };
        }"""
    )
    # Round ticks covering every interval and 1000, the average model.
    assert got["axis"] == {
        "min": 850,
        "max": 1150,
        "ticks": [850, 900, 950, 1000, 1050, 1100, 1150],
    }
    assert got["scoreAxis"]["min"] == 2 and got["scoreAxis"]["max"] == 10
    assert got["flat"]["min"] < 1000 < got["flat"]["max"]
    assert got["x"] == [pytest.approx(100 + 400 * 50 / 300), pytest.approx(100 + 400 * 150 / 300)]
    assert got["colours"] == [
        "rgb(68, 1, 84)",
        "rgb(33, 145, 140)",
        "rgb(253, 231, 37)",
        "rgb(253, 231, 37)",
        "rgb(68, 1, 84)",
        viridis(6.25),
    ]
    assert got["ink"] == ["light", "dark"]
    assert got["heat"] == [
        {
            "prompt": "p",
            "cells": [
                {"modelId": "a", "mean": 7.5, "n": 3, "colour": viridis(7.5), "ink": "dark"},
                {"modelId": "b", "empty": True},
            ],
        }
    ]
    assert got["cut"] == ["short", "one two three four…"]
    assert got["ranked"] == {
        "models": ["c", "a", "b"],
        "prompts": ["p"],
        "cells": [[{"mean": 3, "n": 1}, {"mean": 1, "n": 1}, None]],
    }
    first, second = got["prompts"]
    assert first["cells"][0] == {
        "modelId": "a",
        "mean": 7,
        "ci": [6, 8],
        "n": 4,
        "best": True,
        "clear": True,
    }
    assert first["cells"][1] is None  # b was not asked p1
    assert [c["best"] for c in second["cells"]] == [False, True]
    assert second["cells"][1]["clear"] is False
    assert got["summary"] == (
        "Bradley–Terry rating per model with 95 % confidence intervals: "
        "A 1106 (95 % CI 1092–1119), not comparable."
    )


# --------------------------------------------------------------------------- real jobs


def test_the_ranking_table_is_the_apis(page: Page, api: httpx.Client, library: dict) -> None:
    data = leaderboard(api, tag=library["tag"])
    assert data["jobs"] == 2
    assert data["comparisons"] == 6
    open_view(page, f"tag={library['tag']}")
    rows = page.locator("#library-ranking tbody tr")
    expect(rows).to_have_count(len(MAIN_MODELS) + len(SIDE_MODELS))
    expect(page.locator("#library-summary")).to_have_text("6 combinations over 2 jobs")
    for row, model in zip(rows.all(), data["models"], strict=True):
        assert row.get_attribute("data-model-id") == model["model_id"]
        cells = row.locator("td")
        expect(cells.nth(0)).to_have_text(str(model["rank"]))
        expect(cells.nth(1)).to_contain_text(model["model_name"])
        expect(cells.nth(2)).to_have_text(
            f"{js_fixed(model['rating'])}{ci_text(model['rating_ci'], 0)}"
        )
        expect(cells.nth(3)).to_have_text(
            f"{js_fixed(model['mean_score'], 2)}{ci_text(model['mean_ci'], 2)}"
        )
        win = "—" if model["win_rate"] is None else f"{js_fixed(model['win_rate'] * 100)} %"
        expect(cells.nth(4)).to_have_text(win)
        expect(cells.nth(5)).to_have_text(str(model["combinations"]))
        expect(cells.nth(8)).to_have_text(str(model["errors"]))
        cost = model["cost_per_100_usd"]
        if cost is None or cost == 0:
            expect(cells.nth(7)).to_have_text("unpriced" if cost is None else "$0")
        else:
            shown = cells.nth(7).inner_text()
            assert float(shown.removeprefix("$")) == pytest.approx(cost, rel=0.05), shown
        # The smaller comparison component is marked and explained.
        expect(row.locator(".not-connected-badge")).to_have_count(0 if model["connected"] else 1)
    lonely = {m["model_id"] for m in data["models"] if not m["connected"]}
    assert lonely == set(SIDE_MODELS)
    expect(page.locator("#library-not-connected")).to_contain_text("Not comparable")
    expect(page.locator("#library-judges tbody tr")).to_have_count(len(data["judges"]))
    judge = data["judges"][0]
    consistency = judge["position_consistency"]
    expected = "no swaps run" if consistency is None else f"{js_fixed(consistency * 100)} %"
    expect(page.locator("#library-judges tbody tr").first.locator("td").nth(3)).to_have_text(
        expected
    )
    screenshots.shot(page, "library-desktop")


def axis_of(page: Page) -> tuple[float, float, float, float]:
    """Two ticks of the forest plot: (value, x) of the first and of the last."""
    ticks = page.locator("#library-forest .forest-tick")
    first, last = ticks.first, ticks.last
    return (
        float(first.get_attribute("data-value") or "nan"),
        float(first.get_attribute("x") or "nan"),
        float(last.get_attribute("data-value") or "nan"),
        float(last.get_attribute("x") or "nan"),
    )


def check_bars(page: Page, models: list[dict], value_key: str, ci_key: str) -> None:
    """Each model's bar spans its CI and its point sits at its value, read through the axis."""
    v0, x0, v1, x1 = axis_of(page)
    value_at = lambda x: v0 + (x - x0) * (v1 - v0) / (x1 - x0)  # noqa: E731
    tolerance = (v1 - v0) / 500
    for model in models:
        row = page.locator(f'#library-forest .forest-row[data-model="{model["model_id"]}"]')
        bar = row.locator(".forest-ci")
        low, high = model[ci_key]
        assert value_at(float(bar.get_attribute("x1") or "nan")) == pytest.approx(
            low, abs=tolerance
        )
        assert value_at(float(bar.get_attribute("x2") or "nan")) == pytest.approx(
            high, abs=tolerance
        )
        point = row.locator(".forest-point")
        assert value_at(float(point.get_attribute("cx") or "nan")) == pytest.approx(
            model[value_key], abs=tolerance
        )
        assert ("not-connected" in (row.get_attribute("class") or "")) is not model["connected"]


def test_the_forest_plot_draws_the_cis(page: Page, api: httpx.Client, library: dict) -> None:
    data = leaderboard(api, tag=library["tag"])
    open_view(page, f"tag={library['tag']}")
    plot = page.locator("#library-forest svg")
    expect(plot).to_have_attribute("role", "img")
    label = plot.get_attribute("aria-label") or ""
    assert label.startswith("Bradley–Terry rating per model with 95 % confidence intervals: ")
    first = data["models"][0]
    rating, ci = js_fixed(first["rating"]), ci_text(first["rating_ci"], 0)
    assert f"{first['model_name']} {rating} (95 % CI {ci})" in label
    expect(plot.locator(".forest-row")).to_have_count(len(data["models"]))
    expect(plot.locator(".forest-label")).to_contain_text("Bradley–Terry rating")
    check_bars(page, data["models"], "rating", "rating_ci")

    # The toggle: mean scores, kept in the address; the same request is not made again.
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url) if "/api/leaderboard" in r.url else None)
    page.locator('input[name="library-metric"][value="score"]').check()
    expect(page).to_have_url(re.compile(r"metric=score"))
    expect(plot.locator(".forest-label")).to_contain_text("Mean score")
    check_bars(page, data["models"], "mean_score", "mean_ci")
    assert requests == []
    page.go_back()
    expect(page.locator("#library-forest .forest-label")).to_contain_text("Bradley–Terry rating")


def test_the_heat_map_cells(page: Page, api: httpx.Client, library: dict) -> None:
    data = leaderboard(api, tag=library["tag"])
    matrix = data["matrix"]
    assert sorted(matrix["prompts"]) == sorted([CUTS, COLOURS, MOTION])
    open_view(page, f"tag={library['tag']}")
    table = page.locator("#library-heat-table")
    expect(table.locator("tbody tr")).to_have_count(len(matrix["prompts"]))
    empty = 0
    for p, prompt in enumerate(matrix["prompts"]):
        row = table.locator("tbody tr").nth(p)
        expect(row.locator("th .prompt-text")).to_have_attribute("title", prompt)
        for m, model_id in enumerate(matrix["models"]):
            cell = row.locator(f'td[data-model="{model_id}"]')
            value = matrix["cells"][p][m]
            if value is None:
                empty += 1
                expect(cell).to_have_class(re.compile(r"heat-empty"))
                expect(cell).to_have_text("–")
                continue
            expect(cell.locator(".heat-value")).to_have_text(js_fixed(value["mean"], 2))
            expect(cell.locator(".heat-n")).to_have_text(f"n = {value['n']}")
            colour = cell.evaluate("td => getComputedStyle(td).backgroundColor")
            assert colour == viridis(value["mean"]), (prompt, model_id)
    # The columns in the ranking's order.
    columns = table.locator("thead th.heat-model").all_inner_texts()
    assert columns == [m["model_name"] for m in data["models"]]
    # MOTION was asked of the side models only, COLOURS of the main ones only.
    assert empty == len(MAIN_MODELS) + len(SIDE_MODELS)
    expect(page.locator(".heat-legend")).to_contain_text("no comparisons")


def test_filters_change_the_request_and_the_address(
    page: Page, api: httpx.Client, library: dict
) -> None:
    tag = library["tag"]
    open_view(page, f"tag={tag}")
    # The choices are the jobs': their tags, models and judge; the address's are ticked.
    expect(page.locator(f'#library-tags-choices input[value="{tag}"]')).to_be_checked()
    expect(page.locator(f'#library-tags-choices input[value="{tag}-main"]')).not_to_be_checked()
    for model_id in MAIN_MODELS + SIDE_MODELS:
        expect(page.locator(f'#library-models-choices input[value="{model_id}"]')).to_have_count(1)
    expect(page.locator('#library-judge option[value="local-rubric"]')).to_have_count(1)
    # Only the side job, chosen in the Jobs picker.
    page.locator("#library-jobs summary").click()
    choice = page.locator(f'#library-jobs-choices input[value="{library["side"]}"]')
    with page.expect_request(lambda r: "/api/leaderboard" in r.url) as sent:
        choice.check()
    assert f"job={library['side']}" in sent.value.url and f"tag={tag}" in sent.value.url
    expect(page).to_have_url(re.compile(rf"[?&]job={library['side']}(&|$)"))
    side = leaderboard(api, tag=tag, job=library["side"])
    assert side["comparisons"] == 2
    expect(page.locator("#library-summary")).to_have_text("2 combinations over 1 job")
    expect(page.locator("#library-ranking tbody tr")).to_have_count(len(SIDE_MODELS))
    expect(page.locator("#library-jobs .pick-count")).to_have_text("1 chosen")

    # By prompt tag: the address says so and the prompt A/B table shows the tags.
    with page.expect_request(lambda r: "by=prompt_tag" in r.url):
        page.locator("#library-by").select_option("prompt_tag")
    expect(page).to_have_url(re.compile(r"by=prompt_tag"))
    expect(page.locator("#library-prompts tbody tr")).to_have_count(2)

    # Back: the previous filters, in the form and in the request.
    with page.expect_request(lambda r: "/api/leaderboard" in r.url and "by=" not in r.url):
        page.go_back()
    expect(page.locator("#library-by")).to_have_value("model")
    expect(page.locator("#library-prompts")).to_have_count(0)

    # A date range after today: nothing matches.
    with page.expect_request(lambda r: "since=2099-01-01" in r.url):
        page.locator("#library-since").fill("2099-01-01")
    expect(page.locator("#library-empty")).to_contain_text("Nothing matches these filters.")
    with page.expect_request(
        lambda r: "/api/leaderboard" in r.url and "since=" not in r.url and "job=" not in r.url
    ):
        page.locator("#library-empty").get_by_role("button", name="Clear the filters").click()
    expect(page).to_have_url(re.compile(r"\?view=leaderboard$"))


def test_a_model_filter_counts_only_its_models(
    page: Page, api: httpx.Client, library: dict
) -> None:
    tag = library["tag"]
    open_view(page, f"tag={tag}")
    page.locator("#library-models summary").click()
    boxes = page.locator("#library-models-choices")
    with page.expect_request(lambda r: "model=local-scenes" in r.url):
        boxes.locator('input[value="local-scenes"]').check()
    with page.expect_request(lambda r: "model=local-motion-colour" in r.url):
        boxes.locator('input[value="local-motion-colour"]').check()
    page.keyboard.press("Escape")  # the dropdown closes
    expect(page.locator("#library-models")).not_to_have_attribute("open", "")
    expect(page).to_have_url(re.compile(r"model=local-motion-colour&model=local-scenes&tag="))
    data = leaderboard(api, tag=tag, model=["local-scenes", "local-motion-colour"])
    assert {m["model_id"] for m in data["models"]} == {"local-scenes", "local-motion-colour"}
    ids = page.locator("#library-ranking tbody tr").evaluate_all(
        "rows => rows.map((r) => r.dataset.modelId)"
    )
    assert ids == [m["model_id"] for m in data["models"]]
    expect(page.locator("#library-summary")).to_have_text(
        f"{data['comparisons']} combinations over 1 job"
    )


def test_by_prompt_shows_the_means_and_the_winners(
    page: Page, api: httpx.Client, library: dict
) -> None:
    data = leaderboard(api, tag=library["tag"], by="prompt")
    open_view(page, f"by=prompt&tag={library['tag']}")
    table = page.locator("#library-prompts")
    expect(table.locator("tbody tr")).to_have_count(len(data["by_prompt"]))
    order = [m["model_id"] for m in data["models"]]
    for p, prompt in enumerate(data["by_prompt"]):
        row = table.locator("tbody tr").nth(p)
        assert row.get_attribute("data-prompt") == prompt["prompt"]
        own = {m["model_id"]: m for m in prompt["models"]}
        for m, model_id in enumerate(order):
            cell = row.locator("td").nth(1 + m)
            if model_id not in own or own[model_id]["mean_score"] is None:  # not asked this
                expect(cell).to_have_text("–")
                continue
            mean = own[model_id]
            expect(cell.locator(".ci-value")).to_have_text(js_fixed(mean["mean_score"], 2))
            expect(cell.locator(".ci-range").first).to_have_text(ci_text(mean["mean_ci"], 2))
    winners = page.locator("#library-winners li")
    expect(winners).to_have_count(len(data["prompt_winners"]))
    for item, winner in zip(winners.all(), data["prompt_winners"], strict=True):
        assert item.get_attribute("data-model") == winner["model_id"]
        assert item.get_attribute("data-clear") == str(winner["clear"]).lower()
        expect(item).to_contain_text(f"“{winner['prompt']}”")
        starred = table.locator(
            f'tr[data-prompt="{winner["prompt"]}"] td[data-model="{winner["model_id"]}"] .winner'
        )
        expect(starred).to_have_text("★" if winner["clear"] else "☆")
    screenshots.shot(page, "library-by-prompt")


def test_the_empty_state_and_an_api_error(page: Page, library: dict) -> None:
    open_view(page, f"tag={library['tag']}-nothing")
    expect(page.locator("#library-empty")).to_contain_text("Nothing matches these filters.")
    expect(page.locator("#library-ranking")).to_have_count(0)
    expect(page.locator("#setup")).to_be_hidden()  # the view is the page
    screenshots.shot(page, "library-empty")
    # A date the API refuses: its own message, in the page's banner.
    open_view(page, "since=yesterday-ish")
    expect(page.locator("#error-banner")).to_be_visible()
    expect(page.locator("#error-text")).to_contain_text("since")
    expect(page.locator("#library-status")).to_have_text("The leaderboard could not be loaded.")
    # Its cause gone, the message goes too.
    page.locator("#library-clear").click()
    expect(page.locator("#library-ranking")).to_be_visible()
    expect(page.locator("#error-banner")).to_be_hidden()


def test_the_top_bar_link_and_leaving_the_view(page: Page, library: dict) -> None:
    page.goto("/")
    expect(page.locator("#library")).to_be_hidden()
    page.locator("#library-link").click()
    expect(page).to_have_url(re.compile(r"\?view=leaderboard$"))
    expect(page.locator("#library-ranking")).to_be_visible()
    expect(page.locator("#setup")).to_be_hidden()
    page.go_back()
    expect(page.locator("#library")).to_be_hidden()
    expect(page.locator("#setup")).to_be_visible()


def test_a_phone_has_no_sideways_page(page: Page, library: dict) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    open_view(page, f"tag={library['tag']}&by=prompt")
    expect(page.locator("#library-heat-table")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # The forest plot is drawn at the phone's width, the heat map scrolls in its own box.
    width = float(page.locator("#library-forest svg").get_attribute("width") or "nan")
    assert width <= 390
    # Every word of the plot is inside it (its axis label too).
    texts = page.locator("#library-forest svg text").evaluate_all(
        "ts => ts.map((t) => { const b = t.getBBox(); return [b.x, b.x + b.width]; })"
    )
    assert texts and all(0 <= left and right <= width for left, right in texts), texts
    box = page.locator(".heat-scroll").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    # The prompt A/B table fits its box: no column cut off behind a scroll nobody sees.
    fits = page.locator("#library-prompts").evaluate(
        "t => [t.scrollWidth, t.parentElement.clientWidth]"
    )
    assert fits[0] <= fits[1], fits
    screenshots.shot(page, "library-phone")
