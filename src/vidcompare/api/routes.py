"""Every route of the HTTP API, declared once: its handler and what it takes and answers.

A route names the Cloud Function that serves it: a function's ``main.py`` calls
:func:`vidcompare.api.http.serve` with its own name, the local gateway forwards a path
to the function the table names, and the OpenAPI documents (the served one and API
Gateway's) are made from this table. A handler is a named function of the request,
the path's parameters and the caller (see :data:`vidcompare.api.routing.Handler`).
"""

from __future__ import annotations

import functools
import json
from typing import Any

import flask

from vidcompare import auth, playback, sweep
from vidcompare.api import batches, jobs, leaderboard, models, openapi, videos
from vidcompare.api.routing import JOB_STATUS, START_BATCH, RawAnswer, RawBody, Route, find_route
from vidcompare.config import settings
from vidcompare.errors import InvalidRequest, PayloadTooLarge
from vidcompare.ranking import Leaderboard
from vidcompare.schemas import (
    BatchAccepted,
    BatchRequest,
    CancelAnswer,
    DryRunAnswer,
    JobList,
    JobResult,
    JobView,
    ModelCatalog,
    PlaybackGrant,
    SweepReport,
    UploadRequest,
    UploadSession,
    VideoDeleted,
    VideoImport,
    VideoInfo,
    VideoList,
    VideoRename,
)

Params = dict[str, str]


def start_batch(
    request: flask.Request, params: Params, owner: str | None
) -> tuple[int, BatchAccepted | DryRunAnswer]:
    answer = batches.start_batch(_json_body(request), owner=owner)
    # A dry run only estimates: 200. A started batch runs in the background: 202.
    return (200 if isinstance(answer, DryRunAnswer) else 202), answer


def upload_video(
    request: flask.Request, params: Params, owner: str | None
) -> tuple[int, VideoInfo]:
    if request.mimetype == "application/json":
        video, new = videos.import_video(_json_body(request), owner)
    else:
        video, new = videos.upload(request, owner)
    # 200: the owner already had these bytes, and this is that video.
    return (201 if new else 200), video


def start_upload(
    request: flask.Request, params: Params, owner: str | None
) -> tuple[int, UploadSession]:
    return videos.start_upload(request, owner, _json_body(request))


def finalize_upload(
    request: flask.Request, params: Params, owner: str | None
) -> tuple[int, VideoInfo]:
    video, new = videos.finalize_upload(params["upload_id"], owner)
    return (201 if new else 200), video


def list_videos(request: flask.Request, params: Params, owner: str | None) -> tuple[int, VideoList]:
    return 200, videos.list_videos(owner)


def get_video(request: flask.Request, params: Params, owner: str | None) -> tuple[int, VideoInfo]:
    return 200, videos.get_video(params["video_id"], owner)


def grant_playback(
    request: flask.Request, params: Params, owner: str | None
) -> tuple[int, PlaybackGrant]:
    return 200, playback.grant(params["video_id"], owner=owner)


def video_content(
    request: flask.Request, params: Params, owner: str | None
) -> tuple[int, RawAnswer]:
    return videos.content(request, params["video_id"])


def rename_video(
    request: flask.Request, params: Params, owner: str | None
) -> tuple[int, VideoInfo]:
    return 200, videos.rename_video(params["video_id"], _json_body(request), owner)


def delete_video(
    request: flask.Request, params: Params, owner: str | None
) -> tuple[int, VideoDeleted]:
    return 200, videos.delete_video(params["video_id"], owner)


def video_thumbnail(
    request: flask.Request, params: Params, owner: str | None
) -> tuple[int, RawAnswer]:
    return 200, videos.thumbnail(params["video_id"], owner)


def list_jobs(request: flask.Request, params: Params, owner: str | None) -> tuple[int, JobList]:
    return 200, jobs.list_jobs(request.args.to_dict(), owner=owner)


def get_job(request: flask.Request, params: Params, owner: str | None) -> tuple[int, JobView]:
    return 200, jobs.get_job(params["job_id"], owner=owner)


def get_job_result(
    request: flask.Request, params: Params, owner: str | None
) -> tuple[int, JobResult]:
    return 200, jobs.get_result(params["job_id"], owner=owner)


def export_job(request: flask.Request, params: Params, owner: str | None) -> tuple[int, RawAnswer]:
    fmt = request.args.get("format", "csv")
    return 200, jobs.export(params["job_id"], fmt, owner=owner)


def job_request(
    request: flask.Request, params: Params, owner: str | None
) -> tuple[int, BatchRequest]:
    return 200, jobs.batch_request(params["job_id"], owner=owner)


def cancel_job(
    request: flask.Request, params: Params, owner: str | None
) -> tuple[int, CancelAnswer]:
    return 200, jobs.cancel(params["job_id"], owner=owner)


def library_leaderboard(
    request: flask.Request, params: Params, owner: str | None
) -> tuple[int, Leaderboard]:
    return 200, leaderboard.leaderboard(request.args.to_dict(flat=False), owner=owner)


def model_catalog(
    request: flask.Request, params: Params, owner: str | None
) -> tuple[int, ModelCatalog]:
    return 200, models.catalog()


def sweep_stalled_jobs(
    request: flask.Request, params: Params, owner: str | None
) -> tuple[int, SweepReport]:
    auth.require_admin(owner or "")  # never None: the route is not public
    report = sweep.sweep(
        lost_messages=_flag(request, "lost_messages"),
        release_dead=_flag(request, "release_dead"),
        recount=_flag(request, "recount"),
    )
    return 200, report


def openapi_document(
    request: flask.Request, params: Params, owner: str | None
) -> tuple[int, openapi.OpenAPIDocument]:
    return 200, openapi.OpenAPIDocument(served_spec())


ROUTES: tuple[Route, ...] = (
    Route(
        "POST",
        "/api/batch-compare-async",
        START_BATCH,
        start_batch,
        "Start a batch (202), or estimate it with dry_run (200)",
        {202: BatchAccepted, 200: DryRunAnswer},
        body=BatchRequest,
    ),
    Route(
        "POST",
        "/api/videos",
        START_BATCH,
        upload_video,
        "Upload a small video as the body (up to the 32 MiB request cap), or import one "
        "already in Cloud Storage with JSON {gcs_uri}; 200 when you already have its bytes",
        {201: VideoInfo, 200: VideoInfo},
        body=VideoImport,
        raw_body=True,
        query=("filename",),
    ),
    Route(
        "POST",
        "/api/uploads",
        START_BATCH,
        start_upload,
        "Start a resumable upload straight to Cloud Storage (any size): 201 and the "
        "session; 200 and the existing video when you already have these bytes (sha256)",
        {201: UploadSession, 200: UploadSession},
        body=UploadRequest,
    ),
    Route(
        "POST",
        "/api/uploads/{upload_id}/finalize",
        START_BATCH,
        finalize_upload,
        "Probe and record an uploaded video: 201 new; 200 when you already had these "
        "bytes (that video); 409 while bytes are missing; 415 not a video (deleted)",
        {201: VideoInfo, 200: VideoInfo},
    ),
    Route("GET", "/api/videos", JOB_STATUS, list_videos, "List your videos", {200: VideoList}),
    Route("GET", "/api/videos/{video_id}", JOB_STATUS, get_video, "One video", {200: VideoInfo}),
    Route(
        "POST",
        "/api/videos/{video_id}/playback",
        JOB_STATUS,
        grant_playback,
        "A URL a video player may stream the video from for an hour (its token is the "
        "credential: a <video> element cannot send X-API-Key)",
        {200: PlaybackGrant},
    ),
    Route(
        "GET",
        "/api/videos/{video_id}/content",
        JOB_STATUS,
        video_content,
        "The video's bytes for a playback token; Range requests answer 206 with at most "
        "8 MiB (ask again from where it ended)",
        {200: RawBody(("video/*",), "The whole video"), 206: RawBody(("video/*",), "A byte range")},
        errors=(401, 404, 416),
        query=("token",),
        public=True,  # the token is the credential
    ),
    Route(
        "PATCH",
        "/api/videos/{video_id}",
        JOB_STATUS,
        rename_video,
        "Rename a video (the file name shown; its jobs are unchanged)",
        {200: VideoInfo},
        body=VideoRename,
    ),
    Route(
        "DELETE",
        "/api/videos/{video_id}",
        JOB_STATUS,
        delete_video,
        "Delete a video, its file and its thumbnail (its jobs keep their results); "
        "409 while a pending or running job of yours uses it",
        {200: VideoDeleted},
    ),
    Route(
        "GET",
        "/api/videos/{video_id}/thumbnail",
        JOB_STATUS,
        video_thumbnail,
        "A JPEG of one frame, 160 px wide, from 10 % into the video (made once, then "
        "kept); 415 when no frame can be decoded",
        {200: RawBody(("image/jpeg",), "The thumbnail")},
    ),
    Route(
        "GET",
        "/api/jobs",
        JOB_STATUS,
        list_jobs,
        "List your jobs, newest first",
        {200: JobList},
        query=("limit", "page_token", "status"),
    ),
    Route(
        "GET",
        "/api/jobs/{job_id}",
        JOB_STATUS,
        get_job,
        "A job's progress (and its result once completed)",
        {200: JobView},
    ),
    Route(
        "GET",
        "/api/jobs/{job_id}/result",
        JOB_STATUS,
        get_job_result,
        "The comparisons done so far",
        {200: JobResult},
    ),
    Route(
        "GET",
        "/api/jobs/{job_id}/export",
        JOB_STATUS,
        export_job,
        "The result as a file to save: format=csv (a row per combination, a score column "
        "per model), csv-long (a row per answer), json, md, or html (a self-contained report)",
        {
            200: RawBody(
                ("text/csv", "application/json", "text/markdown", "text/html"),
                "The file (Content-Disposition names it)",
            )
        },
        query=("format",),
    ),
    Route(
        "GET",
        "/api/jobs/{job_id}/request",
        JOB_STATUS,
        job_request,
        "The batch request that runs this job again (to edit and resubmit: run again)",
        {200: BatchRequest},
    ),
    Route(
        "POST",
        "/api/jobs/{job_id}/cancel",
        JOB_STATUS,
        cancel_job,
        "Cancel a pending or running job (idempotent; 409 once finished)",
        {200: CancelAnswer},
    ),
    Route(
        "GET",
        "/api/leaderboard",
        JOB_STATUS,
        library_leaderboard,
        "Models ranked across your jobs' comparisons: mean scores with 95 % bootstrap CIs, "
        "win rates, Bradley–Terry strengths with CIs, a model × prompt matrix and, with "
        "by=prompt or prompt_tag, each prompt's scores and each model's best prompt. "
        "Filters repeat (job=a&job=b); since/until are ISO dates or times of job creation",
        {200: Leaderboard},
        query=leaderboard.QUERY,
    ),
    Route(
        "GET",
        "/api/models",
        JOB_STATUS,
        model_catalog,
        "The models and judges a batch may name, the default judges and the model limit",
        {200: ModelCatalog},
    ),
    # Run by Cloud Scheduler in production, by the local gateway on a timer.
    Route(
        "POST",
        "/internal/sweep",
        JOB_STATUS,
        sweep_stalled_jobs,
        "Republish what stalled jobs are missing (admins only); lost_messages=true after "
        "Pub/Sub forgot its messages; release_dead and recount: local-stack repairs",
        {200: SweepReport},
        query=("lost_messages", "release_dead", "recount"),
    ),
    Route(
        "GET",
        "/openapi.json",
        JOB_STATUS,
        openapi_document,
        "This API's OpenAPI 3 document",
        {200: openapi.OpenAPIDocument},
        errors=(),
        public=True,
    ),
)


def match(method: str, path: str) -> tuple[Route, dict[str, str]]:
    """The route for ``method path`` and its path parameters; NotFound or
    MethodNotAllowed otherwise."""
    return find_route(ROUTES, method, path)


@functools.cache
def served_spec() -> dict[str, Any]:
    """The OpenAPI 3 document of :data:`ROUTES`, made once, when first asked for."""
    return openapi.spec(ROUTES)


def _json_body(request: flask.Request) -> Any:
    limit = settings().max_body_bytes
    # Read at most one byte past the limit: a body without Content-Length is bounded too.
    data = request.stream.read(limit + 1)
    if len(data) > limit:
        raise PayloadTooLarge(f"the request body is larger than {limit} bytes")
    try:
        return json.loads(data or b"null")
    except ValueError:
        raise InvalidRequest.for_field("body", "is not valid JSON") from None
    except RecursionError:
        raise InvalidRequest.for_field("body", "is nested too deeply") from None


def _flag(request: flask.Request, name: str) -> bool:
    value = request.args.get(name, "").lower()
    if value not in ("", "true", "false", "1", "0"):
        raise InvalidRequest.for_field(name, "must be true or false")
    return value in ("true", "1")
