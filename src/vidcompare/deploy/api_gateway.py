"""The API Gateway config: the API's OpenAPI operations as a Swagger 2.0 document.

API Gateway serves every route under one HTTPS host and forwards it, path appended,
to the Cloud Function that owns it, calling it with the gateway's service account
(the functions themselves are closed to ``allUsers``). Each operation is the served
OpenAPI 3 operation (:func:`vidcompare.api.openapi.operations`): the same id, summary
and parameters, with the backend that serves it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from vidcompare.api.openapi import Operation, operations
from vidcompare.api.routes import ROUTES

# Long enough for a large upload; API Gateway's own limit is 32 MiB per request.
BACKEND_DEADLINE_S = 300.0


def gateway_spec(backends: Mapping[str, str], title: str = "vidcompare") -> dict[str, Any]:
    """The document for ``gcloud api-gateway api-configs create --openapi-spec``;
    ``backends``: each function's name ("start_batch", "job_status") -> its URL."""
    paths: dict[str, dict[str, Any]] = {}
    for operation in operations(ROUTES):
        paths.setdefault(operation.path, {})[operation.method] = _gateway_operation(
            operation, backends[operation.function]
        )
    return {
        "swagger": "2.0",
        "info": {"title": title, "version": "1.0.0"},
        "schemes": ["https"],
        "consumes": ["application/json", "application/octet-stream", "multipart/form-data"],
        "produces": ["application/json"],
        "paths": paths,
    }


def _gateway_operation(operation: Operation, backend: str) -> dict[str, Any]:
    fields = operation.fields
    # Swagger 2.0 gives a parameter's type in place of OpenAPI 3's "schema".
    parameters = [
        {key: value for key, value in parameter.items() if key != "schema"} | parameter["schema"]
        for parameter in fields["parameters"]
    ]
    return {
        "operationId": fields["operationId"],
        "summary": fields["summary"],
        "parameters": parameters,
        "x-google-backend": {
            "address": backend,
            "path_translation": "APPEND_PATH_TO_ADDRESS",
            "deadline": BACKEND_DEADLINE_S,
        },
        # API Gateway forwards whatever the function answers; the answers are in
        # /openapi.json.
        "responses": {"default": {"description": "see /openapi.json"}},
    }
