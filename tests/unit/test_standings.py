"""The leaderboard across jobs as the CLI prints and writes it."""

from __future__ import annotations

import csv
import io

from vidcompare import ranking
from vidcompare.reports import standings


def _board(by: str = "model") -> ranking.Leaderboard:
    records = []
    for n in range(12):
        a, b = (8, 5) if n % 3 else (6, 6)
        records.append(
            (
                "job1",
                f"v{n % 2}",
                "P1" if n < 6 else "P2",
                "judge",
                {"a": (a, 900, 0.001, False), "b": (b, 1200, None, False)},
                n % 2 == 0,
            )
        )
    records.append(("job2", "v9", "P1", "judge", {"c": (7, 10, 0.0, False)}, None))  # alone
    rows = ranking.ScoreRows.from_records(records, model_names={"a": "Model A", "b": "Model B"})
    return ranking.leaderboard(rows, by=by, resamples=200)


def test_the_models_table_shows_ratings_and_means_with_their_intervals():
    table = standings.models_table(_board())
    assert table.title == "Leaderboard: 13 combinations of 2 jobs"
    first = dict(zip(table.columns, table.rows[0], strict=True))
    assert first["model"] == "Model A" and first["rank"] == "1"
    assert first["rating [95% CI]"].count("[") == 1 and first["cost / 100"] == "$0.1000"
    by_name = {row[1]: row for row in table.rows}
    assert by_name["c *"][table.columns.index("rating [95% CI]")] == "—"  # never compared
    assert by_name["Model B"][table.columns.index("cost / 100")] == "—"  # unpriced
    assert by_name["c *"][table.columns.index("cost / 100")] == "$0"


def test_csv_has_a_row_per_model_or_per_prompt_and_model():
    rows = list(csv.DictReader(io.StringIO(standings.to_csv(_board()))))
    assert [r["model_id"] for r in rows][:2] == ["a", "b"] and rows[0]["connected"] == "True"
    by_prompt = list(csv.DictReader(io.StringIO(standings.to_csv(_board("prompt")))))
    assert {(r["prompt"], r["model_id"]) for r in by_prompt} >= {("P1", "a"), ("P2", "b")}


def test_markdown_explains_a_model_never_compared_with_the_others():
    text = standings.to_markdown(_board("prompt"))
    assert text.startswith("# Leaderboard across jobs\n\n## Leaderboard: 13 combinations")
    assert "## By prompt" in text and "## Judges" in text and "\n\n\n" not in text
    assert text.rstrip().endswith("rating is not comparable to theirs.")
