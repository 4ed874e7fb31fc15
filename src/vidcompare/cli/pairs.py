"""``batch --pairs FILE``: the ``{video_id, prompt}`` pairs of a JSON or CSV file."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import typer


def read_pairs(path: Path) -> list[dict[str, str]]:
    """``{video_id, prompt}`` pairs from a JSON file (a list, or ``{"pairs": [...]}``) or a
    CSV file with a ``video_id,prompt`` header. A file that holds none is a usage error.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise typer.BadParameter(f"cannot read {path}: {exc.strerror}") from None
    if path.suffix.lower() == ".csv" or not text.lstrip().startswith(("[", "{")):
        items: Any = list(csv.DictReader(io.StringIO(text, newline="")))
    else:
        try:
            items = json.loads(text)
        except json.JSONDecodeError as exc:
            raise typer.BadParameter(f"{path} is not valid JSON: {exc}") from None
        if isinstance(items, dict) and "pairs" in items:
            items = items["pairs"]
    if not isinstance(items, list) or not items:
        raise typer.BadParameter(f"{path} holds no pairs; expected a list of {{video_id, prompt}}")
    pairs = []
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict) or not all(
            isinstance(item.get(k), str) and item[k].strip() for k in ("video_id", "prompt")
        ):
            raise typer.BadParameter(f"{path}: pair {number} needs a video_id and a prompt")
        pairs.append({"video_id": item["video_id"].strip(), "prompt": item["prompt"]})
    return pairs
