"""The CLI (typer) and the Python clients (sync and async) on the session's live stack.

The end-to-end batch runs the installed ``vidcompare`` console script in a subprocess, as a
user would; the other commands go through typer's CliRunner. Expected cells are computed
from the API's raw JSON, not from :mod:`vidcompare.cli.report`.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import typer
from cli_tables import table_rows
from rich.console import Console
from typer.testing import CliRunner

from vidcompare import cli
from vidcompare.cli import render, session
from vidcompare.client import AsyncClient, Client, ClientError, Unreachable
from vidcompare.devstack.stack import free_port
from vidcompare.schemas import JobView

MODELS = ["local-scenes", "local-motion-colour"]
# "[each scene]" would be rich markup: cells must print as they are.
PROMPTS = ["How many cuts are there?", "Which colours dominate [each scene]?"]
SCRIPT = Path(sys.executable).parent / "vidcompare"
PROGRESS_LINE = re.compile(
    r"^ *(\d+\.\d)%  (Queued \d+ combinations|Processing combination \d+/\d+\.\.\."
    r"|Finishing: \d+/\d+ combinations done|Completed \d+/\d+ combinations)(  ETA .+)?$"
)
runner = CliRunner()


def run_script(*args: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"COLUMNS": "250"}
    return subprocess.run(
        [str(SCRIPT), *args], capture_output=True, text=True, env=env, timeout=180, check=False
    )


def raw_result(stack, job_id: str) -> dict:
    return httpx.get(f"{stack.base_url}/api/jobs/{job_id}/result", timeout=30).json()


def expected_rows(raw: dict) -> list[dict]:
    """One dict per (combination, model), straight from the API's JSON."""
    rows = []
    for c in raw["comparisons"]:
        scores = {e["model_id"]: e for e in c["evaluation"]}
        for r in c["results"]:
            rows.append(
                {
                    "combination": c["index"] + 1,
                    "video_id": c["video_id"],
                    "prompt": c["prompt"],
                    "model_id": r["model_id"],
                    "model_name": r["model_name"],
                    "score": scores[r["model_id"]]["score"],
                    "reasoning": scores[r["model_id"]]["reasoning"],
                    **{k: r[k] for k in ("latency_ms", "error", "response")},
                    **r["usage"],
                }
            )
    return rows


@pytest.fixture(scope="module")
def cli_batch(stack, videos) -> tuple[str, subprocess.CompletedProcess[str]]:
    """2 videos × 2 prompts × 2 offline models, judged by local-rubric, via `batch --wait`."""
    args = ["batch", "--url", stack.base_url, "--judge", "local-rubric", "--wait"]
    args += ["--poll", "0.05", "--video", videos["red_blue"], "--video", videos["green"]]
    for prompt in PROMPTS:
        args += ["--prompt", prompt]
    for model in MODELS:
        args += ["--model", model]
    done = run_script(*args)
    assert done.returncode == 0, done.stderr + done.stdout
    job_id = re.search(r"job (\S+): 4 combinations", done.stderr).group(1)
    return job_id, done


# ------------------------------------------------------------------------- batch


def test_batch_wait_follows_progress_then_prints_the_exact_tables(stack, videos, cli_batch):
    job_id, done = cli_batch
    raw = raw_result(stack, job_id)
    assert raw["complete"] is True and raw["total_combinations"] == 4
    assert [(c["video_id"], c["prompt"]) for c in raw["comparisons"]] == [
        (v, p) for v in (videos["red_blue"], videos["green"]) for p in PROMPTS
    ]
    assert "Traceback" not in done.stderr

    # Progress on stderr: one line per change, percent never going back, ending at 100 %.
    # stdout is the result alone, its heading first.
    lines = done.stdout.splitlines()
    first_table = 0
    assert lines[first_table + 1] == "Results (4/4 combinations)"
    progress = done.stderr.splitlines()[1:]  # after "job …: 4 combinations"
    assert progress and all(PROGRESS_LINE.match(line) for line in progress), progress
    percents = [float(PROGRESS_LINE.match(line).group(1)) for line in progress]
    assert percents == sorted(percents) and percents[0] < 100
    assert progress[-1] == "100.0%  Completed 4/4 combinations"
    assert lines[first_table] == (
        f"job {job_id} · completed · 4/4 combinations (2 videos × 2 prompts) · "
        f"{raw['total_tokens']:,} tokens · ${raw['estimated_cost_usd']:.6f}"
    )

    assert table_rows(done.stdout, "Results (4/4 combinations)") == [
        [
            str(r["combination"]),
            r["video_id"],
            r["prompt"],
            r["model_name"],
            str(r["score"]),
            f"{r['latency_ms']:,} ms",
            f"{r['input_tokens']:,}/{r['output_tokens']:,}",
            "$0.000000",
            "—",
        ]
        for r in expected_rows(raw)
    ]
    assert len(table_rows(done.stdout, "Results (4/4 combinations)")) == 8
    assert [row[0] for row in table_rows(done.stdout, "Leaderboard")] == ["1", "2"]
    assert table_rows(done.stdout, "Leaderboard") == [
        [
            str(e["rank"]),
            e["model_name"],
            f"{e['mean_score']:.2f}",
            f"{e['wins']:g}",
            f"{e['mean_latency_ms']:,.0f} ms",
            f"{e['total_tokens']:,}",
            "$0.000000",
            "0",
        ]
        for e in raw["leaderboard"]
    ]
    assert "Judge (local-rubric)" in done.stdout


def test_result_as_csv_has_one_row_per_combination_and_model(stack, cli_batch, tmp_path):
    job_id, _ = cli_batch
    answer = runner.invoke(cli.app, ["result", job_id, "--format", "csv", "--url", stack.base_url])
    assert answer.exit_code == 0, answer.output
    reader = csv.DictReader(io.StringIO(answer.stdout, newline=""))
    rows = list(reader)
    assert reader.fieldnames == [
        "combination",
        "video_id",
        "prompt",
        "model_id",
        "model_name",
        "score",
        "latency_ms",
        "input_tokens",
        "output_tokens",
        "total_tokens",
        "cost_usd",
        "error",
        "response",
        "reasoning",
        "finish_reason",
        "truncated",
    ]
    expected = expected_rows(raw_result(stack, job_id))
    assert len(rows) == len(expected) == 4 * 2
    for row, want in zip(rows, expected, strict=True):
        assert row == {
            "combination": str(want["combination"]),
            "video_id": want["video_id"],
            "prompt": want["prompt"],
            "model_id": want["model_id"],
            "model_name": want["model_name"],
            "score": str(want["score"]),
            "latency_ms": str(want["latency_ms"]),
            "input_tokens": str(want["input_tokens"]),
            "output_tokens": str(want["output_tokens"]),
            "total_tokens": str(want["total_tokens"]),
            "cost_usd": f"{want['estimated_cost_usd']:.8f}",
            "error": "",
            "response": want["response"],
            "reasoning": want["reasoning"],
            "finish_reason": "",  # the offline models do not say why they stopped
            "truncated": "False",
        }
        assert int(row["input_tokens"]) > 0 and row["response"]

    out = tmp_path / "result.csv"
    to_file = runner.invoke(
        cli.app, ["result", job_id, "-f", "csv", "-o", str(out), "--url", stack.base_url]
    )
    assert to_file.exit_code == 0 and to_file.stdout == ""
    assert out.read_bytes() == answer.stdout_bytes
    as_table = runner.invoke(cli.app, ["result", job_id, "-o", str(out), "--url", stack.base_url])
    assert as_table.exit_code == 2 and "--output needs a file format, not table" in as_table.output


def test_result_as_markdown_and_json(stack, cli_batch):
    job_id, _ = cli_batch
    raw = raw_result(stack, job_id)
    md = runner.invoke(cli.app, ["result", job_id, "--format", "md", "--url", stack.base_url])
    assert md.exit_code == 0, md.output
    lines = md.stdout.splitlines()
    assert lines[0].startswith(f"# job {job_id} · completed · 4/4 combinations")
    board = lines.index("## Leaderboard")
    assert lines[board + 2 : board + 4] == [
        "| rank | model | mean score | wins | mean latency | tokens | cost | errors |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    assert lines[board + 4] == (
        f"| 1 | {raw['leaderboard'][0]['model_name']} | "
        f"{raw['leaderboard'][0]['mean_score']:.2f} | {raw['leaderboard'][0]['wins']:g} | "
        f"{raw['leaderboard'][0]['mean_latency_ms']:,.0f} ms | "
        f"{raw['leaderboard'][0]['total_tokens']:,} | $0.000000 | 0 |"
    )
    results = lines.index("## Results (4/4 combinations)")
    body = lines[results + 4 : results + 4 + 8]
    first = expected_rows(raw)[0]
    assert body[0] == (
        f"| 1 | {first['video_id']} | {first['prompt']} | {first['model_name']} | "
        f"{first['score']} | {first['latency_ms']:,} ms | "
        f"{first['input_tokens']:,}/{first['output_tokens']:,} | $0.000000 | — |"
    )
    assert all(row.startswith("| ") and row.count(" | ") == 8 for row in body)
    assert "## Judge (local-rubric)" in lines

    as_json = runner.invoke(
        cli.app, ["result", job_id, "--format", "json", "--url", stack.base_url]
    )
    assert as_json.exit_code == 0
    assert json.loads(as_json.stdout) == raw


def test_pairs_from_csv_and_json_files(stack, videos, tmp_path):
    pairs = [
        {"video_id": videos["green"], "prompt": "Cuts | colours, please?"},
        {"video_id": videos["red_blue"], "prompt": 'How "long" is it?'},
        {"video_id": videos["green"], "prompt": "How loud is it?"},
    ]
    as_csv = tmp_path / "pairs.csv"
    with as_csv.open("w", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=["video_id", "prompt"])
        writer.writeheader()
        writer.writerows(pairs)
    url = ["--url", stack.base_url]
    ran = runner.invoke(
        cli.app,
        ["batch", "--pairs", str(as_csv), "-m", "local-scenes", "--wait", "--poll", "0.05"]
        + ["--format", "md", *url],
    )
    assert ran.exit_code == 0, ran.output
    assert ran.stdout.startswith("# job ")  # the Markdown alone: progress went to stderr
    assert (
        f"| 1 | {pairs[0]['video_id']} | Cuts \\| colours, please? | Local Scenes |" in ran.stdout
    )
    job_id = re.search(r"^# job (\S+) · completed · 3/3 combinations", ran.stdout, re.M).group(1)
    raw = raw_result(stack, job_id)
    assert [{"video_id": c["video_id"], "prompt": c["prompt"]} for c in raw["comparisons"]] == pairs

    as_json = tmp_path / "pairs.json"
    as_json.write_text(json.dumps({"pairs": pairs[:2]}))
    estimate = runner.invoke(
        cli.app,
        ["batch", "--pairs", str(as_json), "-m", "local-scenes", "-m", "local-motion-colour"]
        + ["--judge", "local-rubric", "--dry-run", "--format", "json", *url],
    )
    assert estimate.exit_code == 0, estimate.output
    answer = json.loads(estimate.stdout)
    assert answer["dry_run"] is True
    assert (answer["total_combinations"], answer["model_calls"], answer["judge_calls"]) == (2, 4, 2)

    table = runner.invoke(cli.app, ["batch", "--pairs", str(as_json), "-m", "local-scenes", *url])
    assert table.exit_code == 0, table.output
    assert "2 combinations × 1 models, judge local-rubric, concurrency 1" in table.stdout

    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps([{"video_id": videos["green"]}]))
    refused = runner.invoke(cli.app, ["batch", "--pairs", str(broken), "-m", "local-scenes", *url])
    assert refused.exit_code == 2
    assert "pair 1 needs a video_id and a prompt" in refused.output

    both = runner.invoke(
        cli.app,
        ["batch", "--pairs", str(as_json), "-v", videos["green"], "-p", "x", "-m", "local-scenes"]
        + url,
    )
    assert both.exit_code == 1
    assert "pairs: give either pairs or video_ids and prompts, not both" in both.stderr


# ------------------------------------------------------------------- other commands


def test_upload_videos_status_jobs_and_cancel(stack, video_files, cli_batch):
    url = ["--url", stack.base_url]
    uploaded = runner.invoke(cli.app, ["upload", str(video_files["green"]), *url])
    assert uploaded.exit_code == 0, uploaded.output
    video_id, path = uploaded.stdout.rstrip("\n").split("\t")
    assert path == str(video_files["green"])

    listed = runner.invoke(cli.app, ["videos", "--json", *url])
    mine = next(v for v in json.loads(listed.stdout) if v["video_id"] == video_id)
    assert mine["filename"] == video_files["green"].name
    assert mine["sha256"] == hashlib.sha256(video_files["green"].read_bytes()).hexdigest()
    assert video_id in runner.invoke(cli.app, ["videos", *url]).stdout

    job_id, _ = cli_batch
    status = runner.invoke(cli.app, ["status", job_id, *url])
    assert status.exit_code == 0
    assert status.stdout.splitlines()[:3] == [
        f"job          {job_id}",
        "status       completed",
        "progress     100.0%  Completed 4/4 combinations",
    ]
    assert (
        json.loads(runner.invoke(cli.app, ["status", job_id, "--json", *url]).stdout)["status"]
        == "completed"
    )

    listed = json.loads(
        runner.invoke(
            cli.app, ["jobs", "--status", "completed", "--limit", "100", "--json", *url]
        ).stdout
    )
    assert job_id in [j["job_id"] for j in listed["jobs"]]
    assert {j["status"] for j in listed["jobs"]} == {"completed"}
    table = runner.invoke(cli.app, ["jobs", "--limit", "100", *url])
    assert table.exit_code == 0 and job_id in table.stdout
    bad_status = runner.invoke(cli.app, ["jobs", "--status", "sleeping", *url])
    assert bad_status.exit_code == 2 and "sleeping" in bad_status.output

    started = runner.invoke(
        cli.app,
        ["batch", "-v", video_id, "-m", "local-scenes", "--format", "json", *url]
        + [arg for i in range(12) for arg in ("-p", f"Question {i}?")],
    )
    running_id = json.loads(started.stdout)["job_id"]
    cancelled = runner.invoke(cli.app, ["cancel", running_id, *url])
    assert cancelled.exit_code == 0, cancelled.output
    # The one combination in flight (one lane) may still land; nothing else starts.
    assert cancelled.stdout in (
        f"{running_id}: cancelled\n",
        f"{running_id}: cancelled (1 running combination may still be recorded)\n",
    )
    refused = runner.invoke(cli.app, ["cancel", job_id, *url])
    assert refused.exit_code == 1
    assert refused.stderr.startswith("error: FAILED_PRECONDITION (409): ")


def test_api_commands_find_the_running_local_stack_from_any_directory(stack, tmp_path):
    state_dir = Path(stack.services[0].log).parents[1]
    # The per-user state directory: $XDG_STATE_HOME/vidcompare.
    (tmp_path / "state" / "vidcompare").mkdir(parents=True)
    shutil.copy(state_dir / "stack.json", tmp_path / "state" / "vidcompare" / "stack.json")
    elsewhere = tmp_path / "somewhere" / "else"
    elsewhere.mkdir(parents=True)
    env = {
        k: v for k, v in os.environ.items() if k not in ("VIDCOMPARE_URL", "VIDCOMPARE_STATE_DIR")
    }
    answer = subprocess.run(
        [str(SCRIPT), "jobs", "--limit", "1", "--json"],
        capture_output=True,
        text=True,
        env=env | {"XDG_STATE_HOME": str(tmp_path / "state")},
        cwd=elsewhere,
        timeout=120,
        check=False,
    )
    assert answer.returncode == 0, answer.stderr
    assert len(json.loads(answer.stdout)["jobs"]) == 1


# ------------------------------------------------------------------------- errors


def test_unknown_model_prints_the_servers_message_and_exits_1(stack, videos, client):
    with pytest.raises(ClientError) as raised:
        client.start_batch([videos["green"]], ["Describe."], ["local-scenes", "no-such-model"])
    error = raised.value
    assert (error.status, error.code) == (400, "INVALID_ARGUMENT")
    assert error.message.startswith("models[1]: unknown model 'no-such-model'; known models: ")
    assert error.details[0]["field"] == "models[1]"

    args = ["batch", "-v", videos["green"], "-p", "Describe.", "-m", "local-scenes"]
    answer = run_script(*args, "-m", "no-such-model", "--url", stack.base_url)
    assert answer.returncode == 1
    assert answer.stdout == "" and "Traceback" not in answer.stderr
    assert answer.stderr == f"error: INVALID_ARGUMENT (400): {error.message}\n"


def test_error_details_the_message_does_not_hold_are_listed(capsys):
    error = ClientError(
        403, "PERMISSION_DENIED", "not allowed", [{"field": "video_ids[0]", "message": "not yours"}]
    )
    with pytest.raises(typer.Exit) as raised:
        raise session.api_failure(error)
    assert raised.value.exit_code == 1
    assert capsys.readouterr().err == (
        "error: PERMISSION_DENIED (403): not allowed\n  - video_ids[0]: not yours\n"
    )


def test_unknown_job_is_a_404_message(stack, client):
    with pytest.raises(ClientError) as raised:
        client.result("../videos")  # one path segment: never another route
    assert (raised.value.status, raised.value.code) == (404, "NOT_FOUND")
    for command in ("status", "result", "cancel"):
        answer = runner.invoke(cli.app, [command, "no-such-job", "--url", stack.base_url])
        assert answer.exit_code == 1, command
        assert answer.stderr.startswith("error: NOT_FOUND (404): "), answer.stderr
        assert "no-such-job" in answer.stderr and "not found" in answer.stderr


def test_unreachable_url_is_a_readable_error(tmp_path):
    url = f"http://127.0.0.1:{free_port()}"
    answer = run_script("jobs", "--url", url)
    assert answer.returncode == 1
    assert "Traceback" not in answer.stderr
    assert answer.stderr.startswith(f"error: {url} did not answer (")
    assert "Start it with `vidcompare up`, or pass --url" in answer.stderr
    with pytest.raises(Unreachable) as raised, Client(url) as client:
        client.jobs()
    assert (raised.value.status, raised.value.code) == (0, "UNREACHABLE")


COMMAND_HELP = {
    "up": ["Start the local stack", "--port", "--state-dir", "--fresh", "--auth"],
    "down": ["Save and stop the local stack"],
    "reset": ["forget all its data", "--yes"],
    "emulator": ["Start one emulator alone", "--port", "--data-dir"],
    "demo": ["2 synthetic videos", "--out"],
    "new-key": ["Make an API key", "VIDCOMPARE_API_KEYS"],
    "upload": ["Upload video files", "vidcompare upload clip1.mp4"],
    "videos": ["List your uploaded videos", "--json", "--url", "--api-key"],
    "models": ["--json", "--url", "--api-key"],
    "deploy": ["--project", "--region", "--dry-run", "infra/README.md"],
    "teardown": ["--project", "--region", "--dry-run", "--delete-data"],
    "batch": [
        "Start a batch",
        "--video",
        "--prompt",
        "--model",
        "--pairs",
        "--judge",
        "--concurrency",
        "--dry-run",
        "--wait",
        "Processing combination k/N...",
        "vidcompare batch --pairs pairs.csv",
    ],
    "status": ["Show a job's status", "the local stack", "--json", "--state-dir"],
    "jobs": ["List your jobs", "--status", "--limit", "--page-token"],
    "result": ["Print a job's result", "table|json|csv|csv-wide|md|html", "--output", "--open"],
    "cancel": ["Cancel a pending or running job", "VIDCOMPARE_API_KEY"],
}


@pytest.mark.parametrize("command", sorted(COMMAND_HELP))
def test_every_command_has_useful_help(command):
    answer = CliRunner().invoke(cli.app, [command, "--help"], env={"COLUMNS": "200"})
    assert answer.exit_code == 0
    for needle in COMMAND_HELP[command]:
        assert needle in answer.stdout, (command, needle)


def test_top_level_help_lists_every_command():
    answer = runner.invoke(cli.app, ["--help"])
    assert answer.exit_code == 0
    assert all(command in answer.stdout for command in COMMAND_HELP)


# -------------------------------------------------------------------- the clients


def test_async_client_uploads_runs_and_waits_with_progress(stack, video_files):
    async def scenario() -> tuple[list[JobView], object, object, object]:
        async with AsyncClient(stack.base_url, timeout=60) as vc:
            video = await vc.upload(video_files["red_blue"])
            prompts = [f"Question {i}: what happens?" for i in range(8)]
            estimate = await vc.estimate(video_ids=[video.video_id], prompts=prompts, models=MODELS)
            accepted = await vc.start_batch(
                video_ids=[video.video_id], prompts=prompts, models=MODELS, concurrency=1
            )
            seen: list[JobView] = []
            job = await vc.wait(
                accepted.job_id, poll_seconds=0.02, timeout=90, on_progress=seen.append
            )
            assert job == seen[-1]
            with pytest.raises(ClientError) as missing:
                await vc.job("no-such-job")
            return seen, video, estimate, (await vc.result(accepted.job_id), missing.value)

    seen, video, estimate, (result, missing) = asyncio.run(scenario())
    data = video_files["red_blue"].read_bytes()
    assert (video.size_bytes, video.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    assert (estimate.total_combinations, estimate.model_calls, estimate.judge_calls) == (8, 16, 8)

    progress = [job.progress for job in seen]
    assert progress == sorted(progress) and progress[0] < 100 and progress[-1] == 100.0
    assert len(set(progress)) >= 3
    assert any(
        re.fullmatch(r"Processing combination [1-8]/8\.\.\.", j.progress_message) for j in seen
    )
    assert seen[-1].progress_message == "Completed 8/8 combinations"
    assert result.complete and len(result.comparisons) == 8
    assert [c.video_id for c in result.comparisons] == [video.video_id] * 8
    assert (missing.status, missing.code) == (404, "NOT_FOUND")


def test_sync_client_env_defaults_and_wait_callback(stack, videos, monkeypatch):
    monkeypatch.setenv("VIDCOMPARE_URL", stack.base_url + "/")
    monkeypatch.setenv("VIDCOMPARE_API_KEY", "k-123")
    with Client() as vc:
        assert vc.base_url == stack.base_url
        assert vc.http.headers["X-API-Key"] == "k-123"
        accepted = vc.start_batch(
            pairs=[{"video_id": videos["green"], "prompt": "How long?"}],
            models=["local-scenes"],
            judge_model="local-rubric",
            judge_swaps=2,
        )
        seen: list[float] = []
        job = vc.wait(
            accepted.job_id,
            poll_seconds=0.05,
            timeout=60,
            on_progress=lambda j: seen.append(j.progress),
        )
        assert job.status.value == "completed" and seen[-1] == 100.0
        assert vc.result(accepted.job_id).judge.judge_swaps == 2
        with pytest.raises(TimeoutError):
            vc.wait(vc.start_batch([videos["green"]], ["a?", "b?", "c?"], MODELS).job_id, timeout=0)


def test_live_progress_bar_on_a_terminal(stack, videos, client):
    screen = io.StringIO()
    terminal = Console(file=screen, force_terminal=True, width=120)
    prompts = [f"Part {i}?" for i in range(6)]
    accepted = client.start_batch([videos["red_blue"]], prompts, MODELS)
    job = render.follow(client, accepted.job_id, poll_seconds=0.02, screen=terminal)
    assert job.status.value == "completed"
    shown = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", screen.getvalue())
    assert re.search(r"Processing combination [1-6]/6\.\.\. .*━.* \d+%", shown)
    assert re.search(r"Completed 6/6 combinations .*━.* 100%", shown)
    assert "ETA" in shown


def test_control_characters_from_prompts_and_answers_never_reach_the_terminal(
    stack, client, videos
):
    prompt = "Which colours? \x1b[2J\x1b[31mred\x1b[0m \x07"
    accepted = client.start_batch([videos["green"]], [prompt], ["local-scenes"])
    client.wait(accepted.job_id, poll_seconds=0.2, timeout=60)
    for fmt in ("table", "md"):
        shown = run_script("result", accepted.job_id, "--format", fmt, "--url", stack.base_url)
        assert shown.returncode == 0, shown.stderr
        assert "\x1b" not in shown.stdout and "\x07" not in shown.stdout, fmt
        assert "\\x1b[2J\\x1b[31mred\\x1b[0m \\x07" in shown.stdout, fmt
    # JSON escapes them itself; the prompt is kept exactly.
    as_json = run_script("result", accepted.job_id, "--format", "json", "--url", stack.base_url)
    assert json.loads(as_json.stdout)["comparisons"][0]["prompt"] == prompt.strip()
