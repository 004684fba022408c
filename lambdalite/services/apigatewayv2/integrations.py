"""Integrations: CreateIntegration, GetIntegration, GetIntegrations, UpdateIntegration,
DeleteIntegration.

HTTP APIs integrate with Lambda (``AWS_PROXY``, payload format 1.0 or 2.0) and HTTP endpoints
(``HTTP_PROXY``, payload 1.0), as the HTTP API integration guide lists them. Outputs follow the
CreateIntegration example of the AWS CLI reference for an HTTP API (ConnectionType INTERNET,
IntegrationMethod POST for Lambda, TimeoutInMillis 30000 by default). PayloadFormatVersion
defaults to 1.0, as terraform-provider-aws documents AWS's default. Service integrations
(IntegrationSubtype), VPC links and the WebSocket-only types (AWS, HTTP, MOCK) are not served.
"""

from __future__ import annotations

from sqlalchemy import Connection

from lambdalite.aws.context import RequestContext
from lambdalite.services.apigatewayv2.base import (
    CHILD_ID_LENGTH,
    ApiGatewayV2Base,
    Params,
    State,
    existing_child,
    new_id,
    paginate,
    public,
    refuse_if_routed,
)
from lambdalite.services.apigatewayv2.errors import BadRequest, NotServed

_SETTABLE = (
    "ConnectionType",
    "CredentialsArn",
    "Description",
    "IntegrationMethod",
    "IntegrationType",
    "IntegrationUri",
    "PayloadFormatVersion",
    "RequestParameters",
    "ResponseParameters",
    "TimeoutInMillis",
    "TlsConfig",
)
_NOT_SERVED = (
    "ConnectionId",
    "IntegrationSubtype",
    "ContentHandlingStrategy",
    "PassthroughBehavior",
    "RequestTemplates",
    "TemplateSelectionExpression",
)
PROXY_TYPES = ("AWS_PROXY", "HTTP_PROXY")


class IntegrationOperations(ApiGatewayV2Base):
    async def create_integration(self, ctx: RequestContext, request: Params) -> Params:
        _refuse_unserved(request)

        def mutate(conn: Connection, state: State) -> Params:
            integration: Params = {
                "ConnectionType": "INTERNET",
                "IntegrationId": new_id(CHILD_ID_LENGTH),
                "PayloadFormatVersion": "1.0",
                "TimeoutInMillis": 30000,
            }
            integration.update({k: request[k] for k in _SETTABLE if k in request})
            check_integration(integration)
            state["Integrations"][integration["IntegrationId"]] = integration
            return integration

        return public(await self.change(ctx, request["ApiId"], mutate))

    async def get_integration(self, ctx: RequestContext, request: Params) -> Params:
        state = await self.load(ctx, request["ApiId"])
        return public(existing_integration(state, request["IntegrationId"]))

    async def get_integrations(self, ctx: RequestContext, request: Params) -> Params:
        state = await self.load(ctx, request["ApiId"])
        return paginate(list(state["Integrations"].values()), request, "IntegrationId")

    async def update_integration(self, ctx: RequestContext, request: Params) -> Params:
        _refuse_unserved(request)

        def mutate(conn: Connection, state: State) -> Params:
            integration = existing_integration(state, request["IntegrationId"])
            integration.update({k: request[k] for k in _SETTABLE if k in request})
            check_integration(integration)
            return integration

        return public(await self.change(ctx, request["ApiId"], mutate))

    async def delete_integration(self, ctx: RequestContext, request: Params) -> Params:
        integration_id = request["IntegrationId"]

        def mutate(conn: Connection, state: State) -> None:
            existing_integration(state, integration_id)
            # wording unverified: a route's target must exist (see routes.check_route).
            target = f"integrations/{integration_id}"
            refuse_if_routed(
                state, "Integration", integration_id, lambda r: r.get("Target") == target
            )
            del state["Integrations"][integration_id]

        await self.change(ctx, request["ApiId"], mutate)
        return {}


def existing_integration(state: State, integration_id: str) -> Params:
    return existing_child(state, "Integrations", integration_id)


def check_integration(integration: Params) -> None:
    """What an HTTP API's integration must be; messages unverified against AWS."""
    kind = integration.get("IntegrationType")
    if kind not in PROXY_TYPES:
        raise NotServed(f"Integration type {kind} applies to WebSocket APIs, not served here.")
    if integration.get("ConnectionType") == "VPC_LINK":
        raise NotServed("VPC links are not served by lambdalite.")
    if not integration.get("IntegrationUri"):
        raise BadRequest(f"IntegrationUri is required for integration type {kind}.")
    if integration["PayloadFormatVersion"] not in ("1.0", "2.0"):
        raise BadRequest("PayloadFormatVersion must be one of [1.0, 2.0].")
    if kind == "HTTP_PROXY":
        _check_http(integration)
    else:
        integration["IntegrationMethod"] = "POST"  # Lambda is always invoked with POST
    if not 50 <= integration["TimeoutInMillis"] <= 30000:
        raise BadRequest("TimeoutInMillis must be between 50 and 30000.")


def _check_http(integration: Params) -> None:
    if integration["PayloadFormatVersion"] != "1.0":
        raise BadRequest("HTTP_PROXY integrations support payload format version 1.0 only.")
    if not integration.get("IntegrationMethod"):
        raise BadRequest("IntegrationMethod is required for integration type HTTP_PROXY.")
    if not integration["IntegrationUri"].startswith(("http://", "https://")):
        raise BadRequest("IntegrationUri of an HTTP_PROXY integration must be an HTTP(S) URL.")


def _refuse_unserved(request: Params) -> None:
    for member in _NOT_SERVED:
        if member in request:
            raise NotServed(f"{member} is not served by lambdalite's HTTP APIs.")
