"""Tags in the web page, in Chromium on the real stack: the form's Tags field (chips,
trimmed, repeats collapsed) and each prompt's tag are sent with the job; the server's refusal
of a tag is said on its field and starts nothing; Run again and a reload bring them back; a
job's tags in the jobs list and its panel open the Leaderboard filtered by that tag; all of it
fits a 390 px phone. Screenshots go to ``test-output/screenshots/tags-*.png``.
"""

from __future__ import annotations

import re
import uuid

import httpx
import pytest
import screenshots
from playwright.sync_api import Page, expect
from test_web import OFFLINE, choose_models, select_videos, set_prompts, wait_for_status

PHONE = {"width": 390, "height": 844}
PROMPTS = ["How long is it?", "When are the scene cuts?"]


@pytest.fixture
def tag() -> str:
    """A tag of this test's own, so the Leaderboard counts only its jobs."""
    return f"web-{uuid.uuid4().hex[:8]}"


def open_form(page: Page, address: str = "/") -> None:
    """The page, once its model list is in (a choice made before would be overwritten)."""
    page.goto(address)
    expect(page.locator("#model-list input").first).to_be_attached()


def fill_form(page: Page, videos: dict[str, str]) -> None:
    select_videos(page, [videos["green"]])
    set_prompts(page, PROMPTS)
    choose_models(page, ["local-scenes"], "local-rubric")


def add_tags(page: Page, text: str) -> None:
    """Typed into the Tags box and ended with Enter, as a person does."""
    page.locator("#tags-input").press_sequentially(text)
    page.locator("#tags-input").press("Enter")


def chips(page: Page) -> list[str]:
    return page.locator("#tag-list .tag-text").all_inner_texts()


def job_count(api: httpx.Client) -> int:
    return len(api.get("/api/jobs?limit=100").json()["jobs"])


def grid(videos: dict[str, str], **extra: object) -> dict:
    """The body of a small job (one video × PROMPTS, Local Scenes), with `extra` in it."""
    body = {"video_ids": [videos["green"]], "prompts": PROMPTS, "models": ["local-scenes"]}
    return body | {"judge_model": "local-rubric"} | extra


def start_job(api: httpx.Client, body: dict) -> str:
    started = api.post("/api/batch-compare-async", json=body)
    assert started.status_code == 202, started.text
    return started.json()["job_id"]


def no_overflow(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_job_from_the_form_carries_its_tags_and_prompt_tags(
    page: Page, api: httpx.Client, videos: dict[str, str], tag: str
) -> None:
    open_form(page)
    fill_form(page, videos)
    hint = page.locator("#tags-hint")
    expect(hint).to_have_text("Enter or a comma adds a tag; the Leaderboard filters jobs by them.")
    add_tags(page, f"  {tag} ")
    # A comma adds what is before it; a repeat is said and kept once; blanks are dropped.
    page.locator("#tags-input").press_sequentially(f"ab test, {tag},, lib")
    assert chips(page) == [tag, "ab test"]
    expect(hint).to_have_text(f"“{tag}” is already a tag.")
    page.locator("#tags-input").press_sequentially("rary,")
    assert chips(page) == [tag, "ab test", "library"]
    # Backspace in the empty box takes the last one back; its × (by keyboard) any other.
    page.locator("#tags-input").press("Backspace")
    page.get_by_role("button", name="Remove tag ab test").focus()
    page.keyboard.press("Enter")
    assert chips(page) == [tag]
    expect(page.locator("#tags-input")).to_be_focused()
    add_tags(page, "library")
    expect(hint).to_have_text(
        "2 of 20 tags. Enter or a comma adds a tag; the Leaderboard filters jobs by them."
    )
    # Each prompt's tag, labelled by its prompt; an empty one is not sent.
    page.get_by_label("Prompt 1's tag").fill("  A ")
    expect(page.get_by_label("Prompt 2's tag")).to_have_attribute("placeholder", "tag (A/B)")
    run = page.locator("#run-button")
    expect(run).to_be_enabled()
    expect(page.locator("#estimate-time")).to_be_visible()  # the dry run took them
    screenshots.shot_of(page.locator("#setup"), "tags-form-desktop")

    run.click()
    expect(page).to_have_url(re.compile(r"\?job="))
    job_id = re.search(r"job=([^&]+)", page.url)[1]  # type: ignore[index]
    request = api.get(f"/api/jobs/{job_id}/request").json()
    assert request["tags"] == [tag, "library"], (page.url, request)
    assert request["prompt_tags"] == {"How long is it?": "A"}
    assert api.get(f"/api/jobs/{job_id}").json()["tags"] == [tag, "library"]
    # The job's panel shows them as links to the Leaderboard filtered by each.
    links = page.locator("#job-tags a")
    expect(links).to_have_text([tag, "library"])
    expect(links.first).to_have_attribute("href", f"?view=leaderboard&tag={tag}")
    screenshots.shot_of(page.locator("#job-panel"), "tags-job-panel")
    # The form keeps them across a reload, as it keeps every other field.
    page.reload()
    expect(page.locator("#tag-list .tag-text")).to_have_text([tag, "library"])
    expect(page.get_by_label("Prompt 1's tag")).to_have_value("  A ")
    expect(page.get_by_label("Prompt 2's tag")).to_have_value("")


def test_a_tag_the_server_refuses_is_said_on_its_field_and_starts_nothing(
    page: Page, api: httpx.Client, videos: dict[str, str]
) -> None:
    open_form(page)
    fill_form(page, videos)
    before = job_count(api)
    too_long = "x" * 41
    page.locator("#tags-input").press_sequentially(too_long)
    expect(page.locator("#tags-hint")).to_have_text("41 characters: a tag has at most 40.")
    page.locator("#tags-input").press("Enter")
    expect(page.locator("#tags-input")).to_have_value("")
    expect(page.locator("#tags-hint")).to_have_text(
        "1 of 20 tags. Enter or a comma adds a tag; the Leaderboard filters jobs by them."
    )
    refused = api.post(
        "/api/batch-compare-async",
        json={
            "video_ids": [videos["green"]],
            "prompts": PROMPTS,
            "models": ["local-scenes"],
            "judge_model": "local-rubric",
            "tags": [too_long],
            "dry_run": True,
        },
    ).json()["error"]
    assert refused["details"][0]["field"] == "tags[0]"
    reason = page.locator("#run-reason")
    expect(reason).to_have_text(refused["message"].replace("tags[0]", "Tag 1"))
    chip = page.locator("#tag-list .tag-chip").first
    expect(chip).to_have_attribute("aria-invalid", "true")
    # Said on the field too (the box's description), where the fix is.
    expect(page.locator("#tags-hint")).to_have_text(reason.inner_text())
    expect(page.locator("#tags-input")).to_have_attribute("aria-describedby", "tags-hint")
    run = page.locator("#run-button")
    expect(run).to_be_disabled()
    page.locator(".run-bar").scroll_into_view_if_needed()
    screenshots.shot_of(page.locator(".run-bar"), "tags-refused-bar")
    # Run while refused goes to the tag, and starts nothing.
    run.focus()
    page.keyboard.press("Enter")
    expect(chip).to_be_focused()
    assert job_count(api) == before

    # The same for a prompt's tag: `prompt_tags.<its text>` is "Prompt 2's tag".
    page.get_by_role("button", name=f"Remove tag {too_long}").click()
    expect(run).to_be_enabled()
    prompt_tag = page.get_by_label("Prompt 2's tag")
    prompt_tag.fill("y" * 41)
    expect(reason).to_have_text("Prompt 2's tag: String should have at most 40 characters")
    expect(prompt_tag).to_have_attribute("aria-invalid", "true")
    expect(run).to_be_disabled()
    prompt_tag.fill("B")
    expect(run).to_be_enabled()
    expect(prompt_tag).not_to_have_attribute("aria-invalid", "true")
    assert job_count(api) == before


def test_every_tag_path_is_said_as_the_form_says_it(page: Page, videos: dict[str, str]) -> None:
    open_form(page)
    fill_form(page, videos)
    add_tags(page, "one, two")
    page.get_by_label("Prompt 2's tag").fill("B")
    said = page.evaluate(
        """async () => {
          const { explain, formMap } = await import("./static/js/fields.js");
          const map = formMap();
          return [
            "tags[1]: is empty",
            "tags: List should have at most 20 items after validation, not 21",
            "prompt_tags: 'Other' is not one of the batch's prompts",
            "prompt_tags.When are the scene cuts?: String should have at most 40 characters",
          ].map((m) => explain(m, map));
        }"""
    )
    assert said == [
        "Tag 2: is empty",
        "Tags: List should have at most 20 items after validation, not 21",
        "Prompt tags: 'Other' is not one of the batch's prompts",
        "Prompt 2's tag: String should have at most 40 characters",
    ]


def test_run_again_brings_back_the_tags_and_prompt_tags(
    page: Page, api: httpx.Client, videos: dict[str, str], tag: str
) -> None:
    job_id = start_job(api, grid(videos, tags=[tag, "again"], prompt_tags={PROMPTS[1]: "B"}))
    open_form(page)
    add_tags(page, "something else")
    page.locator(f'#jobs-table tr[data-job-id="{job_id}"] .job-again').click()
    expect(page.locator("#again-note")).to_contain_text(f"Loaded from job {job_id[:12]}")
    expect(page.locator("#tag-list .tag-text")).to_have_text([tag, "again"])
    expect(page.get_by_label("Prompt 1's tag")).to_have_value("")
    expect(page.get_by_label("Prompt 2's tag")).to_have_value("B")
    page.click("#run-button")
    expect(page).to_have_url(re.compile(rf"\?job=(?!{job_id})"))
    again_id = re.search(r"job=([^&]+)", page.url)[1]  # type: ignore[index]
    again = api.get(f"/api/jobs/{again_id}/request").json()
    assert again["tags"] == [tag, "again"]
    assert again["prompt_tags"] == {PROMPTS[1]: "B"}


def test_a_pairs_job_keeps_one_tag_per_prompt(
    page: Page, api: httpx.Client, videos: dict[str, str], tag: str
) -> None:
    pairs = [
        {"video_id": videos["green"], "prompt": "How many cuts?"},
        {"video_id": videos["red_blue"], "prompt": "How many cuts?"},
        {"video_id": videos["red_blue"], "prompt": "What colours?"},
    ]
    job_id = start_job(
        api,
        {
            "pairs": pairs,
            "models": ["local-scenes"],
            "tags": [tag],
            "prompt_tags": {"What colours?": "C"},
        },
    )
    page.goto(f"/?job={job_id}")
    page.click("#job-again")
    expect(page.locator("#step-pairs")).to_be_visible()
    expect(page.locator("#pair-list input.prompt-tag")).to_have_count(3)
    expect(page.get_by_label("Pair 3's tag")).to_have_value("C")
    # Two pairs of one prompt with two tags: the form says so before the server must.
    page.get_by_label("Pair 1's tag").fill("A")
    page.get_by_label("Pair 2's tag").fill("B")
    reason = page.locator("#run-reason")
    expect(reason).to_have_text("Pair 2's tag “B” is not pair 1's “A”: one prompt has one tag.")
    expect(page.get_by_label("Pair 2's tag")).to_have_attribute("aria-invalid", "true")
    # Left empty, a pair's prompt takes the tag of its other pair.
    page.get_by_label("Pair 2's tag").fill("")
    expect(page.locator("#run-button")).to_be_enabled()
    page.click("#run-button")
    expect(page).to_have_url(re.compile(rf"\?job=(?!{job_id})"))
    again_id = re.search(r"job=([^&]+)", page.url)[1]  # type: ignore[index]
    again = api.get(f"/api/jobs/{again_id}/request").json()
    assert again["prompt_tags"] == {"How many cuts?": "A", "What colours?": "C"}
    assert again["tags"] == [tag]


def test_a_tag_in_the_jobs_list_opens_the_leaderboard_filtered_by_it(
    page: Page, api: httpx.Client, videos: dict[str, str], tag: str
) -> None:
    job_id = start_job(
        api, grid(videos, models=list(OFFLINE), tags=[tag, "jobs-list"], name="Tagged job")
    )
    wait_for_status(api, job_id, "completed")
    open_form(page)
    row = page.locator(f'#jobs-table tr[data-job-id="{job_id}"]')
    links = row.locator(".job-tag")
    expect(links).to_have_text([tag, "jobs-list"])
    row.scroll_into_view_if_needed()
    screenshots.shot_of(page.locator("#jobs"), "tags-jobs-list")
    # By keyboard: the link is in the tab order and opens the view in this page.
    links.first.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"\?view=leaderboard&tag={tag}$"))
    expect(page.locator("#library")).to_be_visible()
    expect(page.locator("#setup")).to_be_hidden()
    expect(page.locator("#library-summary")).to_have_text("2 combinations over 1 job")
    expect(page.locator(f'#library-tags-choices input[value="{tag}"]')).to_be_checked()
    expect(page.locator("#library-title")).to_be_focused()
    # Back: the form and the jobs again.
    page.go_back()
    expect(page.locator("#setup")).to_be_visible()
    expect(page.locator("#library")).to_be_hidden()


def test_tags_fit_a_phone(page: Page, api: httpx.Client, videos: dict[str, str], tag: str) -> None:
    start_job(
        api, grid(videos, tags=[tag, "a-rather-long-tag-of-forty-characters-xx"], name="Phone tags")
    )
    page.set_viewport_size(PHONE)
    open_form(page)
    fill_form(page, videos)
    add_tags(page, f"{tag}, a-rather-long-tag-of-forty-characters-xx, phone")
    page.get_by_label("Prompt 1's tag").fill("A")
    page.get_by_label("Prompt 2's tag").fill("B")
    expect(page.locator("#run-button")).to_be_enabled()
    no_overflow(page)
    for element in page.locator(
        "#tag-box, #tag-list .tag-chip, #prompt-list input.prompt-tag, #jobs-table .job-tag"
    ).all():
        box = element.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    page.locator("#step-prompts").scroll_into_view_if_needed()
    screenshots.shot(page, "tags-form-phone")
