"""A small async HTTP/1.1 client for the data plane: HTTP_PROXY integrations and JWKS fetches.

asyncio streams, as the SNS package's client (services/sns/http_client.py): a slow upstream
holds no thread. One request per connection (``Connection: close``); the answer's body is read
by ``Content-Length``, chunked framing, or to the end of the connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
from urllib.parse import urlsplit

from lambdalite.aws.http import HttpResponse

MAX_ANSWER_BYTES = 10 << 20  # API Gateway's payload limit for an integration's answer


class UpstreamFailed(Exception):
    """The upstream could not be reached or answered something that is not HTTP."""


class UpstreamTimeout(Exception):
    """The upstream did not answer within the deadline."""


async def fetch(
    method: str, url: str, headers: list[tuple[str, str]], body: bytes, timeout: float
) -> HttpResponse:
    """Send one request; the upstream's answer (headers without framing ones)."""
    try:
        async with asyncio.timeout(timeout):
            return await _exchange(method, url, headers, body)
    except TimeoutError as error:
        raise UpstreamTimeout(url) from error
    except (OSError, ValueError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as error:
        raise UpstreamFailed(f"{type(error).__name__}: {error}") from error


async def _exchange(
    method: str, url: str, headers: list[tuple[str, str]], body: bytes
) -> HttpResponse:
    parts = urlsplit(url)
    secure = parts.scheme == "https"
    host = parts.hostname or ""
    context = ssl.create_default_context() if secure else None
    reader, writer = await asyncio.open_connection(
        host,
        parts.port or (443 if secure else 80),
        ssl=context,
        server_hostname=(host or None) if secure else None,
    )
    _no_delay(writer)
    try:
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        writer.write(_head(method, target, parts.netloc, headers, body) + body)
        await writer.drain()
        return await _answer(reader, method)
    finally:
        writer.close()
        with contextlib.suppress(OSError, ssl.SSLError):
            await writer.wait_closed()


def _no_delay(writer: asyncio.StreamWriter) -> None:
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def _head(
    method: str, target: str, netloc: str, headers: list[tuple[str, str]], body: bytes
) -> bytes:
    lines = [f"{method} {target} HTTP/1.1", f"Host: {netloc}"]
    lines += [f"{name}: {value}" for name, value in headers]
    lines += [f"Content-Length: {len(body)}", "Connection: close"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def _answer(reader: asyncio.StreamReader, method: str) -> HttpResponse:
    status = _status(await reader.readline())
    headers = await _headers(reader)
    names = {name.lower(): value for name, value in headers}
    if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
        body = b""
    elif "chunked" in names.get("transfer-encoding", "").lower():
        body = await _chunked(reader)
    elif "content-length" in names:
        body = await reader.readexactly(_bounded(int(names["content-length"])))
    else:
        body = await reader.read(MAX_ANSWER_BYTES)
    kept = [(n, v) for n, v in headers if n.lower() not in ("transfer-encoding", "connection")]
    return HttpResponse(status, [(n, v) for n, v in kept if n.lower() != "content-length"], body)


def _status(line: bytes) -> int:
    parts = line.split(None, 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/") or not parts[1].isdigit():
        raise ValueError(f"not an HTTP response: {line[:80]!r}")
    return int(parts[1])


async def _headers(reader: asyncio.StreamReader) -> list[tuple[str, str]]:
    headers: list[tuple[str, str]] = []
    while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
        name, colon, value = line.decode("latin-1").partition(":")
        if not colon:
            raise ValueError(f"malformed header line: {line[:80]!r}")
        headers.append((name.strip(), value.strip()))
    return headers


async def _chunked(reader: asyncio.StreamReader) -> bytes:
    chunks: list[bytes] = []
    total = 0
    while (size := int((await reader.readline()).split(b";", 1)[0].strip() or b"0", 16)) > 0:
        total = _bounded(total + size)
        chunks.append(await reader.readexactly(size))
        await reader.readline()  # the CRLF after each chunk
    return b"".join(chunks)


def _bounded(size: int) -> int:
    if size > MAX_ANSWER_BYTES:
        raise ValueError(f"answer larger than {MAX_ANSWER_BYTES} bytes")
    return size
