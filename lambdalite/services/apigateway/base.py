"""What the groups of API Gateway (v1) operations share: the records, changing a REST API
atomically, ids and listings.

Records (JSON, per account and region unless said otherwise):
- ``apigateway.restapi`` keyed by API id: ``RestApi`` (the output shape), ``Resources`` (by id,
  each a ``Resource`` whose ``resourceMethods`` hold the ``Method`` and its
  ``methodIntegration``) and ``Stages`` (by name). One record: a change commits whole.
- ``apigateway.deployment`` keyed ``<api-id>/<deployment-id>``: ``Deployment`` and
  ``Resources``, the resources as they were when it was made (what a stage serves).
- ``apigateway.endpoint`` keyed by API id in the global scope: the account and region of a
  REST API, so the data plane finds ``<api-id>.execute-api.localhost`` (and tells REST APIs from
  HTTP APIs, which share the id space).
- ``apigateway.apikey`` keyed by key id (the ``ApiKey`` shape plus ``_plans``, the usage plans
  it is in) and ``apigateway.apikeyvalue`` keyed by the key's value (its id), for the data plane.
- ``apigateway.usageplan`` keyed by plan id (``UsagePlan`` plus ``_keys``).
- ``apigateway.quota`` keyed ``<plan-id>/<key-id>``: the requests counted in the current quota
  period (durable: a restart does not reset a quota).
Members whose names start with ``_`` are lambdalite's own and never answered.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Connection

from lambdalite.aws.context import RequestContext
from lambdalite.services.apigateway.errors import api_not_found
from lambdalite.services.apigatewayv2.base import GLOBAL, ApiRecords, new_id, public
from lambdalite.services.platform import Platform
from lambdalite.store import Record, Repository, Scope

Params = dict[str, Any]
State = dict[str, Any]
T = TypeVar("T")

REST_API_KIND = "apigateway.restapi"
DEPLOYMENT_KIND = "apigateway.deployment"
ENDPOINT_KIND = "apigateway.endpoint"
API_KEY_KIND = "apigateway.apikey"
API_KEY_VALUE_KIND = "apigateway.apikeyvalue"
USAGE_PLAN_KIND = "apigateway.usageplan"
QUOTA_KIND = "apigateway.quota"

# AWS's id lengths: REST APIs and API keys 10 characters ("a1b2c3d4e5"), resources,
# deployments and usage plans 6 ("3kzxbg"), as the API Gateway developer guide's examples show.
LONG_ID, SHORT_ID = 10, 6

__all__ = ["GLOBAL", "new_id", "public"]


class RestBase:
    """State shared by the API Gateway (v1) operation groups."""

    def __init__(self, platform: Platform, clock: Callable[[], float] = time.time) -> None:
        self.platform = platform
        self.clock = clock
        self.apis = Repository(platform.store, REST_API_KIND, clock=clock)
        self.deployments = Repository(platform.store, DEPLOYMENT_KIND, clock=clock)
        self.endpoints = Repository(platform.store, ENDPOINT_KIND, clock=clock)
        self.keys = Repository(platform.store, API_KEY_KIND, clock=clock)
        self.key_values = Repository(platform.store, API_KEY_VALUE_KIND, clock=clock)
        self.plans = Repository(platform.store, USAGE_PLAN_KIND, clock=clock)
        self.quotas = Repository(platform.store, QUOTA_KIND, clock=clock)
        repositories = (self.apis, self.deployments, self.endpoints)
        self.records = ApiRecords(repositories, platform.store, api_not_found)

    @staticmethod
    def scope(ctx: RequestContext) -> Scope:
        return Scope(ctx.account_id, ctx.region)

    async def load(self, ctx: RequestContext, api_id: str) -> State:
        """The REST API's record data, or NotFoundException."""
        return await self.records.load(self.scope(ctx), api_id)

    async def change(
        self, ctx: RequestContext, api_id: str, mutate: Callable[[Connection, State], T]
    ) -> T:
        """Apply ``mutate`` to the API's state and store it, in one transaction."""
        return await self.records.change(self.scope(ctx), api_id, mutate)

    def existing_in(self, conn: Connection, scope: Scope, api_id: str) -> Record:
        return self.records.existing_in(conn, scope, api_id)


def listing(items: list[Params], request: Params, key: str = "id") -> Params:
    """``items`` and ``position`` of a Get* listing in ``key`` order; the position is the last
    key answered (``limit`` defaults to 25 and may be at most 500, as AWS documents)."""
    items = sorted(items, key=lambda item: str(item.get(key, "")))
    after = request.get("position")
    if after:
        items = [item for item in items if str(item.get(key, "")) > after]
    limit = max(1, min(int(request.get("limit") or 25), 500))
    page = items[:limit]
    output: Params = {"items": [public(item) for item in page]}
    if len(items) > limit:
        output["position"] = str(page[-1][key])
    return output
