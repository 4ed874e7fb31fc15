"""Objects as files: read a range, copy, move into place, delete, without holding them.

The upstream handlers read a whole object into memory to serve a ranged GET, to copy
it, and (its soft delete) to delete it; these go by the file on disk instead and keep
the emulator's index (``Storage.objects`` and ``.meta``) exactly as upstream writes it.
"""

from __future__ import annotations

import datetime
import os
import re
import shutil
from copy import deepcopy
from http import HTTPStatus
from pathlib import Path
from typing import Any

from gcp_storage_emulator.exceptions import NotFound
from gcp_storage_emulator.handlers import objects

_RANGE = re.compile(r"\s*bytes=(?:(?P<start>\d+)-(?P<end>\d*)|-(?P<suffix>\d+))\s*")
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def error(response: Any, status: HTTPStatus, message: str) -> None:
    """The JSON API's error body."""
    body = deepcopy(objects.NOT_FOUND if status == HTTPStatus.NOT_FOUND else objects.BAD_REQUEST)
    body["error"]["code"] = status.value
    body["error"]["message"] = body["error"]["errors"][0]["message"] = message
    if status == HTTPStatus.PRECONDITION_FAILED:
        body["error"]["errors"][0]["reason"] = "conditionNotMet"
    response.status = status
    response.json(body)


def object_file(storage: Any, bucket: str, name: str) -> Path:
    return storage._store._disk_path(storage._object_path(bucket, name))


def generation_matches(storage: Any, bucket: str, name: str, wanted: str | None) -> bool:
    """``ifGenerationMatch``: "0" means the object must not exist yet."""
    if wanted is None:
        return True
    current = (storage.objects.get(bucket) or {}).get(name)
    return wanted == (current["generation"] if current else "0")


def move_into_place(
    storage: Any, source: Path, bucket: str, name: str, resource: dict[str, Any]
) -> None:
    """Rename ``source`` to be the object's bytes and index it (as ``create_file``)."""
    target = object_file(storage, bucket, name)
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(source, target)
    storage.objects.setdefault(bucket, {})[name] = resource
    storage._write_config_to_file()


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """(start, length) of ``Range: bytes=a-b | a- | -n``; None to send the whole object
    (no header, or one we ignore as HTTP allows: several ranges, b < a). ValueError when
    it cannot be satisfied."""
    match = _RANGE.fullmatch(header or "")
    if match is None:
        return None
    if match["suffix"] is not None:
        count = int(match["suffix"])
        if count == 0 or size == 0:
            raise ValueError
        return max(0, size - count), min(count, size)
    start = int(match["start"])
    end = int(match["end"]) if match["end"] else None
    if end is not None and end < start:
        return None
    if start >= size:
        raise ValueError
    return start, min(size - 1 if end is None else end, size - 1) - start + 1


def download(request: Any, response: Any, storage: Any, *args: Any, **kwargs: Any) -> None:
    """``alt=media``: only the asked range is read, in blocks, straight to the socket."""
    bucket, name = request.params["bucket_name"], request.params["object_id"]
    try:
        obj = storage.get_file_obj(bucket, name)
        path = object_file(storage, bucket, name)
        size = os.path.getsize(path)
    except (NotFound, OSError):
        error(response, HTTPStatus.NOT_FOUND, f"No such object: {bucket}/{name}")
        return
    try:
        span = parse_range(request.get_header("Range"), size)
    except ValueError:
        error(response, HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE, "Range not satisfiable")
        response["Content-Range"] = f"bytes */{size}"
        return
    if span is None:
        span = (0, size)
        response[objects._HASH_HEADER] = f"crc32c={obj['crc32c']},md5={obj['md5Hash']}"
    else:
        response.status = HTTPStatus.PARTIAL_CONTENT
        response["Content-Range"] = f"bytes {span[0]}-{span[0] + span[1] - 1}/{size}"
    response["Accept-Ranges"] = "bytes"
    response["X-Goog-Generation"] = str(obj.get("generation"))
    response["X-Goog-Stored-Content-Length"] = str(size)
    if "response-content-disposition" in request.query:
        response["Content-Disposition"] = request.query["response-content-disposition"][0]
    for key, value in (obj.get("metadata") or {}).items():
        if value is not None:
            response[f"x-goog-meta-{key}"] = str(value)
    response.send_file(path, span[0], span[1], obj.get("contentType"))


def copy_object(
    base_url: str, storage: Any, bucket: str, name: str, dest_bucket: str, dest_name: str
) -> dict[str, Any]:
    """Replaces upstream ``_copy`` (copyTo and batch): the file copied on disk, the
    checksums carried over (same bytes). NotFound for a missing source or bucket."""
    obj = storage.get_file_obj(bucket, name)
    if storage.get_bucket(dest_bucket) is None:
        raise NotFound
    dest = objects._make_object_resource(
        base_url, dest_bucket, dest_name, obj["contentType"], obj["size"], obj
    )
    dest["etag"] = dest.get("md5Hash")
    source = object_file(storage, bucket, name)
    target = object_file(storage, dest_bucket, dest_name)
    if source != target:
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.copying")
        shutil.copyfile(source, partial)
        os.replace(partial, target)
    storage.objects.setdefault(dest_bucket, {})[dest_name] = dest
    storage._write_config_to_file()
    return dest


def rewrite(request: Any, response: Any, storage: Any, *args: Any, **kwargs: Any) -> None:
    """rewriteTo, done in one call (the answer google-cloud-storage expects)."""
    params = request.params
    try:
        dest = copy_object(
            request.base_url,
            storage,
            params["bucket_name"],
            params["object_id"],
            params["dest_bucket_name"],
            params["dest_object_id"],
        )
    except NotFound:
        error(response, HTTPStatus.NOT_FOUND, f"No such object: {params['object_id']}")
        return
    size = str(dest["size"])
    response.json(
        {
            "kind": "storage#rewriteResponse",
            "totalBytesRewritten": size,
            "objectSize": size,
            "done": True,
            "resource": dest,
        }
    )


def delete_object(storage: Any, bucket: str, name: str) -> bool:
    """Replaces upstream ``_delete``: its soft delete reads the object and writes a copy;
    this renames the file aside instead (same bookkeeping). False when there is none."""
    obj = (storage.objects.get(bucket) or {}).get(name)
    if obj is None:
        return False
    source = object_file(storage, bucket, name)
    retention = storage._bucket_soft_delete_retention_seconds(bucket)
    if retention > 0:
        generation = str(obj.get("generation") or "0")
        aside = storage._store._disk_path(
            storage._soft_delete_content_path(bucket, name, generation)
        )
        aside.parent.mkdir(parents=True, exist_ok=True)
        if source.exists():
            os.replace(source, aside)
        else:
            aside.write_bytes(b"")
        now = datetime.datetime.now(datetime.UTC)
        hard = now + datetime.timedelta(seconds=retention)
        soft = obj | {
            "softDeleteTime": now.strftime(TIME_FORMAT),
            "hardDeleteTime": hard.strftime(TIME_FORMAT),
        }
        storage.soft_deleted.setdefault(bucket, {}).setdefault(name, {})[generation] = soft
    else:
        source.unlink(missing_ok=True)
    del storage.objects[bucket][name]
    storage._write_config_to_file()
    return True
