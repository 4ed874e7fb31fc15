"""Every way Gemini says no, end to end: blocked prompts, stopped answers, a 400 about one
video, and a judge that does not write its labels as asked. The batch goes on."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from vidcompare.prices import TokenCount, cost_usd
from vidcompare.testing.fake_gemini import score_for
from vidcompare.testing.synth import SceneSpec, make_video

JUDGE = "gemini-3.8-flash"


@pytest.fixture(scope="module")
def clips(client, tmp_path_factory) -> dict[str, Path]:
    """Two videos with their own bytes: video_id -> path."""
    folder = tmp_path_factory.mktemp("refusal-videos")
    out = {}
    for i, colour in enumerate([(90, 160, 20), (20, 90, 160)]):
        path = folder / f"refusal-{i}.mp4"
        make_video(path, [SceneSpec(colour, 0.5), SceneSpec((10, 10, 10), 0.5)])
        out[client.upload(path).video_id] = path
    return out


def run(client, video_ids, prompts, models, **extra):
    accepted = client.start_batch(video_ids, prompts, models, **extra)
    job = client.wait(accepted.job_id, poll_seconds=0.2, timeout=90)
    assert job.status.value == "completed", job.error
    return client.result(accepted.job_id)


def test_blocks_and_stop_reasons_are_named_not_retried_and_the_batch_goes_on(
    client, fake_gemini, clips
):
    fake_gemini.script("gemini-3.6-flash", blocked=1, block_reason="PROHIBITED_CONTENT")
    fake_gemini.script("gemini-3.5-flash-lite", finish=["SAFETY"])
    fake_gemini.script("gemini-3.1-pro-preview", finish=["RECITATION"])
    fake_gemini.script("gemini-3.8-flash", finish=["MAX_TOKENS"])
    models = ["gemini-3.6-flash", "gemini-3.5-flash-lite", "gemini-3.1-pro-preview", JUDGE]
    video_id = next(iter(clips))
    result = run(client, [video_id], ["Describe.", "Count the cuts."], models, judge_model=JUDGE)

    first, second = result.comparisons
    blocked, safety, recitation, cut = first.results
    assert blocked.error.startswith("the prompt was blocked (PROHIBITED_CONTENT)")
    assert (blocked.response, blocked.block_reason, blocked.finish_reason) == (
        None,
        "PROHIBITED_CONTENT",
        None,
    )
    assert blocked.usage.input_tokens > 0  # the refused prompt was still counted
    assert safety.error == "the answer was stopped by the safety filters (finish reason SAFETY)"
    assert (safety.response, safety.finish_reason) == (None, "SAFETY")
    assert recitation.error.startswith("the answer was stopped for reciting training data")
    assert recitation.finish_reason == "RECITATION"
    # MAX_TOKENS keeps what came before the limit, marked truncated.
    assert cut.error is None and cut.truncated and cut.finish_reason == "MAX_TOKENS"
    (answer_call, _) = [c for c in fake_gemini.calls(JUDGE) if not c["judge"]]
    assert cut.response == answer_call["response_text"]
    # Only the truncated answer could be judged; the refused ones say why not.
    scores = {e.model_id: e.score for e in first.evaluation}
    assert scores == {m: None for m in models[:3]} | {JUDGE: score_for(JUDGE)}
    # Nothing refused was asked again; the next combination ran normally.
    for model in models[:3]:
        answers = [c for c in fake_gemini.calls(model) if not c["judge"]]
        assert [c["status"] for c in answers] == [200, 200], model
    assert [r.error for r in second.results] == [None] * 4
    assert [r.truncated for r in second.results] == [False] * 4


def test_a_400_about_one_video_is_that_combinations_error(client, fake_gemini, clips):
    # One video counts more tokens than the model takes (the real API's 400), the other not.
    big, small = clips
    sha = hashlib.sha256(clips[big].read_bytes()).hexdigest()
    fake_gemini.configure(file_tokens_by_file={sha: 2_000_000})
    result = run(
        client, [big, small], ["Describe."], ["gemini-3.6-flash"], judge_model="local-rubric"
    )
    over, fine = result.comparisons
    assert over.video_id == big and over.results[0].response is None
    assert over.results[0].error.startswith(
        "Gemini refused this request (400 INVALID_ARGUMENT): The input token count"
    )
    assert "exceeds the maximum number of tokens allowed" in over.results[0].error
    assert fine.results[0].error is None and fine.results[0].response


@pytest.mark.parametrize("style", ["letter", "lower", "colon", "bold", "response", "paren"])
def test_the_judges_labels_are_mapped_back_however_it_writes_them(
    client, fake_gemini, clips, style
):
    fake_gemini.script(JUDGE, judge_label_style=style)
    models = ["gemini-3.6-flash", "gemini-3.5-flash-lite"]
    result = run(client, [next(iter(clips))], [f"Describe ({style})."], models, judge_model=JUDGE)
    (comparison,) = result.comparisons
    assert comparison.judge_error is None and comparison.judge_warnings == []
    assert {e.model_id: e.score for e in comparison.evaluation} == {m: score_for(m) for m in models}
    # The summary names the models, not the labels ("A" and "answer a" are left as written).
    if style not in ("letter", "lower"):
        summary = comparison.overall_summary
        head = summary.split(" is best")[0].rstrip(":")  # "Answer A:" keeps its colon
        assert head in ["Gemini 3.6 Flash", "Gemini 3.5 Flash-Lite"]
    # The reasoning speaks of the models by name too, whatever label the judge wrote.
    names = {r.model_id: r.model_name for r in comparison.results}
    for evaluation in comparison.evaluation:
        if style not in ("letter", "lower"):  # "A", "answer a" may be English: left as written
            assert evaluation.reasoning.startswith(names[evaluation.model_id])
        assert "Answer" not in evaluation.reasoning and "**" not in evaluation.reasoning
    (verdict_call,) = fake_gemini.calls(JUDGE)
    schema = verdict_call["response_schema"]
    label = schema["properties"]["evaluations"]["items"]["properties"]["label"]
    assert sorted(label["enum"]) == sorted(comparison.judge_labels)


def test_a_verdict_missing_an_answer_keeps_the_others_and_names_it(client, fake_gemini, clips):
    fake_gemini.script(JUDGE, judge_omit=["Answer B"])
    models = ["gemini-3.6-flash", "gemini-3.5-flash-lite", "gemini-3.1-pro-preview"]
    result = run(client, [next(iter(clips))], ["Describe the colours."], models, judge_model=JUDGE)
    (comparison,) = result.comparisons
    left_out = comparison.judge_labels["Answer B"]
    scores = {e.model_id: e.score for e in comparison.evaluation}
    assert scores == {m: (None if m == left_out else score_for(m)) for m in models}
    assert comparison.judge_error is None
    name = {r.model_id: r.model_name for r in comparison.results}[left_out]
    assert comparison.judge_warnings == [f"the judge gave no verdict for Answer B ({name})"]
    reasons = {e.model_id: e.reasoning for e in comparison.evaluation}
    assert reasons[left_out] == "Not scored: the judge's verdict left this answer out."
    assert len(fake_gemini.calls(JUDGE)) == 1  # a partial verdict is kept, not asked again


def test_gemini_3_judges_keep_their_default_temperature(client, fake_gemini, clips):
    from vidcompare.testing.fake_gemini import DEFAULT_MODELS

    fake_gemini.configure(models=[*DEFAULT_MODELS, "gemini-2.5-flash-lite"])
    video_id = next(iter(clips))
    for judge, temperature in [(JUDGE, None), ("gemini-2.5-flash-lite", 0.0)]:
        fake_gemini.reset(log_only=True)
        run(client, [video_id], [f"Judged by {judge}."], ["gemini-3.6-flash"], judge_model=judge)
        (verdict_call,) = [c for c in fake_gemini.calls(judge) if c["judge"]]
        assert verdict_call["temperature"] == temperature, judge
        answer_call = fake_gemini.calls("gemini-3.6-flash")[0]
        assert answer_call["temperature"] is None


def test_costs_are_the_bills(client, fake_gemini, clips):
    """Cached tokens at the cache price, audio at the audio price, thinking as output."""
    fake_gemini.script("gemini-3.1-flash-lite", cached_tokens=100, thinking_tokens=50)
    video_id = next(iter(clips))
    result = run(
        client, [video_id], ["Describe."], ["gemini-3.1-flash-lite"], judge_model="local-rubric"
    )
    (answer,) = result.comparisons[0].results
    (call,) = fake_gemini.calls("gemini-3.1-flash-lite")
    usage = call["usage"]
    details = {d["modality"]: d["tokenCount"] for d in usage["promptTokensDetails"]}
    cached = {d["modality"]: d["tokenCount"] for d in usage.get("cacheTokensDetails", [])}
    assert (answer.usage.cached_tokens, answer.usage.thinking_tokens) == (100, 50)
    assert answer.usage.input_tokens == usage["promptTokenCount"]
    assert answer.usage.output_tokens == usage["candidatesTokenCount"] + 50
    tokens = TokenCount(
        prompt=usage["promptTokenCount"],
        cached=100,
        audio=details.get("AUDIO", 0),
        cached_audio=cached.get("AUDIO", 0),
        output=usage["candidatesTokenCount"] + 50,
    )
    assert details.get("AUDIO", 0) > 0  # the fake counts the video's audio
    assert answer.usage.estimated_cost_usd == pytest.approx(
        cost_usd("gemini-3.1-flash-lite", tokens)
    )
    # Not what a flat price on every token would have said.
    flat = (tokens.prompt * 0.25 + tokens.output * 1.50) / 1e6
    assert answer.usage.estimated_cost_usd != pytest.approx(flat)


@pytest.mark.parametrize(
    ("code", "status", "message", "error"),
    [
        (
            403,
            "PERMISSION_DENIED",
            "Permission denied on resource project acme.",
            "Gemini refused permission (403 PERMISSION_DENIED): Permission denied on resource "
            "project acme.",
        ),
        (
            400,
            "FAILED_PRECONDITION",
            "User location is not supported for the API use.",
            "Gemini refused the request (400 FAILED_PRECONDITION): User location is not "
            "supported for the API use.",
        ),
        (
            400,
            "FAILED_PRECONDITION",
            "Gemini API free tier is not available in your country. Please enable billing on "
            "your project in Google AI Studio.",
            "Gemini refused the request (400 FAILED_PRECONDITION): Gemini API free tier is not "
            "available in your country. Please enable billing on your project in Google AI "
            "Studio.",
        ),
    ],
)
def test_what_no_combination_would_pass_fails_the_job_at_once(
    client, fake_gemini, clips, code, status, message, error
):
    fake_gemini.script(
        "gemini-3.6-flash", fail=[{"code": code, "status": status, "message": message}]
    )
    prompts = [f"Question {i}" for i in range(4)]
    accepted = client.start_batch(
        [next(iter(clips))], prompts, ["gemini-3.6-flash"], judge_model="local-rubric"
    )
    job = client.wait(accepted.job_id, poll_seconds=0.2, timeout=60)
    assert (job.status.value, job.error) == ("failed", error)
    assert job.completed_combinations == 0
    assert len(fake_gemini.calls("gemini-3.6-flash")) == 1  # not asked again, no other combination
