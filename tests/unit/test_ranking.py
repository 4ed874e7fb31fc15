"""``vidcompare.ranking.leaderboard`` on hand-made combinations: exact figures, ties, a model
that never loses, models compared only through a third, disconnected and unscored models,
empty input, prompt A/B, the matrix and the answer's field names."""

from __future__ import annotations

import json

import numpy as np
import pytest

from vidcompare.ranking import (
    Leaderboard,
    ModelAnswer,
    ModelStanding,
    ScoreRecord,
    ScoreRows,
    leaderboard,
)
from vidcompare.ranking.simulate import simulated_rows


def record(
    answers: dict[str, float | None | ModelAnswer],
    *,
    prompt: str = "p",
    video: str = "v",
    job: str = "job-1",
    judge: str = "judge",
    consistent: bool | None = None,
) -> ScoreRecord:
    """A combination; a bare number is a score."""
    given = {
        m: a if isinstance(a, ModelAnswer) else ModelAnswer(score=a) for m, a in answers.items()
    }
    return ScoreRecord(job, video, prompt, judge, given, consistent)


def standing(board: Leaderboard, model_id: str) -> ModelStanding:
    return next(s for s in board.models if s.model_id == model_id)


def test_exact_figures_of_a_small_board() -> None:
    rows = ScoreRows.from_records(
        [
            record(
                {
                    "a": ModelAnswer(8, 1000, 0.02),
                    "b": ModelAnswer(6, 3000, None),
                    "c": ModelAnswer(None, 500, 0.01, error=True),
                },
                consistent=True,
            ),
            record({"a": ModelAnswer(6, 2000, 0.04), "b": ModelAnswer(6, None, None)}),
            record({"a": 4, "b": 9}, job="job-2", video="w"),
        ],
        model_names={"a": "Model A"},
    )
    board = leaderboard(rows)
    a, b, c = (standing(board, m) for m in "abc")
    assert (board.comparisons, board.jobs) == (3, 2)
    assert (a.model_name, b.model_name) == ("Model A", "b")
    assert (a.combinations, a.mean_score, a.pairwise, a.win_rate) == (3, 6.0, 3, 0.5)
    assert (b.combinations, b.mean_score, b.pairwise, b.win_rate) == (3, 7.0, 3, 0.5)
    assert a.mean_latency_ms == 1500.0 and b.mean_latency_ms == 3000.0
    assert a.cost_per_100_usd == pytest.approx(100 * 0.03) and b.cost_per_100_usd is None
    assert (c.errors, c.combinations, c.mean_latency_ms) == (1, 0, None)  # a failure's time
    assert c.cost_per_100_usd == pytest.approx(1.0)
    assert a.mean_ci is not None and 4.0 <= a.mean_ci[0] <= 6.0 <= a.mean_ci[1] <= 8.0
    assert a.strength == pytest.approx(1.0) and b.strength == pytest.approx(1.0)
    assert a.rating == pytest.approx(1000.0)
    # Equal strengths: the better mean ranks first; the unscored model last.
    assert [s.model_id for s in board.models] == ["b", "a", "c"]
    assert [s.rank for s in board.models] == [1, 2, 3]


def test_all_ties_give_equal_strengths_and_half_the_wins() -> None:
    rows = ScoreRows.from_records(
        [record({"a": score, "b": score, "c": score}) for score in (3, 7, 7, 9, 5) * 10]
    )
    board = leaderboard(rows)
    for s in board.models:
        assert s.win_rate == 0.5 and s.pairwise == 100
        assert s.strength == pytest.approx(1.0)
        assert s.strength_ci == pytest.approx((1.0, 1.0))
        assert s.rating == pytest.approx(1000.0)


def test_a_model_that_never_loses_is_finite_first_and_uncertain_upwards() -> None:
    rng = np.random.default_rng(2)
    records = [
        record({"top": 10, "b": float(rng.integers(1, 9)), "c": float(rng.integers(1, 9))})
        for _ in range(60)
    ]
    board = leaderboard(ScoreRows.from_records(records))
    top, b = standing(board, "top"), standing(board, "b")
    assert board.models[0].model_id == "top" and top.win_rate == 1.0
    assert top.strength is not None and np.isfinite(top.strength) and top.strength > 10
    low, high = top.strength_ci
    b_low, b_high = b.strength_ci
    assert low <= top.strength <= high and np.isfinite(high)
    # The data put no upper limit on it: the interval reaches far up (to where the prior's
    # pseudo-loss costs the 95 % likelihood-ratio cut), much wider than below.
    assert high / top.strength > 20 and high / top.strength > 5 * (top.strength / low)
    assert np.log(high / low) > 3 * np.log(b_high / b_low)
    assert b_low <= b.strength <= b_high


def test_models_never_compared_directly_are_linked_through_a_third() -> None:
    # a beats c 3 times in 4, c beats b 3 times in 4; a and b never meet.
    records = []
    for n in range(400):
        a_wins = n % 4 != 0
        records.append(record({"a": 6 if a_wins else 4, "c": 5}))
        records.append(record({"c": 5, "b": 4 if a_wins else 6}))
    board = leaderboard(ScoreRows.from_records(records, models=["a", "b", "c"]))
    a, b, c = (standing(board, m) for m in "abc")
    assert all(s.connected for s in (a, b, c))
    assert [s.model_id for s in board.models] == ["a", "c", "b"]
    assert a.strength / c.strength == pytest.approx(3.0, rel=0.02)
    assert a.strength / b.strength == pytest.approx(9.0, rel=0.03)
    assert a.strength * b.strength * c.strength == pytest.approx(1.0)


def test_a_disconnected_group_is_flagged_and_ranked_after_the_largest() -> None:
    records = [record({"a": 5 + n % 3, "b": 6, "c": 5}) for n in range(30)]
    records += [record({"x": 9, "y": 2}, job="job-2") for _ in range(30)]
    board = leaderboard(ScoreRows.from_records(records))
    flags = {s.model_id: s.connected for s in board.models}
    assert flags == {"a": True, "b": True, "c": True, "x": False, "y": False}
    assert [s.model_id for s in board.models][3:] == ["x", "y"]
    # The geometric mean of 1 is over the connected models only.
    connected = [s.strength for s in board.models if s.connected]
    assert np.prod(connected) == pytest.approx(1.0)
    assert standing(board, "x").strength > 1 > standing(board, "y").strength


def test_a_model_with_no_scored_rows_has_no_figures() -> None:
    records = [
        record({"a": 7, "b": 5, "dead": ModelAnswer(None, None, None, error=True)})
        for _ in range(5)
    ]
    board = leaderboard(ScoreRows.from_records(records))
    dead = standing(board, "dead")
    assert dead.rank == 3 and dead.errors == 5 and dead.combinations == 0
    assert (dead.mean_score, dead.mean_ci, dead.win_rate, dead.pairwise) == (None, None, None, 0)
    assert (dead.strength, dead.strength_ci, dead.rating, dead.rating_ci) == (None,) * 4
    assert dead.connected is False and dead.cost_per_100_usd is None
    assert np.prod([standing(board, m).strength for m in "ab"]) == pytest.approx(1.0)


def test_empty_input_gives_an_empty_board() -> None:
    rows = ScoreRows.from_records([], models=["a", "b"])
    board = leaderboard(rows, by="prompt")
    assert (board.comparisons, board.jobs, board.judges) == (0, 0, [])
    assert [s.model_id for s in board.models] == ["a", "b"]
    assert all(s.mean_score is None and s.strength is None for s in board.models)
    assert board.matrix.prompts == [] and board.matrix.cells == []
    assert board.by_prompt == [] and board.prompt_winners == []
    no_models = leaderboard(ScoreRows.from_records([]), by="prompt")
    assert (no_models.models, no_models.matrix.cells, no_models.prompt_winners) == ([], [], [])
    unanswered = leaderboard(ScoreRows.from_records([("j", "v", "p", "judge", {}, None)]))
    assert (unanswered.comparisons, unanswered.jobs, unanswered.matrix.cells) == (1, 1, [[]])


def test_nan_none_and_infinite_scores_are_not_scored() -> None:
    rows = ScoreRows.from_records(
        [
            record({"a": float("nan"), "b": 5}),
            record({"a": None, "b": 7}),
            record({"a": float("inf"), "b": 9}),
            record({"a": 4, "b": 3}),
        ]
    )
    board = leaderboard(rows)
    a, b = standing(board, "a"), standing(board, "b")
    assert (a.combinations, a.mean_score, a.pairwise, a.win_rate) == (1, 4.0, 1, 1.0)
    assert (b.combinations, b.mean_score) == (4, 6.0)


def test_judges_position_consistency() -> None:
    rows = ScoreRows.from_records(
        [
            record({"a": 5}, consistent=True),
            record({"a": 5}, consistent=True),
            record({"a": 5}, consistent=False),
            record({"a": 5}),
            record({"a": 5}, judge="other"),
        ]
    )
    judges = {j.judge_model: j for j in leaderboard(rows).judges}
    assert (judges["judge"].combinations, judges["judge"].swapped) == (4, 3)
    assert judges["judge"].position_consistency == pytest.approx(2 / 3)
    assert (judges["other"].swapped, judges["other"].position_consistency) == (0, None)


def test_matrix_cells_hold_mean_and_count_and_none_where_empty() -> None:
    rows = ScoreRows.from_records(
        [
            record({"a": 4, "b": 8}, prompt="x"),
            record({"a": 6}, prompt="x"),
            record({"b": 3}, prompt="y"),
        ]
    )
    matrix = leaderboard(rows).matrix
    assert (matrix.models, matrix.prompts) == (["a", "b"], ["x", "y"])
    cells = [[None if c is None else (c.mean, c.n) for c in row] for row in matrix.cells]
    assert cells == [[(5.0, 2), (8.0, 1)], [None, (3.0, 1)]]


def prompt_ab_rows(a_on_x: float, a_on_y: float, spread: int) -> ScoreRows:
    """40 combinations per prompt; model a centred on the given means, b flat at 5."""
    rng = np.random.default_rng(4)
    records = [
        record({"a": centre + float(rng.integers(-spread, spread + 1)), "b": 5}, prompt=prompt)
        for prompt, centre in (("x", a_on_x), ("y", a_on_y))
        for _ in range(40)
    ]
    return ScoreRows.from_records(records, prompt_tags={"x": "A"})


def test_a_prompt_that_wins_clearly() -> None:
    board = leaderboard(prompt_ab_rows(8, 5, spread=1), by="prompt")
    assert [(g.prompt, g.tag, g.combinations) for g in board.by_prompt] == [
        ("x", "A", 40),
        ("y", None, 40),
    ]
    x_a = board.by_prompt[0].models[0]
    assert x_a.model_id == "a" and x_a.n == 40
    assert x_a.mean_ci[0] <= x_a.mean_score <= x_a.mean_ci[1]
    winners = {w.model_id: w for w in board.prompt_winners}
    assert (winners["a"].prompt, winners["a"].clear) == ("x", True)
    assert winners["a"].mean_score == pytest.approx(board.by_prompt[0].models[0].mean_score)
    # b scores 5 everywhere: a tie, no winner.
    assert "b" not in winners


def test_a_prompt_that_wins_within_the_noise_is_not_clear() -> None:
    board = leaderboard(prompt_ab_rows(6.2, 6, spread=4), by="prompt")
    winners = {w.model_id: w for w in board.prompt_winners}
    assert winners["a"].clear is False


def test_a_single_prompt_wins_nothing_and_tags_group_as_prompts() -> None:
    rows = ScoreRows.from_records([record({"a": 9, "b": 1}, prompt="A") for _ in range(10)])
    board = leaderboard(rows, by="prompt_tag")
    assert board.prompt_winners == []  # nothing to win against
    assert board.by_prompt[0].tag == "A"
    assert leaderboard(rows).by_prompt is None and leaderboard(rows).prompt_winners is None


def test_a_handful_of_one_sided_outcomes_never_pins_an_interval_at_the_average() -> None:
    # One combination: a resample that drew none of it would fit the prior's 1 (1000).
    rows = ScoreRows.from_records([record({"a": 9, "b": 1})])
    a, b = sorted(leaderboard(rows).models, key=lambda s: s.model_id)
    assert a.rating_ci[0] > 1000 > b.rating_ci[1]


def test_from_records_keeps_the_requested_models_and_first_seen_labels() -> None:
    rows = ScoreRows.from_records(
        [
            ("job-2", "v2", "q", "j", {"b": (5, 10, None, False), "z": (1, 1, 1, False)}, None),
            ("job-1", "v1", "p", "j", {"a": (7, None, 0.5, False)}, False),
            ("job-2", "v1", "q", "j", {"b": (None, 30, None, True)}, True),
        ],
        models=["a", "b"],
    )
    assert rows.models == ["a", "b"] and rows.names == ["a", "b"]
    assert (rows.jobs, rows.videos, rows.prompts) == (["job-2", "job-1"], ["v2", "v1"], ["q", "p"])
    assert rows.job.tolist() == [0, 1, 0] and rows.video.tolist() == [0, 1, 1]
    np.testing.assert_array_equal(rows.scores, [[np.nan, 5], [7, np.nan], [np.nan, np.nan]])
    np.testing.assert_array_equal(rows.latency_ms, [[np.nan, 10], [np.nan, np.nan], [np.nan] * 2])
    assert rows.errors.tolist() == [[False, False], [False, False], [False, True]]
    np.testing.assert_array_equal(rows.consistent, [np.nan, 0.0, 1.0])


def test_inconsistent_rows_are_refused() -> None:
    good = ScoreRows.from_records([record({"a": 5})])
    fields = {name: getattr(good, name) for name in good.__dataclass_fields__}
    with pytest.raises(ValueError, match="scores"):
        ScoreRows(**{**fields, "scores": np.zeros((2, 1))})
    with pytest.raises(ValueError, match="prompt indexes"):
        ScoreRows(**{**fields, "prompt": np.array([3])})
    with pytest.raises(ValueError, match="model_names"):
        ScoreRows(**{**fields, "model_names": ["a", "b"]})


def test_bad_arguments_are_refused() -> None:
    rows = ScoreRows.from_records([record({"a": 5})])
    with pytest.raises(ValueError, match="by must be one of model, prompt, prompt_tag"):
        leaderboard(rows, by="video")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="resamples"):
        leaderboard(rows, resamples=0)


def test_the_answer_has_the_contract_field_names_and_is_reproducible() -> None:
    rows = simulated_rows(np.random.default_rng(3), 500, prompts=2)
    board = leaderboard(rows, by="prompt", filters={"tag": ["library"]}, seed=5)
    answer = board.model_dump(mode="json")
    assert set(answer) == {
        "comparisons", "jobs", "models", "judges", "matrix", "by_prompt", "prompt_winners",
        "filters", "resamples", "seed",
    }  # fmt: skip
    assert set(answer["models"][0]) == {
        "rank", "model_id", "model_name", "combinations", "mean_score", "mean_ci", "win_rate",
        "pairwise", "strength", "strength_ci", "rating", "rating_ci", "connected",
        "mean_latency_ms", "cost_per_100_usd", "errors",
    }  # fmt: skip
    assert set(answer["judges"][0]) == {
        "judge_model", "combinations", "swapped", "position_consistency"
    }  # fmt: skip
    assert set(answer["matrix"]) == {"models", "prompts", "cells"}
    assert set(answer["matrix"]["cells"][0][0]) == {"mean", "n"}
    assert set(answer["by_prompt"][0]) == {"prompt", "tag", "combinations", "models"}
    assert set(answer["by_prompt"][0]["models"][0]) == {"model_id", "mean_score", "mean_ci", "n"}
    assert set(answer["prompt_winners"][0]) == {"model_id", "prompt", "mean_score", "clear"}
    assert (answer["filters"], answer["resamples"], answer["seed"]) == (
        {"tag": ["library"]},
        1000,
        5,
    )
    assert isinstance(answer["models"][0]["mean_ci"], list)
    again = leaderboard(rows, by="prompt", filters={"tag": ["library"]}, seed=5)
    assert json.dumps(answer) == json.dumps(again.model_dump(mode="json"))
    other = leaderboard(rows, by="prompt", seed=6).model_dump(mode="json")
    assert other["models"][0]["mean_ci"] != answer["models"][0]["mean_ci"]
    assert [s.model_id for s in board.models] == [
        "strength-8", "strength-4", "strength-2", "strength-1"
    ]  # fmt: skip


def test_a_model_that_never_wins_reaches_far_down() -> None:
    records = [record({"a": 5 + n % 2, "b": 5, "last": 1}) for n in range(40)]
    last = standing(leaderboard(ScoreRows.from_records(records)), "last")
    assert last.win_rate == 0.0 and last.rank == 3
    low, high = last.strength_ci
    assert 0 < low < last.strength / 20 and last.strength / low > 5 * (high / last.strength)
