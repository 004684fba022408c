"""A local HTTP endpoint for SNS to deliver to, as a user would write one: it verifies every
message's signature against the certificate at SigningCertURL and confirms its subscription by
visiting the SubscribeURL."""

from __future__ import annotations

import json
import queue
import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .conftest import verify_signature


@dataclass
class Received:
    """One POST as the endpoint got it."""

    headers: dict[str, str]
    body: str

    @property
    def message(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.body)
        return parsed


class Receiver:
    """Records what arrives; answers ``statuses`` in turn (then 200); confirms subscriptions."""

    def __init__(self, confirm: bool = True) -> None:
        self.confirm = confirm
        self.statuses: list[int] = []
        self.always: int | None = None
        self.received: queue.Queue[Received] = queue.Queue()
        self.confirmations: queue.Queue[str] = queue.Queue()  # the XML SubscribeURL answered
        self.attempts = 0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self._server.server_port}/sns-endpoint"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                got = Received(dict(self.headers), self.rfile.read(length).decode())
                status = receiver.answer()
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()
                if status == 200:
                    receiver.accept(got)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler

    def answer(self) -> int:
        with self._lock:
            self.attempts += 1
            if self.statuses:
                return self.statuses.pop(0)
            return self.always or 200

    def accept(self, got: Received) -> None:
        message = got.message if got.headers.get("x-amz-sns-rawdelivery") != "true" else None
        if message is not None:
            verify_signature(message)
        if message is not None and message["Type"] == "SubscriptionConfirmation" and self.confirm:
            with urllib.request.urlopen(message["SubscribeURL"], timeout=10) as answer:
                self.confirmations.put(answer.read().decode())
        self.received.put(got)

    def next(self, timeout: float = 30.0) -> Received:
        return self.received.get(timeout=timeout)

    def next_of(self, kind: str, timeout: float = 30.0) -> Received:
        while True:
            got = self.next(timeout)
            if got.headers["x-amz-sns-message-type"] == kind:
                return got

    @contextmanager
    def running(self) -> Iterator[Receiver]:
        thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._server.shutdown()
            self._server.server_close()
