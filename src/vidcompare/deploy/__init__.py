"""Deploy vidcompare to Google Cloud with the gcloud CLI, and tear it down again.

    vidcompare deploy --project P --region R [--dry-run]
    vidcompare teardown --project P --region R [--dry-run] [--delete-data]

(``infra/deploy.sh`` and ``infra/teardown.sh`` take the same flags.) A deploy stages
each function as a self-contained directory under ``build/deploy/``, writes the
documents the gcloud commands read, and builds one bash script of gcloud commands
(:mod:`vidcompare.deploy.script`); ``--dry-run`` prints that script and calls nothing.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from vidcompare.deploy.api_gateway import gateway_spec
from vidcompare.deploy.script import (
    FUNCTIONS,
    Target,
    deploy_script,
    lifecycle_policy,
    teardown_script,
)
from vidcompare.deploy.stage import repo_root, stage_functions, tree_digest

__all__ = ["Target", "prepare_deploy", "run_script", "teardown_script"]

BUILD_DIR = Path("build") / "deploy"


def prepare_deploy(target: Target, root: Path | None = None) -> str:
    """Stage the functions and documents under ``root/build/deploy``; the deploy script."""
    root = root or repo_root()
    build = root / BUILD_DIR
    staged = stage_functions(build / "functions", root)
    _write_json(build / "bucket-lifecycle.json", lifecycle_policy(target))
    indexes = json.loads((root / "infra" / "firestore.indexes.json").read_text())
    _write_json(build / "firestore.indexes.json", indexes)
    backends = {fn.name: target.function_url(fn.name) for fn in FUNCTIONS if fn.http}
    _write_json(build / "api-gateway.json", gateway_spec(backends, target.name))
    digests = {name: tree_digest(path)[:16] for name, path in staged.items()}
    # Paths relative to the checkout: the script runs there, and reads the same anywhere.
    relative = {name: path.relative_to(root) for name, path in staged.items()}
    return deploy_script(target, build=BUILD_DIR, staged=relative, digests=digests)


def run_script(script: str, root: Path | None = None) -> int:
    """Run a generated script with bash in the checkout; its exit status."""
    return subprocess.run(
        ["bash", "-s"], input=script, text=True, cwd=root or repo_root()
    ).returncode


def _write_json(path: Path, doc: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n")
