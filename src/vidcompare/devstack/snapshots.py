"""Saving the local stack's data and finding it again.

Firestore: each snapshot is an export of the emulator into a directory of its own
(``data/firestore/exports/<ns>/``), and ``latest.json`` points at the newest complete
one; the last few are kept, and a start falls back to an older one when the newest
cannot be imported. Storage: the emulator keeps objects on disk but rewrites its index
(``.meta``) in place, so a snapshot also keeps a copy of the index, restored at start
when the live one is broken.
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx

from vidcompare.devstack.processes import write_private

log = logging.getLogger(__name__)

KEEP_EXPORTS = 3
EXPORT_TIMEOUT_S = 60.0
STORAGE_INDEX = Path("storage") / ".cloudstorage" / ".meta"


class SnapshotError(RuntimeError):
    pass


def export_firestore(
    data_dir: Path, *, port: int, project: str, timeout: float = EXPORT_TIMEOUT_S
) -> Path:
    """Export Firestore into a new directory; point ``latest.json`` at it; keep the last
    few. Returns the export's metadata file."""
    exports = data_dir / "firestore" / "exports"
    target = exports / str(time.time_ns())
    target.mkdir(parents=True)
    try:
        answer = httpx.post(
            f"http://127.0.0.1:{port}/emulator/v1/projects/{project}:export",
            json={
                "database": f"projects/{project}/databases/(default)",
                "export_directory": str(target),
            },
            timeout=timeout,
        )
        if answer.status_code != 200:
            raise SnapshotError(f"the Firestore export failed: {answer.status_code} {answer.text}")
        metadata = next(target.rglob("*.overall_export_metadata"), None)
        if metadata is None:
            raise SnapshotError(f"the Firestore export wrote no metadata in {target}")
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    write_private(
        data_dir / "firestore" / "latest.json",
        json.dumps({"metadata": str(metadata), "at": time.time()}),
    )
    for old in sorted(exports.iterdir(), key=lambda p: p.name)[:-KEEP_EXPORTS]:
        shutil.rmtree(old, ignore_errors=True)
    return metadata


def exports_newest_first(data_dir: Path) -> list[Path]:
    """The metadata files of the complete exports, the one ``latest.json`` names first."""
    exports = data_dir / "firestore" / "exports"
    folders = (
        sorted(exports.iterdir(), key=lambda p: p.name, reverse=True) if exports.is_dir() else []
    )
    found = [m for folder in folders for m in folder.rglob("*.overall_export_metadata")]
    latest = latest_export(data_dir)
    return ([latest] if latest else []) + [m for m in found if m != latest]


def latest_export(data_dir: Path) -> Path | None:
    pointer = data_dir / "firestore" / "latest.json"
    try:
        metadata = Path(json.loads(pointer.read_text())["metadata"])
    except (OSError, ValueError, KeyError):
        return None
    return metadata if metadata.exists() else None


def saved_at(data_dir: Path) -> float | None:
    """When Firestore was last saved (seconds since the epoch)."""
    pointer = data_dir / "firestore" / "latest.json"
    try:
        return float(json.loads(pointer.read_text())["at"])
    except (OSError, ValueError, KeyError):
        return None


def keep_storage_index(data_dir: Path) -> None:
    """A copy of the storage emulator's index, if the live one reads as JSON."""
    index = data_dir / STORAGE_INDEX
    try:
        text = index.read_text()
        json.loads(text)
    except (OSError, ValueError):
        return
    write_private(index.with_name(".meta.bak"), text)


def mend_storage_index(data_dir: Path) -> bool:
    """Before the storage emulator starts: a broken index (cut by a crash mid-write) is
    replaced by its last good copy. True when it was."""
    index = data_dir / STORAGE_INDEX
    backup = index.with_name(".meta.bak")
    if not index.exists():
        return False
    try:
        json.loads(index.read_text())
        return False
    except ValueError:
        if not backup.exists():
            log.error("the storage index %s is broken and there is no copy of it", index)
            return False
        shutil.copyfile(backup, index)
        log.warning("the storage index was broken (a crash mid-write); restored its last copy")
        return True


def relink_storage_index(data_dir: Path, base_url: str) -> int:
    """Before the storage emulator starts on ``base_url``: point every object's stored
    ``mediaLink`` at it. The emulator writes the link with the host and port it had at
    upload, and google-cloud-storage downloads from that link once it has read an
    object's metadata: after a start on another port, every read of an older video would
    retry against a dead port until its deadline. The number of links changed."""
    index = data_dir / STORAGE_INDEX
    try:
        meta = json.loads(index.read_text())
    except (OSError, ValueError):
        return 0  # nothing yet, or broken beyond what mend_storage_index could do
    base = urlsplit(base_url)
    changed = 0
    for objects in meta.get("objects", {}).values():
        for obj in objects.values():
            link = urlsplit(obj.get("mediaLink") or "")
            if link.netloc and (link.scheme, link.netloc) != (base.scheme, base.netloc):
                obj["mediaLink"] = urlunsplit(link._replace(scheme=base.scheme, netloc=base.netloc))
                changed += 1
    if changed:
        write_private(index, json.dumps(meta, indent=2))
        log.info("pointed %d stored media links at %s", changed, base_url)
    return changed
