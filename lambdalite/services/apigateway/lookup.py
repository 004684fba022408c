"""What the REST data plane asks of the control plane: whether an id is a REST API's, and for
a stage the deployed resources that serve requests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lambdalite.services.apigateway.base import (
    DEPLOYMENT_KIND,
    ENDPOINT_KIND,
    GLOBAL,
    REST_API_KIND,
)
from lambdalite.store import Repository, Scope, Store


@dataclass(frozen=True, slots=True)
class RestDeployed:
    """One stage of one REST API as it serves: its ``RestApi``, stage and deployed
    ``Resources`` (by id)."""

    scope: Scope
    api: dict[str, Any]
    stage: dict[str, Any]
    resources: dict[str, Any]


class RestLookup:
    """Cached reads of API Gateway (v1)'s records, for the request path."""

    def __init__(self, store: Store) -> None:
        self.apis = Repository(store, REST_API_KIND)
        self.deployments = Repository(store, DEPLOYMENT_KIND)
        self.endpoints = Repository(store, ENDPOINT_KIND)

    async def scope_of(self, api_id: str) -> Scope | None:
        """Where the REST API ``api_id`` lives; None when the id is not a REST API's."""
        where = await self.endpoints.get_cached(GLOBAL, api_id)
        if where is None:
            return None
        return Scope(where.data["Account"], where.data["Region"])

    async def deployed(self, scope: Scope, api_id: str, stage_name: str) -> RestDeployed | None:
        """The stage's deployed resources; None without such an API, stage or deployment."""
        record = await self.apis.get_cached(scope, api_id)
        stage = record.data["Stages"].get(stage_name) if record is not None else None
        if record is None or stage is None:
            return None
        key = f"{api_id}/{stage['deploymentId']}"
        deployment = await self.deployments.get_cached(scope, key)
        if deployment is None:
            return None
        return RestDeployed(scope, record.data["RestApi"], stage, deployment.data["Resources"])
