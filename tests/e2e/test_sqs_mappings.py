"""SQS event source mappings end to end: filters, partial batch answers, function errors,
disabling, scaling out with a backlog, and mappings that keep polling after a restart."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conformance.conftest import ROLE, zipped
from tests.support.server import LambdaliteServer, running_server

from .conftest import make_client

DEADLINE = 60.0

# Reports every event to a result queue; fails (raises) on a body "raise", reports the
# records whose body is "fail" as batch item failures, sleeps on "slow".
HANDLER = """
import json, os, time
import boto3

sqs = boto3.client("sqs")


def handler(event, context):
    bodies = [r["body"] for r in event["Records"]]
    if "slow" in bodies:
        time.sleep(0.5)
    sqs.send_message(QueueUrl=os.environ["RESULTS"], MessageBody=json.dumps(event))
    if "raise" in bodies:
        raise RuntimeError("failing on purpose")
    failed = [r["messageId"] for r in event["Records"] if r["body"] == "fail"]
    return {"batchItemFailures": [{"itemIdentifier": i} for i in failed]}
"""


class Setup:
    """A source queue, a result queue and a function reporting to it, per test."""

    def __init__(self, server: LambdaliteServer, name: str) -> None:
        self.server = server
        self.lam = make_client(server.endpoint, "lambda")
        self.sqs = make_client(server.endpoint, "sqs")
        self.name = name
        self.results = self.sqs.create_queue(QueueName=f"{name}-results")["QueueUrl"]
        self.source = self.sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "1"})[
            "QueueUrl"
        ]
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=self.source, AttributeNames=["QueueArn"]
        )
        self.arn = attributes["Attributes"]["QueueArn"]
        self.lam.create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role=ROLE,
            Handler="handler.handler",
            Code={"ZipFile": zipped({"handler.py": HANDLER})},
            Timeout=1,
            # By name: SQS resolves a bare name, and the name outlives the server's port.
            Environment={"Variables": {"RESULTS": f"{name}-results"}},
        )
        self.lam.get_waiter("function_active_v2").wait(FunctionName=name)

    def map(self, **options: Any) -> str:
        mapping = self.lam.create_event_source_mapping(
            EventSourceArn=self.arn, FunctionName=self.name, **options
        )
        return str(mapping["UUID"])

    def send(self, *bodies: str, **options: Any) -> None:
        for body in bodies:
            self.sqs.send_message(QueueUrl=self.source, MessageBody=body, **options)

    def events(self, count: int, within: float = DEADLINE) -> list[dict[str, Any]]:
        """The next ``count`` events the function reported."""
        got: list[dict[str, Any]] = []
        deadline = time.monotonic() + within
        while len(got) < count and time.monotonic() < deadline:
            answer = self.sqs.receive_message(
                QueueUrl=self.results, MaxNumberOfMessages=10, WaitTimeSeconds=1
            )
            for message in answer.get("Messages", []):
                self.sqs.delete_message(
                    QueueUrl=self.results, ReceiptHandle=message["ReceiptHandle"]
                )
                got.append(json.loads(message["Body"]))
        assert len(got) >= count, f"{len(got)} of {count} events arrived"
        return got

    def no_events(self, within: float) -> None:
        """Nothing is reported for ``within`` seconds."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            answer = self.sqs.receive_message(QueueUrl=self.results, WaitTimeSeconds=1)
            assert "Messages" not in answer, answer["Messages"]

    def left_in_source(self) -> int:
        attributes = self.sqs.get_queue_attributes(QueueUrl=self.source, AttributeNames=["All"])[
            "Attributes"
        ]
        return sum(
            int(attributes[k])
            for k in (
                "ApproximateNumberOfMessages",
                "ApproximateNumberOfMessagesNotVisible",
                "ApproximateNumberOfMessagesDelayed",
            )
        )

    def until_empty(self) -> None:
        until(lambda: self.left_in_source() == 0, "the source queue to empty")


def until(condition: Callable[[], bool], what: str, within: float = DEADLINE) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, f"waited in vain for {what}"
        time.sleep(0.05)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Any:
    with running_server(tmp_path_factory.mktemp("mappings") / "data") as started:
        yield started


@pytest.fixture
def setup(server: LambdaliteServer, request: pytest.FixtureRequest) -> Setup:
    return Setup(server, "m-" + request.node.name.replace("_", "-")[5:50])


def bodies(events: list[dict[str, Any]]) -> list[str]:
    return sorted(r["body"] for e in events for r in e["Records"])


def test_a_message_invokes_the_function_and_is_deleted(setup: Setup) -> None:
    setup.map()
    setup.send(
        "hello", MessageAttributes={"kind": {"DataType": "String", "StringValue": "greeting"}}
    )
    record = setup.events(1)[0]["Records"][0]
    assert record["body"] == "hello"
    assert record["messageAttributes"] == {
        "kind": {
            "stringValue": "greeting",
            "stringListValues": [],
            "binaryListValues": [],
            "dataType": "String",
        }
    }
    assert record["md5OfMessageAttributes"] is not None
    assert record["eventSourceARN"] == setup.arn
    setup.until_empty()


def test_filtered_out_messages_are_deleted_unseen(setup: Setup) -> None:
    setup.map(FilterCriteria={"Filters": [{"Pattern": json.dumps({"body": {"kind": ["order"]}})}]})
    setup.send(json.dumps({"kind": "noise"}), "not json", json.dumps({"kind": "order", "n": 1}))
    events = setup.events(1)
    assert [json.loads(b) for b in bodies(events)] == [{"kind": "order", "n": 1}]
    setup.until_empty()
    setup.no_events(within=1.0)


def test_partial_batch_failures_keep_only_the_failed_messages(setup: Setup) -> None:
    setup.map(FunctionResponseTypes=["ReportBatchItemFailures"], BatchSize=10)
    setup.sqs.send_message_batch(
        QueueUrl=setup.source,
        Entries=[{"Id": str(i), "MessageBody": b} for i, b in enumerate(["ok", "fail", "ok2"])],
    )
    seen: list[str] = []
    # "fail" keeps coming back (the queue has no redrive policy); the others are done once.
    until(lambda: seen.extend(bodies(setup.events(1))) or seen.count("fail") >= 2, "a retry")
    assert seen.count("ok") == 1 and seen.count("ok2") == 1


def test_a_function_error_leaves_the_whole_batch(setup: Setup) -> None:
    dlq = setup.sqs.create_queue(QueueName=f"{setup.name}-dlq")["QueueUrl"]
    dlq_arn = setup.sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])
    policy = {"deadLetterTargetArn": dlq_arn["Attributes"]["QueueArn"], "maxReceiveCount": 2}
    setup.sqs.set_queue_attributes(
        QueueUrl=setup.source, Attributes={"RedrivePolicy": json.dumps(policy)}
    )
    setup.map()
    setup.send("raise")
    attempts = setup.events(2)
    assert bodies(attempts) == ["raise", "raise"]
    counts = [e["Records"][0]["attributes"]["ApproximateReceiveCount"] for e in attempts]
    assert counts == ["1", "2"]

    def dead_lettered() -> bool:
        return "Messages" in setup.sqs.receive_message(QueueUrl=dlq, WaitTimeSeconds=1)

    until(dead_lettered, "the message in the dead-letter queue")


def test_a_disabled_mapping_does_not_poll(setup: Setup) -> None:
    mapping = setup.map(Enabled=False)
    setup.send("waiting")
    setup.no_events(within=1.5)
    assert setup.left_in_source() == 1
    setup.lam.update_event_source_mapping(UUID=mapping, Enabled=True)
    assert bodies(setup.events(1)) == ["waiting"]


def test_a_backlog_is_worked_on_concurrently(setup: Setup, server: LambdaliteServer) -> None:
    # Long enough that no message comes back while its slow invocation runs on a busy host.
    setup.sqs.set_queue_attributes(QueueUrl=setup.source, Attributes={"VisibilityTimeout": "30"})
    setup.map(BatchSize=1)
    for start in range(0, 40, 10):
        entries = [{"Id": str(i), "MessageBody": "slow"} for i in range(start, start + 10)]
        setup.sqs.send_message_batch(QueueUrl=setup.source, Entries=entries)
    peak = 0

    def busy_environments() -> int:
        nonlocal peak
        with urllib.request.urlopen(f"{server.endpoint}/_lambdalite/health") as answer:
            peak = max(peak, json.load(answer)["execution"]["environments"])
        return peak

    until(lambda: busy_environments() > 1, "a second concurrent invocation")
    setup.until_empty()


def test_mappings_resume_after_a_restart(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with running_server(data_dir) as first:
        setup = Setup(first, "m-restart")
        setup.map()
        setup.send("before")
        assert bodies(setup.events(1)) == ["before"]
    with running_server(data_dir) as second:
        sqs = make_client(second.endpoint, "sqs")
        source = sqs.get_queue_url(QueueName="m-restart")["QueueUrl"]
        results = sqs.get_queue_url(QueueName="m-restart-results")["QueueUrl"]
        sqs.send_message(QueueUrl=source, MessageBody="after")
        deadline = time.monotonic() + DEADLINE
        seen: list[str] = []
        while "after" not in seen and time.monotonic() < deadline:
            for message in sqs.receive_message(QueueUrl=results, WaitTimeSeconds=1).get(
                "Messages", []
            ):
                seen += [r["body"] for r in json.loads(message["Body"])["Records"]]
        assert "after" in seen
