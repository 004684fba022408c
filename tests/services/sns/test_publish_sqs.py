"""Publishing to SQS subscriptions: AWS's JSON notification (signed) or the raw message, message
attributes, MessageStructure, FIFO topics (groups, deduplication, sequence numbers), batches,
dead-letter queues and Publish's refusals, as recorded against AWS (localstack/localstack
tests/aws/services/sns/test_sns.snapshot.json TestSNSPublishCrud, TestSNSSubscriptionSQS*)."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.support.aws_errors import error

from .conftest import body, collect, nothing_in, subscribe_queue, verify_signature

ENVELOPE_KEYS = [
    "Type",
    "MessageId",
    "TopicArn",
    "Subject",
    "Message",
    "Timestamp",
    "SignatureVersion",
    "Signature",
    "SigningCertURL",
    "UnsubscribeURL",
    "MessageAttributes",
]


def invalid(message: str) -> tuple[str, str, int]:
    return ("InvalidParameter", message, 400)


@pytest.mark.parametrize("version", ["1", "2"])
def test_notification_envelope_is_signed(
    sns: Any, sqs: Any, topic: Callable[..., str], queue: Any, version: str
) -> None:
    topic_arn = topic(SignatureVersion=version)
    url, queue_arn = queue()
    subscription = subscribe_queue(sns, topic_arn, queue_arn)
    attributes = {
        "attr1": {"DataType": "Number", "StringValue": "1"},
        "blob": {"DataType": "Binary", "BinaryValue": b"\x02\x03\x04"},
    }
    published = sns.publish(
        TopicArn=topic_arn, Message="hello ö", Subject="Hi", MessageAttributes=attributes
    )
    [message] = collect(sqs, url, 1)
    notification = body(message)
    assert list(notification) == ENVELOPE_KEYS
    assert notification["MessageId"] == published["MessageId"]
    assert notification["Type"] == "Notification"
    assert (notification["TopicArn"], notification["Subject"], notification["Message"]) == (
        topic_arn,
        "Hi",
        "hello ö",
    )
    assert notification["SignatureVersion"] == version
    assert notification["MessageAttributes"] == {
        "attr1": {"Type": "Number", "Value": "1"},
        "blob": {"Type": "Binary", "Value": "AgME"},
    }
    assert notification["SigningCertURL"].rsplit("/", 1)[1].startswith("SimpleNotificationService-")
    assert notification["UnsubscribeURL"].endswith(
        f"/?Action=Unsubscribe&SubscriptionArn={subscription}"
    )
    verify_signature(notification)
    # AWS's layout: one '"Key" : value' member per line.
    assert message["Body"].startswith('{\n  "Type" : "Notification",\n  "MessageId" : ')


def test_raw_delivery(sns: Any, sqs: Any, topic: Callable[..., str], queue: Any) -> None:
    topic_arn = topic()
    url, queue_arn = queue()
    subscribe_queue(sns, topic_arn, queue_arn, RawMessageDelivery="true")
    sns.publish(
        TopicArn=topic_arn,
        Message="Test msg",
        MessageAttributes={"attr1": {"DataType": "Number", "StringValue": "99.12"}},
    )
    sns.publish(
        TopicArn=topic_arn,
        Message="binary",
        MessageAttributes={"store": {"DataType": "Binary", "BinaryValue": b"\x02\x03\x04"}},
    )
    first, second = sorted(collect(sqs, url, 2), key=lambda m: m["Body"] != "Test msg")
    assert first["Body"] == "Test msg"
    assert first["MessageAttributes"] == {"attr1": {"DataType": "Number", "StringValue": "99.12"}}
    assert first["MD5OfMessageAttributes"] == "d302007e9aa062660afc85fd0a482472"  # recorded
    assert second["MessageAttributes"] == {
        "store": {"DataType": "Binary", "BinaryValue": b"\x02\x03\x04"}
    }


def test_message_structure_json(sns: Any, sqs: Any, topic: Callable[..., str], queue: Any) -> None:
    topic_arn = topic()
    url, queue_arn = queue()
    subscribe_queue(sns, topic_arn, queue_arn)
    structured = json.dumps({"default": "default field", "sqs": json.dumps({"field": "value"})})
    sns.publish(TopicArn=topic_arn, Message=structured, MessageStructure="json")
    sns.publish(
        TopicArn=topic_arn, Message=json.dumps({"default": "only default"}), MessageStructure="json"
    )
    texts = {body(m)["Message"] for m in collect(sqs, url, 2)}
    assert texts == {'{"field": "value"}', "only default"}


def test_publish_refusals(sns: Any, topic: Callable[..., str]) -> None:
    arn = topic()
    assert error(lambda: sns.publish(TopicArn=arn, Message="m", Subject="")) == invalid(
        "Invalid parameter: Subject"
    )
    assert error(lambda: sns.publish(TopicArn=arn, Message="")) == invalid(
        "Invalid parameter: Empty message"
    )
    assert error(lambda: sns.publish(TopicArn=arn, Message="x" * (256 * 1024 + 1))) == invalid(
        "Invalid parameter: Message too long"
    )
    assert error(
        lambda: sns.publish(TopicArn=arn, Message='{"a": "b"}', MessageStructure="json")
    ) == invalid("Invalid parameter: Message Structure - No default entry in JSON message body")
    assert error(
        lambda: sns.publish(TopicArn=arn, Message="{nope", MessageStructure="json")
    ) == invalid("Invalid parameter: Message Structure - JSON message body failed to parse")
    assert error(lambda: sns.publish(TopicArn="foo", Message="m")) == invalid(
        "Invalid parameter: TopicArn Reason: An ARN must have at least 6 elements, not 1"
    )
    assert error(lambda: sns.publish(TopicArn=arn + "-gone", Message="m")) == (
        "NotFound",
        "Topic does not exist",
        404,
    )
    assert error(
        lambda: sns.publish(TopicArn=arn, Message="m", MessageDeduplicationId="d")
    ) == invalid(
        "Invalid parameter: MessageDeduplicationId Reason: The request includes "
        "MessageDeduplicationId parameter that is not valid for this topic type"
    )


ATTRIBUTE_ERRORS = [
    (
        {"attr1": {"DataType": "String", "StringValue": ""}},
        "The message attribute 'attr1' must contain non-empty message attribute value for message attribute type 'String'.",
    ),
    (
        {"attr1": {"DataType": "String"}},
        "The message attribute 'attr1' must contain non-empty message attribute value for message attribute type 'String'.",
    ),
    (
        {"attr1": {"DataType": "Binary", "BinaryValue": b""}},
        "The message attribute 'attr1' must contain non-empty message attribute value for message attribute type 'Binary'.",
    ),
    (
        {"attr1": {"DataType": "String", "BinaryValue": b"x"}},
        "The message attribute 'attr1' with type 'String' must use field 'String'.",
    ),
    (
        {"attr1": {"DataType": "Number", "BinaryValue": b"x"}},
        "The message attribute 'attr1' with type 'Number' must use field 'String'.",
    ),
    (
        {"attr1": {"DataType": "Binary", "StringValue": "x"}},
        "The message attribute 'attr1' with type 'Binary' must use field 'Binary'.",
    ),
    (
        {"attr1": {"DataType": "Invalid", "StringValue": "x"}},
        "The message attribute 'attr1' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.",
    ),
    (
        {"a" * 257: {"DataType": "String", "StringValue": "x"}},
        "Length of message attribute name must be less than 256 bytes.",
    ),
    (
        {"a^b": {"DataType": "String", "StringValue": "x"}},
        "Invalid non-alphanumeric character '#x5E' was found in the message attribute name. Can only include alphanumeric characters, hyphens, underscores, or dots.",
    ),
    (
        {".ab": {"DataType": "String", "StringValue": "x"}},
        "Invalid message attribute name starting with character '.' was found.",
    ),
    (
        {"ab.": {"DataType": "String", "StringValue": "x"}},
        "Invalid message attribute name ending with character '.' was found.",
    ),
    (
        {"a..b": {"DataType": "String", "StringValue": "x"}},
        "Message attribute name can not have successive '.' character.",
    ),
]


@pytest.mark.parametrize(("attributes", "message"), ATTRIBUTE_ERRORS)
def test_message_attribute_refusals(
    sns: Any, topic: Callable[..., str], attributes: Any, message: str
) -> None:
    arn = topic()
    expected = ("ParameterValueInvalid", message, 400)
    assert (
        error(lambda: sns.publish(TopicArn=arn, Message="m", MessageAttributes=attributes))
        == expected
    )
    entry = {"Id": "1", "Message": "m", "MessageAttributes": attributes}
    assert (
        error(lambda: sns.publish_batch(TopicArn=arn, PublishBatchRequestEntries=[entry]))
        == expected
    )


def test_attribute_without_data_type(sns: Any, topic: Callable[..., str]) -> None:
    arn = topic()
    attributes = {"attr1": {"StringValue": "x"}}
    assert error(lambda: sns.publish(TopicArn=arn, Message="m", MessageAttributes=attributes)) == (
        "ValidationError",
        "1 validation error detected: Value null at 'messageAttributes.attr1.member.dataType' "
        "failed to satisfy constraint: Member must not be null",
        400,
    )


def test_batch(sns: Any, sqs: Any, topic: Callable[..., str], queue: Any) -> None:
    topic_arn = topic()
    url, queue_arn = queue()
    subscribe_queue(sns, topic_arn, queue_arn, RawMessageDelivery="true")
    entries = [
        {
            "Id": "1",
            "Message": "one",
            "MessageAttributes": {"attr1": {"DataType": "Number", "StringValue": "19.12"}},
        },
        {
            "Id": "2",
            "Message": "two",
            "MessageAttributes": {
                "attr1": {"DataType": "Number", "StringValue": "99.12"},
                "attr2": {"DataType": "Number", "StringValue": "109.12"},
            },
        },
        {"Id": "3", "Message": "three"},
    ]
    answer = sns.publish_batch(TopicArn=topic_arn, PublishBatchRequestEntries=entries)
    assert [e["Id"] for e in answer["Successful"]] == ["1", "2", "3"]
    assert answer["Failed"] == []
    received = {m["Body"]: m for m in collect(sqs, url, 3)}
    assert (
        received["one"]["MD5OfMessageAttributes"] == "1f07082409022a373fa2a2601f82b3cb"
    )  # recorded
    assert (
        received["two"]["MD5OfMessageAttributes"] == "9b720b3af309c1c4b0d395c53b08c502"
    )  # recorded
    assert "MessageAttributes" not in received["three"]


def test_batch_refusals(sns: Any, topic: Callable[..., str]) -> None:
    arn = topic()
    eleven = [{"Id": str(i), "Message": "m"} for i in range(11)]
    assert error(lambda: sns.publish_batch(TopicArn=arn, PublishBatchRequestEntries=eleven)) == (
        "TooManyEntriesInBatchRequest",
        "The batch request contains more entries than permissible.",
        400,
    )
    same = [{"Id": "1", "Message": "m"}, {"Id": "1", "Message": "n"}]
    assert error(lambda: sns.publish_batch(TopicArn=arn, PublishBatchRequestEntries=same)) == (
        "BatchEntryIdsNotDistinct",
        "Two or more batch entries in the request have the same Id.",
        400,
    )
    long = [{"Id": str(i), "Message": "x" * 30_000} for i in range(10)]
    assert error(lambda: sns.publish_batch(TopicArn=arn, PublishBatchRequestEntries=long)) == (
        "BatchRequestTooLong",
        "The length of all the messages put together is more than the limit.",
        400,
    )
    missing = arn + "-gone"
    assert (
        error(lambda: sns.publish_batch(TopicArn=missing, PublishBatchRequestEntries=same[:1]))[0]
        == "NotFound"
    )


def test_fifo_topic_to_fifo_queue(
    sns: Any, sqs: Any, topic: Callable[..., str], queue: Any
) -> None:
    topic_arn = topic(fifo=True, ContentBasedDeduplication="true")
    url, queue_arn = queue(fifo=True)
    subscribe_queue(sns, topic_arn, queue_arn)
    first = sns.publish(TopicArn=topic_arn, Message="Test", MessageGroupId="message-group-id-1")
    [message] = collect(sqs, url, 1)
    attributes = message["Attributes"]
    assert attributes["MessageGroupId"] == "message-group-id-1"
    assert attributes["MessageDeduplicationId"] == hashlib.sha256(b"Test").hexdigest()
    notification = body(message)
    assert list(notification) == [
        "Type",
        "MessageId",
        "SequenceNumber",
        "TopicArn",
        "Message",
        "Timestamp",
        "UnsubscribeURL",
    ]
    assert notification["SequenceNumber"] == first["SequenceNumber"]
    assert len(first["SequenceNumber"]) == 20
    # The same content again within 5 minutes: the first answer, nothing delivered.
    again = sns.publish(TopicArn=topic_arn, Message="Test", MessageGroupId="message-group-id-1")
    assert (again["MessageId"], again["SequenceNumber"]) == (
        first["MessageId"],
        first["SequenceNumber"],
    )
    later = sns.publish(TopicArn=topic_arn, Message="Other", MessageGroupId="message-group-id-1")
    assert int(later["SequenceNumber"]) > int(first["SequenceNumber"])
    [other] = collect(sqs, url, 1)
    assert body(other)["Message"] == "Other"


def test_fifo_batch_and_republish(
    sns: Any, sqs: Any, topic: Callable[..., str], queue: Any
) -> None:
    topic_arn = topic(fifo=True)
    url, queue_arn = queue(fifo=True)
    subscribe_queue(sns, topic_arn, queue_arn, RawMessageDelivery="true")
    entries = [
        {"Id": str(i), "Message": f"m{i}", "MessageGroupId": "g", "MessageDeduplicationId": f"d{i}"}
        for i in range(3)
    ]
    answer = sns.publish_batch(TopicArn=topic_arn, PublishBatchRequestEntries=entries)
    again = sns.publish_batch(TopicArn=topic_arn, PublishBatchRequestEntries=entries)
    assert again["Successful"] == answer["Successful"]
    received = collect(sqs, url, 3)
    assert [m["Body"] for m in received] == ["m0", "m1", "m2"]
    assert [m["Attributes"]["MessageDeduplicationId"] for m in received] == ["d0", "d1", "d2"]
    assert nothing_in(sqs, url)


def test_fifo_refusals(sns: Any, topic: Callable[..., str]) -> None:
    arn = topic(fifo=True)
    assert error(lambda: sns.publish(TopicArn=arn, Message="m")) == invalid(
        "Invalid parameter: The MessageGroupId parameter is required for FIFO topics"
    )
    assert error(lambda: sns.publish(TopicArn=arn, Message="m", MessageGroupId="g")) == invalid(
        "Invalid parameter: The topic should either have ContentBasedDeduplication enabled or "
        "MessageDeduplicationId provided explicitly"
    )


def test_group_ids_reach_queues_as_aws_passes_them(
    sns: Any, sqs: Any, topic: Callable[..., str], queue: Any
) -> None:
    standard = topic()
    url, queue_arn = queue()
    subscribe_queue(sns, standard, queue_arn)
    sns.publish(TopicArn=standard, Message="m", MessageGroupId="my-group-id-1")
    [message] = collect(sqs, url, 1)
    assert message["Attributes"]["MessageGroupId"] == "my-group-id-1"
    fifo = topic(fifo=True, ContentBasedDeduplication="true")
    url, queue_arn = queue()
    subscribe_queue(sns, fifo, queue_arn)
    sns.publish(TopicArn=fifo, Message="m", MessageGroupId="g")
    [message] = collect(sqs, url, 1)
    assert "MessageGroupId" not in message["Attributes"]


@pytest.mark.parametrize("raw", [True, False])
def test_dead_letter_queue_when_the_queue_is_gone(
    sns: Any, sqs: Any, topic: Callable[..., str], queue: Any, raw: bool
) -> None:
    topic_arn = topic()
    url, queue_arn = queue()
    dead_url, dead_arn = queue()
    subscribe_queue(
        sns,
        topic_arn,
        queue_arn,
        RawMessageDelivery=str(raw).lower(),
        RedrivePolicy=json.dumps({"deadLetterTargetArn": dead_arn}),
    )
    sqs.delete_queue(QueueUrl=url)
    attributes = {
        "attr1": {"DataType": "Number", "StringValue": "111"},
        "attr2": {"DataType": "Binary", "BinaryValue": b"\x02\x03\x04"},
    }
    sns.publish(
        TopicArn=topic_arn,
        Message="test_dlq_after_sqs_endpoint_deleted",
        MessageAttributes=attributes,
    )
    [dead] = collect(sqs, dead_url, 1)
    if raw:
        assert dead["Body"] == "test_dlq_after_sqs_endpoint_deleted"
        assert dead["MessageAttributes"]["attr2"] == {
            "DataType": "Binary",
            "BinaryValue": b"\x02\x03\x04",
        }
    else:
        notification = body(dead)
        assert notification["Message"] == "test_dlq_after_sqs_endpoint_deleted"
        assert notification["MessageAttributes"]["attr2"] == {
            "Type": "Binary",
            "Value": base64.b64encode(b"\x02\x03\x04").decode(),
        }
        verify_signature(notification)


def test_pending_and_unsubscribed_get_nothing(
    sns: Any, sqs: Any, topic: Callable[..., str], queue: Any
) -> None:
    topic_arn = topic()
    url, queue_arn = queue()
    subscription = subscribe_queue(sns, topic_arn, queue_arn)
    sns.unsubscribe(SubscriptionArn=subscription)
    sns.publish(TopicArn=topic_arn, Message="nobody listens")
    assert nothing_in(sqs, url)
