"""The process behind ``vidcompare up``: starts the stack, keeps it alive, saves it.

``python -m vidcompare.devstack.supervisor --state-dir D --port P`` starts the local
stack and then, until SIGTERM or SIGINT:

* every second, restarts any of its processes that died (with a growing backoff) and
  does the repairs still owed (Pub/Sub's topics on a new emulator, the sweep that
  republishes what was lost), see :meth:`Stack.heal`;
* every ``VIDCOMPARE_SNAPSHOT_EVERY_S`` seconds (5), saves Firestore (and a copy of the
  bucket's index), so that a crash or a power cut loses at most those seconds.

On SIGTERM it stops the writers, saves once more and stops everything. Its own log is
``<state_dir>/logs/supervisor.log``; its pid and identity are in ``stack.json``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
import time
from pathlib import Path

from vidcompare.config import tool_settings
from vidcompare.devstack import processes
from vidcompare.devstack.stack import Stack

log = logging.getLogger("vidcompare.supervisor")

HEAL_EVERY_S = 1.0


def run(stack: Stack, *, snapshot_every: float, stopping: threading.Event) -> None:
    """Keep ``stack`` alive and saved until ``stopping`` is set."""
    last_snapshot = time.monotonic()
    while not stopping.wait(HEAL_EVERY_S):
        try:
            if healed := stack.heal():
                log.warning("restarted %s", ", ".join(healed))
        except Exception:  # noqa: BLE001 - a failed repair is tried again next second
            log.exception("could not restart a service")
        if stopping.is_set():
            break  # a `down` arrived meanwhile: leave the saving to stop()
        if time.monotonic() - last_snapshot >= snapshot_every:
            last_snapshot = time.monotonic()
            try:
                stack.snapshot()
            except Exception as exc:  # noqa: BLE001 - the next snapshot may succeed
                log.warning("Firestore snapshot failed: %s", exc)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--state-dir", type=Path, required=True)
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--env-file", type=Path, help="JSON of extra environment variables")
    args = parser.parse_args(argv)
    os.umask(0o077)  # what it writes (stack.json, snapshots, logs) is its user's alone
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)  # a request a second otherwise
    extra_env: dict[str, str] = {}
    if args.env_file:
        extra_env = json.loads(args.env_file.read_text())
        args.env_file.unlink(missing_ok=True)  # a raw key must not stay on disk
    stopping = threading.Event()

    def stop(signum: int, _frame: object) -> None:
        log.info("signal %d: saving and stopping", signum)
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    stack = Stack(args.state_dir, gateway_port=args.port, extra_env=extra_env)
    try:
        info = stack.start()
        info.supervisor_pid = os.getpid()
        info.supervisor_started = processes.identity(os.getpid())
        stack.record()
    except Exception as exc:  # noqa: BLE001 - said in the log and to `up`, then stopped
        log.exception("the stack did not start")
        (args.state_dir / "supervisor.failed").write_text(str(exc))
        stack.stop(snapshot=False)
        return 1
    log.info("up at %s (restored from saved data: %s)", info.base_url, stack.restored)
    setting = extra_env.get("VIDCOMPARE_SNAPSHOT_EVERY_S")
    every = float(setting) if setting else tool_settings().snapshot_every_s
    try:
        run(stack, snapshot_every=every, stopping=stopping)
    finally:
        stack.stop()
        log.info("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
