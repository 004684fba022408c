"""A live server and a boto3 apigateway client for the REST API control-plane tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.conftest import make_client
from tests.support.server import LambdaliteServer, running_server

FUNCTION_ARN = "arn:aws:lambda:us-east-1:000000000000:function:handler"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LambdaliteServer]:
    with running_server(tmp_path_factory.mktemp("apigw") / "data") as started:
        yield started


@pytest.fixture
def apigw(server: LambdaliteServer) -> Any:
    return make_client(server.endpoint, "apigateway")


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
