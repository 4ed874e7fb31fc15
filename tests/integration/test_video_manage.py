"""A video's thumbnail, rename and delete, on the live stack: the JPEG decoded back with
PyAV and made once; a delete takes the object, the thumbnail and the digest record, is
refused while a job uses the video, and leaves finished jobs' results readable."""

from __future__ import annotations

import io
import random
from pathlib import Path

import av
import httpx
import pytest

from vidcompare import store
from vidcompare.auth import hash_key
from vidcompare.client import Client, ClientError
from vidcompare.gcp import bucket
from vidcompare.store.refs import video_digest_ref
from vidcompare.testing.synth import SceneSpec, make_video, padded_video
from vidcompare.thumbnails import thumbnail_object_name


@pytest.fixture
def own_video(tmp_path: Path, video_files: dict[str, Path]):
    """A video file no other test has uploaded (the shared ones must survive a delete)."""

    def make(name: str = "mine.mp4") -> Path:
        path = tmp_path / name
        size = 64 * 1024 + random.randrange(1, 1024 * 1024)
        padded_video(video_files["red_blue"], path, size=size)
        return path

    return make


def _decoded(jpeg: bytes) -> av.VideoFrame:
    with av.open(io.BytesIO(jpeg)) as container:
        assert container.format.name in ("jpeg_pipe", "mjpeg", "image2")
        return next(container.decode(video=0))


def _mean_rgb(frame: av.VideoFrame) -> list[float]:
    return [round(float(c)) for c in frame.to_ndarray(format="rgb24").mean(axis=(0, 1))]


# --------------------------------------------------------------------- thumbnails


def test_a_thumbnail_is_a_small_jpeg_of_a_frame_ten_percent_in(client, tmp_path, unique):
    # 10 % of 4 s is 0.4 s: inside the first (red) second; the rest is blue.
    path = tmp_path / f"wide-{unique}.mp4"
    make_video(
        path,
        [SceneSpec((220, 30, 30), 1.0), SceneSpec((30, 30, 220), 3.0)],
        size=(480, 270),
        audio=False,
    )
    video = client.upload(path)
    answer = client.http.get(f"/api/videos/{video.video_id}/thumbnail")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "image/jpeg"
    assert answer.headers["cache-control"] == "private, max-age=86400"
    assert answer.content[:3] == b"\xff\xd8\xff"
    frame = _decoded(answer.content)
    assert (frame.width, frame.height) == (160, 90)  # 16:9 kept
    red, green, blue = _mean_rgb(frame)
    assert red > 180 and green < 70 and blue < 70
    assert client.thumbnail(video.video_id) == answer.content


def test_a_thumbnail_is_made_once_then_read_back(client, own_video):
    video = client.upload(own_video())
    name = thumbnail_object_name(video.video_id)
    assert bucket().get_blob(name) is None  # not made at upload
    first = client.thumbnail(video.video_id)
    stored = bucket().get_blob(name)
    assert stored is not None and stored.content_type == "image/jpeg"
    assert stored.download_as_bytes() == first
    # Proof the second answer is the stored one: change what is stored, read it back.
    marked = first + b"\x00stored"
    stored.upload_from_string(marked, content_type="image/jpeg")
    generation = bucket().get_blob(name).generation
    assert client.thumbnail(video.video_id) == marked
    assert bucket().get_blob(name).generation == generation  # not written again


def test_the_thumbnail_of_an_unknown_video_is_not_found(client):
    missing = client.http.get("/api/videos/no-such-video/thumbnail")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "NOT_FOUND"
    assert "no-such-video" in missing.json()["error"]["message"]
    assert client.http.get("/api/videos/a..b/thumbnail").status_code == 404


def test_a_video_whose_file_is_gone_or_not_a_video_gets_no_thumbnail(client, own_video):
    video = client.upload(own_video())
    doc = store.get_video(video.video_id)
    blob = bucket().blob(doc.object_name)
    # Bytes that are no video any more (overwritten behind the API's back): 415.
    blob.upload_from_string(b"this is not a video " * 500, content_type="video/mp4")
    broken = client.http.get(f"/api/videos/{video.video_id}/thumbnail")
    assert broken.status_code == 415, broken.text
    assert broken.json()["error"]["code"] == "UNSUPPORTED_MEDIA_TYPE"
    assert "no thumbnail" in broken.json()["error"]["message"]
    assert bucket().get_blob(thumbnail_object_name(video.video_id)) is None
    # No object at all: 404 that says so.
    blob.delete()
    gone = client.http.get(f"/api/videos/{video.video_id}/thumbnail")
    assert gone.status_code == 404
    assert "no file in the bucket" in gone.json()["error"]["message"]


# --------------------------------------------------------------------- rename


def test_a_video_is_renamed_and_a_bad_name_is_refused(client, own_video):
    video = client.upload(own_video("before.mp4"))
    renamed = client.rename_video(video.video_id, "  Holiday at the sea.mp4 ")
    assert renamed.filename == "Holiday at the sea.mp4"  # trimmed, as upload names are
    assert renamed.model_dump(exclude={"filename"}) == video.model_dump(exclude={"filename"})
    assert client.video(video.video_id).filename == "Holiday at the sea.mp4"
    listed = {v.video_id: v.filename for v in client.videos()}
    assert listed[video.video_id] == "Holiday at the sea.mp4"
    for body in ({"filename": "   "}, {"filename": ""}, {}, {"filename": 3}):
        answer = client.http.patch(f"/api/videos/{video.video_id}", json=body)
        assert answer.status_code == 400, body
        error = answer.json()["error"]
        assert error["code"] == "INVALID_ARGUMENT"
        assert "filename" in error["message"], error
    extra = client.http.patch(
        f"/api/videos/{video.video_id}", json={"filename": "x.mp4", "size": 1}
    )
    assert extra.status_code == 400 and "size" in extra.json()["error"]["message"]
    assert client.video(video.video_id).filename == "Holiday at the sea.mp4"
    with pytest.raises(ClientError) as missing:
        client.rename_video("no-such-video", "x.mp4")
    assert missing.value.status == 404


# --------------------------------------------------------------------- delete


def test_a_delete_takes_the_object_thumbnail_and_digest_and_the_bytes_are_new_again(
    client, own_video
):
    path = own_video("gone.mp4")
    video = client.upload(path)
    doc = store.get_video(video.video_id)
    client.thumbnail(video.video_id)
    assert bucket().get_blob(thumbnail_object_name(video.video_id)) is not None
    assert video_digest_ref(doc.owner, doc.sha256).get().exists

    answer = client.delete_video(video.video_id)
    assert answer.model_dump() == {"video_id": video.video_id, "deleted": True}
    assert bucket().get_blob(doc.object_name) is None
    assert bucket().get_blob(thumbnail_object_name(video.video_id)) is None
    assert not video_digest_ref(doc.owner, doc.sha256).get().exists
    assert video.video_id not in {v.video_id for v in client.videos()}
    for method, suffix in (("GET", ""), ("GET", "/thumbnail"), ("DELETE", ""), ("PATCH", "")):
        again = client.http.request(
            method, f"/api/videos/{video.video_id}{suffix}", json={"filename": "x.mp4"}
        )
        assert again.status_code == 404, (method, suffix)
    # The same bytes again: a new video, with a new id.
    again = client.upload(path)
    assert again.video_id != video.video_id
    assert again.sha256 == video.sha256


def test_a_video_in_use_is_kept_and_a_finished_jobs_result_outlives_it(
    client, own_video, fake_gemini
):
    video = client.upload(own_video("in-use.mp4"))
    fake_gemini.script("gemini-3.6-flash", latency_ms=4000)
    accepted = client.start_batch(
        [video.video_id], ["Describe."], ["gemini-3.6-flash"], judge_model="local-rubric"
    )
    assert client.job(accepted.job_id).status.value in ("pending", "running")
    refused = client.http.delete(f"/api/videos/{video.video_id}")
    assert refused.status_code == 409, refused.text
    error = refused.json()["error"]
    assert error["code"] == "FAILED_PRECONDITION"
    assert accepted.job_id in error["message"]
    assert error["details"] == [{"job_id": accepted.job_id}]
    assert client.video(video.video_id) == video  # nothing was deleted
    assert bucket().get_blob(store.get_video(video.video_id).object_name) is not None

    job = client.wait(accepted.job_id, poll_seconds=0.2, timeout=90)
    assert job.status.value == "completed"
    before = client.result(accepted.job_id)
    assert client.delete_video(video.video_id).deleted
    after = client.result(accepted.job_id)
    assert after == before
    assert after.comparisons[0].video_id == video.video_id
    assert after.comparisons[0].results[0].response
    assert client.job(accepted.job_id).status.value == "completed"


def test_a_cancelled_job_no_longer_holds_its_video(client, own_video, fake_gemini):
    video = client.upload(own_video())
    fake_gemini.script("gemini-3.6-flash", latency_ms=4000)
    accepted = client.start_batch(
        [video.video_id], ["Describe."], ["gemini-3.6-flash"], judge_model="local-rubric"
    )
    assert client.http.delete(f"/api/videos/{video.video_id}").status_code == 409
    client.cancel(accepted.job_id)
    assert client.delete_video(video.video_id).deleted


# --------------------------------------------------------------------- client, CLI


def test_the_async_client_renames_thumbnails_and_deletes(stack, own_video):
    import asyncio

    from vidcompare.client import AsyncClient

    with Client(stack.base_url) as sync:
        video = sync.upload(own_video())

    async def manage() -> tuple[str, bytes, bool]:
        async with AsyncClient(stack.base_url) as vc:
            renamed = await vc.rename_video(video.video_id, "async.mp4")
            jpeg = await vc.thumbnail(video.video_id)
            deleted = await vc.delete_video(video.video_id)
            return renamed.filename, jpeg, deleted.deleted

    filename, jpeg, deleted = asyncio.run(manage())
    assert filename == "async.mp4" and deleted
    assert _decoded(jpeg).width == 160


def test_the_cli_renames_and_deletes_a_video(stack, own_video):
    from typer.testing import CliRunner

    from vidcompare import cli

    runner = CliRunner()
    url = ["--url", stack.base_url]
    with Client(stack.base_url) as vc:
        video = vc.upload(own_video())
        renamed = runner.invoke(cli.app, ["videos", "rename", video.video_id, "cli.mp4", *url])
        assert renamed.exit_code == 0, renamed.output
        assert renamed.output == f"{video.video_id}\tcli.mp4\n"
        assert vc.video(video.video_id).filename == "cli.mp4"
        listed = runner.invoke(cli.app, ["videos", "--json", *url])
        assert listed.exit_code == 0, listed.output
        assert "cli.mp4" in listed.output
        # Not a terminal and no --yes: refused, nothing deleted.
        unconfirmed = runner.invoke(cli.app, ["videos", "delete", video.video_id, *url])
        assert unconfirmed.exit_code == 1
        assert "--yes" in unconfirmed.output
        assert vc.video(video.video_id).video_id == video.video_id
        deleted = runner.invoke(cli.app, ["videos", "delete", video.video_id, "--yes", *url])
        assert deleted.exit_code == 0, deleted.output
        assert deleted.output == f"deleted {video.video_id}\n"
        with pytest.raises(ClientError):
            vc.video(video.video_id)
        missing = runner.invoke(cli.app, ["videos", "delete", video.video_id, "--yes", *url])
        assert missing.exit_code == 1 and "NOT_FOUND" in missing.output


def test_the_thumbnail_route_is_described_as_a_jpeg(stack):
    spec = httpx.get(f"{stack.base_url}/openapi.json").json()
    answer = spec["paths"]["/api/videos/{video_id}/thumbnail"]["get"]["responses"]["200"]
    assert answer["content"] == {"image/jpeg": {"schema": {"type": "string", "format": "binary"}}}
    delete = spec["paths"]["/api/videos/{video_id}"]["delete"]["responses"]["200"]
    assert delete["content"]["application/json"]["schema"]["$ref"].endswith("/VideoDeleted")
    patch = spec["paths"]["/api/videos/{video_id}"]["patch"]
    assert patch["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/VideoRename"
    )


# ------------------------------------------------------- another owner (auth on; last)

ALICE, BOB = "vc_alice_manage", "vc_bob_manage"


@pytest.fixture(scope="module")
def auth_on(local_stack):
    """The session's functions restarted with auth on; auth goes back off afterwards."""
    keys = f"alice={hash_key(ALICE)},bob={hash_key(BOB)}"
    env = {"VIDCOMPARE_AUTH": "on", "VIDCOMPARE_API_KEYS": keys}
    local_stack.restart("start_batch", "job_status", extra_env=env)
    try:
        yield local_stack.info.base_url
    finally:
        local_stack.restart("start_batch", "job_status")


def test_another_owners_video_is_not_found_by_any_of_these(auth_on, own_video):
    with Client(auth_on, api_key=ALICE) as alice, Client(auth_on, api_key=BOB) as bob:
        video = alice.upload(own_video("alices.mp4"))
        for method, suffix in (("GET", "/thumbnail"), ("PATCH", ""), ("DELETE", "")):
            answer = bob.http.request(
                method, f"/api/videos/{video.video_id}{suffix}", json={"filename": "b.mp4"}
            )
            assert answer.status_code == 404, (method, suffix, answer.text)
            assert answer.json()["error"]["code"] == "NOT_FOUND"
        anonymous = httpx.get(f"{auth_on}/api/videos/{video.video_id}/thumbnail")
        assert anonymous.status_code == 401
        assert alice.video(video.video_id) == video  # untouched
        assert _decoded(alice.thumbnail(video.video_id)).width == 160
        assert alice.rename_video(video.video_id, "still alice's.mp4").filename == (
            "still alice's.mp4"
        )
        assert alice.delete_video(video.video_id).deleted
