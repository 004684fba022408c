"""A live server (its schedule clock 120 times real time) and clients for the EventBridge
Scheduler end-to-end tests; queues come from the EventBridge tests' helpers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.conftest import make_client
from tests.services.events.conftest import FAST_CLOCK, names, queue, sqs
from tests.support.server import LambdaliteServer, running_server

__all__ = ["names", "queue", "sqs"]

ROLE_ARN = "arn:aws:iam::000000000000:role/scheduler"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LambdaliteServer]:
    with running_server(tmp_path_factory.mktemp("scheduler") / "data", env=FAST_CLOCK) as started:
        yield started


@pytest.fixture
def scheduler(server: LambdaliteServer) -> Any:
    return make_client(server.endpoint, "scheduler")
