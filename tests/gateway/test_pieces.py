"""The pure pieces of the Function URL data plane: routing, event details, response mapping."""

from __future__ import annotations

import pytest

from lambdalite.aws.http import HttpResponse
from lambdalite.gateway import cors
from lambdalite.gateway.events_v2 import is_text, request_time
from lambdalite.gateway.function_urls import UrlAddress, address_of
from lambdalite.gateway.responses import MalformedResponse, map_response

URL_ID = "abcdefghij0123456789abcdefghij01"


@pytest.mark.parametrize(
    ("host", "path", "expected"),
    [
        (
            f"{URL_ID}.lambda-url.us-east-1.localhost:4566",
            "/a",
            UrlAddress(URL_ID, "us-east-1", "/a"),
        ),
        (
            f"{URL_ID.upper()}.LAMBDA-URL.eu-west-1.localhost",
            "",
            UrlAddress(URL_ID, "eu-west-1", "/"),
        ),
        (f"{URL_ID}.lambda-url.us-east-1.example.test", "/", UrlAddress(URL_ID, "us-east-1", "/")),
        ("localhost:4566", f"/_aws/lambda-url/{URL_ID}/x/y", UrlAddress(URL_ID, None, "/x/y")),
        ("localhost:4566", f"/_aws/lambda-url/{URL_ID}", UrlAddress(URL_ID, None, "/")),
        ("localhost:4566", "/_aws/lambda-url/", None),
        ("localhost:4566", "/2015-03-31/functions", None),
        ("lambda.us-east-1.localhost:4566", "/", None),
    ],
)
def test_address_of(host: str, path: str, expected: UrlAddress | None) -> None:
    assert address_of(host, path) == expected


def test_request_time_is_english_and_utc() -> None:
    assert request_time(1583348638390) == "04/Mar/2020:19:03:58 +0000"


@pytest.mark.parametrize(
    ("content_type", "text"),
    [
        ("application/json; charset=utf-8", True),
        ("text/plain", True),
        ("application/xml", True),
        ("application/vnd.api+json", True),
        ("application/x-www-form-urlencoded", False),
        ("image/png", False),
        ("", False),
    ],
)
def test_is_text(content_type: str, text: bool) -> None:
    assert is_text(content_type) is text


def test_framing_headers_of_the_function_are_dropped() -> None:
    response = map_response(
        b'{"statusCode": 200, "headers": {"Content-Length": "99", "X-A": "1"}, "body": "ok"}'
    )
    assert response.headers == [("Content-Type", "application/json"), ("X-A", "1")]


@pytest.mark.parametrize(
    "payload",
    [
        b"not json",
        b'{"statusCode": true}',
        b'{"statusCode": 99}',
        b'{"statusCode": 200, "headers": []}',
        b'{"statusCode": 200, "headers": {"X": "a\\r\\nInjected: 1"}}',
        b'{"statusCode": 200, "body": "%%%", "isBase64Encoded": true}',
    ],
)
def test_malformed_results(payload: bytes) -> None:
    with pytest.raises(MalformedResponse):
        map_response(payload)


def test_configured_cors_replaces_the_functions_own_headers() -> None:
    response = HttpResponse(200, [("Access-Control-Allow-Origin", "*"), ("X", "1")])
    configured = cors.apply({"AllowOrigins": ["*"]}, {}, response)
    assert configured.headers == [("X", "1")]
    assert cors.apply(None, {}, HttpResponse(200, [("X", "1")])).headers == [("X", "1")]


def test_cors_wildcard_origin() -> None:
    response = cors.apply({"AllowOrigins": ["*"]}, {"origin": "https://a.test"}, HttpResponse(200))
    assert ("Access-Control-Allow-Origin", "*") in response.headers
