"""Bad requests: a 400 (or 404/405/409/415) naming the problem, and nothing created."""

from __future__ import annotations

import uuid

import httpx
import pytest
from google.cloud import pubsub_v1

from vidcompare import store
from vidcompare.gcp import firestore_client
from vidcompare.testing.synth import padded_video


@pytest.fixture
def topic_observer(stack):
    """Pull subscriptions on the combos topic's shards: see every message published from now
    on."""
    subscriber = pubsub_v1.SubscriberClient()
    tag = uuid.uuid4().hex[:8]
    names = []
    for topic in stack.topics:
        name = f"projects/{stack.project}/subscriptions/observer-{topic}-{tag}"
        subscriber.create_subscription(
            request={"name": name, "topic": f"projects/{stack.project}/topics/{topic}"}
        )
        names.append(name)

    def published() -> int:
        pulls = [
            subscriber.pull(request={"subscription": name, "max_messages": 100}, timeout=2.0)
            for name in names
        ]
        return sum(len(answer.received_messages) for answer in pulls)

    yield published
    for name in names:
        subscriber.delete_subscription(request={"subscription": name})
    subscriber.close()


def job_count() -> int:
    return firestore_client().collection(store.JOBS).count().get()[0][0].value


LONG_PROMPT = "x" * 2001
MANY_VIDEOS = [f"video-{i}" for i in range(101)]
MANY_PROMPTS = [f"prompt {i}" for i in range(100)]


def bad_bodies(video_id: str) -> list[tuple[str, object, str]]:
    """(case, body, field the error must name)."""
    ok = {"video_ids": [video_id], "prompts": ["Describe it"], "models": ["local-scenes"]}
    return [
        ("no models", {k: v for k, v in ok.items() if k != "models"}, "models"),
        ("empty models", ok | {"models": []}, "models"),
        ("empty videos", ok | {"video_ids": []}, "video_ids"),
        ("empty prompts", ok | {"prompts": []}, "prompts"),
        ("videos not a list", ok | {"video_ids": "abc"}, "video_ids"),
        ("prompt not a string", ok | {"prompts": [42]}, "prompts[0]"),
        ("blank prompt", ok | {"prompts": ["   "]}, "prompts[0]"),
        ("unknown model", ok | {"models": ["local-scenes", "gpt-video-9"]}, "models[1]"),
        ("duplicate model", ok | {"models": ["local-scenes", "local-scenes"]}, "models[1]"),
        ("too many models", ok | {"models": ["a", "b", "c", "d", "e"]}, "models"),
        ("unknown judge", ok | {"judge_model": "nobody"}, "judge_model"),
        ("unknown video", ok | {"video_ids": [video_id, "no-such-video"]}, "video_ids[1]"),
        ("path in video id", ok | {"video_ids": ["../../etc/passwd"]}, "video_ids[0]"),
        ("prompt too long", ok | {"prompts": ["fine", LONG_PROMPT]}, "prompts[1]"),
        ("concurrency zero", ok | {"concurrency": 0}, "concurrency"),
        ("concurrency too high", ok | {"concurrency": 99}, "concurrency"),
        ("unknown field", ok | {"model": "local-scenes"}, "model"),
        ("pairs and lists", ok | {"pairs": [{"video_id": video_id, "prompt": "p"}]}, "pairs"),
        ("empty pairs", {"pairs": [], "models": ["local-scenes"]}, "pairs"),
        (
            "pair without prompt",
            {"pairs": [{"video_id": video_id}], "models": ["local-scenes"]},
            "pairs[0].prompt",
        ),
        (
            "too many combinations",
            ok | {"video_ids": MANY_VIDEOS, "prompts": MANY_PROMPTS},
            "video_ids",
        ),
        ("not an object", ["local-scenes"], "body"),
    ]


def test_bad_batches_are_rejected_naming_the_field_and_create_nothing(
    stack, videos, topic_observer
):
    url = f"{stack.base_url}/api/batch-compare-async"
    before = job_count()
    for case, body, field in bad_bodies(videos["red_blue"]):
        answer = httpx.post(url, json=body)
        assert answer.status_code == 400, (case, answer.text)
        error = answer.json()["error"]
        assert error["code"] == "INVALID_ARGUMENT", case
        fields = [d["field"] for d in error["details"]]
        assert field in fields, (case, error)
        assert error["message"], case
    assert job_count() == before
    assert topic_observer() == 0


def test_a_blank_prompt_is_named_as_people_count_fields(stack, videos):
    url = f"{stack.base_url}/api/batch-compare-async"
    body = {"video_ids": [videos["red_blue"]], "prompts": ["ok", "  "], "models": ["local-scenes"]}
    error = httpx.post(url, json=body).json()["error"]
    assert error["message"] == "prompts[1]: is empty"
    assert error["details"] == [{"field": "prompts[1]", "message": "is empty"}]


def test_error_messages_help(stack, videos):
    url = f"{stack.base_url}/api/batch-compare-async"
    body = {"video_ids": [videos["red_blue"]], "prompts": ["p"], "models": ["gpt-video-9"]}
    message = httpx.post(url, json=body).json()["error"]["message"]
    assert "gpt-video-9" in message and "local-scenes" in message  # lists the known models
    body = {"video_ids": ["no-such-video"], "prompts": ["p"], "models": ["local-scenes"]}
    assert "'no-such-video'" in httpx.post(url, json=body).json()["error"]["message"]


def test_invalid_json_is_a_400(stack):
    answer = httpx.post(
        f"{stack.base_url}/api/batch-compare-async",
        content=b"{not json",
        headers={"Content-Type": "application/json"},
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["details"][0]["field"] == "body"


@pytest.mark.parametrize("depth", [900, 1_000, 100_000])
def test_deeply_nested_json_is_a_400_not_a_crash(stack, depth):
    answer = httpx.post(
        f"{stack.base_url}/api/batch-compare-async",
        content=b"[" * depth,
        headers={"Content-Type": "application/json"},
    )
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == "INVALID_ARGUMENT" and error["details"][0]["field"] == "body"


def test_unknown_paths_and_methods(stack):
    missing = httpx.get(f"{stack.base_url}/api/jobs/{uuid.uuid4()}")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "NOT_FOUND"
    assert httpx.get(f"{stack.base_url}/api/jobs/{uuid.uuid4()}/result").status_code == 404
    assert httpx.post(f"{stack.base_url}/api/jobs/{uuid.uuid4()}/cancel").status_code == 404
    assert httpx.get(f"{stack.base_url}/api/nothing-here").status_code == 404
    wrong = httpx.delete(f"{stack.base_url}/api/jobs")
    assert wrong.status_code == 405
    assert wrong.json()["error"]["code"] == "METHOD_NOT_ALLOWED"
    assert httpx.get(f"{stack.base_url}/api/batch-compare-async").status_code == 405


def test_job_pages_follow_opaque_tokens(stack, client, videos):
    for i in range(3):
        client.start_batch([videos["green"]], [f"Page {i}?"], ["local-scenes"])
    first = httpx.get(f"{stack.base_url}/api/jobs", params={"limit": 2}).json()
    token = first["next_page_token"]
    assert token and token not in {j["job_id"] for j in first["jobs"]}
    second = httpx.get(f"{stack.base_url}/api/jobs", params={"limit": 2, "page_token": token})
    assert second.status_code == 200
    ids = [j["job_id"] for j in first["jobs"]] + [j["job_id"] for j in second.json()["jobs"]]
    assert len(ids) == len(set(ids)) >= 3  # newest first, no job twice
    for bad in ("not-a-token", "eyJ4IjogMX0", first["jobs"][0]["job_id"]):
        answer = httpx.get(f"{stack.base_url}/api/jobs", params={"page_token": bad})
        assert answer.status_code == 400
        assert answer.json()["error"]["details"][0]["field"] == "page_token"


def test_job_list_arguments_are_checked(stack):
    for args, field in (
        ({"limit": "x"}, "limit"),
        ({"limit": 0}, "limit"),
        ({"status": "sleeping"}, "status"),
    ):
        answer = httpx.get(f"{stack.base_url}/api/jobs", params=args)
        assert answer.status_code == 400, args
        assert answer.json()["error"]["details"][0]["field"] == field


def test_upload_that_is_not_a_video_is_415_and_leaves_nothing(stack, client, tmp_path):
    before = {v.video_id for v in client.videos()}
    answer = httpx.post(
        f"{stack.base_url}/api/videos",
        params={"filename": "notes.mp4"},
        content=b"this is not a video" * 1000,
        headers={"Content-Type": "video/mp4"},
    )
    assert answer.status_code == 415, answer.text
    assert "notes.mp4" in answer.json()["error"]["message"]
    assert {v.video_id for v in client.videos()} == before
    from vidcompare.gcp import bucket

    names = {b.name for b in bucket().list_blobs(prefix="videos/")}
    assert not any(name.endswith("/notes.mp4") for name in names)
    # Gone for good: not kept as a soft-deleted object either.
    kept = {b.name for b in bucket().list_blobs(prefix="videos/", soft_deleted=True)}
    assert not any(name.endswith("/notes.mp4") for name in kept)


# What schemathesis sends as "binary": a 1×1 GIF, which FFmpeg reads as a 1-frame video.
ONE_PIXEL_GIF = (
    b"GIF87a\x01\x00\x01\x00\x81\x00\x00"
    + b"\x00" * 12
    + b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x08\x04\x00\x01\x04\x04\x00;"
)


def test_a_gif_is_415_and_leaves_nothing(stack, client):
    before = {v.video_id for v in client.videos()}
    answer = httpx.post(
        f"{stack.base_url}/api/videos", params={"filename": "pixel.gif"}, content=ONE_PIXEL_GIF
    )
    assert answer.status_code == 415, answer.text
    assert answer.json()["error"]["message"] == (
        "pixel.gif: not a video we can decode (gif is not a video format we accept: "
        "send MP4, MOV, 3GP, WebM, MKV, AVI, MPEG, MPEG-TS, FLV or WMV)"
    )
    assert {v.video_id for v in client.videos()} == before


def test_the_stored_type_is_what_the_bytes_are(stack, client, video_files, tmp_path):
    path = tmp_path / "typed.mp4"  # bytes of its own: not the video the owner already has
    padded_video(video_files["green"], path, size=video_files["green"].stat().st_size + 64)
    answer = httpx.post(
        f"{stack.base_url}/api/videos",
        params={"filename": "clip.mp4"},
        content=path.read_bytes(),
        headers={"Content-Type": "text/html"},  # the client's claim
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["content_type"] == "video/mp4"
    from vidcompare.gcp import bucket

    blob = bucket().get_blob(answer.json()["gcs_uri"].split("/", 3)[3])
    assert blob.content_type == "video/mp4"


def test_upload_without_a_filename_is_400(stack):
    answer = httpx.post(f"{stack.base_url}/api/videos", content=b"abc")
    assert answer.status_code == 400
    assert answer.json()["error"]["details"][0]["field"] == "filename"


def test_unknown_video_is_404(stack):
    answer = httpx.get(f"{stack.base_url}/api/videos/no-such-video")
    assert answer.status_code == 404


def test_a_body_over_the_limit_is_413_and_creates_nothing(stack, topic_observer):
    before = job_count()
    body = {"video_ids": ["v"], "prompts": ["x" * (2 * 1024 * 1024)], "models": ["local-scenes"]}
    answer = httpx.post(f"{stack.base_url}/api/batch-compare-async", json=body, timeout=30)
    assert answer.status_code == 413
    assert answer.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"
    assert job_count() == before
    assert topic_observer() == 0


def test_a_header_over_8_kb_is_a_json_431(stack):
    answer = httpx.get(f"{stack.base_url}/api/jobs", headers={"X-Padding": "x" * 9000})
    assert answer.status_code == 431
    assert answer.json()["error"]["code"] == "REQUEST_HEADER_FIELDS_TOO_LARGE"
    assert httpx.get(f"{stack.base_url}/api/jobs", headers={"X-Padding": "x" * 7000}).is_success
