"""A small job result with what a report must survive: a pipe in a prompt, a line break
in a strength, an answer that is HTML, a model's error, a judge's error, a deleted video."""

from __future__ import annotations

import datetime as dt

from vidcompare.schemas import (
    Comparison,
    Evaluation,
    JobResult,
    JobStatus,
    JobView,
    JudgeSummary,
    LeaderboardEntry,
    ModelResult,
    Usage,
)

WHEN = dt.datetime(2026, 11, 26, 12, 30, tzinfo=dt.UTC)
HOSTILE = '<script>alert("x")</script> & <img src="http://evil.example/a.png">'


def answer(model_id: str, name: str, response: str | None, error: str | None = None):
    usage = Usage(input_tokens=100, output_tokens=20, total_tokens=120)
    return ModelResult(
        model_name=name,
        model_id=model_id,
        response=response,
        error=error,
        latency_ms=1234,
        usage=usage,
    )


def verdict(model_id: str, name: str, score: float | None, strengths: list[str]) -> Evaluation:
    return Evaluation(
        model_name=name,
        model_id=model_id,
        score=score,
        reasoning=f"reasoning for {name}",
        strengths=strengths,
        weaknesses=["misses the | second cut"],
    )


def sample_result() -> JobResult:
    first = Comparison(
        index=0,
        video_id="clip-aaaa1111",
        prompt="How many cuts | scenes?",
        results=[
            answer("local-scenes", "Local Scenes", "Two cuts, at 00:01 and 00:02."),
            answer("local-motion-colour", "Local Motion", HOSTILE),
        ],
        evaluation=[
            verdict("local-scenes", "Local Scenes", 8, ["exact\ntimes", "short"]),
            verdict("local-motion-colour", "Local Motion", 3.5, []),
        ],
        overall_summary="Scenes wins.",
        judge_model="local-rubric",
        completed_at=WHEN,
    )
    second = Comparison(
        index=1,
        video_id="clip-bbbb2222",
        prompt="Which colours?",
        results=[
            answer("local-scenes", "Local Scenes", None, error="model timed out"),
            answer("local-motion-colour", "Local Motion", "Red, then blue."),
        ],
        evaluation=[verdict("local-motion-colour", "Local Motion", 6, ["names both"])],
        judge_error="the judge said nothing",
        judge_model="local-rubric",
        completed_at=WHEN,
    )
    board = [
        LeaderboardEntry(
            rank=1,
            model_name="Local Scenes",
            model_id="local-scenes",
            mean_score=8.0,
            scored=1,
            wins=1,
            mean_latency_ms=1234,
            errors=1,
            total_tokens=240,
        ),
        LeaderboardEntry(
            rank=2,
            model_name="Local Motion",
            model_id="local-motion-colour",
            mean_score=4.75,
            scored=2,
            wins=1,
            mean_latency_ms=1234,
            errors=0,
            total_tokens=240,
        ),
    ]
    return JobResult(
        job_id="0123456789abcdef-job",
        status=JobStatus.completed,
        complete=True,
        comparisons=[first, second],
        total_videos=2,
        total_prompts=2,
        total_combinations=2,
        completed_combinations=2,
        leaderboard=board,
        judge=JudgeSummary(judge_model="local-rubric", judged=1, errors=1),
        total_tokens=480,
    )


FILENAMES = {"clip-aaaa1111": "red <blue>.mp4"}  # the second video was deleted since


def sample_job(**update) -> JobView:
    """The sample's job as ``GET /api/jobs/{id}`` shows it, finished at :data:`WHEN`;
    ``update``: fields to change."""
    job = JobView(
        job_id="0123456789abcdef-job",
        status=JobStatus.completed,
        progress=100,
        progress_message="Completed 2/2 combinations",
        completed_combinations=2,
        total_combinations=2,
        total_videos=2,
        total_prompts=2,
        models=["local-scenes", "local-motion-colour"],
        judge_model="local-rubric",
        concurrency=1,
        created_at=WHEN,
        updated_at=WHEN,
        finished_at=WHEN,
    )
    return job.model_copy(update=update)
