"""Calling HTTP APIs over real HTTP (by host, as on AWS, or by the path-style fallback), and
small local servers the tests point integrations and JWT authorizers at."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from .urls import Reply, send_to


@dataclass(frozen=True)
class ApiEndpoint:
    """An HTTP API on lambdalite's port."""

    api_id: str
    port: int

    @property
    def host(self) -> str:
        return f"{self.api_id}.execute-api.localhost:{self.port}"

    def call(
        self,
        method: str = "GET",
        path: str = "/",
        body: bytes = b"",
        headers: list[tuple[str, str]] | None = None,
        path_style: bool = False,
    ) -> Reply:
        """One request; ``*.localhost`` need not resolve (the Host header names the API)."""
        host = f"127.0.0.1:{self.port}" if path_style else self.host
        target = f"/_aws/execute-api/{self.api_id}{path}" if path_style else path
        return send_to(self.port, host, method, target, body=body, headers=headers)

    def signed_call(self, method: str, path: str, service: str = "execute-api") -> Reply:
        """A request signed with SigV4 as AWS's SDKs sign execute-api calls."""
        request = AWSRequest(method=method, url=f"http://{self.host}{path}")
        SigV4Auth(Credentials("test", "test"), service, "us-east-1").add_auth(request)
        headers = [(n, v) for n, v in request.headers.items() if n.lower() != "host"]
        return self.call(method, path, headers=headers)

    def event(self, path: str, **call: Any) -> dict[str, Any]:
        """The event a mirror function echoed."""
        reply = self.call(path=path, **call)
        assert reply.status == 200, reply
        event: dict[str, Any] = json.loads(reply.body)
        return event


Handler = Callable[[BaseHTTPRequestHandler, bytes], tuple[int, list[tuple[str, str]], bytes]]


@contextmanager
def local_server(answer: Handler) -> Iterator[int]:
    """A threaded HTTP server on an ephemeral port that answers every request with ``answer``."""

    class Serve(BaseHTTPRequestHandler):
        def _any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            status, headers, body = answer(self, self.rfile.read(length))
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _any  # noqa: N815

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Serve)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
