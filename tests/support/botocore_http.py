"""Turn what botocore would send into the HttpRequest our gateway reads, and back for responses."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from botocore.awsrequest import AWSPreparedRequest, create_request_object, prepare_request_dict
from botocore.model import OperationModel
from botocore.serialize import create_serializer

from lambdalite.aws.http import HttpRequest

ENDPOINT = "http://127.0.0.1:4566"


def botocore_request(
    protocol: str, operation: OperationModel, params: dict[str, Any]
) -> AWSPreparedRequest:
    """The HTTP request botocore's own serializer builds for ``params``."""
    serializer = create_serializer(protocol, include_validation=False)
    request_dict = serializer.serialize_to_request(params, operation)
    prepare_request_dict(request_dict, endpoint_url=ENDPOINT)
    return create_request_object(request_dict).prepare()


def to_http_request(prepared: AWSPreparedRequest) -> HttpRequest:
    url = urlsplit(prepared.url)
    body = prepared.body or b""
    if isinstance(body, str):
        body = body.encode("utf-8")
    elif not isinstance(body, bytes):
        body = body.read()
    headers = {
        k.lower(): v.decode() if isinstance(v, bytes) else v for k, v in prepared.headers.items()
    }
    headers.setdefault("host", url.netloc)
    return HttpRequest(prepared.method, url.path or "/", url.query, headers, body)
