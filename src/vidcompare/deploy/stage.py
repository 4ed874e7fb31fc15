"""Stage each function as a self-contained source directory, as Cloud Functions builds it.

``build/deploy/functions/<name>/`` holds the function's ``main.py``, the service core
of the ``vidcompare`` library and a ``requirements.txt`` pinning the versions this
checkout runs and tests with. Cloud Build installs that directory on its own, so
nothing in it may reach outside it.

The service core is what the functions import, followed import by import from their
``main.py`` files (a module named in a string, as the provider registry loads them,
counts too). The CLI, the client, the local stack, deploy, the testing aids and the
web page are never imported by a function, so they never ship.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.metadata
import re
import shutil
import tomllib
from pathlib import Path

FUNCTION_NAMES = ("start_batch", "job_status", "process_combo")
PACKAGE = "vidcompare"


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


def _module_file(library: Path, module: str) -> Path | None:
    """The source of ``vidcompare.a.b`` under ``library`` (the package's directory)."""
    parts = module.split(".")[1:]
    for candidate in (
        library.joinpath(*parts, "__init__.py"),
        library.joinpath(*parts).with_suffix(".py"),
    ):
        if parts and candidate.is_file():
            return candidate
    return library / "__init__.py" if not parts else None


def _imported_modules(source: Path, library: Path) -> set[str]:
    """The ``vidcompare`` modules one source file imports, or names in a string."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source.read_text(), filename=str(source))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from vidcompare.x import y`: y is a module or a name in x.
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            names = [node.value]
        for name in names:
            if name.split(".")[0] == PACKAGE and _module_file(library, name) is not None:
                # A module also needs every package above it.
                parts = name.split(".")
                found |= {".".join(parts[:i]) for i in range(1, len(parts) + 1)}
    return found


def import_closure(sources: list[Path], library: Path) -> list[Path]:
    """Every library module ``sources`` import, and everything those import in turn.
    Paths relative to the library."""
    todo = list(sources)
    seen: set[str] = set()
    while todo:
        for module in _imported_modules(todo.pop(), library) - seen:
            seen.add(module)
            todo.append(_module_file(library, module))
    return sorted(_module_file(library, m).relative_to(library) for m in seen)


def service_core(root: Path | None = None) -> list[Path]:
    """The library's files the functions need: the import closure of their ``main.py``
    files. Paths relative to the library."""
    root = root or repo_root()
    mains = [root / "functions" / name / "main.py" for name in FUNCTION_NAMES]
    return import_closure(mains, root / "src" / PACKAGE)


def stage_functions(out: Path, root: Path | None = None) -> dict[str, Path]:
    """Write one self-contained directory per function under ``out``; name -> path."""
    root = root or repo_root()
    library = root / "src" / PACKAGE
    core = service_core(root)
    requirements = "\n".join(pinned_requirements(root)) + "\n"
    staged = {}
    for name in FUNCTION_NAMES:
        target = out / name
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        shutil.copy2(root / "functions" / name / "main.py", target / "main.py")
        for file in core:
            (target / PACKAGE / file).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(library / file, target / PACKAGE / file)
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
