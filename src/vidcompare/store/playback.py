"""Playback grants: ``playback_grants/{sha256(token)}``, who may stream which video until
when. Only the token's hash is stored, so a leaked database read grants nothing."""

from __future__ import annotations

import datetime as dt
import hashlib

from google.cloud import firestore

from vidcompare.gcp import firestore_client

PLAYBACK_GRANTS = "playback_grants"


def _grant_ref(token: str) -> firestore.DocumentReference:
    key = hashlib.sha256(token.encode()).hexdigest()
    return firestore_client().collection(PLAYBACK_GRANTS).document(key)


def create_grant(token: str, *, video_id: str, owner: str | None, expires_at: dt.datetime) -> None:
    # expire_at: Firestore's TTL policy deletes the grant a day after it stops working.
    _grant_ref(token).set(
        {
            "video_id": video_id,
            "owner": owner,
            "expires_at": expires_at,
            "expire_at": expires_at + dt.timedelta(days=1),
        }
    )


def granted_video(token: str, *, now: dt.datetime) -> tuple[str, str | None] | None:
    """(video id, owner) the token grants now; None for an unknown or expired token."""
    snapshot = _grant_ref(token).get()
    if not snapshot.exists:
        return None
    grant = snapshot.to_dict()
    if grant["expires_at"] <= now:
        return None
    return grant["video_id"], grant.get("owner")
