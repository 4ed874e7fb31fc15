"""Upload progress bars on stderr (stdout keeps the answers alone, for pipes)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from vidcompare.cli.render import errors


class UploadBars:
    def __init__(self, progress: Progress) -> None:
        self.progress = progress

    def tracker(self, path: Path) -> Callable[[int, int], None]:
        """A ``progress(sent, total)`` callback drawing ``path``'s bar; says so when an
        earlier run's upload is resumed."""
        task: TaskID | None = None

        def update(sent: int, total: int) -> None:
            nonlocal task
            if task is None:
                if sent and sent < total:
                    mib = sent / 2**20
                    self.progress.console.print(f"{path.name}: resuming at {mib:.0f} MiB")
                task = self.progress.add_task(path.name, total=total, completed=sent)
            self.progress.update(task, completed=sent)

        return update


@contextmanager
def upload_progress() -> Iterator[UploadBars]:
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(binary_units=True),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=errors, transient=False) as progress:
        yield UploadBars(progress)
