"""HTTP/S subscriptions end to end with a local endpoint: the SubscriptionConfirmation and its
working SubscribeURL, signed notifications with AWS's headers, raw delivery, the delivery
policy's Content-Type and retries, the dead-letter queue once they are exhausted, and the
UnsubscribeURL (recorded: test_subscribe_external_http_endpoint*)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from .conftest import body, collect, eventually
from .receiver import Receiver

# One retry a second: the retries the tests wait for take seconds, not minutes.
FAST_RETRIES = {"minDelayTarget": 1, "maxDelayTarget": 1, "backoffFunction": "linear"}


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver().running() as running:
        yield running


def subscribe(sns: Any, topic_arn: str, receiver: Receiver, **attributes: str) -> str:
    arn = sns.subscribe(
        TopicArn=topic_arn,
        Protocol="http",
        Endpoint=receiver.url,
        Attributes=attributes,
        ReturnSubscriptionArn=True,
    )["SubscriptionArn"]
    receiver.next_of("SubscriptionConfirmation")
    eventually(
        lambda: (
            sns.get_subscription_attributes(SubscriptionArn=arn)["Attributes"][
                "PendingConfirmation"
            ]
            == "false"
        )
    )
    return str(arn)


def delivery_policy(**retry: Any) -> str:
    return json.dumps({"healthyRetryPolicy": {**FAST_RETRIES, **retry}})


def test_confirmation_and_notification(
    sns: Any, topic: Callable[..., str], receiver: Receiver
) -> None:
    topic_arn = topic()
    arn = sns.subscribe(TopicArn=topic_arn, Protocol="http", Endpoint=receiver.url)[
        "SubscriptionArn"
    ]
    assert arn == "pending confirmation"
    confirmation = receiver.next_of("SubscriptionConfirmation")
    message = confirmation.message
    assert list(message) == [
        "Type",
        "MessageId",
        "Token",
        "TopicArn",
        "Message",
        "SubscribeURL",
        "Timestamp",
        "SignatureVersion",
        "Signature",
        "SigningCertURL",
    ]
    assert message["Message"] == (
        f"You have chosen to subscribe to the topic {topic_arn}.\n"
        "To confirm the subscription, visit the SubscribeURL included in this message."
    )
    assert (
        f"/?Action=ConfirmSubscription&TopicArn={topic_arn}&Token={message['Token']}"
        in message["SubscribeURL"]
    )
    headers = confirmation.headers
    assert headers["Content-Type"] == "text/plain; charset=UTF-8"
    assert headers["User-Agent"] == "Amazon Simple Notification Service Agent"
    assert headers["Accept-Encoding"] == "gzip,deflate"
    assert headers["x-amz-sns-message-id"] == message["MessageId"]
    assert headers["x-amz-sns-topic-arn"] == topic_arn
    assert "x-amz-sns-subscription-arn" not in headers
    answered = receiver.confirmations.get(timeout=10)
    assert (
        "<ConfirmSubscriptionResponse" in answered and "<SubscriptionArn>arn:aws:sns:" in answered
    )
    [listed] = sns.list_subscriptions_by_topic(TopicArn=topic_arn)["Subscriptions"]
    subscription = listed["SubscriptionArn"]
    assert subscription.startswith(topic_arn + ":")

    published = sns.publish(TopicArn=topic_arn, Message="test_external_http_endpoint", Subject="s")
    notification = receiver.next_of("Notification")
    assert notification.message["MessageId"] == published["MessageId"]
    assert notification.message["Message"] == "test_external_http_endpoint"
    assert notification.headers["x-amz-sns-subscription-arn"] == subscription
    assert notification.headers["x-amz-sns-message-id"] == published["MessageId"]
    attributes = sns.get_subscription_attributes(SubscriptionArn=subscription)["Attributes"]
    assert attributes["ConfirmationWasAuthenticated"] == "false"  # confirmed by an unsigned GET


def test_raw_delivery_and_content_type(
    sns: Any, topic: Callable[..., str], receiver: Receiver
) -> None:
    topic_arn = topic()
    policy = json.dumps({"requestPolicy": {"headerContentType": "text/csv"}})
    subscribe(sns, topic_arn, receiver, RawMessageDelivery="true", DeliveryPolicy=policy)
    sns.publish(TopicArn=topic_arn, Message="a,b,c")
    got = receiver.next_of("Notification")
    assert got.body == "a,b,c"
    assert got.headers["x-amz-sns-rawdelivery"] == "true"
    assert got.headers["Content-Type"] == "text/csv"


def test_retries_per_the_delivery_policy(
    sns: Any, topic: Callable[..., str], receiver: Receiver
) -> None:
    topic_arn = topic()
    subscribe(sns, topic_arn, receiver, DeliveryPolicy=delivery_policy(numRetries=3))
    attempts_before = receiver.attempts
    receiver.statuses = [500, 503]
    sns.publish(TopicArn=topic_arn, Message="eventually")
    got = receiver.next_of("Notification")
    assert got.message["Message"] == "eventually"
    assert receiver.attempts - attempts_before == 3


def test_dead_letter_queue_once_retries_are_exhausted(
    sns: Any, sqs: Any, topic: Callable[..., str], queue: Any, receiver: Receiver
) -> None:
    topic_arn = topic()
    dead_url, dead_arn = queue()
    subscribe(
        sns,
        topic_arn,
        receiver,
        DeliveryPolicy=delivery_policy(numRetries=1),
        RedrivePolicy=json.dumps({"deadLetterTargetArn": dead_arn}),
    )
    receiver.always = 500
    attempts_before = receiver.attempts
    sns.publish(TopicArn=topic_arn, Message="never accepted")
    [dead] = collect(sqs, dead_url, 1)
    assert body(dead)["Message"] == "never accepted"
    assert receiver.attempts - attempts_before == 2  # the first attempt and one retry


def test_unsubscribe_url(sns: Any, topic: Callable[..., str], receiver: Receiver) -> None:
    topic_arn = topic()
    arn = subscribe(sns, topic_arn, receiver)
    sns.publish(TopicArn=topic_arn, Message="m")
    url = receiver.next_of("Notification").message["UnsubscribeURL"]
    with urllib.request.urlopen(url, timeout=10) as answer:
        assert "<UnsubscribeResponse" in answer.read().decode()
    assert sns.list_subscriptions_by_topic(TopicArn=topic_arn)["Subscriptions"] == []
    receiver.confirm = False
    farewell = receiver.next_of("UnsubscribeConfirmation")
    message = farewell.message
    assert message["Message"] == (
        f"You have chosen to deactivate subscription {arn}.\nTo cancel this operation and "
        "restore the subscription, visit the SubscribeURL included in this message."
    )
    assert farewell.headers["x-amz-sns-subscription-arn"] == arn
    # Its SubscribeURL restores the subscription.
    with urllib.request.urlopen(message["SubscribeURL"], timeout=10) as answer:
        assert arn in answer.read().decode()
    [listed] = sns.list_subscriptions_by_topic(TopicArn=topic_arn)["Subscriptions"]
    assert listed["SubscriptionArn"] == arn


def test_confirm_subscription_errors_through_the_url(
    sns: Any, topic: Callable[..., str], receiver: Receiver
) -> None:
    receiver.confirm = False
    topic_arn = topic()
    sns.subscribe(TopicArn=topic_arn, Protocol="http", Endpoint=receiver.url)
    url = receiver.next_of("SubscriptionConfirmation").message["SubscribeURL"]
    broken = url.replace("&Token=", "&Token=0")
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(broken, timeout=10)
    text = raised.value.read().decode()
    assert raised.value.code == 400
    assert "<Code>InvalidParameter</Code><Message>Invalid parameter: Token</Message>" in text
    assert sns.confirm_subscription(TopicArn=topic_arn, Token=url.rsplit("=", 1)[1])[
        "SubscriptionArn"
    ].startswith(topic_arn)
