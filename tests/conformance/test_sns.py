"""Recorded SNS scenario (aws-recorded 34): what a function subscribed to a topic receives."""

from __future__ import annotations

import json
import time
from typing import Any

from tests.e2e.conftest import make_client
from tests.support.server import LambdaliteServer

from .conftest import ROLE, zipped
from .snapshot import Snapshot, recorded

DEADLINE = 60.0

# Sends the SNS part of the record it gets to the queue named RESULTS (the recording
# snapshotted Records[0].Sns).
FORWARDER = """
import json, os
import boto3

sqs = boto3.client("sqs")


def handler(event, context):
    sqs.send_message(QueueUrl=os.environ["RESULTS"], MessageBody=json.dumps(event))
"""


def test_34_sns_to_lambda_event(server: LambdaliteServer, lam: Any, snapshot: Snapshot) -> None:
    sns = make_client(server.endpoint, "sns")
    sqs = make_client(server.endpoint, "sqs")
    results = sqs.create_queue(QueueName="c34-results")["QueueUrl"]
    function = lam.create_function(
        FunctionName="c34-subscriber",
        Runtime="python3.12",
        Role=ROLE,
        Handler="handler.handler",
        Code={"ZipFile": zipped({"handler.py": FORWARDER})},
        Environment={"Variables": {"RESULTS": results}},
    )
    lam.get_waiter("function_active_v2").wait(FunctionName="c34-subscriber")
    topic_arn = sns.create_topic(Name="c34-topic")["TopicArn"]
    lam.add_permission(
        FunctionName="c34-subscriber",
        StatementId="sns",
        Action="lambda:InvokeFunction",
        Principal="sns.amazonaws.com",
        SourceArn=topic_arn,
    )
    sns.subscribe(TopicArn=topic_arn, Protocol="lambda", Endpoint=function["FunctionArn"])
    sns.publish(TopicArn=topic_arn, Subject="[Subject] Test subject", Message="Hello world.")
    event = _one_message(sqs, results)
    [record] = event["Records"]
    snapshot.match(recorded("34_sns_to_lambda_event", "notification"), record["Sns"])
    # Per AWS's documentation (not in the recording): the record around it.
    assert record["EventSource"] == "aws:sns"
    assert record["EventVersion"] == "1.0"
    assert record["EventSubscriptionArn"] == record["Sns"]["UnsubscribeUrl"].rsplit("=", 1)[1]


def _one_message(sqs: Any, url: str) -> dict[str, Any]:
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        answer = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)
        for message in answer.get("Messages", []):
            parsed: dict[str, Any] = json.loads(message["Body"])
            return parsed
    raise AssertionError("the function was not invoked in time")
