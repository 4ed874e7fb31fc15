"""The client side of a resumable upload: bytes sent straight to a Cloud Storage session.

The API hands out a session URL (``POST /api/uploads``); this module sends the file to
it in chunks with ``Content-Range``, asks the session how much it holds after a dropped
connection (``Content-Range: bytes */SIZE`` → ``308`` + ``Range``) and goes on from
there. The session URL is the only credential the bytes need, so the API key is never
sent to it. A :class:`Journal` on disk remembers open sessions, so that a killed upload
run again resumes where the session stands instead of starting over.

google-resumable-media speaks the same protocol but cannot adopt a session URL that
another process created, which is exactly what resuming across runs needs.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx

from vidcompare.config import tool_settings

# (bytes the session holds, the file's size)
UploadProgress = Callable[[int, int], object]
HASH_BLOCK_BYTES = 8 * 1024 * 1024
# A dropped connection is retried with backoff this long before the upload gives up
# (run it again later: the session is kept and resumes).
GIVE_UP_AFTER_S = 300.0
MAX_BACKOFF_S = 30.0
RETRIED_STATUSES = {408, 429, 500, 502, 503, 504}


class SessionGone(Exception):
    """The session no longer exists (404/410): the upload starts over."""


class SendFailed(Exception):
    """The session refused the bytes (a 4xx other than gone), or stayed unreachable."""


def file_sha256(path: Path) -> str:
    hasher = hashlib.sha256()
    with path.open("rb") as stream:
        while block := stream.read(HASH_BLOCK_BYTES):
            hasher.update(block)
    return hasher.hexdigest()


@dataclass
class OpenUpload:
    """A session this machine started for one file, as the journal keeps it."""

    upload_id: str
    upload_url: str
    size_bytes: int
    chunk_bytes: int


class Journal:
    """Open sessions by (API base URL, absolute path, size, mtime): a file changed since
    is a new upload. One small JSON file per session under ``directory``."""

    def __init__(self, directory: Path | None = None) -> None:
        # Beside the local stack's state (VIDCOMPARE_STATE_DIR, else XDG_STATE_HOME).
        self.directory = directory or tool_settings().state_dir / "uploads"

    def _entry(self, base_url: str, path: Path) -> Path:
        stat = path.stat()
        key = f"{base_url}\n{path.resolve()}\n{stat.st_size}\n{stat.st_mtime_ns}"
        return self.directory / f"{hashlib.sha256(key.encode()).hexdigest()[:32]}.json"

    def find(self, base_url: str, path: Path) -> OpenUpload | None:
        try:
            return OpenUpload(**json.loads(self._entry(base_url, path).read_text()))
        except (OSError, ValueError, TypeError):
            return None

    def remember(self, base_url: str, path: Path, upload: OpenUpload) -> None:
        entry = self._entry(base_url, path)
        entry.parent.mkdir(parents=True, exist_ok=True)
        partial = entry.with_suffix(".part")
        partial.write_text(json.dumps(asdict(upload)))
        partial.replace(entry)  # whole or not at all: a kill mid-write leaves the old one

    def forget(self, base_url: str, path: Path) -> None:
        self._entry(base_url, path).unlink(missing_ok=True)


class SessionSender:
    """Sends one file to one session, resuming after every dropped connection."""

    def __init__(
        self,
        http: httpx.Client,
        upload: OpenUpload,
        path: Path,
        *,
        progress: UploadProgress | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.http, self.upload, self.path = http, upload, path
        self.progress = progress or (lambda sent, total: None)
        self.sleep = sleep

    def held(self) -> int | None:
        """How many bytes the session holds; None once it holds them all (complete)."""
        answer = self._put(b"", f"bytes */{self.upload.size_bytes}")
        return _held_bytes(answer)

    def send(self, *, fresh: bool = False) -> None:
        """Send what the session lacks, chunk by chunk, until it is complete. A ``fresh``
        session holds nothing yet; any other is asked first where it stands."""
        size, chunk_bytes = self.upload.size_bytes, self.upload.chunk_bytes
        offset: int | None = 0 if fresh else self.held()
        with self.path.open("rb") as stream:
            while offset is not None:
                self.progress(offset, size)
                stream.seek(offset)
                chunk = stream.read(chunk_bytes)
                end = offset + len(chunk) - 1
                offset = _held_bytes(self._put(chunk, f"bytes {offset}-{end}/{size}"))
        self.progress(size, size)

    def _put(self, body: bytes, content_range: str) -> httpx.Response:
        """One request to the session, tried again with backoff while the network or
        the service fails; a chunk that failed is followed by a status query, since the
        session may hold part of it."""
        started, attempt = time.monotonic(), 0
        while True:
            try:
                answer = self.http.put(
                    self.upload.upload_url,
                    content=body,
                    headers={"Content-Range": content_range},
                )
            except httpx.TransportError as exc:
                failure = f"{type(exc).__name__}: {exc}"
            else:
                if answer.status_code in (404, 410):
                    raise SessionGone(f"the upload session is gone ({answer.status_code})")
                if answer.status_code not in RETRIED_STATUSES:
                    if answer.status_code >= 400:
                        raise SendFailed(
                            f"Cloud Storage refused the upload ({answer.status_code}): "
                            f"{answer.text[:300]}"
                        )
                    return answer
                failure = f"HTTP {answer.status_code}"
            if time.monotonic() - started > GIVE_UP_AFTER_S:
                raise SendFailed(f"the upload stalled for {GIVE_UP_AFTER_S:.0f} s ({failure})")
            self.sleep(min(MAX_BACKOFF_S, 2**attempt) * random.uniform(0.5, 1.0))
            attempt += 1
            if body:  # resend from where the session stands, not from this chunk
                return self._put(b"", f"bytes */{self.upload.size_bytes}")


def _held_bytes(answer: httpx.Response) -> int | None:
    """308: the bytes persisted (``Range: bytes=0-LAST``, none without it); 200/201:
    complete (None)."""
    if answer.status_code in (200, 201):
        return None
    if answer.status_code != 308:
        raise SendFailed(f"unexpected answer from the upload session: {answer.status_code}")
    found = re.fullmatch(r"bytes=0-(\d+)", answer.headers.get("Range", ""))
    return int(found[1]) + 1 if found else 0
