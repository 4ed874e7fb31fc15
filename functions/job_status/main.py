"""Cloud Function `job_status`: a thin adapter over :mod:`vidcompare.api.http`."""

import flask
import functions_framework

from vidcompare.api.http import serve


@functions_framework.http
def job_status(request: flask.Request) -> flask.Response:
    return serve(request, "job_status")
