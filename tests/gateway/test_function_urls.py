"""Function URLs over real HTTP against a live server: the payload 2.0 event, response mapping,
errors, CORS and AWS_IAM auth (AWS's "Invoking Lambda function URLs", urls-invocation.html)."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.conftest import make_client
from tests.support.server import LambdaliteServer, running_server

from .urls import FunctionUrl, function, function_url

# Answers as the request's x-order header says: the event it got, an error, a long sleep, the
# value in the request body as the function's result, or the ARN it was invoked under.
MIRROR = """
import base64, json, time


def handler(event, context):
    order = event["headers"].get("x-order", "echo")
    if order == "raise":
        raise ValueError("boom")
    if order == "sleep":
        time.sleep(30)
    if order == "return":
        body = event.get("body", "")
        if event["isBase64Encoded"]:
            body = base64.b64decode(body).decode()
        return json.loads(body)
    if order == "arn":
        return context.invoked_function_arn
    if order == "request-id":
        return context.aws_request_id
    return {"statusCode": 200, "body": json.dumps(event)}
"""

EVENT_KEYS = {
    "version",
    "routeKey",
    "rawPath",
    "rawQueryString",
    "cookies",
    "headers",
    "queryStringParameters",
    "requestContext",
    "body",
    "isBase64Encoded",
}
CONTEXT_KEYS = {
    "accountId",
    "apiId",
    "domainName",
    "domainPrefix",
    "http",
    "requestId",
    "routeKey",
    "stage",
    "time",
    "timeEpoch",
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LambdaliteServer]:
    with running_server(tmp_path_factory.mktemp("urls") / "data") as started:
        yield started


@pytest.fixture(scope="module")
def lam(server: LambdaliteServer) -> Any:
    return make_client(server.endpoint, "lambda")


@pytest.fixture(scope="module")
def mirror(lam: Any) -> FunctionUrl:
    function(lam, "url-mirror", MIRROR, timeout=1)
    return function_url(lam, "url-mirror")


def echoed(url: FunctionUrl, **call: Any) -> dict[str, Any]:
    reply = url.call(**call)
    assert reply.status == 200, reply
    event: dict[str, Any] = reply.json()
    assert event["requestContext"]["requestId"] == reply.header("x-amzn-requestid")
    return event


def returning(url: FunctionUrl, result: Any) -> Any:
    """The reply when the function returns ``result``."""
    body = json.dumps(result).encode()
    return url.call("POST", "/", body, [("x-order", "return"), ("Content-Type", "text/plain")])


# --- the event ----------------------------------------------------------------------------------


def test_event_is_payload_format_2(mirror: FunctionUrl) -> None:
    headers = [
        ("Content-Type", "application/json"),
        ("User-Agent", "lambdalite-test/1"),
        ("X-Multi", "one"),
        ("X-Multi", "two"),
        ("Cookie", "a=1; b=2"),
        ("Cookie", "c=3"),
    ]
    event = echoed(
        mirror,
        method="POST",
        path="/my/path?p1=v1&p1=v2&p2=a%20b&empty=",
        body=b'{"k": 1}',
        headers=headers,
    )
    assert set(event) == EVENT_KEYS
    assert event["version"] == "2.0" and event["routeKey"] == "$default"
    assert event["rawPath"] == "/my/path"
    assert event["rawQueryString"] == "p1=v1&p1=v2&p2=a%20b&empty="
    assert event["queryStringParameters"] == {"p1": "v1,v2", "p2": "a b", "empty": ""}
    assert event["cookies"] == ["a=1", "b=2", "c=3"]
    assert event["body"] == '{"k": 1}' and event["isBase64Encoded"] is False
    sent = event["headers"]
    assert sent["x-multi"] == "one,two" and sent["user-agent"] == "lambdalite-test/1"
    assert "cookie" not in sent and all(name == name.lower() for name in sent)
    assert sent["host"] == mirror.host and sent["x-forwarded-proto"] == "http"
    assert sent["x-forwarded-port"] == str(mirror.port) and sent["x-forwarded-for"] == "127.0.0.1"
    assert sent["x-amzn-trace-id"].startswith("Root=1-")


def test_request_context(mirror: FunctionUrl) -> None:
    context = echoed(mirror, method="PUT", path="/x")["requestContext"]
    assert set(context) == CONTEXT_KEYS
    assert context["accountId"] == "anonymous"
    assert context["apiId"] == context["domainPrefix"] == mirror.url_id
    assert context["domainName"] == f"{mirror.url_id}.lambda-url.us-east-1.localhost"
    assert context["http"] == {
        "method": "PUT",
        "path": "/x",
        "protocol": "HTTP/1.1",
        "sourceIp": "127.0.0.1",
        "userAgent": None,
    }
    assert context["routeKey"] == context["stage"] == "$default"
    assert re.fullmatch(r"\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} \+0000", context["time"])
    assert isinstance(context["timeEpoch"], int)


def test_optional_members_left_out(mirror: FunctionUrl) -> None:
    event = echoed(mirror)
    assert "body" not in event and "cookies" not in event
    assert "queryStringParameters" not in event
    assert event["rawQueryString"] == "" and event["isBase64Encoded"] is False


def test_binary_bodies_arrive_base64(mirror: FunctionUrl) -> None:
    payload = bytes(range(256))
    headers = [("Content-Type", "application/octet-stream")]
    event = echoed(mirror, method="POST", body=payload, headers=headers)
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == payload


def test_path_style_fallback(mirror: FunctionUrl) -> None:
    event = echoed(mirror, path="/a/b?q=1", path_style=True)
    assert event["rawPath"] == "/a/b" and event["queryStringParameters"] == {"q": "1"}
    assert echoed(mirror, path="", path_style=True)["rawPath"] == "/"


def test_url_of_an_alias_invokes_the_alias(lam: Any, mirror: FunctionUrl) -> None:
    version = lam.publish_version(FunctionName="url-mirror")["Version"]
    lam.create_alias(FunctionName="url-mirror", Name="live", FunctionVersion=version)
    url = function_url(lam, "url-mirror", Qualifier="live")
    assert url.url_id != mirror.url_id
    reply = url.call(headers=[("x-order", "arn")])
    assert reply.body.decode().endswith(":function:url-mirror:live")


# --- responses ----------------------------------------------------------------------------------


def test_structured_response(mirror: FunctionUrl) -> None:
    reply = returning(
        mirror,
        {
            "statusCode": 201,
            "headers": {"Content-Type": "text/html", "X-Custom": "yes", "X-Number": 7},
            "cookies": ["c1=v1; Max-Age=60", "c2=v2"],
            "body": "<p>hi</p>",
        },
    )
    assert (reply.status, reply.body) == (201, b"<p>hi</p>")
    assert reply.header("content-type") == "text/html" and reply.header("x-custom") == "yes"
    assert reply.header("x-number") == "7"
    assert reply.all("set-cookie") == ["c1=v1; Max-Age=60", "c2=v2"]
    assert reply.header("x-amzn-requestid") and reply.header("x-amzn-trace-id")


def test_status_code_as_string_and_base64_body(mirror: FunctionUrl) -> None:
    teapot = returning(mirror, {"statusCode": "418", "body": "i'm a teapot"})
    assert (teapot.status, teapot.body) == (418, b"i'm a teapot")
    encoded = base64.b64encode(b"\x00\xffbin").decode()
    binary = returning(mirror, {"statusCode": 200, "body": encoded, "isBase64Encoded": True})
    assert binary.body == b"\x00\xffbin"


@pytest.mark.parametrize(
    ("result", "body"),
    [
        ({"hello": "world"}, b'{"hello":"world"}'),
        (["a", 3, True], b'["a",3,true]'),
        ("plain text", b"plain text"),
        (3.5, b"3.5"),
        (None, b"null"),
    ],
)
def test_results_without_status_code(mirror: FunctionUrl, result: Any, body: bytes) -> None:
    reply = returning(mirror, result)
    assert (reply.status, reply.body) == (200, body)
    assert reply.header("content-type") == "application/json"


def test_malformed_response_is_502(mirror: FunctionUrl) -> None:
    reply = returning(mirror, {"statusCode": "teapot"})
    assert (reply.status, reply.body) == (502, b"Internal Server Error")


# --- errors -------------------------------------------------------------------------------------


def test_function_error_is_502(mirror: FunctionUrl) -> None:
    reply = mirror.call(headers=[("x-order", "raise")])
    assert (reply.status, reply.body) == (502, b"Internal Server Error")
    assert reply.header("x-amzn-requestid")


def test_timeout_is_502(mirror: FunctionUrl) -> None:
    reply = mirror.call(headers=[("x-order", "sleep")])
    assert (reply.status, reply.body) == (502, b"Internal Server Error")


def test_unknown_url_is_403(mirror: FunctionUrl) -> None:
    unknown = FunctionUrl(mirror.url.replace(mirror.url_id, "0123456789abcdefghijklmnopqrstuv"))
    for reply in (unknown.call(), unknown.call(path_style=True)):
        assert (reply.status, reply.body) == (403, b'{"Message":null}')
        assert reply.header("x-amzn-errortype") == "AccessDeniedException"
    wrong_region = FunctionUrl(mirror.url.replace("us-east-1", "eu-west-1"))
    assert wrong_region.call().status == 403


def test_deleted_and_updated_configs_take_effect_at_once(lam: Any) -> None:
    function(lam, "url-short-lived", MIRROR)
    url = function_url(lam, "url-short-lived")
    assert url.call().status == 200
    lam.update_function_url_config(FunctionName="url-short-lived", AuthType="AWS_IAM")
    assert url.call().status == 403
    lam.delete_function_url_config(FunctionName="url-short-lived")
    assert url.call().body == b'{"Message":null}'


def test_throttled_is_429(lam: Any) -> None:
    function(lam, "url-throttled", MIRROR)
    url = function_url(lam, "url-throttled")
    lam.put_function_concurrency(FunctionName="url-throttled", ReservedConcurrentExecutions=0)
    reply = url.call()
    assert reply.status == 429
    assert reply.header("x-amzn-errortype") == "TooManyRequestsException"


def test_response_streaming_is_refused_loudly(lam: Any) -> None:
    function(lam, "url-streaming", MIRROR)
    url = function_url(lam, "url-streaming", InvokeMode="RESPONSE_STREAM")
    reply = url.call()
    assert reply.status == 501
    assert b"RESPONSE_STREAM is not supported" in reply.body


# --- AWS_IAM ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def iam_url(lam: Any) -> FunctionUrl:
    function(lam, "url-iam", MIRROR)
    return function_url(lam, "url-iam", AuthType="AWS_IAM")


def test_signed_request_carries_the_caller(iam_url: FunctionUrl) -> None:
    reply = iam_url.signed_call("POST", "/signed?x=1", b'{"a": 1}')
    assert reply.status == 200, reply
    context = reply.json()["requestContext"]
    assert context["accountId"] == "000000000000"
    assert context["authorizer"] == {
        "iam": {
            "accessKey": "test",
            "accountId": "000000000000",
            "callerId": "000000000000",
            "cognitoIdentity": None,
            "principalOrgId": None,
            "userArn": "arn:aws:iam::000000000000:root",
            "userId": "000000000000",
        }
    }


def test_unsigned_request_is_forbidden(iam_url: FunctionUrl) -> None:
    reply = iam_url.call()
    assert reply.status == 403
    assert reply.json()["Message"].startswith("Forbidden. For troubleshooting Function URL")
    assert reply.header("x-amzn-errortype") == "AccessDeniedException"


def test_bad_signatures_are_forbidden(iam_url: FunctionUrl) -> None:
    wrong_secret = iam_url.signed_call("GET", "/", secret="not-the-secret")
    assert wrong_secret.status == 403
    assert wrong_secret.json()["message"].startswith("The request signature we calculated")
    wrong_service = iam_url.signed_call("GET", "/", service="execute-api")
    assert wrong_service.status == 403
    assert "scoped to correct service: 'lambda'" in wrong_service.json()["message"]


# --- CORS ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cors_url(lam: Any) -> FunctionUrl:
    function(lam, "url-cors", MIRROR)
    cors = {
        "AllowOrigins": ["https://app.example.com"],
        "AllowMethods": ["PUT", "DELETE"],
        "AllowHeaders": ["x-custom", "content-type"],
        "ExposeHeaders": ["x-result"],
        "AllowCredentials": True,
        "MaxAge": 300,
    }
    return function_url(lam, "url-cors", Cors=cors)


def test_preflight_is_answered_without_invoking(cors_url: FunctionUrl) -> None:
    request = [
        ("Origin", "https://app.example.com"),
        ("Access-Control-Request-Method", "PUT"),
        ("x-order", "raise"),  # an invocation would answer 502
    ]
    reply = cors_url.call("OPTIONS", "/", headers=request)
    assert (reply.status, reply.body) == (200, b"")
    assert reply.header("access-control-allow-origin") == "https://app.example.com"
    assert reply.header("access-control-allow-methods") == "PUT,DELETE"
    assert reply.header("access-control-allow-headers") == "x-custom,content-type"
    assert reply.header("access-control-allow-credentials") == "true"
    assert reply.header("access-control-max-age") == "300"


def test_preflight_from_another_origin_gets_no_cors_headers(cors_url: FunctionUrl) -> None:
    request = [("Origin", "https://evil.example"), ("Access-Control-Request-Method", "PUT")]
    reply = cors_url.call("OPTIONS", "/", headers=request)
    assert not [name for name, _ in reply.headers if name.startswith("access-control-")]


def test_responses_carry_the_configured_cors_headers(cors_url: FunctionUrl) -> None:
    result = {"statusCode": 200, "headers": {"Access-Control-Allow-Origin": "*"}, "body": "ok"}
    headers = [("Origin", "https://app.example.com"), ("x-order", "return")]
    reply = cors_url.call("POST", "/", json.dumps(result).encode(), headers)
    assert reply.body == b"ok"
    # The URL's configuration wins over the function's own header (urls-configuration.html).
    assert reply.all("access-control-allow-origin") == ["https://app.example.com"]
    assert reply.header("access-control-expose-headers") == "x-result"
    assert reply.header("access-control-allow-credentials") == "true"


def test_the_function_runs_under_the_requests_id(mirror: FunctionUrl) -> None:
    reply = mirror.call("GET", "/", b"", [("x-order", "request-id")])
    assert reply.status == 200, reply
    assert reply.body.decode() == reply.header("x-amzn-requestid")  # a string is sent as is
