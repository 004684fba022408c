"""Helpers for the Runtime API tests: a raw HTTP/1.1 client, invocations, async test runner."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, ParamSpec

from lambdalite.runtime.runtime_api import RuntimeApi
from lambdalite.runtime.spec import Invocation

P = ParamSpec("P")
TEST_TIMEOUT_S = 60.0
ARN = "arn:aws:lambda:us-east-1:123456789012:function:fn"
TRACE = "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1"
NEXT = "/2018-06-01/runtime/invocation/next"
INIT_ERROR = "/2018-06-01/runtime/init/error"


def async_test(fn: Callable[P, Awaitable[None]]) -> Callable[P, None]:
    """Run an async test function to completion in a fresh event loop (with a hard deadline)."""

    @functools.wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> None:
        run_bounded(fn, args, kwargs, asyncio.new_event_loop)

    return run


def on_both_loops(fn: Callable[P, Awaitable[None]]) -> Callable[P, None]:
    """Like :func:`async_test`, once on asyncio's loop and once on uvloop's (the server's)."""

    @functools.wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> None:
        for factory in LOOP_FACTORIES:
            run_bounded(fn, args, kwargs, factory)

    return run


def run_bounded(
    fn: Callable[..., Awaitable[None]],
    args: Any,
    kwargs: Any,
    factory: Callable[[], asyncio.AbstractEventLoop],
) -> None:
    async def bounded() -> None:
        await asyncio.wait_for(fn(*args, **kwargs), TEST_TIMEOUT_S)

    with asyncio.Runner(loop_factory=factory) as runner:
        runner.run(bounded())


LOOP_FACTORIES: list[Callable[[], asyncio.AbstractEventLoop]] = [asyncio.new_event_loop]
try:
    import uvloop

    LOOP_FACTORIES.append(uvloop.new_event_loop)
except ImportError:  # pragma: no cover - uvloop is a dependency of lambdalite
    pass


async def eventually(check: Callable[[], bool], timeout: float = 10.0) -> None:
    """Poll ``check`` until it holds; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached before the deadline")
        await asyncio.sleep(0.001)


def invocation(payload: bytes = b'{"key": "value"}', **fields: Any) -> Invocation:
    values: dict[str, Any] = {
        "request_id": str(uuid.uuid4()),
        "payload": payload,
        "deadline_ms": int(time.time() * 1000) + 30_000,
        "invoked_function_arn": ARN,
        "trace_id": TRACE,
    }
    values.update(fields)
    return Invocation(**values)


def response_path(request_id: str, kind: str = "response") -> str:
    return f"/2018-06-01/runtime/invocation/{request_id}/{kind}"


@dataclass
class Reply:
    """One HTTP response as the raw client read it (header names lower-cased)."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def json(self) -> Any:
        return json.loads(self.body)


def request_bytes(
    method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: runtime"]
    lines.extend(f"{name}: {value}" for name, value in (headers or {}).items())
    if (body or method == "POST") and "Transfer-Encoding" not in (headers or {}):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class RawClient:
    """A minimal HTTP/1.1 client over one asyncio connection, for exact wire checks."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def connect(cls, api: RuntimeApi) -> RawClient:
        host, port = api.address.rsplit(":", 1)
        reader, writer = await asyncio.open_connection(host, int(port), limit=16 * 1024 * 1024)
        return cls(reader, writer)

    async def send(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def request(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> Reply:
        await self.send(request_bytes(method, path, body, headers))
        return await self.read_reply()

    async def read_reply(self) -> Reply:
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("utf-8").split("\r\n")
        status = int(lines[0].split(" ")[1])
        headers = {}
        for line in lines[1:]:
            if line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        body = await self.reader.readexactly(int(headers.get("content-length", "0")))
        return Reply(status, headers, body)

    async def closed_by_server(self) -> bool:
        """True once the server closed the connection (after any pending data)."""
        data = await self.reader.read()
        return data == b"" or self.reader.at_eof()

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(ConnectionError):
            await self.writer.wait_closed()


def chunked(*chunks: bytes, trailers: dict[str, str] | None = None) -> bytes:
    """A chunked body, optionally with trailers (how a streamed response reports errors)."""
    out = b"".join(f"{len(c):x}\r\n".encode() + c + b"\r\n" for c in chunks if c)
    out += b"0\r\n"
    out += "".join(f"{k}: {v}\r\n" for k, v in (trailers or {}).items()).encode()
    return out + b"\r\n"
