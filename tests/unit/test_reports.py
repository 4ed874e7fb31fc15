"""vidcompare.reports: the files a result becomes (CSV long and wide, JSON, Markdown,
HTML), parsed back and compared cell by cell."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from html.parser import HTMLParser

import pytest
from report_samples import FILENAMES, HOSTILE, WHEN, sample_job, sample_result

from vidcompare import reports
from vidcompare.errors import InvalidRequest
from vidcompare.reports.rows import LONG_CSV_COLUMNS
from vidcompare.schemas import JobResult

# ---------------------------------------------------------------------------- CSV


def test_the_wide_csv_is_one_row_a_combination_with_the_models_side_by_side():
    exported = reports.render(sample_result(), "csv", filenames=FILENAMES)
    assert (exported.media_type, exported.extension) == ("text/csv", "csv")
    header, *rows = list(csv.reader(io.StringIO(exported.text, newline="")))
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
    assert rows == [
        [
            "1",
            "clip-aaaa1111",
            "How many cuts | scenes?",
            "8",
            "3.5",
            "Two cuts, at 00:01 and 00:02.",
            "exact\ntimes\nshort",
            "misses the | second cut",
            HOSTILE,
            "",
            "misses the | second cut",
            "Scenes wins.",
            "red <blue>.mp4",
        ],
        [
            "2",
            "clip-bbbb2222",
            "Which colours?",
            "",  # not scored: it had no answer
            "6",
            "error: model timed out",
            "",
            "",
            "Red, then blue.",
            "names both",
            "misses the | second cut",
            "judge error: the judge said nothing",
            "",  # no file name known
        ],
    ]


def test_the_wide_csv_without_file_names_leaves_the_column_empty():
    rows = list(csv.DictReader(io.StringIO(reports.render(sample_result(), "csv").text)))
    assert [row["filename"] for row in rows] == ["", ""]


def test_the_long_csv_is_one_row_a_combination_and_model():
    exported = reports.render(sample_result(), "csv-long")
    reader = csv.DictReader(io.StringIO(exported.text, newline=""))
    rows = list(reader)
    assert reader.fieldnames == LONG_CSV_COLUMNS
    assert [(r["combination"], r["model_id"], r["score"]) for r in rows] == [
        ("1", "local-scenes", "8"),
        ("1", "local-motion-colour", "3.5"),
        ("2", "local-scenes", ""),
        ("2", "local-motion-colour", "6"),
    ]
    assert rows[1]["response"] == HOSTILE
    assert rows[2]["error"] == "model timed out" and rows[2]["cost_usd"] == "0.00000000"


# ------------------------------------------------------------------ JSON, formats


def test_json_is_the_api_answer_and_every_format_names_its_type():
    result = sample_result()
    exported = reports.render(result, "json")
    assert JobResult.model_validate(json.loads(exported.text)) == result
    assert {f: reports.render(result, f)[1:] for f in reports.FORMATS} == {
        "csv": ("text/csv", "csv"),
        "csv-long": ("text/csv", "long.csv"),  # never the wide one's name
        "json": ("application/json", "json"),
        "md": ("text/markdown", "md"),
        "html": ("text/html", "html"),
    }


@pytest.mark.parametrize("fmt", ["xlsx", "", "CSV", "html "])
def test_an_unknown_format_is_a_400_naming_the_formats(fmt: str):
    with pytest.raises(InvalidRequest) as refused:
        reports.render(sample_result(), fmt)
    assert refused.value.http_status == 400
    assert refused.value.details == [
        {"field": "format", "message": f"must be one of csv, csv-long, json, md, html, not {fmt!r}"}
    ]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (None, "vidcompare-01234567-job.csv"),
        ("", "vidcompare-01234567-job.csv"),
        ('Prompt A/B: "cuts" test', "vidcompare-01234567-Prompt-A-B-cuts-test.csv"),
        ("../../etc/passwd", "vidcompare-01234567-etc-passwd.csv"),
        ("..", "vidcompare-01234567-job.csv"),
        ("é" * 5, "vidcompare-01234567-job.csv"),
        ("x" * 200, f"vidcompare-01234567-{'x' * 60}.csv"),
    ],
)
def test_download_names_are_safe_in_a_header_and_a_file_system(name, expected):
    assert reports.download_name("0123456789abcdef", name, "csv") == expected


# ------------------------------------------------------------------------ Markdown


def test_markdown_escapes_pipes_and_keeps_each_row_on_one_line():
    text = reports.render(sample_result(), "md").text
    lines = text.splitlines()
    assert lines[0] == (
        "# job 0123456789abcdef-job · completed · 2/2 combinations (2 videos × 2 prompts) · "
        "480 tokens · $0.000000"
    )
    results = lines.index("## Results (2/2 combinations)")
    assert lines[results + 2 : results + 5] == [
        "| # | video | prompt | model | score | latency | tokens in/out | cost | error |",
        "| ---: | --- | --- | --- | ---: | ---: | ---: | ---: | --- |",
        "| 1 | clip-aaaa1111 | How many cuts \\| scenes? | Local Scenes | 8 | 1,234 ms | "
        "100/20 | $0.000000 | — |",
    ]
    judge = lines.index("## Judge (local-rubric)")
    assert lines[judge + 4 : judge + 6] == [
        "| 1 | clip-aaaa1111 | How many cuts \\| scenes? | Scenes wins. |",
        "| 2 | clip-bbbb2222 | Which colours? | the judge said nothing |",
    ]
    # Every table row has exactly its columns' unescaped pipes.
    for line in lines:
        if line.startswith("| "):
            assert line.replace("\\|", "").count("|") in (5, 9, 10), line


# ---------------------------------------------------------------------------- HTML


class Page(HTMLParser):
    """Every start tag with its attributes, the text, the text of each element by id."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def parse(text: str) -> Page:
    page = Page()
    page.feed(text)
    page.close()
    return page


def test_the_html_report_is_self_contained_and_shows_hostile_text_as_text():
    job = sample_job(name="Cuts A/B <b>bold</b>")
    exported = reports.render(sample_result(), "html", filenames=FILENAMES, job=job)
    assert (exported.media_type, exported.extension) == ("text/html", "html")
    assert exported.text.startswith('<!DOCTYPE html>\n<html lang="en">')
    page = parse(exported.text)
    names = [tag for tag, _ in page.tags]
    assert "script" not in names and "link" not in names and "img" not in names
    assert "iframe" not in names and "object" not in names
    assert not [attrs for _, attrs in page.tags if "src" in attrs or "style" in attrs]
    assert not [a for _, a in page.tags if any(k.startswith("on") for k in a)]
    hrefs = [attrs["href"] for tag, attrs in page.tags if "href" in attrs]
    assert hrefs == ["#c1", "#c2"]  # the score table's links to the answers below
    assert names.count("style") == 1 and "url(" not in exported.text
    assert ("meta", {"name": "viewport", "content": "width=device-width, initial-scale=1"}) in (
        page.tags
    )
    text = "".join(page.text)
    assert HOSTILE in text  # shown as the characters it is
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in exported.text
    assert "red <blue>.mp4 (clip-aaaa1111)" in text
    assert "How many cuts | scenes?" in text
    assert "judge error: the judge said nothing" in text and "error: model timed out" in text
    assert "<h1>Cuts A/B &lt;b&gt;bold&lt;/b&gt;</h1>" in exported.text
    assert "<title>vidcompare · Cuts A/B &lt;b&gt;bold&lt;/b&gt;</title>" in exported.text
    assert "b" not in names and "reasoning for Local Motion" in text
    local_date = WHEN.astimezone().strftime("%Y-%m-%d %H:%M:%S")
    assert f"<dt>date</dt><dd>{local_date}</dd>" in exported.text
    unnamed = reports.render(sample_result(), "html").text
    assert "<h1>Job 0123456789abcdef-job</h1>" in unnamed
    ids = [attrs.get("id") for _, attrs in page.tags if attrs.get("id")]
    assert ids == ["c1", "c2"]


def score_cells(text: str) -> list[tuple[str, str]]:
    """(class, text) of every score badge, in document order."""
    page, found, inside = Page(), [], None

    def start(tag, attrs):
        nonlocal inside
        classes = (dict(attrs).get("class") or "").split()
        if "score" in classes:
            inside = classes[1]

    def data(value):
        nonlocal inside
        if inside:
            found.append((inside, value))
            inside = None

    page.handle_starttag, page.handle_data = start, data
    page.feed(text)
    return found


def test_the_html_scores_are_coloured_by_band():
    cells = score_cells(reports.render(sample_result(), "html").text)
    leaderboard, table, answers = cells[:2], cells[2:6], cells[6:]
    assert leaderboard == [("s-high", "8"), ("s-mid", "4.75")]
    # combination × model: 8 and 3.5, then no score and 6.
    assert table == [("s-high", "8"), ("s-low", "3.5"), ("s-none", "—"), ("s-mid", "6")]
    assert answers == table


def test_the_reports_import_nothing_of_the_cli():
    script = (
        "import sys, vidcompare.reports\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('rich', 'typer', 'httpx')"
        " or m.startswith('vidcompare.cli'))\n"
        "print(bad)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "[]\n"


def test_markdown_answers_follow_the_tables_with_html_as_text():
    text = reports.render(sample_result(), "md", filenames=FILENAMES).text
    answers = text.split("\n## Answers\n\n", 1)[1]
    first, second = answers.split("\n### 2 · ")
    assert first.splitlines()[:16] == [
        "### 1 · red &lt;blue&gt;.mp4 (clip-aaaa1111)",
        "",
        "> How many cuts | scenes?",
        "",
        "#### Local Scenes · score 8 · 1,234 ms",
        "",
        "Two cuts, at 00:01 and 00:02.",
        "",
        "- Judge: reasoning for Local Scenes",
        "- Strengths:",
        "  - exact times",  # a line break inside an item would end the list
        "  - short",
        "- Weaknesses:",
        "  - misses the | second cut",
        "",
        "#### Local Motion · score 3.5 · 1,234 ms",
    ]
    assert (
        '&lt;script&gt;alert("x")&lt;/script&gt; &amp; &lt;img src="http://evil.example/a.png"&gt;'
        in first
    )
    assert "<script" not in text and "<img" not in text
    assert first.rstrip().endswith("**Summary:** Scenes wins.")
    assert second.splitlines()[:7] == [
        "clip-bbbb2222",
        "",
        "> Which colours?",
        "",
        "#### Local Scenes · score — · 1,234 ms",
        "",
        "error: model timed out",
    ]
    assert second.rstrip().endswith("**Summary:** judge error: the judge said nothing")
