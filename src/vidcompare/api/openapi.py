"""The one OpenAPI generator: a route table and its pydantic models made operations.

:func:`operations` walks the table once and gives every operation as OpenAPI 3 writes
it (id, summary, parameters, body, answers) with the function that serves it;
:func:`spec` is the OpenAPI 3 document served at ``/openapi.json``, and API Gateway's
document (:mod:`vidcompare.deploy.api_gateway`) is made from the same operations. The
tests check that the spec lists exactly the routes the functions serve, and fuzz the
API with it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, RootModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from vidcompare import __version__
from vidcompare.api.routing import RawBody, Route
from vidcompare.errors import ErrorBody

_SCHEMAS = "#/components/schemas/"
_ERROR_DESCRIPTIONS = {
    400: "Bad request",
    401: "Unauthenticated",
    403: "Forbidden",
    404: "Not found",
    409: "Conflict",
    413: "Too large",
    415: "Not a video",
    416: "Range not satisfiable",
}


class OpenAPIDocument(RootModel[dict[str, Any]]):
    """The answer of ``GET /openapi.json``."""


@dataclass(frozen=True)
class Operation:
    method: str  # lower case, as OpenAPI writes it
    path: str
    function: str  # the Cloud Function that serves it
    fields: dict[str, Any]  # the OpenAPI 3 operation object


def operations(routes: Sequence[Route]) -> list[Operation]:
    return [
        Operation(route.method.lower(), route.template, route.function, _operation(route))
        for route in routes
    ]


def spec(routes: Sequence[Route]) -> dict[str, Any]:
    """The OpenAPI 3 document of ``routes``."""
    paths: dict[str, dict[str, Any]] = {}
    for operation in operations(routes):
        paths.setdefault(operation.path, {})[operation.method] = operation.fields
    return {
        "openapi": "3.1.0",
        "info": {"title": "vidcompare", "version": __version__},
        "paths": paths,
        "components": {
            "schemas": _schemas(routes),
            "securitySchemes": {"apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"}},
        },
    }


def _operation(route: Route) -> dict[str, Any]:
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in route.path_params
    ] + [
        {"name": name, "in": "query", "required": False, "schema": {"type": "string"}}
        for name in route.query
    ]
    responses = {
        str(status): _raw_response(answer)
        if isinstance(answer, RawBody)
        else _response(answer.__name__, answer)
        for status, answer in route.responses.items()
    } | {str(status): _response(_ERROR_DESCRIPTIONS[status], ErrorBody) for status in route.errors}
    operation: dict[str, Any] = {
        "operationId": _operation_id(route.method, route.template),
        "summary": route.summary,
        "parameters": parameters,
        "responses": responses,
    }
    content: dict[str, Any] = {}
    if route.body is not None:
        content["application/json"] = {"schema": _ref(route.body)}
    if route.raw_body:
        content["application/octet-stream"] = {"schema": {"type": "string", "format": "binary"}}
    if content:
        operation["requestBody"] = {"required": True, "content": content}
    return operation


def _response(description: str, model: type[BaseModel]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref(model)}}}


def _raw_response(answer: RawBody) -> dict[str, Any]:
    binary = {"schema": {"type": "string", "format": "binary"}}
    return {"description": answer.description, "content": dict.fromkeys(answer.media_types, binary)}


def _schemas(routes: Sequence[Route]) -> dict[str, Any]:
    """Every model the routes take or answer: a body as it is validated, an answer as
    it is written out."""
    modes: dict[type[BaseModel], JsonSchemaMode] = {ErrorBody: "serialization"}
    for route in routes:
        modes |= {
            model: "serialization"
            for model in route.responses.values()
            if not isinstance(model, RawBody)
        }
    # A model that is also a body (a job's request, answered to run it again) is
    # described as it is validated: that is what a client must send.
    modes |= {route.body: "validation" for route in routes if route.body is not None}
    _, definitions = models_json_schema(list(modes.items()), ref_template=_SCHEMAS + "{model}")
    return definitions.get("$defs", {})


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": _SCHEMAS + model.__name__}


def _operation_id(method: str, template: str) -> str:
    """e.g. ``get_api_jobs_job_id_result``: letters, digits and underscores only."""
    words = re.sub(r"\W+", "_", template.replace("{", "").replace("}", "")).strip("_")
    return f"{method.lower()}_{words}"
