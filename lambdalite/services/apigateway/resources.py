"""Resources, methods and integrations: GetResources, GetResource, CreateResource,
DeleteResource, PutMethod, GetMethod, DeleteMethod, PutIntegration, GetIntegration,
DeleteIntegration.

Served: methods with authorizationType NONE (others are refused loudly, 501), ``apiKeyRequired``;
AWS_PROXY integrations to Lambda (other integration types: 501). A resource's ``path`` is its
parent's plus its ``pathPart``; a ``{name+}`` part is greedy and must be the last.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Connection

from lambdalite.aws.context import RequestContext
from lambdalite.services.apigateway import errors
from lambdalite.services.apigateway.base import SHORT_ID, Params, RestBase, State, listing, new_id
from lambdalite.services.apigateway.errors import BadRequest, NotServed

# moto's rule, which follows AWS's message (errors.BAD_PATH_PART).
PATH_PART = re.compile(r"^(\{[a-zA-Z0-9._-]+\+?\}|[a-zA-Z0-9._:-]+)$")
_METHODS = frozenset({"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "ANY"})
LAMBDA_URI = re.compile(r"^arn:aws[a-z-]*:apigateway:[a-z0-9-]+:lambda:path/.+/functions/.+")
_DEFAULT_TIMEOUT_MS = 29000  # AWS's default (and maximum without a quota raise) for REST


class ResourceOperations(RestBase):
    async def get_resources(self, ctx: RequestContext, request: Params) -> Params:
        state = await self.load(ctx, request["restApiId"])
        return listing(list(state["Resources"].values()), request)

    async def get_resource(self, ctx: RequestContext, request: Params) -> Params:
        state = await self.load(ctx, request["restApiId"])
        return dict(_resource(state, request["resourceId"]))

    async def create_resource(self, ctx: RequestContext, request: Params) -> Params:
        part = request["pathPart"]
        if not PATH_PART.fullmatch(part):
            raise BadRequest(errors.BAD_PATH_PART)

        def mutate(conn: Connection, state: State) -> Params:
            parent = _resource(state, request["parentId"])
            check_child(state, parent, part)
            base = parent["path"].rstrip("/")
            made = {"id": new_id(SHORT_ID), "parentId": parent["id"], "pathPart": part}
            made["path"] = f"{base}/{part}"
            state["Resources"][made["id"]] = made
            return made

        return await self.change(ctx, request["restApiId"], mutate)

    async def delete_resource(self, ctx: RequestContext, request: Params) -> Params:
        def mutate(conn: Connection, state: State) -> None:
            resource = _resource(state, request["resourceId"])
            if "parentId" not in resource:
                raise BadRequest("Cannot delete root resource")  # wording unverified
            for gone in _subtree(state, resource["id"]):
                del state["Resources"][gone]

        await self.change(ctx, request["restApiId"], mutate)
        return {}

    # --- methods -------------------------------------------------------------------------------

    async def put_method(self, ctx: RequestContext, request: Params) -> Params:
        method_name = _method_name(request["httpMethod"])
        kind = request["authorizationType"]
        if kind != "NONE":
            raise NotServed(f"authorizationType {kind} is not supported by lambdalite.")
        method: Params = {
            "httpMethod": method_name,
            "authorizationType": kind,
            "apiKeyRequired": bool(request.get("apiKeyRequired", False)),
        }
        method.update(
            {k: request[k] for k in ("operationName", "requestParameters") if k in request}
        )

        def mutate(conn: Connection, state: State) -> Params:
            resource = _resource(state, request["resourceId"])
            resource.setdefault("resourceMethods", {})[method_name] = method
            return method

        return await self.change(ctx, request["restApiId"], mutate)

    async def get_method(self, ctx: RequestContext, request: Params) -> Params:
        state = await self.load(ctx, request["restApiId"])
        return dict(_method(state, request["resourceId"], request["httpMethod"]))

    async def delete_method(self, ctx: RequestContext, request: Params) -> Params:
        def mutate(conn: Connection, state: State) -> None:
            _method(state, request["resourceId"], request["httpMethod"])
            resource = state["Resources"][request["resourceId"]]
            del resource["resourceMethods"][request["httpMethod"].upper()]
            if not resource["resourceMethods"]:
                del resource["resourceMethods"]

        await self.change(ctx, request["restApiId"], mutate)
        return {}

    # --- integrations --------------------------------------------------------------------------

    async def put_integration(self, ctx: RequestContext, request: Params) -> Params:
        integration = _integration(request)

        def mutate(conn: Connection, state: State) -> Params:
            method = _method(state, request["resourceId"], request["httpMethod"])
            method["methodIntegration"] = integration
            return integration

        return await self.change(ctx, request["restApiId"], mutate)

    async def get_integration(self, ctx: RequestContext, request: Params) -> Params:
        state = await self.load(ctx, request["restApiId"])
        method = _method(state, request["resourceId"], request["httpMethod"])
        if "methodIntegration" not in method:
            raise errors.not_found(errors.NO_INTEGRATION)
        return dict(method["methodIntegration"])

    async def delete_integration(self, ctx: RequestContext, request: Params) -> Params:
        def mutate(conn: Connection, state: State) -> None:
            method = _method(state, request["resourceId"], request["httpMethod"])
            if method.pop("methodIntegration", None) is None:
                raise errors.not_found(errors.NO_INTEGRATION)

        await self.change(ctx, request["restApiId"], mutate)
        return {}


def _resource(state: State, resource_id: str) -> Params:
    resource: Params | None = state["Resources"].get(resource_id)
    if resource is None:
        raise errors.not_found(errors.RESOURCE_NOT_FOUND)
    return resource


def _method(state: State, resource_id: str, http_method: str) -> Params:
    methods = _resource(state, resource_id).get("resourceMethods") or {}
    method: Params | None = methods.get(http_method.upper())
    if method is None:
        raise errors.not_found(errors.METHOD_NOT_FOUND)
    return method


def _method_name(value: str) -> str:
    name = value.upper()
    if name not in _METHODS:
        raise BadRequest(f"Invalid HttpMethod specified: {value}")  # wording unverified
    return name


def check_child(state: State, parent: Params, part: str) -> None:
    """A sibling of the same name conflicts; a greedy resource can have no children."""
    if parent.get("pathPart", "").endswith("+}"):
        # wording unverified
        raise BadRequest(
            f"Cannot create a child of a resource with a greedy path variable: {parent['pathPart']}"
        )
    for other in state["Resources"].values():
        if other.get("parentId") == parent["id"] and other["pathPart"] == part:
            raise errors.sibling_exists(part)


def _subtree(state: State, resource_id: str) -> list[str]:
    """The resource and all its descendants."""
    found = [resource_id]
    for other in list(state["Resources"].values()):
        if other.get("parentId") == resource_id:
            found += _subtree(state, other["id"])
    return found


def _integration(request: Params) -> Params:
    """The integration a PutIntegration describes; only AWS_PROXY to Lambda is served."""
    kind = request["type"]
    if kind != "AWS_PROXY":
        raise NotServed(f"Integration type {kind} is not supported by lambdalite.")
    if not request.get("integrationHttpMethod"):
        raise BadRequest(errors.NO_HTTP_METHOD)
    uri = str(request.get("uri") or "")
    if not LAMBDA_URI.match(uri):
        raise BadRequest(errors.AWS_PROXY_LAMBDA_ONLY)
    return _integration_shape(request, uri)


def _integration_shape(request: Params, uri: str) -> Params:
    integration: dict[str, Any] = {
        "type": "AWS_PROXY",
        "httpMethod": request["integrationHttpMethod"].upper(),
        "uri": uri,
        "connectionType": request.get("connectionType", "INTERNET"),
        "passthroughBehavior": request.get("passthroughBehavior", "WHEN_NO_MATCH"),
        "timeoutInMillis": int(request.get("timeoutInMillis") or _DEFAULT_TIMEOUT_MS),
        "cacheNamespace": request.get("cacheNamespace") or request["resourceId"],
        "cacheKeyParameters": list(request.get("cacheKeyParameters") or []),
    }
    if request.get("credentials"):
        integration["credentials"] = request["credentials"]
    return integration
