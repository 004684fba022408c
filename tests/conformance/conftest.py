"""A live server and a boto3 Lambda client for the conformance scenarios."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.conftest import make_client
from tests.support.server import LambdaliteServer, running_server

from .snapshot import Snapshot

ROLE = "arn:aws:iam::000000000000:role/lambda-role"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LambdaliteServer]:
    with running_server(tmp_path_factory.mktemp("conformance") / "data") as started:
        yield started


@pytest.fixture
def lam(server: LambdaliteServer) -> Any:
    return make_client(server.endpoint, "lambda", parameter_validation=False)


@pytest.fixture
def snapshot() -> Snapshot:
    return Snapshot()


def zipped(files: dict[str, str]) -> bytes:
    """A deployment package holding ``files`` (name -> source)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, source in files.items():
            # A fixed timestamp: the same files make the same zip, and the same CodeSha256.
            archive.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), source)
    return buffer.getvalue()


def handler_zip(marker: str = "1") -> bytes:
    return zipped(
        {"handler.py": f"VERSION = {marker!r}\n\ndef handler(event, context):\n    return event\n"}
    )


def active_function(lam: Any, name: str) -> None:
    """Create ``name`` (python3.12, an echo handler) and wait until it is Active."""
    lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=ROLE,
        Handler="handler.handler",
        Code={"ZipFile": handler_zip()},
    )
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
