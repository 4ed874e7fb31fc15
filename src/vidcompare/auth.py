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

import flask

from vidcompare.config import settings
from vidcompare.errors import PermissionDenied, Unauthenticated

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
    # Behind API Gateway the caller's own token arrives here; the gateway's replaces it.
    authorization = request.headers.get("X-Forwarded-Authorization") or request.headers.get(
        "Authorization", ""
    )
    if authorization.startswith("Bearer "):
        return _id_token_owner(authorization.removeprefix("Bearer ").strip())
    raise Unauthenticated("send an API key in X-API-Key or a Google ID token as a Bearer token")


def _id_token_owner(token: str) -> str:
    from google.auth.transport import requests as google_requests
    from google.oauth2 import id_token

    try:
        claims = id_token.verify_oauth2_token(
            token, google_requests.Request(), audience=settings().id_token_audiences
        )
    except ValueError as exc:
        raise Unauthenticated(f"the ID token is not valid: {exc}") from None
    if not claims.get("email_verified") or not claims.get("email"):
        raise Unauthenticated("the ID token carries no verified email")
    return claims["email"]


def require_admin(owner: str) -> None:
    config = settings()
    if config.auth and owner not in config.admins:
        raise PermissionDenied("only an admin (VIDCOMPARE_ADMINS) may call this")
