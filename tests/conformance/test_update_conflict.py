"""Recorded 05: an update while another is in progress is refused with 409.

On AWS an update stays InProgress for about a second; lambdalite finishes as soon as the code
is unpacked, so this server holds every transition for a while
(LAMBDALITE_LAMBDA_STATE_TRANSITION_SECONDS) to give the second request a window that is
certain, not a race.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.e2e.conftest import make_client
from tests.support.server import LambdaliteServer, running_server

from .conftest import ROLE, handler_zip
from .snapshot import Snapshot, recorded


@pytest.fixture(scope="module")
def slow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LambdaliteServer]:
    env = {"LAMBDALITE_LAMBDA_STATE_TRANSITION_SECONDS": "3"}
    with running_server(tmp_path_factory.mktemp("slow") / "data", env=env) as started:
        yield started


def test_05_update_in_progress_conflict(slow_server: LambdaliteServer) -> None:
    lam: Any = make_client(slow_server.endpoint, "lambda")
    snapshot = Snapshot()
    created = lam.create_function(
        FunctionName="conflict-fn",
        Runtime="python3.12",
        Role=ROLE,
        Handler="handler.handler",
        Code={"ZipFile": handler_zip()},
    )
    snapshot.match(recorded("05_update_in_progress_conflict", "create-function-response"), created)
    lam.get_waiter("function_active_v2").wait(FunctionName="conflict-fn")
    lam.update_function_code(FunctionName="conflict-fn", ZipFile=handler_zip("2"))
    with pytest.raises(ClientError) as raised:
        lam.update_function_code(FunctionName="conflict-fn", ZipFile=handler_zip("3"))
    snapshot.match(
        recorded("05_update_in_progress_conflict", "update-during-in-progress-update-exc"),
        raised.value.response,
    )


def test_pending_function_refuses_changes(slow_server: LambdaliteServer) -> None:
    lam: Any = make_client(slow_server.endpoint, "lambda")
    lam.create_function(
        FunctionName="pending-fn",
        Runtime="python3.12",
        Role=ROLE,
        Handler="handler.handler",
        Code={"ZipFile": handler_zip()},
    )
    for call in (
        lambda: lam.update_function_configuration(FunctionName="pending-fn", Timeout=5),
        lambda: lam.publish_version(FunctionName="pending-fn"),
    ):
        with pytest.raises(ClientError) as raised:
            call()
        assert raised.value.response["Error"] == {
            "Code": "ResourceConflictException",
            "Message": "The operation cannot be performed at this time. The function is currently in the following state: Pending",
        }
    lam.get_waiter("function_active_v2").wait(FunctionName="pending-fn")
