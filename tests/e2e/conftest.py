from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

from tests.support.server import LambdaliteServer, running_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LambdaliteServer]:
    """One server for a test module (auth on, SQLite in a fresh data dir)."""
    with running_server(tmp_path_factory.mktemp("data") / "lambdalite") as started:
        yield started


def make_client(endpoint: str, service: str, secret: str = "test", **config: Any) -> Any:
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key=secret,
        config=Config(retries={"max_attempts": 1}, **config),
    )


@pytest.fixture
def client(server: LambdaliteServer) -> Any:
    def build(service: str, **kwargs: Any) -> Any:
        return make_client(server.endpoint, service, **kwargs)

    return build


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"
