"""The local storage emulator (``python -m vidcompare.devstack.storage_emulator``) alone.

Each test talks to a real emulator process, on a free port with a scratch data directory,
through the real google-cloud-storage client and plain HTTP: the resumable protocol as
strict as Cloud Storage (offsets, declared size, status queries, dropped chunks, restarts),
CORS for a session's origin and for a bucket's rules, ranged reads, copies, and a 1 GiB
upload with the emulator's peak memory read from /proc.
"""

from __future__ import annotations

import base64
import hashlib
import os
import socket
import struct
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from google.api_core.exceptions import NotFound
from google.auth.credentials import AnonymousCredentials
from google.cloud import storage

from vidcompare.devstack.stack import free_port

KIB, MIB = 1024, 1024 * 1024
ORIGIN = "https://page.example"
OTHER_ORIGIN = "https://elsewhere.example"
LAUNCH = [sys.executable, "-m", "vidcompare.devstack.storage_emulator", "--host=127.0.0.1"]


class Emulator:
    """One emulator process; it can be killed and started again on the same port and data."""

    def __init__(self, data: Path, command: list[str] = LAUNCH) -> None:
        self.data, self.command, self.port = data, command, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Emulator:
        self.process = subprocess.Popen(
            [*self.command, f"--port={self.port}"],
            env=os.environ | {"STORAGE_BASE": str(self.data)},
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url, timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.05)
        raise RuntimeError(f"the storage emulator did not answer on {self.url}")

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait()

    def peak_rss_mib(self) -> float:
        assert self.process is not None
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        line = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
        return int(line.split()[1]) / 1024

    def client(self) -> storage.Client:
        return storage.Client(
            project="test",
            credentials=AnonymousCredentials(),
            client_options={"api_endpoint": self.url},
        )


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[Emulator]:
    running = Emulator(tmp_path / "storage").start()
    try:
        yield running
    finally:
        running.kill()


@pytest.fixture
def bucket(emulator: Emulator) -> storage.Bucket:
    return emulator.client().create_bucket("videos")


def session(bucket: storage.Bucket, name: str, size: int, origin: str | None = None) -> str:
    blob = bucket.blob(name)
    return blob.create_resumable_upload_session(
        content_type="video/mp4", size=size, origin=origin, if_generation_match=0
    )


def put(url: str, content_range: str, body: bytes = b"", **headers: str) -> httpx.Response:
    return httpx.put(url, content=body, headers={"Content-Range": content_range, **headers})


def persisted(url: str, size: int | str) -> str | None:
    """The Range a status query reports (None: nothing persisted)."""
    answer = put(url, f"bytes */{size}")
    assert answer.status_code == 308, answer.text
    return answer.headers.get("Range")


def send_and_drop(url: str, content_range: str, length: int, sent: bytes) -> None:
    """A chunk whose connection closes after ``len(sent)`` of its ``length`` bytes."""
    parts = urlsplit(url)
    head = (
        f"PUT {parts.path}?{parts.query} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
        f"Content-Length: {length}\r\nContent-Range: {content_range}\r\n\r\n"
    )
    with socket.create_connection((parts.hostname, parts.port)) as connection:
        connection.sendall(head.encode() + sent)


def md5_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.md5(data).digest()).decode()


def test_a_dropped_chunk_is_resumed_from_the_status_query(bucket: storage.Bucket) -> None:
    data = os.urandom(3 * MIB + 1000)
    size = len(data)
    url = session(bucket, "incoming/u1/clip.mp4", size)
    assert persisted(url, size) is None

    first = put(url, f"bytes 0-{MIB - 1}/{size}", data[:MIB])
    assert (first.status_code, first.headers["Range"]) == (308, f"bytes=0-{MIB - 1}")
    # 300 KiB of a 1 MiB chunk arrive, then the connection drops: whole 256 KiB units stay.
    send_and_drop(url, f"bytes {MIB}-{2 * MIB - 1}/{size}", MIB, data[MIB : MIB + 300 * KIB])
    resume_at = MIB + 256 * KIB
    assert persisted(url, size) == f"bytes=0-{resume_at - 1}"

    done = put(url, f"bytes {resume_at}-{size - 1}/{size}", data[resume_at:])
    assert done.status_code == 200, done.text
    assert done.headers["X-GUploader-UploadID"] == urlsplit(url).query.split("upload_id=")[1]
    resource = done.json()
    assert (resource["name"], resource["size"]) == ("incoming/u1/clip.mp4", str(size))
    assert (resource["contentType"], resource["md5Hash"]) == ("video/mp4", md5_b64(data))
    blob = bucket.get_blob("incoming/u1/clip.mp4")
    assert blob.download_as_bytes() == data  # the client checks md5 and crc32c too
    # A completed session answers any later PUT with its object, like GCS.
    again = put(url, f"bytes */{size}")
    assert again.status_code == 200 and again.json()["generation"] == resource["generation"]


def test_the_declared_size_binds(bucket: storage.Bucket) -> None:
    url = session(bucket, "incoming/u2/clip.mp4", MIB)

    other_total = put(url, f"bytes 0-{MIB - 1}/{2 * MIB}", os.urandom(MIB))
    assert other_total.status_code == 400 and "X-Upload-Content-Length" in other_total.text
    past_end = put(url, f"bytes 0-{MIB + 256 * KIB - 1}/*", os.urandom(MIB + 256 * KIB))
    assert past_end.status_code == 400 and "past the object's size" in past_end.text
    # Chunked, no length given: refused once the bytes pass the declared size.
    blocks = iter([os.urandom(512 * KIB)] * 3)
    streamed = httpx.put(url, content=blocks, headers={"Content-Range": "bytes 0-*/*"})
    assert streamed.status_code == 400 and f"the {MIB} declared" in streamed.text
    assert persisted(url, "*") is None  # nothing of the refused bytes stayed
    assert put(url, "bytes */4096").status_code == 400  # a total other than declared

    data = os.urandom(MIB)
    assert put(url, f"bytes 0-{MIB - 1}/{MIB}", data).json()["size"] == str(MIB)
    assert bucket.blob("incoming/u2/clip.mp4").download_as_bytes() == data


def test_offsets_are_strict_and_replays_are_ignored(bucket: storage.Bucket) -> None:
    data = os.urandom(MIB)
    url = session(bucket, "incoming/u3/clip.mp4", MIB)
    assert put(url, f"bytes 0-{256 * KIB - 1}/{MIB}", data[: 256 * KIB]).status_code == 308

    gap = put(url, f"bytes {512 * KIB}-{768 * KIB - 1}/{MIB}", data[512 * KIB : 768 * KIB])
    assert gap.status_code == 400
    assert f"upload offset is {512 * KIB} byte(s)" in gap.json()["error"]["message"]
    assert persisted(url, MIB) == f"bytes=0-{256 * KIB - 1}"
    # Starting before the persisted size: the persisted part is skipped, the rest appended.
    replay = put(url, f"bytes 0-{512 * KIB - 1}/{MIB}", data[: 512 * KIB])
    assert (replay.status_code, replay.headers["Range"]) == (308, f"bytes=0-{512 * KIB - 1}")
    wholly_persisted = put(url, f"bytes 0-{256 * KIB - 1}/{MIB}", b"x" * 256 * KIB)
    assert wholly_persisted.headers["Range"] == f"bytes=0-{512 * KIB - 1}"
    assert put(url, f"bytes {512 * KIB}-{MIB - 1}/{MIB}", data[512 * KIB :]).status_code == 200
    assert bucket.blob("incoming/u3/clip.mp4").download_as_bytes() == data

    unknown = url.replace(url.split("upload_id=")[1], "0" * 32)
    assert put(unknown, f"bytes */{MIB}").status_code == 404
    assert put(url + "x", f"bytes */{MIB}").status_code == 404
    # ifGenerationMatch=0 on the session: the name now exists, a new session is refused.
    with pytest.raises(Exception, match="412"):
        session(bucket, "incoming/u3/clip.mp4", MIB)


def test_cors_follows_the_session_origin_then_the_bucket_rules(
    bucket: storage.Bucket, emulator: Emulator
) -> None:
    url = session(bucket, "incoming/u4/clip.mp4", 256 * KIB, origin=ORIGIN)
    ask = {
        "Access-Control-Request-Method": "PUT",
        "Access-Control-Request-Headers": "content-range",
    }

    preflight = httpx.options(url, headers={"Origin": ORIGIN, **ask})
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "PUT" in preflight.headers["Access-Control-Allow-Methods"]
    assert "Content-Range" in preflight.headers["Access-Control-Allow-Headers"]
    stranger = httpx.options(url, headers={"Origin": OTHER_ORIGIN, **ask})
    assert "Access-Control-Allow-Origin" not in stranger.headers
    status = put(url, "bytes */*", Origin=ORIGIN)
    assert status.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert {"Range", "X-GUploader-UploadID"} <= {
        name.strip() for name in status.headers["Access-Control-Expose-Headers"].split(",")
    }
    assert "Access-Control-Allow-Origin" not in put(url, "bytes */*", Origin=OTHER_ORIGIN).headers

    blob = bucket.blob("videos/v/clip.mp4")
    blob.upload_from_string(b"frames")
    media = f"{emulator.url}/download/storage/v1/b/videos/o/videos%2Fv%2Fclip.mp4?alt=media"
    assert "Access-Control-Allow-Origin" not in httpx.get(media, headers={"Origin": ORIGIN}).headers
    bucket.cors = [
        {
            "origin": [ORIGIN],
            "method": ["GET"],
            "responseHeader": ["Content-Range"],
            "maxAgeSeconds": 600,
        }
    ]
    bucket.patch()
    read = httpx.get(media, headers={"Origin": ORIGIN})
    assert (read.content, read.headers["Access-Control-Allow-Origin"]) == (b"frames", ORIGIN)
    assert read.headers["Access-Control-Expose-Headers"] == "Content-Range"
    asked = httpx.options(media, headers={"Origin": ORIGIN, "Access-Control-Request-Method": "GET"})
    assert (
        asked.headers["Access-Control-Allow-Methods"],
        asked.headers["Access-Control-Max-Age"],
    ) == ("GET", "600")
    assert (
        "Access-Control-Allow-Origin"
        not in httpx.get(media, headers={"Origin": OTHER_ORIGIN}).headers
    )
    refused = httpx.options(
        media, headers={"Origin": ORIGIN, "Access-Control-Request-Method": "PUT"}
    )
    assert "Access-Control-Allow-Origin" not in refused.headers


def test_ranged_reads_read_only_the_range(bucket: storage.Bucket, emulator: Emulator) -> None:
    data = os.urandom(3 * MIB + 5)
    size = len(data)
    blob = bucket.blob("videos/v/ranged.mp4", chunk_size=MIB)
    blob.upload_from_string(data, content_type="video/mp4")
    media = f"{emulator.url}/download/storage/v1/b/videos/o/videos%2Fv%2Franged.mp4?alt=media"

    for header, start, end in (
        (f"bytes={MIB}-{2 * MIB - 1}", MIB, 2 * MIB - 1),
        (f"bytes={size - 10}-", size - 10, size - 1),
        ("bytes=-7", size - 7, size - 1),
        (f"bytes=5-{10 * MIB}", 5, size - 1),
    ):
        answer = httpx.get(media, headers={"Range": header})
        assert answer.status_code == 206, header
        assert answer.headers["Content-Range"] == f"bytes {start}-{end}/{size}"
        assert answer.content == data[start : end + 1]
        assert "X-Goog-Hash" not in answer.headers
    unsatisfiable = httpx.get(media, headers={"Range": f"bytes={size}-"})
    assert (unsatisfiable.status_code, unsatisfiable.headers["Content-Range"]) == (
        416,
        f"bytes */{size}",
    )
    whole = httpx.get(media)
    assert (whole.status_code, whole.content) == (200, data)
    assert f"md5={md5_b64(data)}" in whole.headers["X-Goog-Hash"]
    assert blob.download_as_bytes(start=100, end=MIB) == data[100 : MIB + 1]
    assert httpx.get(media.replace("ranged", "missing")).status_code == 404


def test_copy_and_rewrite(bucket: storage.Bucket, emulator: Emulator) -> None:
    data = os.urandom(2 * MIB + 3)
    source = bucket.blob("incoming/u5/clip.mp4")
    source.upload_from_string(data, content_type="video/mp4")
    source.reload()
    archive = emulator.client().create_bucket("archive")

    copied = bucket.copy_blob(source, archive, "videos/v5/clip.mp4")
    rewritten = archive.blob("videos/v5/rewritten.mp4")
    token, done, total = rewritten.rewrite(source)
    assert (token, done, total) == (None, len(data), len(data))
    for blob in (copied, rewritten):
        blob.reload()
        assert (blob.size, blob.md5_hash, blob.crc32c) == (
            len(data),
            source.md5_hash,
            source.crc32c,
        )
        assert blob.download_as_bytes() == data
    source.delete()  # the copies do not share the source's bytes
    assert copied.download_as_bytes() == data
    with pytest.raises(NotFound):
        bucket.copy_blob(source, archive, "videos/v5/again.mp4")


def test_a_restart_mid_upload_keeps_the_session(tmp_path: Path) -> None:
    data = os.urandom(4 * MIB)
    first = Emulator(tmp_path / "storage").start()
    try:
        bucket = first.client().create_bucket("videos")
        url = session(bucket, "incoming/u6/clip.mp4", len(data), origin=ORIGIN)
        for offset in (0, MIB):
            assert (
                put(
                    url,
                    f"bytes {offset}-{offset + MIB - 1}/{len(data)}",
                    data[offset : offset + MIB],
                ).status_code
                == 308
            )
    finally:
        first.kill()
    second = Emulator(tmp_path / "storage")
    second.port, second.url = first.port, first.url
    second.start()
    try:
        assert persisted(url, len(data)) == f"bytes=0-{2 * MIB - 1}"
        done = put(
            url, f"bytes {2 * MIB}-{len(data) - 1}/{len(data)}", data[2 * MIB :], Origin=ORIGIN
        )
        assert (done.status_code, done.headers["Access-Control-Allow-Origin"]) == (200, ORIGIN)
        assert (
            second.client().bucket("videos").blob("incoming/u6/clip.mp4").download_as_bytes()
            == data
        )
    finally:
        second.kill()


GIB_BLOCKS = 1024  # 1 MiB blocks: 1 GiB
CHUNK_BLOCKS = 8  # 8 MiB chunks
RSS_BOUND_MIB = 200


def block(index: int) -> bytes:
    """1 MiB block ``index`` of the synthetic object: its number, repeated."""
    return struct.pack(">Q", index) * (MIB // 8)


def upload_and_read_back(emulator: Emulator, blocks: int) -> None:
    """Upload ``blocks`` MiB in 8 MiB chunks, read every MiB back by range, copy it."""
    size = blocks * MIB
    bucket = emulator.client().create_bucket("videos")
    url = session(bucket, "incoming/big/clip.mp4", size)
    md5 = hashlib.md5()
    with httpx.Client(timeout=120) as http:
        for first in range(0, blocks, CHUNK_BLOCKS):
            chunk = b"".join(block(i) for i in range(first, min(first + CHUNK_BLOCKS, blocks)))
            md5.update(chunk)
            start = first * MIB
            answer = http.put(
                url,
                content=chunk,
                headers={"Content-Range": f"bytes {start}-{start + len(chunk) - 1}/{size}"},
            )
            assert answer.status_code == (200 if start + len(chunk) == size else 308)
        assert answer.json()["md5Hash"] == base64.b64encode(md5.digest()).decode()
        media = f"{emulator.url}/download/storage/v1/b/videos/o/incoming%2Fbig%2Fclip.mp4?alt=media"
        for index in range(blocks):
            ranged = http.get(
                media, headers={"Range": f"bytes={index * MIB}-{(index + 1) * MIB - 1}"}
            )
            assert ranged.content == block(index), index
    bucket.copy_blob(bucket.blob("incoming/big/clip.mp4"), bucket, "videos/big/clip.mp4")
    bucket.blob("incoming/big/clip.mp4").delete()


def test_a_gigabyte_upload_keeps_the_emulator_memory_flat(tmp_path: Path) -> None:
    emulator = Emulator(tmp_path / "storage").start()
    try:
        upload_and_read_back(emulator, GIB_BLOCKS)
        peak = emulator.peak_rss_mib()
    finally:
        emulator.kill()
    print(f"storage emulator peak RSS for 1 GiB up, read back by MiB, copied: {peak:.0f} MiB")
    assert peak < RSS_BOUND_MIB


def test_another_gcp_storage_emulator_version_is_refused_at_start(tmp_path: Path) -> None:
    """The patches fit one upstream version: another one found first on the path stops it."""
    fake = tmp_path / "gcp_storage_emulator-2099.1.1.dist-info"
    fake.mkdir()
    (fake / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: gcp-storage-emulator\nVersion: 2099.1.1\n"
    )
    path = os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])
    ended = subprocess.run(
        [*LAUNCH, f"--port={free_port()}"],
        env=os.environ | {"PYTHONPATH": path, "STORAGE_BASE": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert ended.returncode == 1
    assert "patches gcp-storage-emulator 2026.7.19, but 2099.1.1 is installed" in ended.stderr
