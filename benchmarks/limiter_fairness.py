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
) -> dict[str, tuple[float, float]]:
    """jobs: name -> (lanes, calls, start time): name -> (first start, last call's end)."""
    pace = Pace.fresh(quota)
    asks = [(t0, name, lane) for name, (lanes, _, t0) in jobs.items() for lane in range(lanes)]
    heapq.heapify(asks)
    left = {name: calls for name, (_, calls, _) in jobs.items()}
    spans: dict[str, tuple[float, float]] = {}
    while asks:
        now, name, lane = heapq.heappop(asks)
        if left[name] <= 0:
            continue
        turn = take_turn(pace, quota, now, name)
        if not turn.granted:
            heapq.heappush(asks, (now + turn.wait_s, name, lane))
            continue
        left[name] -= 1
        end = now + turn.wait_s + call_s
        first = spans.get(name, (jobs[name][2], 0.0))[0]
        spans[name] = (first, max(spans.get(name, (0.0, 0.0))[1], end))
        heapq.heappush(asks, (end, name, lane))
    return spans


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rpm", type=int, default=60)
    parser.add_argument("--call-s", type=float, default=1.0)
    args = parser.parse_args()
    quota, call_s = ModelQuota(rpm=args.rpm), args.call_s
    calls = 160 * 2  # 160 combinations of one model that is also the judge
    minimum = calls / args.rpm * 60
    alone = simulate({"big": (8, calls, 0.0)}, quota, call_s)["big"][1]
    pair = simulate({"a": (8, calls, 0.0), "b": (8, calls, 0.0)}, quota, call_s)
    small_solo = simulate({"small": (4, 20, 0.0)}, quota, call_s)["small"][1]
    behind = simulate({"big": (8, calls, 0.0), "small": (4, 20, 60.0)}, quota, call_s)["small"]
    print_figures(
        [
            Figure(
                f"one auto job, {calls} calls at {args.rpm} RPM: wall / quota minimum",
                f"{alone / minimum:.3f} ({alone:.0f} s / {minimum:.0f} s)",
                "≤ 1.15",
            ),
            Figure(
                "two auto jobs at once: each one's wall (s)",
                f"{pair['a'][1]:.0f} and {pair['b'][1]:.0f}; both / quota minimum of "
                f"both {max(pair['a'][1], pair['b'][1]) / (2 * minimum):.3f}",
                "even",
            ),
            Figure(
                "a 20-call, 4-lane job 60 s behind the big one: wall / its solo wall",
                f"{(behind[1] - behind[0]) / small_solo:.2f} "
                f"({behind[1] - behind[0]:.0f} s / {small_solo:.0f} s)",
                "~2",
            ),
        ]
    )


if __name__ == "__main__":
    main()
