"""Routes, integrations and authorizers: records, AWS's checks and errors."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.services.apigatewayv2.conftest import LAMBDA_ARN, error_of, lambda_integration


def test_route_with_lambda_integration(apigw: Any, api_id: str) -> None:
    integration_id = lambda_integration(apigw, api_id, version="1.0")
    route = apigw.create_route(
        ApiId=api_id, RouteKey="GET /pets/{id}", Target=f"integrations/{integration_id}"
    )
    assert re.fullmatch(r"[a-z0-9]{7}", route["RouteId"])
    assert route["AuthorizationType"] == "NONE" and route["ApiKeyRequired"] is False
    assert apigw.get_route(ApiId=api_id, RouteId=route["RouteId"])["RouteKey"] == "GET /pets/{id}"
    updated = apigw.update_route(ApiId=api_id, RouteId=route["RouteId"], RouteKey="ANY /{proxy+}")
    assert updated["RouteKey"] == "ANY /{proxy+}"
    apigw.delete_route(ApiId=api_id, RouteId=route["RouteId"])
    assert apigw.get_routes(ApiId=api_id)["Items"] == []


def test_duplicate_route_key_conflicts(apigw: Any, api_id: str) -> None:
    apigw.create_route(ApiId=api_id, RouteKey="ANY /{proxy+}")
    code, message, status = error_of(apigw.create_route, ApiId=api_id, RouteKey="ANY /{proxy+}")
    assert (code, status) == ("ConflictException", 409)
    assert message == "Route with key ANY /{proxy+} already exists for this API"


def test_conflicting_variable_names_on_one_level(apigw: Any, api_id: str) -> None:
    apigw.create_route(ApiId=api_id, RouteKey="GET /orgs/{orgId}/stages/{stageId}")
    code, message, _ = error_of(
        apigw.create_route, ApiId=api_id, RouteKey="POST /orgs/{orgId}/stages/{stage_id}"
    )
    assert code == "ConflictException"
    assert message == (
        'The provided route key "POST /orgs/{orgId}/stages/{stage_id}" has a conflicting '
        'variable on the same hierarchical level as "GET /orgs/{orgId}/stages/{stageId}"'
    )


@pytest.mark.parametrize("key", ["GET /a/{proxy+}/b", "GET /a//b", "GET /a/", "GET /a b"])
def test_invalid_path_parts(apigw: Any, api_id: str, key: str) -> None:
    code, message, _ = error_of(apigw.create_route, ApiId=api_id, RouteKey=key)
    assert (code, message) == ("BadRequestException", "One or more path parts appear to be invalid")


def test_jwt_route_needs_a_jwt_authorizer(apigw: Any, api_id: str) -> None:
    code, message, _ = error_of(
        apigw.create_route, ApiId=api_id, RouteKey="GET /x", AuthorizationType="JWT"
    )
    assert code == "BadRequestException"
    assert message == (
        "Invalid authorizer ID specified. Setting the authorization type to JWT requires a "
        "valid JWT authorizer."
    )


def test_unknown_route_and_integration(apigw: Any, api_id: str) -> None:
    assert error_of(apigw.get_route, ApiId=api_id, RouteId="abcdefg")[:2] == (
        "NotFoundException",
        "Invalid Route identifier specified abcdefg",
    )
    assert error_of(apigw.get_integration, ApiId=api_id, IntegrationId="abcdefg")[1] == (
        "Invalid Integration identifier specified abcdefg"
    )


def test_http_proxy_integration_and_update(apigw: Any, api_id: str) -> None:
    made = apigw.create_integration(
        ApiId=api_id,
        IntegrationType="HTTP_PROXY",
        IntegrationMethod="ANY",
        IntegrationUri="https://example.com/{proxy}",
    )
    assert made["ConnectionType"] == "INTERNET" and made["TimeoutInMillis"] == 30000
    assert made["PayloadFormatVersion"] == "1.0"
    updated = apigw.update_integration(
        ApiId=api_id, IntegrationId=made["IntegrationId"], TimeoutInMillis=5000
    )
    assert updated["TimeoutInMillis"] == 5000
    apigw.delete_integration(ApiId=api_id, IntegrationId=made["IntegrationId"])


def test_integration_in_use_cannot_go(apigw: Any, api_id: str) -> None:
    integration_id = lambda_integration(apigw, api_id)
    apigw.create_route(ApiId=api_id, RouteKey="GET /", Target=f"integrations/{integration_id}")
    code, _, status = error_of(apigw.delete_integration, ApiId=api_id, IntegrationId=integration_id)
    assert (code, status) == ("ConflictException", 409)


def test_jwt_and_request_authorizers(apigw: Any, api_id: str) -> None:
    jwt = apigw.create_authorizer(
        ApiId=api_id,
        AuthorizerType="JWT",
        Name="jwt",
        IdentitySource=["$request.header.Authorization"],
        JwtConfiguration={"Issuer": "https://issuer.example", "Audience": ["aud"]},
    )
    route = apigw.create_route(
        ApiId=api_id,
        RouteKey="GET /me",
        AuthorizationType="JWT",
        AuthorizerId=jwt["AuthorizerId"],
        AuthorizationScopes=["read"],
    )
    assert route["AuthorizerId"] == jwt["AuthorizerId"]
    lam = apigw.create_authorizer(
        ApiId=api_id,
        AuthorizerType="REQUEST",
        Name="lam",
        AuthorizerUri=f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{LAMBDA_ARN}/invocations",
        AuthorizerPayloadFormatVersion="2.0",
        EnableSimpleResponses=True,
        AuthorizerResultTtlInSeconds=300,
        IdentitySource=["$request.header.X-Token"],
    )
    assert lam["AuthorizerResultTtlInSeconds"] == 300
    names = {a["Name"] for a in apigw.get_authorizers(ApiId=api_id)["Items"]}
    assert names == {"jwt", "lam"}
    assert error_of(apigw.delete_authorizer, ApiId=api_id, AuthorizerId=jwt["AuthorizerId"])[0] == (
        "ConflictException"
    )


@pytest.mark.parametrize(
    "settings",
    [
        {"AuthorizerType": "JWT", "IdentitySource": ["$request.header.Authorization"]},
        {
            "AuthorizerType": "REQUEST",
            "AuthorizerUri": LAMBDA_ARN,
            "AuthorizerPayloadFormatVersion": "1.0",
            "EnableSimpleResponses": True,
            "IdentitySource": ["$request.header.X"],
        },
        {
            "AuthorizerType": "REQUEST",
            "AuthorizerUri": LAMBDA_ARN,
            "AuthorizerPayloadFormatVersion": "2.0",
            "AuthorizerResultTtlInSeconds": 60,
            "IdentitySource": [],
        },
    ],
)
def test_invalid_authorizers_are_bad_requests(
    apigw: Any, api_id: str, settings: dict[str, Any]
) -> None:
    code, _, status = error_of(apigw.create_authorizer, ApiId=api_id, Name="bad", **settings)
    assert (code, status) == ("BadRequestException", 400)
