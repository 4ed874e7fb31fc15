"""Uploads (streamed, large), the stack's prerequisites check, and the CLI on the live stack."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import av
import numpy as np
import pytest
from typer.testing import CliRunner

from vidcompare.cli import app
from vidcompare.devstack.emulators import load
from vidcompare.devstack.stack import StackError, check_emulators_installed
from vidcompare.gcp import bucket
from vidcompare.testing.synth import padded_video


def noisy_video(path: Path, *, seconds: float, size: tuple[int, int] = (640, 480)) -> None:
    """Random noise compresses badly: a few seconds make tens of MiB."""
    rng = np.random.default_rng(7)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("mpeg4", rate=24)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        stream.bit_rate = 200_000_000
        stream.codec_context.qscale = 1
        for _ in range(int(seconds * 24)):
            pixels = rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(pixels, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def test_large_upload_is_streamed_whole_into_the_bucket(client, tmp_path):
    path = tmp_path / "noise.mp4"
    noisy_video(path, seconds=3)
    data = path.read_bytes()
    assert len(data) > 20 * 1024 * 1024  # several resumable chunks of 8 MiB
    video = client.upload(path)
    assert video.size_bytes == len(data)
    assert video.sha256 == hashlib.sha256(data).hexdigest()
    assert video.duration_s == pytest.approx(3.0, abs=0.1)
    assert (video.width, video.height) == (640, 480)
    blob = bucket().blob(video.gcs_uri.split("/", 3)[3])
    assert hashlib.sha256(blob.download_as_bytes()).hexdigest() == video.sha256
    assert client.video(video.video_id) == video
    assert video.video_id in {v.video_id for v in client.videos()}


def test_multipart_upload_works_like_the_raw_one(client, video_files, tmp_path):
    path = tmp_path / "multipart.mp4"  # bytes of its own: not the video the owner already has
    padded_video(video_files["green"], path, size=video_files["green"].stat().st_size + 32)
    answer = client.http.post(
        "/api/videos", files={"file": (path.name, path.read_bytes(), "video/mp4")}
    )
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["filename"] == path.name
    assert body["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert body["has_audio"] is True


def test_missing_emulators_are_named_with_the_install_command(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(StackError) as raised:
        check_emulators_installed()
    emulators = load()
    assert str(raised.value) == "\n".join(
        f"the {name} emulator ({emulators[name].what}) needs gcloud, java; "
        f"install: {emulators[name].install}"
        for name in ("firestore", "pubsub")
    )
    assert "gcloud components install cloud-firestore-emulator" in str(raised.value)
    assert "gcloud components install beta pubsub-emulator" in str(raised.value)


def test_cli_demo_runs_on_the_running_stack(stack, tmp_path):
    state_dir = Path(stack.services[0].log).parents[1]
    out = tmp_path / "result.json"
    runner = CliRunner()
    answer = runner.invoke(app, ["demo", "--state-dir", str(state_dir), "--out", str(out)])
    assert answer.exit_code == 0, answer.output
    assert "Leaderboard" in answer.output
    result = json.loads(out.read_text())
    assert result["complete"] is True
    assert (result["total_videos"], result["total_prompts"], result["total_combinations"]) == (
        2,
        2,
        4,
    )
    assert len(result["comparisons"]) == 4
    assert all(len(c["results"]) == 2 for c in result["comparisons"])

    job_id = result["job_id"]
    url = ["--url", stack.base_url]
    status = runner.invoke(app, ["status", job_id, *url])
    assert status.exit_code == 0 and "status       completed\n" in status.stdout
    as_json = runner.invoke(app, ["result", job_id, "--format", "json", *url])
    assert json.loads(as_json.stdout) == result
    refused = runner.invoke(app, ["cancel", job_id, *url])
    assert refused.exit_code == 1
    assert "already completed" in refused.stderr
    missing = runner.invoke(app, ["status", "no-such-job", *url])
    assert missing.exit_code == 1 and "not found" in missing.stderr
