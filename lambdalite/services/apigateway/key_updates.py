"""UpdateApiKey and UpdateUsagePlan (patch.py has the grammar of patch operations).

The data plane (lambdalite/gateway/rest_keys.py) reads keys and plans from the store on every
request, so a disabled key, a plan's new ``throttle`` or ``quota`` and an API stage added to or
removed from a plan apply to the next request.

Paths, as AWS's patch operation tables list them for these entities: an API key's ``/name``,
``/description``, ``/customerId``, ``/enabled`` (replace) and ``/stageKeys`` (add, remove
``<restApiId>/<stageName>``); a usage plan's ``/name``, ``/description``, ``/productCode``
(replace), ``/apiStages`` (add, remove ``<apiId>:<stage>``), ``/throttle/burstLimit``,
``/throttle/rateLimit``, ``/quota/limit``, ``/quota/offset``, ``/quota/period`` (add, replace)
and ``/throttle``, ``/quota`` (remove). Per-method throttles of a plan's API stage
(``/apiStages/<apiId>:<stage>/throttle/...``) are not enforced by the data plane: 501.
"""

from __future__ import annotations

from sqlalchemy import Connection

from lambdalite.aws.context import RequestContext
from lambdalite.services.apigateway import errors, patch
from lambdalite.services.apigateway.base import Params, RestBase, public
from lambdalite.services.apigateway.errors import BadRequest, Conflict, NotFound
from lambdalite.services.apigateway.keys import key_output, quota_of
from lambdalite.services.apigateway.patch import PLAIN, Patch, Rule
from lambdalite.store import Scope
from lambdalite.store.repository import Record, Repository

# "Invalid API Stage specified" and "Invalid API Stage {api: X, stage: Y} specified for
# usageplan Z": localstack's provider words AWS's answers so (validated against AWS there).
_BAD_API_STAGE = "Invalid API Stage specified"


class KeyUpdateOperations(RestBase):
    async def update_api_key(self, ctx: RequestContext, request: Params) -> Params:
        patches, scope, key_id = patch.read(request), self.scope(ctx), request["apiKey"]

        def job(conn: Connection) -> Params:
            record = _existing(self.keys, conn, scope, key_id, errors.API_KEY_NOT_FOUND)
            changed = patch.patched(record.data, patches, _KEY_RULES, PLAIN)
            changed["lastUpdatedDate"] = self.clock()
            self.keys.put_in(conn, scope, key_id, changed, expect_version=record.version)
            return key_output(changed, False)

        return await self.platform.store.write(job)

    async def update_usage_plan(self, ctx: RequestContext, request: Params) -> Params:
        patches, scope, plan_id = patch.read(request), self.scope(ctx), request["usagePlanId"]

        def job(conn: Connection) -> Params:
            record = _existing(self.plans, conn, scope, plan_id, errors.USAGE_PLAN_NOT_FOUND)
            changed = patch.patched(record.data, patches, _PLAN_RULES, PLAIN)
            _check_plan(changed)
            for api_stage in changed["apiStages"]:
                if api_stage not in record.data["apiStages"]:
                    self._check_plan_stage_in(conn, scope, plan_id, api_stage)
            self.plans.put_in(conn, scope, plan_id, changed, expect_version=record.version)
            return public(changed)

        return await self.platform.store.write(job)

    def _check_plan_stage_in(
        self, conn: Connection, scope: Scope, plan_id: str, api_stage: Params
    ) -> None:
        api_id, stage = api_stage["apiId"], api_stage["stage"]
        record = self.apis.get_in(conn, scope, api_id)
        if record is None or stage not in record.data["Stages"]:
            raise NotFound(
                f"Invalid API Stage {{api: {api_id}, stage: {stage}}} specified for usageplan "
                f"{plan_id}"
            )


# --- API keys ------------------------------------------------------------------------------


def _existing(
    repository: Repository, conn: Connection, scope: Scope, record_id: str, missing: str
) -> Record:
    """The record to patch, or NotFoundException with ``missing``."""
    record = repository.get_in(conn, scope, record_id)
    if record is None:
        raise errors.not_found(missing)
    return record


def _stage_key(target: Params, change: Patch) -> None:
    keys: list[str] = target.setdefault("stageKeys", [])
    value = change.value or ""
    if change.op == "add" and value not in keys:
        keys.append(value)
    elif change.op == "remove" and value in keys:
        keys.remove(value)


_KEY_RULES = (
    Rule("/name", ("replace",), patch.set_text("name")),
    Rule("/description", ("replace",), patch.set_text("description")),
    Rule("/customerId", ("replace",), patch.set_text("customerId")),
    Rule("/enabled", ("replace",), patch.set_bool("enabled")),
    Rule("/stageKeys", ("add", "remove"), _stage_key),
)


# --- usage plans ---------------------------------------------------------------------------


def _api_stage(target: Params, change: Patch) -> None:
    api_id, colon, stage = (change.value or "").partition(":")
    if not (api_id and colon and stage) or ":" in stage:
        raise BadRequest(_BAD_API_STAGE)
    entry = {"apiId": api_id, "stage": stage}
    stages: list[Params] = target["apiStages"]
    present = any(s["apiId"] == api_id and s["stage"] == stage for s in stages)
    if change.op == "add" and present:
        # wording unverified (AWS answers ConflictException here)
        raise Conflict(f"API Stage {{api: {api_id}, stage: {stage}}} already exists in usage plan")
    if change.op == "remove" and not present:
        raise NotFound(
            f"Invalid API Stage {{api: {api_id}, stage: {stage}}} specified for usageplan "
            f"{target['id']}"
        )
    if change.op == "add":
        stages.append(entry)
    else:
        target["apiStages"] = [s for s in stages if s != entry]


def _limit(group: str, member: str, convert: type) -> patch.Apply:
    """``/throttle/<member>`` or ``/quota/<member>``: set one member of the group."""

    def apply(target: Params, change: Patch) -> None:
        try:
            value = convert(change.value)
        except (TypeError, ValueError):
            # wording unverified
            raise BadRequest(f"Invalid value for {change.path}: {change.value}") from None
        target.setdefault(group, {})[member] = value

    return apply


def _drop(group: str) -> patch.Apply:
    def apply(target: Params, change: Patch) -> None:
        target.pop(group, None)

    return apply


def _check_plan(plan: Params) -> None:
    """The quota, whole after the patches, is valid as CreateUsagePlan requires."""
    if "quota" in plan:
        plan["quota"] = quota_of(plan["quota"])


_LIMIT_OPS = ("add", "replace")
_PLAN_RULES = (
    Rule("/name", ("replace",), patch.set_text("name")),
    Rule("/description", ("replace",), patch.set_text("description")),
    Rule("/productCode", ("replace",), patch.set_text("productCode")),
    Rule("/apiStages", ("add", "remove"), _api_stage),
    Rule(
        "/apiStages/{}/throttle/{}/{}/{}",
        ("add", "replace", "remove"),
        patch.refuse("Method throttles"),
    ),
    Rule("/throttle", ("remove",), _drop("throttle")),
    Rule("/throttle/burstLimit", _LIMIT_OPS, _limit("throttle", "burstLimit", int)),
    Rule("/throttle/rateLimit", _LIMIT_OPS, _limit("throttle", "rateLimit", float)),
    Rule("/quota", ("remove",), _drop("quota")),
    Rule("/quota/limit", _LIMIT_OPS, _limit("quota", "limit", int)),
    Rule("/quota/offset", _LIMIT_OPS, _limit("quota", "offset", int)),
    Rule("/quota/period", _LIMIT_OPS, _limit("quota", "period", str)),
)
