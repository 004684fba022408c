"""The process-hop floor: a bare ASGI app (same uvicorn: uvloop + httptools) that runs each
request's body through a handler in a separate, persistent Python process and answers its
result. Nothing else: no AWS protocol, no signature, no sandbox, no logs, no bookkeeping.

Any design that runs functions outside the server's process (lambdalite, serverless-offline,
AWS itself) pays at least this per request: two more process hops (server -> function ->
server) and the function process's own work. Its throughput against bench/hello_app.py's shows
how much of a bare server's speed such a design can keep at best on this machine.

Like Lambda, a worker serves one request at a time and a new one starts when all are busy.
Messages are length-prefixed over a socketpair.

    uvicorn bench.relay_app:app --loop uvloop --http httptools
"""

from __future__ import annotations

import asyncio
import json
import socket
import struct
import sys
from typing import Any

_LENGTH = struct.Struct("!I")

WORKER = """
import json, socket, struct, sys
LENGTH = struct.Struct("!I")
channel = socket.socket(fileno=int(sys.argv[1]))

def handler(event, context):
    return event

def read_exact(size):
    data = bytearray()
    while len(data) < size:
        chunk = channel.recv(size - len(data))
        if not chunk:
            sys.exit(0)
        data += chunk
    return bytes(data)

while True:
    event = json.loads(read_exact(LENGTH.unpack(read_exact(4))[0]))
    result = json.dumps(handler(event, None)).encode()
    channel.sendall(LENGTH.pack(len(result)) + result)
"""


class Worker:
    """One persistent handler process and the server's end of its socketpair."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def start(cls) -> Worker:
        ours, theirs = socket.socketpair()
        await asyncio.create_subprocess_exec(
            sys.executable, "-c", WORKER, str(theirs.fileno()), pass_fds=(theirs.fileno(),)
        )
        theirs.close()
        reader, writer = await asyncio.open_connection(sock=ours)
        return cls(reader, writer)

    async def run(self, body: bytes) -> bytes:
        self.writer.write(_LENGTH.pack(len(body)) + body)
        size = _LENGTH.unpack(await self.reader.readexactly(4))[0]
        return await self.reader.readexactly(size)


_idle: list[Worker] = []


async def _invoke(body: bytes) -> bytes:
    worker = _idle.pop() if _idle else await Worker.start()
    try:
        return await worker.run(body)
    finally:
        _idle.append(worker)


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    result = await _invoke(body or json.dumps({}).encode())
    length = str(len(result)).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", length)]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": result})
