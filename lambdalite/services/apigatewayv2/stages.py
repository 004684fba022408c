"""Stages and deployments: Create/Get/Get*s/Update/DeleteStage, DeleteRouteSettings,
DeleteAccessLogSettings, ResetAuthorizersCache, Create/Get/Get*s/Update/DeleteDeployment.

A deployment freezes the API's routes, integrations, authorizers and CORS configuration; a
stage serves the deployment it points to. A stage with AutoDeploy gets a new deployment on
every change of the API (base.ApiGatewayV2Base.change), described as AWS describes those.
"Unable to deploy API because no routes exist in this API" is AWS's refusal to deploy an API
without routes; "Unable to find Route by key <key> within the provided RouteSettings" its
refusal of settings for a route that does not exist; "Stage already exists" its
ConflictException (terraform-provider-aws issues #1153, #2918); "Active stages pointing to this
deployment must be moved or deleted" its refusal to delete a deployment in use (REST APIs).
"""

from __future__ import annotations

import re

from sqlalchemy import Connection

from lambdalite.aws.context import RequestContext
from lambdalite.services.apigatewayv2.base import (
    AUTO_DEPLOY_DESCRIPTION,
    ApiGatewayV2Base,
    Params,
    State,
    paginate,
    public,
)
from lambdalite.services.apigatewayv2.errors import BadRequest, Conflict, not_found
from lambdalite.store import Scope

_STAGE_NAME = re.compile(r"\$default|[A-Za-z0-9_\-]{1,128}")
_SETTABLE = (
    "AccessLogSettings",
    "AutoDeploy",
    "ClientCertificateId",
    "DefaultRouteSettings",
    "Description",
    "RouteSettings",
    "StageVariables",
)
NO_ROUTES = "Unable to deploy API because no routes exist in this API"


class StageOperations(ApiGatewayV2Base):
    async def create_stage(self, ctx: RequestContext, request: Params) -> Params:
        name = request["StageName"]
        if not _STAGE_NAME.fullmatch(name):
            raise BadRequest(f"Invalid stage name specified: {name}")  # wording unverified
        scope = self.scope(ctx)

        def mutate(conn: Connection, state: State) -> Params:
            if name in state["Stages"]:
                raise Conflict("Stage already exists")
            now = self.clock()
            stage: Params = {
                "CreatedDate": now,
                "DefaultRouteSettings": {"DetailedMetricsEnabled": False},
                "LastUpdatedDate": now,
                "RouteSettings": {},
                "StageName": name,
                "StageVariables": {},
                "Tags": dict(request.get("Tags") or {}),
            }
            stage.update({k: request[k] for k in _SETTABLE if k in request})
            self._settle(conn, scope, state, stage, request.get("DeploymentId"))
            state["Stages"][name] = stage
            return stage

        return public(await self.change(ctx, request["ApiId"], mutate, redeploy=False))

    def _settle(
        self, conn: Connection, scope: Scope, state: State, stage: Params, deployment: str | None
    ) -> None:
        """Check the stage's settings and point it at its deployment: the one named, or a new
        one when AutoDeploy is on and there is something to deploy."""
        _check_route_settings(state, stage)
        if deployment is not None:
            if stage.get("AutoDeploy"):
                # wording unverified (ACK's apigatewayv2 controller #15 met the refusal)
                raise BadRequest("Deployment id cannot be set on a stage with AutoDeploy enabled")
            self._existing_deployment_in(conn, scope, state, deployment)
            self.point_stage(stage, deployment)
        elif stage.get("AutoDeploy") and state["Routes"]:
            deployed = self.deploy_in(conn, scope, state, AUTO_DEPLOY_DESCRIPTION, True)
            self.point_stage(stage, deployed["DeploymentId"])

    def _existing_deployment_in(
        self, conn: Connection, scope: Scope, state: State, deployment_id: str
    ) -> Params:
        key = f"{state['Api']['ApiId']}/{deployment_id}"
        record = self.deployments.get_in(conn, scope, key)
        if record is None:
            raise not_found("Deployment", deployment_id)
        deployment: Params = record.data["Deployment"]
        return deployment

    async def get_stage(self, ctx: RequestContext, request: Params) -> Params:
        state = await self.load(ctx, request["ApiId"])
        return public(existing_stage(state, request["StageName"]))

    async def get_stages(self, ctx: RequestContext, request: Params) -> Params:
        state = await self.load(ctx, request["ApiId"])
        return paginate(list(state["Stages"].values()), request, "StageName")

    async def update_stage(self, ctx: RequestContext, request: Params) -> Params:
        scope = self.scope(ctx)

        def mutate(conn: Connection, state: State) -> Params:
            stage = existing_stage(state, request["StageName"])
            stage.update({k: request[k] for k in _SETTABLE if k in request})
            stage["LastUpdatedDate"] = self.clock()
            self._settle(conn, scope, state, stage, request.get("DeploymentId"))
            return stage

        return public(await self.change(ctx, request["ApiId"], mutate, redeploy=False))

    async def delete_stage(self, ctx: RequestContext, request: Params) -> Params:
        def mutate(conn: Connection, state: State) -> None:
            existing_stage(state, request["StageName"])
            del state["Stages"][request["StageName"]]

        await self.change(ctx, request["ApiId"], mutate, redeploy=False)
        return {}

    async def delete_route_settings(self, ctx: RequestContext, request: Params) -> Params:
        def mutate(conn: Connection, state: State) -> None:
            settings = existing_stage(state, request["StageName"]).get("RouteSettings", {})
            if request["RouteKey"] not in settings:
                raise not_found("RouteSettings", request["RouteKey"])  # wording unverified
            del settings[request["RouteKey"]]

        await self.change(ctx, request["ApiId"], mutate, redeploy=False)
        return {}

    async def delete_access_log_settings(self, ctx: RequestContext, request: Params) -> Params:
        def mutate(conn: Connection, state: State) -> None:
            existing_stage(state, request["StageName"]).pop("AccessLogSettings", None)

        await self.change(ctx, request["ApiId"], mutate, redeploy=False)
        return {}

    async def reset_authorizers_cache(self, ctx: RequestContext, request: Params) -> Params:
        """The data plane keys its authorizer cache by this epoch: bumping it empties it."""

        def mutate(conn: Connection, state: State) -> None:
            stage = existing_stage(state, request["StageName"])
            stage["_AuthorizerCacheEpoch"] = stage.get("_AuthorizerCacheEpoch", 0) + 1

        await self.change(ctx, request["ApiId"], mutate, redeploy=False)
        return {}

    # --- deployments ---------------------------------------------------------------------

    async def create_deployment(self, ctx: RequestContext, request: Params) -> Params:
        scope = self.scope(ctx)

        def mutate(conn: Connection, state: State) -> Params:
            stage = None
            if "StageName" in request:
                stage = existing_stage(state, request["StageName"])
            if not state["Routes"]:
                raise BadRequest(NO_ROUTES)
            deployment = self.deploy_in(conn, scope, state, request.get("Description"), False)
            if stage is not None:
                self.point_stage(stage, deployment["DeploymentId"])
            return deployment

        return await self.change(ctx, request["ApiId"], mutate, redeploy=False)

    async def get_deployment(self, ctx: RequestContext, request: Params) -> Params:
        record = await self._deployment_record(ctx, request)
        deployment: Params = record["Deployment"]
        return deployment

    async def _deployment_record(self, ctx: RequestContext, request: Params) -> Params:
        await self.load(ctx, request["ApiId"])
        key = f"{request['ApiId']}/{request['DeploymentId']}"
        record = await self.deployments.get(self.scope(ctx), key)
        if record is None:
            raise not_found("Deployment", request["DeploymentId"])
        return record.data

    async def get_deployments(self, ctx: RequestContext, request: Params) -> Params:
        await self.load(ctx, request["ApiId"])
        records = await self.deployments.list(self.scope(ctx), prefix=f"{request['ApiId']}/")
        items = [record.data["Deployment"] for record in records]
        return paginate(items, request, "DeploymentId")

    async def update_deployment(self, ctx: RequestContext, request: Params) -> Params:
        scope, key = self.scope(ctx), f"{request['ApiId']}/{request['DeploymentId']}"

        def job(conn: Connection) -> Params:
            self.records.existing_in(conn, scope, request["ApiId"])
            record = self.deployments.get_in(conn, scope, key)
            if record is None:
                raise not_found("Deployment", request["DeploymentId"])
            data = record.data
            if "Description" in request:
                data["Deployment"]["Description"] = request["Description"]
            self.deployments.put_in(conn, scope, key, data, expect_version=record.version)
            deployment: Params = data["Deployment"]
            return deployment

        return await self.platform.store.write(job)

    async def delete_deployment(self, ctx: RequestContext, request: Params) -> Params:
        scope, deployment_id = self.scope(ctx), request["DeploymentId"]

        def job(conn: Connection) -> None:
            state = self.records.existing_in(conn, scope, request["ApiId"]).data
            self._existing_deployment_in(conn, scope, state, deployment_id)
            if any(s.get("DeploymentId") == deployment_id for s in state["Stages"].values()):
                raise BadRequest(
                    "Active stages pointing to this deployment must be moved or deleted"
                )
            self.deployments.delete_in(conn, scope, f"{request['ApiId']}/{deployment_id}")

        await self.platform.store.write(job)
        return {}


def existing_stage(state: State, name: str) -> Params:
    stage: Params | None = state["Stages"].get(name)
    if stage is None:
        raise not_found("Stage", name)
    return stage


def _check_route_settings(state: State, stage: Params) -> None:
    keys = {route["RouteKey"] for route in state["Routes"].values()}
    for key in stage.get("RouteSettings") or {}:
        if key not in keys:
            raise BadRequest(f"Unable to find Route by key {key} within the provided RouteSettings")
