"""Per-model running totals and the leaderboard made from them.

The totals live in the job document and are incremented in the same transaction that
records a combination, so they are exact under duplicate delivery, and finishing a job
writes the leaderboard without reading every comparison. Increments are blind writes:
parallel lanes never wait on each other to read-modify-write the job document.
"""

from __future__ import annotations

from typing import Any

_EMPTY = {
    "model_name": "",
    "score_sum": 0,
    "scored": 0,
    "wins": 0.0,
    "latency_ms_sum": 0,
    "answered": 0,
    "errors": 0,
    "input_tokens": 0,
    "output_tokens": 0,
    "total_tokens": 0,
    "estimated_cost_usd": 0.0,
    "unpriced_calls": 0,
}


def stats_delta(comparison: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """What one comparison adds to each model's totals (applied as Firestore increments)."""
    delta: dict[str, dict[str, Any]] = {}
    for result in comparison["results"]:
        usage = result.get("usage") or {}
        failed = bool(result.get("error"))
        delta[result["model_id"]] = {
            "model_name": result["model_name"],
            "input_tokens": int(usage.get("input_tokens", 0)),
            "output_tokens": int(usage.get("output_tokens", 0)),
            "total_tokens": int(usage.get("total_tokens", 0)),
            "estimated_cost_usd": float(usage.get("estimated_cost_usd", 0.0)),
            "unpriced_calls": int(usage.get("unpriced_calls", 0)),
            "errors": int(failed),
            "answered": int(not failed),
            "latency_ms_sum": 0 if failed else int(result["latency_ms"]),
            "score_sum": 0,
            "scored": 0,
            "wins": 0.0,
        }
    scores = {e["model_id"]: e["score"] for e in comparison["evaluation"] if e.get("score")}
    for model_id, score in scores.items():
        delta[model_id]["score_sum"] = score
        delta[model_id]["scored"] = 1
    if scores:
        best = max(scores.values())
        winners = [m for m, s in scores.items() if s == best]
        for model_id in winners:  # a tie shares the win
            delta[model_id]["wins"] = 1 / len(winners)
    return delta


def judge_delta(comparison: dict[str, Any]) -> dict[str, Any]:
    """What one comparison adds to the judge's totals."""
    usage = comparison.get("judge_usage") or {}
    judged = comparison.get("judge_error") is None and any(
        e.get("score") for e in comparison["evaluation"]
    )
    consistent = comparison.get("position_consistent")
    return {
        "swapped": int(consistent is not None),
        "consistent": int(bool(consistent)),
        "judged": int(judged),
        "errors": int(comparison.get("judge_error") is not None),
        "latency_ms_sum": int(comparison.get("judge_latency_ms", 0)) if judged else 0,
        "input_tokens": int(usage.get("input_tokens", 0)),
        "output_tokens": int(usage.get("output_tokens", 0)),
        "total_tokens": int(usage.get("total_tokens", 0)),
        "estimated_cost_usd": float(usage.get("estimated_cost_usd", 0.0)),
        "unpriced_calls": int(usage.get("unpriced_calls", 0)),
    }


def leaderboard_from_stats(stats: dict[str, dict], models: list[str]) -> list[dict[str, Any]]:
    rows = []
    for model_id in models:
        totals = _EMPTY | stats.get(model_id, {})
        rows.append(
            {
                "model_id": model_id,
                "model_name": totals["model_name"] or model_id,
                "mean_score": (
                    round(totals["score_sum"] / totals["scored"], 2) if totals["scored"] else None
                ),
                "scored": totals["scored"],
                "wins": round(totals["wins"], 2),
                "mean_latency_ms": (
                    round(totals["latency_ms_sum"] / totals["answered"], 1)
                    if totals["answered"]
                    else None
                ),
                "errors": totals["errors"],
                "total_tokens": totals["total_tokens"],
                "estimated_cost_usd": round(totals["estimated_cost_usd"], 6),
                "unpriced_calls": totals["unpriced_calls"],
            }
        )
    rows.sort(key=lambda r: (-(r["mean_score"] or 0), -r["wins"], r["mean_latency_ms"] or 0))
    return [{"rank": rank} | row for rank, row in enumerate(rows, start=1)]
