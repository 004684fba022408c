"""What the groups of API Gateway v2 operations share: the records, changing an API atomically,
auto-deployment, ids and endpoints.

Records (JSON, per account and region):
- ``apigatewayv2.api`` keyed by API id: the whole definition an HTTP API is made of, in the
  members of AWS's output shapes: ``Api`` (the API's own fields and tags), ``Routes``,
  ``Integrations`` and ``Authorizers`` (each by id) and ``Stages`` (by name). One record, so a
  change to any part, and the redeployment it triggers, commits or fails as a whole.
- ``apigatewayv2.deployment`` keyed ``<api-id>/<deployment-id>``: ``Deployment`` (the output
  shape) and ``Snapshot``, the routes, integrations, authorizers and CORS configuration as they
  were when it was made: what a stage pointing at it serves.
- ``apigatewayv2.endpoint`` keyed by API id in the global scope: the account and region of an
  API, so the data plane can find ``<api-id>.execute-api.localhost`` without either.
Members whose names start with ``_`` are lambdalite's own and never answered.
"""

from __future__ import annotations

import secrets
import string
import time
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Connection

from lambdalite.aws.context import RequestContext
from lambdalite.services.apigatewayv2.errors import BadRequest, Conflict, api_not_found, not_found
from lambdalite.services.platform import Platform
from lambdalite.store import Record, Repository, Scope, Store

Params = dict[str, Any]
State = dict[str, Any]
T = TypeVar("T")

API_KIND = "apigatewayv2.api"
DEPLOYMENT_KIND = "apigatewayv2.deployment"
ENDPOINT_KIND = "apigatewayv2.endpoint"
GLOBAL = Scope("", "")  # where the api-id -> account/region index lives

_ID_ALPHABET = string.ascii_lowercase + string.digits
# AWS's ids: APIs have 10 characters ("cn6vwni6mf"); routes and integrations 7 ("wvu4iv0",
# "eg95sc9"); deployments and authorizers 6 ("biunot"), as seen in terraform-provider-aws
# issue #17130's state listing.
API_ID_LENGTH, CHILD_ID_LENGTH, SHORT_ID_LENGTH = 10, 7, 6
# AWS's description of the deployments that AutoDeploy makes.
AUTO_DEPLOY_DESCRIPTION = "Automatic deployment triggered by changes to the Api configuration"


def new_id(length: int) -> str:
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(length))


def public(item: dict[str, Any]) -> dict[str, Any]:
    """``item`` without lambdalite's own members."""
    return {k: v for k, v in item.items() if not k.startswith("_")}


def deployed_message(deployment_id: str) -> str:
    return f"Successfully deployed stage with deployment ID '{deployment_id}'"


class ApiRecords:
    """APIs kept as one JSON record each (both API Gateway versions), read and changed whole:
    a change is one transaction that fails when the API is gone or changed meanwhile."""

    def __init__(
        self,
        repositories: tuple[Repository, Repository, Repository],
        store: Store,
        missing: Callable[[str, str], Exception],
    ) -> None:
        # The APIs, their deployments, and the global api-id -> account/region index.
        self._repository, self._deployments, self._endpoints = repositories
        self._store = store
        self._missing = missing  # (account, api id) -> the service's NotFoundException

    async def load(self, scope: Scope, api_id: str) -> State:
        record = await self._repository.get(scope, api_id)
        if record is None:
            raise self._missing(scope.account, api_id)
        return record.data

    def existing_in(self, conn: Connection, scope: Scope, api_id: str) -> Record:
        record = self._repository.get_in(conn, scope, api_id)
        if record is None:
            raise self._missing(scope.account, api_id)
        return record

    async def change(
        self,
        scope: Scope,
        api_id: str,
        mutate: Callable[[Connection, State], T],
        then: Callable[[Connection, State], None] | None = None,
    ) -> T:
        """Apply ``mutate`` (and ``then``, on its result) to the API's state and store it."""

        def job(conn: Connection) -> T:
            record = self.existing_in(conn, scope, api_id)
            result = mutate(conn, record.data)
            if then is not None:
                then(conn, record.data)
            self._repository.put_in(conn, scope, api_id, record.data, expect_version=record.version)
            return result

        return await self._store.write(job)

    async def delete(self, scope: Scope, api_id: str) -> None:
        """The API, its deployments and its index entry, in one transaction."""

        def job(conn: Connection) -> None:
            self.existing_in(conn, scope, api_id)
            for record in self._deployments.list_in(conn, scope, prefix=f"{api_id}/"):
                self._deployments.delete_in(conn, scope, record.key)
            self._repository.delete_in(conn, scope, api_id)
            self._endpoints.delete_in(conn, GLOBAL, api_id)

        await self._store.write(job)


class ApiGatewayV2Base:
    """State shared by the API Gateway v2 operation groups."""

    def __init__(self, platform: Platform, clock: Callable[[], float] = time.time) -> None:
        self.platform = platform
        self.clock = clock
        self.apis = Repository(platform.store, API_KIND, clock=clock)
        self.deployments = Repository(platform.store, DEPLOYMENT_KIND, clock=clock)
        self.endpoints = Repository(platform.store, ENDPOINT_KIND, clock=clock)
        repositories = (self.apis, self.deployments, self.endpoints)
        self.records = ApiRecords(repositories, platform.store, api_not_found)

    @staticmethod
    def scope(ctx: RequestContext) -> Scope:
        return Scope(ctx.account_id, ctx.region)

    def api_endpoint(self, ctx: RequestContext, api_id: str) -> str:
        """``http://<api-id>.execute-api.localhost:<port>``, on the port the caller reached."""
        host = ctx.request.headers.get("host", "")
        _, colon, port = host.rpartition(":")
        if not colon or not port.isdigit():
            port = str(self.platform.settings.port)
        return f"{ctx.request.scheme}://{api_id}.execute-api.localhost:{port}"

    async def load(self, ctx: RequestContext, api_id: str) -> State:
        """The API's record data, or NotFoundException."""
        return await self.records.load(self.scope(ctx), api_id)

    async def change(
        self,
        ctx: RequestContext,
        api_id: str,
        mutate: Callable[[Connection, State], T],
        *,
        redeploy: bool = True,
    ) -> T:
        """Apply ``mutate`` to the API's state and store it in one transaction; with
        ``redeploy``, stages with AutoDeploy get a new deployment of the result."""
        scope = self.scope(ctx)

        def deploy(conn: Connection, state: State) -> None:
            self.auto_deploy_in(conn, scope, state)

        return await self.records.change(scope, api_id, mutate, deploy if redeploy else None)

    def auto_deploy_in(self, conn: Connection, scope: Scope, state: State) -> None:
        """A new deployment for every stage with AutoDeploy, when there is a route to deploy."""
        if not state["Routes"]:
            return
        for stage in state["Stages"].values():
            if stage.get("AutoDeploy"):
                deployment = self.deploy_in(conn, scope, state, AUTO_DEPLOY_DESCRIPTION, True)
                self.point_stage(stage, deployment["DeploymentId"])

    def deploy_in(
        self, conn: Connection, scope: Scope, state: State, description: str | None, auto: bool
    ) -> Params:
        """Store a deployment of the API as it is now and return its output shape."""
        deployment: Params = {
            "AutoDeployed": auto,
            "CreatedDate": self.clock(),
            "DeploymentId": new_id(SHORT_ID_LENGTH),
            "DeploymentStatus": "DEPLOYED",
        }
        if description is not None:
            deployment["Description"] = description
        key = f"{state['Api']['ApiId']}/{deployment['DeploymentId']}"
        data = {"Deployment": deployment, "Snapshot": snapshot(state)}
        self.deployments.put_in(conn, scope, key, data, create_only=True)
        return deployment

    def point_stage(self, stage: Params, deployment_id: str) -> None:
        stage["DeploymentId"] = deployment_id
        stage["LastDeploymentStatusMessage"] = deployed_message(deployment_id)
        stage["LastUpdatedDate"] = self.clock()


def existing_child(state: State, collection: str, identifier: str) -> Params:
    """The route, integration or authorizer ``identifier`` of ``collection`` ("Routes", ...);
    NotFound naming it ("Route", ...) otherwise."""
    child: Params | None = state[collection].get(identifier)
    if child is None:
        raise not_found(collection[:-1], identifier)
    return child


def refuse_if_routed(
    state: State, what: str, identifier: str, uses: Callable[[Params], bool]
) -> None:
    """A route still using ``what`` ``identifier`` (as ``uses`` tells) keeps it: Conflict."""
    users = [r["RouteKey"] for r in state["Routes"].values() if uses(r)]
    if users:
        raise Conflict(f"{what} {identifier} is in use by routes: {', '.join(users)}")


def snapshot(state: State) -> Params:
    """What a deployment freezes: the parts of the API that serve requests."""
    cors = state["Api"].get("CorsConfiguration")
    return {
        "Routes": state["Routes"],
        "Integrations": state["Integrations"],
        "Authorizers": state["Authorizers"],
        **({"CorsConfiguration": cors} if cors is not None else {}),
    }


def paginate(items: list[Params], request: Params, key: str) -> Params:
    """``Items`` and ``NextToken`` of a Get* listing, in ``key`` order; the token is the last
    key answered (``MaxResults`` is a string in this API's model)."""
    items = sorted(items, key=lambda item: str(item[key]))
    after = request.get("NextToken")
    if after:
        items = [item for item in items if str(item[key]) > after]
    limit = _max_results(request.get("MaxResults"))
    page = items[:limit]
    output: Params = {"Items": [public(item) for item in page]}
    if len(items) > limit:
        output["NextToken"] = str(page[-1][key])
    return output


def _max_results(value: str | None) -> int:
    if value is None:
        return 1000
    if not value.isdigit() or int(value) < 1:
        raise BadRequest(f"Invalid value for MaxResults: {value}")  # wording unverified
    return int(value)
