"""The emulators of the local stack, as ``emulators/emulators.toml`` defines them.

One place says how each emulator starts, where its data lives, what a client needs to
reach it and what to install when it is missing; the stack and ``vidcompare emulator``
both read it.
"""

from __future__ import annotations

import shutil
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]
DEFINITIONS = REPO_ROOT / "emulators" / "emulators.toml"


class EmulatorMissing(RuntimeError):
    """An emulator cannot run here; the message says what to install."""


@dataclass(frozen=True)
class Emulator:
    name: str
    what: str
    command: list[str]
    client_env: dict[str, str]
    process_env: dict[str, str] = field(default_factory=dict)
    import_flag: str | None = None
    needs: list[str] = field(default_factory=list)
    component: str | None = None
    install: str = ""
    tested_with: str = ""

    def argv(self, *, port: int, project: str, data: Path, export: Path | None = None) -> list[str]:
        values = self._values(port, project, data)
        argv = [part.format(**values) for part in self.command]
        if export is not None and self.import_flag:
            argv.append(self.import_flag.format(export=export))
        return argv

    def env(self, *, port: int, project: str, data: Path) -> dict[str, str]:
        """The variables of the emulator's own process."""
        values = self._values(port, project, data)
        return {k: v.format(**values) for k, v in self.process_env.items()}

    def client(self, *, port: int) -> dict[str, str]:
        """The variables a client library needs to reach it."""
        return {k: v.format(port=port) for k, v in self.client_env.items()}

    @staticmethod
    def _values(port: int, project: str, data: Path) -> dict[str, str]:
        return {
            "port": str(port),
            "project": project,
            "data": str(data),
            "gcloud": shutil.which("gcloud") or "gcloud",
            "venv": str(Path(sys.executable).parent),
        }

    def check(self) -> None:
        """Raise EmulatorMissing, saying what to install, unless it can run here."""
        missing = [program for program in self.needs if shutil.which(program) is None]
        if self.component and not missing:
            sdk_root = Path(shutil.which("gcloud") or "").resolve().parents[1]
            if not (sdk_root / "platform" / self.component).is_dir():
                missing.append(f"the gcloud component {self.component}")
        if (
            "{venv}" in self.command[0]
            and not Path(self.argv(port=0, project="", data=Path())[0]).exists()
        ):
            missing.append(Path(self.command[0]).name)
        if missing:
            raise EmulatorMissing(
                f"the {self.name} emulator ({self.what}) needs {', '.join(missing)}; "
                f"install: {self.install}"
            )


def load(path: Path = DEFINITIONS) -> dict[str, Emulator]:
    """Every emulator of the file, by name, in the file's order."""
    tables = tomllib.loads(path.read_text())
    return {name: Emulator(name=name, **table) for name, table in tables.items()}


def check_all(emulators: dict[str, Emulator] | None = None) -> None:
    """Raise EmulatorMissing naming everything to install, or return."""
    problems = []
    for emulator in (emulators or load()).values():
        try:
            emulator.check()
        except EmulatorMissing as exc:
            problems.append(str(exc))
    if problems:
        raise EmulatorMissing("\n".join(problems))
