"""Publishing to Lambda subscriptions: the function gets AWS's SNS event through the
asynchronous invocation path; a function that is gone sends the message to the subscription's
dead-letter queue (recorded: test_redrive_policy_lambda_subscription)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.conformance.conftest import ROLE, zipped
from tests.e2e.conftest import make_client
from tests.support.aws_errors import error
from tests.support.server import LambdaliteServer

from .conftest import body, collect, verify_signature

# Sends the event it gets to the queue named RESULTS.
FORWARDER = """
import json, os
import boto3

sqs = boto3.client("sqs")


def handler(event, context):
    sqs.send_message(QueueUrl=os.environ["RESULTS"], MessageBody=json.dumps(event))
"""


def forwarder(lam: Any, name: str, results_url: str) -> str:
    created = lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=ROLE,
        Handler="handler.handler",
        Code={"ZipFile": zipped({"handler.py": FORWARDER})},
        Environment={"Variables": {"RESULTS": results_url}},
    )
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    return str(created["FunctionArn"])


@pytest.fixture
def lam(server: LambdaliteServer) -> Any:
    return make_client(server.endpoint, "lambda")


@pytest.fixture
def forwarding(lam: Any, queue: Any, names: Callable[..., str]) -> tuple[str, str]:
    """A function forwarding its events, and the queue they go to: (function ARN, queue URL)."""
    results, _ = queue()
    return forwarder(lam, names(), results), results


def test_lambda_gets_the_sns_event(
    forwarding: tuple[str, str], sns: Any, sqs: Any, topic: Callable[..., str]
) -> None:
    function_arn, results = forwarding
    topic_arn = topic(SignatureVersion="2")
    subscription = sns.subscribe(TopicArn=topic_arn, Protocol="lambda", Endpoint=function_arn)[
        "SubscriptionArn"
    ]
    attributes = {
        "Test": {"DataType": "String", "StringValue": "TestString"},
        "TestBinary": {"DataType": "Binary", "BinaryValue": b"TestBinary"},
    }
    published = sns.publish(
        TopicArn=topic_arn, Message="Hello from SNS!", MessageAttributes=attributes
    )
    sns.publish(TopicArn=topic_arn, Message="no subject, no attributes")
    events = [body(m) for m in collect(sqs, results, 2)]
    records = {e["Records"][0]["Sns"]["Message"]: e["Records"][0] for e in events}
    record = records["Hello from SNS!"]
    assert [len(e["Records"]) for e in events] == [1, 1]
    assert {k: record[k] for k in ("EventSource", "EventVersion", "EventSubscriptionArn")} == {
        "EventSource": "aws:sns",
        "EventVersion": "1.0",
        "EventSubscriptionArn": subscription,
    }
    sns_part = record["Sns"]
    assert sns_part["MessageId"] == published["MessageId"]
    assert sns_part["Type"] == "Notification"
    assert sns_part["TopicArn"] == topic_arn
    assert sns_part["Subject"] is None
    assert sns_part["SignatureVersion"] == "1"  # whatever the topic says (recorded)
    assert sns_part["MessageAttributes"] == {
        "Test": {"Type": "String", "Value": "TestString"},
        "TestBinary": {"Type": "Binary", "Value": "VGVzdEJpbmFyeQ=="},
    }
    assert sns_part["UnsubscribeUrl"].endswith(
        f"?Action=Unsubscribe&SubscriptionArn={subscription}"
    )
    verify_signature(sns_part)
    assert records["no subject, no attributes"]["Sns"]["MessageAttributes"] == {}


def test_raw_delivery_is_not_for_lambda(sns: Any, topic: Callable[..., str]) -> None:
    arn = "arn:aws:lambda:us-east-1:000000000000:function:whatever"
    code, _, status = error(
        lambda: sns.subscribe(
            TopicArn=topic(),
            Protocol="lambda",
            Endpoint=arn,
            Attributes={"RawMessageDelivery": "true"},
        )
    )
    assert (code, status) == ("InvalidParameter", 400)


def test_dead_letter_queue_when_the_function_is_gone(
    sns: Any,
    sqs: Any,
    topic: Callable[..., str],
    queue: Any,
    names: Callable[..., str],
) -> None:
    topic_arn = topic()
    dead_url, dead_arn = queue()
    function_arn = f"arn:aws:lambda:us-east-1:000000000000:function:{names()}"
    subscription = sns.subscribe(
        TopicArn=topic_arn,
        Protocol="lambda",
        Endpoint=function_arn,
        Attributes={"RedrivePolicy": json.dumps({"deadLetterTargetArn": dead_arn})},
    )["SubscriptionArn"]
    attributes = sns.get_subscription_attributes(SubscriptionArn=subscription)["Attributes"]
    assert json.loads(attributes["RedrivePolicy"]) == {"deadLetterTargetArn": dead_arn}
    sns.publish(
        TopicArn=topic_arn,
        Message="test_redrive_policy",
        MessageAttributes={"attr1": {"DataType": "Number", "StringValue": "1"}},
    )
    [dead] = collect(sqs, dead_url, 1)
    notification = body(dead)
    assert notification["Message"] == "test_redrive_policy"
    assert notification["MessageAttributes"] == {"attr1": {"Type": "Number", "Value": "1"}}
    assert "SigningCertURL" in notification
    verify_signature(notification)


# The seed's own flow: a function triggered by an SNS record reads the message from it.
READER = """
import os
import boto3


def handler(event, context):
    message = event["Records"][0]["Sns"]["Message"]
    boto3.client("sqs").send_message(QueueUrl=os.environ["RESULTS"], MessageBody=message.upper())
    return message
"""


def test_the_seeds_flow_a_publish_triggers_a_function_reading_the_message(
    lam: Any,
    sns: Any,
    sqs: Any,
    *,
    queue: Any,
    topic: Callable[..., str],
    names: Callable[..., str],
) -> None:
    results, _ = queue()
    name = names()
    function_arn = lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=ROLE,
        Handler="handler.handler",
        Code={"ZipFile": zipped({"handler.py": READER})},
        Environment={"Variables": {"RESULTS": results}},
    )["FunctionArn"]
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    topic_arn = topic()
    sns.subscribe(TopicArn=topic_arn, Protocol="lambda", Endpoint=function_arn)
    sns.publish(TopicArn=topic_arn, Message="order 42 shipped")
    assert [m["Body"] for m in collect(sqs, results, 1)] == ["ORDER 42 SHIPPED"]
