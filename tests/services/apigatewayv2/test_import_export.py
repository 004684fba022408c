"""ImportApi, ReimportApi and ExportApi with OpenAPI 3 (JSON and YAML)."""

from __future__ import annotations

import json
from typing import Any

import yaml  # type: ignore[import-untyped]

from tests.services.apigatewayv2.conftest import LAMBDA_ARN, error_of

DOCUMENT = {
    "openapi": "3.0.1",
    "info": {"title": "pets", "version": "1.2"},
    "paths": {
        "/pets/{id}": {
            "get": {
                "security": [{"jwt": ["read"]}],
                "x-amazon-apigateway-integration": {
                    "type": "aws_proxy",
                    "uri": LAMBDA_ARN,
                    "httpMethod": "POST",
                    "payloadFormatVersion": "2.0",
                },
            }
        },
        "/$default": {
            "x-amazon-apigateway-any-method": {
                "x-amazon-apigateway-integration": {
                    "type": "http_proxy",
                    "uri": "https://example.com",
                    "httpMethod": "ANY",
                    "payloadFormatVersion": "1.0",
                }
            }
        },
    },
    "components": {
        "securitySchemes": {
            "jwt": {
                "type": "oauth2",
                "x-amazon-apigateway-authorizer": {
                    "type": "jwt",
                    "identitySource": "$request.header.Authorization",
                    "jwtConfiguration": {"issuer": "https://issuer.example", "audience": ["a"]},
                },
            }
        }
    },
    "x-amazon-apigateway-cors": {"allowOrigins": ["*"], "allowMethods": ["GET"]},
}


def test_import_yaml_makes_routes_integrations_and_authorizers(apigw: Any) -> None:
    api = apigw.import_api(Body=yaml.safe_dump(DOCUMENT))
    assert (api["Name"], api["Version"]) == ("pets", "1.2")
    assert api["CorsConfiguration"] == {"AllowOrigins": ["*"], "AllowMethods": ["GET"]}
    routes = {r["RouteKey"]: r for r in apigw.get_routes(ApiId=api["ApiId"])["Items"]}
    assert set(routes) == {"GET /pets/{id}", "$default"}
    secured = routes["GET /pets/{id}"]
    assert secured["AuthorizationType"] == "JWT" and secured["AuthorizationScopes"] == ["read"]
    authorizer = apigw.get_authorizer(ApiId=api["ApiId"], AuthorizerId=secured["AuthorizerId"])
    assert authorizer["JwtConfiguration"] == {"Issuer": "https://issuer.example", "Audience": ["a"]}
    types = {i["IntegrationType"] for i in apigw.get_integrations(ApiId=api["ApiId"])["Items"]}
    assert types == {"AWS_PROXY", "HTTP_PROXY"}


def test_export_round_trips_through_import(apigw: Any) -> None:
    api = apigw.import_api(Body=json.dumps(DOCUMENT))
    body = apigw.export_api(ApiId=api["ApiId"], Specification="OAS30", OutputType="JSON")
    exported = json.loads(body["body"].read())
    assert exported["openapi"] == "3.0.1"
    assert exported["x-amazon-apigateway-importexport-version"] == "1.0"
    operation = exported["paths"]["/pets/{id}"]["get"]
    assert operation["responses"]["default"]["description"] == "Default response for GET /pets/{id}"
    assert operation["x-amazon-apigateway-integration"]["type"] == "aws_proxy"
    assert "/$default" in exported["paths"]
    again = apigw.import_api(Body=json.dumps(exported))
    keys = {r["RouteKey"] for r in apigw.get_routes(ApiId=again["ApiId"])["Items"]}
    assert keys == {"GET /pets/{id}", "$default"}
    yaml_body = apigw.export_api(ApiId=api["ApiId"], Specification="OAS30", OutputType="YAML")
    assert yaml.safe_load(yaml_body["body"].read())["info"]["title"] == "pets"


def test_reimport_replaces_the_definition_but_keeps_the_api(apigw: Any) -> None:
    api = apigw.import_api(Body=json.dumps(DOCUMENT))
    apigw.create_stage(ApiId=api["ApiId"], StageName="keep")
    smaller = {"openapi": "3.0.1", "info": {"title": "pets2"}, "paths": {"/only": {"post": {}}}}
    apigw.reimport_api(ApiId=api["ApiId"], Body=json.dumps(smaller))
    keys = [r["RouteKey"] for r in apigw.get_routes(ApiId=api["ApiId"])["Items"]]
    assert keys == ["POST /only"]
    assert apigw.get_api(ApiId=api["ApiId"])["Name"] == "pets2"
    assert apigw.get_stage(ApiId=api["ApiId"], StageName="keep")["StageName"] == "keep"


def test_fail_on_warnings_and_bad_documents(apigw: Any) -> None:
    warned = {
        "openapi": "3.0.1",
        "info": {"title": "w"},
        "paths": {"/a": {"get": {"security": [{"missing": []}]}}},
    }
    code, message, _ = error_of(apigw.import_api, Body=json.dumps(warned), FailOnWarnings=True)
    assert code == "BadRequestException"
    assert message.startswith("Warnings found during import:\n\t")
    assert apigw.import_api(Body=json.dumps(warned))["Warnings"]
    assert error_of(apigw.import_api, Body="not: [openapi")[0] == "BadRequestException"
