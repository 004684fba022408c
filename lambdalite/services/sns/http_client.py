"""The smallest HTTP/1.1 client SNS needs: one POST, its status code, a deadline.

asyncio streams rather than a blocking client in a thread: a slow endpoint (SNS waits up to
15 s) must hold no thread, and many deliveries run at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import Mapping
from urllib.parse import urlsplit

TIMEOUT_SECONDS = 15.0  # SNS's wait for an HTTP/S endpoint's answer
_MAX_ANSWER_BYTES = 1 << 20


class DeliveryFailed(Exception):
    """The endpoint could not be reached or did not answer in time."""


async def post(
    url: str, headers: Mapping[str, str], body: bytes, timeout: float = TIMEOUT_SECONDS
) -> int:
    """POST ``body`` to ``url``; the status code the endpoint answered."""
    try:
        async with asyncio.timeout(timeout):
            return await _post(url, headers, body)
    except (OSError, TimeoutError, ValueError, asyncio.IncompleteReadError) as error:
        raise DeliveryFailed(f"{type(error).__name__}: {error}") from error


async def _post(url: str, headers: Mapping[str, str], body: bytes) -> int:
    parts = urlsplit(url)
    secure = parts.scheme == "https"
    host = parts.hostname or ""
    port = parts.port or (443 if secure else 80)
    context = ssl.create_default_context() if secure else None
    reader, writer = await asyncio.open_connection(
        host, port, ssl=context, server_hostname=host if secure else None
    )
    try:
        writer.write(_head(parts.path or "/", parts.query, parts.netloc, headers, len(body)) + body)
        await writer.drain()
        status = _status(await reader.readline())
        await _drain(reader)
        return status
    finally:
        writer.close()
        with contextlib.suppress(OSError, ssl.SSLError):
            await writer.wait_closed()


async def _drain(reader: asyncio.StreamReader) -> None:
    """Read the rest of the answer (up to a bound), so that the endpoint's own writes end
    cleanly rather than on a reset connection."""
    remaining = _MAX_ANSWER_BYTES
    while remaining > 0 and (chunk := await reader.read(min(remaining, 65_536))):
        remaining -= len(chunk)


def _head(path: str, query: str, host: str, headers: Mapping[str, str], length: int) -> bytes:
    target = f"{path}?{query}" if query else path
    lines = [f"POST {target} HTTP/1.1", f"Host: {host}", f"Content-Length: {length}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _status(line: bytes) -> int:
    parts = line.split(None, 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/") or not parts[1].isdigit():
        raise ValueError(f"not an HTTP response: {line[:80]!r}")
    return int(parts[1])
