"""Cloud Function `job_status`: a thin adapter over :mod:`vidcompare.api.http`."""

import os

# Before numpy loads: one request ranks on one core; BLAS threads only contend with the
# instance's other work (the leaderboard's ranking: 112 ms p50 against 152 ms with them).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import flask  # noqa: E402
import functions_framework  # noqa: E402

from vidcompare.api.http import serve  # noqa: E402


@functions_framework.http
def job_status(request: flask.Request) -> flask.Response:
    return serve(request, "job_status")
