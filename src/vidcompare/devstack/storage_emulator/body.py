"""The request body, read from the socket in blocks (upstream ``Request.data`` reads it
whole, which for an 8 MiB chunk, or a whole object in one PUT, is all of it in memory)."""

from __future__ import annotations

from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler

BLOCK = 1024 * 1024


class ClientGone(Exception):
    """The client closed the connection, stalled or sent a broken body."""


def body_blocks(handler: BaseHTTPRequestHandler) -> Iterator[bytes]:
    """The request body in blocks of at most ``BLOCK`` bytes (Content-Length or chunked)."""
    try:
        length = handler.headers.get("Content-Length")
        if length is not None:
            yield from _exactly(handler, int(length))
        elif (handler.headers.get("Transfer-Encoding") or "").lower() == "chunked":
            while size := int(handler.rfile.readline(1024).split(b";")[0].strip(), 16):
                yield from _exactly(handler, size)
                handler.rfile.readline(1024)
            while handler.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                pass  # trailers
    except (OSError, ValueError) as exc:
        raise ClientGone(str(exc)) from exc


def _exactly(handler: BaseHTTPRequestHandler, size: int) -> Iterator[bytes]:
    while size:
        block = handler.rfile.read(min(BLOCK, size))
        if not block:
            raise ClientGone("the connection closed mid-body")
        size -= len(block)
        yield block


def drain(handler: BaseHTTPRequestHandler) -> None:
    """Read and drop the body, so the client sees the answer rather than a reset socket."""
    try:
        for _ in body_blocks(handler):
            pass
    except ClientGone:
        pass
