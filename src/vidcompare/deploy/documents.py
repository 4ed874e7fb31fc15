"""What a deploy writes under ``build/deploy/`` for the gcloud commands to read.

Paths here are relative to the checkout; the script names them absolutely (the
checkout's ``build/deploy/`` is given to it), so it runs from any directory. Every
document is a function of the :class:`Target` alone, so the API Gateway config id (a
digest of its document) is known before anything is written or deployed. The bucket's
CORS document is the exception: it names the gateway's host, known once the gateway
exists, so the script writes it then (:mod:`vidcompare.deploy.cors`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from pathlib import Path
from typing import Any

from vidcompare.deploy.api_gateway import gateway_spec
from vidcompare.deploy.target import FUNCTIONS, Target
from vidcompare.uploads import INCOMING_PREFIX, UPLOAD_WINDOW

BUILD_DIR = Path("build") / "deploy"
FUNCTIONS_DIR = BUILD_DIR / "functions"
LIFECYCLE_FILE = BUILD_DIR / "bucket-lifecycle.json"
GATEWAY_FILE = BUILD_DIR / "api-gateway.json"
CORS_FILE = BUILD_DIR / "bucket-cors.json"
INDEXES_FILE = Path("infra") / "firestore.indexes.json"


def abandoned_upload_days() -> int:
    """Whole days after which an object under ``incoming/`` can no longer be finalized:
    its session was started before it was created, and finalizing closes with the window."""
    return math.ceil(UPLOAD_WINDOW / dt.timedelta(days=1))


def lifecycle_policy(target: Target) -> dict[str, Any]:
    """Videos go with the Firestore documents that point at them; an upload never
    finalized is deleted once its window has closed."""
    delete = {"type": "Delete"}
    return {
        "rule": [
            {"action": delete, "condition": {"age": target.retention_days}},
            {
                "action": delete,
                "condition": {"age": abandoned_upload_days(), "matchesPrefix": [INCOMING_PREFIX]},
            },
        ]
    }


def gateway_backends(target: Target) -> dict[str, str]:
    """Each HTTP function's URL: a gen2 function's is derived from its name."""
    return {fn.name: target.function_url(fn.name) for fn in FUNCTIONS if fn.http}


def documents(target: Target) -> dict[Path, str]:
    """Every document the commands read: path -> text."""
    return {
        LIFECYCLE_FILE: _json(lifecycle_policy(target)),
        GATEWAY_FILE: _json(gateway_spec(gateway_backends(target), target.name)),
    }


def gateway_config_id(target: Target) -> str:
    """API Gateway configs are immutable: a new document, a new id."""
    digest = hashlib.sha256(documents(target)[GATEWAY_FILE].encode()).hexdigest()
    return f"{target.name}-{digest[:12]}"


def firestore_indexes(root: Path) -> list[dict[str, Any]]:
    """The composite indexes the queries need, as ``infra/`` declares them."""
    return json.loads((root / INDEXES_FILE).read_text())["indexes"]


def _json(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, sort_keys=True) + "\n"
