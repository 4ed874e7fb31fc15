"""Stage each function as a self-contained source directory, as Cloud Functions builds it.

``build/deploy/functions/<name>/`` holds the function's ``main.py``, a copy of the
``vidcompare`` library and a ``requirements.txt`` pinning the versions this checkout
runs and tests with. Cloud Build installs that directory on its own, so nothing in it
may reach outside it.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import re
import shutil
import tomllib
from pathlib import Path

FUNCTION_NAMES = ("start_batch", "job_status", "process_combo")
# Not needed by a deployed function; kept out of what Cloud Build uploads.
_SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", "deploy", "web", "devstack")


def repo_root() -> Path:
    """The checkout this library runs from (deploying needs its ``functions/``)."""
    for parent in Path(__file__).resolve().parents:
        if (parent / "functions").is_dir() and (parent / "pyproject.toml").is_file():
            return parent
    raise FileNotFoundError("deploy from a vidcompare checkout: no functions/ directory found")


def pinned_requirements(root: Path) -> list[str]:
    """The project's runtime dependencies, each pinned to the installed version."""
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    pins = []
    for spec in project["dependencies"]:
        name = re.split(r"[\s<>=!~;\[]", spec, maxsplit=1)[0]
        pins.append(f"{name}=={importlib.metadata.version(name)}")
    return sorted(pins, key=str.lower)


def stage_functions(out: Path, root: Path | None = None) -> dict[str, Path]:
    """Write one self-contained directory per function under ``out``; name -> path."""
    root = root or repo_root()
    library = root / "src" / "vidcompare"
    requirements = "\n".join(pinned_requirements(root)) + "\n"
    staged = {}
    for name in FUNCTION_NAMES:
        target = out / name
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        shutil.copy2(root / "functions" / name / "main.py", target / "main.py")
        shutil.copytree(library, target / "vidcompare", ignore=_SKIP)
        (target / "requirements.txt").write_text(requirements)
        (target / ".gcloudignore").write_text("__pycache__/\n*.pyc\n")
        staged[name] = target
    return staged


def tree_digest(path: Path) -> str:
    """A digest of a directory's file names and bytes: equal trees, equal digests."""
    digest = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        digest.update(file.relative_to(path).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(file.read_bytes()).digest())
    return digest.hexdigest()
