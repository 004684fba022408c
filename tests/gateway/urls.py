"""Calling Function URLs over real HTTP: by host (as on AWS) or by the path-style fallback."""

from __future__ import annotations

import http.client
import io
import json
import zipfile
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

ROLE = "arn:aws:iam::000000000000:role/lambda-role"


@dataclass(frozen=True)
class Reply:
    """One HTTP response: status, headers (repeats kept, names lower-case), body."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        return next((v for n, v in self.headers if n == name.lower()), None)

    def all(self, name: str) -> list[str]:
        return [v for n, v in self.headers if n == name.lower()]

    def json(self) -> Any:
        return json.loads(self.body)


def send_to(
    port: int,
    host: str,
    method: str,
    target: str,
    *,
    body: bytes = b"",
    headers: list[tuple[str, str]] | None = None,
) -> Reply:
    """One request to lambdalite's ``port`` with the Host header ``host`` (a ``*.localhost``
    name need not resolve: the header names the API or URL)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
        connection.putheader("Host", host)
        for name, value in headers or []:
            connection.putheader(name, value)
        if body:
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body or None)
        response = connection.getresponse()
        received = [(n.lower(), v) for n, v in response.getheaders()]
        return Reply(response.status, received, response.read())
    finally:
        connection.close()


@dataclass(frozen=True)
class FunctionUrl:
    """A function URL as CreateFunctionUrlConfig answered it."""

    url: str

    @property
    def host(self) -> str:
        return urlsplit(self.url).netloc

    @property
    def url_id(self) -> str:
        return self.host.split(".", 1)[0]

    @property
    def port(self) -> int:
        port = urlsplit(self.url).port
        assert port is not None
        return port

    def call(
        self,
        method: str = "GET",
        path: str = "/",
        body: bytes = b"",
        headers: list[tuple[str, str]] | None = None,
        path_style: bool = False,
    ) -> Reply:
        """Send one request to lambdalite's port; ``*.localhost`` need not resolve."""
        host = f"127.0.0.1:{self.port}" if path_style else self.host
        target = f"/_aws/lambda-url/{self.url_id}{path}" if path_style else path
        return send_to(self.port, host, method, target, body=body, headers=headers)

    def signed_call(
        self,
        method: str,
        path: str,
        body: bytes = b"",
        secret: str = "test",
        service: str = "lambda",
    ) -> Reply:
        """A request signed with SigV4 as AWS's SDKs sign function URL calls."""
        request = AWSRequest(method=method, url=f"http://{self.host}{path}", data=body)
        credentials = Credentials("test", secret)
        SigV4Auth(credentials, service, "us-east-1").add_auth(request)
        headers = [(n, v) for n, v in request.headers.items() if n.lower() != "host"]
        return self.call(method, path, body, headers)


def zipped(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("handler.py", (2026, 1, 1, 0, 0, 0)), source)
    return buffer.getvalue()


def function(lam: Any, name: str, source: str, timeout: int = 3) -> str:
    """Create ``name`` (python3.12, ``handler.handler``), wait until it is Active; its ARN."""
    created = lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=ROLE,
        Handler="handler.handler",
        Code={"ZipFile": zipped(source)},
        Timeout=timeout,
    )
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    return str(created["FunctionArn"])


def function_url(lam: Any, name: str, **config: Any) -> FunctionUrl:
    config.setdefault("AuthType", "NONE")
    return FunctionUrl(lam.create_function_url_config(FunctionName=name, **config)["FunctionUrl"])
