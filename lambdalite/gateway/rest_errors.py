"""The answers a REST API (API Gateway v1) gives itself, worded as AWS's gateway responses.

- No resource or method for the request (or no such stage): 403
  ``{"message":"Missing Authentication Token"}`` (the MISSING_AUTHENTICATION_TOKEN gateway
  response, "Gateway response types for API Gateway").
- A method requiring an API key called without a valid one: 403 ``{"message":"Forbidden"}``.
- Usage plan throttle: 429 ``{"message":"Too Many Requests"}``; quota used up: 429
  ``{"message":"Limit Exceeded"}`` (THROTTLED and QUOTA_EXCEEDED).
- Lambda proxy: a function error or a malformed result 502, the Lambda API refusing the invoke
  500, both ``{"message": "Internal server error"}`` (AWS-BEHAVIOUR.md §4.1; note REST's
  lower-case "server error", where HTTP APIs write "Server Error"); the integration timeout 504
  ``{"message": "Endpoint request timed out"}``.
Each carries ``x-amzn-ErrorType`` naming the error, as AWS's gateway responses do (the names
of the 429 and 5xx types are from memory of AWS's answers, unverified here).
"""

from __future__ import annotations

from lambdalite.aws.http import HttpResponse
from lambdalite.gateway.api_errors import message


def _answer(status: int, text: str, error_type: str) -> HttpResponse:
    return message(status, text, [("x-amzn-ErrorType", error_type)])


def missing_token() -> HttpResponse:
    return _answer(403, "Missing Authentication Token", "MissingAuthenticationTokenException")


def forbidden() -> HttpResponse:
    return _answer(403, "Forbidden", "ForbiddenException")


def throttled() -> HttpResponse:
    return _answer(429, "Too Many Requests", "TooManyRequestsException")


def quota_exceeded() -> HttpResponse:
    return _answer(429, "Limit Exceeded", "LimitExceededException")


def bad_gateway() -> HttpResponse:
    return _answer(502, "Internal server error", "InternalServerErrorException")


def internal_error() -> HttpResponse:
    return _answer(500, "Internal server error", "InternalServerErrorException")


def timed_out() -> HttpResponse:
    return _answer(504, "Endpoint request timed out", "IntegrationTimeout")
