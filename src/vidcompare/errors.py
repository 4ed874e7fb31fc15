"""The one error tree of vidcompare, and the one JSON error body.

::

    VidcompareError                 code, http_status, message, details
    ├── InvalidRequest        400   a field is wrong (details name it)
    ├── Unauthenticated       401
    ├── PermissionDenied      403
    ├── NotFound              404
    ├── MethodNotAllowed      405
    ├── Conflict              409   e.g. cancelling a finished job
    ├── PayloadTooLarge       413
    ├── UnsupportedMediaType  415
    ├── RangeNotSatisfiable   416   a byte range past a video's end
    ├── HeadersTooLarge       431
    ├── RetryLater            503   not now: the message is redelivered later
    │   ├── LeaseHeld               another live worker holds the combination
    │   └── VideoNotReady           the provider is still taking the video in
    └── ModelError            502   a model call failed; stored as that model's error
        ├── TransientModelError     429/5xx/timeouts: retried, then stored as data
        ├── ModelRefusal            blocked prompt, SAFETY/RECITATION/... stop: not retried
        ├── MalformedVerdict        a judge's output with nothing usable in it
        └── PermanentModelError     bad key, permission, model gone: fails the job
            ├── ProviderNotConfigured   no key or project for the provider
            └── CredentialsRefused      the key or project was refused

Every HTTP answer that is an error is an :class:`ErrorBody`,
``{"error": {"code", "message", "details"}}``: the functions and the local gateway write
it with :meth:`VidcompareError.body_json`, and the OpenAPI document gives its schema for
every 4xx and 5xx answer.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Self

from pydantic import BaseModel


class ErrorInfo(BaseModel):
    code: str  # e.g. "INVALID_ARGUMENT"; the class of the error, stable for clients
    message: str
    details: list[dict[str, Any]]  # e.g. {"field", "message"} for each wrong field


class ErrorBody(BaseModel):
    """The JSON body of every error answer."""

    error: ErrorInfo


class VidcompareError(Exception):
    http_status: int = 500
    code: str = "INTERNAL"

    def __init__(self, message: str, *, details: list[dict[str, Any]] | None = None):
        super().__init__(message)
        self.message = message
        self.details = details or []

    @classmethod
    def for_field(cls, field: str, message: str) -> Self:
        """This error about one field of the request, named in its message and details."""
        return cls(f"{field}: {message}", details=[{"field": field, "message": message}])

    def body(self) -> ErrorBody:
        return ErrorBody(
            error=ErrorInfo(code=self.code, message=self.message, details=self.details)
        )

    def response_headers(self) -> dict[str, str]:
        """Headers the error answer carries besides its body (e.g. ``Retry-After``)."""
        return {}

    def body_json(self) -> str:
        # json.dumps, not model_dump_json: the same bytes the API has always sent.
        return json.dumps(self.body().model_dump(mode="json"))


class InvalidRequest(VidcompareError):
    http_status = 400
    code = "INVALID_ARGUMENT"


class Unauthenticated(VidcompareError):
    http_status = 401
    code = "UNAUTHENTICATED"


class PermissionDenied(VidcompareError):
    http_status = 403
    code = "PERMISSION_DENIED"


class NotFound(VidcompareError):
    http_status = 404
    code = "NOT_FOUND"


class MethodNotAllowed(VidcompareError):
    http_status = 405
    code = "METHOD_NOT_ALLOWED"


class Conflict(VidcompareError):
    http_status = 409
    code = "FAILED_PRECONDITION"


class PayloadTooLarge(VidcompareError):
    http_status = 413
    code = "PAYLOAD_TOO_LARGE"


class UnsupportedMediaType(VidcompareError):
    http_status = 415
    code = "UNSUPPORTED_MEDIA_TYPE"


class RangeNotSatisfiable(VidcompareError):
    http_status = 416
    code = "OUT_OF_RANGE"

    def __init__(self, message: str, *, size: int, **kwargs: Any):
        super().__init__(message, **kwargs)
        self.size = size

    def response_headers(self) -> dict[str, str]:
        return {"Content-Range": f"bytes */{self.size}"}


class HeadersTooLarge(VidcompareError):
    http_status = 431
    code = "REQUEST_HEADER_FIELDS_TOO_LARGE"


class RetryLater(VidcompareError):
    """Not now: the function answers 503 (with ``Retry-After`` when known) and Pub/Sub
    redelivers the message later, or the client asks again."""

    http_status = 503
    code = "UNAVAILABLE"

    def __init__(self, message: str, *, retry_after_s: int | None = None, **kwargs: Any):
        super().__init__(message, **kwargs)
        self.retry_after_s = retry_after_s

    def response_headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after_s)} if self.retry_after_s else {}


class LeaseHeld(RetryLater):
    """Another worker holds this combination until ``expires_at`` (``expires_in_s`` from
    when it was read), unless it renews its lease."""

    def __init__(
        self, message: str, *, expires_at: dt.datetime, expires_in_s: float, **kwargs: Any
    ):
        super().__init__(message, **kwargs)
        self.expires_at, self.expires_in_s = expires_at, expires_in_s


class VideoNotReady(RetryLater):
    """The provider is still taking the video in (uploading, PROCESSING): the combination
    is released and runs again when its message comes back."""


class ModelError(VidcompareError):
    http_status = 502
    code = "MODEL_ERROR"

    def __init__(self, message: str, *, usage: Any = None, **kwargs: Any):
        super().__init__(message, **kwargs)
        self.usage = usage  # a schemas.Usage: what the failed call still counted, if known


class TransientModelError(ModelError):
    """Worth retrying: rate limits, server errors, timeouts."""

    code = "MODEL_TRANSIENT"

    def __init__(self, message: str, *, retry_after_s: float | None = None, **kwargs: Any):
        super().__init__(message, **kwargs)
        self.retry_after_s = retry_after_s


class MalformedVerdict(ModelError):
    """A judge's output in which not one answer got a usable verdict."""


class ModelRefusal(ModelError):
    """The model answered, but refused: a blocked prompt (``block_reason``) or an answer
    stopped for SAFETY, RECITATION, ... (``finish_reason``). Asking again would not help."""

    code = "MODEL_REFUSED"

    def __init__(
        self,
        message: str,
        *,
        finish_reason: str | None = None,
        block_reason: str | None = None,
        **kwargs: Any,
    ):
        super().__init__(message, **kwargs)
        self.finish_reason = finish_reason
        self.block_reason = block_reason


class PermanentModelError(ModelError):
    """Will never heal for any combination (bad key, permission, model gone): the job
    fails at once. What concerns one video or prompt is a plain :class:`ModelError`."""

    code = "MODEL_PERMANENT"


class ProviderNotConfigured(PermanentModelError):
    """Neither an API key nor a project is set for the provider."""


class CredentialsRefused(PermanentModelError):
    """The provider refused the key or the project: no call of any model can succeed."""
