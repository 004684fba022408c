"""The data plane's view: api-id + stage -> the deployed definition, then the route."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from lambdalite.services.apigatewayv2.lookup import Deployed, Lookup
from lambdalite.services.apigatewayv2.routing import match
from lambdalite.store import Store
from tests.services.apigatewayv2.conftest import LAMBDA_ARN
from tests.support.server import LambdaliteServer


@pytest.fixture
def lookup(server: LambdaliteServer) -> Iterator[str]:
    """The live server's SQLite store, read from here too (WAL lets both read)."""
    yield f"sqlite:///{server.data_dir / 'lambdalite.db'}"


def deployed(url: str, api_id: str, stage: str) -> Deployed | None:
    """A fresh reader each time: a store's cache only follows its own process's writes."""
    store = Store.open(url)
    try:
        return asyncio.run(Lookup(store).deployed(api_id, stage))
    finally:
        store.close()


def test_a_quick_created_api_resolves_to_its_route_and_integration(apigw: Any, lookup: str) -> None:
    api = apigw.create_api(
        Name="served", ProtocolType="HTTP", Target=LAMBDA_ARN, RouteKey="GET /pets/{id}"
    )
    found = deployed(lookup, api["ApiId"], "$default")
    assert found is not None and found.scope.account == "000000000000"
    route, params = match(found.snapshot["Routes"].values(), "GET", "/pets/7") or ({}, {})
    assert params == {"id": "7"}
    integration = found.snapshot["Integrations"][route["Target"].removeprefix("integrations/")]
    assert integration["IntegrationUri"] == LAMBDA_ARN


def test_a_stage_serves_its_deployment_not_later_changes(apigw: Any, lookup: str) -> None:
    api_id = apigw.create_api(Name="frozen", ProtocolType="HTTP")["ApiId"]
    apigw.create_route(ApiId=api_id, RouteKey="GET /old")
    apigw.create_stage(ApiId=api_id, StageName="prod")
    assert deployed(lookup, api_id, "prod") is None  # never deployed
    apigw.create_deployment(ApiId=api_id, StageName="prod")
    apigw.create_route(ApiId=api_id, RouteKey="GET /new")
    found = deployed(lookup, api_id, "prod")
    assert found is not None
    assert [r["RouteKey"] for r in found.snapshot["Routes"].values()] == ["GET /old"]
    assert deployed(lookup, "unknownapi", "prod") is None
