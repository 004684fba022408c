"""Reading AWS errors (and naming ARNs) in tests driven by boto3."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

ACCOUNT = "000000000000"
REGION = "us-east-1"


def error_of(call: Callable[[], Any]) -> dict[str, Any]:
    """The whole error response boto3 parsed from ``call()``, which must fail."""
    with pytest.raises(ClientError) as raised:
        call()
    return raised.value.response  # type: ignore[no-any-return]


def error(call: Callable[[], Any]) -> tuple[str, str, int]:
    """``(code, message, HTTP status)`` of the error ``call()`` must raise."""
    response = error_of(call)
    return (
        response["Error"]["Code"],
        response["Error"]["Message"],
        response["ResponseMetadata"]["HTTPStatusCode"],
    )


def arn(name: str, qualifier: str | None = None) -> str:
    """A function's ARN in the default account and region."""
    base = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"
    return f"{base}:{qualifier}" if qualifier else base
