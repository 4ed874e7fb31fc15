"""The real ``vidcompare`` process on the session's stack, its stdout piped into a parser:
``batch --wait --format csv > out.csv`` and ``--format json | jq`` get the result alone
(progress on stderr), tables fit 80 and 160 columns, ``result --open`` writes the HTML
report and hands it to the browser, short job ids pass as typed.

Expected cells come from the API's raw JSON, not from :mod:`vidcompare.reports`.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlparse

import httpx
import pytest
from cli_tables import table_header, table_rows

SCRIPT = Path(sys.executable).parent / "vidcompare"
MODELS = ["local-scenes", "local-motion-colour"]
PROMPTS = ["How many cuts, | in all?", "Which colours dominate?"]
PROGRESS_LINE = re.compile(
    r"^ *\d+\.\d%  (Queued \d+ combinations|Processing combination \d+/\d+\.\.\."
    r"|Finishing: \d+/\d+ combinations done|Completed \d+/\d+ combinations)(  ETA .+)?$"
)


def run(*args: str, columns: int = 160, **env: str) -> subprocess.CompletedProcess[str]:
    """The console script as a user runs it, stdout a pipe (never a terminal)."""
    return subprocess.run(
        [str(SCRIPT), *args],
        capture_output=True,
        text=True,
        env=os.environ | {"COLUMNS": str(columns)} | env,
        timeout=180,
        check=False,
    )


def batch_args(stack, videos, fmt: str) -> list[str]:
    args = ["batch", "--url", stack.base_url, "--judge", "local-rubric", "--wait"]
    args += ["--name", "pipes: csv"]
    args += ["--poll", "0.05", "--format", fmt, "--video", videos["red_blue"]]
    for prompt in PROMPTS:
        args += ["--prompt", prompt]
    for model in MODELS:
        args += ["--model", model]
    return args


def raw(stack, path: str):
    answer = httpx.get(f"{stack.base_url}{path}", timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()


def progress_of(stderr: str) -> tuple[str, list[str]]:
    """The job id and the progress lines of a ``--wait``'s stderr (nothing else there)."""
    first, *progress = stderr.splitlines()
    job_id = re.fullmatch(r"job (\S+): 2 combinations", first).group(1)
    assert progress and all(PROGRESS_LINE.match(line) for line in progress), progress
    assert progress[-1] == "100.0%  Completed 2/2 combinations"
    return job_id, progress


@pytest.fixture(scope="module")
def csv_batch(stack, videos, tmp_path_factory) -> tuple[str, bytes]:
    """``vidcompare batch … --wait --format csv > out.csv``, through a real shell."""
    out = tmp_path_factory.mktemp("pipes") / "out.csv"
    command = " ".join(f"'{a}'" for a in [str(SCRIPT), *batch_args(stack, videos, "csv")])
    done = subprocess.run(
        ["bash", "-c", f"{command} > '{out}'"],
        capture_output=True,
        text=True,
        env=os.environ | {"COLUMNS": "80"},
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    job_id, _ = progress_of(done.stderr)
    return job_id, out.read_bytes()


def test_wait_with_csv_redirected_writes_the_rows_alone(stack, csv_batch):
    job_id, written = csv_batch
    assert raw(stack, f"/api/jobs/{job_id}")["name"] == "pipes: csv"  # from --name
    result = raw(stack, f"/api/jobs/{job_id}/result")
    rows = list(csv.reader(io.StringIO(written.decode("utf-8"), newline="")))
    assert rows[0][:6] == ["combination", "video_id", "prompt", "model_id", "model_name", "score"]
    expected = []
    for c in result["comparisons"]:
        scores = {e["model_id"]: e for e in c["evaluation"]}
        for r in c["results"]:
            expected.append(
                [
                    str(c["index"] + 1),
                    c["video_id"],
                    c["prompt"],
                    r["model_id"],
                    r["model_name"],
                    f"{scores[r['model_id']]['score']:g}",
                    str(r["latency_ms"]),
                    str(r["usage"]["input_tokens"]),
                    str(r["usage"]["output_tokens"]),
                    str(r["usage"]["total_tokens"]),
                    f"{r['usage']['estimated_cost_usd']:.8f}",
                    "",
                    r["response"],
                    scores[r["model_id"]]["reasoning"],
                    "",
                    "False",
                ]
            )
    assert rows[1:] == expected and len(expected) == 2 * 2


def test_wait_with_json_piped_parses_as_the_api_answer(stack, videos):
    done = run(*batch_args(stack, videos, "json"))
    assert done.returncode == 0, done.stderr
    job_id, progress = progress_of(done.stderr)
    assert len(progress) <= 1 + 2 + 1  # the first, one a finished combination, the end
    assert json.loads(done.stdout) == raw(stack, f"/api/jobs/{job_id}/result")


def test_the_wide_csv_has_a_row_a_combination_with_the_file_name(stack, csv_batch, video_files):
    job_id, _ = csv_batch
    result = raw(stack, f"/api/jobs/{job_id}/result")
    done = run("result", job_id, "--format", "csv-wide", "--url", stack.base_url)
    assert done.returncode == 0, done.stderr
    header, *rows = list(csv.reader(io.StringIO(done.stdout, newline="")))
    assert header == [
        "combination",
        "video_id",
        "prompt",
        "score local-scenes",
        "score local-motion-colour",
        "answer local-scenes",
        "strengths local-scenes",
        "weaknesses local-scenes",
        "answer local-motion-colour",
        "strengths local-motion-colour",
        "weaknesses local-motion-colour",
        "summary",
        "filename",
    ]
    expected = []
    for c in result["comparisons"]:
        answers = {r["model_id"]: r for r in c["results"]}
        scores = {e["model_id"]: e for e in c["evaluation"]}
        per_model = [
            cell
            for m in MODELS
            for cell in (
                answers[m]["response"],
                "\n".join(scores[m]["strengths"]),
                "\n".join(scores[m]["weaknesses"]),
            )
        ]
        expected.append(
            [
                str(c["index"] + 1),
                c["video_id"],
                c["prompt"],
                *(f"{scores[m]['score']:g}" for m in MODELS),
                *per_model,
                c["overall_summary"],
                video_files["red_blue"].name,
            ]
        )
    assert rows == expected and rows[0][-1] == "red-blue.mp4"


def test_result_tables_fit_80_and_160_columns(stack, csv_batch):
    job_id, _ = csv_batch
    result = raw(stack, f"/api/jobs/{job_id}/result")
    title = "Results (2/2 combinations)"
    narrow = run("result", job_id, "--url", stack.base_url, columns=80)
    assert narrow.returncode == 0, narrow.stderr
    assert max(len(line) for line in narrow.stdout.splitlines()) <= 80
    assert "…" not in narrow.stdout
    assert table_header(narrow.stdout, title) == ["#", "video", "prompt", "model", "score", "error"]
    scores = [{e["model_id"]: e["score"] for e in c["evaluation"]} for c in result["comparisons"]]
    assert table_rows(narrow.stdout, title) == [
        [
            str(c["index"] + 1),
            c["video_id"],
            c["prompt"],
            r["model_name"],
            f"{s[r['model_id']]:g}",
            "—",
        ]
        for c, s in zip(result["comparisons"], scores, strict=True)
        for r in c["results"]
    ]
    wide = run("result", job_id, "--url", stack.base_url, columns=160)
    assert table_header(wide.stdout, title) == [
        "#",
        "video",
        "prompt",
        "model",
        "score",
        "latency",
        "tokens in/out",
        "cost",
        "error",
    ]
    assert len(table_rows(wide.stdout, title)) == 4
    assert max(len(line) for line in wide.stdout.splitlines()) <= 160

    jobs = run("jobs", "--url", stack.base_url, "--limit", "100", columns=80)
    assert jobs.returncode == 0, jobs.stderr
    # This job has a name, so the list has a name column.
    assert table_header(jobs.stdout, "Jobs")[:4] == ["job", "name", "status", "done"]
    listed = [row[:4] for row in table_rows(jobs.stdout, "Jobs")]
    assert [job_id, "pipes: csv", "completed", "2/2"] in listed


def test_a_short_job_id_is_sent_as_typed(stack, csv_batch):
    job_id, _ = csv_batch
    full = run("result", job_id, "--format", "json", "--url", stack.base_url)
    short = run("result", job_id[:8], "--format", "json", "--url", stack.base_url)
    assert short.returncode == 0, short.stderr
    assert json.loads(short.stdout) == json.loads(full.stdout)
    status = run("status", job_id[:12], "--url", stack.base_url)
    assert status.stdout.splitlines()[:3] == [
        f"job          {job_id}",
        "name         pipes: csv",  # named jobs say their name
        "status       completed",
    ]
    too_short = run("result", job_id[:3], "--url", stack.base_url)
    assert too_short.returncode == 1
    assert "NOT_FOUND (404)" in too_short.stderr and "at least 6 characters" in too_short.stderr


def test_result_open_writes_the_html_report_and_hands_it_to_the_browser(stack, csv_batch, tmp_path):
    job_id, _ = csv_batch
    record = tmp_path / "opened.txt"
    browser = tmp_path / "browser.sh"
    browser.write_text(f'#!/bin/sh\nprintf "%s\\n" "$1" >> "{record}"\n')
    browser.chmod(0o755)
    state = tmp_path / "state"
    env = {"BROWSER": str(browser), "VIDCOMPARE_STATE_DIR": str(state)}
    opened = run("result", job_id[:8], "--open", "--url", stack.base_url, **env)
    assert opened.returncode == 0, opened.stderr
    assert opened.stdout == ""
    (uri,) = record.read_text().splitlines()
    path = Path(unquote(urlparse(uri).path))
    assert uri.startswith("file://")
    assert path == state / "reports" / f"vidcompare-{job_id[:8]}-pipes-csv.html"
    assert opened.stderr == f"wrote {path}\n"
    report = path.read_text()
    assert report.startswith("<!DOCTYPE html>") and "<script" not in report
    assert "<h1>pipes: csv</h1>" in report and job_id in report

    as_html = run("result", job_id, "--format", "html", "--url", stack.base_url)
    assert as_html.stdout == report
    out = tmp_path / "mine.html"
    to_file = run("result", job_id, "-f", "html", "-o", str(out), "--url", stack.base_url)
    assert to_file.returncode == 0 and to_file.stdout == ""
    assert out.read_text() == report

    refused = run("result", job_id, "--open", "--format", "csv", "--url", stack.base_url, **env)
    assert refused.returncode == 2 and "--open writes the HTML report" in refused.stderr
    assert record.read_text().splitlines() == [uri]  # nothing more opened
