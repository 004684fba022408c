"""The answers an HTTP API (API Gateway v2) gives itself, worded as AWS's.

- No route (or no such API or stage): 404 ``{"message":"Not Found"}``.
- Lambda integration failed (function error, malformed result, Invoke refused): 500
  ``{"message":"Internal Server Error"}`` ("Troubleshooting issues with HTTP API Lambda
  integrations", http-api-troubleshooting-lambda.html).
- Integration timed out: 503 ``{"message":"Service Unavailable"}`` (HTTP APIs' answer when
  ``TimeoutInMillis`` passes, where REST APIs answer 504).
- Throttled by the stage's or the route's settings: 429 ``{"message":"Too Many Requests"}``
  (http-api-throttling.html).
- Authorizers: 401 ``{"message":"Unauthorized"}`` for a missing or invalid token or identity
  source, 403 ``{"message":"Forbidden"}`` for a denied request
  (http-api-troubleshooting-jwt.html, http-api-lambda-authorizer.html).
Every answer is JSON; AWS labels its own answers with an ``apigw-requestid`` header.
"""

from __future__ import annotations

import json

from lambdalite.aws.http import HttpResponse

_JSON = "application/json"


def message(status: int, text: str, extra: list[tuple[str, str]] | None = None) -> HttpResponse:
    """A ``{"message": text}`` answer."""
    body = json.dumps({"message": text}, separators=(",", ":")).encode()
    return HttpResponse(status, [("Content-Type", _JSON), *(extra or [])], body)


def not_found() -> HttpResponse:
    return message(404, "Not Found")


def internal_error() -> HttpResponse:
    return message(500, "Internal Server Error")


def throttled() -> HttpResponse:
    return message(429, "Too Many Requests")


def unavailable() -> HttpResponse:
    return message(503, "Service Unavailable")


def unauthorized(why: str | None = None) -> HttpResponse:
    """401; with ``why``, the ``www-authenticate`` header a JWT authorizer adds."""
    if why is None:
        return message(401, "Unauthorized")
    challenge = f'Bearer scope="" error="invalid_token" error_description="{why}"'
    return message(401, "Unauthorized", [("www-authenticate", challenge)])


def forbidden(text: str = "Forbidden") -> HttpResponse:
    return message(403, text)


def not_supported(what: str) -> HttpResponse:
    """A feature lambdalite has not built: refused loudly, never half-served."""
    return message(501, f"{what} is not supported by lambdalite.")


class Answered(Exception):
    """A request the API answers itself, without (or instead of) its integration."""

    def __init__(self, response: HttpResponse) -> None:
        super().__init__(response.status)
        self.response = response
