"""The HTTP protocol the server speaks: uvicorn's httptools protocol, sending each response in
one write.

uvicorn writes a response's head and its body separately. On loopback every write is a send
that wakes the peer (in a VM, through an inter-processor interrupt): with two per response, the
writes were about a quarter of the server's CPU per request (py-spy, bench/gateway_throughput.py).
Holding the head until the body follows joins them; a head whose body does not follow in the
same turn of the event loop leaves at the end of that turn.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

_STATUS_LINE = b"HTTP/1.1 "
_INTERIM = b"HTTP/1.1 1"  # 100 Continue and friends must leave at once
_END_OF_HEAD = b"\r\n\r\n"


class _CoalescingTransport:
    """A transport that holds a response head until the next write joins it."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._held: bytes | None = None

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if self._held is not None:
            data, self._held = self._held + bytes(data), None
        elif _is_head(data):
            self._held = bytes(data)
            self._loop.call_soon(self._flush)
            return
        self._transport.write(data)

    def close(self) -> None:
        self._flush()
        self._transport.close()

    def write_eof(self) -> None:
        self._flush()
        self._transport.write_eof()

    def _flush(self) -> None:
        if self._held is not None:
            held, self._held = self._held, None
            self._transport.write(held)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


def _is_head(data: bytes | bytearray | memoryview) -> bool:
    chunk = bytes(data[: len(_INTERIM)])
    return chunk.startswith(_STATUS_LINE) and chunk != _INTERIM and bytes(data[-4:]) == _END_OF_HEAD


class EdgeProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol over a coalescing transport."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        coalescing = _CoalescingTransport(transport, self.loop)
        super().connection_made(coalescing)  # type: ignore[arg-type]
