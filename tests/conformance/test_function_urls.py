"""Recorded AWS scenario 36: what a Function URL answers for each kind of handler result.

As recorded (LocalStack's ``TestLambdaURL::test_lambda_url_invocation``, run against real AWS):
a function returning ``<<value>>`` gets a URL with AuthType NONE and the public
``lambda:InvokeFunctionUrl`` permission, then is POSTed ``{'key':'value'}`` at
``<url>custom_path/extend?test_param=test_value``; the status, Content-Type, Content-Length and
body are compared (a body that is JSON text was recorded parsed, as LocalStack's snapshots do).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.gateway.urls import FunctionUrl, function

from .snapshot import Snapshot, recorded

CASE = "36_function_url_response_mapping"
HANDLER = "def handler(event, ctx):\n    return {value}\n"


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("[dict]", '{"hello": "world"}'),
        ("[http-response]", '{"statusCode": 200, "body": "body123"}'),
        ("[http-response-json]", '{"statusCode": 200, "body": "{\\"hello\\": \\"world\\"}"}'),
        ("[string]", '"hello"'),
        ("[integer]", "3"),
    ],
)
def test_36_function_url_response_mapping(
    lam: Any, snapshot: Snapshot, key: str, value: str
) -> None:
    name = f"url-mapping-{key.strip('[]')}"
    function(lam, name, HANDLER.format(value=value))

    created = lam.create_function_url_config(FunctionName=name, AuthType="NONE")
    snapshot.match(recorded(CASE, "create_lambda_url_config", key), created)
    permission = lam.add_permission(
        FunctionName=name,
        StatementId="urlPermission",
        Action="lambda:InvokeFunctionUrl",
        Principal="*",
        FunctionUrlAuthType="NONE",
    )
    permission["Statement"] = json.loads(permission["Statement"])
    snapshot.match(recorded(CASE, "add_permission", key), permission)

    reply = FunctionUrl(created["FunctionUrl"]).call(
        "POST", "/custom_path/extend?test_param=test_value", b"{'key':'value'}"
    )
    text = reply.body.decode()
    invocation = {
        "statuscode": reply.status,
        "headers": {
            "Content-Type": reply.header("content-type"),
            "Content-Length": reply.header("content-length"),
        },
        "content": json.loads(text) if text.startswith(("{", "[")) else text,
    }
    snapshot.match(recorded(CASE, "lambda_url_invocation", key), invocation)
