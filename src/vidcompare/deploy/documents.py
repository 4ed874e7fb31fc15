"""What a deploy writes under ``build/deploy/`` for the gcloud commands to read.

Paths are relative to the checkout: the script runs there, and reads the same anywhere.
Every document is a function of the :class:`Target` alone, so the API Gateway config id
(a digest of its document) is known before anything is written or deployed.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from vidcompare.deploy.api_gateway import gateway_spec
from vidcompare.deploy.target import FUNCTIONS, Target

BUILD_DIR = Path("build") / "deploy"
FUNCTIONS_DIR = BUILD_DIR / "functions"
LIFECYCLE_FILE = BUILD_DIR / "bucket-lifecycle.json"
GATEWAY_FILE = BUILD_DIR / "api-gateway.json"
INDEXES_FILE = Path("infra") / "firestore.indexes.json"


def lifecycle_policy(target: Target) -> dict[str, Any]:
    """Uploaded videos go with the Firestore documents that point at them."""
    return {"rule": [{"action": {"type": "Delete"}, "condition": {"age": target.retention_days}}]}


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
