"""``batch --pairs FILE``: the pairs a JSON or CSV file holds, or a usage error naming why."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer

from vidcompare.cli.pairs import read_pairs

PAIRS = [
    {"video_id": "clip1-3f9a1c2b", "prompt": "How many cuts?"},
    {"video_id": "clip2-0c1d2e3f", "prompt": 'Which "colours", | and when?'},
]


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8", newline="")
    return path


def test_json_list_json_object_and_csv_give_the_same_pairs(tmp_path: Path):
    as_list = write(
        tmp_path,
        "list.json",
        '[{"video_id": "clip1-3f9a1c2b", "prompt": "How many cuts?"},'
        ' {"video_id": " clip2-0c1d2e3f ", "prompt": "Which \\"colours\\", | and when?"}]',
    )
    as_object = write(
        tmp_path,
        "object.json",
        '{"pairs": [{"video_id": "clip1-3f9a1c2b", "prompt": "How many cuts?"},'
        ' {"video_id": "clip2-0c1d2e3f", "prompt": "Which \\"colours\\", | and when?"}]}',
    )
    # Excel writes a byte-order mark and CRLF; a quoted field keeps its quotes and commas.
    as_csv = write(
        tmp_path,
        "pairs.csv",
        "\ufeffvideo_id,prompt\r\nclip1-3f9a1c2b,How many cuts?\r\n"
        'clip2-0c1d2e3f,"Which ""colours"", | and when?"\r\n',
    )
    for path in (as_list, as_object, as_csv):
        assert read_pairs(path) == PAIRS, path.name


@pytest.mark.parametrize(
    ("name", "text", "says"),
    [
        ("broken.json", '[{"video_id": "a"', "{path} is not valid JSON: "),
        ("empty.json", "[]", "{path} holds no pairs; expected a list of {{video_id, prompt}}"),
        ("header.csv", "video_id,prompt\r\n", "{path} holds no pairs; expected a list of"),
        ("no-prompt.json", '[{"video_id": "a"}]', "{path}: pair 1 needs a video_id and a prompt"),
        ("blank.csv", "video_id,prompt\nb,Cuts?\n ,Cuts?\n", "{path}: pair 2 needs a video_id"),
    ],
)
def test_a_file_without_usable_pairs_is_a_usage_error(
    tmp_path: Path, name: str, text: str, says: str
):
    path = write(tmp_path, name, text)
    with pytest.raises(typer.BadParameter) as refused:
        read_pairs(path)
    assert str(refused.value).startswith(says.format(path=path))


def test_an_unreadable_file_is_named(tmp_path: Path):
    missing = tmp_path / "missing.csv"
    with pytest.raises(typer.BadParameter) as refused:
        read_pairs(missing)
    assert str(refused.value) == f"cannot read {missing}: No such file or directory"
