"""Deployments and stages: CreateDeployment, GetDeployments, GetDeployment, CreateStage,
GetStage, GetStages, DeleteStage.

A deployment freezes the API's resources (what its stages serve). As on AWS, an API without
methods cannot be deployed ("The REST API doesn't contain any methods") and neither can one with
a method lacking its integration ("No integration defined for method", BadRequestException in
AWS's answer quoted by terraform-provider-aws #1153). CreateDeployment with ``stageName``
creates that stage or points it at the new deployment.
"""

from __future__ import annotations

from sqlalchemy import Connection

from lambdalite.aws.context import RequestContext
from lambdalite.services.apigateway import errors
from lambdalite.services.apigateway.base import SHORT_ID, Params, RestBase, State, listing, new_id
from lambdalite.services.apigateway.errors import BadRequest, Conflict
from lambdalite.store import Scope

_NO_METHODS = "The REST API doesn't contain any methods"


class StageOperations(RestBase):
    async def create_deployment(self, ctx: RequestContext, request: Params) -> Params:
        scope = self.scope(ctx)

        def mutate(conn: Connection, state: State) -> Params:
            _check_deployable(state)
            deployment = self.deploy_in(conn, scope, state, request.get("description"))
            if request.get("stageName"):
                self._point(state, request, deployment["id"])
            return deployment

        return await self.change(ctx, request["restApiId"], mutate)

    def deploy_in(
        self, conn: Connection, scope: Scope, state: State, description: str | None
    ) -> Params:
        deployment: Params = {"id": new_id(SHORT_ID), "createdDate": self.clock()}
        if description is not None:
            deployment["description"] = description
        key = f"{state['RestApi']['id']}/{deployment['id']}"
        data = {"Deployment": deployment, "Resources": state["Resources"]}
        self.deployments.put_in(conn, scope, key, data, create_only=True)
        return deployment

    def _point(self, state: State, request: Params, deployment_id: str) -> None:
        """CreateDeployment's stage: made (with stageDescription, variables) or re-pointed."""
        name = request["stageName"]
        stage = state["Stages"].get(name)
        if stage is None:
            stage = self.new_stage(name, deployment_id, request.get("stageDescription"))
            state["Stages"][name] = stage
        stage["deploymentId"] = deployment_id
        stage["lastUpdatedDate"] = self.clock()
        if request.get("variables"):
            stage["variables"] = dict(request["variables"])

    def new_stage(self, name: str, deployment_id: str, description: str | None) -> Params:
        now = self.clock()
        stage: Params = {
            "deploymentId": deployment_id,
            "stageName": name,
            "cacheClusterEnabled": False,
            "cacheClusterStatus": "NOT_AVAILABLE",
            "methodSettings": {},
            "tracingEnabled": False,
            "createdDate": now,
            "lastUpdatedDate": now,
        }
        if description is not None:
            stage["description"] = description
        return stage

    async def get_deployments(self, ctx: RequestContext, request: Params) -> Params:
        api_id = request["restApiId"]
        await self.load(ctx, api_id)
        records = await self.deployments.list(self.scope(ctx), prefix=f"{api_id}/")
        return listing([record.data["Deployment"] for record in records], request)

    async def get_deployment(self, ctx: RequestContext, request: Params) -> Params:
        api_id = request["restApiId"]
        await self.load(ctx, api_id)
        record = await self.deployments.get(self.scope(ctx), f"{api_id}/{request['deploymentId']}")
        if record is None:
            raise errors.not_found(errors.DEPLOYMENT_NOT_FOUND)
        return dict(record.data["Deployment"])

    async def create_stage(self, ctx: RequestContext, request: Params) -> Params:
        api_id, scope = request["restApiId"], self.scope(ctx)

        def mutate(conn: Connection, state: State) -> Params:
            name = request["stageName"]
            if name in state["Stages"]:
                raise Conflict("Stage already exists")  # wording unverified
            if self.deployments.get_in(conn, scope, f"{api_id}/{request['deploymentId']}") is None:
                raise errors.not_found(errors.DEPLOYMENT_NOT_FOUND)
            stage = self.new_stage(name, request["deploymentId"], request.get("description"))
            if request.get("variables"):
                stage["variables"] = dict(request["variables"])
            if request.get("tags"):
                stage["tags"] = dict(request["tags"])
            state["Stages"][name] = stage
            return stage

        return await self.change(ctx, api_id, mutate)

    async def get_stage(self, ctx: RequestContext, request: Params) -> Params:
        state = await self.load(ctx, request["restApiId"])
        return dict(_stage(state, request["stageName"]))

    async def get_stages(self, ctx: RequestContext, request: Params) -> Params:
        state = await self.load(ctx, request["restApiId"])
        stages = sorted(state["Stages"].values(), key=lambda stage: str(stage["stageName"]))
        if request.get("deploymentId"):
            stages = [s for s in stages if s["deploymentId"] == request["deploymentId"]]
        return {"item": stages}

    async def delete_stage(self, ctx: RequestContext, request: Params) -> Params:
        def mutate(conn: Connection, state: State) -> None:
            _stage(state, request["stageName"])
            del state["Stages"][request["stageName"]]

        await self.change(ctx, request["restApiId"], mutate)
        return {}


def _stage(state: State, name: str) -> Params:
    stage: Params | None = state["Stages"].get(name)
    if stage is None:
        raise errors.not_found(errors.STAGE_NOT_FOUND)
    return stage


def _check_deployable(state: State) -> None:
    methods = [
        method
        for resource in state["Resources"].values()
        for method in (resource.get("resourceMethods") or {}).values()
    ]
    if not methods:
        raise BadRequest(_NO_METHODS)
    if any("methodIntegration" not in method for method in methods):
        raise BadRequest(errors.NO_INTEGRATION)
