"""The API Gateway config: the route table as an OpenAPI 2.0 document with backends.

API Gateway serves every route under one HTTPS host and forwards it, path appended,
to the Cloud Function that owns it, calling it with the gateway's service account
(the functions themselves are closed to ``allUsers``). ``backends`` maps each function
name to the URL the gateway calls it at.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from vidcompare.api.http import ROUTES

# Routes a function serves outside the route table (see ``vidcompare.api.http.serve``).
EXTRA_ROUTES = (("GET", "/openapi.json", "job_status", "This API's OpenAPI 3 document"),)
# Long enough for a large upload; API Gateway's own limit is 32 MiB per request.
BACKEND_DEADLINE_S = 300.0


def _operation_id(method: str, template: str) -> str:
    words = re.sub(r"[{}]", "", template).strip("/").replace("-", "/").split("/")
    return method.lower() + "".join(w[:1].upper() + w[1:] for w in words if w)


def _operation(method: str, template: str, address: str, summary: str) -> dict[str, Any]:
    parameters = [
        {"name": name, "in": "path", "required": True, "type": "string"}
        for name in re.findall(r"\{(\w+)\}", template)
    ]
    return {
        "operationId": _operation_id(method, template),
        "summary": summary or f"{method} {template}",
        "parameters": parameters,
        "x-google-backend": {
            "address": address,
            "path_translation": "APPEND_PATH_TO_ADDRESS",
            "deadline": BACKEND_DEADLINE_S,
        },
        "responses": {"default": {"description": "see /openapi.json"}},
    }


def gateway_routes() -> list[tuple[str, str, str, str]]:
    """(method, path template, function, summary) of every route the functions serve."""
    table = [(r.method, r.template, r.function, r.summary) for r in ROUTES]
    return table + list(EXTRA_ROUTES)


def gateway_spec(backends: Mapping[str, str], title: str = "vidcompare") -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for method, template, function, summary in gateway_routes():
        paths.setdefault(template, {})[method.lower()] = _operation(
            method, template, backends[function], summary
        )
    return {
        "swagger": "2.0",
        "info": {"title": title, "version": "1.0.0"},
        "schemes": ["https"],
        "consumes": ["application/json", "application/octet-stream", "multipart/form-data"],
        "produces": ["application/json"],
        "paths": paths,
    }
