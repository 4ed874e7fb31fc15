"""The OpenAPI 3 spec of the HTTP API, made from the route table and the pydantic models.

Served at ``/openapi.json``; API Gateway takes it in production; the tests check that
it lists exactly the routes the functions serve, and fuzz the API with it.
"""

from __future__ import annotations

import functools
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from vidcompare import __version__
from vidcompare.api.http import ROUTES

ERROR_BODY = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "details"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "details": {"type": "array", "items": {"type": "object"}},
            },
        }
    },
}
ERROR_STATUSES = {
    400: "Bad request",
    401: "Unauthenticated",
    403: "Forbidden",
    404: "Not found",
    409: "Conflict",
    413: "Too large",
    415: "Not a video",
}


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


@functools.cache
def spec() -> dict[str, Any]:
    models = {m for r in ROUTES for m in [*r.responses.values(), *([r.body] if r.body else [])]}
    _, definitions = models_json_schema(
        [(m, "validation" if m is _body_model() else "serialization") for m in models],
        ref_template="#/components/schemas/{model}",
    )
    paths: dict[str, dict[str, Any]] = {}
    for route in ROUTES:
        params = [
            {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            for name in _path_params(route.template)
        ] + [
            {"name": name, "in": "query", "required": False, "schema": {"type": "string"}}
            for name in route.query
        ]
        responses: dict[str, Any] = {
            str(status): {
                "description": model.__name__,
                "content": {"application/json": {"schema": _ref(model)}},
            }
            for status, model in route.responses.items()
        }
        for status, description in ERROR_STATUSES.items():
            responses[str(status)] = {
                "description": description,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            }
        operation: dict[str, Any] = {
            "operationId": _operation_id(route.method, route.template),
            "summary": route.summary,
            "parameters": params,
            "responses": responses,
        }
        if route.body is not None:
            operation["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": _ref(route.body)}},
            }
        if route.raw_body:
            operation["requestBody"] = {
                "required": True,
                "content": {
                    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
                },
            }
        paths.setdefault(route.template, {})[route.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": "vidcompare", "version": __version__},
        "paths": paths,
        "components": {
            "schemas": definitions.get("$defs", {}) | {"Error": ERROR_BODY},
            "securitySchemes": {"apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"}},
        },
    }


def _body_model() -> type[BaseModel] | None:
    from vidcompare.schemas import BatchRequest

    return BatchRequest


def _operation_id(method: str, template: str) -> str:
    words = template.strip("/").replace("{", "").replace("}", "").replace("-", "_")
    return f"{method.lower()}_{words.replace('/', '_')}"


def _path_params(template: str) -> list[str]:
    return [part[1:-1] for part in template.split("/") if part.startswith("{")]
