"""Event source mapping records through boto3: states, updates, listing, AWS's errors."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.e2e.conftest import make_client
from tests.support.aws_errors import ACCOUNT, arn, error
from tests.support.server import LambdaliteServer, running_server

from .conftest import ROLE, handler_zip

QUEUES = f"arn:aws:sqs:us-east-1:{ACCOUNT}"
NOT_EXIST = ("ResourceNotFoundException", "The resource you requested does not exist.", 404)
IN_USE = (
    "ResourceInUseException",
    "Cannot update the event source mapping because it is in use.",
    400,
)
DEADLINE = 15.0


def invalid(message: str) -> tuple[str, str, int]:
    return ("InvalidParameterValueException", message, 400)


def queue(request: pytest.FixtureRequest, suffix: str = "") -> str:
    """The ARN of a queue unique to the test (mappings are per account, tests share the
    server), created if need be: a mapping's queue must exist."""
    name = "".join(c if c.isalnum() else "-" for c in request.node.name)[:60] + suffix
    server: LambdaliteServer = request.getfixturevalue("server")
    make_client(server.endpoint, "sqs").create_queue(QueueName=name)
    return f"{QUEUES}:{name}"


def settled(lam: Any, mapping_id: str, state: str, within: float = DEADLINE) -> dict[str, Any]:
    """Poll until the mapping reaches ``state``; its description then."""
    deadline = time.monotonic() + within
    while True:
        mapping: dict[str, Any] = lam.get_event_source_mapping(UUID=mapping_id)
        if mapping["State"] == state or time.monotonic() > deadline:
            assert mapping["State"] == state
            return mapping
        time.sleep(0.05)


def gone(lam: Any, mapping_id: str) -> None:
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        try:
            assert lam.get_event_source_mapping(UUID=mapping_id)["State"] == "Deleting"
        except ClientError as raised:
            assert raised.response["Error"]["Code"] == "ResourceNotFoundException"
            return
        time.sleep(0.05)
    pytest.fail(f"mapping {mapping_id} was not deleted")


def test_created_with_aws_defaults_then_enabled(
    lam: Any, function: Callable[..., str], request: pytest.FixtureRequest
) -> None:
    name = function()
    created = lam.create_event_source_mapping(EventSourceArn=queue(request), FunctionName=name)
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 202
    mapping_id = created["UUID"]
    assert created["EventSourceMappingArn"] == (
        f"arn:aws:lambda:us-east-1:{ACCOUNT}:event-source-mapping:{mapping_id}"
    )
    assert (created["BatchSize"], created["MaximumBatchingWindowInSeconds"]) == (10, 0)
    assert created["FunctionArn"] == arn(name)
    assert created["FunctionResponseTypes"] == []
    assert (created["State"], created["StateTransitionReason"]) == ("Creating", "USER_INITIATED")
    assert isinstance(created["LastModified"], datetime)

    enabled = settled(lam, mapping_id, "Enabled")
    expected = {k: v for k, v in created.items() if k not in ("State", "ResponseMetadata")}
    assert {k: v for k, v in enabled.items() if k not in ("State", "ResponseMetadata")} == expected


def test_disabling_and_enabling(
    lam: Any, function: Callable[..., str], request: pytest.FixtureRequest
) -> None:
    name = function()
    created = lam.create_event_source_mapping(
        EventSourceArn=queue(request), FunctionName=name, Enabled=False
    )
    mapping_id = created["UUID"]
    settled(lam, mapping_id, "Disabled")
    enabling = lam.update_event_source_mapping(UUID=mapping_id, Enabled=True)
    assert enabling["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert enabling["State"] == "Enabling"
    settled(lam, mapping_id, "Enabled")
    assert lam.update_event_source_mapping(UUID=mapping_id, Enabled=False)["State"] == "Disabling"
    settled(lam, mapping_id, "Disabled")


def test_update_changes_settings(
    lam: Any, function: Callable[..., str], request: pytest.FixtureRequest
) -> None:
    name, other = function(), function()
    created = lam.create_event_source_mapping(EventSourceArn=queue(request), FunctionName=name)
    mapping_id = created["UUID"]
    settled(lam, mapping_id, "Enabled")
    filters = {"Filters": [{"Pattern": '{"body": {"kind": ["order"]}}'}]}
    updated = lam.update_event_source_mapping(
        UUID=mapping_id,
        FunctionName=other,
        BatchSize=100,
        MaximumBatchingWindowInSeconds=5,
        FunctionResponseTypes=["ReportBatchItemFailures"],
        FilterCriteria=filters,
        ScalingConfig={"MaximumConcurrency": 5},
    )
    assert updated["State"] == "Updating"
    assert updated["LastModified"] >= created["LastModified"]
    described = settled(lam, mapping_id, "Enabled")
    assert described["FunctionArn"] == arn(other)
    assert (described["BatchSize"], described["MaximumBatchingWindowInSeconds"]) == (100, 5)
    assert described["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert described["FilterCriteria"] == filters
    assert described["ScalingConfig"] == {"MaximumConcurrency": 5}
    update = lam.update_event_source_mapping
    refused = error(lambda: update(UUID=mapping_id, BatchSize=20, MaximumBatchingWindowInSeconds=0))
    assert refused == invalid(
        "Maximum batch window in seconds must be greater than 0 if maximum batch size is "
        "greater than 10"
    )


def test_delete_goes_through_deleting(
    lam: Any, function: Callable[..., str], request: pytest.FixtureRequest
) -> None:
    name = function()
    created = lam.create_event_source_mapping(EventSourceArn=queue(request), FunctionName=name)
    settled(lam, created["UUID"], "Enabled")
    deleted = lam.delete_event_source_mapping(UUID=created["UUID"])
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert deleted["State"] == "Deleting"
    assert deleted["UUID"] == created["UUID"]
    gone(lam, created["UUID"])
    again = lam.create_event_source_mapping(EventSourceArn=queue(request), FunctionName=name)
    assert again["UUID"] != created["UUID"]


def test_mappings_outlive_their_function(
    lam: Any, function: Callable[..., str], request: pytest.FixtureRequest
) -> None:
    name = function()
    created = lam.create_event_source_mapping(EventSourceArn=queue(request), FunctionName=name)
    lam.delete_function(FunctionName=name)
    assert lam.get_event_source_mapping(UUID=created["UUID"])["FunctionArn"] == arn(name)


def test_duplicate_mapping_is_refused(
    lam: Any, function: Callable[..., str], request: pytest.FixtureRequest
) -> None:
    name, other = function(), function()
    source = queue(request)
    first = lam.create_event_source_mapping(EventSourceArn=source, FunctionName=name)
    for form in (name, arn(name)):
        assert error(
            lambda form=form: lam.create_event_source_mapping(
                EventSourceArn=source, FunctionName=form
            )
        ) == (
            "ResourceConflictException",
            f'An event source mapping with SQS arn (" {source} ") and function (" {name} ") '
            "already exists. Please update or delete the existing mapping with UUID "
            f"{first['UUID']}",
            409,
        )
    lam.create_event_source_mapping(EventSourceArn=source, FunctionName=other)
    lam.create_event_source_mapping(EventSourceArn=queue(request, "-2"), FunctionName=name)
    settled(lam, first["UUID"], "Enabled")
    moved = error(lambda: lam.update_event_source_mapping(UUID=first["UUID"], FunctionName=other))
    assert moved[0] == "ResourceConflictException"


def test_function_must_exist(
    lam: Any, function: Callable[..., str], request: pytest.FixtureRequest
) -> None:
    name = function()
    lam.publish_version(FunctionName=name)
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    create = lam.create_event_source_mapping
    missing = invalid("Function does not exist")
    for target in ("no-such-esm-fn", f"{name}:7", f"{name}:nope"):
        assert error(lambda t=target: create(EventSourceArn=queue(request), FunctionName=t)) == (
            missing
        )
    for index, qualifier in enumerate(("1", "live", "$LATEST")):
        target = f"{name}:{qualifier}"
        created = create(EventSourceArn=queue(request, f"-{index}"), FunctionName=target)
        assert created["FunctionArn"] == arn(name, qualifier)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"BatchSize": 11},
            "Maximum batch window in seconds must be greater than 0 if maximum batch size is "
            "greater than 10",
        ),
        (
            {"EventSourceArn": f"{QUEUES}:orders.fifo", "MaximumBatchingWindowInSeconds": 1},
            "Batching window is not supported for FIFO queues",
        ),
        ({"StartingPosition": "LATEST"}, "StartingPosition is not valid for SQS event sources."),
        (
            {"ParallelizationFactor": 2},
            "Unsupported ParallelizationFactor parameter for given event source mapping type.",
        ),
        (
            {"MaximumRetryAttempts": 2},
            "Unsupported MaximumRetryAttempts parameter for given event source mapping type.",
        ),
        (
            {"FilterCriteria": {"Filters": [{"Pattern": "not json"}]}},
            "Invalid filter pattern definition.",
        ),
        (
            {"EventSourceArn": f"arn:aws:sns:us-east-1:{ACCOUNT}:topic"},
            "Unrecognized event source.",
        ),
        (
            {"EventSourceArn": f"arn:aws:kinesis:us-east-1:{ACCOUNT}:stream/s"},
            "lambdalite has no Amazon Kinesis: only Amazon SQS queues can be event sources of a "
            "mapping.",
        ),
        (
            {
                "EventSourceArn": f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/t/stream/2024",
                "StartingPosition": "LATEST",
            },
            "lambdalite has no Amazon DynamoDB Streams: only Amazon SQS queues can be event "
            "sources of a mapping.",
        ),
    ],
    ids=[
        "batch-without-window",
        "fifo-window",
        "starting-position",
        "parallelization",
        "retries",
        "filter",
        "sns",
        "kinesis",
        "dynamodb",
    ],
)
def test_invalid_parameters(
    lam: Any, function: Callable[..., str], overrides: dict[str, Any], message: str
) -> None:
    params = {"EventSourceArn": f"{QUEUES}:invalid-params", "FunctionName": function()}
    params.update(overrides)
    assert error(lambda: lam.create_event_source_mapping(**params)) == invalid(message)


def test_model_constraints(lam: Any, function: Callable[..., str]) -> None:
    name = function()
    code, message, status = error(
        lambda: lam.create_event_source_mapping(
            EventSourceArn=f"{QUEUES}:model", FunctionName=name, BatchSize=10001
        )
    )
    assert (code, status) == ("ValidationException", 400)
    assert message == (
        "1 validation error detected: Value '10001' at 'batchSize' failed to satisfy constraint: "
        "Member must have value less than or equal to 10000"
    )


def test_unknown_mapping(lam: Any) -> None:
    unknown = "00000000-0000-4000-8000-000000000000"
    assert error(lambda: lam.get_event_source_mapping(UUID=unknown)) == NOT_EXIST
    assert error(lambda: lam.update_event_source_mapping(UUID=unknown, BatchSize=5)) == NOT_EXIST
    assert error(lambda: lam.delete_event_source_mapping(UUID=unknown)) == NOT_EXIST


def test_list_filters_and_pages(
    lam: Any, function: Callable[..., str], request: pytest.FixtureRequest
) -> None:
    name, other = function(), function()
    source, second = queue(request), queue(request, "-2")
    ids = {
        (name, source): lam.create_event_source_mapping(EventSourceArn=source, FunctionName=name),
        (other, source): lam.create_event_source_mapping(EventSourceArn=source, FunctionName=other),
        (name, second): lam.create_event_source_mapping(EventSourceArn=second, FunctionName=name),
    }
    ids = {key: created["UUID"] for key, created in ids.items()}

    def listed(**filters: Any) -> set[str]:
        pages = lam.get_paginator("list_event_source_mappings").paginate(
            **filters, PaginationConfig={"PageSize": 1}
        )
        return {m["UUID"] for result in pages for m in result["EventSourceMappings"]}

    assert listed(EventSourceArn=source) == {ids[name, source], ids[other, source]}
    assert listed(FunctionName=name) == {ids[name, source], ids[name, second]}
    assert listed(FunctionName=arn(other)) == {ids[other, source]}
    assert listed(EventSourceArn=second, FunctionName=name) == {ids[name, second]}
    assert set(ids.values()) <= listed()


@pytest.fixture(scope="module")
def slow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LambdaliteServer]:
    """A server whose transitions last long enough to meet a mapping in one."""
    env = {"LAMBDALITE_LAMBDA_STATE_TRANSITION_SECONDS": "2"}
    with running_server(tmp_path_factory.mktemp("slow") / "data", env=env) as started:
        yield started


def test_no_update_while_in_transition(slow_server: LambdaliteServer) -> None:
    lam = make_client(slow_server.endpoint, "lambda", parameter_validation=False)
    lam.create_function(
        FunctionName="slow-esm",
        Runtime="python3.12",
        Role=ROLE,
        Handler="handler.handler",
        Code={"ZipFile": handler_zip()},
    )
    make_client(slow_server.endpoint, "sqs").create_queue(QueueName="slow")
    created = lam.create_event_source_mapping(
        EventSourceArn=f"{QUEUES}:slow", FunctionName="slow-esm"
    )
    mapping_id = created["UUID"]
    assert error(lambda: lam.update_event_source_mapping(UUID=mapping_id, BatchSize=5)) == IN_USE
    assert lam.delete_event_source_mapping(UUID=mapping_id)["State"] == "Deleting"
    assert error(lambda: lam.delete_event_source_mapping(UUID=mapping_id)) == IN_USE
    gone(lam, mapping_id)


def test_transition_finishes_after_a_restart(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {"LAMBDALITE_LAMBDA_STATE_TRANSITION_SECONDS": "30"}
    with running_server(data, env=env) as first:
        lam = make_client(first.endpoint, "lambda")
        lam.create_function(
            FunctionName="restart-esm",
            Runtime="python3.12",
            Role=ROLE,
            Handler="handler.handler",
            Code={"ZipFile": handler_zip()},
        )
        make_client(first.endpoint, "sqs").create_queue(QueueName="restart")
        created = lam.create_event_source_mapping(
            EventSourceArn=f"{QUEUES}:restart", FunctionName="restart-esm"
        )
        first.stop()
    with running_server(data) as second:
        lam = make_client(second.endpoint, "lambda")
        settled(lam, created["UUID"], "Enabled", within=5.0)
