"""Recorded EventBridge scenarios: an event a rule routes to a function (aws-recorded 38) and a
scheduled rule's events delivered to a queue (aws-recorded 39).

The server's schedule clock runs 120 times real time, so the recording's two minutes of
``rate(1 minute)`` pass in a second; nothing else the recordings show changes with it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.conftest import make_client
from tests.support.server import LambdaliteServer, running_server

from .conftest import ROLE, zipped
from .snapshot import Snapshot, recorded

DEADLINE = 60.0
FAST_CLOCK = {"LAMBDALITE_SCHEDULE_CLOCK_SPEED": "120"}

# localstack's test_events_targets.py::test_put_events_with_target_lambda (EVENT_DETAIL and
# TEST_EVENT_PATTERN of its test_events.py).
DETAIL = {"command": "update-account", "payload": {"acc_id": "0a787ecb-4015", "sf_id": "baz"}}
PATTERN = {
    "source": ["core.update-account-command"],
    "detail-type": ["core.update-account-command"],
    "detail": {"command": ["update-account"]},
}
FORWARDER = """
import json, os
import boto3

def handler(event, context):
    boto3.client("sqs").send_message(QueueUrl=os.environ["RESULTS"], MessageBody=json.dumps(event))
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LambdaliteServer]:
    data_dir = tmp_path_factory.mktemp("events-conformance") / "data"
    with running_server(data_dir, env=FAST_CLOCK) as started:
        yield started


@pytest.fixture
def events(server: LambdaliteServer) -> Any:
    return make_client(server.endpoint, "events")


@pytest.fixture
def sqs(server: LambdaliteServer) -> Any:
    return make_client(server.endpoint, "sqs")


def queue(sqs: Any, name: str) -> tuple[str, str]:
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return url, arn["Attributes"]["QueueArn"]


def collect(sqs: Any, url: str, count: int) -> list[dict[str, Any]]:
    """``count`` messages, one receive at a time, bodies parsed (as the recordings keep them)."""
    got: list[dict[str, Any]] = []
    deadline = time.monotonic() + DEADLINE
    while len(got) < count and time.monotonic() < deadline:
        for message in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages", []):
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            got.append({**message, "Body": json.loads(message["Body"])})
    assert len(got) == count, f"{len(got)} of {count} messages arrived"
    return got


def test_38_a_rule_routes_the_event_to_a_function(
    lam: Any, events: Any, sqs: Any, snapshot: Snapshot
) -> None:
    results_url, _ = queue(sqs, "c38-results")
    function = lam.create_function(
        FunctionName="c38-target",
        Runtime="python3.12",
        Role=ROLE,
        Handler="handler.handler",
        Code={"ZipFile": zipped({"handler.py": FORWARDER})},
        Environment={"Variables": {"RESULTS": results_url}},
    )
    lam.get_waiter("function_active_v2").wait(FunctionName="c38-target")
    events.create_event_bus(Name="c38-bus")
    rule_arn = events.put_rule(
        Name="c38-rule", EventBusName="c38-bus", EventPattern=json.dumps(PATTERN)
    )["RuleArn"]
    lam.add_permission(
        FunctionName="c38-target",
        StatementId="events",
        Action="lambda:InvokeFunction",
        Principal="events.amazonaws.com",
        SourceArn=rule_arn,
    )
    events.put_targets(
        Rule="c38-rule",
        EventBusName="c38-bus",
        Targets=[{"Id": "c38", "Arn": function["FunctionArn"]}],
    )
    entry = {
        "EventBusName": "c38-bus",
        "Source": "core.update-account-command",
        "DetailType": "core.update-account-command",
        "Detail": json.dumps(DETAIL),
    }
    assert events.put_events(Entries=[entry])["FailedEntryCount"] == 0
    received = [message["Body"] for message in collect(sqs, results_url, 1)]
    snapshot.match(recorded("38_eventbridge_to_lambda_event", "events"), received)


def test_39_a_rate_rule_delivers_scheduled_events(
    events: Any, sqs: Any, snapshot: Snapshot
) -> None:
    put = events.put_rule(Name="c39-rule", ScheduleExpression="rate(1 minute)")
    snapshot.match(recorded("39_eventbridge_schedule_event", "put-rule", 0), put)
    listed = events.list_rules(NamePrefix="c39-rule")
    snapshot.match(recorded("39_eventbridge_schedule_event", "list-rules", 0), listed)

    url, arn = queue(sqs, "c39-queue")
    events.put_targets(Rule="c39-rule", Targets=[{"Id": "c39-target", "Arn": arn}])
    targets = events.list_targets_by_rule(Rule="c39-rule")
    expected = recorded("39_eventbridge_schedule_event", "list-targets", 1)
    # The recording lost the closing bracket of its queue-name placeholder.
    expected["Targets"][0]["Arn"] = expected["Targets"][0]["Arn"].replace(
        "<queue-name", "<queue-name>"
    )
    snapshot.match(expected, targets)
    first, second = collect(sqs, url, 1), collect(sqs, url, 1)
    snapshot.match(recorded("39_eventbridge_schedule_event", "messages-first", 1), first)
    snapshot.match(recorded("39_eventbridge_schedule_event", "messages-second", 1), second)
    events.remove_targets(Rule="c39-rule", Ids=["c39-target"])
