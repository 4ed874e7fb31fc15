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
    ├── TooManyRequests       429
    ├── LeaseHeld             503   another live worker holds a combination (retry later)
    └── ModelError            502   a model call failed; stored as that model's error
        ├── TransientModelError     429/5xx/timeouts: retried, then stored as data
        ├── ModelRefusal            blocked prompt, SAFETY/RECITATION/... stop: not retried
        └── PermanentModelError     bad key, permission, model gone: fails the job

Every HTTP answer that is an error is ``{"error": {"code", "message", "details"}}``,
produced by :meth:`VidcompareError.to_body` and nowhere else.
"""

from __future__ import annotations

from typing import Any


class VidcompareError(Exception):
    http_status: int = 500
    code: str = "INTERNAL"

    def __init__(self, message: str, *, details: list[dict[str, Any]] | None = None):
        super().__init__(message)
        self.message = message
        self.details = details or []

    def to_body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


class InvalidRequest(VidcompareError):
    http_status = 400
    code = "INVALID_ARGUMENT"

    @classmethod
    def for_field(cls, field: str, message: str) -> InvalidRequest:
        return cls(f"{field}: {message}", details=[{"field": field, "message": message}])


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


class TooManyRequests(VidcompareError):
    http_status = 429
    code = "RESOURCE_EXHAUSTED"


class LeaseHeld(VidcompareError):
    """Another live worker holds this combination; the message must be redelivered later."""

    http_status = 503
    code = "UNAVAILABLE"


class ModelError(VidcompareError):
    http_status = 502
    code = "MODEL_ERROR"


class TransientModelError(ModelError):
    """Worth retrying: rate limits, server errors, timeouts."""

    code = "MODEL_TRANSIENT"

    def __init__(self, message: str, *, retry_after_s: float | None = None, **kwargs: Any):
        super().__init__(message, **kwargs)
        self.retry_after_s = retry_after_s


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
        self.usage: Any = None  # what the refused call counted, when the provider says


class PermanentModelError(ModelError):
    """Will never heal for any combination (bad key, permission, model gone): the job
    fails at once. What concerns one video or prompt is a plain :class:`ModelError`."""

    code = "MODEL_PERMANENT"
