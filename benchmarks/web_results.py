"""The results table in Chromium with a 1,000-combination × 4-model job: how long the page
takes to draw it, to sort it and to filter and search it.

    PYTHONPATH=src .venv/bin/python benchmarks/web_results.py [--combos 1000] [--runs 5]

No stack is needed: Playwright answers every request of the page itself, the page's own
files from ``vidcompare.web`` and the API from a synthetic JobResult (``GET /api/jobs/ID``
and ``/api/jobs/ID/result``; empty lists for the rest). Figures are medians over the runs,
in milliseconds, measured in the page with ``performance.now()``:

- first render: from navigation start until the table shows its first page of rows (the
  page's own load and the API's answers, served at once here, included)
- renderResult: of that, the results view's own work: rows built, first page drawn
- sort: a click on a model's header until the rows are in the new order
- filter: choosing "errors only" until the table is drawn again
- search: typing a word into the search box until the table is drawn again
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import BrowserContext, Page, Route, sync_playwright

from vidcompare import web

CHROMIUM = "/usr/bin/chromium"
ORIGIN = "http://vidcompare.test"
JOB_ID = "synth0123456789abcdef"
MODELS = [
    ("local-scenes", "Local Scenes"),
    ("local-motion-colour", "Local Motion & Colour"),
    ("gemini-3.8-flash", "Gemini 3.8 Flash"),
    ("gemini-3.6-flash", "Gemini 3.6 Flash"),
]
WORDS = (
    "scene cut colour red blue green motion camera pans left right person walks door opens".split()
)
RARE_WORD = "zebra"  # in every 97th combination's first answer: what the search finds


def _answer(rng: random.Random, index: int, model: int) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(30, 70))]
    stamps = [f"00:{rng.randint(0, 59):02d}", f"{rng.randint(1, 9)}.5s"]
    text = f"At {stamps[0]} the {' '.join(words[:20])}. Then at {stamps[1]} {' '.join(words[20:])}."
    return f"{text} A {RARE_WORD} appears." if index % 97 == 0 and model == 0 else text


def synthetic_result(
    videos: int, prompts: int, *, models: int = 4, swaps: int = 2, seed: int = 16
) -> dict[str, Any]:
    """A completed JobResult of ``videos`` × ``prompts`` combinations: scores 1–10 (halves
    with two judgings), an error in every 37th answer, a judge disagreement in every 11th
    combination (``position_consistent`` false), timestamps in every answer."""
    rng = random.Random(seed)
    chosen = MODELS[:models]
    comparisons = []
    for index in range(videos * prompts):
        video, prompt = divmod(index, prompts)
        results, evaluations = [], []
        for m, (model_id, name) in enumerate(chosen):
            failed = (index * len(chosen) + m) % 37 == 5
            results.append(
                {
                    "model_name": name,
                    "model_id": model_id,
                    "response": None if failed else _answer(rng, index, m),
                    "latency_ms": rng.randint(300, 9000),
                    "error": "DEADLINE_EXCEEDED: the model did not answer in time"
                    if failed
                    else None,
                    "usage": {"input_tokens": 1200, "output_tokens": 180, "total_tokens": 1380},
                }
            )
            score = None if failed else rng.randint(2, 20) / 2
            evaluations.append(
                {
                    "model_name": name,
                    "model_id": model_id,
                    "score": score,
                    "score_spread": None if failed else rng.choice([0, 0.5, 1, 2]),
                    "reasoning": ""
                    if failed
                    else f"It names the cut at 00:{rng.randint(0, 59):02d}.",
                    "strengths": [] if failed else ["names the colours"],
                    "weaknesses": [] if failed else ["misses the pan at 0:04"],
                }
            )
        comparisons.append(
            {
                "index": index,
                "video_id": f"video{video:04d}",
                "prompt": f"Prompt {prompt + 1}: what happens in the video?",
                "results": results,
                "evaluation": evaluations,
                "overall_summary": f"The answers agree on the cut at 00:{index % 60:02d}.",
                "judge_model": "local-rubric",
                "judge_latency_ms": 40,
                "position_consistent": None if swaps == 1 else index % 11 != 3,
            }
        )
    total = videos * prompts
    return {
        "job_id": JOB_ID,
        "status": "completed",
        "complete": True,
        "comparisons": comparisons,
        "total_videos": videos,
        "total_prompts": prompts,
        "total_combinations": total,
        "completed_combinations": total,
        "leaderboard": [],
        "judge": {"judge_model": "local-rubric", "judged": total, "judge_swaps": swaps},
    }


def job_view(result: dict[str, Any]) -> dict[str, Any]:
    """The JobView of a finished job carrying ``result``."""
    now = dt.datetime(2026, 11, 26, 12, tzinfo=dt.UTC).isoformat()
    models = [r["model_id"] for r in result["comparisons"][0]["results"]]
    return {
        "job_id": result["job_id"],
        "status": "completed",
        "progress": 100.0,
        "progress_message": "Done",
        "completed_combinations": result["completed_combinations"],
        "total_combinations": result["total_combinations"],
        "total_videos": result["total_videos"],
        "total_prompts": result["total_prompts"],
        "models": models,
        "judge_model": "local-rubric",
        "concurrency": 1,
        "created_at": now,
        "updated_at": now,
        "result": result,
    }


def route_job(context: BrowserContext, result: dict[str, Any]) -> None:
    """Answer ``GET /api/jobs/ID`` and ``/api/jobs/ID/result`` with ``result``."""
    view = json.dumps(job_view(result))
    body = json.dumps(result)
    job = result["job_id"]
    context.route(
        f"**/api/jobs/{job}",
        lambda route: route.fulfill(body=view, content_type="application/json"),
    )
    context.route(
        f"**/api/jobs/{job}/result",
        lambda route: route.fulfill(body=body, content_type="application/json"),
    )


def _serve_page(route: Route) -> None:
    """The page's own files; the API's lists empty; anything else 404."""
    path = urlsplit(route.request.url).path
    name = "index.html" if path == "/" else path.removeprefix("/static/").lstrip("/")
    found = web.asset(name)
    if found is not None:
        route.fulfill(body=found[0], content_type=found[1])
    elif path == "/api/videos":
        route.fulfill(json={"videos": []})
    elif path == "/api/jobs":
        route.fulfill(json={"jobs": []})
    else:
        route.fulfill(
            status=404,
            json={"error": {"code": "NOT_FOUND", "message": f"no {path}", "details": {}}},
        )


def _wait_drawn(page: Page, script: str) -> float:
    """Run ``script`` in the page and return ms until the table's tbody next changes."""
    return page.evaluate(
        """async (script) => {
          const body = document.querySelector('#results-table tbody');
          const changed = new Promise((done) =>
            new MutationObserver((_, o) => { o.disconnect(); done(); })
              .observe(body, {childList: true}));
          const start = performance.now();
          (0, eval)(script);
          await changed;
          await new Promise(requestAnimationFrame);  // and painted
          return performance.now() - start;
        }""",
        script,
    )


# Before the page's scripts: note when the table first has rows (ms since navigation).
_FIRST_ROWS = """
new MutationObserver((_, observer) => {
  if (document.querySelector('#results-table tbody tr')) {
    window.firstRowsAt = performance.now();
    observer.disconnect();
  }
}).observe(document, {childList: true, subtree: true});
"""


def measure(page: Page, combos: int) -> dict[str, float]:
    page.add_init_script(_FIRST_ROWS)
    page.goto(f"{ORIGIN}/?job={JOB_ID}")
    page.wait_for_selector("#results-table tbody tr")
    first = page.evaluate("() => window.firstRowsAt")
    # renderResult itself: rows built from the JobResult, the first page drawn.
    build = page.evaluate(
        "() => performance.getEntriesByName('vidcompare:results', 'measure')[0].duration"
    )
    rows = page.locator("#results-table tbody tr").count()
    assert rows == min(50, combos), rows
    sort = _wait_drawn(
        page, "document.querySelector('th[data-key=\"gemini-3.8-flash\"] button').click()"
    )
    errors = _wait_drawn(page, "document.getElementById('filter-errors').click()")
    _wait_drawn(page, "document.getElementById('filter-errors').click()")
    search = _wait_drawn(
        page,
        f"const s = document.getElementById('filter-search'); s.value = '{RARE_WORD}';"
        " s.dispatchEvent(new Event('input', {bubbles: true}))",
    )
    found = page.locator("#results-table tbody tr").count()
    assert found == len(range(0, combos, 97)), found
    return {
        "first render": first,
        "renderResult": build,
        "sort": sort,
        "filter": errors,
        "search": search,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--combos", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    result = synthetic_result(args.combos // 10, 10)
    figures: dict[str, list[float]] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
        )
        for _ in range(args.runs):
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            context.route(f"{ORIGIN}/**", _serve_page)
            route_job(context, result)
            page = context.new_page()
            for name, ms in measure(page, args.combos).items():
                figures.setdefault(name, []).append(ms)
            context.close()
        browser.close()
    size = f"{args.combos} combinations × {len(MODELS)} models"
    print(f"results table, {size}, median of {args.runs} runs:")
    for name, values in figures.items():
        spread = f"(min {min(values):.1f}, max {max(values):.1f})"
        print(f"  {name:<13} {statistics.median(values):7.1f} ms   {spread}")


if __name__ == "__main__":
    main()
