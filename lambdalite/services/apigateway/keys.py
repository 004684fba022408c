"""API keys, usage plans and usage plan keys: CreateApiKey, GetApiKey, GetApiKeys,
DeleteApiKey, CreateUsagePlan, GetUsagePlan, GetUsagePlans, DeleteUsagePlan,
CreateUsagePlanKey, GetUsagePlanKey, GetUsagePlanKeys, DeleteUsagePlanKey.

A key's value is generated (40 letters and digits, as AWS's are) unless given; a given one must
have at least 20 characters and be unique ("API Key value should be at least 20 characters",
"API Key already exists": moto's wording of AWS's). GetApiKey answers ``value`` only with
``includeValue``, GetApiKeys only with ``includeValues``; CreateApiKey always does. A usage plan
names API stages (``apiStages``), a ``throttle`` (``rateLimit`` requests a second, ``burstLimit``)
and a ``quota`` (``limit`` requests per ``period`` DAY, WEEK or MONTH, shifted by ``offset``);
the data plane (lambdalite/gateway/rest_keys.py) enforces them per API key.
"""

from __future__ import annotations

import secrets
import string

from sqlalchemy import Connection

from lambdalite.aws.context import RequestContext
from lambdalite.services.apigateway import errors
from lambdalite.services.apigateway.base import (
    LONG_ID,
    SHORT_ID,
    Params,
    RestBase,
    listing,
    new_id,
    public,
)
from lambdalite.services.apigateway.errors import BadRequest, Conflict
from lambdalite.store import Record, Scope

_VALUE_ALPHABET = string.ascii_letters + string.digits
_PERIODS = frozenset({"DAY", "WEEK", "MONTH"})


class KeyOperations(RestBase):
    # --- API keys ------------------------------------------------------------------------------

    async def create_api_key(self, ctx: RequestContext, request: Params) -> Params:
        value = request.get("value") or "".join(secrets.choice(_VALUE_ALPHABET) for _ in range(40))
        if len(value) < 20:
            raise BadRequest("API Key value should be at least 20 characters")
        now = self.clock()
        key: Params = {
            "id": new_id(LONG_ID),
            "value": value,
            "name": request.get("name") or "",
            "enabled": bool(request.get("enabled", False)),
            "createdDate": now,
            "lastUpdatedDate": now,
            # The ApiKey shape answers stage keys as "<restApiId>/<stageName>" strings.
            "stageKeys": [
                f"{k.get('restApiId')}/{k.get('stageName')}" for k in request.get("stageKeys") or []
            ],
            "_plans": [],
        }
        key.update({k: request[k] for k in ("description", "customerId", "tags") if k in request})
        await self._store_key(self.scope(ctx), key)
        return public(key)

    async def _store_key(self, scope: Scope, key: Params) -> None:
        def job(conn: Connection) -> None:
            if self.key_values.get_in(conn, scope, key["value"]) is not None:
                raise Conflict("API Key already exists")
            self.keys.put_in(conn, scope, key["id"], key, create_only=True)
            self.key_values.put_in(conn, scope, key["value"], {"id": key["id"]}, create_only=True)

        await self.platform.store.write(job)

    async def get_api_key(self, ctx: RequestContext, request: Params) -> Params:
        key = (await self._key(self.scope(ctx), request["apiKey"])).data
        return key_output(key, bool(request.get("includeValue")))

    async def get_api_keys(self, ctx: RequestContext, request: Params) -> Params:
        keys = [record.data for record in await self.keys.list(self.scope(ctx))]
        if request.get("nameQuery"):
            keys = [key for key in keys if key["name"].startswith(request["nameQuery"])]
        if request.get("customerId"):
            keys = [key for key in keys if key.get("customerId") == request["customerId"]]
        shown = [key_output(key, bool(request.get("includeValues"))) for key in keys]
        return listing(shown, request)

    async def delete_api_key(self, ctx: RequestContext, request: Params) -> Params:
        scope, key_id = self.scope(ctx), request["apiKey"]

        def job(conn: Connection) -> None:
            key = self._key_in(conn, scope, key_id).data
            for plan_id in key["_plans"]:
                self._unlink_in(conn, scope, plan_id, key_id)
            self.keys.delete_in(conn, scope, key_id)
            self.key_values.delete_in(conn, scope, key["value"])

        await self.platform.store.write(job)
        return {}

    async def _key(self, scope: Scope, key_id: str) -> Record:
        return await self.platform.store.read(lambda conn: self._key_in(conn, scope, key_id))

    def _key_in(self, conn: Connection, scope: Scope, key_id: str) -> Record:
        record = self.keys.get_in(conn, scope, key_id)
        if record is None:
            raise errors.not_found(errors.API_KEY_NOT_FOUND)
        return record

    # --- usage plans ---------------------------------------------------------------------------

    async def create_usage_plan(self, ctx: RequestContext, request: Params) -> Params:
        plan: Params = {"id": new_id(SHORT_ID), "name": request["name"], "_keys": []}
        plan["apiStages"] = [dict(stage) for stage in request.get("apiStages") or []]
        plan.update({k: request[k] for k in ("description", "tags") if k in request})
        if request.get("throttle"):
            plan["throttle"] = _throttle(request["throttle"])
        if request.get("quota"):
            plan["quota"] = quota_of(request["quota"])
        scope = self.scope(ctx)

        def job(conn: Connection) -> None:
            for stage in plan["apiStages"]:
                self._check_stage_in(conn, scope, stage)
            self.plans.put_in(conn, scope, plan["id"], plan, create_only=True)

        await self.platform.store.write(job)
        return public(plan)

    def _check_stage_in(self, conn: Connection, scope: Scope, api_stage: Params) -> None:
        """An API stage a plan names must exist."""
        state = self.existing_in(conn, scope, str(api_stage.get("apiId"))).data
        if api_stage.get("stage") not in state["Stages"]:
            raise errors.not_found(errors.STAGE_NOT_FOUND)

    async def get_usage_plan(self, ctx: RequestContext, request: Params) -> Params:
        return public((await self._plan(self.scope(ctx), request["usagePlanId"])).data)

    async def get_usage_plans(self, ctx: RequestContext, request: Params) -> Params:
        plans = [record.data for record in await self.plans.list(self.scope(ctx))]
        if request.get("keyId"):
            plans = [plan for plan in plans if request["keyId"] in plan["_keys"]]
        return listing(plans, request)

    async def delete_usage_plan(self, ctx: RequestContext, request: Params) -> Params:
        scope, plan_id = self.scope(ctx), request["usagePlanId"]

        def job(conn: Connection) -> None:
            plan = self._plan_in(conn, scope, plan_id).data
            for key_id in list(plan["_keys"]):
                self._unlink_in(conn, scope, plan_id, key_id)
            self.plans.delete_in(conn, scope, plan_id)

        await self.platform.store.write(job)
        return {}

    async def _plan(self, scope: Scope, plan_id: str) -> Record:
        return await self.platform.store.read(lambda conn: self._plan_in(conn, scope, plan_id))

    def _plan_in(self, conn: Connection, scope: Scope, plan_id: str) -> Record:
        record = self.plans.get_in(conn, scope, plan_id)
        if record is None:
            raise errors.not_found(errors.USAGE_PLAN_NOT_FOUND)
        return record

    # --- usage plan keys -----------------------------------------------------------------------

    async def create_usage_plan_key(self, ctx: RequestContext, request: Params) -> Params:
        if request["keyType"] != "API_KEY":
            raise BadRequest(f"Invalid key type specified: {request['keyType']}")  # unverified
        scope, plan_id, key_id = self.scope(ctx), request["usagePlanId"], request["keyId"]

        def job(conn: Connection) -> Params:
            plan = self._plan_in(conn, scope, plan_id)
            key = self._key_in(conn, scope, key_id)
            if key_id in plan.data["_keys"]:
                raise Conflict(f"Usage Plan {plan_id} already contains API key {key_id}")
            plan.data["_keys"].append(key_id)
            key.data["_plans"].append(plan_id)
            self.plans.put_in(conn, scope, plan_id, plan.data, expect_version=plan.version)
            self.keys.put_in(conn, scope, key_id, key.data, expect_version=key.version)
            return _plan_key(key.data)

        return await self.platform.store.write(job)

    async def get_usage_plan_key(self, ctx: RequestContext, request: Params) -> Params:
        scope, plan_id, key_id = self.scope(ctx), request["usagePlanId"], request["keyId"]
        plan = await self._plan(scope, plan_id)
        if key_id not in plan.data["_keys"]:
            raise errors.not_found(errors.API_KEY_NOT_FOUND)
        return _plan_key((await self._key(scope, key_id)).data)

    async def get_usage_plan_keys(self, ctx: RequestContext, request: Params) -> Params:
        scope = self.scope(ctx)
        plan = await self._plan(scope, request["usagePlanId"])
        keys = [(await self._key(scope, key_id)).data for key_id in plan.data["_keys"]]
        if request.get("nameQuery"):
            keys = [key for key in keys if key["name"].startswith(request["nameQuery"])]
        return listing([_plan_key(key) for key in keys], request)

    async def delete_usage_plan_key(self, ctx: RequestContext, request: Params) -> Params:
        scope, plan_id, key_id = self.scope(ctx), request["usagePlanId"], request["keyId"]

        def job(conn: Connection) -> None:
            if key_id not in self._plan_in(conn, scope, plan_id).data["_keys"]:
                raise errors.not_found(errors.API_KEY_NOT_FOUND)
            self._unlink_in(conn, scope, plan_id, key_id)

        await self.platform.store.write(job)
        return {}

    def _unlink_in(self, conn: Connection, scope: Scope, plan_id: str, key_id: str) -> None:
        """Take the key out of the plan (both records) and forget its quota count."""
        for repository, record_id, member, other in (
            (self.plans, plan_id, "_keys", key_id),
            (self.keys, key_id, "_plans", plan_id),
        ):
            record = repository.get_in(conn, scope, record_id)
            if record is not None and other in record.data[member]:
                record.data[member].remove(other)
                repository.put_in(
                    conn, scope, record_id, record.data, expect_version=record.version
                )
        self.quotas.delete_in(conn, scope, f"{plan_id}/{key_id}")


def key_output(key: Params, with_value: bool) -> Params:
    shown = public(key)
    if not with_value:
        shown.pop("value", None)
    return shown


def _plan_key(key: Params) -> Params:
    return {"id": key["id"], "type": "API_KEY", "value": key["value"], "name": key["name"]}


def _throttle(throttle: Params) -> Params:
    return {k: throttle[k] for k in ("burstLimit", "rateLimit") if k in throttle}


def quota_of(quota: Params) -> Params:
    period = quota.get("period")
    if period not in _PERIODS:
        # wording unverified
        raise BadRequest("Quota period must be one of DAY, WEEK or MONTH")
    if int(quota.get("limit") or 0) < 1:
        raise BadRequest("Quota limit must be greater than 0")  # wording unverified
    return {"limit": int(quota["limit"]), "offset": int(quota.get("offset") or 0), "period": period}
