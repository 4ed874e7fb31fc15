"""Job history: a job's name, the request that runs it again, and short ids (a unique
prefix, as the page and the CLI show ids) on every job route."""

from __future__ import annotations

import csv
import io
import json
import random
import uuid

import httpx
import pytest

from vidcompare import store
from vidcompare.api.batches import job_document
from vidcompare.client import APIError
from vidcompare.plan import Plan
from vidcompare.schemas import BatchRequest, JobStatus
from vidcompare.testing.synth import padded_video

MODELS = ["local-scenes", "local-motion-colour"]


def test_a_named_job_is_named_everywhere_and_runs_again_from_its_request(client, videos):
    accepted = client.start_batch(
        [videos["green"], videos["red_blue"]],
        ["How many cuts?", "What colours?"],
        MODELS,
        name="  colours A/B  ",
        concurrency=2,
        judge_swaps=2,
    )
    assert accepted.name == "colours A/B"  # trimmed
    assert client.job(accepted.job_id).name == "colours A/B"
    listed = {j.job_id: j for j in client.jobs(limit=20).jobs}
    assert listed[accepted.job_id].name == "colours A/B"
    request = client.job_request(accepted.job_id)
    assert request == BatchRequest(
        video_ids=[videos["green"], videos["red_blue"]],
        prompts=["How many cuts?", "What colours?"],
        models=MODELS,
        judge_model="local-rubric",
        concurrency=2,
        judge_swaps=2,
        name="colours A/B",
    )
    # Run again, edited: the request is a body the API takes as it is.
    again = client.start_batch(
        **request.model_dump(exclude={"dry_run", "name"}), name="colours A/B (again)"
    )
    assert again.total_combinations == 4 and again.name == "colours A/B (again)"
    client.cancel(again.job_id)


def test_a_pairs_job_runs_again_as_the_same_pairs(client, videos):
    pairs = [
        {"video_id": videos["green"], "prompt": "How many cuts?"},
        {"video_id": videos["red_blue"], "prompt": "What colours?"},
        {"video_id": videos["red_blue"], "prompt": "How many cuts?"},
    ]
    accepted = client.start_batch(pairs=pairs, models=["local-scenes"])
    request = client.job_request(accepted.job_id)
    assert [p.model_dump() for p in request.pairs or []] == pairs
    assert request.video_ids == [] and request.prompts == []
    again = client.start_batch(**request.model_dump(exclude={"dry_run"}))
    assert again.total_combinations == 3
    for job_id in (accepted.job_id, again.job_id):
        client.cancel(job_id)


@pytest.mark.parametrize(
    ("name", "field"),
    [("x" * 121, "name"), ("two\nlines", "name"), (7, "name")],
)
def test_a_bad_name_is_refused_naming_it(client, videos, name, field):
    body = {"video_ids": [videos["green"]], "prompts": ["p"], "models": MODELS, "name": name}
    answer = client.http.post("/api/batch-compare-async", json=body)
    assert answer.status_code == 400
    assert answer.json()["error"]["details"][0]["field"] == field


def _job_with_id(job_id: str, owner: str | None = "local") -> None:
    """A cancelled job document with a chosen id (ids are random: prefixes are made to
    collide); cancelled, so that no sweep ever runs it."""
    request = BatchRequest(video_ids=["v"], prompts=["p"], models=["local-scenes"])
    job = job_document(
        request, Plan(["v"], ["p"], None), judge_model="local-rubric", lanes=1, owner=owner
    )
    store.create_job(job.model_copy(update={"job_id": job_id, "status": JobStatus.cancelled}))


def test_a_unique_prefix_is_the_job_on_every_route(client, videos):
    accepted = client.start_batch([videos["green"]], ["How many cuts?"], ["local-scenes"])
    short = accepted.job_id[:12]  # as the page and `vidcompare jobs` show it
    client.wait(short, poll_seconds=0.2, timeout=60)
    assert client.job(short).job_id == accepted.job_id
    assert client.result(short).job_id == accepted.job_id
    assert client.job_request(short).prompts == ["How many cuts?"]
    with pytest.raises(APIError) as finished:
        client.cancel(short)
    assert finished.value.status == 409  # the job itself: finished


def test_an_ambiguous_or_too_short_or_foreign_prefix_is_refused(client):
    stem = uuid.uuid4().hex[:10]
    first, second = f"{stem}aa-{uuid.uuid4()}", f"{stem}ab-{uuid.uuid4()}"
    _job_with_id(first)
    _job_with_id(second)
    _job_with_id(f"{stem}b-{uuid.uuid4()}", owner="someone-else")
    answer = client.http.get(f"/api/jobs/{stem}a")
    assert answer.status_code == 409
    message = answer.json()["error"]["message"]
    assert "ambiguous: 2 jobs" in message and first in message and second in message
    assert client.http.get(f"/api/jobs/{stem}aa").json()["job_id"] == first
    assert client.http.get(f"/api/jobs/{stem}b").status_code == 404  # another owner's
    too_short = client.http.get(f"/api/jobs/{stem[:5]}")
    assert too_short.status_code == 404
    assert "at least 6 characters" in too_short.json()["error"]["message"]


def test_a_result_exports_as_each_file_a_person_saves(client, video_files, tmp_path):
    own = tmp_path / "cuts-original.mp4"  # a video of its own: it is renamed below
    padded_video(video_files["green"], own, size=200_000 + random.randrange(10**5))
    video_id = client.upload(own).video_id
    accepted = client.start_batch([video_id], ["How many cuts?"], MODELS, name="cuts: A/B <v2>")
    client.wait(accepted.job_id, poll_seconds=0.2, timeout=90)
    client.http.patch(f"/api/videos/{video_id}", json={"filename": "renamed.mp4"})
    result = client.result(accepted.job_id)
    short = accepted.job_id[:12]
    stem = f"vidcompare-{accepted.job_id[:8]}-cuts-A-B-v2"

    def export(fmt: str) -> httpx.Response:
        answer = client.http.get(f"/api/jobs/{short}/export", params={"format": fmt})
        assert answer.status_code == 200, answer.text
        return answer

    wide = export("csv")
    assert wide.headers["content-type"] == "text/csv; charset=utf-8"
    assert wide.headers["content-disposition"] == f'attachment; filename="{stem}.csv"'
    rows = list(csv.DictReader(io.StringIO(wide.text)))
    assert len(rows) == 1
    row = rows[0]
    assert row["video_id"] == video_id and row["prompt"] == "How many cuts?"
    assert row["filename"] == "cuts-original.mp4"  # the name when the job ran
    for comparison_answer, evaluation in zip(
        result.comparisons[0].results, result.comparisons[0].evaluation, strict=True
    ):
        assert row[f"score {evaluation.model_id}"] == f"{evaluation.score:g}"
        assert row[f"answer {comparison_answer.model_id}"] == comparison_answer.response
    long_rows = list(csv.DictReader(io.StringIO(export("csv-long").text)))
    assert [r["model_id"] for r in long_rows] == MODELS
    assert json.loads(export("json").text) == json.loads(result.model_dump_json())
    markdown = export("md")
    assert markdown.headers["content-disposition"].endswith(f'{stem}.md"')
    assert "| How many cuts? |" in markdown.text
    page = export("html")
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert "<script" not in page.text.lower()
    assert "cuts: A/B &lt;v2&gt;" in page.text  # the name, escaped
    bad = client.http.get(f"/api/jobs/{short}/export", params={"format": "xlsx"})
    assert bad.status_code == 400
    assert bad.json()["error"]["details"][0]["field"] == "format"
