"""The route table is the one source: the served spec and API Gateway's document list the
same operations, every handler is a named function, and every error answer has the one
error body."""

from __future__ import annotations

import json

from vidcompare.api.routes import ROUTES, served_spec
from vidcompare.deploy.api_gateway import gateway_spec
from vidcompare.errors import ErrorBody, NotFound

BACKENDS = {
    "start_batch": "https://europe-west1-acme.cloudfunctions.net/vidcompare-start-batch",
    "job_status": "https://europe-west1-acme.cloudfunctions.net/vidcompare-job-status",
}


def _operations(document: dict) -> dict[tuple[str, str], dict]:
    return {
        (method.upper(), path): operation
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
    }


def test_the_served_spec_and_the_gateway_document_list_the_same_operations():
    served, gateway = _operations(served_spec()), _operations(gateway_spec(BACKENDS))
    assert set(served) == set(gateway) == {(r.method, r.template) for r in ROUTES}
    for key, operation in served.items():
        assert gateway[key]["operationId"] == operation["operationId"], key
        assert gateway[key]["summary"] == operation["summary"], key
        names = [(p["name"], p["in"]) for p in operation["parameters"]]
        assert [(p["name"], p["in"]) for p in gateway[key]["parameters"]] == names, key
    ids = [operation["operationId"] for operation in served.values()]
    assert len(ids) == len(set(ids))


def test_every_handler_is_a_named_function():
    for route in ROUTES:
        assert route.handler.__name__ != "<lambda>", (route.method, route.template)
    assert len({route.handler for route in ROUTES}) == len(ROUTES)


def test_every_error_answer_in_the_spec_is_the_one_error_body():
    spec = served_spec()
    error_answers = 0
    for (method, path), operation in _operations(spec).items():
        for status, answer in operation["responses"].items():
            if int(status) >= 400:
                schema = answer["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorBody"}, (method, path)
                error_answers += 1
    assert error_answers
    # ...and that schema is the model's own, the one errors.py writes.
    own = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas = spec["components"]["schemas"]
    assert schemas["ErrorBody"] == {k: v for k, v in own.items() if k != "$defs"}
    assert schemas["ErrorInfo"] == own["$defs"]["ErrorInfo"]


def test_an_error_is_written_as_the_error_body():
    error = NotFound("no such job: j1")
    body = json.loads(error.body_json())
    assert body == {"error": {"code": "NOT_FOUND", "message": "no such job: j1", "details": []}}
    assert ErrorBody.model_validate(body) == error.body()


def test_the_gateway_document_carries_the_given_backends_and_no_placeholder():
    document = gateway_spec(BACKENDS, title="acme")
    assert document["info"]["title"] == "acme"
    by_route = {(r.method, r.template): r.function for r in ROUTES}
    for key, operation in _operations(document).items():
        backend = operation["x-google-backend"]
        assert backend["address"] == BACKENDS[by_route[key]], key
        assert backend["path_translation"] == "APPEND_PATH_TO_ADDRESS"
    assert "${" not in json.dumps(document)
