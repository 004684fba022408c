"""A live server and a boto3 apigatewayv2 client for the HTTP API control-plane tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.conftest import make_client
from tests.support.server import LambdaliteServer, running_server

LAMBDA_ARN = "arn:aws:lambda:us-east-1:000000000000:function:handler"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LambdaliteServer]:
    """One server per test module (a fresh SQLite data dir)."""
    with running_server(tmp_path_factory.mktemp("apigwv2") / "data") as started:
        yield started


@pytest.fixture
def apigw(server: LambdaliteServer) -> Any:
    return make_client(server.endpoint, "apigatewayv2")


@pytest.fixture
def api_id(apigw: Any) -> str:
    """A fresh, empty HTTP API."""
    return str(apigw.create_api(Name="test-api", ProtocolType="HTTP")["ApiId"])


def lambda_integration(apigw: Any, api_id: str, version: str = "2.0") -> str:
    made = apigw.create_integration(
        ApiId=api_id,
        IntegrationType="AWS_PROXY",
        IntegrationUri=LAMBDA_ARN,
        PayloadFormatVersion=version,
    )
    return str(made["IntegrationId"])


def error_of(call: Any, **kwargs: Any) -> tuple[str, str, int]:
    """(code, message, HTTP status) of a call that must fail."""
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    error = caught.value.response
    return (
        error["Error"]["Code"],
        error["Error"]["Message"],
        error["ResponseMetadata"]["HTTPStatusCode"],
    )
