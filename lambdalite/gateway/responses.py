"""Payload format 2.0 responses: what a function returned, as the HTTP response the client gets.

Rules from AWS's "Invoking Lambda function URLs" ("Response payload format": a result without
``statusCode`` is a 200 ``application/json`` response whose body is the result; ``cookies``
become ``set-cookie`` headers) and from responses recorded on real AWS
(aws-recorded/36_function_url_response_mapping: ``{"hello": "world"}`` arrives as the 17 bytes
``{"hello":"world"}``, i.e. re-serialised compactly; ``"hello"`` arrives as ``hello``; ``3`` as
``3``; ``{"statusCode": 200, "body": "body123"}`` as ``body123``, still ``application/json``).
A ``statusCode`` given as a string (``"418"``) is honoured, as LocalStack's AWS-validated
``test_lambda_url_headers_and_status`` shows.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from lambdalite.aws.http import HttpResponse

JSON_TYPE = "application/json"
# Headers the front door owns: a function cannot set the framing of the response.
FRAMING = frozenset({"content-length", "transfer-encoding", "connection"})


class MalformedResponse(Exception):
    """A function result that is no valid HTTP response (AWS answers 502)."""


def map_response(payload: bytes) -> HttpResponse:
    """The HTTP response for a successful invocation's payload, or MalformedResponse."""
    try:
        result = json.loads(payload)
    except ValueError as error:
        raise MalformedResponse("the function's result is not JSON") from error
    if isinstance(result, dict) and "statusCode" in result:
        return _structured(result)
    return HttpResponse(200, [("Content-Type", JSON_TYPE)], _inferred_body(result))


def _inferred_body(result: Any) -> bytes:
    """A string is the body itself; anything else is its compact JSON text."""
    if isinstance(result, str):
        return result.encode("utf-8")
    return json.dumps(result, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _structured(result: dict[str, Any]) -> HttpResponse:
    headers = header_list(result.get("headers"))
    if not any(name.lower() == "content-type" for name, _ in headers):
        headers.insert(0, ("Content-Type", JSON_TYPE))
    headers.extend(("Set-Cookie", cookie) for cookie in _cookies(result.get("cookies")))
    body = body_bytes(result.get("body"), result.get("isBase64Encoded", False))
    return HttpResponse(status_code(result["statusCode"]), headers, body)


def status_code(value: Any) -> int:
    if isinstance(value, bool):
        raise MalformedResponse(f"statusCode {value!r}")
    try:
        status = int(value)
    except (TypeError, ValueError) as error:
        raise MalformedResponse(f"statusCode {value!r}") from error
    if not 100 <= status <= 599:
        raise MalformedResponse(f"statusCode {status}")
    return status


def header_list(value: Any) -> list[tuple[str, str]]:
    if value is None:
        return []
    if not isinstance(value, dict):
        raise MalformedResponse("headers is not an object")
    return [
        (str(name), header_value(item))
        for name, item in value.items()
        if str(name).lower() not in FRAMING
    ]


def _cookies(value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise MalformedResponse("cookies is not a list")
    return [header_value(cookie) for cookie in value]


def body_bytes(value: Any, encoded: Any) -> bytes:
    if value is None:
        return b""
    if not isinstance(value, str):  # an object body is sent as its JSON text
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    if encoded is True:
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError) as error:
            raise MalformedResponse("body is not valid base64") from error
    return value.encode("utf-8")


def header_value(value: Any) -> str:
    """A header value: strings as they are, numbers and booleans as JSON writes them. One that
    HTTP/1.1 cannot carry (a line break would split the response) makes the response invalid."""
    text = value if isinstance(value, str) else json.dumps(value)
    if "\r" in text or "\n" in text or (not text.isascii() and not _latin1(text)):
        raise MalformedResponse("a header value HTTP cannot carry")
    return text


def _latin1(text: str) -> bool:
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True
