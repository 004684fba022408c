"""The REST API (API Gateway v1) data plane: a request to a REST API's stage runs the Lambda
proxy integration of the resource and method it matches.

Reached like HTTP APIs (they share the id space; lambdalite/server.py asks ``serves`` which kind
an id is): ``http://<api-id>.execute-api.localhost:<port>/<stage>/<path>`` or
``http://localhost:<port>/_aws/execute-api/<api-id>/<stage>/<path>``. The first path segment
is the stage (REST APIs have no ``$default`` stage). Then: the resource and method
(rest_routing.py; none: 403 "Missing Authentication Token"), the API key and usage plan when the
method requires a key (rest_keys.py), the stage's method throttling, and the function, invoked
synchronously with the proxy event (rest_events.py); its result maps as payload 1.0 does
(events_v1.map_response). Answers and their wording: rest_errors.py. Every response carries
``x-amzn-RequestId`` and ``x-amz-apigw-id``, as AWS's do.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from lambdalite.aws.http import HttpRequest, HttpResponse
from lambdalite.gateway import events_v1, rest_errors, rest_routing
from lambdalite.gateway.api_calls import new_request_id
from lambdalite.gateway.api_errors import Answered
from lambdalite.gateway.api_integrations import Integrations, InvokeAnswers
from lambdalite.gateway.function_urls import inbound_request, new_trace_id
from lambdalite.gateway.http_apis import ApiAddress
from lambdalite.gateway.lambda_auth import function_arn
from lambdalite.gateway.responses import MalformedResponse
from lambdalite.gateway.rest_events import RestCall, build_event
from lambdalite.gateway.rest_keys import KeyGate
from lambdalite.gateway.throttling import TokenBuckets
from lambdalite.ids import new_uuid
from lambdalite.services.apigateway.lookup import RestDeployed, RestLookup
from lambdalite.services.platform import Platform

log = logging.getLogger(__name__)

_ANSWERS = InvokeAnswers(
    timed_out=rest_errors.timed_out,
    refused=rest_errors.internal_error,
    failed=rest_errors.bad_gateway,
)


class RestApis:
    """Serves every REST API of the platform."""

    def __init__(self, platform: Platform) -> None:
        self._lookup = RestLookup(platform.store)
        self._keys = KeyGate(platform.store)
        self._stage_buckets = TokenBuckets()
        self._integrations = Integrations(platform)

    async def serves(self, api_id: str) -> bool:
        """Whether ``api_id`` is a REST API's (else it may be an HTTP API's)."""
        return await self._lookup.scope_of(api_id) is not None

    async def handle(
        self, address: ApiAddress, request: HttpRequest, scope: Mapping[str, Any]
    ) -> HttpResponse:
        """The response to one request for ``address`` (``scope``: the ASGI connection)."""
        request_id, extended_id = new_uuid(), new_request_id()
        try:
            call = await self._call(address, request, scope, (request_id, extended_id))
            response = await self._run(call)
        except Answered as answered:
            response = answered.response
        except Exception:
            log.exception("REST API %s failed (request %s)", address.api_id, request_id)
            response = rest_errors.internal_error()
        response.headers += [("x-amzn-RequestId", request_id), ("x-amz-apigw-id", extended_id)]
        return response

    async def _call(
        self,
        address: ApiAddress,
        request: HttpRequest,
        scope: Mapping[str, Any],
        ids: tuple[str, str],
    ) -> RestCall:
        """The request matched to its stage, resource and method; Answered 403 otherwise."""
        stage_name, route_path = _split(address.path)
        deployed = await self._deployed(address.api_id, stage_name)
        matched = rest_routing.match(deployed.resources, request.method, route_path)
        if matched is None:
            raise Answered(rest_errors.missing_token())
        inbound = inbound_request(request, route_path, scope, new_trace_id())
        domain = _domain(address, request)
        epoch_ms = int(time.time() * 1000)
        return RestCall(deployed, stage_name, matched, inbound, *ids, domain, epoch_ms)

    async def _deployed(self, api_id: str, stage_name: str) -> RestDeployed:
        where = await self._lookup.scope_of(api_id)
        deployed = await self._lookup.deployed(where, api_id, stage_name) if where else None
        if deployed is None:
            raise Answered(rest_errors.missing_token())
        if deployed.api.get("disableExecuteApiEndpoint"):
            raise Answered(rest_errors.forbidden())
        return deployed

    async def _run(self, call: RestCall) -> HttpResponse:
        method = call.matched.method
        if method.get("apiKeyRequired"):
            value = next((v for n, v in call.inbound.header_pairs if n == "x-api-key"), None)
            call.key = await self._keys.admit(
                call.deployed.scope, call.api_id, call.stage_name, value
            )
        self._throttle_stage(call)
        return await self._lambda(call, method["methodIntegration"])

    def _throttle_stage(self, call: RestCall) -> None:
        """The stage's method throttling (methodSettings ``<path>/<METHOD>``, else ``*/*``),
        applied after a usage plan's per-client limits, as API Gateway orders them
        (api-gateway-request-throttling.html); 429 Too Many Requests when it is spent."""
        settings = call.deployed.stage.get("methodSettings") or {}
        path = str(call.matched.resource.get("path", "/"))
        key = f"{path[1:]}/{call.matched.method.get('httpMethod', '')}"
        chosen = key if key in settings else "*/*"
        setting = settings.get(chosen) or {}
        if "throttlingRateLimit" not in setting:
            return
        rate = float(setting["throttlingRateLimit"])
        burst = float(setting.get("throttlingBurstLimit") or 0)
        if not self._stage_buckets.take(f"{call.api_id}/{call.stage_name}/{chosen}", rate, burst):
            raise Answered(rest_errors.throttled())

    async def _lambda(self, call: RestCall, integration: dict[str, Any]) -> HttpResponse:
        payload = json.dumps(build_event(call), separators=(",", ":"), ensure_ascii=False)
        arn = function_arn(str(integration["uri"]))
        timeout = int(integration.get("timeoutInMillis") or 29000) / 1000
        scope = call.deployed.scope
        result = await self._integrations.invoke(scope, arn, payload.encode(), timeout, _ANSWERS)
        try:
            return events_v1.map_response(result)
        except MalformedResponse as malformed:
            log.info("REST API %s: %s", call.api_id, malformed)
            return rest_errors.bad_gateway()


def _split(path: str) -> tuple[str, str]:
    """``/stage/a/b`` -> ``("stage", "/a/b")``."""
    first, _, rest = path[1:].partition("/")
    return unquote(first), "/" + rest


def _domain(address: ApiAddress, request: HttpRequest) -> str:
    """The host the client named, port included: on AWS ``domainName`` is the event's ``Host``
    header (aws-recorded/37 binds both to one value). Path-style:
    ``<api-id>.execute-api.localhost``."""
    if address.by_host:
        return request.headers.get("host", "")
    return f"{address.api_id}.execute-api.localhost"
