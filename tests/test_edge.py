"""The edge protocol sends each response in one write, and never holds back what must leave."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path
from typing import Any

from lambdalite.edge import _CoalescingTransport
from tests.support.server import running_server

HEAD = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n"


class Recording:
    """A transport that records every write."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        self.writes.append(bytes(data))

    def close(self) -> None:
        self.closed = True

    def get_extra_info(self, name: str) -> Any:
        return f"extra {name}"


def coalescing(loop: asyncio.AbstractEventLoop) -> tuple[_CoalescingTransport, Recording]:
    recording = Recording()
    return _CoalescingTransport(recording, loop), recording  # type: ignore[arg-type]


def test_a_head_and_its_body_leave_in_one_write() -> None:
    async def scenario() -> list[bytes]:
        transport, recording = coalescing(asyncio.get_running_loop())
        transport.write(HEAD)
        transport.write(b"ok")
        await asyncio.sleep(0)
        return recording.writes

    assert asyncio.run(scenario()) == [HEAD + b"ok"]


def test_a_head_alone_leaves_at_the_end_of_the_loop_turn() -> None:
    async def scenario() -> list[bytes]:
        transport, recording = coalescing(asyncio.get_running_loop())
        transport.write(HEAD)
        assert recording.writes == []
        await asyncio.sleep(0)
        return recording.writes

    assert asyncio.run(scenario()) == [HEAD]


def test_interim_responses_and_closing_are_not_held_back() -> None:
    async def scenario() -> tuple[list[bytes], bool]:
        transport, recording = coalescing(asyncio.get_running_loop())
        transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        transport.write(HEAD)
        transport.close()
        return recording.writes, recording.closed

    writes, closed = asyncio.run(scenario())
    assert writes == [b"HTTP/1.1 100 Continue\r\n\r\n", HEAD] and closed


def test_other_transport_calls_reach_the_transport() -> None:
    async def scenario() -> Any:
        transport, _ = coalescing(asyncio.get_running_loop())
        return transport.get_extra_info("peername")

    assert asyncio.run(scenario()) == "extra peername"


def test_a_client_expecting_100_continue_is_answered(tmp_path: Path) -> None:
    with running_server(tmp_path / "data") as server:
        host, port = server.endpoint.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=10) as conn:
            conn.sendall(
                b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n"
            )
            assert _head(conn).startswith(b"HTTP/1.1 100 Continue")  # the body may follow
            conn.sendall(b"{}")
            assert _head(conn).startswith(b"HTTP/1.1 4")  # an unsigned request: refused


def _head(conn: socket.socket) -> bytes:
    answer = b""
    while b"\r\n\r\n" not in answer:
        answer += conn.recv(1)
    return answer
