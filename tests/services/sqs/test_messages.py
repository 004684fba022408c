"""Messages through boto3 against a live server: send, receive, delete, visibility, batches and
long polling on standard queues.

Expected answers are AWS's (``.briefs/sqs-reference.md`` §4-§7): digests recomputed from
AWS-recorded ones (LocalStack's test_sqs.snapshot.json), AWS-recorded error answers, and the
botocore model's documentation.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from tests.e2e.conftest import make_client
from tests.support.server import LambdaliteServer

from .conftest import counts, eventually, failure, receive, receive_one, settle

BODY_MD5 = "6e2baaf3b97dbeef01c0043275f9a0e7"  # md5("msg"), AWS-recorded
THREE_ATTRIBUTES = {
    "General": {"DataType": "String", "StringValue": "Kenobi"},
    "Hello": {"DataType": "String", "StringValue": "There"},
    "Help.Me": {"DataType": "String", "StringValue": "Me"},
}
TRACEPARENT = b"traceparent\x1e00-774062d6c37081a5a0b9b5b88e30627c-2d2482211f6489da-01"
STANDARD_SYSTEM_ALL = {
    "ApproximateFirstReceiveTimestamp",
    "ApproximateReceiveCount",
    "SenderId",
    "SentTimestamp",
}


def invalid_parameter(refused: Any, message: str) -> None:
    assert (refused.code, refused.query_code, refused.message, refused.status) == (
        "InvalidParameterValue",
        "InvalidParameterValueException",
        message,
        400,
    )


# --- send, receive, delete ---------------------------------------------------------------------


def test_send_receive_delete(sqs: Any, queue: Callable[..., str]) -> None:
    url = queue()
    sent = sqs.send_message(QueueUrl=url, MessageBody="msg")
    assert sent["MD5OfMessageBody"] == BODY_MD5
    assert set(sent) == {"MD5OfMessageBody", "MessageId", "ResponseMetadata"}
    message_id = uuid.UUID(sent["MessageId"])  # a random UUID, as AWS's message ids are
    assert (str(message_id), message_id.version) == (sent["MessageId"], 4)
    assert message_id.variant == uuid.RFC_4122

    [message] = receive(sqs, url)
    assert message["Body"] == "msg"
    assert message["MD5OfBody"] == BODY_MD5
    assert message["MessageId"] == sent["MessageId"]
    assert set(message) == {"MessageId", "ReceiptHandle", "MD5OfBody", "Body"}
    assert receive(sqs, url) == []  # in flight

    deleted = sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert counts(sqs, url) == (0, 0, 0)


def test_an_empty_receive_has_no_messages_key(sqs: Any, queue: Callable[..., str]) -> None:
    answer = sqs.receive_message(QueueUrl=queue(), WaitTimeSeconds=0)
    assert "Messages" not in answer


def test_bodies_come_back_unchanged(sqs: Any, queue: Callable[..., str]) -> None:
    url = queue()
    bodies = ['"&quot;&quot;\r', "<xml>&amp;</xml>", "tab\tnew\nline", "\u00e9\u4e2d\U0001f600"]
    for body in bodies:
        sqs.send_message(QueueUrl=url, MessageBody=body)
    got = receive(sqs, url, MaxNumberOfMessages=10)
    assert sorted(m["Body"] for m in got) == sorted(bodies)


def test_message_attribute_digests(sqs: Any, queue: Callable[..., str]) -> None:
    url = queue()
    one = sqs.send_message(
        QueueUrl=url,
        MessageBody="msg",
        MessageAttributes={"Foo": {"DataType": "String", "StringValue": "Bar"}},
    )
    assert one["MD5OfMessageAttributes"] == "ae7155c6026991b6d54b11589678bf9c"
    three = sqs.send_message(QueueUrl=url, MessageBody="msg", MessageAttributes=THREE_ATTRIBUTES)
    assert (three["MD5OfMessageBody"], three["MD5OfMessageAttributes"]) == (
        BODY_MD5,
        "4c360f3fdafd970e05fae2f149d997f5",
    )


@pytest.mark.parametrize(
    ("wanted", "expected", "digest"),
    [
        (["All"], {"General", "Hello", "Help.Me"}, "4c360f3fdafd970e05fae2f149d997f5"),
        ([".*"], {"General", "Hello", "Help.Me"}, "4c360f3fdafd970e05fae2f149d997f5"),
        (["General", "Hello"], {"General", "Hello"}, "fca026605781cb4126a1e9044df24232"),
        (["Hello"], {"Hello"}, "a311262e065454b75da111d535b8dacd"),
        (["Help.*"], {"Help.Me"}, None),
        (["Help.*", "General"], {"General", "Help.Me"}, None),
        (["Nothing", "Hell"], set(), None),
        ([], set(), None),
    ],
)
def test_message_attribute_names_filter_what_is_received(
    sqs: Any, queue: Callable[..., str], wanted: list[str], expected: set[str], digest: str | None
) -> None:
    url = queue()
    sqs.send_message(QueueUrl=url, MessageBody="msg", MessageAttributes=THREE_ATTRIBUTES)
    [message] = receive(sqs, url, MessageAttributeNames=wanted)
    if not expected:
        assert "MessageAttributes" not in message
        assert "MD5OfMessageAttributes" not in message
        return
    assert message["MessageAttributes"] == {k: THREE_ATTRIBUTES[k] for k in expected}
    if digest is not None:
        # The digest is of the attributes returned, not of those sent.
        assert message["MD5OfMessageAttributes"] == digest


def test_binary_and_custom_type_attributes(sqs: Any, queue: Callable[..., str]) -> None:
    url = queue()
    sent = sqs.send_message(
        QueueUrl=url,
        MessageBody="msg",
        MessageAttributes={"attr1": {"DataType": "Binary", "BinaryValue": TRACEPARENT}},
    )
    assert sent["MD5OfMessageAttributes"] == "8cbe4db156db8a94db8b801b7addb984"
    [message] = receive(sqs, url, MessageAttributeNames=["All"])
    assert message["MessageAttributes"] == {
        "attr1": {"DataType": "Binary", "BinaryValue": TRACEPARENT}
    }
    assert message["MD5OfMessageAttributes"] == "8cbe4db156db8a94db8b801b7addb984"

    custom = {
        "big": {"DataType": "Number.bigint", "StringValue": "12345678901234567890"},
        "raw": {"DataType": "Binary.gif", "BinaryValue": b"\x00\xff GIF"},
        "label": {"DataType": "String.utf8", "StringValue": "caf\u00e9"},
    }
    sqs.send_message(QueueUrl=url, MessageBody="custom", MessageAttributes=custom)
    [message] = receive(sqs, url, MessageAttributeNames=["All"])
    assert message["MessageAttributes"] == custom


def test_system_attribute_aws_trace_header(sqs: Any, queue: Callable[..., str]) -> None:
    url = queue()
    sent = sqs.send_message(
        QueueUrl=url,
        MessageBody="traced",
        MessageSystemAttributes={
            "AWSTraceHeader": {"DataType": "String", "StringValue": "some-trace-id"}
        },
    )
    # The attribute digest algorithm over {AWSTraceHeader: some-trace-id}.
    assert sent["MD5OfMessageSystemAttributes"] == "fdce4f2818803f2f73becc09a54792c0"
    assert "MD5OfMessageAttributes" not in sent
    [message] = receive(sqs, url, MessageSystemAttributeNames=["AWSTraceHeader"])
    assert message["Attributes"] == {"AWSTraceHeader": "some-trace-id"}


def test_an_unknown_system_attribute_cannot_be_sent(sqs: Any, queue: Callable[..., str]) -> None:
    url = queue()
    refused = failure(
        lambda: sqs.send_message(
            QueueUrl=url,
            MessageBody="x",
            MessageSystemAttributes={"Colour": {"DataType": "String", "StringValue": "red"}},
        )
    )
    invalid_parameter(refused, "Message system attribute name 'Colour' is invalid.")


def test_attribute_names_all_on_a_standard_queue(sqs: Any, queue: Callable[..., str]) -> None:
    url = queue()
    before = int(time.time() * 1000)
    sqs.send_message(QueueUrl=url, MessageBody="msg")
    for names in ({"AttributeNames": ["All"]}, {"MessageSystemAttributeNames": ["All"]}):
        [message] = receive(sqs, url, VisibilityTimeout=0, **names)
        attributes = message["Attributes"]
        assert set(attributes) == STANDARD_SYSTEM_ALL
        after = int(time.time() * 1000)
        # Epoch milliseconds, as strings.
        assert before - 1000 <= int(attributes["SentTimestamp"]) <= after + 1000
        assert int(attributes["SentTimestamp"]) <= int(
            attributes["ApproximateFirstReceiveTimestamp"]
        )
        assert attributes["SenderId"]
    assert attributes["ApproximateReceiveCount"] == "2"


def test_some_system_attributes(sqs: Any, queue: Callable[..., str]) -> None:
    url = queue()
    sqs.send_message(QueueUrl=url, MessageBody="msg")
    [first] = receive(
        sqs,
        url,
        VisibilityTimeout=0,
        MessageSystemAttributeNames=["ApproximateReceiveCount", "SentTimestamp"],
    )
    assert set(first["Attributes"]) == {"ApproximateReceiveCount", "SentTimestamp"}
    assert first["Attributes"]["ApproximateReceiveCount"] == "1"
    [second] = receive(sqs, url, MessageSystemAttributeNames=["ApproximateReceiveCount"])
    assert second["Attributes"] == {"ApproximateReceiveCount": "2"}
    # FIFO-only names give nothing on a standard queue.
    sqs.change_message_visibility(
        QueueUrl=url, ReceiptHandle=second["ReceiptHandle"], VisibilityTimeout=0
    )
    [third] = receive(sqs, url, MessageSystemAttributeNames=["SequenceNumber"])
    assert "Attributes" not in third


def test_deprecated_attribute_names_select_system_attributes(
    sqs: Any, checked_sqs: Any, queue: Callable[..., str]
) -> None:
    """ReceiveMessage's AttributeNames (deprecated, but what most code and the AWS examples
    still use) names message system attributes, whatever enum the model gives its members."""
    url = queue()
    sqs.send_message(QueueUrl=url, MessageBody="msg")
    [first] = receive(
        checked_sqs,
        url,
        VisibilityTimeout=0,
        AttributeNames=["SentTimestamp", "ApproximateReceiveCount"],
    )
    assert set(first["Attributes"]) == {"ApproximateReceiveCount", "SentTimestamp"}
    [second] = receive(
        sqs,
        url,
        AttributeNames=["SentTimestamp"],
        MessageSystemAttributeNames=["ApproximateReceiveCount"],
    )
    assert set(second["Attributes"]) == {"ApproximateReceiveCount", "SentTimestamp"}
    assert second["Attributes"]["ApproximateReceiveCount"] == "2"


def test_unknown_attribute_names_in_a_receive_are_ignored(
    sqs: Any, queue: Callable[..., str]
) -> None:
    url = queue()
    sqs.send_message(QueueUrl=url, MessageBody="msg")
    [message] = receive(sqs, url, AttributeNames=["illegal_name"])
    assert message["Body"] == "msg"
    assert "Attributes" not in message


# --- what a send may carry ---------------------------------------------------------------------


def test_an_empty_body_is_refused(sqs: Any, queue: Callable[..., str]) -> None:
    url = queue()
    refused = failure(lambda: sqs.send_message(QueueUrl=url, MessageBody=""))
    assert (refused.code, refused.query_code, refused.message, refused.status) == (
        "MissingParameter",
        "MissingRequiredParameterException",
        "The request must contain the parameter MessageBody.",
        400,
    )


def test_invalid_characters_are_refused(sqs: Any, queue: Callable[..., str]) -> None:
    url = queue()
    for body in ("null \x00 byte", "escape \x1b", "surrogate \ufffe"):
        refused = failure(lambda: sqs.send_message(QueueUrl=url, MessageBody=body))  # noqa: B023
        assert (refused.code, refused.query_code, refused.status) == (
            "InvalidMessageContents",
            "InvalidMessageContents",
            400,
        )
        assert isinstance(refused.exception, sqs.exceptions.InvalidMessageContents)
    assert counts(sqs, url) == (0, 0, 0)


def test_size_limit_counts_body_and_attributes(sqs: Any, queue: Callable[..., str]) -> None:
    url = queue(MaximumMessageSize=1024)
    sqs.send_message(QueueUrl=url, MessageBody="a" * 1024)  # the limit itself is allowed
    attributes = {"k": {"DataType": "String", "StringValue": "x"}}
    body = "a" * (1024 - len("k") - len("String") - len("x"))
    sqs.send_message(QueueUrl=url, MessageBody=body, MessageAttributes=attributes)
    refused = failure(
        lambda: sqs.send_message(QueueUrl=url, MessageBody=body + "a", MessageAttributes=attributes)
    )
    invalid_parameter(
        refused,
        "One or more parameters are invalid. Reason: Message must be shorter than 1024 bytes.",
    )
    # Multibyte characters count as their UTF-8 bytes.
    refused = failure(lambda: sqs.send_message(QueueUrl=url, MessageBody="\u00e9" * 513))
    assert refused.code == "InvalidParameterValue"


def test_default_size_limit_is_one_mebibyte(sqs: Any, queue: Callable[..., str]) -> None:
    url = queue()
    refused = failure(lambda: sqs.send_message(QueueUrl=url, MessageBody="a" * (1048576 + 1)))
    invalid_parameter(
        refused,
        "One or more parameters are invalid. Reason: Message must be shorter than 1048576 bytes.",
    )


@pytest.mark.parametrize(
    ("attributes", "message"),
    [
        (
            {"empty": {"DataType": "String", "StringValue": ""}},
            "Message (user) attribute 'empty' must contain a non-empty value of type 'String'.",
        ),
        (
            {"n": {"DataType": "Number", "StringValue": "not-a-number"}},
            "Can't cast the value of message (user) attribute 'n' to a number.",
        ),
        (
            {"t": {"DataType": "Text", "StringValue": "x"}},
            "The type of message (user) attribute 't' is invalid. You must use only the "
            "following supported type prefixes: Binary, Number, String.",
        ),
        (
            {f"a{i}": {"DataType": "String", "StringValue": "x"} for i in range(11)},
            "Number of message attributes [11] exceeds the allowed maximum [10].",
        ),
        (
            {"AWS.thing": {"DataType": "String", "StringValue": "x"}},
            "You can't use message attribute names beginning with 'AWS.' or 'Amazon'. These "
            "strings are reserved for internal use.",
        ),
        (
            {"l": {"DataType": "String", "StringListValues": ["a"]}},
            "Message attribute list values in SendMessage operation are not supported.",
        ),
    ],
    ids=["empty-string", "not-a-number", "bad-type", "eleven", "reserved-prefix", "list"],
)
def test_bad_message_attributes_are_refused(
    sqs: Any, queue: Callable[..., str], attributes: dict[str, Any], message: str
) -> None:
    url = queue()
    refused = failure(
        lambda: sqs.send_message(QueueUrl=url, MessageBody="x", MessageAttributes=attributes)
    )
    invalid_parameter(refused, message)


# --- delays and visibility ---------------------------------------------------------------------


def test_delay_seconds_hides_a_message_until_due(sqs: Any, queue: Callable[..., str]) -> None:
    url = queue()
    # Two seconds: long enough for the checks below to run while it is still delayed.
    sqs.send_message(QueueUrl=url, MessageBody="soon", DelaySeconds=2)
    assert counts(sqs, url) == (0, 0, 1)
    assert receive(sqs, url) == []
    message = receive_one(sqs, url)
    assert message["Body"] == "soon"


def test_queue_delay_applies_and_a_message_delay_overrides_it(
    sqs: Any, queue: Callable[..., str]
) -> None:
    url = queue(DelaySeconds=600)
    sqs.send_message(QueueUrl=url, MessageBody="queue delay")
    sqs.send_message(QueueUrl=url, MessageBody="no delay", DelaySeconds=0)
    assert counts(sqs, url) == (1, 0, 1)
    assert [m["Body"] for m in receive(sqs, url, MaxNumberOfMessages=10)] == ["no delay"]


def test_delay_seconds_out_of_range(sqs: Any, queue: Callable[..., str]) -> None:
    url = queue()
    refused = failure(lambda: sqs.send_message(QueueUrl=url, MessageBody="x", DelaySeconds=901))
    invalid_parameter(
        refused,
        "Value 901 for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900.",
    )


def test_a_message_comes_back_after_its_visibility_timeout(
    sqs: Any, queue: Callable[..., str]
) -> None:
    url = queue()
    sqs.send_message(QueueUrl=url, MessageBody="again")
    [first] = receive(
        sqs, url, VisibilityTimeout=2, MessageSystemAttributeNames=["ApproximateReceiveCount"]
    )
    assert first["Attributes"]["ApproximateReceiveCount"] == "1"
    assert receive(sqs, url) == []
    second = receive_one(sqs, url, MessageSystemAttributeNames=["ApproximateReceiveCount"])
    assert second["MessageId"] == first["MessageId"]
    assert second["Attributes"]["ApproximateReceiveCount"] == "2"
    assert second["ReceiptHandle"] != first["ReceiptHandle"]


def test_queue_visibility_timeout_is_the_default(sqs: Any, queue: Callable[..., str]) -> None:
    url = queue(VisibilityTimeout=2)
    sqs.send_message(QueueUrl=url, MessageBody="x")
    assert len(receive(sqs, url)) == 1
    assert counts(sqs, url) == (0, 1, 0)
    assert receive_one(sqs, url)["Body"] == "x"


def test_change_message_visibility(sqs: Any, queue: Callable[..., str]) -> None:
    url = queue()
    sqs.send_message(QueueUrl=url, MessageBody="x")
    [message] = receive(sqs, url, VisibilityTimeout=600)
    handle = message["ReceiptHandle"]
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=handle, VisibilityTimeout=0)
    [again] = receive(sqs, url, VisibilityTimeout=600)  # receivable at once
    assert again["MessageId"] == message["MessageId"]
    sqs.change_message_visibility(
        QueueUrl=url, ReceiptHandle=again["ReceiptHandle"], VisibilityTimeout=1
    )
    assert receive_one(sqs, url)["MessageId"] == message["MessageId"]


def test_change_visibility_of_a_deleted_message(sqs: Any, queue: Callable[..., str]) -> None:
    url = queue()
    sqs.send_message(QueueUrl=url, MessageBody="x")
    [message] = receive(sqs, url)
    handle = message["ReceiptHandle"]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=handle)
    refused = failure(
        lambda: sqs.change_message_visibility(
            QueueUrl=url, ReceiptHandle=handle, VisibilityTimeout=5
        )
    )
    invalid_parameter(
        refused,
        f"Value {handle} for parameter ReceiptHandle is invalid. Reason: Message does not exist "
        "or is not available for visibility timeout change.",
    )


# --- receipt handles ---------------------------------------------------------------------------


@pytest.mark.parametrize("handle", ["fake", "dGhpcyBpcyBub3QgYSBoYW5kbGU="])
def test_a_malformed_receipt_handle_is_invalid(
    sqs: Any, queue: Callable[..., str], handle: str
) -> None:
    url = queue()
    for call in (
        lambda: sqs.delete_message(QueueUrl=url, ReceiptHandle=handle),
        lambda: sqs.change_message_visibility(
            QueueUrl=url, ReceiptHandle=handle, VisibilityTimeout=1
        ),
    ):
        refused = failure(call)
        assert (refused.code, refused.query_code) == (
            "ReceiptHandleIsInvalid",
            "ReceiptHandleIsInvalid",
        )
        assert (
            refused.message == f'The input receipt handle "{handle}" is not a valid receipt handle.'
        )
        assert isinstance(refused.exception, sqs.exceptions.ReceiptHandleIsInvalid)


def test_a_receipt_handle_of_another_queue_is_invalid(sqs: Any, queue: Callable[..., str]) -> None:
    first, second = queue(), queue()
    sqs.send_message(QueueUrl=first, MessageBody="x")
    [message] = receive(sqs, first)
    refused = failure(
        lambda: sqs.delete_message(QueueUrl=second, ReceiptHandle=message["ReceiptHandle"])
    )
    assert refused.code == "ReceiptHandleIsInvalid"
    assert counts(sqs, first) == (0, 1, 0)


def test_an_older_receipt_handle_still_deletes_on_a_standard_queue(
    sqs: Any, queue: Callable[..., str]
) -> None:
    url = queue()
    sqs.send_message(QueueUrl=url, MessageBody="x")
    [first] = receive(sqs, url, VisibilityTimeout=0)
    [second] = receive(sqs, url, VisibilityTimeout=600)
    assert first["ReceiptHandle"] != second["ReceiptHandle"]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=first["ReceiptHandle"])
    assert counts(sqs, url) == (0, 0, 0)
    # Deleting a deleted message succeeds too.
    sqs.delete_message(QueueUrl=url, ReceiptHandle=second["ReceiptHandle"])


# --- ReceiveMessage limits ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("member", "value", "reason"),
    [
        ("MaxNumberOfMessages", 11, "Must be between 1 and 10, if provided."),
        ("MaxNumberOfMessages", 0, "Must be between 1 and 10, if provided."),
        ("WaitTimeSeconds", 21, "Must be >= 0 and <= 20, if provided."),
        ("WaitTimeSeconds", -1, "Must be >= 0 and <= 20, if provided."),
        ("VisibilityTimeout", 43201, "Must be >= 0 and <= 43200, if provided."),
        ("VisibilityTimeout", -1, "Must be >= 0 and <= 43200, if provided."),
    ],
)
def test_receive_message_parameter_ranges(
    sqs: Any, queue: Callable[..., str], member: str, value: int, reason: str
) -> None:
    url = queue()
    refused = failure(lambda: sqs.receive_message(QueueUrl=url, **{member: value}))
    invalid_parameter(refused, f"Value {value} for parameter {member} is invalid. Reason: {reason}")


def test_max_number_of_messages(sqs: Any, queue: Callable[..., str]) -> None:
    url = queue()
    sqs.send_message_batch(
        QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": f"m{i}"} for i in range(10)]
    )
    sqs.send_message(QueueUrl=url, MessageBody="m10")
    assert len(receive(sqs, url)) == 1  # one by default
    assert len(receive(sqs, url, MaxNumberOfMessages=10)) == 10
    assert receive(sqs, url, MaxNumberOfMessages=10) == []


# --- long polling ------------------------------------------------------------------------------


def test_a_long_poll_returns_as_soon_as_a_message_arrives(
    server: LambdaliteServer, sqs: Any, queue: Callable[..., str]
) -> None:
    url = queue()
    poller = make_client(server.endpoint, "sqs", read_timeout=60)
    asked = threading.Event()
    poller.meta.events.register("before-send.sqs.ReceiveMessage", lambda **_: asked.set())
    result: dict[str, Any] = {}

    def poll() -> None:
        started = time.monotonic()
        result["answer"] = poller.receive_message(QueueUrl=url, WaitTimeSeconds=20)
        result["took"] = time.monotonic() - started

    thread = threading.Thread(target=poll)
    thread.start()
    assert asked.wait(10)
    settle(server)
    sqs.send_message(QueueUrl=url, MessageBody="wake up")
    thread.join(30)
    assert not thread.is_alive()
    assert [m["Body"] for m in result["answer"]["Messages"]] == ["wake up"]
    # A functional wake-up check: it did not sit out its 20 seconds.
    assert result["took"] < 10


def test_a_long_poll_with_nothing_to_receive_ends_empty(
    sqs: Any, queue: Callable[..., str]
) -> None:
    url = queue(ReceiveMessageWaitTimeSeconds=1)  # the queue's wait is the default
    assert "Messages" not in sqs.receive_message(QueueUrl=url)


def test_a_long_poll_gets_a_message_whose_visibility_expires(
    sqs: Any, queue: Callable[..., str]
) -> None:
    url = queue()
    sqs.send_message(QueueUrl=url, MessageBody="back")
    assert len(receive(sqs, url, VisibilityTimeout=1)) == 1
    got = eventually(lambda: receive(sqs, url, WaitTimeSeconds=5))
    assert got[0]["Body"] == "back"


# --- batches -----------------------------------------------------------------------------------


def test_send_message_batch(sqs: Any, queue: Callable[..., str]) -> None:
    url = queue()
    answer = sqs.send_message_batch(
        QueueUrl=url,
        Entries=[
            {"Id": "plain", "MessageBody": "msg"},
            {
                "Id": "with-attributes",
                "MessageBody": "msg",
                "MessageAttributes": {"Foo": {"DataType": "String", "StringValue": "Bar"}},
            },
            {"Id": "delayed_1", "MessageBody": "later", "DelaySeconds": 600},
        ],
    )
    assert "Failed" not in answer
    entries = {e["Id"]: e for e in answer["Successful"]}
    assert set(entries) == {"plain", "with-attributes", "delayed_1"}
    assert set(entries["plain"]) == {"Id", "MessageId", "MD5OfMessageBody"}
    assert entries["plain"]["MD5OfMessageBody"] == BODY_MD5
    assert (
        entries["with-attributes"]["MD5OfMessageAttributes"] == "ae7155c6026991b6d54b11589678bf9c"
    )
    assert counts(sqs, url) == (2, 0, 1)
    got = receive(sqs, url, MaxNumberOfMessages=10)
    assert {m["MessageId"] for m in got} == {
        entries["plain"]["MessageId"],
        entries["with-attributes"]["MessageId"],
    }


def test_send_message_batch_fails_entries_one_by_one(sqs: Any, queue: Callable[..., str]) -> None:
    url = queue(MaximumMessageSize=1024)
    answer = sqs.send_message_batch(
        QueueUrl=url,
        Entries=[
            {"Id": "ok", "MessageBody": "fine"},
            {"Id": "too-late", "MessageBody": "x", "DelaySeconds": 901},
            {"Id": "too-big", "MessageBody": "a" * 1025},
            {
                "Id": "bad-attribute",
                "MessageBody": "x",
                "MessageAttributes": {"e": {"DataType": "String", "StringValue": ""}},
            },
        ],
    )
    assert [e["Id"] for e in answer["Successful"]] == ["ok"]
    failed = {e["Id"]: e for e in answer["Failed"]}
    assert failed["too-late"] == {
        "Id": "too-late",
        "SenderFault": True,
        "Code": "InvalidParameterValue",
        "Message": "Value 901 for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900.",
    }
    assert failed["too-big"] == {
        "Id": "too-big",
        "SenderFault": True,
        "Code": "InvalidParameterValue",
        "Message": "One or more parameters are invalid. Reason: Message must be shorter than 1024 bytes.",
    }
    assert failed["bad-attribute"]["Code"] == "InvalidParameterValue"
    assert counts(sqs, url) == (1, 0, 0)


def test_send_message_batch_entry_without_a_body(sqs: Any, queue: Callable[..., str]) -> None:
    url = queue()
    answer = sqs.send_message_batch(
        QueueUrl=url, Entries=[{"Id": "a", "MessageBody": "x"}, {"Id": "b"}]
    )
    assert answer["Failed"] == [
        {
            "Id": "b",
            "SenderFault": True,
            "Code": "MissingParameter",
            "Message": "The request must contain the parameter SendMessageBatchRequestEntry.2.MessageBody.",
        }
    ]


def test_send_message_batch_all_failed_has_no_successful_key(
    sqs: Any, queue: Callable[..., str]
) -> None:
    url = queue()
    answer = sqs.send_message_batch(
        QueueUrl=url, Entries=[{"Id": "a", "MessageBody": "x", "DelaySeconds": 1000}]
    )
    assert "Successful" not in answer
    assert [e["Id"] for e in answer["Failed"]] == ["a"]


def test_batch_request_too_long(sqs: Any, queue: Callable[..., str]) -> None:
    url = queue()
    half = "a" * (1048576 // 2)
    refused = failure(
        lambda: sqs.send_message_batch(
            QueueUrl=url,
            Entries=[{"Id": "1", "MessageBody": half}, {"Id": "2", "MessageBody": half + "a"}],
        )
    )
    assert (refused.code, refused.query_code, refused.status) == (
        "AWS.SimpleQueueService.BatchRequestTooLong",
        "BatchRequestTooLong",
        400,
    )
    assert refused.message.startswith("Batch requests cannot be longer than 1048576 bytes.")
    assert isinstance(refused.exception, sqs.exceptions.BatchRequestTooLong)
    assert counts(sqs, url) == (0, 0, 0)


BATCH_OPERATIONS = {
    "send_message_batch": ("SendMessageBatchRequestEntry", lambda i: {"Id": i, "MessageBody": "x"}),
    "delete_message_batch": (
        "DeleteMessageBatchRequestEntry",
        lambda i: {"Id": i, "ReceiptHandle": "h"},
    ),
    "change_message_visibility_batch": (
        "ChangeMessageVisibilityBatchRequestEntry",
        lambda i: {"Id": i, "ReceiptHandle": "h", "VisibilityTimeout": 1},
    ),
}


@pytest.mark.parametrize("operation", list(BATCH_OPERATIONS))
def test_batch_request_level_errors(sqs: Any, queue: Callable[..., str], operation: str) -> None:
    url = queue()
    shape, entry = BATCH_OPERATIONS[operation]
    call = getattr(sqs, operation)

    empty = failure(lambda: call(QueueUrl=url, Entries=[]))
    assert (empty.code, empty.query_code, empty.message, empty.status) == (
        "AWS.SimpleQueueService.EmptyBatchRequest",
        "EmptyBatchRequest",
        f"There should be at least one {shape} in the request.",
        400,
    )
    assert isinstance(empty.exception, sqs.exceptions.EmptyBatchRequest)

    many = failure(lambda: call(QueueUrl=url, Entries=[entry(str(i)) for i in range(11)]))
    assert (many.code, many.query_code, many.message) == (
        "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
        "TooManyEntriesInBatchRequest",
        "Maximum number of entries per request are 10. You have sent 11.",
    )
    assert isinstance(many.exception, sqs.exceptions.TooManyEntriesInBatchRequest)

    twice = failure(lambda: call(QueueUrl=url, Entries=[entry("a"), entry("b"), entry("a")]))
    assert (twice.code, twice.query_code, twice.message) == (
        "AWS.SimpleQueueService.BatchEntryIdsNotDistinct",
        "BatchEntryIdsNotDistinct",
        "Id a repeated.",
    )
    assert isinstance(twice.exception, sqs.exceptions.BatchEntryIdsNotDistinct)

    for bad in ("invalid:id", "", "x" * 81):
        wrong = failure(lambda: call(QueueUrl=url, Entries=[entry(bad)]))  # noqa: B023
        assert (wrong.code, wrong.query_code, wrong.message) == (
            "AWS.SimpleQueueService.InvalidBatchEntryId",
            "InvalidBatchEntryId",
            "A batch entry id can only contain alphanumeric characters, hyphens and underscores. "
            "It can be at most 80 letters long.",
        )
        assert isinstance(wrong.exception, sqs.exceptions.InvalidBatchEntryId)


def test_delete_message_batch(sqs: Any, queue: Callable[..., str]) -> None:
    url = queue()
    sqs.send_message_batch(
        QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": f"m{i}"} for i in range(3)]
    )
    got = receive(sqs, url, MaxNumberOfMessages=10)
    assert len(got) == 3
    answer = sqs.delete_message_batch(
        QueueUrl=url,
        Entries=[
            *({"Id": f"d{i}", "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)),
            {"Id": "bad", "ReceiptHandle": "fake"},
        ],
    )
    assert sorted(e["Id"] for e in answer["Successful"]) == ["d0", "d1", "d2"]
    assert answer["Failed"] == [
        {
            "Id": "bad",
            "SenderFault": True,
            "Code": "ReceiptHandleIsInvalid",
            "Message": 'The input receipt handle "fake" is not a valid receipt handle.',
        }
    ]
    assert counts(sqs, url) == (0, 0, 0)


def test_change_message_visibility_batch(sqs: Any, queue: Callable[..., str]) -> None:
    url = queue()
    sqs.send_message_batch(
        QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": f"m{i}"} for i in range(2)]
    )
    got = receive(sqs, url, MaxNumberOfMessages=10, VisibilityTimeout=600)
    answer = sqs.change_message_visibility_batch(
        QueueUrl=url,
        Entries=[
            {"Id": "now", "ReceiptHandle": got[0]["ReceiptHandle"], "VisibilityTimeout": 0},
            {"Id": "later", "ReceiptHandle": got[1]["ReceiptHandle"], "VisibilityTimeout": 600},
            {"Id": "bad", "ReceiptHandle": "fake", "VisibilityTimeout": 0},
        ],
    )
    assert sorted(e["Id"] for e in answer["Successful"]) == ["later", "now"]
    assert [(e["Id"], e["Code"], e["SenderFault"]) for e in answer["Failed"]] == [
        ("bad", "ReceiptHandleIsInvalid", True)
    ]
    assert [m["MessageId"] for m in receive(sqs, url, MaxNumberOfMessages=10)] == [
        got[0]["MessageId"]
    ]
