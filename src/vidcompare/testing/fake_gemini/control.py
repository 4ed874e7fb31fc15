"""The control API under ``/_fake/``, over HTTP because the fake's callers live in other
processes (JSON in, JSON out; a bad argument answers 400 ``{"error": ...}``)::

    GET  /_fake/health                  {"ok": true}
    POST /_fake/reset                   {"log_only": false, "keep_files": false} -> forget
                                        files (unless keep_files), scripts, config, log
    POST /_fake/script                  {"model": "<id>" | "*", "clear": false, <script fields>}
    GET  /_fake/script                  every stored script
    POST /_fake/config                  {<config fields>} (null: back to the default)
    GET  /_fake/config                  (models as full resources)
    GET  /_fake/log?since=N&model=M&requests=1   {"calls": [...], "counters": {...}, "requests"}
    GET  /_fake/counters
    GET  /_fake/quotas                  the quotas, each (api_key, model)'s use of its window
                                        now, and the quota 429s (refused, by model, by limit)
    GET  /_fake/uploads                 every finalized upload (name, sizeBytes, sha256 hex,
                                        state: PROCESSING, ACTIVE, ..., DELETED or EXPIRED)
    GET  /_fake/files                   live files with their internal state
    POST /_fake/files/expire            {"name": "files/abc"} or {"all": true}: forget them
    POST /_fake/files/state             {"name": "files/abc", "state": "ACTIVE" | "FAILED" | ...}

Script fields: see :data:`.scripting.SCRIPT_DEFAULTS`; config fields:
:data:`.state.CONFIG_DEFAULTS` (quotas: ``{"quotas": {"gemini-3.6-flash": {"rpm": 60}},
"quota_window_s": 60}``, see :mod:`.limits`).
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from vidcompare.testing.fake_gemini.files import file_id_of, file_resource, forget, refresh
from vidcompare.testing.fake_gemini.limits import usage
from vidcompare.testing.fake_gemini.scripting import set_script
from vidcompare.testing.fake_gemini.wire import json_response, now, rfc3339

if TYPE_CHECKING:
    from vidcompare.testing.fake_gemini.state import FakeState


def control(state: FakeState, request: Request) -> Response:
    """Answer a request under ``/_fake/``."""
    route = (request.method, request.path.removeprefix("/_fake"))
    body = request.get_json(force=True, silent=True) if request.method == "POST" else None
    body = body if isinstance(body, dict) else {}
    try:
        return _route(state, route, request, body)
    except (ValueError, TypeError, KeyError) as exc:
        return json_response({"error": f"{type(exc).__name__}: {exc}"}, 400)


def _route(
    state: FakeState, route: tuple[str, str], request: Request, body: dict[str, Any]
) -> Response:
    match route:
        case ("GET", "/health"):
            return json_response({"ok": True})
        case ("POST", "/reset"):
            with state.lock:
                state.reset(
                    log_only=bool(body.get("log_only")),
                    keep_files=bool(body.get("keep_files")),
                )
            return json_response({"ok": True})
        case ("GET", "/script"):
            with state.lock:
                return json_response(copy.deepcopy(state.scripts))
        case ("POST", "/script"):
            return json_response(set_script(state, body))
        case ("GET", "/config"):
            with state.lock:
                return json_response(state.config)
        case ("POST", "/config"):
            return json_response(state.set_config(body))
        case ("GET", "/log"):
            return json_response(
                state.log(
                    since=int(request.args.get("since") or 0),
                    model=request.args.get("model"),
                    with_requests=request.args.get("requests") not in (None, "", "0", "false"),
                )
            )
        case ("GET", "/counters"):
            return json_response(state.counters_now())
        case ("GET", "/quotas"):
            return json_response(usage(state))
        case ("GET", "/uploads"):
            return json_response(_uploads(state))
        case ("GET", "/files"):
            with state.lock:
                return json_response([refresh(rec) for rec in state.files.values()])
        case ("POST", "/files/expire"):
            with state.lock:
                names = list(state.files) if body.get("all") else [_file_arg(body)]
                gone = [f"files/{n}" for n in names if forget(state, n, "expired")]
                state.bump("files_expired", by=len(gone))
            return json_response({"expired": gone})
        case ("POST", "/files/state"):
            file_state = str(body["state"]).upper()
            with state.lock:
                rec = state.files.get(_file_arg(body))
                if rec is None:
                    raise KeyError(body.get("name"))
                rec["state"] = file_state
                rec["updateTime"] = rfc3339(now())
                return json_response(file_resource(rec))
    return json_response({"error": f"no control route {route[0]} {route[1]}"}, 404)


def _uploads(state: FakeState) -> list[dict[str, Any]]:
    """Every finalized upload with its file's state now, or its fate (DELETED, EXPIRED)."""
    with state.lock:
        uploads = copy.deepcopy(state.uploads)
        for upload in uploads:
            rec = state.files.get(upload["name"].removeprefix("files/"))
            fate = upload["fate"]
            if fate:
                upload["state"] = fate.upper()
            else:
                upload["state"] = refresh(rec)["state"] if rec else "UNKNOWN"
        return uploads


def _file_arg(body: dict[str, Any]) -> str:
    """The file id a control request names ("files/abc", a URI or a bare id)."""
    name = str(body["name"])
    return file_id_of(name) or name.removeprefix("files/")
