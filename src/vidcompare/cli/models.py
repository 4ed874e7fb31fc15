"""``vidcompare models``: the models and judges a batch may name, their status and price."""

from __future__ import annotations

import typer

from vidcompare.cli import report
from vidcompare.cli.options import JsonOption, KeyOption, UrlOption
from vidcompare.cli.render import console, print_table
from vidcompare.cli.session import session
from vidcompare.schemas import JudgeInfo, ModelCatalog, ModelInfo


def _status(item: ModelInfo | JudgeInfo) -> str:
    """ "offline", "current", or "deprecated, shutdown 2027-05-07, use gemini-3.5-flash-lite"."""
    if item.offline:
        return "offline"
    if not item.deprecated:
        return "current"
    said = ["deprecated"]
    if item.shutdown_date:
        said.append(f"shutdown {item.shutdown_date.isoformat()}")
    if item.successor:
        said.append(f"use {item.successor}")
    return ", ".join(said)


def _usd(per_million: float) -> str:
    """$0.75, $1.50, $0.075: cents always, a tenth of a cent when there is one."""
    text = f"{per_million:.3f}"
    return "$" + (text[:-1] if text.endswith("0") else text)


def _price(model: ModelInfo) -> str:
    if model.offline:
        return "free"
    if model.price is None:
        return "unknown"
    price = f"{_usd(model.price.input)} in / {_usd(model.price.output)} out"
    if model.price_until and model.next_price:
        later = f"{_usd(model.next_price.input)} / {_usd(model.next_price.output)}"
        price += f" until {model.price_until}, then {later}"
    return price


def models_tables(catalog: ModelCatalog) -> list[report.TextTable]:
    """``vidcompare models``: the models, then the judges, one row each."""
    models = [
        [m.model_id, m.display_name, m.provider, _status(m), _price(m)] for m in catalog.models
    ]
    judges = [[j.judge_id, j.display_name, j.provider, _status(j)] for j in catalog.judges]
    return [
        report.TextTable(
            "Models", ["id", "name", "provider", "status", "price per 1M tokens"], models
        ),
        report.TextTable("Judges", ["id", "name", "provider", "status"], judges),
    ]


def provider_lines(catalog: ModelCatalog) -> list[str]:
    """One line per provider with a live catalogue: where its list came from, or why not."""
    lines = []
    for status in catalog.providers:
        if not status.available:
            lines.append(f"{status.provider}: unavailable: {status.message}")
        elif status.source == "fallback":
            lines.append(
                f"{status.provider}: the shipped list (as of {status.fallback_as_of}): "
                f"{status.message}"
            )
        else:
            when = status.fetched_at.strftime("%Y-%m-%d %H:%M UTC") if status.fetched_at else "?"
            lines.append(f"{status.provider}: the {status.backend} catalogue, fetched {when}")
    return lines


def models(url: UrlOption = None, api_key: KeyOption = None, as_json: JsonOption = False) -> None:
    """List the models and judges a batch may name now: id (for `--model` / `--judge`),
    name, provider, status (offline, current, or deprecated with its shutdown date and
    replacement) and list price. Gemini models are the ones the server's key or project
    can use, from the live catalogue.

    Example: `vidcompare models --json`
    """
    with session(url, api_key) as client:
        catalog = client.models()
    if as_json:
        typer.echo(catalog.model_dump_json(indent=2))
        return
    for table in models_tables(catalog):
        print_table(table)
    for line in provider_lines(catalog):
        console.print(line, highlight=False, markup=False)
    gemini = f" ({catalog.gemini_judge} when a Gemini model runs)" if catalog.gemini_judge else ""
    console.print(
        f"default judge: {catalog.default_judge}{gemini} · at most {catalog.max_models} models "
        f"per batch · prices as of {catalog.prices_as_of}",
        highlight=False,
    )
