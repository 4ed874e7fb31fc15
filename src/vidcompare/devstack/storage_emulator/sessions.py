"""Resumable-upload sessions on disk: a small JSON record and a spool file each.

The spool's size IS the persisted byte count (nothing else to keep in step), and both
files live under the emulator's data directory, so a session survives a restart.
``_sessions`` cannot clash with a bucket: bucket names never start with ``_``.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from gcp_storage_emulator.settings import STORAGE_DIR

# GCS: "a resumable upload session URI expires after one week".
SESSION_LIFETIME_S = 7 * 24 * 3600
_SESSION_ID = re.compile(r"[0-9a-f]{32}")


@dataclass
class Session:
    id: str
    bucket: str
    name: str
    resource: dict[str, Any]  # the object resource to create (metadata from the POST)
    declared_size: int | None  # X-Upload-Content-Length of the initiating POST
    origin: str | None  # Origin of the initiating POST: the one CORS allows on the URL
    if_generation_match: str | None
    created: float
    complete: dict[str, Any] | None = None  # the object once finalized


class SessionStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    @classmethod
    def of(cls, storage: Any) -> SessionStore:
        """The sessions of a gcp-storage-emulator ``Storage`` (disk mode)."""
        return cls(Path(storage.get_storage_base()) / STORAGE_DIR / "_sessions")

    def create(self, **fields: Any) -> Session:
        session = Session(id=secrets.token_hex(16), created=time.time(), **fields)
        self.root.mkdir(parents=True, exist_ok=True)
        self.spool(session.id).touch()
        self.save(session)
        return session

    def load(self, session_id: str) -> Session | None:
        """The session, or None when the id is unknown, malformed or expired."""
        if not _SESSION_ID.fullmatch(session_id):
            return None
        try:
            session = Session(**json.loads(self._record(session_id).read_text()))
        except (OSError, ValueError, TypeError):
            return None
        if time.time() - session.created > SESSION_LIFETIME_S:
            self.forget(session)
            return None
        return session

    def save(self, session: Session) -> None:
        """Write the record in one piece (a crash leaves the old or the new one)."""
        record = self._record(session.id)
        temporary = record.with_suffix(".tmp")
        temporary.write_text(json.dumps(asdict(session)))
        temporary.replace(record)

    def forget(self, session: Session) -> None:
        for path in (self._record(session.id), self.spool(session.id)):
            path.unlink(missing_ok=True)

    def spool(self, session_id: str) -> Path:
        return self.root / f"{session_id}.part"

    def persisted(self, session: Session) -> int:
        try:
            return os.path.getsize(self.spool(session.id))
        except FileNotFoundError:
            return 0

    def _record(self, session_id: str) -> Path:
        return self.root / f"{session_id}.json"
