"""The HTTP API (API Gateway v2) data plane: a request to an API's endpoint runs its route.

A request reaches an API in one of two ways (lambdalite/server.py routes both here):
- by its host, as on AWS: ``http://<api-id>.execute-api.localhost:<port>/<stage>/<path>``
  (any suffix after ``execute-api`` is accepted, for setups that map another domain);
- by the path-style fallback: ``http://localhost:<port>/_aws/execute-api/<api-id>/<stage>/...``.

The first path segment names the stage when the API has a deployed stage of that name;
otherwise the ``$default`` stage serves the whole path ("Working with stages for HTTP APIs":
"a $default stage ... is served from the base of your API's URL"). Then: CORS preflights are
answered from the API's CorsConfiguration (cors.py), the route is matched with AWS's precedence
(services/apigatewayv2/routing.py; none: 404), the route's authorization runs (``AWS_IAM`` with
SigV4 for service ``execute-api``, ``JWT`` in jwt_auth.py, ``CUSTOM`` in lambda_auth.py), and
its integration answers (api_integrations.py).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from lambdalite.aws.context import Principal
from lambdalite.aws.errors import IncompleteSignature, ServiceError
from lambdalite.aws.gateway import Authentication
from lambdalite.aws.http import HttpRequest, HttpResponse
from lambdalite.aws.sigv4 import SignatureVerifier, read_signature
from lambdalite.gateway import api_errors, cors
from lambdalite.gateway.api_calls import ApiCall, new_request_id
from lambdalite.gateway.api_errors import Answered
from lambdalite.gateway.api_integrations import Integrations
from lambdalite.gateway.events_v2 import query_parameters
from lambdalite.gateway.function_urls import (
    iam_authorizer,
    inbound_request,
    new_trace_id,
)
from lambdalite.gateway.jwt_auth import JwtVerifier
from lambdalite.gateway.lambda_auth import (
    AuthorizerCall,
    IdentityView,
    LambdaAuthorizers,
    identity_values,
)
from lambdalite.gateway.throttling import TokenBuckets
from lambdalite.services.apigatewayv2 import routing
from lambdalite.services.apigatewayv2.lookup import Deployed, Lookup
from lambdalite.services.platform import Platform

log = logging.getLogger(__name__)

PATH_PREFIX = "/_aws/execute-api/"
DEFAULT_STAGE = "$default"
_HOST = re.compile(r"([a-z0-9]+)\.execute-api(?:\.[a-z0-9.-]+)?(?::\d+)?")
_SKEW_MINUTES = 5
_AUTHORIZER_TIMEOUT = 10.0  # AWS gives a Lambda authorizer 10 seconds


@dataclass(frozen=True, slots=True)
class ApiAddress:
    """Which API a request is for, and the path after the API (stage included)."""

    api_id: str
    path: str
    by_host: bool


def address_of(host: str, raw_path: str) -> ApiAddress | None:
    """The API a request is addressed to, or None for any other request."""
    found = _HOST.fullmatch(host.lower())
    if found is not None:
        return ApiAddress(found.group(1), raw_path or "/", True)
    if raw_path.startswith(PATH_PREFIX):
        api_id, _, rest = raw_path[len(PATH_PREFIX) :].partition("/")
        if api_id:
            return ApiAddress(api_id.lower(), "/" + rest, False)
    return None


class HttpApis:
    """Serves every HTTP API of the platform."""

    def __init__(self, platform: Platform, auth: Authentication) -> None:
        self._auth = auth
        self._lookup = Lookup(platform.store)
        self._verifier = SignatureVerifier(auth.credentials, auth.clock)
        self._integrations = Integrations(platform)
        self._jwt = JwtVerifier()
        self._lambda_auth = LambdaAuthorizers()
        self._buckets = TokenBuckets()

    async def handle(
        self, address: ApiAddress, request: HttpRequest, scope: Mapping[str, Any]
    ) -> HttpResponse:
        """The response to one request for ``address`` (``scope``: the ASGI connection)."""
        request_id = new_request_id()
        try:
            response = await self._serve(address, request, scope, request_id)
        except Answered as answered:
            response = answered.response
        except Exception:
            log.exception("HTTP API %s failed (request %s)", address.api_id, request_id)
            response = api_errors.internal_error()
        response.headers.append(("Apigw-Requestid", request_id))
        return response

    async def _serve(
        self, address: ApiAddress, request: HttpRequest, scope: Mapping[str, Any], request_id: str
    ) -> HttpResponse:
        found = await self._stage(address)
        if found is None:
            return api_errors.not_found()
        deployed, stage_name, route_path = found
        if deployed.api.get("DisableExecuteApiEndpoint"):
            return api_errors.forbidden()
        configuration = deployed.snapshot.get("CorsConfiguration")
        if cors.is_preflight(configuration, request.method, request.headers):
            return cors.preflight(configuration or {}, request.headers)
        try:
            where = (stage_name, route_path, request_id)
            call = self._call(deployed, where, address, request, scope)
            response = await self._run(call)
        except Answered as answered:
            response = answered.response
        return cors.apply(configuration, request.headers, response)

    async def _stage(self, address: ApiAddress) -> tuple[Deployed, str, str] | None:
        """The stage serving the request, its name and the path its routes see."""
        first, _, rest = address.path[1:].partition("/")
        name = unquote(first)
        if name:
            deployed = await self._lookup.deployed(address.api_id, name)
            if deployed is not None:
                return deployed, name, "/" + rest
        deployed = await self._lookup.deployed(address.api_id, DEFAULT_STAGE)
        return None if deployed is None else (deployed, DEFAULT_STAGE, address.path)

    def _call(
        self,
        deployed: Deployed,
        where: tuple[str, str, str],
        address: ApiAddress,
        request: HttpRequest,
        scope: Mapping[str, Any],
    ) -> ApiCall:
        """The request matched to its route; Answered 404 when no route serves it."""
        stage_name, route_path, request_id = where
        routes = list(deployed.snapshot["Routes"].values())
        matched = routing.match(routes, request.method, route_path)
        if matched is None:
            raise Answered(api_errors.not_found())
        route, parameters = matched
        domain = _domain(address, request)
        inbound = inbound_request(request, address.path, scope, new_trace_id())
        return ApiCall(
            deployed,
            stage_name,
            dict(route),
            parameters,
            request,
            inbound,
            route_path,
            request_id,
            domain,
        )

    async def _run(self, call: ApiCall) -> HttpResponse:
        integration = _integration(call)
        self._throttle(call)
        await self._authorize(call)
        return await self._integrations.run(call, integration)

    def _throttle(self, call: ApiCall) -> None:
        """The route's limits, else the stage's defaults (http-api-throttling.html: route
        settings override the stage's); none set, none applied."""
        stage = call.deployed.stage
        limits = (stage.get("RouteSettings") or {}).get(call.route_key) or {}
        defaults = stage.get("DefaultRouteSettings") or {}
        rate = limits.get("ThrottlingRateLimit", defaults.get("ThrottlingRateLimit"))
        burst = limits.get("ThrottlingBurstLimit", defaults.get("ThrottlingBurstLimit"))
        if rate is None or burst is None:
            return
        key = f"{call.deployed.api['ApiId']}/{call.stage_name}/{call.route_key}"
        if not self._buckets.take(key, float(rate), float(burst)):
            raise Answered(api_errors.throttled())

    # --- authorization ----------------------------------------------------------------------

    async def _authorize(self, call: ApiCall) -> None:
        """Run the route's authorization; what it establishes goes into ``call``."""
        kind = call.route.get("AuthorizationType") or "NONE"
        if kind == "NONE":
            return
        if kind == "AWS_IAM":
            caller = self._iam(call)
            call.authorizer_v2 = iam_authorizer(caller)
            call.identity_v1 = _identity_v1(caller)
            return
        authorizer = call.deployed.snapshot["Authorizers"].get(call.route.get("AuthorizerId"))
        if authorizer is None:
            raise Answered(api_errors.internal_error())
        if kind == "JWT":
            await self._jwt_authorize(call, authorizer)
        elif kind == "CUSTOM":
            await self._lambda_authorize(call, authorizer)
        else:
            raise Answered(api_errors.not_supported(f"AuthorizationType {kind}"))

    def _iam(self, call: ApiCall) -> Principal:
        """The SigV4 caller (service ``execute-api``); 403 when unsigned or badly signed."""
        request = call.request
        try:
            signature = read_signature(request)
        except IncompleteSignature as error:
            raise Answered(api_errors.forbidden(error.message)) from error
        if signature is None:
            raise Answered(api_errors.forbidden())
        if not self._auth.enforce:  # --auth off: any known key passes, as on the AWS API
            found = self._auth.credentials.lookup(signature.access_key_id)
            return found.principal if found is not None else self._auth.anonymous
        if signature.service != "execute-api":
            message = "Credential should be scoped to correct service: 'execute-api'. "
            raise Answered(api_errors.forbidden(message))
        try:
            return self._verifier.verify(request, signature, skew_minutes=_SKEW_MINUTES)
        except ServiceError as error:
            raise Answered(api_errors.forbidden(error.message)) from error

    async def _jwt_authorize(self, call: ApiCall, authorizer: dict[str, Any]) -> None:
        sources = list(authorizer.get("IdentitySource") or ["$request.header.Authorization"])
        values = identity_values(sources[:1], _view(call))
        scopes = list(call.route.get("AuthorizationScopes") or [])
        configuration = authorizer.get("JwtConfiguration") or {}
        token = values[0] if values else None
        result = await self._jwt.verify(configuration, scopes, token)
        call.authorizer_v2 = {"jwt": {"claims": result.claims, "scopes": result.scopes}}
        call.authorizer_v1 = {"claims": result.claims, "scopes": result.scopes}

    async def _lambda_authorize(self, call: ApiCall, authorizer: dict[str, Any]) -> None:
        sources = list(authorizer.get("IdentitySource") or [])
        values = identity_values(sources, _view(call))
        if values is None:
            raise Answered(api_errors.unauthorized())
        version = str(authorizer.get("AuthorizerPayloadFormatVersion") or "2.0")
        event = call.event_v1(None) if version == "1.0" else call.event("2.0")
        scope = call.deployed.scope

        async def invoke(arn: str, payload: bytes) -> bytes:
            return await self._integrations.invoke(scope, arn, payload, _AUTHORIZER_TIMEOUT)

        request = AuthorizerCall(call.route_arn(), event, values, invoke)
        key = f"{call.api_id}/{authorizer['AuthorizerId']}"
        context = await self._lambda_auth.authorize(authorizer, key, request)
        call.authorizer_v2 = call.authorizer_v1 = {"lambda": context}


def _integration(call: ApiCall) -> dict[str, Any]:
    """The route's integration; a route without one is not served (404)."""
    target = str(call.route.get("Target") or "")
    integration = call.deployed.snapshot["Integrations"].get(target.removeprefix("integrations/"))
    if integration is None:
        raise Answered(api_errors.not_found())
    return dict(integration)


def _identity_v1(caller: Principal) -> dict[str, Any]:
    """A 1.0 event's ``requestContext.identity`` members for an AWS_IAM caller."""
    return {
        "accessKey": caller.access_key_id,
        "accountId": caller.account_id,
        "caller": caller.user_id,
        "user": caller.user_id,
        "userArn": caller.arn,
    }


def _view(call: ApiCall) -> IdentityView:
    return IdentityView(
        call.request.headers, query_parameters(call.request.query), call.stage_variables
    )


def _domain(address: ApiAddress, request: HttpRequest) -> str:
    """The host the client named (as AWS reports it), else ``<api-id>.execute-api.localhost``."""
    if address.by_host:
        return request.headers.get("host", "").rpartition(":")[0] or request.headers["host"]
    return f"{address.api_id}.execute-api.localhost"
