"""The local Cloud Storage emulator: gcp-storage-emulator with streaming uploads and reads.

``python -m vidcompare.devstack.storage_emulator --host=127.0.0.1 --port=PORT`` runs
gcp-storage-emulator's own server (data on disk under ``STORAGE_BASE``) with these parts
of it replaced, because each one holds whole objects in memory or is laxer than Cloud
Storage, and vidcompare uploads and probes videos of a gigabyte:

- ``handlers.objects._create_resumable_upload`` and ``upload_partial`` -> ``uploads``:
  upstream re-reads and rewrites the whole partial file on every chunk (O(n^2) I/O, the
  object in RAM) and finalizes from memory; it ignores X-Upload-Content-Length and lets a
  chunk start anywhere. Here a chunk is read from the socket in blocks and appended to a
  spool file, offsets and the declared size are enforced as GCS does, finalize hashes the
  spool by streaming it and renames it into place, and sessions (with the Origin of the
  initiating POST, and ifGenerationMatch) are kept on disk, so they survive a restart;
- ``handlers.objects.download`` -> ``files.download``: upstream reads the whole object
  even for a 1 MiB range; here only the range is read, and sent in blocks
  (``bytes=a-b``, ``a-``, ``-n``; 416 when unsatisfiable);
- ``handlers.objects._copy`` (copyTo, batch) and ``rewrite`` -> ``files``: a file copy on
  disk instead of the object in memory, same JSON answers;
- ``handlers.objects._delete`` -> ``files.delete_object``: upstream's soft delete reads
  the object and writes a copy of it; here the file is renamed aside;
- ``server.Response`` and ``server.RequestHandler`` -> ``wire``: answers that stream a
  file, CORS headers (none upstream) for the session's origin or the bucket's ``cors``
  rules, ``OPTIONS`` preflights, and a socket timeout so a vanished client cannot hold
  the single-threaded server.

``install()`` patches the functions before ``gcp_storage_emulator.server`` is imported:
its HANDLERS table captures them at import. The replacements use a few private parts
of the package (``Storage._store``, ``_write_config_to_file``), so it is pinned.
"""

from __future__ import annotations

import sys
from importlib import metadata

PINNED_VERSION = "2026.7.19"


class WrongVersion(RuntimeError):
    pass


def check_version() -> None:
    """Raise WrongVersion unless the pinned gcp-storage-emulator is installed."""
    try:
        installed = metadata.version("gcp-storage-emulator")
    except metadata.PackageNotFoundError:
        installed = None
    if installed != PINNED_VERSION:
        raise WrongVersion(
            f"vidcompare's storage emulator patches gcp-storage-emulator {PINNED_VERSION}, "
            f"but {installed or 'no version'} is installed: "
            f"pip install 'gcp-storage-emulator=={PINNED_VERSION}'"
        )


def install() -> None:
    """Put the replacements in place; before ``gcp_storage_emulator.server`` is imported."""
    check_version()
    from gcp_storage_emulator.handlers import objects

    from vidcompare.devstack.storage_emulator import files, uploads

    if objects.upload_partial is uploads.upload_partial:
        return
    if "gcp_storage_emulator.server" in sys.modules:
        raise RuntimeError("install() must run before gcp_storage_emulator.server is imported")
    objects._create_resumable_upload = uploads.initiate
    objects.upload_partial = uploads.upload_partial
    objects.download = files.download
    objects._copy = files.copy_object
    objects.rewrite = files.rewrite
    objects._delete = files.delete_object

    from gcp_storage_emulator import server

    from vidcompare.devstack.storage_emulator import wire

    server.Response = wire.Response
    server.RequestHandler = wire.RequestHandler
