"""What deploy stages: the functions' own import closure (the service core), nothing else."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from vidcompare.deploy.stage import (
    FUNCTION_NAMES,
    import_closure,
    repo_root,
    service_core,
    stage_functions,
)

# Who uses them: people (CLI, client), the laptop (devstack), deploy itself, tests and
# benchmarks (testing), browsers (web). None of it runs in a Cloud Function.
NEVER_STAGED = (
    "cli/",
    "client.py",
    "resumable.py",
    "devstack/",
    "deploy/",
    "testing/",
    "web/",
)
CORE = {
    "api/http.py",
    "worker.py",
    "store/__init__.py",
    "queue.py",
    "sweep.py",
    "providers/registry.py",
    "providers/gemini/models.py",
    "providers/local/__init__.py",
    "media/analysis.py",
    "intake.py",
    "uploads.py",
    "playback.py",
    "thumbnails.py",
    "reports/__init__.py",
    "reports/html.py",
    "config.py",
    "errors.py",
    "schemas.py",
}


def test_the_staged_library_is_the_service_core_and_only_it(tmp_path: Path):
    staged = stage_functions(tmp_path)
    assert set(staged) == set(FUNCTION_NAMES)
    for name, directory in staged.items():
        files = sorted(
            p.relative_to(directory / "vidcompare").as_posix()
            for p in (directory / "vidcompare").rglob("*")
            if p.is_file()
        )
        assert files == [p.as_posix() for p in service_core()], name
        assert CORE <= set(files), CORE - set(files)
        assert not [f for f in files if f.startswith(NEVER_STAGED)], name
        assert sorted(p.name for p in directory.iterdir()) == [
            ".gcloudignore",
            "main.py",
            "requirements.txt",
            "vidcompare",
        ]


def test_every_staged_module_imports_from_the_staged_copy_alone(tmp_path: Path):
    directory = stage_functions(tmp_path)["process_combo"]
    modules = [
        "vidcompare." + ".".join(p.with_suffix("").parts).removesuffix(".__init__")
        for p in service_core()
        if p.name != "__init__.py" or p.parent.parts
    ]
    script = (
        "import importlib, sys\n"
        f"sys.path.insert(0, {str(directory)!r})\n"
        "for name in sys.argv[1:]:\n"
        "    module = importlib.import_module(name)\n"
        f"    assert module.__file__.startswith({str(directory)!r}), module.__file__\n"
        "import main\n"
        "print(len(sys.argv) - 1)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, *modules],
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(len(modules))


def test_the_reports_need_nothing_outside_the_service_core():
    """job_status serves exports with vidcompare.reports: what it imports must be able to
    ship (no CLI, no rich or typer), and it ships once a function imports it."""
    library = repo_root() / "src" / "vidcompare"
    needed = [p.as_posix() for p in import_closure([library / "reports" / "__init__.py"], library)]
    assert {"reports/__init__.py", "reports/html.py", "reports/rows.py", "schemas.py"} <= set(
        needed
    )
    assert not [f for f in needed if f.startswith(NEVER_STAGED)]
