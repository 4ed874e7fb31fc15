"""Files API housekeeping: nothing uploaded is left behind to eat the project's quota.

The first two tests drive :mod:`vidcompare.providers.gemini.files` in this process (the
real SDK to the fake, the real Firestore and Storage emulators of the session's stack),
so that a competing uploader can be placed exactly; the last runs a batch.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from vidcompare import store
from vidcompare.config import settings
from vidcompare.gcp import firestore_client
from vidcompare.providers.gemini import files
from vidcompare.testing.synth import SceneSpec, make_video
from vidcompare.video_files import video_source


@pytest.fixture
def here(stack) -> Iterator[None]:
    """This process's settings read again, now that the stack's environment is set."""
    settings.cache_clear()
    yield
    settings.cache_clear()


@pytest.fixture
def fresh(client, tmp_path) -> tuple[str, str, Path]:
    path = tmp_path / "housekeeping.mp4"
    make_video(path, [SceneSpec((time.monotonic_ns() % 250, 5, 99), 0.5)])
    video = client.upload(path)
    return video.video_id, video.sha256, path


def uploaded_directly(gclient, path: Path):
    """A file another worker uploaded, ACTIVE."""
    file = gclient.files.upload(file=str(path), config={"mime_type": "video/mp4"})
    while file.state.name == "PROCESSING":
        file = gclient.files.get(name=file.name)
    return file


def as_handle(file, expires_at: dt.datetime) -> dict:
    return {"name": file.name, "uri": file.uri, "mime_type": "video/mp4", "expires_at": expires_at}


def fates(fake) -> dict[str, str | None]:
    return {u["name"]: u["fate"] for u in fake.uploads()}


def test_a_handle_about_to_expire_is_replaced_and_its_file_deleted(here, fake_gemini, fresh):
    video_id, sha, path = fresh
    gclient = fake_gemini.client()
    old = uploaded_directly(gclient, path)
    cache = firestore_client().collection(store.GEMINI_FILES).document(sha)
    cache.set({"handle": as_handle(old, store.now() + dt.timedelta(minutes=30))})

    handle = asyncio.run(files.uploaded_handle(gclient, video_source(video_id)))
    assert handle["name"] != old.name
    assert cache.get().to_dict()["handle"]["name"] == handle["name"]
    assert fates(fake_gemini) == {old.name: "deleted", handle["name"]: None}


def test_an_upload_that_lost_its_lease_deletes_its_file_and_uses_the_winners(
    here, fake_gemini, fresh
):
    video_id, sha, path = fresh
    gclient = fake_gemini.client()
    theirs = uploaded_directly(gclient, path)
    # Our upload starts slowly; meanwhile another worker takes the video over (our lease
    # looked lapsed to it) and records its own upload as the pending file.
    fake_gemini.configure(upload_fail=[{"hang_ms": 1500}])
    cache = firestore_client().collection(store.GEMINI_FILES).document(sha)

    def they_take_over() -> None:
        deadline = time.monotonic() + 10
        while (cache.get().to_dict() or {}).get("uploader") in (None, "another-worker"):
            assert time.monotonic() < deadline, "our claim never showed"
            time.sleep(0.02)
        pending = as_handle(theirs, store.now() + dt.timedelta(hours=47))
        pending["uploaded_at"] = store.now()
        cache.set({"uploader": "another-worker", "pending": pending}, merge=True)

    racer = threading.Thread(target=they_take_over)
    racer.start()
    handle = asyncio.run(files.uploaded_handle(gclient, video_source(video_id)))
    racer.join()
    assert handle["name"] == theirs.name  # theirs is kept and used
    ours = [name for name in fates(fake_gemini) if name != theirs.name]
    assert len(ours) == 1
    assert fates(fake_gemini) == {theirs.name: None, ours[0]: "deleted"}
    assert cache.get().to_dict()["handle"]["name"] == theirs.name


def test_the_sweep_deletes_our_orphaned_files_only(here, fake_gemini, fresh):
    _, sha, path = fresh
    gclient = fake_gemini.client()

    def upload(display_name: str) -> str:
        config = {"mime_type": "video/mp4", "display_name": display_name}
        return gclient.files.upload(file=str(path), config=config).name

    orphan = upload("vidcompare:died-before-recording")
    recorded = upload("vidcompare:recorded")
    someone_elses = upload("another-app-file")
    cache = firestore_client().collection(store.GEMINI_FILES).document(sha)
    cache.set({"pending": {"name": recorded, "uploaded_at": store.now()}}, merge=True)
    # Files an hour old count as orphans; here every file is old enough.
    assert files.delete_orphans(gclient, older_than=dt.timedelta(0)) == [orphan]
    assert fates(fake_gemini)[orphan] == "deleted"
    assert fates(fake_gemini)[recorded] is None and fates(fake_gemini)[someone_elses] is None
    # A young orphan is left alone: its uploader may be about to record it.
    young = upload("vidcompare:just-uploaded")
    assert files.delete_orphans(gclient) == []
    assert fates(fake_gemini)[young] is None


def test_a_video_gemini_cannot_process_is_that_models_error_uploaded_once(
    client, fake_gemini, fresh
):
    video_id, sha, _ = fresh
    fake_gemini.configure(final_file_state="FAILED")
    accepted = client.start_batch(
        [video_id],
        ["Describe.", "Count the cuts."],
        ["gemini-3.6-flash"],
        judge_model="local-rubric",
    )
    job = client.wait(accepted.job_id, poll_seconds=0.2, timeout=60)
    assert job.status.value == "completed"  # one video's problem, not the job's
    errors = [c.results[0].error for c in client.result(accepted.job_id).comparisons]
    assert (
        errors
        == [f"Gemini could not process video {video_id}: The fake failed to process the file."] * 2
    )
    (upload,) = fake_gemini.uploads()
    assert (upload["sha256"], upload["fate"]) == (sha, "deleted")
