"""ImportRestApi and PutRestApi: REST APIs from OpenAPI 3 or Swagger 2 documents (openapi.py
reads them).

ImportRestApi makes a new API (``parameters``: ``basepath`` ignore/prepend/split,
``endpointConfigurationTypes`` EDGE/REGIONAL/PRIVATE). PutRestApi changes an existing one:
``mode=overwrite`` replaces its resources and methods with the document's, ``merge`` (AWS's
default) adds the document's resources and replaces only the methods the document defines.
Both keep the API's id, root resource, stages and deployments: as on AWS, a stage serves the
new definition once it is deployed. An import here never has warnings (what lambdalite cannot
serve is refused, 501, instead of skipped with a warning), so ``failOnWarnings`` changes
nothing.
"""

from __future__ import annotations

from lambdalite.aws.context import RequestContext
from lambdalite.services.apigateway import openapi
from lambdalite.services.apigateway.base import SHORT_ID, Params, State, new_id, public
from lambdalite.services.apigateway.errors import BadRequest
from lambdalite.services.apigateway.resources import check_child
from lambdalite.services.apigateway.restapis import RestApiOperations

_ENDPOINT_TYPES = frozenset({"EDGE", "REGIONAL", "PRIVATE"})


class ImportOperations(RestApiOperations):
    async def import_rest_api(self, ctx: RequestContext, request: Params) -> Params:
        parameters = request.get("parameters") or {}
        definition = _read(request, parameters)
        if not definition.api.get("name"):
            # wording unverified: a document without info.title names no API
            raise BadRequest("Invalid OpenAPI input: info.title is required.")
        state = self.new_rest_api({"name": definition.api["name"]})
        _apply_api(state, definition, _endpoint_types(parameters))
        _apply_methods(state, definition, overwrite=True)
        await self.store_new(self.scope(ctx), state)
        return public(state["RestApi"])

    async def put_rest_api(self, ctx: RequestContext, request: Params) -> Params:
        definition = _read(request, request.get("parameters") or {})
        mode = request.get("mode") or "merge"
        if mode not in ("merge", "overwrite"):
            # wording unverified
            raise BadRequest(f"Invalid mode specified: {mode}. Valid options are merge,overwrite")

        def mutate(conn: object, state: State) -> State:
            _apply_api(state, definition, None)
            _apply_methods(state, definition, overwrite=mode == "overwrite")
            return state

        state = await self.change(ctx, request["restApiId"], mutate)
        return public(state["RestApi"])


def _read(request: Params, parameters: Params) -> openapi.RestDefinition:
    document = openapi.parse_document(request.get("body") or b"")
    return openapi.definition_from(document, str(parameters.get("basepath", "ignore")))


def _endpoint_types(parameters: Params) -> list[str] | None:
    kind = parameters.get("endpointConfigurationTypes")
    if kind is None:
        return None
    if kind not in _ENDPOINT_TYPES:
        # CreateRestApi's answer to a bad type (recorded by localstack against AWS)
        raise BadRequest("Invalid EndpointTypes specified. Valid options are REGIONAL,EDGE,PRIVATE")
    return [str(kind)]


def _apply_api(state: State, definition: openapi.RestDefinition, types: list[str] | None) -> None:
    api = state["RestApi"]
    api.update({k: v for k, v in definition.api.items() if v != "" or k != "name"})
    if types is not None:
        api["endpointConfiguration"] = {"types": types}


def _apply_methods(state: State, definition: openapi.RestDefinition, overwrite: bool) -> None:
    """Resources for every path of the definition, then its methods on them."""
    by_path = {resource["path"]: resource for resource in state["Resources"].values()}
    if overwrite:
        root = state["Resources"][state["RestApi"]["rootResourceId"]]
        root.pop("resourceMethods", None)
        state["Resources"], by_path = {root["id"]: root}, {"/": root}
    for path in sorted(definition.methods):
        resource = _resource_at(state, by_path, path)
        for verb, method in definition.methods[path].items():
            placed = dict(method)
            if "methodIntegration" in placed:
                placed["methodIntegration"] = {
                    "cacheNamespace": resource["id"],
                    **placed["methodIntegration"],
                }
            resource.setdefault("resourceMethods", {})[verb] = placed


def _resource_at(state: State, by_path: dict[str, Params], path: str) -> Params:
    """The resource at ``path``, made with its missing ancestors."""
    if path in by_path:
        return by_path[path]
    parent_path, _, part = path.rpartition("/")
    parent = _resource_at(state, by_path, parent_path or "/")
    openapi.check_path_part(part, path)
    check_child(state, parent, part)
    _check_variable_sibling(state, parent, part)
    made = {"id": new_id(SHORT_ID), "parentId": parent["id"], "pathPart": part, "path": path}
    state["Resources"][made["id"]] = made
    by_path[path] = made
    return made


def _check_variable_sibling(state: State, parent: Params, part: str) -> None:
    if not part.startswith("{"):
        return
    for other in state["Resources"].values():
        if other.get("parentId") == parent["id"] and other["pathPart"].startswith("{"):
            # recorded (localstack snapshot "create-proxy-dynamic-sibling-resource")
            raise BadRequest(
                f"A sibling ({other['pathPart']}) of this resource already has a variable path "
                "part -- only one is allowed"
            )
