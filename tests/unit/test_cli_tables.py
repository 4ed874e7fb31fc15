"""The CLI's tables fitted to 80 and 160 columns, and progress without a terminal."""

from __future__ import annotations

import io

from cli_tables import table_header, table_lines, table_rows
from report_samples import sample_job, sample_result
from rich.console import Console

from vidcompare.cli import render, report
from vidcompare.reports.tables import leaderboard_table, results_table
from vidcompare.schemas import JobStatus

JOB_ID = "5f0c3c1e-8d5b-4b8e-9a57-0d7d0d0b6c2a"


def printed(table, width: int) -> str:
    out = io.StringIO()
    render.print_table(table, Console(file=out, width=width, force_terminal=False))
    text = out.getvalue()
    assert max(len(line.rstrip()) for line in text.splitlines()) <= width
    assert "…" not in text  # wrapped, never cut
    return text


def job_view(done: int, message: str, status=JobStatus.running, eta: float | None = None):
    """A 120-combination job with ``done`` of them finished."""
    return sample_job(
        job_id=JOB_ID,
        status=status,
        progress=100 * done / 120,
        progress_message=message,
        completed_combinations=done,
        total_combinations=120,
        models=["gemini-3.8-flash", "local-scenes"],
        eta_seconds=eta,
    )


def test_at_80_columns_the_results_leave_out_tokens_cost_and_latency_and_wrap_the_rest():
    table = results_table(sample_result())
    text = printed(table, 80)
    assert table_header(text, table.title) == ["#", "video", "prompt", "model", "score", "error"]
    assert table_rows(text, table.title) == [
        ["1", "clip-aaaa1111", "How many cuts | scenes?", "Local Scenes", "8", "—"],
        ["1", "clip-aaaa1111", "How many cuts | scenes?", "Local Motion", "3.5", "—"],
        ["2", "clip-bbbb2222", "Which colours?", "Local Scenes", "—", "model timed out"],
        ["2", "clip-bbbb2222", "Which colours?", "Local Motion", "6", "—"],
    ]
    assert len(table_lines(text, table.title)[0]) == 2  # the prompt wrapped onto a 2nd line


def test_at_160_columns_every_column_shows_one_line_a_row():
    table = results_table(sample_result())
    text = printed(table, 160)
    assert table_header(text, table.title) == table.columns
    assert [len(lines) for lines in table_lines(text, table.title)] == [1, 1, 1, 1]
    assert table_rows(text, table.title)[2] == [
        "2",
        "clip-bbbb2222",
        "Which colours?",
        "Local Scenes",
        "—",
        "1,234 ms",
        "100/20",
        "$0.000000",
        "model timed out",
    ]
    board = leaderboard_table(sample_result())
    assert table_header(printed(board, 160), "Leaderboard") == board.columns
    narrow = table_header(printed(board, 80), "Leaderboard")
    assert narrow == ["rank", "model", "mean score", "wins", "mean latency", "cost", "errors"]


def test_the_jobs_table_keeps_the_whole_job_id_at_80_columns():
    table = report.jobs_table([job_view(50, "Processing combination 51/120...")])
    text = printed(table, 80)
    assert table_header(text, "Jobs") == ["job", "status", "done", "created"]
    ((job, status, done, _created),) = table_rows(text, "Jobs")
    assert (job, status, done) == (JOB_ID, "running", "50/120")
    wide = table_rows(printed(table, 160), "Jobs")
    assert wide[0][:6] == [
        JOB_ID,
        "running",
        "50/120",
        "42%",
        "gemini-3.8-flash, local-scenes",
        "Processing combination 51/120...",
    ]


def test_fit_columns_drops_only_what_it_must_in_the_tables_order():
    table = results_table(sample_result())
    assert render.fit_columns(table, 500) == table
    assert render.fit_columns(table, render.needed_width(table)) == table
    one_less = render.fit_columns(table, render.needed_width(table) - 1)
    assert "tokens in/out" not in one_less.columns and "cost" in one_less.columns
    assert render.fit_columns(table, 10).columns == [
        "#",
        "video",
        "prompt",
        "model",
        "score",
        "error",
    ]


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_progress_without_a_terminal_is_a_line_per_finished_combination_at_most():
    lines: list[str] = []
    clock = Clock()
    log = render.ProgressLog(lines.append, quiet_seconds=30, clock=clock)
    # A 120-combination job polled every 2 s; the message and ETA change at every poll,
    # each combination takes 5 polls.
    for poll in range(600):
        clock.now = poll * 2.0
        done = poll // 5
        log(job_view(done, f"Processing combination {done + 1}/120...", eta=1200 - poll * 2))
    log(job_view(120, "Completed 120/120 combinations", status=JobStatus.completed))
    assert len(lines) == 121  # the first poll, each new count (1…119), the end
    assert lines[0] == "  0.0%  Processing combination 1/120...  ETA 20 min 00 s"
    assert lines[1] == "  0.8%  Processing combination 2/120...  ETA 19 min 50 s"
    assert lines[-1] == "100.0%  Completed 120/120 combinations"


def test_a_slow_combination_shows_a_line_a_quiet_period_and_nothing_repeated():
    lines: list[str] = []
    clock = Clock()
    log = render.ProgressLog(lines.append, quiet_seconds=30, clock=clock)
    for second in range(0, 100, 2):  # one combination for 100 s, the ETA ticking down
        clock.now = float(second)
        log(job_view(0, "Processing combination 1/120...", eta=600 - second))
    assert [line.rsplit("ETA ", 1)[1] for line in lines] == [
        "10 min 00 s",
        "9 min 30 s",
        "9 min 00 s",
        "8 min 30 s",
    ]
    clock.now = 500.0
    log(job_view(0, "Processing combination 1/120...", eta=502))  # the last line again
    log(job_view(0, "Processing combination 1/120...", eta=502))
    assert len(lines) == 5


def test_a_named_job_shows_its_name_and_the_created_time_makes_room():
    named = job_view(3, "Processing combination 4/120...").model_copy(
        update={"name": "prompt A/B test of the cut counters"}
    )
    text = printed(report.jobs_table([named, job_view(0, "Queued 120 combinations")]), 80)
    assert table_header(text, "Jobs") == ["job", "name", "status", "done"]
    assert table_rows(text, "Jobs") == [
        [JOB_ID, "prompt A/B test of the cut counters", "running", "3/120"],
        [JOB_ID, "", "running", "0/120"],
    ]
