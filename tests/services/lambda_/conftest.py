"""A live server and boto3 clients for the Lambda control-plane tests."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.conformance.conftest import ROLE, handler_zip
from tests.e2e.conftest import make_client
from tests.support.server import LambdaliteServer, running_server

__all__ = ["ROLE", "handler_zip"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LambdaliteServer]:
    with running_server(tmp_path_factory.mktemp("lambda") / "data") as started:
        yield started


@pytest.fixture
def lam(server: LambdaliteServer) -> Any:
    """A Lambda client that lets bad input through to the server (no client-side checks)."""
    return make_client(server.endpoint, "lambda", parameter_validation=False)


@pytest.fixture
def function(lam: Any, request: pytest.FixtureRequest) -> Callable[..., str]:
    """Create an Active function with a unique name; returns the name."""

    def create(**overrides: Any) -> str:
        # Unique per test (parametrized ones included) and per call, within AWS's 64 characters.
        digest = hashlib.sha1(request.node.nodeid.encode()).hexdigest()[:12]
        name = f"{request.node.originalname[:40]}-{digest}-{len(created)}"
        params = {
            "FunctionName": name,
            "Runtime": "python3.12",
            "Role": ROLE,
            "Handler": "handler.handler",
            "Code": {"ZipFile": handler_zip()},
        }
        params.update(overrides)
        lam.create_function(**params)
        lam.get_waiter("function_active_v2").wait(FunctionName=params["FunctionName"])
        created.append(params["FunctionName"])
        return str(params["FunctionName"])

    created: list[str] = []
    return create
