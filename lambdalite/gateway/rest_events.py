"""The Lambda proxy event of a REST API (API Gateway v1), as AWS builds it.

Shape from the event real AWS delivered (aws-recorded/37_apigw_rest_proxy_event) and
AWS-BEHAVIOUR.md §4.1: ``resource`` (the resource's path template), ``path`` (after the stage),
``httpMethod``, ``headers`` + ``multiValueHeaders``, ``queryStringParameters`` +
``multiValueQueryStringParameters``, ``pathParameters``, ``stageVariables``, ``requestContext``
(``accountId``, ``apiId``, ``deploymentId``, ``domainName``, ``domainPrefix``,
``extendedRequestId``, ``httpMethod``, the twelve ``identity`` members, ``path`` with the stage,
``protocol``, ``requestId`` (a UUID), ``requestTime``, ``requestTimeEpoch``, ``resourceId``,
``resourcePath``, ``stage``), ``body``, ``isBase64Encoded``; absent collections are ``null``; no
``version`` and, without an authorizer, no ``requestContext.authorizer``. A request admitted
with an API key adds ``identity.apiKey`` and ``identity.apiKeyId``.

Two known differences from AWS, both from the HTTP server lambdalite runs on: header names
arrive lower-cased (uvicorn lowercases them), so the event carries them in canonical
capitalisation (``User-Agent``, ``X-Forwarded-For``: what clients send) where AWS keeps the
client's own case (``tEsT-HEADeR``); and the CloudFront headers an EDGE endpoint adds
(``CloudFront-*``, ``Via``, ``X-Amz-Cf-Id``) are not made up. Bodies are text unless their
content type is one of the API's ``binaryMediaTypes`` (then base64), as REST APIs do.
"""

from __future__ import annotations

import base64
import fnmatch
from dataclasses import dataclass
from typing import Any

from lambdalite.aws.http import parse_pairs
from lambdalite.gateway.events_v1 import HOP_BY_HOP, IDENTITY_KEYS, value_maps
from lambdalite.gateway.events_v2 import InboundRequest, request_time
from lambdalite.gateway.rest_keys import KeyUse
from lambdalite.gateway.rest_routing import Matched
from lambdalite.services.apigateway.lookup import RestDeployed


@dataclass(slots=True)
class RestCall:
    """A request matched to its stage, resource and method."""

    deployed: RestDeployed
    stage_name: str
    matched: Matched
    inbound: InboundRequest  # header names lower-case; raw_path is the path after the stage
    request_id: str  # requestContext.requestId (a UUID)
    extended_request_id: str
    domain_name: str
    epoch_ms: int
    key: KeyUse | None = None

    @property
    def api_id(self) -> str:
        return str(self.deployed.api["id"])


def build_event(call: RestCall) -> dict[str, Any]:
    """The proxy event for ``call``."""
    inbound = call.inbound
    pairs = [(canonical(n), v) for n, v in inbound.header_pairs if n not in HOP_BY_HOP]
    headers, multi_headers = value_maps(pairs)
    query, multi_query = value_maps(parse_pairs(inbound.raw_query))
    event: dict[str, Any] = {
        "resource": call.matched.resource["path"],
        "path": inbound.raw_path,
        "httpMethod": inbound.method,
        "headers": headers,
        "multiValueHeaders": multi_headers,
        "queryStringParameters": query,
        "multiValueQueryStringParameters": multi_query,
        "pathParameters": call.matched.path_parameters or None,
        "stageVariables": call.deployed.stage.get("variables") or None,
        "requestContext": _request_context(call),
    }
    event.update(_body(inbound, call.deployed.api.get("binaryMediaTypes") or []))
    return event


def canonical(name: str) -> str:
    """``x-forwarded-for`` -> ``X-Forwarded-For``."""
    return "-".join(part[:1].upper() + part[1:] for part in name.split("-"))


def _request_context(call: RestCall) -> dict[str, Any]:
    inbound = call.inbound
    return {
        "accountId": call.deployed.scope.account,
        "apiId": call.api_id,
        "deploymentId": call.deployed.stage["deploymentId"],
        "domainName": call.domain_name,
        "domainPrefix": call.api_id,
        "extendedRequestId": call.extended_request_id,
        "httpMethod": inbound.method,
        "identity": _identity(call),
        "path": f"/{call.stage_name}{inbound.raw_path}",
        "protocol": inbound.protocol,
        "requestId": call.request_id,
        "requestTime": request_time(call.epoch_ms),
        "requestTimeEpoch": call.epoch_ms,
        "resourceId": call.matched.resource["id"],
        "resourcePath": call.matched.resource["path"],
        "stage": call.stage_name,
    }


def _identity(call: RestCall) -> dict[str, Any]:
    identity: dict[str, Any] = dict.fromkeys(IDENTITY_KEYS)
    identity["sourceIp"] = call.inbound.source_ip
    identity["userAgent"] = _header(call.inbound, "user-agent")
    if call.key is not None:
        identity["apiKey"] = call.key.value
        identity["apiKeyId"] = call.key.key_id
    return identity


def _header(inbound: InboundRequest, name: str) -> str | None:
    return next((v for n, v in inbound.header_pairs if n == name), None)


def _body(inbound: InboundRequest, binary_types: list[str]) -> dict[str, Any]:
    if not inbound.body:
        return {"body": None, "isBase64Encoded": False}
    content_type = (_header(inbound, "content-type") or "").split(";")[0].strip().lower()
    if any(fnmatch.fnmatchcase(content_type, pattern.lower()) for pattern in binary_types):
        return {"body": base64.b64encode(inbound.body).decode("ascii"), "isBase64Encoded": True}
    # Without a binary media type REST APIs pass the body as text.
    return {"body": inbound.body.decode("utf-8", errors="replace"), "isBase64Encoded": False}
