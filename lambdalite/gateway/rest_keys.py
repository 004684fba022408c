"""API keys and usage plans on the REST data plane: who may call a method that requires a key,
and how often.

A method with ``apiKeyRequired`` needs an ``x-api-key`` header (``apiKeySource`` HEADER) naming
an enabled key that is in a usage plan covering the API's stage; otherwise 403 Forbidden. Then
the plan's ``throttle`` applies per key as a token bucket (``rateLimit`` tokens a second, at
most ``burstLimit`` held; in memory, as AWS's throttling is approximate anyway), then its
``quota`` (``limit`` requests per period, counted in a durable record so a restart does not
reset it). Periods start at UTC midnight; a WEEK's ``offset`` counts days from Sunday, a MONTH's
days from the 1st ("QuotaSettings", API Gateway API reference).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from lambdalite.gateway import rest_errors
from lambdalite.gateway.api_errors import Answered
from lambdalite.gateway.throttling import TokenBuckets
from lambdalite.services.apigateway.base import (
    API_KEY_KIND,
    API_KEY_VALUE_KIND,
    QUOTA_KIND,
    USAGE_PLAN_KIND,
)
from lambdalite.store import Repository, Scope, Store


@dataclass(frozen=True, slots=True)
class KeyUse:
    """The key a request was admitted with (its value and id go into the event's identity)."""

    value: str
    key_id: str


class KeyGate:
    """Admits requests to methods that require an API key."""

    def __init__(self, store: Store, clock: Callable[[], float] = time.time) -> None:
        self._store = store
        self._clock = clock
        self._keys = Repository(store, API_KEY_KIND)
        self._values = Repository(store, API_KEY_VALUE_KIND)
        self._plans = Repository(store, USAGE_PLAN_KIND)
        self._quotas = Repository(store, QUOTA_KIND)
        self._buckets = TokenBuckets(clock)

    async def admit(self, scope: Scope, api_id: str, stage: str, value: str | None) -> KeyUse:
        """The key's use, or Answered with 403 or 429."""
        key = await self._key(scope, value)
        plan = await self._plan(scope, key, api_id, stage)
        where = f"{plan['id']}/{key['id']}"
        self._throttle(where, plan.get("throttle"))
        if plan.get("quota"):
            await self._count(scope, where, plan["quota"])
        return KeyUse(key["value"], key["id"])

    async def _key(self, scope: Scope, value: str | None) -> dict[str, Any]:
        """The enabled key with this value; 403 otherwise."""
        found = await self._values.get_cached(scope, value) if value else None
        key = await self._keys.get_cached(scope, found.data["id"]) if found else None
        if key is None or not key.data.get("enabled"):
            raise Answered(rest_errors.forbidden())
        return key.data

    async def _plan(
        self, scope: Scope, key: dict[str, Any], api_id: str, stage: str
    ) -> dict[str, Any]:
        """The key's usage plan that covers the API stage; 403 when none does."""
        for plan_id in key["_plans"]:
            plan = await self._plans.get_cached(scope, plan_id)
            stages = plan.data.get("apiStages") or [] if plan is not None else []
            if plan is not None and any(_covers(s, api_id, stage) for s in stages):
                return plan.data
        raise Answered(rest_errors.forbidden())

    def _throttle(self, where: str, throttle: dict[str, Any] | None) -> None:
        """Take a token from the key's bucket; 429 Too Many Requests when it is empty."""
        if not throttle:
            return
        rate = float(throttle.get("rateLimit") or 0.0)
        burst = float(throttle.get("burstLimit") or 0.0)
        if not self._buckets.take(where, rate, burst):
            raise Answered(rest_errors.throttled())

    async def _count(self, scope: Scope, where: str, quota: dict[str, Any]) -> None:
        """Count the request in the current period; 429 Limit Exceeded once it is used up."""
        today = datetime.fromtimestamp(self._clock(), UTC).date()
        start = period_start(today, quota["period"], int(quota.get("offset") or 0)).isoformat()
        limit = int(quota["limit"])

        def job(conn: Connection) -> bool:
            record = self._quotas.get_in(conn, scope, where)
            used = record.data["used"] if record and record.data["period"] == start else 0
            if used >= limit:
                return False
            self._quotas.put_in(conn, scope, where, {"period": start, "used": used + 1})
            return True

        if not await self._store.write(job):
            raise Answered(rest_errors.quota_exceeded())


def _covers(api_stage: dict[str, Any], api_id: str, stage: str) -> bool:
    return api_stage.get("apiId") == api_id and api_stage.get("stage") == stage


def period_start(today: date, period: str, offset: int) -> date:
    """The first day of the quota period ``today`` is in."""
    if period == "WEEK":
        first_weekday = (6 + offset) % 7  # offset 0 is Sunday; date.weekday() has Monday 0
        return today - timedelta(days=(today.weekday() - first_weekday) % 7)
    if period == "MONTH":
        start = today.replace(day=1) + timedelta(days=offset)
        if today >= start:
            return start
        previous = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
        return previous + timedelta(days=offset)
    return today
