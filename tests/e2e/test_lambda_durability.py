"""Nothing acknowledged is lost: Lambda state across a clean restart and across kill -9."""

from __future__ import annotations

import signal
import urllib.request
from pathlib import Path
from typing import Any

from tests.conformance.conftest import ROLE, handler_zip
from tests.support.server import LambdaliteServer, running_server

from .conftest import make_client


def test_state_survives_a_restart(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with running_server(data_dir) as first:
        lam: Any = make_client(first.endpoint, "lambda")
        lam.create_function(FunctionName="kept", Runtime="python3.12", Role=ROLE, Handler="handler.handler", Code={"ZipFile": handler_zip("1")}, Tags={"team": "a"})
        lam.get_waiter("function_active_v2").wait(FunctionName="kept")
        lam.publish_version(FunctionName="kept", Description="one")
        lam.update_function_configuration(FunctionName="kept", MemorySize=256, Environment={"Variables": {"KEY": "v"}})
        lam.get_waiter("function_updated_v2").wait(FunctionName="kept")
        before = lam.get_function(FunctionName="kept")
        versions_before = lam.list_versions_by_function(FunctionName="kept")["Versions"]
        assert first.stop() == 0
    with running_server(data_dir) as second:
        lam = make_client(second.endpoint, "lambda")
        after = lam.get_function(FunctionName="kept")
        assert after["Configuration"] == before["Configuration"]
        assert after["Tags"] == {"team": "a"}
        assert lam.list_versions_by_function(FunctionName="kept")["Versions"] == versions_before
        with urllib.request.urlopen(after["Code"]["Location"], timeout=10) as response:
            assert response.read() == handler_zip("1")


def test_kill_9_after_an_acknowledged_create_loses_nothing(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    # The first server keeps the function Pending for long enough to be killed in that state.
    first = LambdaliteServer(data_dir, env={"LAMBDALITE_LAMBDA_STATE_TRANSITION_SECONDS": "600"})
    lam: Any = make_client(first.endpoint, "lambda")
    created = lam.create_function(FunctionName="survivor", Runtime="python3.12", Role=ROLE, Handler="handler.handler", Code={"ZipFile": handler_zip("k")})
    assert created["State"] == "Pending"
    first.stop(signal.SIGKILL)
    with running_server(data_dir) as second:
        lam = make_client(second.endpoint, "lambda")
        lam.get_waiter("function_active_v2").wait(FunctionName="survivor")  # the restart finishes it
        configuration = lam.get_function_configuration(FunctionName="survivor")
        assert configuration["CodeSha256"] == created["CodeSha256"]
        assert configuration["State"] == "Active"
        assert (data_dir / "code").is_dir()
