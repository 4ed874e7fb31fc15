"""Python clients for the vidcompare HTTP API: :class:`Client` (sync) and :class:`AsyncClient`.

Both speak httpx and share one description of every call (``_Calls`` below: method, path,
body, how to read the answer); they differ only in how they send. Every answer is a
pydantic model from :mod:`vidcompare.schemas`::

    from vidcompare.client import Client

    with Client() as vc:  # VIDCOMPARE_URL / VIDCOMPARE_API_KEY, else http://127.0.0.1:8000
        video = vc.upload("clip.mp4")
        job = vc.start_batch([video.video_id], ["Describe the video"], ["local-scenes"])
        vc.wait(job.job_id, on_progress=lambda j: print(j.progress, j.progress_message))
        result = vc.result(job.job_id)

    async with AsyncClient() as vc:  # the same methods, awaited
        job = await vc.start_batch(pairs=[{"video_id": "clip1-3f9a1c2b", "prompt": "Cuts?"}],
                                   models=["local-scenes"])
        await vc.wait(job.job_id)

Errors: every refusal of the server raises an :class:`APIError` carrying its body::

    APIError                  status, code, message, details
    ├── ClientError     4xx   the request was refused: a bad field (details name it),
    │                         an unknown job or video, a finished job cancelled, …
    ├── ServerError     5xx
    ├── Unreachable       0   nobody answered at the base URL (code "UNREACHABLE")
    └── UploadFailed      0   Cloud Storage did not take a large upload's bytes (resumable)

An answer without the API's JSON error body (a proxy's page, an empty 502) is code
"HTTP_ERROR", its message the status's reason and what the body says, on one line.

Tests plug in an ``httpx.MockTransport`` (or any transport) with ``transport=``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, Literal, TypedDict, TypeVar, Unpack
from urllib.parse import quote

import httpx

from vidcompare.config import DEFAULT_URL, tool_settings
from vidcompare.ranking import Leaderboard
from vidcompare.resumable import (
    Journal,
    OpenUpload,
    SendFailed,
    SessionGone,
    SessionSender,
    UploadProgress,
    file_sha256,
)
from vidcompare.schemas import (
    BatchAccepted,
    BatchRequest,
    CancelAnswer,
    DryRunAnswer,
    JobList,
    JobResult,
    JobView,
    ModelCatalog,
    Pair,
    UploadSession,
    VideoDeleted,
    VideoInfo,
    VideoList,
)

__all__ = [
    "DEFAULT_URL",
    "APIError",
    "AsyncClient",
    "Batch",
    "BatchOptions",
    "Client",
    "ClientError",
    "ServerError",
    "Unreachable",
    "UploadFailed",
    "WaitOptions",
]

UPLOAD_CHUNK_BYTES = 1024 * 1024
# Up to this size a video is sent as one request body to the API (well under the
# 32 MiB request cap); larger ones go straight to Cloud Storage, resumably.
SMALL_UPLOAD_BYTES = 8 * 1024 * 1024
FOREIGN_BODY_CHARS = 300  # of an error answer that is not ours, in its message
T = TypeVar("T")
ProgressCallback = Callable[[JobView], object]


# ----------------------------------------------------------------------- errors


class APIError(Exception):
    """The server refused a call (``{"error": {code, message, details}}``), or nobody answered."""

    def __init__(
        self, status: int, code: str, message: str, details: list[Any] | None = None
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message = status, code, message
        self.details: list[Any] = details or []

    @staticmethod
    def from_response(response: httpx.Response) -> APIError:
        """The error a failed answer stands for: its JSON error body, else what came instead."""
        try:
            error = response.json()["error"]
            code, message = str(error["code"]), str(error["message"])
            details = error.get("details") or []
        except (ValueError, KeyError, TypeError):
            code, message, details = "HTTP_ERROR", _foreign_message(response), []
        kind = ServerError if response.status_code >= 500 else ClientError
        return kind(response.status_code, code, message, details)


def _foreign_message(response: httpx.Response) -> str:
    """``Bad Gateway: <html> <head><title>502 Bad Gateway</title>…``: the reason, then the
    body on one line and cut short (a proxy's page is many lines of HTML, or nothing)."""
    reason = response.reason_phrase or f"HTTP {response.status_code}"
    said = " ".join(response.text.split())
    if len(said) > FOREIGN_BODY_CHARS:
        said = said[: FOREIGN_BODY_CHARS - 1] + "…"
    return f"{reason}: {said}" if said else reason


class ClientError(APIError):
    """A 4xx answer: the request was refused."""


class ServerError(APIError):
    """A 5xx answer."""


class Unreachable(APIError):
    """No answer at all from the base URL (refused connection, DNS, timeout)."""

    def __init__(self, base_url: str, exc: Exception) -> None:
        reason = str(exc) or type(exc).__name__
        super().__init__(0, "UNREACHABLE", f"{base_url} did not answer ({reason})")


class UploadFailed(APIError):
    """Cloud Storage did not take the bytes (refused them, or stayed unreachable). The
    session is kept: uploading the same file again resumes it."""

    def __init__(self, message: str) -> None:
        super().__init__(0, "UPLOAD_FAILED", message)


# ---------------------------------------------------- requests and their answers


@dataclass(frozen=True)
class _Call(Generic[T]):
    """One API call: what to send, and how to read the answer."""

    method: str
    path: str
    parse: Callable[[Any], T]
    params: dict[str, Any] = field(default_factory=dict)
    json: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    binary: bool = False  # the answer is bytes (an image), not JSON

    def request_args(self, content: Any = None) -> dict[str, Any]:
        args: dict[str, Any] = {"params": self.params, "headers": self.headers}
        if self.json is not None:
            args["json"] = self.json
        if content is not None:
            args["content"] = content
        return {"method": self.method, "url": self.path} | args

    def answer(self, response: httpx.Response) -> T:
        if response.is_error:
            raise APIError.from_response(response)
        return self.parse(response.content if self.binary else response.json())


class BatchOptions(TypedDict, total=False):
    """Optional fields of a batch (``BatchRequest`` in :mod:`vidcompare.schemas`)."""

    pairs: Sequence[Pair | dict[str, str]]  # explicit pairs instead of videos × prompts
    judge_model: str  # default: the server's Gemini judge with Gemini models, else local-rubric
    concurrency: int | Literal["auto"]  # lanes (default 1, at most 8); "auto": by the quota
    judge_swaps: int  # 2: judge again with the answers in reversed order (default 1)
    name: str  # what lists and reports call the job
    tags: Sequence[str]  # labels to slice the leaderboard across jobs by
    prompt_tags: Mapping[str, str]  # a prompt's text -> its tag (e.g. variants of an A/B test)


class LeaderboardFilters(TypedDict, total=False):
    """What ``leaderboard`` counts (each optional; a sequence matches any of its values)."""

    job: str | Sequence[str]  # job ids or unique prefixes
    model: str | Sequence[str]
    video: str | Sequence[str]
    prompt: str | Sequence[str]  # exact prompt texts
    prompt_tag: str | Sequence[str]
    tag: str | Sequence[str]  # job tags
    judge: str | Sequence[str]
    since: str | dt.date  # jobs created from then (an ISO date or time)
    until: str | dt.date  # ... until then (a date alone: that day included)
    by: Literal["model", "prompt", "prompt_tag"]  # also rank each prompt (A/B)
    resamples: int  # bootstrap resamples, 100-2000 (default 1000)


class Batch(BatchOptions, total=False):
    """A whole batch, by keyword: ``video_ids`` × ``prompts`` (or ``pairs``) × ``models``."""

    video_ids: Sequence[str] | None
    prompts: Sequence[str] | None
    models: Sequence[str] | None


class WaitOptions(TypedDict, total=False):
    poll_seconds: float  # between two polls (default 2)
    timeout: float | None  # TimeoutError after this many seconds (default: wait for ever)
    on_progress: ProgressCallback | None  # called with the JobView of every poll


def _segment(item_id: str) -> str:
    """An id as one path segment: ``a/b`` must not reach another route."""
    return quote(item_id, safe="")


class _Calls:
    """Every call of the API, built once for both clients."""

    @staticmethod
    def models() -> _Call[ModelCatalog]:
        return _Call("GET", "/api/models", ModelCatalog.model_validate)

    @staticmethod
    def upload(path: Path, content_type: str | None) -> _Call[VideoInfo]:
        headers = {
            "Content-Type": content_type or "application/octet-stream",
            "Content-Length": str(path.stat().st_size),
        }
        params = {"filename": path.name}
        return _Call("POST", "/api/videos", VideoInfo.model_validate, params, headers=headers)

    @staticmethod
    def start_upload(path: Path, content_type: str | None, sha256: str) -> _Call[UploadSession]:
        body = {"filename": path.name, "size_bytes": path.stat().st_size, "sha256": sha256}
        if content_type:
            body["content_type"] = content_type
        return _Call("POST", "/api/uploads", UploadSession.model_validate, json=body)

    @staticmethod
    def finalize_upload(upload_id: str) -> _Call[VideoInfo]:
        path = f"/api/uploads/{_segment(upload_id)}/finalize"
        return _Call("POST", path, VideoInfo.model_validate)

    @staticmethod
    def videos() -> _Call[list[VideoInfo]]:
        return _Call("GET", "/api/videos", lambda body: VideoList.model_validate(body).videos)

    @staticmethod
    def video(video_id: str) -> _Call[VideoInfo]:
        return _Call("GET", f"/api/videos/{_segment(video_id)}", VideoInfo.model_validate)

    @staticmethod
    def rename_video(video_id: str, filename: str) -> _Call[VideoInfo]:
        path = f"/api/videos/{_segment(video_id)}"
        return _Call("PATCH", path, VideoInfo.model_validate, json={"filename": filename})

    @staticmethod
    def delete_video(video_id: str) -> _Call[VideoDeleted]:
        return _Call("DELETE", f"/api/videos/{_segment(video_id)}", VideoDeleted.model_validate)

    @staticmethod
    def thumbnail(video_id: str) -> _Call[bytes]:
        path = f"/api/videos/{_segment(video_id)}/thumbnail"
        return _Call("GET", path, bytes, binary=True)

    @staticmethod
    def batch_body(batch: Batch, *, dry_run: bool = False) -> dict[str, Any]:
        """The JSON body of a batch; the server validates it (a 400 names the bad field)."""
        body: dict[str, Any] = {key: value for key, value in batch.items() if value is not None}
        body["models"] = list(batch.get("models") or [])
        if "pairs" in body:
            body["pairs"] = [
                p.model_dump() if isinstance(p, Pair) else dict(p) for p in body["pairs"]
            ]
        else:
            body["video_ids"] = list(batch.get("video_ids") or [])
            body["prompts"] = list(batch.get("prompts") or [])
        if "tags" in body:
            body["tags"] = list(body["tags"])
        if "prompt_tags" in body:
            body["prompt_tags"] = dict(body["prompt_tags"])
        return body | ({"dry_run": True} if dry_run else {})

    @staticmethod
    def start_batch(batch: Batch) -> _Call[BatchAccepted]:
        body = _Calls.batch_body(batch)
        return _Call("POST", "/api/batch-compare-async", BatchAccepted.model_validate, json=body)

    @staticmethod
    def estimate(batch: Batch) -> _Call[DryRunAnswer]:
        body = _Calls.batch_body(batch, dry_run=True)
        return _Call("POST", "/api/batch-compare-async", DryRunAnswer.model_validate, json=body)

    @staticmethod
    def job(job_id: str) -> _Call[JobView]:
        return _Call("GET", f"/api/jobs/{_segment(job_id)}", JobView.model_validate)

    @staticmethod
    def jobs(status: str | None, limit: int, page_token: str | None) -> _Call[JobList]:
        params: dict[str, Any] = {"limit": limit}
        params |= {"status": status} if status else {}
        params |= {"page_token": page_token} if page_token else {}
        return _Call("GET", "/api/jobs", JobList.model_validate, params)

    @staticmethod
    def result(job_id: str) -> _Call[JobResult]:
        return _Call("GET", f"/api/jobs/{_segment(job_id)}/result", JobResult.model_validate)

    @staticmethod
    def cancel(job_id: str) -> _Call[CancelAnswer]:
        return _Call("POST", f"/api/jobs/{_segment(job_id)}/cancel", CancelAnswer.model_validate)

    @staticmethod
    def job_request(job_id: str) -> _Call[BatchRequest]:
        return _Call("GET", f"/api/jobs/{_segment(job_id)}/request", BatchRequest.model_validate)

    @staticmethod
    def leaderboard(filters: LeaderboardFilters) -> _Call[Leaderboard]:
        params: dict[str, Any] = {}
        for name, value in filters.items():
            if isinstance(value, dt.date):
                value = value.isoformat()
            if isinstance(value, str | int):
                params[name] = value
            elif value is not None:
                params[name] = list(value)  # repeated: ?model=a&model=b
        return _Call("GET", "/api/leaderboard", Leaderboard.model_validate, params)


# Polls in a row that may fail with a 5xx or no answer (a function restarting, a gateway
# that dropped a connection) before ``wait`` gives up: the job runs on regardless.
MISSED_POLLS = 5


class _Poll:
    """The rules of ``wait``: report every poll, stop when finished, give up at the deadline;
    a poll that met a 5xx or no answer is tried again, later each time, up to
    :data:`MISSED_POLLS` in a row."""

    def __init__(
        self,
        job_id: str,
        poll_seconds: float = 2.0,
        timeout: float | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> None:
        self.job_id, self.seconds, self.timeout = job_id, poll_seconds, timeout
        self.on_progress = on_progress
        self.deadline = None if timeout is None else time.monotonic() + timeout
        self.misses = 0

    def missed(self, error: APIError) -> float:
        """The seconds to wait before asking again after ``error``; raises it when it is
        not worth another try (a 4xx, too many in a row, or past the deadline)."""
        self.misses += 1
        late = self.deadline is not None and time.monotonic() > self.deadline
        if not isinstance(error, ServerError | Unreachable) or self.misses > MISSED_POLLS or late:
            raise error
        return min(30.0, self.seconds * 2**self.misses)

    def finished(self, job: JobView) -> bool:
        self.misses = 0
        if self.on_progress is not None:
            self.on_progress(job)
        if job.status.finished:
            return True
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise TimeoutError(f"job {self.job_id} still {job.status.value} after {self.timeout} s")
        return False


def service_url(url: str) -> str:
    """The API's base URL as people type it: ``127.0.0.1:8400`` (no scheme) is
    ``http://127.0.0.1:8400`` (``https://`` for any other host), and a trailing ``/api``
    or ``/`` is dropped, since every path already starts with ``/api``."""
    url = url.strip()
    if "://" not in url:
        local = url.split(":", 1)[0].split("/", 1)[0] in ("127.0.0.1", "localhost", "[::1]")
        url = ("http://" if local else "https://") + url
    url = url.rstrip("/")
    return url.removesuffix("/api")


class _Settings:
    """Where and as whom both clients call: arguments, else the environment, else local."""

    def __init__(self, base_url: str | None, api_key: str | None, timeout: float) -> None:
        from_env = tool_settings()  # VIDCOMPARE_URL, VIDCOMPARE_API_KEY
        self.base_url = service_url(base_url or from_env.url)
        self.api_key = api_key = api_key or from_env.api_key
        self.timeout = timeout
        self.http_args: dict[str, Any] = {
            "base_url": self.base_url,
            "headers": {"X-API-Key": api_key} if api_key else {},
            "timeout": timeout,
        }


# ----------------------------------------------------------------------- clients


class Client(_Settings):
    """Sync client. ``base_url`` defaults to ``VIDCOMPARE_URL``, then the local stack's
    default ``http://127.0.0.1:8000``; ``api_key`` to ``VIDCOMPARE_API_KEY`` (sent as
    ``X-API-Key``). ``transport`` replaces httpx's network transport (a test's
    ``httpx.MockTransport``). The underlying ``httpx.Client`` is ``self.http``.
    """

    def __init__(
        self,
        base_url: str | None = None,
        *,
        api_key: str | None = None,
        timeout: float = 60.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        super().__init__(base_url, api_key, timeout)
        self.http = httpx.Client(**self.http_args, transport=transport)
        # Bytes go to Cloud Storage's session URL: no base URL, and never the API key.
        self.storage_http = httpx.Client(timeout=timeout, transport=transport)
        self.journal = Journal()

    def close(self) -> None:
        self.http.close()
        self.storage_http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _send(self, call: _Call[T], content: Any = None) -> T:
        try:
            response = self.http.request(**call.request_args(content))
        except httpx.TransportError as exc:
            raise Unreachable(self.base_url, exc) from exc
        return call.answer(response)

    def models(self) -> ModelCatalog:
        """The models and judges the server knows (ids for ``models`` and ``judge_model``),
        its default judges and the most models a batch may run."""
        return self._send(_Calls.models())

    def upload(
        self,
        path: str | Path,
        *,
        content_type: str | None = None,
        progress: UploadProgress | None = None,
    ) -> VideoInfo:
        """Upload a video file of any size; its ``VideoInfo`` (the video you already have,
        if you uploaded these bytes before). ``progress(sent, total)`` is called as bytes go.

        A small file is one request; a large one goes straight to Cloud Storage in chunks,
        through dropped connections, and a run killed half-way resumes where it stopped
        when run again (open sessions are kept in the state directory's ``uploads/``).
        Never read whole into memory."""
        path = Path(path)
        size = path.stat().st_size
        if size > SMALL_UPLOAD_BYTES:
            return self._upload_resumably(path, content_type, progress)
        with path.open("rb") as stream:
            video = self._send(_Calls.upload(path, content_type), stream)
        if progress:
            progress(size, size)
        return video

    def _upload_resumably(
        self, path: Path, content_type: str | None, progress: UploadProgress | None
    ) -> VideoInfo:
        size = path.stat().st_size
        open_upload = self.journal.find(self.base_url, path)
        for _ in range(2):  # a session that is gone is started afresh, once
            fresh = open_upload is None
            if open_upload is None:
                session = self._send(_Calls.start_upload(path, content_type, file_sha256(path)))
                if session.existing is not None:  # these bytes are there already
                    if progress:
                        progress(size, size)
                    return session.existing
                assert session.upload_url is not None
                open_upload = OpenUpload(
                    session.upload_id, session.upload_url, size, session.chunk_bytes
                )
                self.journal.remember(self.base_url, path, open_upload)
            sender = SessionSender(self.storage_http, open_upload, path, progress=progress)
            try:
                sender.send(fresh=fresh)
            except SessionGone:
                self.journal.forget(self.base_url, path)
                open_upload = None
                continue
            except SendFailed as exc:
                raise UploadFailed(str(exc)) from exc
            try:
                video = self._send(_Calls.finalize_upload(open_upload.upload_id))
            except ClientError:  # expired, not a video, unknown: this session is done
                self.journal.forget(self.base_url, path)
                raise
            self.journal.forget(self.base_url, path)
            return video
        raise UploadFailed("Cloud Storage dropped the upload session twice; try again")

    def videos(self) -> list[VideoInfo]:
        """The caller's uploaded videos."""
        return self._send(_Calls.videos())

    def video(self, video_id: str) -> VideoInfo:
        return self._send(_Calls.video(video_id))

    def rename_video(self, video_id: str, filename: str) -> VideoInfo:
        """Give a video another file name (the one shown); its ``VideoInfo`` after."""
        return self._send(_Calls.rename_video(video_id, filename))

    def delete_video(self, video_id: str) -> VideoDeleted:
        """Delete a video and its file; its jobs keep their results. A ``ClientError``
        409 while a pending or running job of yours uses it."""
        return self._send(_Calls.delete_video(video_id))

    def thumbnail(self, video_id: str) -> bytes:
        """A JPEG of one frame of the video, 160 px wide."""
        return self._send(_Calls.thumbnail(video_id))

    def start_batch(
        self,
        video_ids: Sequence[str] | None = None,
        prompts: Sequence[str] | None = None,
        models: Sequence[str] | None = None,
        **options: Unpack[BatchOptions],
    ) -> BatchAccepted:
        """Start ``video_ids`` × ``prompts`` (or ``pairs=[{video_id, prompt}, …]``) × ``models``
        in the background and answer at once with the job id. ``options``:
        :class:`BatchOptions` (``pairs``, ``judge_model``, ``concurrency``, ``judge_swaps``).
        """
        batch = Batch(video_ids=video_ids, prompts=prompts, models=models, **options)
        return self._send(_Calls.start_batch(batch))

    def estimate(self, **batch: Unpack[Batch]) -> DryRunAnswer:
        """What ``start_batch`` with the same keywords would take: model and judge calls,
        seconds and dollars (a dry run, validated like a batch; nothing is created).
        """
        return self._send(_Calls.estimate(batch))

    def job(self, job_id: str) -> JobView:
        """A job's status and progress (with its result inline once completed)."""
        return self._send(_Calls.job(job_id))

    def jobs(
        self, *, status: str | None = None, limit: int = 20, page_token: str | None = None
    ) -> JobList:
        """The caller's jobs, newest first; ``next_page_token`` continues the list."""
        return self._send(_Calls.jobs(status, limit, page_token))

    def result(self, job_id: str) -> JobResult:
        """A job's comparisons and leaderboard (those done so far while it runs)."""
        return self._send(_Calls.result(job_id))

    def cancel(self, job_id: str) -> CancelAnswer:
        """Cancel a pending or running job (idempotent; 409 once it has finished)."""
        return self._send(_Calls.cancel(job_id))

    def job_request(self, job_id: str) -> BatchRequest:
        """The request that runs this job again: edit it, then
        ``start_batch(**it.model_dump(exclude={"dry_run"}))``."""
        return self._send(_Calls.job_request(job_id))

    def leaderboard(self, **filters: Unpack[LeaderboardFilters]) -> Leaderboard:
        """Models ranked across the caller's jobs (mean scores and Bradley–Terry strengths
        with 95 % CIs, a model × prompt matrix); ``by="prompt"`` also ranks the prompts.
        ``filters``: :class:`LeaderboardFilters`."""
        return self._send(_Calls.leaderboard(filters))

    def wait(self, job_id: str, **how: Unpack[WaitOptions]) -> JobView:
        """Poll until the job has finished (completed, failed or cancelled) and return it.
        ``how``: :class:`WaitOptions` (``poll_seconds``, ``timeout``, ``on_progress``, which
        gets the ``JobView`` of every poll).
        """
        poll = _Poll(job_id, **how)
        while True:
            try:
                job = self.job(job_id)
            except APIError as error:
                time.sleep(poll.missed(error))
                continue
            if poll.finished(job):
                return job
            time.sleep(poll.seconds)


class AsyncClient(_Settings):
    """The async twin of :class:`Client`: the same constructor (``transport``: an
    ``httpx.AsyncBaseTransport``) and methods, awaited; ``start_batch`` takes its fields by
    keyword. ``self.http`` is an ``httpx.AsyncClient``; close with ``aclose`` or ``async with``.
    """

    def __init__(
        self,
        base_url: str | None = None,
        *,
        api_key: str | None = None,
        timeout: float = 60.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(base_url, api_key, timeout)
        self.http = httpx.AsyncClient(**self.http_args, transport=transport)

    async def aclose(self) -> None:
        await self.http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def _send(self, call: _Call[T], content: Any = None) -> T:
        try:
            response = await self.http.request(**call.request_args(content))
        except httpx.TransportError as exc:
            raise Unreachable(self.base_url, exc) from exc
        return call.answer(response)

    async def models(self) -> ModelCatalog:
        return await self._send(_Calls.models())

    async def upload(
        self,
        path: str | Path,
        *,
        content_type: str | None = None,
        progress: UploadProgress | None = None,
    ) -> VideoInfo:
        path = Path(path)
        size = path.stat().st_size
        if size > SMALL_UPLOAD_BYTES:  # the resumable protocol, in a thread of its own
            with Client(self.base_url, api_key=self.api_key, timeout=self.timeout) as client:
                upload = functools.partial(client.upload, content_type=content_type)
                return await asyncio.to_thread(upload, path, progress=progress)
        video = await self._send(_Calls.upload(path, content_type), _chunks(path))
        if progress:
            progress(size, size)
        return video

    async def videos(self) -> list[VideoInfo]:
        return await self._send(_Calls.videos())

    async def video(self, video_id: str) -> VideoInfo:
        return await self._send(_Calls.video(video_id))

    async def rename_video(self, video_id: str, filename: str) -> VideoInfo:
        return await self._send(_Calls.rename_video(video_id, filename))

    async def delete_video(self, video_id: str) -> VideoDeleted:
        return await self._send(_Calls.delete_video(video_id))

    async def thumbnail(self, video_id: str) -> bytes:
        return await self._send(_Calls.thumbnail(video_id))

    async def start_batch(self, **batch: Unpack[Batch]) -> BatchAccepted:
        return await self._send(_Calls.start_batch(batch))

    async def estimate(self, **batch: Unpack[Batch]) -> DryRunAnswer:
        return await self._send(_Calls.estimate(batch))

    async def job(self, job_id: str) -> JobView:
        return await self._send(_Calls.job(job_id))

    async def jobs(
        self, *, status: str | None = None, limit: int = 20, page_token: str | None = None
    ) -> JobList:
        return await self._send(_Calls.jobs(status, limit, page_token))

    async def result(self, job_id: str) -> JobResult:
        return await self._send(_Calls.result(job_id))

    async def cancel(self, job_id: str) -> CancelAnswer:
        return await self._send(_Calls.cancel(job_id))

    async def job_request(self, job_id: str) -> BatchRequest:
        return await self._send(_Calls.job_request(job_id))

    async def leaderboard(self, **filters: Unpack[LeaderboardFilters]) -> Leaderboard:
        return await self._send(_Calls.leaderboard(filters))

    async def wait(self, job_id: str, **how: Unpack[WaitOptions]) -> JobView:
        poll = _Poll(job_id, **how)
        while True:
            try:
                job = await self.job(job_id)
            except APIError as error:
                await asyncio.sleep(poll.missed(error))
                continue
            if poll.finished(job):
                return job
            await asyncio.sleep(poll.seconds)


async def _chunks(path: Path) -> AsyncIterator[bytes]:
    """A file's bytes for an async upload, read off the event loop a chunk at a time."""
    with path.open("rb") as stream:
        while chunk := await asyncio.to_thread(stream.read, UPLOAD_CHUNK_BYTES):
            yield chunk
