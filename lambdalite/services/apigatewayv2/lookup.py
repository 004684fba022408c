"""What the data plane asks of the control plane: for ``<api-id>`` and a stage, the
deployed definition that serves requests (then ``routing.match`` picks the route)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lambdalite.services.apigatewayv2.base import API_KIND, DEPLOYMENT_KIND, ENDPOINT_KIND, GLOBAL
from lambdalite.store import Repository, Scope, Store


@dataclass(frozen=True, slots=True)
class Deployed:
    """One stage of one API as it serves: the stage record and its deployment's snapshot
    (``Routes``, ``Integrations``, ``Authorizers`` by id, ``CorsConfiguration`` if any)."""

    scope: Scope
    api: dict[str, Any]
    stage: dict[str, Any]
    snapshot: dict[str, Any]


class Lookup:
    """Cached reads of the records of API Gateway v2, for the request path."""

    def __init__(self, store: Store) -> None:
        self.apis = Repository(store, API_KIND)
        self.deployments = Repository(store, DEPLOYMENT_KIND)
        self.endpoints = Repository(store, ENDPOINT_KIND)

    async def deployed(self, api_id: str, stage_name: str) -> Deployed | None:
        """The stage's deployed definition; None when the API, the stage or a deployment of
        it does not exist (AWS answers those with {"message":"Not Found"})."""
        where = await self.endpoints.get_cached(GLOBAL, api_id)
        if where is None:
            return None
        scope = Scope(where.data["Account"], where.data["Region"])
        record = await self.apis.get_cached(scope, api_id)
        stage = record.data["Stages"].get(stage_name) if record is not None else None
        if record is None or stage is None or "DeploymentId" not in stage:
            return None
        deployment = await self.deployments.get_cached(scope, f"{api_id}/{stage['DeploymentId']}")
        if deployment is None:
            return None
        return Deployed(scope, record.data["Api"], stage, deployment.data["Snapshot"])
