"""API keys: which the fake accepts (config ``valid_keys``, ``bad_keys``) and the real API's
answers to a missing, invalid or suspended one."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec

from werkzeug.wrappers import Request, Response

from vidcompare.testing.fake_gemini.wire import error_response

if TYPE_CHECKING:
    from vidcompare.testing.fake_gemini.state import FakeState

API_KEY_INVALID_MESSAGE = "API key not valid. Please pass a valid API key."
UNREGISTERED_CALLER_MESSAGE = (
    "Method doesn't allow unregistered callers (callers without established identity). "
    "Please use API Key or other form of API consumer identity to call this API."
)

P = ParamSpec("P")
Handler = Callable[Concatenate["FakeState", Request, P], Response]


def api_key(request: Request) -> str | None:
    return request.headers.get("x-goog-api-key") or request.args.get("key")


def check_key(state: FakeState, key: str | None) -> Response | None:
    """The error answer for an API key the fake refuses, or None."""
    if not key:
        return error_response(403, UNREGISTERED_CALLER_MESSAGE, "PERMISSION_DENIED")
    with state.lock:
        valid, bad = state.config["valid_keys"], state.config["bad_keys"]
        status = state.config["bad_key_status"]
    if key not in bad and (valid is None or key in valid):
        return None
    if status == 403:
        return error_response(
            403,
            f"Permission denied: Consumer 'api_key:{key}' has been suspended.",
            "PERMISSION_DENIED",
            [_error_info("CONSUMER_SUSPENDED", consumer="projects/fake-gemini")],
        )
    return error_response(
        400,
        API_KEY_INVALID_MESSAGE,
        "INVALID_ARGUMENT",
        [
            _error_info("API_KEY_INVALID"),
            {
                "@type": "type.googleapis.com/google.rpc.LocalizedMessage",
                "locale": "en-US",
                "message": API_KEY_INVALID_MESSAGE,
            },
        ],
    )


def keyed(handler: Handler[P]) -> Handler[P]:
    """A handler that answers only a request with an accepted API key."""

    @functools.wraps(handler)
    def checked(state: FakeState, request: Request, *args: P.args, **kw: P.kwargs) -> Response:
        if (denied := check_key(state, api_key(request))) is not None:
            return denied
        return handler(state, request, *args, **kw)

    return checked


def _error_info(reason: str, **metadata: Any) -> dict[str, Any]:
    return {
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        "reason": reason,
        "domain": "googleapis.com",
        "metadata": {"service": "generativelanguage.googleapis.com", **metadata},
    }
