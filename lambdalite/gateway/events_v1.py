"""Payload format 1.0 of HTTP APIs: the REST-like event and the response contract it requires.

Shape from API Gateway's "Create AWS Lambda proxy integrations for HTTP APIs"
(http-api-develop-integrations-lambda.html, "Payload format structure", 1.0) and the REST event
that real AWS delivered (aws-recorded/37_apigw_rest_proxy_event): ``version`` "1.0",
``resource``, ``path``, ``httpMethod``, ``headers`` + ``multiValueHeaders``,
``queryStringParameters`` + ``multiValueQueryStringParameters``, ``requestContext`` (with the
twelve ``identity`` members), ``pathParameters``, ``stageVariables``, ``body``,
``isBase64Encoded``; absent collections are ``null``. What HTTP APIs do differently from the
REST recording: header names arrive lower-case (HTTP APIs lowercase them), there is no
``deploymentId`` and ``resourceId`` is null (HTTP APIs have no resources), ``resource`` and
``resourcePath`` are the route's path (or ``$default``). The single-valued maps keep a
repeated name's last value, as REST APIs do.

Response: an object with ``statusCode``; ``headers``, ``multiValueHeaders`` (its values win for
a name in both), ``body`` and ``isBase64Encoded`` optional. Anything else is malformed (500).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from lambdalite.aws.http import HttpResponse, parse_pairs
from lambdalite.gateway.events_v2 import (
    InboundRequest,
    RequestContextV2,
    encoded_body,
    request_time,
)
from lambdalite.gateway.responses import (
    FRAMING,
    JSON_TYPE,
    MalformedResponse,
    body_bytes,
    header_list,
    header_value,
    status_code,
)

IDENTITY_KEYS = (
    "accessKey",
    "accountId",
    "caller",
    "cognitoAuthenticationProvider",
    "cognitoAuthenticationType",
    "cognitoIdentityId",
    "cognitoIdentityPoolId",
    "principalOrgId",
    "sourceIp",
    "user",
    "userAgent",
    "userArn",
)
HOP_BY_HOP = frozenset({"connection", "keep-alive", "te", "trailer", "transfer-encoding"})


@dataclass(frozen=True, slots=True)
class V1Extras:
    """What a 1.0 event carries beyond the 2.0 context: the route's path and the caller."""

    resource: str
    identity: dict[str, Any] | None = None  # an AWS_IAM caller's accessKey, user, userArn...


def build_event(
    request: InboundRequest, context: RequestContextV2, extras: V1Extras
) -> dict[str, Any]:
    """The payload 1.0 event for ``request``."""
    headers, multi_headers = value_maps([p for p in request.header_pairs if p[0] not in HOP_BY_HOP])
    query, multi_query = value_maps(parse_pairs(request.raw_query))
    event: dict[str, Any] = {
        "version": "1.0",
        "resource": extras.resource,
        "path": request.raw_path,
        "httpMethod": request.method,
        "headers": headers,
        "multiValueHeaders": multi_headers,
        "queryStringParameters": query,
        "multiValueQueryStringParameters": multi_query,
        "requestContext": _request_context(request, context, extras),
        "pathParameters": context.path_parameters or None,
        "stageVariables": context.stage_variables or None,
    }
    event.update(_body(request))
    return event


def value_maps(
    pairs: list[tuple[str, str]],
) -> tuple[dict[str, str] | None, dict[str, list[str]] | None]:
    """The single-valued (last value wins) and multi-valued maps; None when empty."""
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in pairs:
        single[name] = value
        multi.setdefault(name, []).append(value)
    return (single or None, multi or None)


def _request_context(
    request: InboundRequest, context: RequestContextV2, extras: V1Extras
) -> dict[str, Any]:
    return {
        "accountId": context.account_id,
        "apiId": context.api_id,
        "authorizer": context.authorizer or {"claims": None, "scopes": None},
        "domainName": context.domain_name,
        "domainPrefix": context.domain_prefix,
        "extendedRequestId": context.request_id,
        "httpMethod": request.method,
        "identity": _identity(request, extras.identity),
        "path": request.raw_path,
        "protocol": request.protocol,
        "requestId": context.request_id,
        "requestTime": request_time(context.epoch_ms),
        "requestTimeEpoch": context.epoch_ms,
        "resourceId": None,
        "resourcePath": extras.resource,
        "stage": context.stage,
    }


def _identity(request: InboundRequest, caller: dict[str, Any] | None) -> dict[str, Any]:
    identity: dict[str, Any] = dict.fromkeys(IDENTITY_KEYS)
    identity["sourceIp"] = request.source_ip
    identity["userAgent"] = next((v for n, v in request.header_pairs if n == "user-agent"), None)
    identity.update(caller or {})
    return identity


def _body(request: InboundRequest) -> dict[str, Any]:
    if not request.body:
        return {"body": None, "isBase64Encoded": False}
    return encoded_body(request)


# --- the response --------------------------------------------------------------------------------


def map_response(payload: bytes) -> HttpResponse:
    """The HTTP response for a 1.0 result, or MalformedResponse (no inference in 1.0)."""
    try:
        result = json.loads(payload)
    except ValueError as error:
        raise MalformedResponse("the function's result is not JSON") from error
    if not isinstance(result, dict) or "statusCode" not in result:
        raise MalformedResponse("a 1.0 result needs a statusCode")
    headers = _merged_headers(result)
    if not any(name.lower() == "content-type" for name, _ in headers):
        headers.insert(0, ("Content-Type", JSON_TYPE))
    body = body_bytes(result.get("body"), result.get("isBase64Encoded", False))
    return HttpResponse(status_code(result["statusCode"]), headers, body)


def _merged_headers(result: dict[str, Any]) -> list[tuple[str, str]]:
    multi = _multi_headers(result.get("multiValueHeaders"))
    named = {name.lower() for name, _ in multi}
    single = [(n, v) for n, v in header_list(result.get("headers")) if n.lower() not in named]
    return single + multi


def _multi_headers(value: Any) -> list[tuple[str, str]]:
    if value is None:
        return []
    if not isinstance(value, dict):
        raise MalformedResponse("multiValueHeaders is not an object")
    pairs: list[tuple[str, str]] = []
    for name, values in value.items():
        if not isinstance(values, list):
            raise MalformedResponse("a multiValueHeaders value is not a list")
        if str(name).lower() not in FRAMING:
            pairs += [(str(name), header_value(item)) for item in values]
    return pairs
