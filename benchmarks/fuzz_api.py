"""Fuzz every route of the API and count what came back: no 5xx, nothing created.

A local stack with a fake Gemini; schemathesis generates requests from the served
OpenAPI spec (valid and invalid bodies, odd query strings, unknown ids). For every route
the script prints how many requests were sent and how many got 2xx, 4xx and 5xx, and
checks that every rejected POST left Firestore and the bucket as they were.

    python benchmarks/fuzz_api.py [--examples 200]
"""

from __future__ import annotations

import argparse
from collections import Counter

import schemathesis
from harness import bench_stack
from hypothesis import HealthCheck, given, settings

from vidcompare.api.routes import ROUTES
from vidcompare.testing.inventory import created_so_far


def fuzz_route(schema, route, examples: int) -> tuple[Counter, list[str]]:
    operation = schema[route.template][route.method]
    classes: Counter = Counter()
    problems: list[str] = []

    @given(case=operation.as_strategy())
    @settings(
        max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    def call(case) -> None:
        before = created_so_far() if route.method == "POST" else None
        response = case.call(timeout=30)
        classes[f"{response.status_code // 100}xx"] += 1
        if response.status_code >= 500:
            problems.append(f"{case.method} {case.path} -> {response.status_code}")
        elif before is not None and response.status_code >= 400 and created_so_far() != before:
            problems.append(f"{case.method} {case.path} -> {response.status_code} created data")

    call()
    return classes, problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=200, help="generated cases per route")
    args = parser.parse_args()
    total: Counter = Counter()
    all_problems: list[str] = []
    with bench_stack() as bench:
        schema = schemathesis.openapi.from_url(f"{bench.stack.info.base_url}/openapi.json")
        for route in ROUTES:
            classes, problems = fuzz_route(schema, route, args.examples)
            total += classes
            all_problems += problems
            counts = ", ".join(f"{k} {classes[k]}" for k in ("2xx", "4xx", "5xx"))
            sent = sum(classes.values())
            print(f"{route.method:6} {route.template:40} {sent:5} requests: {counts}")
    print(
        f"all routes: {sum(total.values())} requests, 2xx {total['2xx']}, 4xx {total['4xx']},"
        f" 5xx {total['5xx']}; rejected POSTs that created something: "
        f"{sum('created' in p for p in all_problems)}"
    )
    for problem in all_problems:
        print("  ", problem)
    return 1 if all_problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
