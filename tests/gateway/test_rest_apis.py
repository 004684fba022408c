"""REST APIs (API Gateway v1) over real HTTP against a live server: the proxy event, resource
precedence, REST's own answers, response mapping, API keys, usage plan throttle and quota."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.conftest import make_client
from tests.services.apigateway.helpers import add_resource, proxy_method
from tests.support.server import LambdaliteServer, running_server

from .apis import ApiEndpoint
from .urls import function

MIRROR = """
import json


def handler(event, context):
    order = (event.get("headers") or {}).get("X-Order", "echo")
    if order == "raise":
        raise ValueError("boom")
    if order == "malformed":
        return {"hello": "world"}
    return {
        "statusCode": 200,
        "headers": {"x-single": "a"},
        "multiValueHeaders": {"x-multi": ["1", "2"]},
        "body": json.dumps(event),
    }
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LambdaliteServer]:
    with running_server(tmp_path_factory.mktemp("rest") / "data") as started:
        yield started


@pytest.fixture(scope="module")
def apigw(server: LambdaliteServer) -> Any:
    return make_client(server.endpoint, "apigateway")


@pytest.fixture(scope="module")
def mirror(server: LambdaliteServer) -> str:
    lam = make_client(server.endpoint, "lambda")
    return function(lam, "rest-mirror", MIRROR)


@pytest.fixture(scope="module")
def api(apigw: Any, mirror: str, server: LambdaliteServer) -> ApiEndpoint:
    """/{proxy+} ANY, /items GET, /items/{id} GET, /secure GET (key required); stage "dev"."""
    made = apigw.create_rest_api(name="shop", binaryMediaTypes=["image/*"])
    api_id, root = made["id"], made["rootResourceId"]
    proxy_method(apigw, api_id, add_resource(apigw, api_id, root, "{proxy+}"), mirror)
    items = add_resource(apigw, api_id, root, "items")
    proxy_method(apigw, api_id, items, mirror, "GET")
    proxy_method(apigw, api_id, add_resource(apigw, api_id, items, "{id}"), mirror, "GET")
    secure = add_resource(apigw, api_id, root, "secure")
    proxy_method(apigw, api_id, secure, mirror, "GET", apiKeyRequired=True)
    apigw.create_deployment(restApiId=api_id, stageName="dev", variables={"color": "blue"})
    return ApiEndpoint(api_id, int(server.endpoint.rsplit(":", 1)[1]))


def test_proxy_event(api: ApiEndpoint) -> None:
    headers = [("User-Agent", "t/1"), ("X-Multi", "one"), ("X-Multi", "two")]
    event = api.event("/dev/a/b?q=1&q=2", headers=headers)
    assert event["resource"] == "/{proxy+}" and event["path"] == "/a/b"
    assert event["pathParameters"] == {"proxy": "a/b"} and event["httpMethod"] == "GET"
    assert event["headers"]["X-Multi"] == "two"
    assert event["multiValueHeaders"]["X-Multi"] == ["one", "two"]
    assert event["queryStringParameters"] == {"q": "2"}
    assert event["multiValueQueryStringParameters"] == {"q": ["1", "2"]}
    assert event["stageVariables"] == {"color": "blue"} and "version" not in event
    assert event["body"] is None and event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert context["path"] == "/dev/a/b" and context["stage"] == "dev"
    assert context["resourcePath"] == "/{proxy+}" and context["domainPrefix"] == api.api_id
    assert context["domainName"] == api.host == event["headers"]["Host"]
    assert context["identity"]["userAgent"] == "t/1" and "authorizer" not in context
    assert context["accountId"] == "000000000000" and context["deploymentId"]


def test_path_style_and_bodies(api: ApiEndpoint) -> None:
    event = api.event("/dev/x", path_style=True, method="POST", body=b"hi")
    assert event["path"] == "/x" and event["body"] == "hi" and event["isBase64Encoded"] is False
    binary = [("Content-Type", "image/png")]
    event = api.event("/dev/x", method="POST", body=b"\x89P", headers=binary)
    assert event["body"] == "iVA=" and event["isBase64Encoded"] is True


def test_resource_precedence(api: ApiEndpoint) -> None:
    assert api.event("/dev/items")["resource"] == "/items"
    item = api.event("/dev/items/7")
    assert item["resource"] == "/items/{id}" and item["pathParameters"] == {"id": "7"}
    assert api.event("/dev/items/7/parts")["resource"] == "/{proxy+}"


def test_response_mapping(api: ApiEndpoint) -> None:
    reply = api.call(path="/dev/z")
    assert reply.status == 200 and reply.header("x-single") == "a"
    assert reply.all("x-multi") == ["1", "2"] and reply.header("x-amzn-requestid")
    for order in ("malformed", "raise"):
        reply = api.call(path="/dev/z", headers=[("X-Order", order)])
        assert (reply.status, reply.json()) == (502, {"message": "Internal server error"})


def test_missing_routes_answer_missing_authentication_token(api: ApiEndpoint) -> None:
    for method, path in (("POST", "/dev/items"), ("GET", "/dev"), ("GET", "/nostage/items")):
        reply = api.call(method, path)
        assert reply.status == 403, (method, path)
        assert reply.json() == {"message": "Missing Authentication Token"}


def test_api_keys_throttle_and_quota(apigw: Any, api: ApiEndpoint) -> None:
    stages = [{"apiId": api.api_id, "stage": "dev"}]
    quota = apigw.create_usage_plan(name="q", apiStages=stages, quota={"limit": 2, "period": "DAY"})
    slow = apigw.create_usage_plan(
        name="t", apiStages=stages, throttle={"burstLimit": 1, "rateLimit": 0.001}
    )
    counted = apigw.create_api_key(name="counted", enabled=True)
    throttled = apigw.create_api_key(name="throttled", enabled=True)
    outside = apigw.create_api_key(name="outside", enabled=True)
    for plan, key in ((quota, counted), (slow, throttled)):
        apigw.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY")

    def call(value: str | None) -> tuple[int, Any]:
        headers = [("x-api-key", value)] if value else []
        reply = api.call(path="/dev/secure", headers=headers)
        return reply.status, reply.json()

    forbidden = (403, {"message": "Forbidden"})
    assert call(None) == forbidden and call("not-a-key") == forbidden
    assert call(outside["value"]) == forbidden  # in no usage plan
    status, event = call(counted["value"])
    assert status == 200
    assert event["requestContext"]["identity"]["apiKey"] == counted["value"]
    assert event["requestContext"]["identity"]["apiKeyId"] == counted["id"]
    assert call(counted["value"])[0] == 200
    assert call(counted["value"]) == (429, {"message": "Limit Exceeded"})
    assert call(throttled["value"])[0] == 200
    assert call(throttled["value"]) == (429, {"message": "Too Many Requests"})
    assert json.dumps(api.event("/dev/open"))  # methods without a key stay open
