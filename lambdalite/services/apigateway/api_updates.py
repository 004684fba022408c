"""UpdateRestApi, UpdateResource, UpdateMethod and UpdateIntegration: patch operations on a
REST API's own definition (patch.py has the rules' grammar and AWS's messages).

As on AWS, changes to resources, methods and integrations serve requests only once deployed:
a stage serves the deployment it points at (lookup.py), so ``apiKeyRequired`` switched on takes
effect with the next CreateDeployment. Changes to the RestApi itself (``binaryMediaTypes``,
``disableExecuteApiEndpoint``) are read by the data plane from the API record, at once.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection

from lambdalite.aws.context import RequestContext
from lambdalite.services.apigateway import errors, patch
from lambdalite.services.apigateway.base import Params, RestBase, State
from lambdalite.services.apigateway.errors import BadRequest, NotFound, NotServed
from lambdalite.services.apigateway.patch import PLAIN, Patch, Rule
from lambdalite.services.apigateway.resources import (
    LAMBDA_URI,
    PATH_PART,
    _method,
    _resource,
    check_child,
)

_MAX_COMPRESSION = 10485760
_ENDPOINT_TYPES = ("REGIONAL", "EDGE", "PRIVATE")
_PASSTHROUGH = frozenset({"WHEN_NO_MATCH", "WHEN_NO_TEMPLATES", "NEVER"})
_AUTHORIZER_NEEDED = (
    # Recorded (localstack snapshot "wrong-auth-type"); lambdalite has no authorizers, so a
    # CUSTOM or COGNITO_USER_POOLS method never has a valid one.
    "Invalid authorizer ID specified. Setting the authorization type to CUSTOM or "
    "COGNITO_USER_POOLS requires a valid authorizer."
)


class ApiUpdateOperations(RestBase):
    async def update_rest_api(self, ctx: RequestContext, request: Params) -> Params:
        patches = patch.read(request)

        def mutate(conn: Connection, state: State) -> Params:
            state["RestApi"] = patch.patched(state["RestApi"], patches, _REST_API_RULES, PLAIN)
            return dict(state["RestApi"])

        api = await self.change(ctx, request["restApiId"], mutate)
        # AWS answers an update with the API's tags, empty ones included (recorded).
        return {"tags": {}, **api}

    async def update_resource(self, ctx: RequestContext, request: Params) -> Params:
        patches = patch.read(request)

        def mutate(conn: Connection, state: State) -> Params:
            before = _resource(state, request["resourceId"])
            after = patch.patched(before, patches, _RESOURCE_RULES, patch.LISTED)
            _move(state, before, after)
            return dict(state["Resources"][before["id"]])

        return await self.change(ctx, request["restApiId"], mutate)

    async def update_method(self, ctx: RequestContext, request: Params) -> Params:
        patches = patch.read(request)

        def mutate(conn: Connection, state: State) -> Params:
            method = _method(state, request["resourceId"], request["httpMethod"])
            changed = patch.patched(method, patches, _METHOD_RULES, PLAIN)
            _check_authorization(changed)
            method.clear()
            method.update(changed)
            return dict(method)

        return await self._change_resource(ctx, request["restApiId"], mutate)

    async def update_integration(self, ctx: RequestContext, request: Params) -> Params:
        patches = patch.read(request)

        def mutate(conn: Connection, state: State) -> Params:
            method = _method(state, request["resourceId"], request["httpMethod"])
            if "methodIntegration" not in method:
                raise errors.not_found(errors.NO_INTEGRATION)
            changed = patch.patched(method["methodIntegration"], patches, _INTEGRATION_RULES, PLAIN)
            method["methodIntegration"] = changed
            return dict(changed)

        return await self._change_resource(ctx, request["restApiId"], mutate)

    async def _change_resource(
        self, ctx: RequestContext, api_id: str, mutate: Callable[[Connection, State], Params]
    ) -> Params:
        """``change``, except that AWS names a missing API as a missing resource for methods
        and their integrations ("Invalid Resource identifier specified", recorded)."""
        try:
            result: Params = await self.change(ctx, api_id, mutate)
        except NotFound as missing:
            if str(missing).startswith("Invalid API identifier"):
                raise errors.not_found(errors.RESOURCE_NOT_FOUND) from None
            raise
        return result


# --- RestApi -------------------------------------------------------------------------------


def _api_key_source(target: Params, change: Patch) -> None:
    if change.value == "AUTHORIZER":
        raise NotServed("apiKeySource AUTHORIZER is not supported by lambdalite.")
    if change.value != "HEADER":
        # wording unverified
        raise BadRequest(
            f"Invalid apiKeySource specified: {change.value}. Valid options are HEADER,AUTHORIZER"
        )
    target["apiKeySource"] = "HEADER"


def _compression(target: Params, change: Patch) -> None:
    """Empty or no value turns compression off (the API reference's wording; recorded)."""
    if not change.value:
        target.pop("minimumCompressionSize", None)
        return
    try:
        size = int(change.value)
    except ValueError:
        size = -1
    if not 0 <= size <= _MAX_COMPRESSION:
        raise BadRequest(
            f"Invalid minimum compression size, must be between 0 and {_MAX_COMPRESSION}"
        )
    target["minimumCompressionSize"] = size


def _binary_type(target: Params, change: Patch) -> None:
    """``binaryMediaTypes`` is patched like a map: the path names the type. A replace
    removes it and appends the value, as AWS does (recorded: [png, jpeg] -> [jpeg, gif])."""
    types: list[str] = target.setdefault("binaryMediaTypes", [])
    named = change.args[0]
    if change.op in ("remove", "replace") and named in types:
        types.remove(named)
    added = named if change.op == "add" else change.value if change.op == "replace" else None
    if added is not None and added not in types:
        types.append(added)
    if not types:
        del target["binaryMediaTypes"]


def _endpoint_type(target: Params, change: Patch) -> None:
    if change.value not in _ENDPOINT_TYPES:
        # recorded (localstack snapshot "update-rest-api-wrong-type")
        raise BadRequest("Invalid EndpointTypes specified. Valid options are REGIONAL,EDGE,PRIVATE")
    configuration = target.setdefault("endpointConfiguration", {})
    configuration["types"] = [change.value]


_REST_API_RULES = (
    Rule("/name", ("replace",), patch.set_text("name")),
    Rule("/description", ("add", "replace", "remove"), patch.set_text("description")),
    Rule("/version", ("add", "replace", "remove"), patch.set_text("version")),
    Rule("/policy", ("add", "replace", "remove"), patch.set_text("policy")),
    Rule("/apiKeySource", ("replace",), _api_key_source),
    Rule("/minimumCompressionSize", ("replace",), _compression),
    Rule("/binaryMediaTypes/{}", ("add", "replace", "remove"), _binary_type),
    Rule("/disableExecuteApiEndpoint", ("replace",), patch.set_bool("disableExecuteApiEndpoint")),
    Rule("/endpointConfiguration/types/{}", ("replace",), _endpoint_type),
)


# --- Resource ------------------------------------------------------------------------------


def _path_part(target: Params, change: Patch) -> None:
    if not PATH_PART.fullmatch(change.value or ""):
        raise BadRequest(errors.BAD_PATH_PART)
    target["pathPart"] = change.value


_RESOURCE_RULES = (
    Rule("/parentId", ("replace",), patch.set_text("parentId")),
    Rule("/pathPart", ("replace",), _path_part),
)


def _move(state: State, before: Params, after: Params) -> None:
    """Put the patched resource in place: its parent must exist and not be itself or below
    it ("Resources cannot be cyclical.", recorded), no sibling may have its name; its path and
    its descendants' follow."""
    if "parentId" not in before:
        # wording unverified: AWS does not let the root resource move or be renamed
        raise BadRequest("Root resource cannot be updated")
    parent = _resource(state, after["parentId"])
    if _within(state, parent["id"], before["id"]):
        raise BadRequest("Resources cannot be cyclical.")
    others = {**state["Resources"]}
    del others[before["id"]]
    check_child({"Resources": others}, parent, after["pathPart"])
    state["Resources"][before["id"]] = after
    _repath(state, after, parent["path"])


def _within(state: State, resource_id: str, ancestor_id: str) -> bool:
    """Whether ``resource_id`` is ``ancestor_id`` or one of its descendants."""
    current: str | None = resource_id
    while current is not None:
        if current == ancestor_id:
            return True
        current = state["Resources"][current].get("parentId")
    return False


def _repath(state: State, resource: Params, parent_path: str) -> None:
    resource["path"] = f"{parent_path.rstrip('/')}/{resource['pathPart']}"
    for child in state["Resources"].values():
        if child.get("parentId") == resource["id"]:
            _repath(state, child, resource["path"])


# --- Method --------------------------------------------------------------------------------


def _authorization_type(target: Params, change: Patch) -> None:
    kind = change.value or ""
    if kind in ("AWS_IAM",):
        raise NotServed(f"authorizationType {kind} is not supported by lambdalite.")
    if kind not in ("NONE", "CUSTOM", "COGNITO_USER_POOLS"):
        # wording unverified
        raise BadRequest(
            "Invalid authorization type specified. Valid options are "
            "NONE,AWS_IAM,CUSTOM,COGNITO_USER_POOLS"
        )
    target["authorizationType"] = kind


def _check_authorization(method: Params) -> None:
    """After all patches: CUSTOM/COGNITO need an authorizer (none can exist here); with NONE
    an ``authorizerId`` is dropped, as AWS ignores it (recorded "skip-auth-id-with-wrong-type")."""
    if method["authorizationType"] in ("CUSTOM", "COGNITO_USER_POOLS"):
        raise BadRequest(_AUTHORIZER_NEEDED)
    method.pop("authorizerId", None)


def _request_validator(target: Params, change: Patch) -> None:
    if change.value:
        # recorded; lambdalite has no request validators, so no id is valid
        raise BadRequest("Invalid Request Validator identifier specified")
    target.pop("requestValidatorId", None)


_METHOD_RULES = (
    Rule("/apiKeyRequired", ("replace",), patch.set_bool("apiKeyRequired")),
    Rule("/operationName", ("replace",), patch.set_text("operationName")),
    Rule("/authorizationType", ("replace",), _authorization_type),
    Rule("/authorizerId", ("replace",), patch.set_text("authorizerId")),
    Rule("/requestValidatorId", ("replace",), _request_validator),
    Rule(
        "/requestParameters/{}",
        ("add", "replace", "remove"),
        patch.map_entry("requestParameters", patch.as_bool),
    ),
    Rule("/requestModels/{}", ("add", "replace", "remove"), patch.refuse("Models")),
    Rule("/authorizationScopes", ("add", "remove"), patch.refuse("Authorization scopes")),
)


# --- Integration ---------------------------------------------------------------------------


def _integration_type(target: Params, change: Patch) -> None:
    if change.value != "AWS_PROXY":
        raise NotServed(f"Integration type {change.value} is not supported by lambdalite.")


def _uri(target: Params, change: Patch) -> None:
    if not LAMBDA_URI.match(change.value or ""):
        raise BadRequest(errors.AWS_PROXY_LAMBDA_ONLY)
    target["uri"] = change.value


def _http_method(target: Params, change: Patch) -> None:
    if not change.value:
        raise BadRequest(errors.NO_HTTP_METHOD)
    target["httpMethod"] = change.value.upper()


def _timeout(target: Params, change: Patch) -> None:
    try:
        timeout = int(change.value or "")
    except ValueError:
        timeout = 0
    if not 50 <= timeout <= 29000:
        # AWS's words as quoted in public issue threads (terraform-provider-aws); unverified
        raise BadRequest("Timeout should be between 50 ms and 29000 ms")
    target["timeoutInMillis"] = timeout


def _passthrough(target: Params, change: Patch) -> None:
    if change.value not in _PASSTHROUGH:
        # wording unverified
        raise BadRequest(f"Invalid passthrough behavior specified: {change.value}")
    target["passthroughBehavior"] = change.value


def _connection_type(target: Params, change: Patch) -> None:
    if change.value != "INTERNET":
        raise NotServed(f"connectionType {change.value} is not supported by lambdalite.")
    target["connectionType"] = "INTERNET"


def _cache_key(target: Params, change: Patch) -> None:
    keys: list[str] = target.setdefault("cacheKeyParameters", [])
    if change.op == "remove" and change.args[0] in keys:
        keys.remove(change.args[0])
    elif change.op == "add" and change.args[0] not in keys:
        keys.append(change.args[0])


_INTEGRATION_RULES = (
    Rule("/type", ("replace",), _integration_type),
    Rule("/uri", ("replace",), _uri),
    Rule("/httpMethod", ("replace",), _http_method),
    Rule("/timeoutInMillis", ("replace",), _timeout),
    Rule("/passthroughBehavior", ("replace",), _passthrough),
    Rule("/connectionType", ("replace",), _connection_type),
    Rule("/credentials", ("replace", "remove"), patch.set_text("credentials")),
    Rule("/cacheNamespace", ("replace",), patch.set_text("cacheNamespace")),
    Rule("/cacheKeyParameters/{}", ("add", "remove"), _cache_key),
    Rule("/connectionId", ("replace",), patch.refuse("VPC links")),
    Rule("/contentHandling", ("replace",), patch.refuse("Content handling")),
    Rule("/requestParameters/{}", ("add", "replace", "remove"), patch.refuse("Mappings")),
    Rule("/requestTemplates/{}", ("add", "replace", "remove"), patch.refuse("Mapping templates")),
    Rule("/tlsConfig/insecureSkipVerification", ("replace",), patch.refuse("TLS configuration")),
)
