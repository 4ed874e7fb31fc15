"""Why the API refuses a generateContent request before generating anything: a model that
does not generate content, a bad responseSchema or responseJsonSchema, a file that is not
ACTIVE, a prompt over the model's inputTokenLimit.

A responseSchema is checked like the real API does: unknown fields, types, ``required`` and
STRING-only ``enum`` answer 400 INVALID_ARGUMENT; field names may be camelCase or snake_case
(the SDK sends ``property_ordering``). A responseJsonSchema must be an object.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Response

from vidcompare.testing.fake_gemini.files import file_id_of, missing_file, refresh
from vidcompare.testing.fake_gemini.wire import error_response, pick, snake

if TYPE_CHECKING:
    from vidcompare.testing.fake_gemini.state import FakeState

# The fields of the API's Schema message (responseSchema, an OpenAPI subset); the proto
# JSON parser takes each in camelCase or snake_case (the SDK sends "property_ordering").
SCHEMA_FIELDS = (
    "type format title description nullable enum maxItems minItems properties required "
    "propertyOrdering items minimum maximum minLength maxLength pattern anyOf example default "
    "minProperties maxProperties"
).split()
SCHEMA_TYPES = ("STRING", "NUMBER", "INTEGER", "BOOLEAN", "ARRAY", "OBJECT", "NULL")


def response_schema_error(schema: Any, ver: str = "v1beta") -> str | None:
    """Why the API would refuse a responseSchema, or None.

    First the proto JSON parse (an unknown field, a bad type, a non-object, with the real
    wording and path, e.g. ``properties[0].value``), then the semantic checks (``required``
    names a missing property, ``enum`` on a non-STRING), approximating the real wording.
    """
    names = set(SCHEMA_FIELDS) | {snake(n) for n in SCHEMA_FIELDS}
    parse: list[str] = []
    semantic: list[str] = []

    def invalid(path: str, what: str, value: Any) -> str:
        kind = f"type.googleapis.com/google.ai.generativelanguage.{ver}.{what}"
        return f"Invalid value at '{path}' ({kind}), {json.dumps(value)}"

    def walk(node: Any, path: str, where: str) -> None:
        if parse:
            return
        if not isinstance(node, dict):
            parse.append(invalid(path, "Schema", node))
            return
        for key in node:
            if key not in names:
                parse.append(
                    f'Invalid JSON payload received. Unknown name "{key}" at '
                    f"'{path}': Cannot find field."
                )
                return
        kind = pick(node, "type")
        if kind is not None and (not isinstance(kind, str) or kind.upper() not in SCHEMA_TYPES):
            parse.append(invalid(f"{path}.type", "Type", kind))
            return
        kind = kind.upper() if isinstance(kind, str) else None
        properties = pick(node, "properties")
        if properties is not None and not isinstance(properties, dict):
            parse.append(invalid(f"{path}.properties", "Schema.PropertiesEntry", properties))
            return
        for i, (name, sub) in enumerate((properties or {}).items()):
            walk(sub, f"{path}.properties[{i}].value", f"{where}.properties[{name}]")
        if pick(node, "items") is not None:
            walk(pick(node, "items"), f"{path}.items", f"{where}.items")
        any_of = pick(node, "anyOf")
        for i, sub in enumerate(any_of if isinstance(any_of, list) else []):
            walk(sub, f"{path}.any_of[{i}]", f"{where}.any_of[{i}]")
        for i, name in enumerate(pick(node, "required") or []):
            if name not in (properties or {}):
                semantic.append(
                    f"* GenerateContentRequest.{where}.required[{i}]: property is not defined\n"
                )
        if pick(node, "enum") is not None and kind != "STRING":
            semantic.append(
                f"* GenerateContentRequest.{where}.enum: only allowed for STRING type\n"
            )

    root = "generation_config.response_schema"
    walk(schema, root, root)
    if parse:
        return parse[0]
    return "".join(semantic) or None


def request_refusal(
    model: str, resource: dict[str, Any], ver: str, body: dict[str, Any]
) -> Response | None:
    """The 400 of a request for a model (its listed ``resource``) that does not generate
    content, or with a bad response schema."""
    methods = resource.get("supportedGenerationMethods") or []
    if "generateContent" not in methods:
        # The real wording is approximated (and the real API may answer this with the
        # 404 of an unknown model, "... or is not supported for generateContent").
        return error_response(
            400,
            f"models/{model} does not support generateContent; its supported methods "
            f"are {', '.join(methods) or 'none'}. Call ListModels to see the list of "
            "available models and their supported methods.",
            "INVALID_ARGUMENT",
        )
    config = pick(body, "generationConfig") or {}
    schema = pick(config, "responseSchema")
    if schema is not None and (message := response_schema_error(schema, ver)):
        details = None
        if message.startswith("Invalid JSON payload") or message.startswith("Invalid value"):
            field = message.split("'")[1]
            details = [
                {
                    "@type": "type.googleapis.com/google.rpc.BadRequest",
                    "fieldViolations": [{"field": field, "description": message}],
                }
            ]
        return error_response(400, message, "INVALID_ARGUMENT", details)
    json_schema = pick(config, "responseJsonSchema")
    if json_schema is not None and not isinstance(json_schema, dict):
        kind = type(json_schema).__name__
        return error_response(
            400,
            "Invalid value at 'generation_config.response_json_schema': a JSON Schema "
            f"must be an object, got {kind} {json.dumps(json_schema)}.",
            "INVALID_ARGUMENT",
        )
    return None


def file_refusal(state: FakeState, uris: list[str]) -> Response | None:
    """The answer about the first of our files (fileData URIs) that is missing or not
    ACTIVE, or None."""
    for uri in uris:
        file_id = file_id_of(uri)
        if file_id is None:
            continue  # gs://, YouTube, ...: not ours to check
        with state.lock:
            rec = state.files.get(file_id)
            file_state = refresh(rec)["state"] if rec else None
        if rec is None:
            return missing_file(state, file_id)
        if file_state != "ACTIVE":
            message = f"The File {file_id} is not in an ACTIVE state and usage is not allowed."
            return error_response(400, message, "FAILED_PRECONDITION")
    return None


def token_limit_refusal(resource: dict[str, Any], prompt_tokens: int) -> Response | None:
    """The 400 of a prompt over the model's inputTokenLimit, or None."""
    limit = resource.get("inputTokenLimit")
    if limit is None or prompt_tokens <= int(limit):
        return None
    message = (
        f"The input token count ({prompt_tokens}) exceeds the maximum number of tokens "
        f"allowed ({int(limit)})."
    )
    return error_response(400, message, "INVALID_ARGUMENT")
