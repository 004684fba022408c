"""APIs: CreateApi (with quick create), GetApi, GetApis, UpdateApi, DeleteApi,
DeleteCorsConfiguration.

Defaults of an HTTP API (``ApiKeySelectionExpression`` ``$request.header.x-api-key``,
``RouteSelectionExpression`` ``$request.method $request.path``, ``DisableExecuteApiEndpoint``
false) are AWS's, as the CreateApi reference and moto's AWS-modelled responses show them.
Quick create ("Target", optionally "RouteKey" and "CredentialsArn") makes, as AWS documents for
CreateApi: an integration to the target, a route (``$default`` unless RouteKey says otherwise)
and the ``$default`` stage with AutoDeploy, all three ``ApiGatewayManaged``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from lambdalite.aws.context import RequestContext
from lambdalite.services.apigatewayv2.base import (
    API_ID_LENGTH,
    CHILD_ID_LENGTH,
    GLOBAL,
    ApiGatewayV2Base,
    Params,
    State,
    new_id,
    paginate,
    public,
)
from lambdalite.services.apigatewayv2.errors import BadRequest, NotServed
from lambdalite.services.apigatewayv2.validation import check_cors, check_route_key
from lambdalite.store import Scope

_ECHOED = (
    "Description",
    "Version",
    "CorsConfiguration",
    "DisableSchemaValidation",
    "DisableExecuteApiEndpoint",
    "IpAddressType",
    "ApiKeySelectionExpression",
    "RouteSelectionExpression",
)


class ApiOperations(ApiGatewayV2Base):
    async def create_api(self, ctx: RequestContext, request: Params) -> Params:
        if request["ProtocolType"] != "HTTP":
            raise NotServed("lambdalite serves HTTP APIs only; WebSocket APIs are not served.")
        state = self.new_api(request)
        if "Target" in request:
            self.quick_create(state, request)
        elif "RouteKey" in request or "CredentialsArn" in request:
            raise BadRequest("Target is required for quick create.")  # wording unverified
        await self.store_new(self.scope(ctx), state)
        return self.api_output(ctx, state)

    def new_api(self, request: Params) -> State:
        api: Params = {
            "ApiId": new_id(API_ID_LENGTH),
            "ApiKeySelectionExpression": "$request.header.x-api-key",
            "CreatedDate": self.clock(),
            "DisableExecuteApiEndpoint": False,
            "IpAddressType": "ipv4",
            "Name": request["Name"],
            "ProtocolType": "HTTP",
            "RouteSelectionExpression": "$request.method $request.path",
            "Tags": dict(request.get("Tags") or {}),
        }
        api.update({k: request[k] for k in _ECHOED if k in request})
        if "CorsConfiguration" in api:
            check_cors(api["CorsConfiguration"])
        return {"Api": api, "Routes": {}, "Integrations": {}, "Authorizers": {}, "Stages": {}}

    def quick_create(self, state: State, request: Params) -> None:
        route_key = request.get("RouteKey", "$default")
        check_route_key(route_key)
        integration = quick_integration(request["Target"], request.get("CredentialsArn"))
        state["Integrations"][integration["IntegrationId"]] = integration
        route = {
            "ApiGatewayManaged": True,
            "ApiKeyRequired": False,
            "AuthorizationType": "NONE",
            "RouteId": new_id(CHILD_ID_LENGTH),
            "RouteKey": route_key,
            "Target": f"integrations/{integration['IntegrationId']}",
        }
        state["Routes"][route["RouteId"]] = route
        now = self.clock()
        state["Stages"]["$default"] = {
            "ApiGatewayManaged": True,
            "AutoDeploy": True,
            "CreatedDate": now,
            "DefaultRouteSettings": {"DetailedMetricsEnabled": False},
            "LastUpdatedDate": now,
            "RouteSettings": {},
            "StageName": "$default",
            "StageVariables": {},
            "Tags": {},
        }

    async def store_new(self, scope: Scope, state: State) -> None:
        """The API, its endpoint index entry and its first auto-deployment, together."""
        api_id = state["Api"]["ApiId"]
        where = {"Account": scope.account, "Region": scope.region}

        def job(conn: Connection) -> None:
            self.auto_deploy_in(conn, scope, state)
            self.apis.put_in(conn, scope, api_id, state, create_only=True)
            self.endpoints.put_in(conn, GLOBAL, api_id, where, create_only=True)

        await self.platform.store.write(job)

    def api_output(self, ctx: RequestContext, state: State) -> Params:
        api = public(state["Api"])
        return {**api, "ApiEndpoint": self.api_endpoint(ctx, api["ApiId"])}

    async def get_api(self, ctx: RequestContext, request: Params) -> Params:
        return self.api_output(ctx, await self.load(ctx, request["ApiId"]))

    async def get_apis(self, ctx: RequestContext, request: Params) -> Params:
        records = await self.apis.list(self.scope(ctx))
        apis = [self.api_output(ctx, record.data) for record in records]
        return paginate(apis, request, "ApiId")

    async def update_api(self, ctx: RequestContext, request: Params) -> Params:
        if "CorsConfiguration" in request:
            check_cors(request["CorsConfiguration"])
        if "RouteKey" in request:
            check_route_key(request["RouteKey"])

        def mutate(conn: Connection, state: State) -> State:
            state["Api"].update({k: request[k] for k in (*_ECHOED, "Name") if k in request})
            if "Target" in request or "RouteKey" in request or "CredentialsArn" in request:
                self._update_quick(state, request)
            return state

        state = await self.change(ctx, request["ApiId"], mutate)
        return self.api_output(ctx, state)

    def _update_quick(self, state: State, request: Params) -> None:
        """UpdateApi's Target/RouteKey/CredentialsArn change the quick-created route and
        integration (or make them, as quick create would)."""
        route = _managed(state["Routes"])
        if route is None:
            if "Target" not in request:
                raise BadRequest("Target is required for quick create.")  # wording unverified
            self.quick_create(state, request)
            return
        if "RouteKey" in request:
            route["RouteKey"] = request["RouteKey"]
        integration = state["Integrations"].get(route["Target"].removeprefix("integrations/"))
        if integration is not None and "Target" in request:
            integration.update(quick_integration(request["Target"], None) | _id_of(integration))
        if integration is not None and "CredentialsArn" in request:
            integration["CredentialsArn"] = request["CredentialsArn"]

    async def delete_api(self, ctx: RequestContext, request: Params) -> Params:
        await self.records.delete(self.scope(ctx), request["ApiId"])
        return {}

    async def delete_cors_configuration(self, ctx: RequestContext, request: Params) -> Params:
        def mutate(conn: Connection, state: State) -> None:
            state["Api"].pop("CorsConfiguration", None)

        await self.change(ctx, request["ApiId"], mutate)
        return {}


def quick_integration(target: str, credentials: str | None) -> Params:
    """The integration quick create makes: Lambda proxy (payload 2.0) for a function ARN,
    HTTP proxy (ANY, payload 1.0) for a URL."""
    integration: Params = {
        "ApiGatewayManaged": True,
        "ConnectionType": "INTERNET",
        "IntegrationId": new_id(CHILD_ID_LENGTH),
        "IntegrationUri": target,
        "TimeoutInMillis": 30000,
    }
    if target.startswith("arn:"):
        integration.update(
            IntegrationMethod="POST", IntegrationType="AWS_PROXY", PayloadFormatVersion="2.0"
        )
    elif target.startswith(("http://", "https://")):
        integration.update(
            IntegrationMethod="ANY", IntegrationType="HTTP_PROXY", PayloadFormatVersion="1.0"
        )
    else:
        raise BadRequest(f"Invalid target specified: {target}")  # wording unverified
    if credentials is not None:
        integration["CredentialsArn"] = credentials
    return integration


def _managed(routes: dict[str, Any]) -> Params | None:
    return next((route for route in routes.values() if route.get("ApiGatewayManaged")), None)


def _id_of(integration: Params) -> Params:
    return {"IntegrationId": integration["IntegrationId"]}
