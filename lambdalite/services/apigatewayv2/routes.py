"""Routes: CreateRoute, GetRoute, GetRoutes, UpdateRoute, DeleteRoute,
DeleteRouteRequestParameter.

Authorization checks quote AWS: "Invalid authorizer ID specified. Setting the authorization
type to JWT requires a valid JWT authorizer." (anomalyco/sst#4097) and "... Setting the
authorization type to CUSTOM or COGNITO_USER_POOLS requires a valid authorizer."
(hashicorp/terraform-provider-aws#17497), both BadRequestException.
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
)
from lambdalite.services.apigatewayv2.errors import BadRequest, NotServed, not_found
from lambdalite.services.apigatewayv2.validation import check_new_route_key, check_route_key

_SETTABLE = (
    "ApiKeyRequired",
    "AuthorizationScopes",
    "AuthorizationType",
    "AuthorizerId",
    "OperationName",
    "RequestParameters",
    "RouteKey",
    "Target",
)
# WebSocket-only members (models and route responses are not served).
_WEBSOCKET_ONLY = ("ModelSelectionExpression", "RequestModels", "RouteResponseSelectionExpression")


class RouteOperations(ApiGatewayV2Base):
    async def create_route(self, ctx: RequestContext, request: Params) -> Params:
        _refuse_websocket_members(request)
        check_route_key(request["RouteKey"])

        def mutate(conn: Connection, state: State) -> Params:
            keys = [route["RouteKey"] for route in state["Routes"].values()]
            check_new_route_key(request["RouteKey"], keys)
            route: Params = {
                "ApiKeyRequired": False,
                "AuthorizationType": "NONE",
                "RouteId": new_id(CHILD_ID_LENGTH),
            }
            route.update({k: request[k] for k in _SETTABLE if k in request})
            check_route(state, route)
            state["Routes"][route["RouteId"]] = route
            return route

        return public(await self.change(ctx, request["ApiId"], mutate))

    async def get_route(self, ctx: RequestContext, request: Params) -> Params:
        state = await self.load(ctx, request["ApiId"])
        return public(existing_route(state, request["RouteId"]))

    async def get_routes(self, ctx: RequestContext, request: Params) -> Params:
        state = await self.load(ctx, request["ApiId"])
        return paginate(list(state["Routes"].values()), request, "RouteId")

    async def update_route(self, ctx: RequestContext, request: Params) -> Params:
        _refuse_websocket_members(request)
        if "RouteKey" in request:
            check_route_key(request["RouteKey"])

        def mutate(conn: Connection, state: State) -> Params:
            route = existing_route(state, request["RouteId"])
            if "RouteKey" in request and request["RouteKey"] != route["RouteKey"]:
                others = [r["RouteKey"] for r in state["Routes"].values() if r is not route]
                check_new_route_key(request["RouteKey"], others)
            route.update({k: request[k] for k in _SETTABLE if k in request})
            if route.get("AuthorizationType") == "NONE":
                route.pop("AuthorizerId", None)
            check_route(state, route)
            return route

        return public(await self.change(ctx, request["ApiId"], mutate))

    async def delete_route(self, ctx: RequestContext, request: Params) -> Params:
        def mutate(conn: Connection, state: State) -> None:
            route = existing_route(state, request["RouteId"])
            del state["Routes"][request["RouteId"]]
            for stage in state["Stages"].values():
                # A stage's settings for a route (keyed by route key) go with the route.
                stage.get("RouteSettings", {}).pop(route["RouteKey"], None)

        await self.change(ctx, request["ApiId"], mutate)
        return {}

    async def delete_route_request_parameter(self, ctx: RequestContext, request: Params) -> Params:
        def mutate(conn: Connection, state: State) -> None:
            route = existing_route(state, request["RouteId"])
            parameters = route.get("RequestParameters") or {}
            if request["RequestParameterKey"] not in parameters:
                raise not_found("RequestParameter", request["RequestParameterKey"])
            del parameters[request["RequestParameterKey"]]

        await self.change(ctx, request["ApiId"], mutate)
        return {}


def existing_route(state: State, route_id: str) -> Params:
    return existing_child(state, "Routes", route_id)


def check_route(state: State, route: Params) -> None:
    """The route's target and authorizer exist and fit its authorization type."""
    target = route.get("Target")
    if target is not None:
        integration_id = target.removeprefix("integrations/")
        if not target.startswith("integrations/") or integration_id not in state["Integrations"]:
            raise BadRequest(f"Invalid integration ID specified: {target}")  # wording unverified
    _check_authorization(state, route)


def _check_authorization(state: State, route: Params) -> None:
    kind = route.get("AuthorizationType", "NONE")
    authorizer = state["Authorizers"].get(route.get("AuthorizerId") or "")
    if kind == "JWT" and (authorizer is None or authorizer["AuthorizerType"] != "JWT"):
        raise BadRequest(
            "Invalid authorizer ID specified. Setting the authorization type to JWT requires "
            "a valid JWT authorizer."
        )
    if kind == "CUSTOM" and (authorizer is None or authorizer["AuthorizerType"] != "REQUEST"):
        raise BadRequest(
            "Invalid authorizer ID specified. Setting the authorization type to CUSTOM or "
            "COGNITO_USER_POOLS requires a valid authorizer."
        )
    if route.get("AuthorizationScopes") and kind != "JWT":
        # wording unverified: scopes are for JWT authorizers only (CreateRoute reference).
        raise BadRequest("Authorization scopes are supported only for JWT authorizers.")


def _refuse_websocket_members(request: Params) -> None:
    for member in _WEBSOCKET_ONLY:
        if member in request:
            raise NotServed(f"{member} applies to WebSocket APIs, which lambdalite does not serve.")
