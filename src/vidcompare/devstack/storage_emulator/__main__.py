"""python -m vidcompare.devstack.storage_emulator --host=127.0.0.1 --port=PORT

Data on disk under ``$STORAGE_BASE`` (or --data-dir), as gcp-storage-emulator keeps it.
"""

from __future__ import annotations

import argparse
import logging
import sys

from vidcompare.devstack.storage_emulator import WrongVersion, install


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m vidcompare.devstack.storage_emulator",
        description="Cloud Storage emulator: gcp-storage-emulator, streamed and strict",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--data-dir", default=None, help="default: $STORAGE_BASE")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="storage emulator: %(message)s")
    # Upstream warns on every health check that its "OK" is not streamed.
    logging.getLogger("gcp_storage_emulator.server").setLevel(logging.ERROR)
    try:
        install()
    except WrongVersion as exc:
        sys.exit(str(exc))
    from gcp_storage_emulator.server import create_server

    create_server(args.host, args.port, in_memory=False, data_dir=args.data_dir).run()


if __name__ == "__main__":
    main()
