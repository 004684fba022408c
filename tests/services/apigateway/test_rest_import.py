"""ImportRestApi and PutRestApi: REST APIs from OpenAPI 3 and Swagger 2 documents, what is
served and what is refused loudly."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]

from tests.support.server import LambdaliteServer

from .conftest import FUNCTION_ARN, error_of
from .helpers import lambda_uri

PROXY = {
    "type": "aws_proxy",
    "httpMethod": "POST",
    "uri": lambda_uri(FUNCTION_ARN),
}


def sam_swagger(title: str = "sam-api") -> dict[str, Any]:
    """What SAM generates for an AWS::Serverless::Api with an API key and a proxy route."""
    return {
        "swagger": "2.0",
        "info": {"version": "1.0", "title": title},
        "basePath": "/v1",
        "paths": {
            "/items/{id}": {
                "get": {
                    "x-amazon-apigateway-integration": PROXY,
                    "security": [{"api_key": []}],
                    "parameters": [{"name": "id", "in": "path", "required": True}],
                    "responses": {},
                }
            },
            "/{proxy+}": {
                "x-amazon-apigateway-any-method": {
                    "x-amazon-apigateway-integration": PROXY,
                    "responses": {},
                }
            },
        },
        "securityDefinitions": {"api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"}},
        "x-amazon-apigateway-binary-media-types": ["image/png"],
    }


def _methods(apigw: Any, api_id: str) -> dict[str, dict[str, Any]]:
    items = apigw.get_resources(restApiId=api_id, embed=["methods"])["items"]
    return {r["path"]: r.get("resourceMethods") or {} for r in items}


def test_import_swagger_json_makes_resources_methods_and_integrations(apigw: Any) -> None:
    made = apigw.import_rest_api(body=json.dumps(sam_swagger()).encode(), failOnWarnings=True)
    assert made["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert made["name"] == "sam-api" and made["version"] == "1.0"
    assert made["binaryMediaTypes"] == ["image/png"] and "warnings" not in made
    api_id = made["id"]
    paths = sorted(r["path"] for r in apigw.get_resources(restApiId=api_id)["items"])
    assert paths == ["/", "/items", "/items/{id}", "/{proxy+}"]  # basepath ignored by default
    by_path = {r["path"]: r["id"] for r in apigw.get_resources(restApiId=api_id)["items"]}
    method = apigw.get_method(restApiId=api_id, resourceId=by_path["/items/{id}"], httpMethod="GET")
    assert method["apiKeyRequired"] is True and method["authorizationType"] == "NONE"
    assert method["requestParameters"] == {"method.request.path.id": True}
    integration = method["methodIntegration"]
    assert integration["type"] == "AWS_PROXY" and integration["uri"] == PROXY["uri"]
    assert integration["cacheNamespace"] == by_path["/items/{id}"]
    proxy = apigw.get_method(restApiId=api_id, resourceId=by_path["/{proxy+}"], httpMethod="ANY")
    assert proxy["apiKeyRequired"] is False
    apigw.create_deployment(restApiId=api_id, stageName="dev")


def test_import_openapi3_yaml_with_basepath_prepend(apigw: Any) -> None:
    document = {
        "openapi": "3.0.1",
        "info": {"title": "oas", "description": "d", "version": "2"},
        "servers": [
            {
                "url": "https://example.com/{basePath}",
                "variables": {"basePath": {"default": "/api/v2"}},
            }
        ],
        "paths": {
            "/hello": {
                "post": {
                    "operationId": "Hello",
                    "responses": {
                        "200": {"description": "ok", "headers": {"X-Id": {"schema": {}}}}
                    },
                    "x-amazon-apigateway-integration": PROXY,
                }
            }
        },
    }
    made = apigw.import_rest_api(
        body=yaml.safe_dump(document).encode(),
        parameters={"basepath": "prepend", "endpointConfigurationTypes": "REGIONAL"},
    )
    assert made["description"] == "d" and made["endpointConfiguration"]["types"] == ["REGIONAL"]
    methods = _methods(apigw, made["id"])
    assert set(methods) == {"/", "/api", "/api/v2", "/api/v2/hello"}
    post = methods["/api/v2/hello"]["POST"]
    assert post["operationName"] == "Hello"
    assert post["methodResponses"]["200"] == {
        "statusCode": "200",
        "responseParameters": {"method.response.header.X-Id": False},
    }


def test_import_refuses_what_is_not_served_and_reports_errors(apigw: Any) -> None:
    mock = sam_swagger("mock")
    mock["paths"]["/items/{id}"]["get"]["x-amazon-apigateway-integration"] = {"type": "mock"}
    authorizer = sam_swagger("auth")
    authorizer["securityDefinitions"]["jwt"] = {
        "type": "apiKey",
        "name": "Authorization",
        "in": "header",
        "x-amazon-apigateway-authtype": "custom",
    }
    models = sam_swagger("models")
    models["definitions"] = {"Pet": {"type": "object"}}
    for document in (mock, authorizer, models):
        _, _, status = error_of(apigw.import_rest_api, body=json.dumps(document).encode())
        assert status == 501
    bad_uri = sam_swagger("bad-uri")
    bad_uri["paths"]["/{proxy+}"]["x-amazon-apigateway-any-method"][
        "x-amazon-apigateway-integration"
    ] = {
        **PROXY,
        "uri": "arn:aws:s3:::bucket",
    }
    code, message, _ = error_of(apigw.import_rest_api, body=json.dumps(bad_uri).encode())
    assert code == "BadRequestException"
    assert message == (
        "Errors found during import:\n\tUnable to put integration on 'ANY' for resource at path "
        "'/{proxy+}': Integrations of type 'AWS_PROXY' currently only supports Lambda function "
        "and Firehose stream invocations."
    )
    code, _, _ = error_of(apigw.import_rest_api, body=b"not: [an api")
    assert code == "BadRequestException"
    names = [api["name"] for api in apigw.get_rest_apis(limit=500)["items"]]
    assert not {"mock", "auth", "models", "bad-uri"} & set(names)  # nothing half-made


def test_put_rest_api_merge_and_overwrite(apigw: Any) -> None:
    api_id = apigw.import_rest_api(body=json.dumps(sam_swagger("put")).encode())["id"]
    root = apigw.get_rest_api(restApiId=api_id)["rootResourceId"]
    extra = {
        "openapi": "3.0.1",
        "info": {"title": "put"},
        "paths": {"/extra": {"get": {"x-amazon-apigateway-integration": PROXY, "responses": {}}}},
    }
    body = json.dumps(extra).encode()
    apigw.put_rest_api(restApiId=api_id, mode="merge", body=body)
    assert set(_methods(apigw, api_id)) == {"/", "/items", "/items/{id}", "/{proxy+}", "/extra"}
    made = apigw.put_rest_api(restApiId=api_id, mode="overwrite", body=body, failOnWarnings=True)
    assert made["id"] == api_id and made["rootResourceId"] == root
    assert set(_methods(apigw, api_id)) == {"/", "/extra"}
    code, _, _ = error_of(apigw.put_rest_api, restApiId="nope000000", body=body)
    assert code == "NotFoundException"


def test_aws_cli_imports_a_rest_api(server: LambdaliteServer, tmp_path: Path) -> None:
    document = tmp_path / "api.json"
    document.write_text(json.dumps(sam_swagger("cli-api")))
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}
    env["AWS_DEFAULT_REGION"] = "us-east-1"
    aws = Path(__file__).resolve().parents[3] / ".venv" / "bin" / "aws"
    command = [str(aws), "--endpoint-url", server.endpoint, "apigateway", "import-rest-api"]
    command += ["--body", f"fileb://{document}", "--fail-on-warnings"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=True)
    assert json.loads(done.stdout)["name"] == "cli-api"
