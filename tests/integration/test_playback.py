"""Watching a video from the page: a playback grant, then byte ranges, on the live stack
through the local gateway (as a ``<video>`` element asks, without an API key)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import httpx
import pytest

from vidcompare import store
from vidcompare.errors import RangeNotSatisfiable
from vidcompare.playback import MAX_RANGE_BYTES, byte_range
from vidcompare.testing.synth import padded_video


@pytest.fixture(scope="module")
def padded(client, tmp_path_factory: pytest.TempPathFactory, video_files: dict[str, Path]):
    """A real video padded to 12 MiB (more than one answer's worth), uploaded."""
    path = tmp_path_factory.mktemp("play") / "padded-play.mp4"
    padded_video(video_files["green"], path, size=12 * 1024 * 1024)
    return path, client.upload(path)


def _grant(client, video_id: str) -> dict:
    answer = client.http.post(f"/api/videos/{video_id}/playback")
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_a_grant_streams_the_exact_bytes_by_ranges(client, stack, padded):
    path, video = padded
    data = path.read_bytes()
    grant = _grant(client, video.video_id)
    assert grant["url"].startswith(f"/api/videos/{video.video_id}/content?token=")
    expires = dt.datetime.fromisoformat(grant["expires_at"])
    assert dt.timedelta(minutes=59) < expires - dt.datetime.now(dt.UTC) <= dt.timedelta(hours=1)
    with httpx.Client(base_url=stack.base_url, timeout=60) as browser:  # no API key
        first = browser.get(grant["url"], headers={"Range": "bytes=0-"})
        assert first.status_code == 206
        assert first.headers["accept-ranges"] == "bytes"
        assert first.headers["content-type"] == "video/mp4"
        # Capped: the player asks again from where the answer ended.
        assert first.headers["content-range"] == f"bytes 0-{MAX_RANGE_BYTES - 1}/{len(data)}"
        assert first.content == data[:MAX_RANGE_BYTES]
        rest = browser.get(grant["url"], headers={"Range": f"bytes={MAX_RANGE_BYTES}-"})
        assert rest.status_code == 206
        assert rest.content == data[MAX_RANGE_BYTES:]
        middle = browser.get(grant["url"], headers={"Range": "bytes=1000-1999"})
        assert middle.headers["content-range"] == f"bytes 1000-1999/{len(data)}"
        assert middle.content == data[1000:2000]
        tail = browser.get(grant["url"], headers={"Range": "bytes=-500"})
        assert tail.content == data[-500:]
        whole = browser.get(grant["url"])  # no Range: the whole video, streamed
        assert whole.status_code == 200 and whole.content == data
        past = browser.get(grant["url"], headers={"Range": f"bytes={len(data)}-"})
        assert past.status_code == 416
        assert past.headers["content-range"] == f"bytes */{len(data)}"
        assert past.json()["error"]["code"] == "OUT_OF_RANGE"


def test_without_a_live_grant_for_that_video_nothing_is_served(client, stack, videos, padded):
    _, video = padded
    other = _grant(client, videos["red_blue"])
    token = other["url"].split("token=")[1]
    with httpx.Client(base_url=stack.base_url, timeout=30) as browser:
        content = f"/api/videos/{video.video_id}/content"
        for url in (content, f"{content}?token=nonsense", f"{content}?token={token}"):
            answer = browser.get(url, headers={"Range": "bytes=0-99"})
            assert answer.status_code == 401, url
            assert answer.json()["error"]["code"] == "UNAUTHENTICATED"
        # An expired grant: written as the service writes one, an hour in the past.
        store.create_grant(
            "expired-token",
            video_id=video.video_id,
            owner="local",
            expires_at=store.now() - dt.timedelta(seconds=1),
        )
        assert browser.get(f"{content}?token=expired-token").status_code == 401


def test_a_grant_is_only_for_an_existing_video(client):
    answer = client.http.post("/api/videos/no-such-video/playback")
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "NOT_FOUND"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("bytes=0-", (0, 999)),
        ("bytes=10-19", (10, 19)),
        ("bytes=990-5000", (990, 999)),
        ("bytes=-10", (990, 999)),
        ("bytes=-5000", (0, 999)),
        ("bytes=20-10", None),  # invalid: ignored
        ("bytes=0-1,5-6", None),  # several ranges: the whole
        ("items=0-1", None),
    ],
)
def test_byte_ranges_are_read_as_rfc_9110_says(header, expected):
    assert byte_range(header, 1000) == expected


@pytest.mark.parametrize("header", ["bytes=1000-", "bytes=-0"])
def test_a_range_past_the_end_is_not_satisfiable(header):
    with pytest.raises(RangeNotSatisfiable):
        byte_range(header, 1000)
