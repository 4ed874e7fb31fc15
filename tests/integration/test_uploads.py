"""Resumable uploads straight to the bucket, identical bytes as one video, ``gs://``
imports, and the 32 MiB request cap, on the live stack."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from vidcompare import store
from vidcompare.client import Client, ClientError
from vidcompare.config import REQUEST_CAP_BYTES
from vidcompare.gcp import bucket, storage_client
from vidcompare.resumable import Journal, SessionSender, file_sha256
from vidcompare.testing.synth import padded_video

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 4096


@pytest.fixture(scope="module")
def big_video(tmp_path_factory: pytest.TempPathFactory, video_files: dict[str, Path]) -> Path:
    """A real video padded to 20 MiB: three resumable chunks of 8 MiB."""
    path = tmp_path_factory.mktemp("big") / "padded.mp4"
    padded_video(video_files["red_blue"], path, size=20 * 1024 * 1024)
    return path


def _objects(prefix: str) -> list[str]:
    return [blob.name for blob in bucket().list_blobs(prefix=prefix)]


def _start(client, path: Path, **extra) -> httpx.Response:
    body = {"filename": path.name, "size_bytes": path.stat().st_size} | extra
    return client.http.post("/api/uploads", json=body)


def _put_all(session: dict, data: bytes, *, since: int = 0, upto: int | None = None) -> None:
    """Send ``data[since:upto]`` to the session in its chunk size, as a client does."""
    chunk, size = session["chunk_bytes"], len(data)
    with httpx.Client(timeout=60) as http:
        for start in range(since, upto if upto is not None else size, chunk):
            end = min(start + chunk, size) - 1
            answer = http.put(
                session["upload_url"],
                content=data[start : end + 1],
                headers={"Content-Range": f"bytes {start}-{end}/{size}"},
            )
            assert answer.status_code in (200, 201, 308), answer.text


def test_a_large_video_goes_straight_to_the_bucket_and_is_probed(client, big_video):
    data = big_video.read_bytes()
    seen: list[tuple[int, int]] = []
    video = client.upload(big_video, progress=lambda sent, total: seen.append((sent, total)))
    assert video.size_bytes == len(data)
    assert video.sha256 == hashlib.sha256(data).hexdigest()
    assert video.content_type == "video/mp4"
    assert video.duration_s == pytest.approx(2.0, abs=0.1)
    assert video.gcs_uri == f"gs://{bucket().name}/videos/{video.video_id}/padded.mp4"
    assert _objects(f"incoming/{video.video_id}/") == []  # moved out of incoming/
    sent = [s for s, _ in seen]
    assert sent == sorted(sent) and sent[-1] == len(data) and len(set(sent)) >= 3
    assert Journal().find(client.base_url, big_video) is None  # nothing left to resume
    # The same bytes again: the same video, and nothing uploaded or stored twice.
    again = client.upload(big_video)
    assert again == video
    assert _objects(f"videos/{video.video_id}/") == [f"videos/{video.video_id}/padded.mp4"]


class LosesAnswers(httpx.HTTPTransport):
    """The real network, except that Cloud Storage's answers to the 2nd and 3rd chunks are
    lost on their way back (the session has the bytes; the client cannot know)."""

    def __init__(self, storage_port: int) -> None:
        super().__init__()
        self.storage_port, self.chunks, self.lost = storage_port, 0, 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        answer = super().handle_request(request)
        is_chunk = request.method == "PUT" and not request.headers["Content-Range"].startswith(
            "bytes */"
        )
        if request.url.port == self.storage_port and is_chunk:
            self.chunks += 1
            if self.chunks in (2, 3):
                answer.close()
                self.lost += 1
                raise httpx.ReadError("connection reset by peer", request=request)
        return answer


def test_answers_lost_mid_upload_are_resumed_from_the_session(stack, tmp_path, video_files):
    path = tmp_path / "flaky.mp4"
    padded_video(video_files["red_blue"], path, size=30 * 1024 * 1024)
    storage_port = int(stack.env["STORAGE_EMULATOR_HOST"].rsplit(":", 1)[1])
    transport = LosesAnswers(storage_port)
    with Client(stack.base_url, transport=transport, timeout=60) as flaky:
        video = flaky.upload(path)
    assert transport.lost == 2
    assert transport.chunks == 4  # 30 MiB in 8 MiB chunks: none sent twice
    assert video.sha256 == file_sha256(path)
    assert video.size_bytes == path.stat().st_size


def test_the_same_bytes_are_one_video_by_every_path(client, tmp_path, video_files):
    original = video_files["green"].read_bytes()
    first = client.http.post("/api/videos", params={"filename": "a.mp4"}, content=original)
    assert first.status_code in (200, 201), first.text
    second = client.http.post("/api/videos", params={"filename": "b.mp4"}, content=original)
    assert second.status_code == 200
    assert second.json()["video_id"] == first.json()["video_id"]
    # A resumable upload of the same bytes without a hash: found out at finalize.
    path = tmp_path / "c.mp4"
    path.write_bytes(original)
    session = _start(client, path).json()
    _put_all(session, original)
    finalized = client.http.post(f"/api/uploads/{session['upload_id']}/finalize")
    assert finalized.status_code == 200
    assert finalized.json()["video_id"] == first.json()["video_id"]
    assert _objects(f"incoming/{session['upload_id']}/") == []
    assert _objects(f"videos/{session['upload_id']}/") == []
    # With the hash given, the session is not even opened.
    sha = hashlib.sha256(original).hexdigest()
    known = _start(client, path, sha256=sha)
    assert known.status_code == 200
    assert known.json()["upload_url"] is None
    assert known.json()["existing"]["video_id"] == first.json()["video_id"]


def test_a_png_named_mp4_is_refused_and_nothing_is_kept(client, tmp_path):
    path = tmp_path / "picture.mp4"
    path.write_bytes(PNG)
    session = _start(client, path).json()
    _put_all(session, PNG)
    assert _objects(f"incoming/{session['upload_id']}/") == [session["object_name"]]
    refused = client.http.post(f"/api/uploads/{session['upload_id']}/finalize")
    assert refused.status_code == 415
    assert refused.json()["error"]["code"] == "UNSUPPORTED_MEDIA_TYPE"
    assert refused.json()["error"]["message"].startswith("picture.mp4: not a video we can decode")
    assert _objects(f"incoming/{session['upload_id']}/") == []
    assert _objects(f"videos/{session['upload_id']}/") == []
    again = client.http.post(f"/api/uploads/{session['upload_id']}/finalize")
    assert again.status_code == 415
    with pytest.raises(ClientError) as raised:
        client.upload(path)  # a small file: the raw body, refused the same way
    assert raised.value.status == 415


def test_finalize_before_every_byte_names_what_is_missing(client, big_video):
    data = big_video.read_bytes()
    session = _start(client, big_video).json()
    _put_all(session, data, upto=session["chunk_bytes"])  # the first chunk only
    early = client.http.post(f"/api/uploads/{session['upload_id']}/finalize")
    assert early.status_code == 409
    assert early.json()["error"]["message"] == (
        f"{session['chunk_bytes']} of {len(data)} bytes received; send the rest to the "
        "upload_url, then finalize"
    )
    _put_all(session, data, since=session["chunk_bytes"])  # the rest
    assert client.http.post(f"/api/uploads/{session['upload_id']}/finalize").status_code in (
        200,
        201,
    )


def test_an_expired_upload_is_refused_and_its_object_deleted(client, video_files):
    path = video_files["red_blue"]
    data = path.read_bytes()
    session = _start(client, path).json()
    _put_all(session, data)
    past = store.now() - dt.timedelta(minutes=1)
    store.upload_ref(session["upload_id"]).update({"expires_at": past})
    expired = client.http.post(f"/api/uploads/{session['upload_id']}/finalize")
    assert expired.status_code == 409
    assert "expired" in expired.json()["error"]["message"]
    assert _objects(f"incoming/{session['upload_id']}/") == []


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"filename": "x.mp4", "size_bytes": 0}, 400, "size_bytes"),
        ({"filename": "", "size_bytes": 10}, 400, "filename"),
        ({"filename": "x.mp4", "size_bytes": 10, "sha256": "abc"}, 400, "sha256"),
        ({"filename": "x.mp4", "size_bytes": 10, "colour": "red"}, 400, "colour"),
        ({"filename": "x.mp4", "size_bytes": 3 * 1024**3}, 413, None),
    ],
)
def test_a_bad_upload_request_names_its_field_and_opens_nothing(client, body, status, field):
    before = len(list(store.upload_ref("x").parent.stream()))
    answer = client.http.post("/api/uploads", json=body)
    assert answer.status_code == status, answer.text
    if field:
        assert answer.json()["error"]["details"][0]["field"] == field
    assert len(list(store.upload_ref("x").parent.stream())) == before


def test_an_unknown_upload_is_404(client):
    answer = client.http.post("/api/uploads/nope-12345678/finalize")
    assert answer.status_code == 404
    assert answer.json()["error"]["message"] == "upload 'nope-12345678' not found"


def test_a_video_already_in_cloud_storage_is_copied_in(client, video_files, unique, tmp_path):
    theirs = tmp_path / "theirs.mp4"  # bytes of its own
    padded_video(video_files["red_blue"], theirs, size=video_files["red_blue"].stat().st_size + 99)
    source_bucket = storage_client().bucket(f"their-bucket-{unique}")
    source_bucket.create()
    source = source_bucket.blob("clips/red.mp4")
    source.upload_from_filename(str(theirs), content_type="video/mp4")
    uri = f"gs://{source_bucket.name}/clips/red.mp4"
    imported = client.http.post("/api/videos", json={"gcs_uri": uri})
    assert imported.status_code == 201, imported.text
    video = imported.json()
    assert video["filename"] == "red.mp4"
    assert video["sha256"] == file_sha256(theirs)
    assert video["gcs_uri"] == f"gs://{bucket().name}/videos/{video['video_id']}/red.mp4"
    # Imported again: the same video.
    again = client.http.post("/api/videos", json={"gcs_uri": uri})
    assert again.status_code == 200
    assert again.json()["video_id"] == video["video_id"]
    source.delete()  # the copy is ours: the source may go
    assert client.video(video["video_id"]).sha256 == video["sha256"]
    assert bucket().blob(video["gcs_uri"].split("/", 3)[3]).exists()

    missing = client.http.post("/api/videos", json={"gcs_uri": uri})
    assert missing.status_code == 404
    assert missing.json()["error"]["details"] == [
        {"field": "gcs_uri", "message": f"{uri} does not exist"}
    ]
    malformed = client.http.post("/api/videos", json={"gcs_uri": "https://example.com/a.mp4"})
    assert malformed.status_code == 400
    assert malformed.json()["error"]["details"][0]["field"] == "gcs_uri"


def test_the_local_gateway_refuses_what_production_would(client):
    over = REQUEST_CAP_BYTES + 1

    def body():
        sent = 0
        while sent < over:
            block = b"\0" * min(1024 * 1024, over - sent)
            sent += len(block)
            yield block

    for headers in ({"Content-Length": str(over)}, {}):  # announced, and chunked
        answer = client.http.post(
            "/api/videos", params={"filename": "huge.mp4"}, content=body(), headers=headers
        )
        assert answer.status_code == 413
        assert answer.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"
        assert "POST /api/uploads" in answer.json()["error"]["message"]


GIB = 1024**3


def test_the_cli_resumes_a_1_gib_upload_killed_half_way(stack, tmp_path, video_files):
    """Through the capped gateway: the bytes go to the session, never through it."""
    path = tmp_path / "huge.mp4"
    padded_video(video_files["green"], path, size=GIB)
    command = [sys.executable, "-m", "vidcompare.cli", "upload", str(path)]
    env = os.environ | {"VIDCOMPARE_URL": stack.base_url}
    first = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    held, deadline = 0, time.monotonic() + 120
    with httpx.Client(timeout=30) as http:
        while held < GIB // 2:
            assert first.poll() is None, first.communicate()
            assert time.monotonic() < deadline, f"only {held} bytes in 120 s"
            upload = Journal().find(stack.base_url, path)
            if upload is not None:
                held = SessionSender(http, upload, path).held() or 0
            time.sleep(0.05)
    first.kill()
    first.communicate()
    assert Journal().find(stack.base_url, path) is not None  # kept, to be resumed

    second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stderr
    resumed_at = int(second.stderr.split("huge.mp4: resuming at ")[1].split(" MiB")[0])
    assert held // 2**20 - 1 <= resumed_at < 1024
    video_id, shown = second.stdout.strip().split("\t")
    assert shown == str(path)
    video = client_video(stack, video_id)
    assert video["size_bytes"] == GIB
    assert video["sha256"] == file_sha256(path)
    assert video["duration_s"] == pytest.approx(2.0, abs=0.1)
    assert Journal().find(stack.base_url, path) is None
    assert _objects(f"incoming/{video_id}/") == []


def client_video(stack, video_id: str) -> dict:
    answer = httpx.get(f"{stack.base_url}/api/videos/{video_id}", timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_the_sweep_deletes_uploads_never_finalized(client, video_files, monkeypatch):
    from vidcompare import uploads

    path = video_files["green"]
    session = _start(client, path).json()
    _put_all(session, path.read_bytes())
    assert uploads.delete_abandoned() == []  # within its window: kept
    monkeypatch.setattr(uploads, "UPLOAD_WINDOW", dt.timedelta(0))
    assert session["object_name"] in uploads.delete_abandoned()
    assert _objects(f"incoming/{session['upload_id']}/") == []


def test_the_local_session_is_as_strict_as_cloud_storage(client, video_files):
    """What the local emulator's sessions refuse and answer, as Cloud Storage's do."""
    data = video_files["red_blue"].read_bytes()
    size = len(data)
    page = "http://page.example:8000"
    session = _start(client, video_files["red_blue"], origin=page).json()
    url = session["upload_url"]
    with httpx.Client(timeout=30) as http:
        fresh = http.put(url, headers={"Content-Range": f"bytes */{size}"})
        assert fresh.status_code == 308 and "Range" not in fresh.headers  # nothing held
        more = http.put(
            url, content=data + b"!", headers={"Content-Range": f"bytes 0-{size}/{size + 1}"}
        )
        assert more.status_code == 400  # the session was made for `size` bytes
        ahead = http.put(url, content=data[10:20], headers={"Content-Range": f"bytes 10-19/{size}"})
        assert ahead.status_code == 400  # a chunk after a gap
        # A browser on the session's origin may send to it; another origin may not.
        allowed = http.options(
            url, headers={"Origin": page, "Access-Control-Request-Method": "PUT"}
        )
        assert allowed.headers["Access-Control-Allow-Origin"] == page
        assert "Content-Range" in allowed.headers["Access-Control-Allow-Headers"]
        other = http.options(url, headers={"Origin": "http://evil.example"})
        assert "Access-Control-Allow-Origin" not in other.headers
        half = size // 2
        first = http.put(
            url,
            content=data[:half],
            headers={"Content-Range": f"bytes 0-{half - 1}/{size}", "Origin": page},
        )
        # A non-final chunk is kept in whole 256 KiB units, as Cloud Storage keeps it: this
        # small one not at all, so the answer holds no Range and the client sends it again.
        assert half < 256 * 1024
        assert first.status_code == 308 and "Range" not in first.headers
        assert first.headers["Access-Control-Allow-Origin"] == page
        assert "Range" in first.headers["Access-Control-Expose-Headers"]
        # Bytes it already holds are skipped, not written twice.
        rest = http.put(url, content=data, headers={"Content-Range": f"bytes 0-{size - 1}/{size}"})
        assert rest.status_code == 200 and rest.json()["size"] == str(size)
        done = http.put(url, headers={"Content-Range": f"bytes */{size}"})
        assert done.status_code == 200 and done.json()["name"] == session["object_name"]
        ranged = http.get(
            f"http://{client_storage_host()}/download/storage/v1/b/{bucket().name}/o/"
            f"{session['object_name'].replace('/', '%2F')}?alt=media",
            headers={"Range": "bytes=-100"},
        )
        assert ranged.status_code == 206 and ranged.content == data[-100:]
    assert hashlib.sha256(
        bucket().blob(session["object_name"]).download_as_bytes()
    ).hexdigest() == (hashlib.sha256(data).hexdigest())


def client_storage_host() -> str:
    return os.environ["STORAGE_EMULATOR_HOST"].removeprefix("http://")
