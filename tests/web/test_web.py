"""The web page at ``/``, driven in Debian's Chromium with Playwright, on the real stack.

Every test uses the session's local stack (emulators, functions, gateway); nothing is
mocked. Slow jobs use a Gemini model whose fake server (vidcompare.testing.fake_gemini, reached
through the real google-genai SDK) answers after a scripted delay, so that progress can
be watched, a job reloaded mid-way and cancelled. Screenshots go to
``test-output/screenshots/``. The browser fixtures are in ``conftest.py``; uploads in
``test_web_uploads.py``.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, expect
from screenshots import shot, shot_of

from vidcompare.auth import hash_key
from vidcompare.devstack.stack import Stack
from vidcompare.web import asset

OFFLINE = {"local-scenes": "Local Scenes", "local-motion-colour": "Local Motion & Colour"}
SLOW_MODEL = "gemini-3.8-flash"  # answered by the fake Gemini server after a delay
WEB_KEY = "vc_web_test_key"


def js_number(value: float) -> str:
    """How JavaScript's String() writes a number."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def select_videos(page: Page, video_ids: list[str]) -> None:
    for video_id in video_ids:
        page.locator(f'#video-list label[data-video-id="{video_id}"] input').check()


def choose_models(page: Page, model_ids: list[str], judge: str) -> None:
    for box in page.locator("#model-list input").all():
        if box.get_attribute("value") not in model_ids and box.is_checked():
            box.uncheck()
    for model_id in model_ids:
        page.locator(f'#model-list input[value="{model_id}"]').check()
    page.select_option("#judge-select", judge)


def set_prompts(page: Page, prompts: list[str]) -> None:
    areas = page.locator("#prompt-list textarea")
    while areas.count() < len(prompts):
        page.click("#add-prompt")
    while areas.count() > len(prompts):
        page.locator("#prompt-list .remove").last.click()
    for area, text in zip(areas.all(), prompts, strict=True):
        area.fill(text)


def wait_for_status(api: httpx.Client, job_id: str, status: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        job = api.get(f"/api/jobs/{job_id}").json()
        if job["status"] == status:
            return job
        assert time.monotonic() < deadline, f"job {job_id} still {job['status']}"
        time.sleep(0.2)


def job_of(page: Page) -> str:
    found = re.search(r"[?&]job=([^&#]+)", page.url)
    assert found, page.url
    return found[1]


def percent(page: Page) -> int:
    return int(page.inner_text("#progress-percent").rstrip("%"))


# --------------------------------------------------------------------------- tests


def test_page_and_assets_are_served_safely(api: httpx.Client) -> None:
    page = api.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert "Batch Mode" in page.text
    # One script, a module (no inline code: the CSP is default-src 'self').
    assert '<script type="module" src="static/js/main.js"></script>' in page.text
    assert page.text.count("<script") == 1
    # The page may connect to its own origin and to Cloud Storage (here the emulator), where
    # upload bytes go straight to a resumable session; nowhere else.
    policy = page.headers["content-security-policy"]
    storage = os.environ["STORAGE_EMULATOR_HOST"]
    assert policy.endswith(f"; connect-src 'self' {storage}"), policy
    assert policy.startswith("default-src 'self';"), policy
    for path, kind in [
        ("/static/js/main.js", "text/javascript; charset=utf-8"),
        ("/static/style.css", "text/css; charset=utf-8"),
        ("/static/icon.svg", "image/svg+xml"),
        ("/index.html", "text/html; charset=utf-8"),
    ]:
        answer = api.get(path)
        assert answer.status_code == 200, path
        assert answer.headers["content-type"] == kind, path
        assert answer.headers["x-content-type-options"] == "nosniff"
    # Unchanged files are not sent twice.
    etag = api.get("/static/js/main.js").headers["etag"]
    assert api.get("/static/js/main.js", headers={"If-None-Match": etag}).status_code == 304
    # Nothing but the page's own files: no sources, no folders, no way out.
    for raw in [
        "/static/__init__.py",
        "/static/../gateway.py",
        "/static/%2e%2e/gateway.py",
        "/static/..%2fgateway.py",
        "/static/.hidden.js",
        "/static/",
        "/static/nope.js",
        "/static/app.js",  # the script is js/main.js and its modules now
        "/static/js/",
        "/static/js/%2e%2e/index.html",
        "/static/js/.hidden.js",
        "/static/js/a/b.js",
        "/static/js/nope.js",
        "/static/js/main.css",
    ]:
        answer = httpx.request("GET", httpx.URL(str(api.base_url).rstrip("/") + raw))
        assert answer.status_code == 404, (raw, answer.status_code)
        assert answer.json()["error"]["code"] == "NOT_FOUND"
    refused = api.post("/", content=b"x")
    assert refused.status_code == 405
    assert refused.json()["error"]["code"] == "METHOD_NOT_ALLOWED"
    # The API behind the gateway is unchanged.
    assert api.get("/api/jobs?limit=1").status_code == 200


def test_asset_refuses_anything_but_the_pages_files() -> None:
    # The page's files, and the modules in its one subfolder, js/.
    assert asset("index.html") is not None
    main = asset("js/main.js")
    assert main is not None and main[1] == "text/javascript; charset=utf-8"
    # No way out of the folder, no dot-files, no sources, no other folders or nesting.
    for name in [
        "js/../x.js",
        "js/../index.html",
        "../app.js",
        "js/.hidden.js",
        "js/x.py",
        "js/__init__.py",
        "js/a/b.js",
        "js//main.js",
        "/js/main.js",
        "js\\main.js",
        "JS/main.js",
        "css/style.css",
        "js/style.css",  # js/ serves modules only
        "js/main.js\n",
        "js/",
        "js",
        "__init__.py",
        "",
    ]:
        assert asset(name) is None, name


def test_page_loads_every_module_without_errors(page: Page) -> None:
    # Each module is fetched once, 200, as JavaScript (browsers refuse a module script
    # served as anything else), and the page runs without a single console error.
    fetched: dict[str, tuple[int, str]] = {}
    page.on(
        "response",
        lambda answer: fetched.setdefault(
            answer.url.split("?")[0], (answer.status, answer.headers.get("content-type", ""))
        ),
    )
    page.goto("/")
    expect(page.locator("#model-list input").first).to_be_attached()
    expect(page.locator("#jobs-empty")).not_to_have_text("Loading…")
    expect(page.locator("#run-reason")).to_have_text(re.compile(r"^Select"))
    modules = {file.name for file in resources.files("vidcompare.web").joinpath("js").iterdir()}
    assert "main.js" in modules and len(modules) > 1
    scripts = {
        url.rsplit("/", 1)[1]: answer for url, answer in fetched.items() if "/static/js/" in url
    }
    assert set(scripts) == modules  # every module is used, and nothing else is asked for
    for name, (status, kind) in scripts.items():
        assert status == 200, name
        assert kind.split(";")[0] == "text/javascript", (name, kind)
    assert page.problems == []  # type: ignore[attr-defined]


def test_batch_from_upload_to_leaderboard(
    page: Page, api: httpx.Client, video_files: dict[str, Path]
) -> None:
    page.goto("/")
    expect(page.locator("#batch-mode")).to_be_checked()
    expect(page.locator("#run-button")).to_be_disabled()

    # Upload two videos through the page: each gets a progress row, then is selected.
    page.set_input_files("#file-input", [video_files["red_blue"], video_files["green"]])
    expect(page.locator("#uploads .upload.done")).to_have_count(2)
    expect(page.locator("#uploads .upload.done .upload-state").first).to_contain_text("uploaded")
    checked = page.locator("#video-list label.pick.checked")
    expect(checked).to_have_count(2)
    names = sorted(checked.locator(".pick-title").all_inner_texts())
    assert names == ["green-yellow-green.mp4", "red-blue.mp4"]
    video_ids = [label.get_attribute("data-video-id") for label in checked.all()]

    # Prompts: two presets, one edited; a third added and removed again.
    page.get_by_role("button", name="Scene cuts").click()
    page.get_by_role("button", name="Colours").click()
    areas = page.locator("#prompt-list textarea")
    expect(areas).to_have_count(2)
    areas.nth(1).fill("Which colours dominate?")
    page.click("#add-prompt")
    areas.nth(2).fill("to be removed")
    expect(page.locator("#run-button")).to_have_text("Run 2 × 3 = 6 Comparisons")
    page.get_by_role("button", name="Remove prompt 3").click()
    expect(areas).to_have_count(2)
    prompts = ["When are the scene cuts?", "Which colours dominate?"]
    assert [a.input_value() for a in areas.all()] == prompts

    # Models: at most 4 (the rest are disabled), then the two offline ones.
    choose_models(
        page,
        ["local-scenes", "local-motion-colour", "gemini-3.1-pro-preview", "gemini-3.6-flash"],
        "local-rubric",
    )
    expect(page.locator("#model-list input:checked")).to_have_count(4)
    expect(page.locator('#model-list input[value="gemini-3.8-flash"]')).to_be_disabled()
    expect(page.locator("#model-hint")).to_contain_text("4 of 4 models chosen")
    # A deprecated model is said so before the batch runs, with what to use instead.
    choose_models(page, ["local-scenes", "gemini-3.7-flash"], "local-rubric")
    expect(page.locator("#estimate .estimate-warning")).to_have_text(
        "gemini-3.7-flash is deprecated; use gemini-3.8-flash instead"
    )
    shot_of(page.locator(".run-bar"), "estimate-deprecated-warning")
    choose_models(page, list(OFFLINE), "local-rubric")
    expect(page.locator("#estimate .estimate-warning")).to_have_count(0)
    expect(page.locator('#model-list input[value="gemini-3.8-flash"]')).to_be_enabled()

    run = page.locator("#run-button")
    expect(run).to_have_text("Run 2 × 2 = 4 Comparisons")
    expect(run).to_be_enabled()

    # The estimate is the API's dry run of exactly this batch.
    body = {
        "video_ids": video_ids,
        "prompts": prompts,
        "models": list(OFFLINE),
        "judge_model": "local-rubric",
        "concurrency": 1,
        "dry_run": True,
    }
    estimate = api.post("/api/batch-compare-async", json=body).json()
    expect(page.locator("#estimate")).to_have_attribute(
        "data-seconds", js_number(estimate["estimated_seconds"])
    )
    expect(page.locator("#estimate")).to_contain_text("Estimated time ≈")
    expect(page.locator("#estimate")).to_contain_text("8 model calls + 4 judge calls")
    shot(page, "01-setup")

    run.click()
    expect(page).to_have_url(re.compile(r"\?job=[^&]+$"))
    job_id = job_of(page)
    expect(page.locator("#job-id")).to_have_text(job_id)
    expect(page.locator("#job-status")).to_have_text("completed", timeout=60_000)
    expect(page.locator("#progress-percent")).to_have_text("100%")
    job = api.get(f"/api/jobs/{job_id}").json()
    expect(page.locator("#progress-message")).to_have_text(job["progress_message"])
    assert job["total_combinations"] == 4 and job["status"] == "completed"
    expect(page.locator("#background-note")).to_be_hidden()

    # One table row per combination, one cell per model: score and latency (the detail and
    # its answers side by side are tested in test_web_results.py).
    result = job["result"]
    rows = page.locator("#results tr")
    expect(rows).to_have_count(4)
    expect(page.locator("#results-count")).to_have_text("4 combinations")
    expect(page.locator("#results-table th.model-col")).to_have_text(
        [f"{name}↕" for name in OFFLINE.values()]
    )
    for comparison in result["comparisons"]:
        row = page.locator(f'#results tr[data-combo="{comparison["index"] + 1}"]')
        expect(row.locator(".prompt-clamp")).to_have_text(comparison["prompt"])
        for evaluation in comparison["evaluation"]:
            cell = row.locator(f'td[data-model-id="{evaluation["model_id"]}"]')
            expect(cell.locator(".cell-score")).to_have_text(js_number(evaluation["score"]))
            expect(cell.locator(".cell-latency")).to_have_text(re.compile(r"^\d+ ms$|^\d+\.\d+ s$"))
    rows.first.locator(".combo-open").click()
    first = page.locator("#answer-view .answer-col").first
    expect(first.locator(".answer-text")).to_have_text(
        result["comparisons"][0]["results"][0]["response"].strip()
    )
    expect(page.locator("#answer-view .judge-summary")).to_have_text(
        result["comparisons"][0]["overall_summary"]
    )
    page.keyboard.press("Escape")

    # Leaderboard in the API's order, and a chart with one score and latency bar per model.
    ranked = [row["model_name"] for row in result["leaderboard"]]
    assert sorted(ranked) == sorted(OFFLINE.values())
    expect(page.locator("#leaderboard tbody .lb-name")).to_have_text(ranked)
    expect(page.locator("#chart svg text.label")).to_have_text(ranked)
    expect(page.locator("#chart svg rect.score-bar[data-model]")).to_have_count(2)
    expect(page.locator("#chart svg rect.latency-bar")).to_have_count(3)  # 2 bars + legend

    # The jobs list has it, completed, with a link to its results.
    row = page.locator(f'#jobs-table tr[data-job-id="{job_id}"]')
    expect(row).to_have_attribute("data-status", "completed")
    expect(row.locator(".job-open")).to_have_text("Results")
    expect(row.locator(".job-cancel")).to_be_hidden()
    shot(page, "02-results")
    shot_of(page.locator("#job-panel"), "02a-job-panel")
    shot_of(page.locator("#leaderboard-panel"), "02b-leaderboard")
    shot_of(page.locator("#results-panel"), "02c-results-table")


def test_progress_moves_survives_reload_and_second_tab(
    page: Page, context: BrowserContext, api: httpx.Client, videos: dict[str, str], fake_gemini
) -> None:
    # Each Gemini call takes 2.5 s: 4 combinations on one lane take about 10 s, time for
    # two polls per combination even while the reload and the second tab take their time.
    fake_gemini.script(SLOW_MODEL, latency_ms=2500)
    page.goto("/")
    select_videos(page, list(videos.values()))
    set_prompts(page, ["How long is it?", "When are the scene cuts?"])
    choose_models(page, ["local-scenes", SLOW_MODEL], "local-rubric")
    expect(page.locator("#run-button")).to_have_text("Run 2 × 2 = 4 Comparisons")
    page.click("#run-button")
    expect(page).to_have_url(re.compile(r"\?job="))
    job_id = job_of(page)
    expect(page.locator("#background-note")).to_be_visible()
    expect(page.locator("#background-note")).to_contain_text("you may close this page")

    # Watch the bar: percent and message change as combinations finish (polled every 2 s).
    seen: list[tuple[int, str, str]] = []
    reloaded = False
    second_tab = None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status = page.text_content("#job-status") or ""
        sample = (percent(page), page.inner_text("#progress-message"), status)
        if not seen or sample != seen[-1]:
            seen.append(sample)
        if status == "completed":
            break
        if not reloaded and re.fullmatch(r"Processing combination [23]/4\.\.\.", sample[1]):
            shot(page, "03-progress")
            eta = page.inner_text("#progress-eta")
            assert re.fullmatch(
                r"ETA (under 1 s|[\d.]+ s|\d+ min( \d+ s)?)|estimating time left…", eta
            ), eta
            # Reload mid-job: the address alone finds the job again.
            page.reload()
            reloaded = True
            expect(page.locator("#job-id")).to_have_text(job_id)
            expect(page.locator("#job-status")).to_have_text(re.compile("running|completed"))
            assert percent(page) >= sample[0]
            # And so does a second tab, with the #job= form of the address.
            second_tab = context.new_page()
            second_tab.goto(f"/#job={job_id}")
            expect(second_tab.locator("#job-id")).to_have_text(job_id)
            expect(second_tab).to_have_url(re.compile(rf"\?job={job_id}$"))
        time.sleep(0.1)
    assert reloaded, f"never saw the job mid-way: {seen}"
    assert seen[-1] == (100, seen[-1][1], "completed"), seen
    percents = [p for p, _, _ in seen]
    assert percents == sorted(percents), f"the bar went backwards: {seen}"
    moving = sorted({p for p in percents if 10 <= p < 100})
    assert len(moving) >= 2, f"the bar did not move through the batch: {seen}"
    messages = [m for _, m, _ in seen if m.startswith("Processing combination")]
    assert len(set(messages)) >= 2, seen
    assert second_tab is not None
    expect(second_tab.locator("#job-status")).to_have_text("completed", timeout=20_000)
    expect(second_tab.locator("#results tr")).to_have_count(4)
    expect(page.locator("#results tr")).to_have_count(4)
    expect(page.locator("#chart svg text.label")).to_have_text(
        [row["model_name"] for row in api.get(f"/api/jobs/{job_id}/result").json()["leaderboard"]]
    )
    assert sorted(page.locator("#chart svg text.label").all_text_contents()) == [
        "Gemini 3.8 Flash",
        "Local Scenes",
    ]
    second_tab.close()


def test_cancel_a_job_from_the_jobs_list(
    page: Page, api: httpx.Client, videos: dict[str, str], fake_gemini
) -> None:
    fake_gemini.script(SLOW_MODEL, latency_ms=2000)
    batch = {
        "video_ids": list(videos.values()),
        "prompts": ["How long is it?", "Which colours dominate?"],
        "models": ["local-scenes", SLOW_MODEL],
        "judge_model": "local-rubric",
    }
    started = api.post("/api/batch-compare-async", json=batch)
    assert started.status_code == 202, started.text
    job_id = started.json()["job_id"]

    page.goto("/")
    row = page.locator(f'#jobs-table tr[data-job-id="{job_id}"]')
    expect(row).to_have_attribute("data-status", re.compile("pending|running"))
    expect(row.locator(".count")).to_have_text(re.compile(r"^[0-3]/4 · \d+%$"))
    row.locator(".job-cancel").click()
    page.locator("#cancel-confirm").click()  # asked first (test_web_form.py)
    expect(row).to_have_attribute("data-status", "cancelled")
    expect(row.locator(".badge")).to_have_text("cancelled")
    expect(row.locator(".job-cancel")).to_be_hidden()
    job = api.get(f"/api/jobs/{job_id}").json()
    assert job["status"] == "cancelled"
    assert job["completed_combinations"] < 4
    expect(page.locator("#error-banner")).to_be_hidden()

    # Its link opens it: cancelled, with no cancel button and the note gone.
    row.locator(".job-open").click()
    expect(page).to_have_url(re.compile(rf"\?job={job_id}$"))
    expect(page.locator("#job-status")).to_have_text("cancelled")
    expect(page.locator("#job-cancel")).to_be_hidden()
    expect(page.locator("#background-note")).to_be_hidden()
    shot(page, "04-cancelled")


def test_models_and_judges_are_the_apis(page: Page, api: httpx.Client) -> None:
    catalog = api.get("/api/models").json()
    page.goto("/")
    labels = page.locator("#model-list label.pick")
    expect(labels).to_have_count(len(catalog["models"]))
    shown = page.evaluate(
        """() => [...document.querySelectorAll("#model-list label.pick")].map((label) => [
            label.dataset.modelId,
            label.querySelector("input").value,
            label.querySelector(".pick-title").firstChild.textContent,
            label.querySelector(".tag").textContent,
        ])"""
    )
    assert shown == [
        [m["model_id"], m["model_id"], m["display_name"], "offline" if m["offline"] else "Gemini"]
        for m in catalog["models"]
    ]
    # Deprecated models say so, with their shutdown date and replacement; prices are shown.
    lite = page.locator('#model-list label.pick[data-model-id="gemini-3.1-flash-lite"]')
    expect(lite.locator(".tag-deprecated")).to_have_text("deprecated")
    expect(lite.locator(".pick-warn")).to_have_text(
        "Deprecated, shuts down 2027-05-07, use gemini-3.5-flash-lite"
    )
    current = page.locator('#model-list label.pick[data-model-id="gemini-3.8-flash"]')
    expect(current.locator(".tag-deprecated")).to_have_count(0)
    expect(current.locator(".pick-sub")).to_contain_text("in / $")
    expect(current.locator(".pick-sub")).to_contain_text("out per 1M tokens")
    shot(page, "models-catalogue")
    shot_of(lite, "model-deprecated")
    # A fresh profile starts with the offline models chosen.
    checked = page.locator("#model-list input:checked")
    expect(checked).to_have_count(len(OFFLINE))
    assert [box.get_attribute("value") for box in checked.all()] == list(OFFLINE)
    expect(page.locator("#model-hint")).to_have_text(
        f"Choose up to {catalog['max_models']} models ({len(OFFLINE)} chosen); "
        "they run in parallel."
    )
    # The judges: automatic, the server's two defaults, then the others; names as the models'.
    options = page.locator("#judge-select option")
    expect(options).to_have_count(1 + len(catalog["judges"]))
    values = [o.get_attribute("value") for o in options.all()]
    assert values[:3] == ["", catalog["default_judge"], catalog["gemini_judge"]]
    assert sorted(values[1:]) == sorted(j["judge_id"] for j in catalog["judges"])
    labels_by_id = dict(zip(values, options.all_inner_texts(), strict=True))
    assert labels_by_id["local-rubric"] == "Local Rubric Judge (offline)"
    assert labels_by_id["gemini-3.1-pro-preview"] == "Gemini 3.1 Pro Preview"
    assert labels_by_id["gemini-3.7-flash"] == "Gemini 3.7 Flash (deprecated)"
    assert labels_by_id[""] == "Automatic (Local Rubric Judge; Gemini 3.8 Flash with Gemini models)"


def test_a_server_without_gemini_says_why_and_offers_the_offline_models(
    page: Page, local_stack: Stack
) -> None:
    local_stack.restart("job_status", extra_env={"GEMINI_API_KEY": ""})
    try:
        page.goto("/")
        expect(page.locator("#model-list label.pick")).to_have_count(len(OFFLINE))
        note = page.locator('#model-list .provider-note[data-provider="gemini"]')
        expect(note).to_have_text(
            "Gemini models are unavailable: Gemini is not configured on this server: set "
            "GEMINI_API_KEY (or GOOGLE_API_KEY), or GOOGLE_GENAI_USE_VERTEXAI=true with "
            "GOOGLE_CLOUD_PROJECT and GOOGLE_CLOUD_LOCATION, where the functions run, and "
            "restart them (locally: vidcompare down, then GEMINI_API_KEY=... vidcompare up)"
        )
        expect(note.locator("code")).to_have_text(  # the server's `…` as code
            ["vidcompare down", "GEMINI_API_KEY=... vidcompare up"]
        )
        expect(page.locator("#judge-select option").first).to_have_text(
            "Automatic (Local Rubric Judge)"
        )
        shot_of(page.locator("#step-models"), "models-without-gemini")
    finally:
        local_stack.restart("job_status")


def test_a_model_list_that_cannot_load_is_said_and_retried(page: Page, api: httpx.Client) -> None:
    # The browser cannot reach /api/models (the rest of the API answers): a readable
    # message in the models step, Run stays off; "Try again" loads it once it is back.
    page.route("**/api/models", lambda route: route.abort())
    page.goto("/")
    error = page.locator("#models-error-text")
    expect(error).to_have_text(
        re.compile(r"^Could not load the list of models: Cannot reach the server at .+\?$")
    )
    expect(page.locator("#run-reason")).to_have_text(
        "The list of models could not be loaded (see Models)."
    )
    expect(page.locator("#run-button")).to_be_disabled()
    expect(page.locator("#judge-select")).to_be_disabled()
    page.unroute("**/api/models")
    page.locator("#model-list").get_by_role("button", name="Try again").click()
    models = api.get("/api/models").json()["models"]
    expect(page.locator("#model-list input")).to_have_count(len(models))
    expect(error).to_have_count(0)
    expect(page.locator("#judge-select")).to_be_enabled()


def test_errors_are_shown_as_the_servers_message(
    page: Page, api: httpx.Client, videos: dict[str, str], tmp_path: Path
) -> None:
    # A job that does not exist: the server's 404 message, not JSON.
    missing = api.get("/api/jobs/no-such-job")
    assert missing.status_code == 404
    page.goto("/?job=no-such-job")
    banner = page.locator("#error-text")
    expect(banner).to_have_text(missing.json()["error"]["message"])
    expect(page.locator("#job-panel")).to_be_hidden()
    expect(page).to_have_url(re.compile(r"/$"))  # dropped from the address
    page.click("#error-close")
    expect(page.locator("#error-banner")).to_be_hidden()

    # A prompt over the server's limit: its 400 (the dry run's) is said next to Run, which
    # stays off, with the field as the form names it (test_web_form.py: on Run itself).
    long_prompt = "Describe the video. " * 125  # 2,500 characters
    select_videos(page, [videos["green"]])
    set_prompts(page, [long_prompt])
    choose_models(page, ["local-scenes"], "local-rubric")
    refused = api.post(
        "/api/batch-compare-async",
        json={
            "video_ids": [videos["green"]],
            "prompts": [long_prompt],
            "models": ["local-scenes"],
            "judge_model": "local-rubric",
            "concurrency": 1,
        },
    )
    assert refused.status_code == 400
    message = refused.json()["error"]["message"]
    assert message.startswith("prompts[0]: ") and "at most 2000" in message
    expect(page.locator("#run-reason")).to_have_text(message.replace("prompts[0]", "Prompt 1"))
    expect(page.locator("#run-button")).to_be_disabled()
    newest = [j["job_id"] for j in api.get("/api/jobs?limit=1").json()["jobs"]]
    page.click("#run-button", force=True)
    assert "?job=" not in page.url
    # Nothing was created.
    assert [j["job_id"] for j in api.get("/api/jobs?limit=1").json()["jobs"]] == newest

    # A file that is not a video: the upload row says why, in the server's words.
    not_video = tmp_path / "notes.mp4"
    not_video.write_text("this is not a video\n" * 50)
    page.set_input_files("#file-input", [not_video])
    failed = page.locator("#uploads .upload.failed")
    expect(failed).to_have_count(1)
    expect(failed.locator(".upload-error")).to_contain_text("notes.mp4: not a video we can decode")
    assert "{" not in failed.inner_text()
    shot(page, "05-errors")


def test_single_mode(page: Page, videos: dict[str, str]) -> None:
    page.goto("/")
    select_videos(page, list(videos.values()))
    set_prompts(page, ["How long is it?", "When are the scene cuts?"])
    expect(page.locator("#run-button")).to_have_text("Run 2 × 2 = 4 Comparisons")
    page.locator("label.switch").click()  # Batch Mode off
    expect(page.locator("#batch-mode")).not_to_be_checked()
    expect(page.locator("#run-button")).to_have_text("Run Comparison")
    expect(page.locator("#video-list input[type=radio]:checked")).to_have_count(1)
    expect(page.locator("#video-list input[type=checkbox]")).to_have_count(0)
    expect(page.locator("#add-prompt")).to_be_hidden()
    expect(page.locator("#prompt-list textarea").nth(1)).to_be_hidden()
    expect(page.locator("#estimate")).to_contain_text("1 judge call")
    shot(page, "06-single-mode")
    page.locator("label.switch").click()  # back to batch: the second prompt is still there
    expect(page.locator("#run-button")).to_have_text("Run 1 × 2 = 2 Comparisons")

    # On a phone: one column, nothing wider than the screen.
    page.set_viewport_size({"width": 390, "height": 844})
    expect(page.locator("#step-prompts")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "08-phone")


@pytest.fixture
def auth_on(local_stack: Stack) -> Iterator[str]:
    """The API functions restarted with auth on (one key); off again afterwards."""
    functions = ("start_batch", "job_status")
    env = {"VIDCOMPARE_AUTH": "on", "VIDCOMPARE_API_KEYS": f"web={hash_key(WEB_KEY)}"}
    local_stack.restart(*functions, extra_env=env)
    try:
        yield WEB_KEY
    finally:
        local_stack.restart(*functions)


def test_api_key_is_asked_for_on_401_and_kept(page: Page, auth_on: str, api: httpx.Client) -> None:
    refused: dict[str, Any] = api.get("/api/jobs").json()
    page.goto("/")
    dialog = page.locator("#key-dialog")
    expect(dialog).to_be_visible()
    expect(page.locator("#key-server")).to_have_text(
        f"The server says: {refused['error']['message']}"
    )
    shot(page, "07-api-key")
    # The model list is refused too, and says why where the models would be.
    expect(page.locator("#models-error-text")).to_have_text(
        f"Could not load the list of models: {refused['error']['message']}"
    )
    page.fill("#key-input", "vc_wrong_key")
    page.click("#key-save")
    expect(dialog).to_be_visible()  # asked again: the key was refused
    page.fill("#key-input", auth_on)
    page.click("#key-save")
    expect(dialog).to_be_hidden()
    expect(page.locator("#jobs-empty")).to_be_visible()  # the key's owner has no jobs yet
    models = api.get("/api/models", headers={"X-API-Key": auth_on}).json()["models"]
    expect(page.locator("#model-list input")).to_have_count(len(models))
    expect(page.locator("#video-count")).to_have_text("No videos yet — upload one above.")
    assert page.evaluate("localStorage.getItem('vidcompare.apiKey')") == auth_on
    expect(page.locator("#api-key-button")).to_have_class(re.compile(r"\bhas-key\b"))
    page.reload()
    expect(page.locator("#jobs-empty")).to_be_visible()
    expect(dialog).to_be_hidden()
    expect(page.locator("#error-banner")).to_be_hidden()
