"""The shared limiter's rules, simulated on an explicit clock: quota use and fair shares.

    .venv/bin/python benchmarks/limiter_fairness.py [--rpm 60] [--call-s 1.0]

Lanes ask for a turn (``vidcompare.limiter.take_turn``, the rules the functions run on
the ``quota_pace`` document), wait for it, call for ``call_s`` and ask again; a job over
its share is told when to ask again. No Firestore and no network: what is measured is
the rules (quota minimum vs wall, shares, the small job behind a large one), not the
cost of a turn (``tests/integration/test_limiter_shared.py`` prints that).
"""

from __future__ import annotations

import argparse
import heapq

from harness import Figure, print_figures

from vidcompare.limiter import take_turn
from vidcompare.quotas import ModelQuota
from vidcompare.store.quotas import Pace


def simulate(
    jobs: dict[str, tuple[int, int, float]], quota: ModelQuota, call_s: float
) -> dict[str, list[float]]:
    """jobs: name -> (lanes, calls, start time): name -> its calls' start times."""
    pace = Pace.fresh(quota)
    asks = [(t0, name, lane) for name, (lanes, _, t0) in jobs.items() for lane in range(lanes)]
    heapq.heapify(asks)
    left = {name: calls for name, (_, calls, _) in jobs.items()}
    starts: dict[str, list[float]] = {name: [] for name in jobs}
    while asks:
        now, name, lane = heapq.heappop(asks)
        if left[name] <= 0:
            continue
        turn = take_turn(pace, quota, now, name)
        if not turn.granted:
            heapq.heappush(asks, (now + turn.wait_s, name, lane))
            continue
        left[name] -= 1
        starts[name].append(now + turn.wait_s)
        heapq.heappush(asks, (now + turn.wait_s + call_s, name, lane))
    return starts


def wall(starts: list[float], began: float, call_s: float) -> float:
    return max(starts) + call_s - began


def late_small(quota: ModelQuota, call_s: float, calls: int, big_calls: int) -> Figure:
    """A 4-lane job of ``calls`` started 60 s after the big one: its wall vs alone."""
    solo = wall(simulate({"small": (4, calls, 0.0)}, quota, call_s)["small"], 0.0, call_s)
    both = simulate({"big": (8, big_calls, 0.0), "small": (4, calls, 60.0)}, quota, call_s)
    behind = wall(both["small"], 60.0, call_s)
    return Figure(
        f"a 4-lane job of {calls} calls 60 s behind the big one: wall / its solo wall",
        f"{behind / solo:.2f} ({behind:.1f} s / {solo:.1f} s); the big one "
        f"{wall(both['big'], 0.0, call_s):.0f} s",
        "≤ ~2",
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rpm", type=int, default=60)
    parser.add_argument("--call-s", type=float, default=1.0)
    args = parser.parse_args()
    quota, call_s = ModelQuota(rpm=args.rpm), args.call_s
    calls = 160 * 2  # 160 combinations of one model that is also the judge
    minimum = calls / args.rpm * 60
    alone = wall(simulate({"big": (8, calls, 0.0)}, quota, call_s)["big"], 0.0, call_s)
    pair = simulate({"a": (8, calls, 0.0), "b": (8, calls, 0.0)}, quota, call_s)
    overlap = min(max(pair["a"]), max(pair["b"]))
    shares = {job: sum(t <= overlap for t in starts) for job, starts in pair.items()}
    later = simulate({"first": (8, calls, 0.0), "second": (8, calls, 60.0)}, quota, call_s)
    first = sorted(later["first"])
    longest_wait = max(b - a for a, b in zip(first, first[1:], strict=False))
    print_figures(
        [
            Figure(
                f"one auto job, {calls} calls at {args.rpm} RPM: wall / quota minimum",
                f"{alone / minimum:.3f} ({alone:.0f} s / {minimum:.0f} s)",
                "≤ 1.15",
            ),
            Figure(
                "two auto jobs at once: each one's turns while both ran, and its wall (s)",
                f"{shares['a']} / {shares['b']}; {wall(pair['a'], 0.0, call_s):.0f} and "
                f"{wall(pair['b'], 0.0, call_s):.0f}; both / quota minimum of both "
                f"{wall(pair['a'] + pair['b'], 0.0, call_s) / (2 * minimum):.3f}",
                "even",
            ),
            late_small(quota, call_s, 20, calls),
            late_small(quota, call_s, 8, calls),  # 4 combinations: model + judge each
            Figure(
                "a second big job 60 s behind the first: the first's longest wait for a turn",
                f"{longest_wait:.1f} s (walls {wall(later['first'], 0.0, call_s):.0f} and "
                f"{wall(later['second'], 60.0, call_s):.0f} s)",
                "",
            ),
        ]
    )


if __name__ == "__main__":
    main()
