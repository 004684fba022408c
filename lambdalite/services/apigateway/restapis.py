"""REST APIs: CreateRestApi, GetRestApi, GetRestApis, DeleteRestApi.

Defaults as AWS answers CreateRestApi (the API reference's RestApi shape and moto's AWS-modelled
responses): ``apiKeySource`` HEADER, ``endpointConfiguration`` ``{"types": ["EDGE"]}``,
``disableExecuteApiEndpoint`` false, and the root resource ``/`` made with the API, its id in
``rootResourceId``.
"""

from __future__ import annotations

from sqlalchemy import Connection

from lambdalite.aws.context import RequestContext
from lambdalite.services.apigateway.base import (
    GLOBAL,
    LONG_ID,
    Params,
    RestBase,
    State,
    listing,
    new_id,
    public,
)
from lambdalite.services.apigateway.errors import Conflict, NotServed
from lambdalite.services.apigatewayv2.base import ENDPOINT_KIND as HTTP_API_ENDPOINT_KIND
from lambdalite.store import Repository, Scope

_ECHOED = (
    "description",
    "version",
    "binaryMediaTypes",
    "minimumCompressionSize",
    "policy",
    "disableExecuteApiEndpoint",
)


class RestApiOperations(RestBase):
    async def create_rest_api(self, ctx: RequestContext, request: Params) -> Params:
        if request.get("cloneFrom"):
            raise NotServed("CloneFrom is not supported by lambdalite.")
        if request.get("apiKeySource", "HEADER") != "HEADER":
            raise NotServed("apiKeySource AUTHORIZER is not supported by lambdalite.")
        state = self.new_rest_api(request)
        await self.store_new(self.scope(ctx), state)
        return public(state["RestApi"])

    def new_rest_api(self, request: Params) -> State:
        root = {"id": new_id(LONG_ID), "path": "/"}
        api: Params = {
            "id": new_id(LONG_ID),
            "name": request["name"],
            "createdDate": self.clock(),
            "apiKeySource": "HEADER",
            "endpointConfiguration": request.get("endpointConfiguration") or {"types": ["EDGE"]},
            "disableExecuteApiEndpoint": False,
            "rootResourceId": root["id"],
        }
        api.update({k: request[k] for k in _ECHOED if k in request})
        if request.get("tags"):
            api["tags"] = dict(request["tags"])
        return {"RestApi": api, "Resources": {root["id"]: root}, "Stages": {}}

    async def store_new(self, scope: Scope, state: State) -> None:
        """The API and its endpoint index entry, together; the id must be free among HTTP
        APIs too (both kinds are reached at ``<api-id>.execute-api``)."""
        api_id = state["RestApi"]["id"]
        where = {"Account": scope.account, "Region": scope.region}
        http_apis = Repository(self.platform.store, HTTP_API_ENDPOINT_KIND)

        def job(conn: Connection) -> None:
            if http_apis.get_in(conn, GLOBAL, api_id) is not None:
                raise Conflict(f"API identifier {api_id} is taken; try again.")  # not AWS's
            self.apis.put_in(conn, scope, api_id, state, create_only=True)
            self.endpoints.put_in(conn, GLOBAL, api_id, where, create_only=True)

        await self.platform.store.write(job)

    async def get_rest_api(self, ctx: RequestContext, request: Params) -> Params:
        return public((await self.load(ctx, request["restApiId"]))["RestApi"])

    async def get_rest_apis(self, ctx: RequestContext, request: Params) -> Params:
        records = await self.apis.list(self.scope(ctx))
        return listing([record.data["RestApi"] for record in records], request)

    async def delete_rest_api(self, ctx: RequestContext, request: Params) -> Params:
        await self.records.delete(self.scope(ctx), request["restApiId"])
        return {}
