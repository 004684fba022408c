"""Payload format 2.0: the event an HTTP request becomes, as Function URLs and HTTP APIs send it.

Shape and rules from AWS's "Invoking Lambda function URLs" (docs.aws.amazon.com/lambda/latest/
dg/urls-invocation.html, "Request payload format") and API Gateway's "payload format version 2.0"
(http-api-develop-integrations-lambda.html): header names lower-case with repeats joined by
``,``; every ``Cookie`` header goes to ``cookies`` instead; ``queryStringParameters`` decoded,
repeats joined by ``,``; optional members (``cookies``, ``queryStringParameters``, ``body``)
left out when empty. Key order, ``"userAgent": null`` without a User-Agent and the ``time``
format follow events that real Function URLs delivered (e.g. ``"accountId": "anonymous"``,
``"time": "31/Dec/2025:19:20:00 +0000"``, headers then requestContext then body).
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass, field
from typing import Any

from lambdalite.aws.http import parse_pairs

# Hop-by-hop headers end at the front door (RFC 9110 §7.6.1); AWS's events never show them.
_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# Media types whose bodies travel as text; any other body (or one without a type) is base64,
# as Function URLs do (a form post arrives with "isBase64Encoded": true, JSON as text).
_TEXT_TYPES = ("text/",)
_TEXT_MARKERS = ("json", "xml", "javascript", "yaml")


@dataclass(frozen=True, slots=True)
class InboundRequest:
    """One HTTP request as the data plane received it (names lower-case, values as sent)."""

    method: str
    raw_path: str
    raw_query: str
    header_pairs: list[tuple[str, str]]
    body: bytes
    source_ip: str
    protocol: str = "HTTP/1.1"


@dataclass(frozen=True, slots=True)
class RequestContextV2:
    """What the front door knows about a request beyond the request itself."""

    account_id: str
    api_id: str
    domain_name: str
    domain_prefix: str
    request_id: str
    authorizer: dict[str, Any] | None = None
    route_key: str = "$default"
    stage: str = "$default"
    epoch_ms: int = field(default_factory=lambda: int(time.time() * 1000))
    # HTTP APIs only (a Function URL has neither): left out of the event when empty.
    path_parameters: dict[str, str] = field(default_factory=dict)
    stage_variables: dict[str, str] = field(default_factory=dict)


def build_event(request: InboundRequest, context: RequestContextV2) -> dict[str, Any]:
    """The payload 2.0 event for ``request``."""
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": context.route_key,
        "rawPath": request.raw_path,
        "rawQueryString": request.raw_query,
    }
    cookies = request_cookies(request.header_pairs)
    if cookies:
        event["cookies"] = cookies
    event["headers"] = event_headers(request.header_pairs)
    if request.raw_query:
        event["queryStringParameters"] = query_parameters(request.raw_query)
    event["requestContext"] = _request_context(request, context)
    event.update(_body(request))
    if context.path_parameters:
        event["pathParameters"] = context.path_parameters
    if context.stage_variables:
        event["stageVariables"] = context.stage_variables
    return event


def event_headers(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """Lower-case names, repeated headers joined with ``,``; cookies and hop-by-hop left out."""
    headers: dict[str, str] = {}
    for name, value in pairs:
        if name == "cookie" or name in _HOP_BY_HOP:
            continue
        headers[name] = f"{headers[name]},{value}" if name in headers else value
    return headers


def request_cookies(pairs: list[tuple[str, str]]) -> list[str]:
    """Every cookie of every ``Cookie`` header, one entry per ``name=value``."""
    return [
        cookie.strip()
        for name, value in pairs
        if name == "cookie"
        for cookie in value.split(";")
        if cookie.strip()
    ]


def query_parameters(raw_query: str) -> dict[str, str]:
    """Decoded parameters; a repeated name's values joined with ``,``."""
    parameters: dict[str, str] = {}
    for name, value in parse_pairs(raw_query):
        parameters[name] = f"{parameters[name]},{value}" if name in parameters else value
    return parameters


def _request_context(request: InboundRequest, context: RequestContextV2) -> dict[str, Any]:
    described: dict[str, Any] = {"accountId": context.account_id, "apiId": context.api_id}
    if context.authorizer is not None:
        described["authorizer"] = context.authorizer
    described.update(
        {
            "domainName": context.domain_name,
            "domainPrefix": context.domain_prefix,
            "http": _http(request),
            "requestId": context.request_id,
            "routeKey": context.route_key,
            "stage": context.stage,
            "time": request_time(context.epoch_ms),
            "timeEpoch": context.epoch_ms,
        }
    )
    return described


def _http(request: InboundRequest) -> dict[str, Any]:
    user_agent = next((value for name, value in request.header_pairs if name == "user-agent"), None)
    return {
        "method": request.method,
        "path": request.raw_path,
        "protocol": request.protocol,
        "sourceIp": request.source_ip,
        "userAgent": user_agent,
    }


def _body(request: InboundRequest) -> dict[str, Any]:
    if not request.body:
        return {"isBase64Encoded": False}
    return encoded_body(request)


def encoded_body(request: InboundRequest) -> dict[str, Any]:
    """A non-empty body as the events carry it: text for text media types, else base64."""
    content_type = next((v for n, v in request.header_pairs if n == "content-type"), "")
    if is_text(content_type):
        try:
            return {"body": request.body.decode("utf-8"), "isBase64Encoded": False}
        except UnicodeDecodeError:
            pass  # declared text, but not UTF-8: sent as the bytes it is
    return {"body": base64.b64encode(request.body).decode("ascii"), "isBase64Encoded": True}


def is_text(content_type: str) -> bool:
    """Whether a body of this media type is passed as text rather than base64."""
    media = content_type.split(";", 1)[0].strip().lower()
    return media.startswith(_TEXT_TYPES) or any(marker in media for marker in _TEXT_MARKERS)


def request_time(epoch_ms: int) -> str:
    """``12/Mar/2020:19:03:58 +0000`` (English month names whatever the locale)."""
    moment = time.gmtime(epoch_ms // 1000)
    month = _MONTHS[moment.tm_mon - 1]
    return (
        f"{moment.tm_mday:02d}/{month}/{moment.tm_year}:{time.strftime('%H:%M:%S', moment)} +0000"
    )
