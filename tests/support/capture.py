"""Capture the exact HTTP request a real boto3 client would send, without any network."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.config import Config

from lambdalite.aws.http import HttpRequest
from tests.support.botocore_http import ENDPOINT, to_http_request


class _Captured(Exception):
    pass


def client(
    service: str,
    *,
    key: str = "test",
    secret: str = "test",
    token: str | None = None,
    region: str = "us-east-1",
) -> Any:
    return boto3.client(
        service,
        endpoint_url=ENDPOINT,
        region_name=region,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        aws_session_token=token,
        config=Config(retries={"max_attempts": 1}, parameter_validation=False),
    )


def captured(call: Callable[[], Any], boto_client: Any) -> HttpRequest:
    """Run ``call`` on ``boto_client`` and return the request it signed and would have sent."""
    seen: list[AWSPreparedRequest] = []

    def stop(request: AWSPreparedRequest, **_: Any) -> AWSResponse:
        seen.append(request)
        raise _Captured

    boto_client.meta.events.register_first("before-send", stop)
    try:
        call()
    except _Captured:
        pass
    finally:
        boto_client.meta.events.unregister("before-send", stop)
    assert seen, "boto3 sent nothing"
    return to_http_request(seen[0])
