"""Deploy vidcompare to Google Cloud with the gcloud CLI, and tear it down again.

    vidcompare deploy --project P --region R [--dry-run]
    vidcompare teardown --project P --region R [--dry-run] [--delete-data]

(``infra/deploy.sh`` and ``infra/teardown.sh`` take the same flags.) Every cloud
resource is declared once (:mod:`~vidcompare.deploy.resources`, each a
:class:`~vidcompare.deploy.resource.Resource` that says how to check, create, update
and delete it). A deploy stages each function as a self-contained directory under
``build/deploy/``, writes the documents the gcloud commands read
(:mod:`~vidcompare.deploy.documents`), and walks the resources into one bash script
(:mod:`~vidcompare.deploy.script`); a teardown walks them backwards. ``--dry-run``
prints that script and calls nothing.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from vidcompare.deploy.documents import FUNCTIONS_DIR, documents, firestore_indexes
from vidcompare.deploy.script import deploy_script, teardown_script
from vidcompare.deploy.stage import repo_root, stage_functions, tree_digest
from vidcompare.deploy.target import Target

__all__ = ["Target", "prepare_deploy", "run_script", "teardown_script"]


def prepare_deploy(target: Target, root: Path | None = None) -> str:
    """Stage the functions and write the documents under ``root``; the deploy script."""
    root = root or repo_root()
    staged = stage_functions(root / FUNCTIONS_DIR, root)
    for path, text in documents(target).items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    digests = {name: tree_digest(path)[:16] for name, path in staged.items()}
    return deploy_script(target, indexes=firestore_indexes(root), digests=digests, root=root)


def run_script(script: str, root: Path | None = None) -> int:
    """Run a generated script with bash in the checkout; its exit status."""
    return subprocess.run(
        ["bash", "-s"], input=script, text=True, cwd=root or repo_root()
    ).returncode
