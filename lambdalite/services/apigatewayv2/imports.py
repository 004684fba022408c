"""ImportApi, ReimportApi and ExportApi (OpenAPI 3, JSON or YAML).

An import makes an HTTP API from the document; a reimport replaces an API's routes,
integrations and authorizers (and the fields the document sets) with the document's, keeping
its id, stages and tags. With FailOnWarnings, warnings fail the import: "Warnings found during
import:" followed by one tab-indented line per warning (moto's rendering of AWS's message).
"""

from __future__ import annotations

from sqlalchemy import Connection

from lambdalite.aws.context import RequestContext
from lambdalite.services.apigatewayv2 import openapi
from lambdalite.services.apigatewayv2.apis import ApiOperations
from lambdalite.services.apigatewayv2.authorizers import check_authorizer
from lambdalite.services.apigatewayv2.base import Params, State, snapshot
from lambdalite.services.apigatewayv2.errors import BadRequest, NotServed
from lambdalite.services.apigatewayv2.integrations import check_integration
from lambdalite.services.apigatewayv2.routes import check_route
from lambdalite.services.apigatewayv2.stages import existing_stage
from lambdalite.services.apigatewayv2.validation import check_new_route_key, check_route_key


class ImportOperations(ApiOperations):
    async def import_api(self, ctx: RequestContext, request: Params) -> Params:
        definition = _read(request)
        state = self.new_api({"Name": definition.api.get("Name") or "", "ProtocolType": "HTTP"})
        _apply(state, definition)
        await self.store_new(self.scope(ctx), state)
        return self._imported(ctx, state, definition)

    async def reimport_api(self, ctx: RequestContext, request: Params) -> Params:
        definition = _read(request)

        def mutate(conn: Connection, state: State) -> State:
            _apply(state, definition)
            return state

        state = await self.change(ctx, request["ApiId"], mutate)
        return self._imported(ctx, state, definition)

    def _imported(
        self, ctx: RequestContext, state: State, definition: openapi.Definition
    ) -> Params:
        output = self.api_output(ctx, state)
        if definition.warnings:
            output["Warnings"] = definition.warnings
        return output

    async def export_api(self, ctx: RequestContext, request: Params) -> Params:
        if request.get("ExportVersion", "1.0") != "1.0":
            raise BadRequest(f"Invalid export version specified: {request['ExportVersion']}")
        state = await self.load(ctx, request["ApiId"])
        frozen = await self._exported_snapshot(ctx, state, request.get("StageName"))
        endpoint = self.api_endpoint(ctx, request["ApiId"])
        include = request.get("IncludeExtensions", True)
        document = openapi.export(state["Api"], frozen, endpoint, include, request.get("StageName"))
        return {"body": openapi.render(document, request["OutputType"])}

    async def _exported_snapshot(
        self, ctx: RequestContext, state: State, stage_name: str | None
    ) -> Params:
        """The stage's deployed definition, or the API's current one without a stage."""
        if stage_name is None:
            return snapshot(state)
        deployment_id = existing_stage(state, stage_name).get("DeploymentId")
        if deployment_id is None:
            return {"Routes": {}, "Integrations": {}, "Authorizers": {}}
        key = f"{state['Api']['ApiId']}/{deployment_id}"
        record = await self.deployments.get(self.scope(ctx), key)
        return record.data["Snapshot"] if record is not None else snapshot(state)


def _read(request: Params) -> openapi.Definition:
    if request.get("Basepath", "ignore") != "ignore":
        raise NotServed("Only Basepath=ignore is served for HTTP API imports.")
    definition = openapi.definition_from(openapi.parse_document(request["Body"]))
    if request.get("FailOnWarnings") and definition.warnings:
        lines = "".join(f"\n\t{warning}" for warning in definition.warnings)
        raise BadRequest(f"Warnings found during import:{lines}")
    return definition


def _apply(state: State, definition: openapi.Definition) -> None:
    """Replace the state's routes, integrations and authorizers with the definition's,
    checking each as its Create* operation would."""
    state["Api"].update(definition.api)
    state["Integrations"], state["Authorizers"] = definition.integrations, definition.authorizers
    state["Routes"] = {}
    for integration in definition.integrations.values():
        check_integration(integration)
    for authorizer in definition.authorizers.values():
        check_authorizer(authorizer)
    for route in definition.routes.values():
        check_route_key(route["RouteKey"])
        check_new_route_key(route["RouteKey"], [r["RouteKey"] for r in state["Routes"].values()])
        check_route(state, route)
        state["Routes"][route["RouteId"]] = route
