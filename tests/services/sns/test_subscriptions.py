"""Subscriptions: Subscribe (attributes, idempotency, protocols), their attributes and AWS's
checks on them, Unsubscribe, listing; answers as recorded against AWS
(localstack/localstack tests/aws/services/sns/test_sns.snapshot.json TestSNSSubscriptionCrud*,
test_sns_filter_policy.snapshot.json TestSNSFilterPolicyConditions/Crud)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.support.aws_errors import ACCOUNT, REGION, error

from .conftest import subscribe_queue

ATTRIBUTES_REASON = "Invalid parameter: Attributes Reason: "


def invalid(message: str) -> tuple[str, str, int]:
    return ("InvalidParameter", message, 400)


def test_sqs_subscription_attributes(sns: Any, topic: Callable[..., str], queue: Any) -> None:
    topic_arn = topic()
    _, queue_arn = queue()
    arn = subscribe_queue(sns, topic_arn, queue_arn, RawMessageDelivery="true")
    assert arn.startswith(topic_arn + ":")
    assert sns.get_subscription_attributes(SubscriptionArn=arn)["Attributes"] == {
        "ConfirmationWasAuthenticated": "true",
        "Endpoint": queue_arn,
        "Owner": ACCOUNT,
        "PendingConfirmation": "false",
        "Protocol": "sqs",
        "RawMessageDelivery": "true",
        "SubscriptionArn": arn,
        "SubscriptionPrincipal": f"arn:aws:iam::{ACCOUNT}:root",
        "TopicArn": topic_arn,
    }


def test_subscribe_is_idempotent_unless_attributes_differ(
    sns: Any, topic: Callable[..., str], queue: Any
) -> None:
    topic_arn = topic()
    _, queue_arn = queue()
    arn = subscribe_queue(sns, topic_arn, queue_arn, RawMessageDelivery="true")
    assert subscribe_queue(sns, topic_arn, queue_arn, RawMessageDelivery="true") == arn
    assert subscribe_queue(sns, topic_arn, queue_arn, RawMessageDelivery="True") == arn
    assert (
        sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)["SubscriptionArn"]
        == arn
    )
    assert subscribe_queue(sns, topic_arn, queue_arn) == arn
    assert error(
        lambda: subscribe_queue(sns, topic_arn, queue_arn, RawMessageDelivery="false")
    ) == invalid(ATTRIBUTES_REASON + "Subscription already exists with different attributes")


def test_subscribe_refusals(sns: Any, topic: Callable[..., str], queue: Any) -> None:
    topic_arn = topic()
    queue_url, queue_arn = queue()
    assert error(
        lambda: sns.subscribe(TopicArn=topic_arn, Protocol="test-protocol", Endpoint="x")
    ) == invalid(
        "Invalid parameter: Amazon SNS does not support this protocol string: test-protocol"
    )
    assert error(
        lambda: sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_url)
    ) == invalid("Invalid parameter: SQS endpoint ARN")
    _, fifo_queue = queue(fifo=True)
    assert error(
        lambda: sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=fifo_queue)
    ) == invalid(
        "Invalid parameter: Invalid parameter: Endpoint Reason: FIFO SQS Queues can not be "
        "subscribed to standard SNS topics"
    )
    assert error(
        lambda: subscribe_queue(sns, topic_arn, queue_arn, RawMessageDelivery="wrongvalue")
    ) == invalid(
        ATTRIBUTES_REASON + "RawMessageDelivery: Invalid value [wrongvalue]. Must be true or false."
    )
    missing = f"arn:aws:sns:{REGION}:{ACCOUNT}:no-such-topic"
    assert error(lambda: sns.subscribe(TopicArn=missing, Protocol="sqs", Endpoint=queue_arn)) == (
        "NotFound",
        "Topic does not exist",
        404,
    )
    assert error(
        lambda: sns.subscribe(
            TopicArn="arn:aws:sns:us-east-1:1", Protocol="sqs", Endpoint=queue_arn
        )
    ) == invalid("Invalid parameter: TopicArn Reason: An ARN must have at least 6 elements, not 5")


def test_unsupported_protocols_are_refused_loudly(sns: Any, topic: Callable[..., str]) -> None:
    code, message, status = error(
        lambda: sns.subscribe(TopicArn=topic(), Protocol="email", Endpoint="someone@example.com")
    )
    assert (code, status) == ("NotImplemented", 501)
    assert "email" in message


def test_set_subscription_attribute_checks(sns: Any, topic: Callable[..., str], queue: Any) -> None:
    topic_arn = topic()
    _, queue_arn = queue()
    arn = subscribe_queue(sns, topic_arn, queue_arn)

    def setting(name: str, value: str) -> tuple[str, str, int]:
        return error(
            lambda: sns.set_subscription_attributes(
                SubscriptionArn=arn, AttributeName=name, AttributeValue=value
            )
        )

    assert setting("FakeAttribute", "x") == invalid("Invalid parameter: AttributeName")
    assert setting("RawMessageDelivery", "test-ValUe") == invalid(
        "Invalid parameter: RawMessageDelivery: Invalid value [test-ValUe]. Must be true or false."
    )
    assert setting("RawMessageDelivery", "") == invalid(
        "Invalid parameter: RawMessageDelivery: Invalid value []. Must be true or false."
    )
    assert setting("RedrivePolicy", json.dumps({"deadLetterTargetArn": "fake-arn"})) == invalid(
        "Invalid parameter: RedrivePolicy: deadLetterTargetArn is an invalid arn"
    )
    jackson = (
        "failed to parse JSON. Unexpected character ('i' (code 105)): was expecting double-quote "
        "to start field name\n at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` "
        "disabled); line: 1, column: 2]"
    )
    assert setting("RedrivePolicy", "{invalid-json}") == invalid(
        f"Invalid parameter: RedrivePolicy: {jackson}"
    )
    assert setting("FilterPolicy", "{invalid-json}") == invalid(
        f"Invalid parameter: FilterPolicy: {jackson}"
    )
    assert setting("FilterPolicyScope", "RandomValue") == invalid(
        "Invalid parameter: FilterPolicyScope: Invalid value [RandomValue]. Please use either "
        "MessageBody or MessageAttributes"
    )


def test_filter_policy_scope_and_nesting(sns: Any, topic: Callable[..., str], queue: Any) -> None:
    _, queue_arn = queue()
    arn = subscribe_queue(sns, topic(), queue_arn)
    nested = json.dumps({"object": {"key": [{"prefix": "auto-"}]}})
    assert error(
        lambda: sns.set_subscription_attributes(
            SubscriptionArn=arn, AttributeName="FilterPolicy", AttributeValue=nested
        )
    ) == invalid(
        "Invalid parameter: Filter policy scope MessageAttributes does not support nested filter policy"
    )
    sns.set_subscription_attributes(
        SubscriptionArn=arn, AttributeName="FilterPolicyScope", AttributeValue="MessageBody"
    )
    # No FilterPolicy yet: the scope is kept but not shown.
    assert (
        "FilterPolicyScope"
        not in sns.get_subscription_attributes(SubscriptionArn=arn)["Attributes"]
    )
    sns.set_subscription_attributes(
        SubscriptionArn=arn, AttributeName="FilterPolicy", AttributeValue=nested
    )
    attributes = sns.get_subscription_attributes(SubscriptionArn=arn)["Attributes"]
    assert json.loads(attributes["FilterPolicy"]) == {"object": {"key": [{"prefix": "auto-"}]}}
    assert attributes["FilterPolicyScope"] == "MessageBody"
    assert error(
        lambda: sns.set_subscription_attributes(
            SubscriptionArn=arn,
            AttributeName="FilterPolicyScope",
            AttributeValue="MessageAttributes",
        )
    ) == invalid(
        "Invalid parameter: Filter policy scope MessageAttributes does not support nested filter policy"
    )


# (policy, recorded message after "Invalid parameter: Attributes Reason: FilterPolicy: ")
POLICY_ERRORS = [
    (
        {"key": [["value"]]},
        'Match value must be String, number, true, false, or null\n at [Source: (String)"{"key":[["value"]]}"; line: 1, column: 10]',
    ),
    (
        {"key": [{"wrong-operator": True}]},
        'Unrecognized match type wrong-operator\n at [Source: (String)"{"key":[{"wrong-operator":true}]}"; line: 1, column: 31]',
    ),
    (
        {"key": [{"suffix": 100}]},
        'suffix match pattern must be a string\n at [Source: (String)"{"key":[{"suffix":100}]}"; line: 1, column: 22]',
    ),
    (
        {"key": {"suffix": "value"}},
        '"suffix" must be an object or an array\n at [Source: (String)"{"key":{"suffix":"value"}}"; line: 1, column: 19]',
    ),
    (
        {"key": [{"numeric": []}]},
        'Invalid member in numeric match: ]\n at [Source: (String)"{"key":[{"numeric":[]}]}"; line: 1, column: 22]',
    ),
    (
        {"key": [{"numeric": ["=", "000"]}]},
        'Value of equals must be numeric\n at [Source: (String)"{"key":[{"numeric":["=","000"]}]}"; line: 1, column: 26]',
    ),
    (
        {"key": [{"numeric": [">", 3, "<", 1]}]},
        'Bottom must be less than top\n at [Source: (String)"{"key":[{"numeric":[">",3,"<",1]}]}"; line: 1, column: 33]',
    ),
    (
        {"key": [{"exists": None}]},
        'exists match pattern must be either true or false.\n at [Source: (String)"{"key":[{"exists":null}]}"; line: 1, column: 23]',
    ),
    (
        {"key": [{"anything-but": {"wrong-operator": None}}]},
        'Unsupported anything-but pattern: wrong-operator\n at [Source: (String)"{"key":[{"anything-but":{"wrong-operator":null}}]}"; line: 1, column: 47]',
    ),
    (
        {"key": [{"anything-but": {"suffix": "test"}}]},
        'Unsupported anything-but pattern: suffix\n at [Source: (String)"{"key":[{"anything-but":{"suffix":"test"}}]}"; line: 1, column: 36]',
    ),
    (
        {"key": [{"anything-but": {"exists": False}}]},
        'Unsupported anything-but pattern: exists\n at [Source: (String)"{"key":[{"anything-but":{"exists":false}}]}"; line: 1, column: 40]',
    ),
    (
        {"key": [{"anything-but": {"prefix": False}}]},
        'prefix match pattern must be a string\n at [Source: (String)"{"key":[{"anything-but":{"prefix":false}}]}"; line: 1, column: 40]',
    ),
    ({f"key{i}": ["a"] for i in range(6)}, "Filter policy can not have more than 5 keys"),
    ({"a": list(range(13)), "b": list(range(13))}, "Filter policy is too complex"),
    (
        {"$or": [{"a": list(range(10))}, {"a": list(range(10)), "b": list(range(15))}]},
        "Filter policy is too complex",
    ),
]


@pytest.mark.parametrize(("policy", "message"), POLICY_ERRORS)
def test_filter_policy_errors(
    sns: Any, topic: Callable[..., str], queue: Any, policy: dict[str, Any], message: str
) -> None:
    _, queue_arn = queue()
    # The recordings sent the policy compactly (no spaces), so the locations match.
    text = json.dumps(policy, separators=(",", ":"))
    assert error(lambda: subscribe_queue(sns, topic(), queue_arn, FilterPolicy=text)) == invalid(
        f"{ATTRIBUTES_REASON}FilterPolicy: {message}"
    )


def test_unsubscribe(sns: Any, topic: Callable[..., str], queue: Any) -> None:
    topic_arn = topic()
    _, queue_arn = queue()
    arn = subscribe_queue(sns, topic_arn, queue_arn)
    sns.unsubscribe(SubscriptionArn=arn)
    sns.unsubscribe(SubscriptionArn=arn)
    assert sns.list_subscriptions_by_topic(TopicArn=topic_arn)["Subscriptions"] == []
    assert error(lambda: sns.get_subscription_attributes(SubscriptionArn=arn)) == (
        "NotFound",
        "Subscription does not exist",
        404,
    )
    assert error(lambda: sns.unsubscribe(SubscriptionArn="foo")) == invalid(
        "Invalid parameter: SubscriptionArn Reason: An ARN must have at least 6 elements, not 1"
    )
    assert error(lambda: sns.unsubscribe(SubscriptionArn=topic_arn)) == invalid(
        "Invalid parameter: SubscriptionId"
    )


def test_listing(sns: Any, topic: Callable[..., str], queue: Any) -> None:
    first, second = topic(), topic()
    made = {subscribe_queue(sns, arn, queue()[1]) for arn in (first, first, second)}
    by_topic = sns.list_subscriptions_by_topic(TopicArn=first)["Subscriptions"]
    assert len(by_topic) == 2
    assert all(
        s["TopicArn"] == first and s["Protocol"] == "sqs" and s["Owner"] == ACCOUNT
        for s in by_topic
    )
    everything = {s["SubscriptionArn"] for s in sns.list_subscriptions()["Subscriptions"]}
    assert made <= everything


def test_pending_http_subscription(sns: Any, topic: Callable[..., str]) -> None:
    topic_arn = topic()
    endpoint = "http://127.0.0.1:9/unreachable"  # the discard port: nothing answers
    assert (
        sns.subscribe(TopicArn=topic_arn, Protocol="http", Endpoint=endpoint)["SubscriptionArn"]
        == "pending confirmation"
    )
    arn = sns.subscribe(
        TopicArn=topic_arn, Protocol="http", Endpoint=endpoint, ReturnSubscriptionArn=True
    )["SubscriptionArn"]
    assert arn.startswith(topic_arn + ":")
    [listed] = sns.list_subscriptions_by_topic(TopicArn=topic_arn)["Subscriptions"]
    assert listed["SubscriptionArn"] == "PendingConfirmation"
    attributes = sns.get_subscription_attributes(SubscriptionArn=arn)["Attributes"]
    assert attributes["PendingConfirmation"] == "true"
    assert attributes["ConfirmationWasAuthenticated"] == "false"
    assert (
        json.loads(attributes["EffectiveDeliveryPolicy"])["healthyRetryPolicy"]["numRetries"] == 3
    )
    topic_attributes = sns.get_topic_attributes(TopicArn=topic_arn)["Attributes"]
    assert topic_attributes["SubscriptionsPending"] == "1"
    assert error(lambda: sns.confirm_subscription(TopicArn=topic_arn, Token="nope")) == invalid(
        "Invalid parameter: Token"
    )
    assert error(lambda: sns.confirm_subscription(TopicArn="foo", Token="nope")) == invalid(
        "Invalid parameter: Topic"
    )


def test_http_delivery_policy_attributes(sns: Any, topic: Callable[..., str]) -> None:
    topic_arn = topic()
    arn = sns.subscribe(
        TopicArn=topic_arn,
        Protocol="http",
        Endpoint="http://127.0.0.1:9/x",
        ReturnSubscriptionArn=True,
    )["SubscriptionArn"]
    policy = {"requestPolicy": {"headerContentType": "text/csv"}}
    sns.set_subscription_attributes(
        SubscriptionArn=arn, AttributeName="DeliveryPolicy", AttributeValue=json.dumps(policy)
    )
    attributes = sns.get_subscription_attributes(SubscriptionArn=arn)["Attributes"]
    # As recorded (test_subscribe_external_http_endpoint_content_type[True]).
    assert json.loads(attributes["DeliveryPolicy"]) == {
        "healthyRetryPolicy": None,
        "sicklyRetryPolicy": None,
        "throttlePolicy": None,
        "requestPolicy": {"headerContentType": "text/csv"},
        "guaranteed": False,
    }
    assert json.loads(attributes["EffectiveDeliveryPolicy"]) == {
        "healthyRetryPolicy": {
            "minDelayTarget": 20,
            "maxDelayTarget": 20,
            "numRetries": 3,
            "numMaxDelayRetries": 0,
            "numNoDelayRetries": 0,
            "numMinDelayRetries": 0,
            "backoffFunction": "linear",
        },
        "sicklyRetryPolicy": None,
        "throttlePolicy": None,
        "requestPolicy": {"headerContentType": "text/csv"},
        "guaranteed": False,
    }
