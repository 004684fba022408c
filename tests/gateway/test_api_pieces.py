"""Pure pieces of the HTTP API data plane: addressing, 1.0 responses, claims, policies."""

from __future__ import annotations

import json

import pytest

from lambdalite.gateway import events_v1, http_apis, lambda_auth
from lambdalite.gateway.api_errors import Answered
from lambdalite.gateway.jwt_auth import flatten
from lambdalite.gateway.responses import MalformedResponse


def test_addresses() -> None:
    by_host = http_apis.address_of("abc123.execute-api.localhost:4566", "/dev/x")
    assert by_host == http_apis.ApiAddress("abc123", "/dev/x", True)
    assert http_apis.address_of("abc123.execute-api.example.com", "/")
    by_path = http_apis.address_of("localhost:4566", "/_aws/execute-api/ABC123/dev/x")
    assert by_path == http_apis.ApiAddress("abc123", "/dev/x", False)
    assert http_apis.address_of("localhost:4566", "/2015-03-31/functions") is None


def test_v1_response_merges_multi_value_headers() -> None:
    result = {
        "statusCode": 201,
        "headers": {"a": "1", "b": "x"},
        "multiValueHeaders": {"b": ["y", "z"]},
        "body": "hi",
    }
    response = events_v1.map_response(json.dumps(result).encode())
    assert response.status == 201 and response.body == b"hi"
    assert [(n, v) for n, v in response.headers if n in "ab"] == [
        ("a", "1"),
        ("b", "y"),
        ("b", "z"),
    ]


@pytest.mark.parametrize(
    "result", [{"body": "x"}, "text", {"statusCode": 200, "multiValueHeaders": {"a": "1"}}]
)
def test_v1_response_malformed(result: object) -> None:
    with pytest.raises(MalformedResponse):
        events_v1.map_response(json.dumps(result).encode())


def test_claims_are_flattened_to_strings() -> None:
    assert flatten("s") == "s" and flatten(5) == "5" and flatten(True) == "true"
    assert flatten(["a", "b"]) == "[a b]"


def test_policy_deny_wins_and_wildcards_match() -> None:
    arn = "arn:aws:execute-api:us-east-1:000000000000:api/dev/GET/pets"
    allow = {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "arn:aws:execute-api:*"}
    deny = {"Effect": "Deny", "Action": ["execute-api:*"], "Resource": [arn]}
    assert lambda_auth._policy_allows({"policyDocument": {"Statement": [allow]}}, arn)
    assert not lambda_auth._policy_allows({"policyDocument": {"Statement": [allow, deny]}}, arn)
    with pytest.raises(Answered):
        lambda_auth._policy_allows({"isAuthorized": True}, arn)


def test_identity_values() -> None:
    view = lambda_auth.IdentityView({"x-token": "t"}, {"q": "v"}, {"s": "w"})
    sources = ["$request.header.X-Token", "$request.querystring.q", "$stageVariables.s"]
    assert lambda_auth.identity_values(sources, view) == ["t", "v", "w"]
    assert lambda_auth.identity_values(["$request.header.missing"], view) is None
    assert (
        lambda_auth.function_arn(
            "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:1:function:f/invocations"
        )
        == "arn:aws:lambda:us-east-1:1:function:f"
    )
