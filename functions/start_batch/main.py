"""Cloud Function `start_batch`: a thin adapter over :mod:`vidcompare.api.http`."""

import flask
import functions_framework

from vidcompare.api.http import serve


@functions_framework.http
def start_batch(request: flask.Request) -> flask.Response:
    return serve(request, "start_batch")
