"""Nothing acknowledged is lost: Lambda state across a clean restart and across kill -9."""

from __future__ import annotations

import signal
import urllib.request
from pathlib import Path
from typing import Any

from tests.conformance.conftest import ROLE, handler_zip
from tests.support.server import LambdaliteServer, running_server

from .conftest import make_client


def _everything(lam: Any) -> dict[str, Any]:
    """What a client can read back about the function and all that hangs off it."""
    strip = lambda response: {k: v for k, v in response.items() if k != "ResponseMetadata"}  # noqa: E731
    return {
        "function": strip(lam.get_function(FunctionName="kept")),
        "versions": lam.list_versions_by_function(FunctionName="kept")["Versions"],
        "alias": strip(lam.get_alias(FunctionName="kept", Name="live")),
        "policy": strip(lam.get_policy(FunctionName="kept", Qualifier="live")),
        "concurrency": strip(lam.get_function_concurrency(FunctionName="kept")),
        "invoke_config": strip(lam.get_function_event_invoke_config(FunctionName="kept")),
        "url": strip(lam.get_function_url_config(FunctionName="kept", Qualifier="live")),
        "layer": strip(lam.get_layer_version(LayerName="kept-layer", VersionNumber=1)),
        "mappings": lam.list_event_source_mappings(FunctionName="kept")["EventSourceMappings"],
        "tags": lam.list_tags(Resource="arn:aws:lambda:us-east-1:000000000000:function:kept")[
            "Tags"
        ],
    }


def _without_signed_urls(state: dict[str, Any]) -> dict[str, Any]:
    """Code download URLs are signed per request (they expire), and a function URL carries the
    port the client used (another ephemeral port after the restart); all else must be equal."""
    state["function"]["Code"].pop("Location")
    state["layer"]["Content"].pop("Location")
    state["url"]["FunctionUrl"] = state["url"]["FunctionUrl"].rsplit(":", 1)[0]
    return state


def test_state_survives_a_restart(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with running_server(data_dir) as first:
        lam: Any = make_client(first.endpoint, "lambda")
        lam.publish_layer_version(LayerName="kept-layer", Content={"ZipFile": handler_zip("layer")})
        lam.create_function(
            FunctionName="kept",
            Runtime="python3.12",
            Role=ROLE,
            Handler="handler.handler",
            Code={"ZipFile": handler_zip("1")},
            Tags={"team": "a"},
            Layers=["arn:aws:lambda:us-east-1:000000000000:layer:kept-layer:1"],
        )
        lam.publish_version(FunctionName="kept", Description="one")
        lam.update_function_configuration(
            FunctionName="kept", MemorySize=256, Environment={"Variables": {"KEY": "v"}}
        )
        lam.get_waiter("function_updated_v2").wait(FunctionName="kept")
        lam.create_alias(FunctionName="kept", Name="live", FunctionVersion="1")
        lam.add_permission(
            FunctionName="kept",
            Qualifier="live",
            StatementId="s3",
            Action="lambda:InvokeFunction",
            Principal="s3.amazonaws.com",
        )
        lam.put_function_concurrency(FunctionName="kept", ReservedConcurrentExecutions=5)
        lam.put_function_event_invoke_config(FunctionName="kept", MaximumRetryAttempts=1)
        lam.create_function_url_config(FunctionName="kept", Qualifier="live", AuthType="NONE")
        make_client(first.endpoint, "sqs").create_queue(QueueName="queue")
        lam.create_event_source_mapping(
            FunctionName="kept",
            EventSourceArn="arn:aws:sqs:us-east-1:000000000000:queue",
            BatchSize=5,
        )
        before = _without_signed_urls(_everything(lam))
        assert first.stop() == 0
    with running_server(data_dir) as second:
        lam = make_client(second.endpoint, "lambda")
        after = lam.get_function(FunctionName="kept")
        with urllib.request.urlopen(after["Code"]["Location"], timeout=10) as response:
            assert response.read() == handler_zip("1")
        assert _without_signed_urls(_everything(lam)) == before


def test_kill_9_after_an_acknowledged_create_loses_nothing(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    # The first server keeps the function Pending for long enough to be killed in that state.
    first = LambdaliteServer(data_dir, env={"LAMBDALITE_LAMBDA_STATE_TRANSITION_SECONDS": "600"})
    try:
        lam: Any = make_client(first.endpoint, "lambda")
        created = lam.create_function(
            FunctionName="survivor",
            Runtime="python3.12",
            Role=ROLE,
            Handler="handler.handler",
            Code={"ZipFile": handler_zip("k")},
        )
        assert created["State"] == "Pending"
    finally:  # killed in any case: a failed check must not leave the server running
        first.stop(signal.SIGKILL)
    with running_server(data_dir) as second:
        lam = make_client(second.endpoint, "lambda")
        lam.get_waiter("function_active_v2").wait(
            FunctionName="survivor"
        )  # the restart finishes it
        configuration = lam.get_function_configuration(FunctionName="survivor")
        assert configuration["CodeSha256"] == created["CodeSha256"]
        assert configuration["State"] == "Active"
        assert (data_dir / "code").is_dir()
