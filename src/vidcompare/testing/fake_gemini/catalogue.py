"""The models the fake has, and how it answers about them (models.list, models.get).

Models are strict, as in the real API: only those in config ``models`` (default
:data:`DEFAULT_MODELS`, the real list as of 2026-11, where gemini-2.5-* and
gemini-3-pro-preview are gone) exist; any other (or one in ``unknown_models``) answers 404
NOT_FOUND on generate, stream, countTokens and models.get. A model without
``generateContent`` in its supportedGenerationMethods (gemini-embedding-001) answers 400, and
so does a prompt over the model's inputTokenLimit (see :mod:`.validation`). Tests that want
another id list it: ``fake.add_models("my-model")``.
"""

from __future__ import annotations

import base64
import copy
import re
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from vidcompare.testing.fake_gemini.auth import keyed
from vidcompare.testing.fake_gemini.wire import error_response, json_response

if TYPE_CHECKING:
    from vidcompare.testing.fake_gemini.state import FakeState

MODELS_PAGE_SIZE, MODELS_MAX_PAGE_SIZE = 50, 1000

# What the real API lists for a video-capable text model (Gemini 3.x Flash/Pro); a plain id
# in config "models" becomes a resource with these fields and a displayName derived from it.
VIDEO_MODEL_FIELDS: dict[str, Any] = {
    "inputTokenLimit": 1048576,
    "outputTokenLimit": 65536,
    "supportedGenerationMethods": [
        "generateContent",
        "countTokens",
        "createCachedContent",
        "batchGenerateContent",
    ],
    "temperature": 1.0,
    "topP": 0.95,
    "topK": 64,
    "maxTemperature": 2.0,
    "thinking": True,
}


def model_resource(
    model_id: str,
    display_name: str | None = None,
    *,
    version: str = "001",
    description: str | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """A model resource as ``GET /v1beta/models`` lists it: the video-model fields of
    :data:`VIDEO_MODEL_FIELDS` unless ``fields`` replace them (``None`` drops a field);
    the displayName is derived from the id unless given."""
    model_id = model_id.removeprefix("models/")
    display = display_name or " ".join(w.capitalize() for w in model_id.split("-"))
    if description is None:
        description = f"{display}, a model of the fake Gemini server."
    resource: dict[str, Any] = {"name": f"models/{model_id}", "version": version}
    resource["displayName"] = display
    if description:  # "" leaves it out, as the real list does for some models
        resource["description"] = description
    for name, value in (copy.deepcopy(VIDEO_MODEL_FIELDS) | fields).items():
        if value is not None:
            resource[name] = value
    return resource


# The Gemini Developer API's model list (GET /v1beta/models) as of 2026-11, in its order.
# Shut-down models (gemini-3-pro-preview, gemini-2.5-pro, gemini-2.5-flash, ...) are gone
# from it and answer 404. Adjust ids here: this is the only list.
DEFAULT_MODELS: list[dict[str, Any]] = [
    # Video-capable text models: what a video comparison may offer.
    model_resource(
        "gemini-4-argon",
        "Gemini 4 Argon",
        description="Gemini 4 Argon, our most capable model for complex reasoning tasks.",
    ),
    model_resource(
        "gemini-3.8-flash",
        "Gemini 3.8 Flash",
        description="Gemini 3.8 Flash, our fast multimodal model with a 1M token context.",
    ),
    model_resource(
        "gemini-3.7-flash",
        "Gemini 3.7 Flash",
        description="Gemini 3.7 Flash, a fast multimodal model with a 1M token context.",
    ),
    model_resource(
        "gemini-3.6-flash",
        "Gemini 3.6 Flash",
        description="Gemini 3.6 Flash, a fast multimodal model with a 1M token context.",
    ),
    model_resource(
        "gemini-3.5-flash",
        "Gemini 3.5 Flash",
        description="Gemini 3.5 Flash, a fast multimodal model with a 1M token context.",
    ),
    model_resource(
        "gemini-3.5-flash-lite",
        "Gemini 3.5 Flash-Lite",
        description="Gemini 3.5 Flash-Lite, our most cost-efficient multimodal model.",
    ),
    model_resource(
        "gemini-3.1-flash-lite",
        "Gemini 3.1 Flash-Lite",
        description="Gemini 3.1 Flash-Lite, a cost-efficient multimodal model.",
    ),
    model_resource(
        "gemini-3.1-pro-preview",
        "Gemini 3.1 Pro Preview",
        version="3.1-pro-preview",
        description="Preview release of Gemini 3.1 Pro, our most capable multimodal model.",
    ),
    model_resource(
        "gemini-3-flash-preview",
        "Gemini 3 Flash Preview",
        version="3-flash-preview",
        description="Preview release of Gemini 3 Flash.",
    ),
    model_resource(
        "gemini-flash-latest",
        "Gemini Flash Latest",
        version="Gemini Flash Latest",
        description="Latest release of Gemini Flash",
    ),
    model_resource(
        "gemini-pro-latest",
        "Gemini Pro Latest",
        version="Gemini Pro Latest",
        description="Latest release of Gemini Pro",
    ),
    # Listed too, but no video comparison model: image output, speech output, embeddings,
    # and a small open model with a 128K context.
    model_resource(
        "gemini-3.1-flash-image",
        "Gemini 3.1 Flash Image",
        description="Gemini 3.1 Flash Image: generates and edits images.",
        inputTokenLimit=32768,
        outputTokenLimit=32768,
        supportedGenerationMethods=["generateContent", "countTokens", "batchGenerateContent"],
        thinking=None,
    ),
    model_resource(
        "gemini-3.5-flash-preview-tts",
        "Gemini 3.5 Flash Preview TTS",
        version="gemini-3.5-flash-preview-tts",
        description="Gemini 3.5 Flash Preview TTS: text to speech (audio output only).",
        inputTokenLimit=8192,
        outputTokenLimit=16384,
        supportedGenerationMethods=["countTokens", "generateContent"],
        thinking=None,
    ),
    model_resource(
        "gemini-embedding-001",
        "Gemini Embedding 001",
        description="Obtain a distributed representation of a text.",
        inputTokenLimit=2048,
        outputTokenLimit=1,
        supportedGenerationMethods=["embedContent", "countTokens"],
        temperature=None,
        topP=None,
        topK=None,
        maxTemperature=None,
        thinking=None,
    ),
    model_resource(
        "gemma-3-27b-it",
        "Gemma 3 27B",
        description="",
        inputTokenLimit=131072,
        outputTokenLimit=8192,
        supportedGenerationMethods=["generateContent", "countTokens"],
        maxTemperature=None,
        thinking=None,
    ),
]

# What an alias of the list answers as (its responses' modelVersion), as the real API does.
ALIASES: dict[str, str] = {
    "gemini-flash-latest": "gemini-3.8-flash",
    "gemini-pro-latest": "gemini-3.1-pro-preview",
}


def as_model_resource(item: Any) -> dict[str, Any]:
    """A config "models" item as a model resource: a plain id becomes a video model."""
    if isinstance(item, str):
        return model_resource(item)
    if isinstance(item, dict) and isinstance(item.get("name"), str):
        resource = copy.deepcopy(item)
        resource["name"] = f"models/{item['name'].removeprefix('models/')}"
        return resource
    raise ValueError(f"a model is an id or a resource with a name: {item!r}")


def listed_model(config: dict[str, Any], model: str) -> dict[str, Any] | None:
    """The listed resource of a model id (caller holds the lock); None if unknown."""
    if model in config["unknown_models"]:
        return None
    for resource in config["models"]:
        if resource["name"] == f"models/{model}":
            return resource
    return None


def model_copy(state: FakeState, model: str) -> dict[str, Any]:
    """A copy of a model's listed resource ({} if unknown)."""
    with state.lock:
        return copy.deepcopy(listed_model(state.config, model)) or {}


def unknown_model(state: FakeState, ver: str, model: str, rpc: str) -> Response | None:
    """The 404 of a model the API does not have, or None."""
    with state.lock:
        found = listed_model(state.config, model)
    if found is not None:
        return None
    return error_response(
        404,
        f"models/{model} is not found for API version {ver}, or is not supported for "
        f"{rpc}. Call ListModels to see the list of available models and their "
        "supported methods.",
        "NOT_FOUND",
    )


@keyed
def get_model(state: FakeState, request: Request, ver: str, model: str) -> Response:
    if (missing := unknown_model(state, ver, model, "get")) is not None:
        return missing
    with state.lock:
        state.bump("models_get")
        return json_response(copy.deepcopy(listed_model(state.config, model)))


@keyed
def list_models(state: FakeState, request: Request) -> Response:
    """models.list: pageSize (default 50, at most 1000) and an opaque pageToken."""
    raw = request.args.get("pageSize") or "0"
    if not re.fullmatch(r"-?\d+", raw):
        return error_response(400, f"Invalid value at 'page_size' (TYPE_INT32), \"{raw}\"")
    size = int(raw)
    size = min(size, MODELS_MAX_PAGE_SIZE) if size > 0 else MODELS_PAGE_SIZE
    start = _page_offset(request.args.get("pageToken") or "")
    if start is None:
        return error_response(400, "Invalid page token.")
    with state.lock:
        state.bump("models_list")
        listed = copy.deepcopy(state.config["models"])  # unknown_models too: listed, refused
    body: dict[str, Any] = {"models": listed[start : start + size]}
    if start + size < len(listed):
        body["nextPageToken"] = _page_token(start + size)
    return json_response(body)


def _page_token(offset: int) -> str:
    """An opaque models.list page token for the item at ``offset``."""
    return base64.urlsafe_b64encode(f"models:{offset}".encode()).decode().rstrip("=")


def _page_offset(token: str) -> int | None:
    """The offset a models.list page token stands for (0 for none; None if invalid)."""
    if not token:
        return 0
    try:
        decoded = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    match = re.fullmatch(r"models:(\d+)", decoded)
    return int(match.group(1)) if match else None
