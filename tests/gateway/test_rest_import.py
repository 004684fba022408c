"""An imported REST API (API Gateway v1) over real HTTP, and what Update* operations change on
the data plane: stage variables and usage plan quotas at once, a method's apiKeyRequired once
deployed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.conftest import make_client
from tests.services.apigateway.helpers import lambda_uri
from tests.support.server import LambdaliteServer, running_server

from .apis import ApiEndpoint
from .urls import function

ECHO = """
import json


def handler(event, context):
    return {"statusCode": 200, "body": json.dumps(event)}
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LambdaliteServer]:
    with running_server(tmp_path_factory.mktemp("rest-import") / "data") as started:
        yield started


@pytest.fixture(scope="module")
def apigw(server: LambdaliteServer) -> Any:
    return make_client(server.endpoint, "apigateway")


@pytest.fixture(scope="module")
def echo(server: LambdaliteServer) -> str:
    lam = make_client(server.endpoint, "lambda")
    return function(lam, "rest-import-echo", ECHO)


def _document(function_arn: str) -> bytes:
    integration = {"type": "aws_proxy", "httpMethod": "POST", "uri": lambda_uri(function_arn)}
    return json.dumps(
        {
            "openapi": "3.0.1",
            "info": {"title": "imported", "version": "1"},
            "paths": {
                "/items/{id}": {
                    "get": {
                        "security": [{"api_key": []}],
                        "x-amazon-apigateway-integration": integration,
                    }
                },
                "/{proxy+}": {
                    "x-amazon-apigateway-any-method": {
                        "x-amazon-apigateway-integration": integration
                    }
                },
            },
            "components": {
                "securitySchemes": {
                    "api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"}
                }
            },
        }
    ).encode()


def test_imported_api_serves_and_updates_apply(
    apigw: Any, echo: str, server: LambdaliteServer
) -> None:
    api_id = apigw.import_rest_api(body=_document(echo), failOnWarnings=True)["id"]
    apigw.create_deployment(restApiId=api_id, stageName="dev")
    api = ApiEndpoint(api_id, int(server.endpoint.rsplit(":", 1)[1]))
    event = api.event("/dev/a/b")
    assert event["resource"] == "/{proxy+}" and event["pathParameters"] == {"proxy": "a/b"}
    assert api.call(path="/dev/items/7").status == 403  # key required
    key = apigw.create_api_key(name="k", enabled=True)
    plan = apigw.create_usage_plan(name="p", apiStages=[{"apiId": api_id, "stage": "dev"}])
    apigw.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY")
    keyed = [("x-api-key", key["value"])]
    assert api.event("/dev/items/7", headers=keyed)["pathParameters"] == {"id": "7"}

    # a quota added by UpdateUsagePlan counts from the next request
    ops = [
        {"op": "replace", "path": "/quota/limit", "value": "1"},
        {"op": "replace", "path": "/quota/period", "value": "DAY"},
    ]
    apigw.update_usage_plan(usagePlanId=plan["id"], patchOperations=ops)
    assert api.call(path="/dev/items/7", headers=keyed).status == 200
    assert api.call(path="/dev/items/7", headers=keyed).status == 429

    # stage variables change at once
    ops = [{"op": "add", "path": "/variables/color", "value": "red"}]
    apigw.update_stage(restApiId=api_id, stageName="dev", patchOperations=ops)
    assert api.event("/dev/x")["stageVariables"] == {"color": "red"}

    # apiKeyRequired off takes effect with the next deployment, as on AWS
    item = next(
        r for r in apigw.get_resources(restApiId=api_id)["items"] if r["path"] == "/items/{id}"
    )
    ops = [{"op": "replace", "path": "/apiKeyRequired", "value": "false"}]
    apigw.update_method(
        restApiId=api_id, resourceId=item["id"], httpMethod="GET", patchOperations=ops
    )
    assert api.call(path="/dev/items/7").status == 403
    apigw.create_deployment(restApiId=api_id, stageName="dev")
    assert api.call(path="/dev/items/7").status == 200


def test_stage_method_throttling_applies_per_method(
    apigw: Any, echo: str, server: LambdaliteServer
) -> None:
    api_id = apigw.import_rest_api(body=_document(echo))["id"]
    apigw.create_deployment(restApiId=api_id, stageName="dev")
    api = ApiEndpoint(api_id, int(server.endpoint.rsplit(":", 1)[1]))
    ops = [
        {"op": "replace", "path": "/~1{proxy+}/ANY/throttling/burstLimit", "value": "1"},
        {"op": "replace", "path": "/~1{proxy+}/ANY/throttling/rateLimit", "value": "0.001"},
    ]
    apigw.update_stage(restApiId=api_id, stageName="dev", patchOperations=ops)
    assert api.call(path="/dev/a").status == 200
    throttled = api.call(path="/dev/b")
    assert (throttled.status, json.loads(throttled.body)) == (429, {"message": "Too Many Requests"})
    assert api.call(path="/dev/items/7").status == 403  # another method: not throttled, keyed
