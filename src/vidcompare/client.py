"""A Python client for the vidcompare HTTP API (httpx), used by the CLI, tests and notebooks.

from vidcompare.client import Client
vc = Client("http://127.0.0.1:8000")
video = vc.upload("clip.mp4")
job = vc.start_batch([video.video_id], ["Describe the video"], ["local-scenes"])
vc.wait(job.job_id, on_progress=lambda j: print(j.progress_message))
result = vc.result(job.job_id)
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from vidcompare.schemas import (
    BatchAccepted,
    CancelAnswer,
    JobList,
    JobResult,
    JobView,
    VideoInfo,
    VideoList,
)

DEFAULT_URL = "http://127.0.0.1:8000"


class APIError(Exception):
    """The server answered with an error body ``{"error": {code, message, details}}``."""

    def __init__(self, status: int, code: str, message: str, details: list | None = None):
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message, self.details = status, code, message, details or []


class Client:
    def __init__(
        self, base_url: str | None = None, *, api_key: str | None = None, timeout: float = 60.0
    ) -> None:
        self.base_url = (base_url or os.environ.get("VIDCOMPARE_URL") or DEFAULT_URL).rstrip("/")
        api_key = api_key or os.environ.get("VIDCOMPARE_API_KEY")
        headers = {"X-API-Key": api_key} if api_key else {}
        self.http = httpx.Client(base_url=self.base_url, headers=headers, timeout=timeout)

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self.http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise APIError(0, "UNREACHABLE", f"{self.base_url} did not answer: {exc}") from exc
        if response.is_error:
            try:
                error = response.json()["error"]
            except (ValueError, KeyError, TypeError):
                error = {"code": "HTTP_ERROR", "message": response.text[:500]}
            raise APIError(
                response.status_code, error["code"], error["message"], error.get("details")
            )
        return response.json()

    # ------------------------------------------------------------------ videos

    def upload(self, path: str | Path, *, content_type: str | None = None) -> VideoInfo:
        """Upload a video file; the bytes are streamed, not read into memory."""
        path = Path(path)
        headers = {"Content-Type": content_type or "application/octet-stream"}
        with path.open("rb") as stream:
            data = self._call(
                "POST",
                "/api/videos",
                params={"filename": path.name},
                content=stream,
                headers=headers | {"Content-Length": str(path.stat().st_size)},
            )
        return VideoInfo.model_validate(data)

    def videos(self) -> list[VideoInfo]:
        return VideoList.model_validate(self._call("GET", "/api/videos")).videos

    def video(self, video_id: str) -> VideoInfo:
        return VideoInfo.model_validate(self._call("GET", f"/api/videos/{video_id}"))

    # -------------------------------------------------------------------- jobs

    def start_batch(
        self,
        video_ids: list[str] | None = None,
        prompts: list[str] | None = None,
        models: list[str] | None = None,
        *,
        pairs: list[dict[str, str]] | None = None,
        judge_model: str | None = None,
        concurrency: int = 1,
        judge_swaps: int = 1,
    ) -> BatchAccepted:
        body: dict[str, Any] = {
            "models": models or [],
            "concurrency": concurrency,
            "judge_swaps": judge_swaps,
        }
        if pairs is not None:
            body["pairs"] = pairs
        else:
            body |= {"video_ids": video_ids or [], "prompts": prompts or []}
        if judge_model:
            body["judge_model"] = judge_model
        return BatchAccepted.model_validate(
            self._call("POST", "/api/batch-compare-async", json=body)
        )

    def job(self, job_id: str) -> JobView:
        return JobView.model_validate(self._call("GET", f"/api/jobs/{job_id}"))

    def jobs(
        self, *, status: str | None = None, limit: int = 20, page_token: str | None = None
    ) -> JobList:
        params = {"limit": limit} | ({"status": status} if status else {})
        if page_token:
            params["page_token"] = page_token
        return JobList.model_validate(self._call("GET", "/api/jobs", params=params))

    def result(self, job_id: str) -> JobResult:
        return JobResult.model_validate(self._call("GET", f"/api/jobs/{job_id}/result"))

    def cancel(self, job_id: str) -> CancelAnswer:
        return CancelAnswer.model_validate(self._call("POST", f"/api/jobs/{job_id}/cancel"))

    def wait(
        self,
        job_id: str,
        *,
        poll_seconds: float = 2.0,
        timeout: float | None = None,
        on_progress: Callable[[JobView], None] | None = None,
    ) -> JobView:
        """Poll until the job has finished (completed, failed or cancelled)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            job = self.job(job_id)
            if on_progress is not None:
                on_progress(job)
            if job.status.finished:
                return job
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"job {job_id} still {job.status.value} after {timeout} s")
            time.sleep(poll_seconds)
