"""UpdateStage and UpdateDeployment (patch.py has the grammar of patch operations).

A stage's patch paths, and AWS's answer to any other one ("Invalid method setting path: <path>.
Must be one of: [...]", the list with AWS's own odd separators), are as localstack/localstack's
provider records them from AWS's answers (``STAGE_UPDATE_PATHS``; the start of the message is
also quoted in localstack issue threads from terraform runs against AWS). Method settings are
keyed ``<resource path without its leading slash>/<HTTP method>`` (``*/*`` for all): the patch
path names the resource path with its slashes escaped (``/~1pets~1{id}/GET/throttling/rateLimit``).

Served: ``description``, ``deploymentId`` (what the stage serves, at once), ``variables/<name>``
(the event's ``stageVariables``, at once), the method settings' metrics, logging and throttling
members (kept and answered), ``tracingEnabled`` and ``cacheClusterEnabled`` and
``caching/enabled`` set false. Caching, X-Ray tracing, access logs and client certificates are
not served: 501.
"""

from __future__ import annotations

from sqlalchemy import Connection

from lambdalite.aws.context import RequestContext
from lambdalite.services.apigateway import errors, patch
from lambdalite.services.apigateway.base import Params, RestBase, State
from lambdalite.services.apigateway.errors import BadRequest, NotServed
from lambdalite.services.apigateway.patch import PLAIN, Patch, Rule
from lambdalite.services.apigateway.stages import _stage
from lambdalite.store import Scope

_SETTING_GROUPS = {
    ("metrics", "enabled"): ("metricsEnabled", patch.as_bool),
    ("logging", "dataTrace"): ("dataTraceEnabled", patch.as_bool),
    ("logging", "loglevel"): ("loggingLevel", str),
    ("throttling", "burstLimit"): ("throttlingBurstLimit", int),
    ("throttling", "rateLimit"): ("throttlingRateLimit", float),
}
_CACHING = (
    "ttlInSeconds",
    "enabled",
    "dataEncrypted",
    "requireAuthorizationForCacheControl",
    "unauthorizedCacheControlHeaderStrategy",
)
_LOG_LEVELS = frozenset({"OFF", "ERROR", "INFO"})
_HTTP_METHODS = frozenset({"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "ANY"})
# A new method setting starts from API Gateway's defaults (the account-level throttle of
# 10000 requests a second with bursts of 5000, caching off with a 300 s TTL): from memory of
# AWS's GetStage answers, unverified here.
_SETTING_DEFAULTS: Params = {
    "metricsEnabled": False,
    "dataTraceEnabled": False,
    "throttlingBurstLimit": 5000,
    "throttlingRateLimit": 10000.0,
    "cachingEnabled": False,
    "cacheTtlInSeconds": 300,
    "cacheDataEncrypted": False,
    "requireAuthorizationForCacheControl": True,
    "unauthorizedCacheControlHeaderStrategy": "SUCCEED_WITH_RESPONSE_HEADER",
}


def _valid_paths() -> str:
    """AWS's list of stage patch paths, with its separators (three entries run together)."""
    fixed = "/deploymentId, /description, /cacheClusterEnabled, /cacheClusterSize, "
    fixed += "/clientCertificateId, /accessLogSettings, /accessLogSettings/destinationArn, "
    fixed += "/accessLogSettings/format"

    def settings(prefix: str, joined: str) -> str:
        head = [f"{prefix}/metrics/enabled", f"{prefix}/logging/dataTrace"]
        head.append(f"{prefix}/logging/loglevel")
        run = joined.join(
            f"{prefix}/{p}"
            for p in ("throttling/burstLimit", "throttling/rateLimit", "caching/ttlInSeconds")
        )
        tail = [f"{prefix}/caching/{name}" for name in _CACHING[1:]]
        return ", ".join([*head, run, *tail])

    resource = settings("/{resourcePath}/{httpMethod}", "")
    wildcard = settings("/*/*", " ")
    return f"[{fixed}, {resource}, {wildcard}, /variables/{{variable_name}}, /tracingEnabled]"


class StageUpdateOperations(RestBase):
    async def update_stage(self, ctx: RequestContext, request: Params) -> Params:
        patches, scope = patch.read(request), self.scope(ctx)
        api_id = request["restApiId"]

        def mutate(conn: Connection, state: State) -> Params:
            stage = _stage(state, request["stageName"])
            changed = patch.patched(stage, patches, _STAGE_RULES, _invalid_setting_path)
            self._check_deployment(conn, scope, api_id, stage, changed)
            changed["lastUpdatedDate"] = self.clock()
            state["Stages"][request["stageName"]] = changed
            return dict(changed)

        return await self.change(ctx, api_id, mutate)

    def _check_deployment(
        self, conn: Connection, scope: Scope, api_id: str, before: Params, after: Params
    ) -> None:
        if after["deploymentId"] == before["deploymentId"]:
            return
        if self.deployments.get_in(conn, scope, f"{api_id}/{after['deploymentId']}") is None:
            # localstack's wording of AWS's answer; unverified against a recording
            raise BadRequest("Deployment id does not exist")

    async def update_deployment(self, ctx: RequestContext, request: Params) -> Params:
        patches, scope = patch.read(request), self.scope(ctx)
        api_id = request["restApiId"]
        key = f"{api_id}/{request['deploymentId']}"

        def job(conn: Connection) -> Params:
            self.existing_in(conn, scope, api_id)
            record = self.deployments.get_in(conn, scope, key)
            if record is None:
                raise errors.not_found(errors.DEPLOYMENT_NOT_FOUND)
            changed = patch.patched(record.data["Deployment"], patches, _DEPLOYMENT_RULES, PLAIN)
            data = {**record.data, "Deployment": changed}
            self.deployments.put_in(conn, scope, key, data, expect_version=record.version)
            return dict(changed)

        return await self.platform.store.write(job)


def _invalid_setting_path(change: Patch) -> BadRequest:
    return BadRequest(f"Invalid method setting path: {change.path}. Must be one of: {_PATHS}")


def _unknown(target: Params, change: Patch) -> None:
    raise _invalid_setting_path(change)


def _setting(target: Params, change: Patch) -> None:
    """``/{resourcePath}/{httpMethod}/{group}/{name}``: one member of a method setting."""
    resource, method, group, name = change.args
    key = _setting_key(resource, method, change)
    if group == "caching":
        _caching(name, change)
        target.setdefault("methodSettings", {}).setdefault(key, dict(_SETTING_DEFAULTS))
        return
    member, convert = _SETTING_GROUPS.get((group, name), (None, str))
    if member is None:
        _unknown(target, change)
    value = _converted(convert, change)
    settings = target.setdefault("methodSettings", {})
    settings.setdefault(key, dict(_SETTING_DEFAULTS))[str(member)] = value


def _setting_key(resource: str, method: str, change: Patch) -> str:
    wildcard = resource == "*" and method == "*"
    if not wildcard and (not resource.startswith("/") or method not in _HTTP_METHODS):
        _unknown({}, change)
    return "*/*" if wildcard else f"{resource[1:]}/{method}"


def _converted(convert: type | object, change: Patch) -> object:
    try:
        value = convert(change.value) if callable(convert) else change.value
    except (TypeError, ValueError):
        # wording unverified
        raise BadRequest(f"Invalid value for {change.path}: {change.value}") from None
    if change.path and change.path.endswith("/loglevel") and value not in _LOG_LEVELS:
        # wording unverified
        raise BadRequest("Logging level must be one of OFF, ERROR, INFO")
    return value


def _caching(name: str, change: Patch) -> None:
    if name not in _CACHING:
        _unknown({}, change)
    if name != "enabled" or patch.as_bool(change.value):
        raise NotServed("Caching is not supported by lambdalite.")


def _remove_setting(target: Params, change: Patch) -> None:
    """``remove /{resourcePath}/{httpMethod}``: forget that method setting."""
    resource, method = change.args
    key = _setting_key(resource, method, change)
    if target.get("methodSettings", {}).pop(key, None) is None:
        # localstack's wording of AWS's answer, trailing space included; unverified
        raise BadRequest(
            f"Cannot remove method setting {key} because there is no method setting for this "
            "method "
        )


def _off_only(member: str, what: str) -> patch.Apply:
    """A flag lambdalite can only keep off."""

    def apply(target: Params, change: Patch) -> None:
        if patch.as_bool(change.value):
            raise NotServed(f"{what} is not supported by lambdalite.")
        target[member] = False

    return apply


def _replace_deployment(target: Params, change: Patch) -> None:
    target["deploymentId"] = change.value or ""


_PATHS = _valid_paths()
_ALL_OPS = ("add", "replace", "remove")
_STAGE_RULES = (
    Rule("/description", ("replace", "remove"), patch.set_text("description")),
    Rule("/deploymentId", ("replace",), _replace_deployment),
    Rule("/variables/{}", _ALL_OPS, patch.map_entry("variables", str)),
    Rule("/tracingEnabled", ("replace",), _off_only("tracingEnabled", "X-Ray tracing")),
    Rule("/cacheClusterEnabled", ("replace",), _off_only("cacheClusterEnabled", "Caching")),
    Rule("/cacheClusterSize", _ALL_OPS, patch.refuse("Caching")),
    Rule("/clientCertificateId", _ALL_OPS, patch.refuse("Client certificates")),
    Rule("/accessLogSettings", _ALL_OPS, patch.refuse("Access logs")),
    Rule("/accessLogSettings/{}", _ALL_OPS, patch.refuse("Access logs")),
    Rule("/canarySettings", _ALL_OPS, patch.refuse("Canary settings")),
    Rule("/canarySettings/{}", _ALL_OPS, patch.refuse("Canary settings")),
    Rule("/{}/{}/{}/{}", ("add", "replace"), _setting),
    Rule("/{}/{}", ("remove",), _remove_setting),
)
_DEPLOYMENT_RULES = (
    Rule("/description", ("replace",), patch.set_text("description")),
    Rule("/canarySettings/{}", _ALL_OPS, patch.refuse("Canary settings")),
)
