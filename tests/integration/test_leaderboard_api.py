"""The leaderboard across jobs: rows kept as combinations commit, ``GET /api/leaderboard``
and its filters, jobs from before rows existed, and the request's tags."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from vidcompare import store
from vidcompare.client import APIError
from vidcompare.score_rows import columns, pack, unpack
from vidcompare.store.scores import chunk_ref

MODELS = ["local-scenes", "local-motion-colour"]
PROMPTS = ["How many cuts are there?", "Which colours dominate each scene?"]


@pytest.fixture(scope="module")
def library(client, videos):
    """Two finished jobs under one tag: a prompt A/B (2 videos × 2 prompts, tagged) and
    one more prompt on one video; the tag keeps other tests' jobs out."""
    tag = f"lib-{dt.datetime.now().strftime('%H%M%S%f')}"
    ab = client.start_batch(
        [videos["red_blue"], videos["green"]],
        PROMPTS,
        MODELS,
        tags=[tag, "ab"],
        prompt_tags={PROMPTS[0]: "cuts", PROMPTS[1]: "colours"},
        concurrency=2,
        judge_swaps=2,
    )
    other = client.start_batch([videos["green"]], ["Describe the motion."], MODELS[:1], tags=[tag])
    for job_id in (ab.job_id, other.job_id):
        assert client.wait(job_id, poll_seconds=0.3, timeout=240).status.value == "completed"
    return {"tag": tag, "ab": ab.job_id, "other": other.job_id, "videos": videos}


def _scores(client, job_id: str) -> dict[str, list[float]]:
    by_model: dict[str, list[float]] = {}
    for comparison in client.result(job_id).comparisons:
        for entry in comparison.evaluation:
            if entry.score:
                by_model.setdefault(entry.model_id, []).append(entry.score)
    return by_model


def test_each_commit_leaves_one_row_and_the_leaderboard_counts_exactly_those(client, library):
    rows = chunk_ref(library["ab"], 0).get().to_dict()["rows"]
    assert sorted(rows) == ["0", "1", "2", "3"]
    cells, consistent = json.loads(rows["0"])
    assert [c[0] for c in cells] == MODELS and consistent in (0, 1)  # judged twice

    board = client.leaderboard(tag=library["tag"])
    assert board.jobs == 2 and board.comparisons == 5
    expected = _scores(client, library["ab"])
    for model_id, more in _scores(client, library["other"]).items():
        expected.setdefault(model_id, []).extend(more)
    by_id = {m.model_id: m for m in board.models}
    assert set(by_id) == set(MODELS)
    for model_id, scores in expected.items():
        entry = by_id[model_id]
        assert entry.combinations == len(scores)
        assert entry.mean_score == pytest.approx(sum(scores) / len(scores), abs=0.01)
        low, high = entry.mean_ci
        assert low <= entry.mean_score <= high
    assert sorted(m.rank for m in board.models) == [1, 2]
    assert board.judges[0].judge_model == "local-rubric"
    assert board.judges[0].swapped == 4  # only the A/B job judged twice


def test_filters_narrow_what_is_counted(client, library):
    tag, ab = library["tag"], library["ab"]
    assert client.leaderboard(tag=tag, job=ab[:8]).comparisons == 4  # a short id
    assert client.leaderboard(job=[ab, library["other"]]).comparisons == 5
    only = client.leaderboard(tag=tag, model="local-motion-colour")
    assert [m.model_id for m in only.models] == ["local-motion-colour"]
    assert only.comparisons == 4  # the other job did not run it
    assert client.leaderboard(tag=tag, video=library["videos"]["red_blue"]).comparisons == 2
    assert client.leaderboard(tag=tag, prompt=PROMPTS[1]).comparisons == 2
    assert client.leaderboard(tag=tag, prompt_tag="cuts").comparisons == 2
    assert client.leaderboard(tag=[tag, "no-such-tag"]).comparisons == 5  # any of them
    assert client.leaderboard(tag="ab", job=ab).comparisons == 4
    assert client.leaderboard(tag=tag, judge="gemini-3-flash-preview").comparisons == 0
    today = dt.datetime.now(dt.UTC).date()
    assert client.leaderboard(tag=tag, since=today).comparisons == 5
    assert client.leaderboard(tag=tag, until=today - dt.timedelta(days=1)).comparisons == 0
    assert client.leaderboard(tag=tag, until=today).comparisons == 5  # the day is included
    empty = client.leaderboard(tag=tag, judge="nobody")
    assert empty.models == [] and empty.jobs == 0
    # A filter that leaves no row leaves no model either (not ranked lines of nothing).
    for nothing in ({"video": "no-such-video"}, {"prompt": "No such prompt?"}):
        board = client.leaderboard(tag=tag, **nothing)
        assert (board.comparisons, board.jobs, board.models) == (0, 0, [])


def test_by_prompt_tag_ranks_the_prompt_variants_for_each_model(client, library):
    board = client.leaderboard(tag=library["tag"], job=library["ab"], by="prompt_tag")
    assert sorted(p.prompt for p in board.by_prompt) == ["colours", "cuts"]
    for prompt in board.by_prompt:
        assert prompt.combinations == 2
        assert {m.model_id for m in prompt.models} == set(MODELS)
    assert {w.model_id for w in board.prompt_winners} == set(MODELS)
    assert board.matrix.prompts and set(board.matrix.prompts) == {"colours", "cuts"}
    # Grouped by tag, the untagged prompt of the other job is no variant: left out.
    both = client.leaderboard(tag=library["tag"], by="prompt_tag")
    assert both.comparisons == 4 and {p.prompt for p in both.by_prompt} == {"colours", "cuts"}
    texts = client.leaderboard(job=library["ab"], by="prompt")
    assert sorted(p.prompt for p in texts.by_prompt) == sorted(PROMPTS)
    assert client.leaderboard(job=library["ab"]).by_prompt is None  # only when asked


def test_a_job_from_before_rows_existed_gets_them_once_when_first_read(client, library):
    job_id = library["other"]
    chunk_ref(job_id, 0).delete()
    assert client.leaderboard(job=job_id).comparisons == 1
    rows = chunk_ref(job_id, 0).get().to_dict()["rows"]
    assert list(rows) == ["0"]
    # The job's expiry is kept on its rows (TTL deletes them with the job).
    job = store.get_job(job_id)
    assert chunk_ref(job_id, 0).get().to_dict()["expire_at"] == job.expire_at


def test_a_repeated_commit_adds_no_row(client, library):
    comparison = client.result(library["ab"]).comparisons[1]
    assert store.commit_combination(library["ab"], 1, comparison) is False
    rows = chunk_ref(library["ab"], 0).get().to_dict()["rows"]
    assert len(rows) == 4
    assert client.leaderboard(job=library["ab"]).comparisons == 4


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"by": "video"}, "by"),
        ({"since": "last tuesday"}, "since"),
        ({"until": "2026-13-01"}, "until"),
        ({"since": "2026-11-27", "until": "2026-11-26"}, "until"),
        ({"resamples": "5"}, "resamples"),
        ({"resamples": "many"}, "resamples"),
    ],
)
def test_bad_filters_are_a_400_naming_the_parameter(client, query, field):
    answer = client.http.get("/api/leaderboard", params=query)
    assert answer.status_code == 400
    assert answer.json()["error"]["details"][0]["field"] == field


def test_an_unknown_job_is_a_404(client):
    with pytest.raises(APIError) as refused:
        client.leaderboard(job="ffffffffff")
    assert refused.value.status == 404


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"prompt_tags": {"Not one of them": "A"}}, "prompt_tags"),
        ({"prompt_tags": {"p": "x" * 41}}, "prompt_tags.p"),
        ({"tags": ["ok", ""]}, "tags[1]"),
        ({"tags": ["two\nlines"]}, "tags[0]"),
        ({"tags": [f"t{i}" for i in range(21)]}, "tags"),
    ],
)
def test_bad_tags_are_refused_naming_the_field_and_create_nothing(client, videos, change, field):
    before = len(client.jobs(limit=100).jobs)
    body = {"video_ids": [videos["green"]], "prompts": ["p"], "models": MODELS} | change
    answer = client.http.post("/api/batch-compare-async", json=body)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["details"][0]["field"] == field
    assert len(client.jobs(limit=100).jobs) == before


def test_a_job_shows_its_tags_and_runs_again_with_them(client, library):
    assert client.job(library["ab"]).tags == [library["tag"], "ab"]
    request = client.job_request(library["ab"])
    assert request.tags == [library["tag"], "ab"]
    assert request.prompt_tags == {PROMPTS[0]: "cuts", PROMPTS[1]: "colours"}


def test_a_cancelled_job_counts_what_it_finished(client, videos, unique):
    accepted = client.start_batch(
        [videos["green"], videos["red_blue"]], ["a", "b", "c"], MODELS[:1], tags=[unique]
    )
    try:
        client.cancel(accepted.job_id)
    except APIError as finished:  # it may have finished first: all six then count
        assert finished.status == 409
    job = client.wait(accepted.job_id, poll_seconds=0.3, timeout=120)
    assert client.leaderboard(tag=unique).comparisons == job.completed_combinations


def _cli(*args: str, columns: int = 160) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(sys.executable).parent / "vidcompare"), *args],
        capture_output=True,
        text=True,
        env=os.environ | {"COLUMNS": str(columns)},
        timeout=180,
        check=False,
    )


def test_the_cli_prints_and_writes_the_leaderboard(stack, client, library):
    where = ["--url", stack.base_url, "--tag", library["tag"]]
    shown = _cli("leaderboard", *where, columns=100)
    assert shown.returncode == 0, shown.stderr
    assert "Leaderboard: 5 combinations of 2 jobs" in shown.stdout
    assert "Local Scenes" in shown.stdout and "rating [95% CI]" in shown.stdout
    assert max(len(line) for line in shown.stdout.splitlines()) <= 100
    as_json = _cli("leaderboard", *where, "--format", "json")
    assert json.loads(as_json.stdout) == client.leaderboard(tag=library["tag"]).model_dump(
        mode="json"
    )
    as_csv = _cli("leaderboard", *where, "--format", "csv", "--by", "prompt_tag")
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert {(r["prompt"], r["model_id"]) for r in rows} >= {
        ("cuts", "local-scenes"),
        ("colours", "local-motion-colour"),
    }
    md = _cli("leaderboard", *where, "--format", "md", "--by", "prompt")
    assert md.stdout.startswith("# Leaderboard across jobs") and "## By prompt" in md.stdout
    nothing = _cli("leaderboard", "--url", stack.base_url, "--tag", "no-such-tag-at-all")
    assert nothing.returncode == 0 and "No scored comparisons match" in nothing.stdout
    bad = _cli("leaderboard", "--url", stack.base_url, "--since", "soon")
    assert bad.returncode == 1 and "since" in bad.stderr


def test_batch_tags_a_job_and_each_prompt_from_the_cli(stack, client, videos, unique):
    args = ["batch", "--url", stack.base_url, "-v", videos["green"], "-m", "local-scenes"]
    args += ["-p", "Count the cuts.", "-p", "Count the scenes.", "--tag", unique]
    uneven = _cli(*args, "--prompt-tag", "A")
    assert uneven.returncode == 1 and "1 --prompt-tag for 2 -p" in uneven.stderr
    started = _cli(*args, "--prompt-tag", "A", "--prompt-tag", "B", "--format", "json")
    assert started.returncode == 0, started.stderr
    job_id = json.loads(started.stdout)["job_id"]
    request = client.job_request(job_id)
    assert request.tags == [unique]
    assert request.prompt_tags == {"Count the cuts.": "A", "Count the scenes.": "B"}


def test_a_finished_jobs_rows_are_packed_once_and_a_short_pack_is_made_again(client, library):
    job_id = library["ab"]
    client.leaderboard(job=job_id)
    chunk = chunk_ref(job_id, 0).get().to_dict()
    packed, from_map = (
        unpack(chunk["packed"]),
        columns((int(i), t) for i, t in chunk["rows"].items()),
    )
    order = np.argsort(packed.index)
    assert packed.index[order].tolist() == sorted(from_map.index.tolist()) == [0, 1, 2, 3]
    assert packed.models == from_map.models == MODELS
    assert np.array_equal(
        packed.values[order], from_map.values[np.argsort(from_map.index)], equal_nan=True
    )
    before = client.leaderboard(job=job_id).model_dump()
    # A pack that misses a row (a late commit of a cancelled job adds to the map only).
    shorter = columns((int(i), t) for i, t in chunk["rows"].items() if i != "2")
    chunk_ref(job_id, 0).update({"packed": pack(shorter)})
    assert client.leaderboard(job=job_id).model_dump() == before  # read from the map
    assert len(unpack(chunk_ref(job_id, 0).get().to_dict()["packed"])) == 4  # packed again
