"""Who is calling: an API key (``X-API-Key``) or a Google ID token, or nobody.

With ``VIDCOMPARE_AUTH=on`` every API route needs one of them and answers 401
otherwise; the caller becomes the ``owner`` of what they create, and sees only their
own jobs and videos (another owner's answer 404, as if they did not exist). Only the
SHA-256 of API keys is configured (``VIDCOMPARE_API_KEYS=owner=hash,...``); a Google ID
token's verified email is its owner. With auth off (the local default) everyone is
the owner ``local``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time

import flask
import httpx

from vidcompare.config import settings
from vidcompare.errors import PermissionDenied, RetryLater, Unauthenticated

LOCAL_OWNER = "local"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> tuple[str, str]:
    """A fresh API key and the hash to configure for it."""
    key = "vc_" + secrets.token_urlsafe(32)
    return key, hash_key(key)


def caller(request: flask.Request) -> str:
    config = settings()
    if not config.auth:
        return LOCAL_OWNER
    key = request.headers.get("X-API-Key")
    if key:
        digest = hash_key(key)
        for known, owner in config.api_keys.items():
            if hmac.compare_digest(known, digest):
                return owner
        raise Unauthenticated("the API key is not valid")
    # Behind API Gateway the caller's own token arrives forwarded (the gateway's replaces
    # it in Authorization) and names what the gateway's document says; a direct call's
    # token (Cloud Scheduler's) names the function's own URL: two lists, never merged.
    forwarded = request.headers.get("X-Forwarded-Authorization")
    authorization = forwarded or request.headers.get("Authorization", "")
    audiences = config.id_token_audiences if forwarded else config.direct_id_token_audiences
    if authorization.startswith("Bearer "):
        return _id_token_owner(authorization.removeprefix("Bearer ").strip(), audiences)
    raise Unauthenticated("send an API key in X-API-Key or a Google ID token as a Bearer token")


# Google's public keys for ID tokens: fetched at most once an hour per instance, within
# a few seconds, and only for a token that is well formed.
CERTS_FOR_S = 3600.0
CERTS_TIMEOUT_S = 5.0
GOOGLE_ISSUERS = ("accounts.google.com", "https://accounts.google.com")
_certs: dict[str, str] = {}
_certs_at = 0.0
_certs_lock = threading.Lock()


def _google_certs() -> dict[str, str]:
    """Google's certificates, cached; stale ones serve while Google cannot be reached,
    and with none at all the token cannot be checked now (503, not 500)."""
    global _certs, _certs_at
    with _certs_lock:
        if _certs and time.monotonic() - _certs_at < CERTS_FOR_S:
            return _certs
        try:
            answer = httpx.get(settings().google_certs_url, timeout=CERTS_TIMEOUT_S)
            answer.raise_for_status()
            _certs, _certs_at = dict(answer.json()), time.monotonic()
        except (httpx.HTTPError, ValueError) as exc:
            if _certs:
                return _certs
            raise RetryLater(
                "the ID token cannot be checked now (Google's certificates are out of reach: "
                f"{type(exc).__name__}); try again, or use an API key",
                retry_after_s=30,
            ) from None
        return _certs


def _id_token_owner(token: str, audiences: tuple[str, ...] | None) -> str:
    from google.auth import jwt

    try:  # a token that is not even well formed costs no request to Google
        header = jwt.decode_header(token)
    except (ValueError, TypeError):
        raise Unauthenticated("the ID token is not valid: it is not a JWT") from None
    if header.get("alg") != "RS256" or not header.get("kid"):
        raise Unauthenticated("the ID token is not valid: not signed by Google (RS256)")
    try:
        claims = jwt.decode(
            token,
            certs=_google_certs(),
            audience=audiences,
            clock_skew_in_seconds=10,
        )
    except ValueError as exc:
        raise Unauthenticated(f"the ID token is not valid: {exc}") from None
    if claims.get("iss") not in GOOGLE_ISSUERS:
        raise Unauthenticated("the ID token is not valid: not issued by Google")
    if not claims.get("email_verified") or not claims.get("email"):
        raise Unauthenticated("the ID token carries no verified email")
    return claims["email"]


def require_admin(owner: str) -> None:
    config = settings()
    if config.auth and owner not in config.admins:
        raise PermissionDenied("only an admin (VIDCOMPARE_ADMINS) may call this")
