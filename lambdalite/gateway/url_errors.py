"""The error responses a Function URL answers itself, worded and shaped as AWS's.

- Unknown URL id: 403 ``{"Message":null}`` with ``x-amzn-ErrorType: AccessDeniedException``
  (LocalStack's AWS-validated ``test_lambda_url_non_existing_url``, tests/aws/services/lambda_/
  test_lambda.py).
- Unsigned request to an ``AWS_IAM`` URL: 403 ``{"Message":"Forbidden. For troubleshooting
  Function URL authorization issues, see: https://docs.aws.amazon.com/lambda/latest/dg/
  urls-auth.html"}`` (the body AWS answers since 2025, quoted in brikis98/devops-book#12 and
  ant-media/Ant-Media-Server#7827).
- Bad signature: 403 ``{"message": "<why>"}`` (lower-case ``message``, as quoted on re:Post
  "POST request to presigned AWS Lambda Function URL with unsigned payload").
- Function error or timeout: 502 ``Internal Server Error`` (LocalStack's AWS-validated
  ``test_lambda_url_invocation_exception`` asserts that exact body; labelled
  ``application/json`` like every other answer of the URL front door — the recording does not
  show the header).
- Throttled: 429 (AWS's urls-configuration.html "Throttling function URLs"); the body is the
  Invoke API's throttle message, as no recording of the URL's own body was found.
"""

from __future__ import annotations

import json

from lambdalite.aws.http import HttpResponse

FORBIDDEN_MESSAGE = (
    "Forbidden. For troubleshooting Function URL authorization issues, see: "
    "https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html"
)
_JSON = "application/json"


def error_response(status: int, error_type: str, body: dict[str, str | None]) -> HttpResponse:
    """A JSON error with AWS's ``x-amzn-ErrorType`` header."""
    encoded = json.dumps(body, separators=(",", ":")).encode()
    return HttpResponse(
        status, [("Content-Type", _JSON), ("x-amzn-ErrorType", error_type)], encoded
    )


def unknown_url() -> HttpResponse:
    return error_response(403, "AccessDeniedException", {"Message": None})


def forbidden() -> HttpResponse:
    return error_response(403, "AccessDeniedException", {"Message": FORBIDDEN_MESSAGE})


def bad_signature(code: str, message: str) -> HttpResponse:
    return error_response(403, code, {"message": message})


def function_failed() -> HttpResponse:
    return HttpResponse(502, [("Content-Type", _JSON)], b"Internal Server Error")


def throttled(message: str) -> HttpResponse:
    return error_response(429, "TooManyRequestsException", {"Message": message})


def rejected(status: int, code: str, message: str) -> HttpResponse:
    """Another refusal of the invocation (payload too large, function not active...)."""
    return error_response(status, code, {"Message": message})


def not_supported(what: str) -> HttpResponse:
    """A feature lambdalite has not built: refused loudly, never half-served."""
    return error_response(
        501, "NotImplemented", {"Message": f"{what} is not supported by lambdalite."}
    )
