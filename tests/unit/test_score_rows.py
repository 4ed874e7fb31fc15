"""A comparison's compact score row, and the leaderboard's query parameters."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from vidcompare.errors import InvalidRequest
from vidcompare.library_leaderboard import LeaderboardQuery
from vidcompare.schemas import Comparison, Evaluation, ModelResult, Usage
from vidcompare.score_rows import Columns, ModelCell, columns, decode, encode, pack, unpack


def _comparison(consistent: bool | None) -> Comparison:
    return Comparison(
        index=7,
        video_id="v",
        prompt="p",
        results=[
            ModelResult(
                model_name="A",
                model_id="a",
                response="x",
                latency_ms=1200,
                usage=Usage(estimated_cost_usd=0.00012345678),
            ),
            ModelResult(model_name="B", model_id="b", error="timeout", latency_ms=90000),
            ModelResult(
                model_name="C",
                model_id="c",
                response="y",
                latency_ms=800,
                usage=Usage(unpriced_calls=1),
            ),
        ],  # fmt: skip
        evaluation=[
            Evaluation(model_name="A", model_id="a", score=7.5),
            Evaluation(model_name="B", model_id="b", score=None),
            Evaluation(model_name="C", model_id="c", score=3),
        ],
        position_consistent=consistent,
    )


def test_a_row_keeps_each_models_score_latency_cost_and_error():
    row = decode(7, encode(_comparison(True)))
    assert row.index == 7 and row.consistent is True
    assert row.cells == {
        "a": ModelCell(7.5, 1200, 0.00012346, False),
        "b": ModelCell(None, None, 0.0, True),  # a failure's time says nothing; its cost does
        "c": ModelCell(3, 800, None, False),  # unpriced: no cost, not zero
    }


def test_a_row_is_short_and_says_when_no_swap_was_run():
    text = encode(_comparison(None))
    assert len(text) < 120 and decode(0, text).consistent is None
    assert decode(0, encode(_comparison(False))).consistent is False


def test_rows_become_columns_and_a_pack_reads_back_the_same():
    rows = [(7, encode(_comparison(True))), (3, encode(_comparison(None)))]
    got = columns(rows)
    assert got.index.tolist() == [7, 3] and got.models == ["a", "b", "c"]
    assert got.values[0].tolist()[0] == [7.5, 1200, 0.00012346, 0]
    assert np.isnan(got.values[0, 1, :3]).tolist() == [True, True, False]  # b failed
    assert got.values[0, 1, 3] == 1
    assert got.consistent[0] == 1 and np.isnan(got.consistent[1])
    back = unpack(pack(got))
    assert back.models == got.models and back.index.tolist() == [7, 3]
    assert np.array_equal(back.values, got.values, equal_nan=True)
    both = Columns.concat([got, columns([(9, encode(_comparison(False)))])])
    assert len(both) == 3 and both.consistent[2] == 0


def test_the_query_reads_repeated_filters_and_dates():
    query = LeaderboardQuery.from_args(
        {
            "model": ["a", " b ", ""],
            "since": ["2026-11-01"],
            "until": ["2026-11-27"],
            "by": ["prompt"],
        }
    )
    assert query.models == ["a", "b"] and query.by == "prompt"
    assert query.since == dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    assert query.until == dt.datetime(2026, 11, 28, tzinfo=dt.UTC)  # the day is included
    moment = LeaderboardQuery.from_args({"since": ["2026-11-01T09:30:00Z"]}).since
    assert moment == dt.datetime(2026, 11, 1, 9, 30, tzinfo=dt.UTC)
    assert LeaderboardQuery.from_args({}).resamples == 1000


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ({"by": ["judge"]}, "by"),
        ({"since": ["yesterday"]}, "since"),
        ({"until": ["2026-02-30"]}, "until"),
        ({"since": ["2026-11-02"], "until": ["2026-11-01"]}, "until"),
        ({"resamples": ["99"]}, "resamples"),
        ({"resamples": ["2001"]}, "resamples"),
        ({"tags": ["x"]}, "tags"),  # misspelt: a 400, not a filter silently left out
    ],
)
def test_a_bad_parameter_is_named(args, field):
    with pytest.raises(InvalidRequest) as refused:
        LeaderboardQuery.from_args(args)
    assert refused.value.details[0]["field"] == field


def test_a_misspelt_parameter_says_which_was_meant():
    with pytest.raises(InvalidRequest) as refused:
        LeaderboardQuery.from_args({"models": ["a"]})
    assert "did you mean 'model'?" in refused.value.message
