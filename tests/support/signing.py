"""Sign hand-made requests with botocore's own SigV4 signer (for malformed-but-signed input)."""

from __future__ import annotations

import http.client
from urllib.parse import urlsplit

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


def signed_headers(
    method: str,
    url: str,
    body: bytes,
    headers: dict[str, str],
    service: str,
    *,
    secret: str = "test",
) -> dict[str, str]:
    request = AWSRequest(method=method, url=url, data=body, headers=headers)
    SigV4Auth(Credentials("test", secret), service, "us-east-1").add_auth(request)
    return dict(request.headers.items())


def send(
    endpoint: str,
    method: str,
    path: str,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    *,
    service: str | None = None,
) -> tuple[int, dict[str, str], bytes]:
    """One request over a fresh connection; signed for ``service`` when given."""
    headers = dict(headers or {})
    if service is not None:
        headers = signed_headers(method, endpoint + path, body, headers, service)
    parts = urlsplit(endpoint)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()
