"""The OpenAPI spec lists exactly the served routes; fuzzing the API finds no 5xx, and a
request the API rejects creates nothing."""

from __future__ import annotations

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from vidcompare.api.routes import ROUTES, served_spec
from vidcompare.testing.inventory import created_so_far


def test_the_served_spec_has_exactly_the_routes_the_functions_serve(stack):
    served = httpx.get(f"{stack.base_url}/openapi.json").json()
    assert served == served_spec()
    operations = {(m.upper(), path) for path, ops in served["paths"].items() for m in ops}
    assert operations == {(r.method, r.template) for r in ROUTES}
    for route in ROUTES:
        operation = served["paths"][route.template][route.method.lower()]
        assert {int(s) for s in operation["responses"]} >= set(route.responses)


@pytest.fixture(scope="module")
def api_schema(stack):
    return schemathesis.openapi.from_url(f"{stack.base_url}/openapi.json")


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.template}")
def test_fuzzed_requests_never_get_a_server_error(api_schema, route):
    operation = api_schema[route.template][route.method]

    @given(case=operation.as_strategy())
    @settings(
        max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    def call(case) -> None:
        before = created_so_far() if route.method == "POST" else None
        response = case.call(timeout=30)
        assert response.status_code < 500, (case.method, case.path, response.text[:300])
        if before is not None and response.status_code >= 400:
            # Rejected: no job, no video document, no file in the bucket (and so nothing
            # published: a combination is only published for a job that exists).
            assert created_so_far() == before, (case.method, case.path, response.status_code)
        # Paths the framework itself refuses (odd characters) get its own 404 page;
        # everything our code answers has the one error shape.
        content_type = " ".join(response.headers.get("content-type", []))  # lists of values
        if response.status_code >= 400 and "json" in content_type:
            assert set(response.json()["error"]) == {"code", "message", "details"}

    call()
