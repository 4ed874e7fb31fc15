"""The processes of the local stack: who they are, whether they live, how they stop.

A pid alone is not a process: after a crash or a reboot the number may belong to
something else. A process is recorded with its *identity*, this boot's id and the
process's start time (``/proc``), and only a live process with the same identity is
taken for the one recorded; nothing else is ever signalled.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path


def _boot_id() -> str:
    with contextlib.suppress(OSError):
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    return ""


def identity(pid: int) -> str | None:
    """ "<boot id>:<start time>" of a running process, or None when there is none."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command may hold spaces and parentheses: the fields follow the last ")".
    fields = stat[stat.rindex(")") + 2 :].split()
    if fields[0] == "Z":  # a zombie has exited
        return None
    return f"{_boot_id()}:{fields[19]}"  # field 22 of the whole line: the start time


def alive(pid: int | None, started: str | None) -> bool:
    """Whether ``pid`` is still the process that was recorded as ``started``."""
    if not pid:
        return False
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # reap it if it is our child and has exited
    now = identity(pid)
    return now is not None and (started is None or now == started)


def stop(groups: list[tuple[int, str | None]], *, grace: float = 10.0) -> None:
    """End each recorded process group: continue it (a stopped process cannot handle a
    signal), SIGTERM, then SIGKILL what is left after ``grace``. Groups whose leader is
    no longer the recorded process are left alone."""
    mine = [(pid, started) for pid, started in groups if alive(pid, started)]
    for pid, _ in reversed(mine):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGCONT)
            os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for pid, started in mine:
        while alive(pid, started) and time.monotonic() < deadline:
            time.sleep(0.05)
        if alive(pid, started):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)


def write_private(path: Path, text: str) -> None:
    """Write a file only its owner may read, in one piece (a reader sees the old or the
    new content, never half)."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as stream:
        stream.write(text)
    temporary.replace(path)
