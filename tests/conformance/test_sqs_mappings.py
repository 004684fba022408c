"""Recorded SQS event source mapping scenarios (aws-recorded 31-33): what the function receives,
batching beyond ten messages, and partial batch failures redriven to a dead-letter queue."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from tests.e2e.conftest import make_client
from tests.support.server import LambdaliteServer

from .conftest import ROLE, zipped
from .snapshot import Snapshot, recorded

DEADLINE = 60.0

# Forwards each event (and, with failing records, its partial batch answer) to a result queue.
FORWARDER = """
import json, os
import boto3

sqs = boto3.client("sqs")


def handler(event, context):
    failures = []
    for record in event["Records"]:
        try:
            body = json.loads(record["body"])
        except ValueError:
            body = None
        attempts = int(record["attributes"]["ApproximateReceiveCount"])
        if isinstance(body, dict) and attempts <= body.get("fail_attempts", 0):
            failures.append({"itemIdentifier": record["messageId"]})
    result = {"batchItemFailures": failures}
    message = {"event": event, "result": result} if os.environ.get("WRAP") else event
    sqs.send_message(QueueUrl=os.environ["RESULTS"], MessageBody=json.dumps(message))
    return result
"""


@pytest.fixture
def sqs(server: LambdaliteServer) -> Any:
    return make_client(server.endpoint, "sqs")


def forwarder(lam: Any, name: str, results_url: str, wrap: bool = False) -> str:
    variables = {"RESULTS": results_url, **({"WRAP": "1"} if wrap else {})}
    lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=ROLE,
        Handler="handler.handler",
        Code={"ZipFile": zipped({"handler.py": FORWARDER})},
        Timeout=1,
        Environment={"Variables": variables},
    )
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    return name


def queue(sqs: Any, name: str, **attributes: str) -> tuple[str, str]:
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return url, arn["Attributes"]["QueueArn"]


def collect(sqs: Any, url: str, count: int) -> list[dict[str, Any]]:
    """``count`` messages from ``url`` (deleted as read), bodies parsed."""
    got: list[dict[str, Any]] = []
    deadline = time.monotonic() + DEADLINE
    while len(got) < count and time.monotonic() < deadline:
        answer = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        for message in answer.get("Messages", []):
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            got.append({**message, "Body": json.loads(message["Body"])})
    assert len(got) == count, f"{len(got)} of {count} messages arrived"
    return got


def parsed_bodies(event: dict[str, Any]) -> dict[str, Any]:
    """The recordings show record bodies parsed (LocalStack's snapshot transformer)."""
    records = [{**r, "body": _maybe_json(r["body"])} for r in event["Records"]]
    return {**event, "Records": records}


def _maybe_json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def test_31_event_shape(lam: Any, sqs: Any, snapshot: Snapshot) -> None:
    source_url, source_arn = queue(sqs, "c31-source")
    results_url, _ = queue(sqs, "c31-results")
    function = forwarder(lam, "c31-forwarder", results_url)
    created = lam.create_event_source_mapping(
        EventSourceArn=source_arn, FunctionName=function, MaximumBatchingWindowInSeconds=1
    )
    snapshot.match(
        recorded("31_sqs_esm_event_shape", "create-event-source-mapping-response"), created
    )
    sqs.send_message(QueueUrl=source_url, MessageBody=json.dumps({"foo": "bar"}))
    events = [parsed_bodies(m["Body"]) for m in collect(sqs, results_url, 1)]
    snapshot.match(recorded("31_sqs_esm_event_shape", "events"), events)
    assert "Messages" not in sqs.receive_message(QueueUrl=source_url, VisibilityTimeout=0)


def test_32_batch_size_beyond_ten(lam: Any, sqs: Any, snapshot: Snapshot) -> None:
    source_url, source_arn = queue(sqs, "c32-source")
    results_url, _ = queue(sqs, "c32-results")
    function = forwarder(lam, "c32-forwarder", results_url)
    created = lam.create_event_source_mapping(
        EventSourceArn=source_arn,
        FunctionName=function,
        BatchSize=15,
        MaximumBatchingWindowInSeconds=2,
    )
    case = "32_sqs_esm_batch_size"
    snapshot.match(recorded(case, "create-event-source-mapping-response"), created)
    for batch, size in ((0, 10), (1, 5)):
        entries = [
            {"Id": f"{i}-{batch}", "MessageBody": f"{i}-{batch}-message-{i}"} for i in range(size)
        ]
        sent = sqs.send_message_batch(QueueUrl=source_url, Entries=entries)
        snapshot.match(recorded(case, f"send-message-batch-result-{size}"), sent)
    records: list[dict[str, Any]] = []
    deadline = time.monotonic() + DEADLINE
    while len(records) < 15 and time.monotonic() < deadline:
        for message in collect(sqs, results_url, 1):
            records += message["Body"]["Records"]
    # The recording lists the records of all batches in the order the test sorted them.
    records.sort(key=lambda r: (int(r["body"].split("-")[0]), r["body"]))
    snapshot.match(recorded(case, "Records"), records)


def test_33_report_batch_item_failures(lam: Any, sqs: Any, snapshot: Snapshot) -> None:
    # The recording used VisibilityTimeout 8 (and a function timeout within it); 1 s keeps
    # the test short and changes nothing else.
    dlq_url, dlq_arn = queue(sqs, "c33-dlq.fifo", FifoQueue="true")
    policy = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2})
    source_url, source_arn = queue(
        sqs, "c33-source.fifo", FifoQueue="true", VisibilityTimeout="1", RedrivePolicy=policy
    )
    results_url, _ = queue(sqs, "c33-results")
    function = forwarder(lam, "c33-forwarder", results_url, wrap=True)
    case = "33_sqs_esm_report_batch_item_failures"
    snapshot.match(
        recorded(case, "get_destination_queue_url"), sqs.get_queue_url(QueueName="c33-results")
    )
    entries = [
        {
            "Id": f"message-{n}",
            "MessageBody": json.dumps({"message": n, "fail_attempts": fails}),
            "MessageGroupId": "1",
            "MessageDeduplicationId": f"dedup-{n}",
        }
        for n, fails in ((1, 0), (2, 1), (3, 1), (4, 2))
    ]
    snapshot.match(
        recorded(case, "send_message_batch"),
        sqs.send_message_batch(QueueUrl=source_url, Entries=entries),
    )
    created = lam.create_event_source_mapping(
        EventSourceArn=source_arn,
        FunctionName=function,
        FunctionResponseTypes=["ReportBatchItemFailures"],
    )
    snapshot.match(recorded(case, "create_event_source_mapping"), created)
    for key in ("first_invocation", "second_invocation"):
        invocation = collect(sqs, results_url, 1)[0]
        body = invocation["Body"]
        answer = {
            "Messages": [{**invocation, "Body": {**body, "event": parsed_bodies(body["event"])}}],
            "ResponseMetadata": {"HTTPStatusCode": 200},
        }
        snapshot.match(recorded(case, key), _strip_null_md5(answer))
    dead = collect(sqs, dlq_url, 1)
    snapshot.match(recorded(case, "dlq_response")["Messages"], [_received(m) for m in dead])


def _received(message: dict[str, Any]) -> dict[str, Any]:
    return {k: message[k] for k in ("Body", "MD5OfBody", "MessageId", "ReceiptHandle")}


def _strip_null_md5(answer: dict[str, Any]) -> dict[str, Any]:
    """Recording 33 (March 2025) predates the ``md5OfMessageAttributes: null`` member that
    AWS's records carry since (recordings 31 and 32, November 2025)."""
    for message in answer["Messages"]:
        for record in message["Body"]["event"]["Records"]:
            assert record.pop("md5OfMessageAttributes") is None
    return answer
