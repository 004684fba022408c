"""FIFO queues through boto3 against a live server: order per message group, in-flight groups,
deduplication, receipt handles, and order under concurrent consumers.

Expected answers are AWS's (``.briefs/sqs-reference.md`` §4, §6, §7): LocalStack's AWS-recorded
snapshots (test_fifo_*, test_posting_to_fifo_requires_deduplicationid_group_id) and the botocore
model's documentation.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from typing import Any

from tests.e2e.conftest import make_client
from tests.support.server import LambdaliteServer

from .conftest import counts, eventually, failure, receive, settle

FIFO_SYSTEM_ALL = {
    "ApproximateFirstReceiveTimestamp",
    "ApproximateReceiveCount",
    "MessageDeduplicationId",
    "MessageGroupId",
    "SenderId",
    "SentTimestamp",
    "SequenceNumber",
}


def send(sqs: Any, url: str, body: str, group: str = "g", dedup: str | None = None) -> Any:
    return sqs.send_message(
        QueueUrl=url, MessageBody=body, MessageGroupId=group, MessageDeduplicationId=dedup or body
    )


def take(sqs: Any, url: str, **params: Any) -> list[str]:
    """Bodies of one receive, deleting what came."""
    got = receive(sqs, url, MaxNumberOfMessages=10, **params)
    for message in got:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return [m["Body"] for m in got]


def test_a_fifo_send_answers_a_sequence_number(sqs: Any, queue: Callable[..., str]) -> None:
    url = queue(fifo=True)
    first = send(sqs, url, "msg")
    second = send(sqs, url, "other")
    assert set(first) == {"MD5OfMessageBody", "MessageId", "SequenceNumber", "ResponseMetadata"}
    assert first["MD5OfMessageBody"] == "6e2baaf3b97dbeef01c0043275f9a0e7"
    for sent in (first, second):
        assert sent["SequenceNumber"].isdigit()
        assert len(sent["SequenceNumber"]) == 20
    assert int(second["SequenceNumber"]) > int(first["SequenceNumber"])


def test_a_fifo_send_needs_a_message_group_id(sqs: Any, queue: Callable[..., str]) -> None:
    url = queue(fifo=True)
    refused = failure(
        lambda: sqs.send_message(QueueUrl=url, MessageBody="x", MessageDeduplicationId="d")
    )
    assert (refused.code, refused.query_code, refused.message, refused.status) == (
        "MissingParameter",
        "MissingRequiredParameterException",
        "The request must contain the parameter MessageGroupId.",
        400,
    )


def test_a_fifo_send_needs_a_deduplication_id_or_content_based_deduplication(
    sqs: Any, queue: Callable[..., str]
) -> None:
    url = queue(fifo=True)
    refused = failure(lambda: sqs.send_message(QueueUrl=url, MessageBody="x", MessageGroupId="g"))
    assert (refused.code, refused.query_code, refused.message) == (
        "InvalidParameterValue",
        "InvalidParameterValueException",
        "The queue should either have ContentBasedDeduplication enabled or "
        "MessageDeduplicationId provided explicitly",
    )


def test_a_fifo_message_cannot_have_its_own_delay(sqs: Any, queue: Callable[..., str]) -> None:
    url = queue(fifo=True)
    refused = failure(
        lambda: sqs.send_message(
            QueueUrl=url,
            MessageBody="x",
            MessageGroupId="g",
            MessageDeduplicationId="d",
            DelaySeconds=5,
        )
    )
    assert (refused.code, refused.message) == (
        "InvalidParameterValue",
        "Value 5 for parameter DelaySeconds is invalid. Reason: The request include parameter "
        "that is not valid for this queue type.",
    )
    sqs.send_message(
        QueueUrl=url,
        MessageBody="x",
        MessageGroupId="g",
        MessageDeduplicationId="d",
        DelaySeconds=0,
    )
    assert counts(sqs, url) == (1, 0, 0)


def test_a_standard_queue_refuses_a_deduplication_id(sqs: Any, queue: Callable[..., str]) -> None:
    url = queue()
    refused = failure(
        lambda: sqs.send_message(QueueUrl=url, MessageBody="x", MessageDeduplicationId="d")
    )
    assert refused.code == "InvalidParameterValue"


def test_order_within_each_group(sqs: Any, queue: Callable[..., str]) -> None:
    url = queue(fifo=True)
    for i in range(5):
        send(sqs, url, f"a{i}", group="a")
        send(sqs, url, f"b{i}", group="b")
    got: list[str] = []
    while len(got) < 10:
        batch = take(sqs, url)
        assert batch
        got.extend(batch)
    assert [b for b in got if b.startswith("a")] == [f"a{i}" for i in range(5)]
    assert [b for b in got if b.startswith("b")] == [f"b{i}" for i in range(5)]


def test_a_group_with_a_message_in_flight_is_blocked(sqs: Any, queue: Callable[..., str]) -> None:
    url = queue(fifo=True)
    send(sqs, url, "a1", group="a")
    send(sqs, url, "a2", group="a")
    send(sqs, url, "b1", group="b")
    [a1] = receive(sqs, url, VisibilityTimeout=600)
    assert a1["Body"] == "a1"
    [b1] = receive(sqs, url, VisibilityTimeout=600)
    assert b1["Body"] == "b1"  # not a2: group a waits for a1
    assert receive(sqs, url, MaxNumberOfMessages=10) == []

    # a1 visible again: it comes back before a2, received twice.
    sqs.change_message_visibility(
        QueueUrl=url, ReceiptHandle=a1["ReceiptHandle"], VisibilityTimeout=0
    )
    [again] = receive(
        sqs, url, VisibilityTimeout=600, MessageSystemAttributeNames=["ApproximateReceiveCount"]
    )
    assert (again["Body"], again["Attributes"]["ApproximateReceiveCount"]) == ("a1", "2")
    sqs.delete_message(QueueUrl=url, ReceiptHandle=again["ReceiptHandle"])
    assert [m["Body"] for m in receive(sqs, url, MaxNumberOfMessages=10)] == ["a2"]


def test_a_long_poll_wakes_when_a_group_is_unblocked(
    server: LambdaliteServer, sqs: Any, queue: Callable[..., str]
) -> None:
    url = queue(fifo=True)
    send(sqs, url, "first")
    send(sqs, url, "second")
    [first] = receive(sqs, url, VisibilityTimeout=600)
    poller = make_client(server.endpoint, "sqs", read_timeout=60)
    asked = threading.Event()
    poller.meta.events.register("before-send.sqs.ReceiveMessage", lambda **_: asked.set())
    result: dict[str, Any] = {}

    def poll() -> None:
        started = time.monotonic()
        result["answer"] = poller.receive_message(QueueUrl=url, WaitTimeSeconds=8)
        result["took"] = time.monotonic() - started

    thread = threading.Thread(target=poll)
    thread.start()
    assert asked.wait(10)
    settle(server)
    sqs.delete_message(QueueUrl=url, ReceiptHandle=first["ReceiptHandle"])
    thread.join(30)
    assert [m["Body"] for m in result["answer"]["Messages"]] == ["second"]
    # A functional wake-up check: deleting the in-flight message made "second" available,
    # and the poll answered then rather than at the end of its 8 seconds.
    assert result["took"] < 6


def test_attribute_names_all_on_a_fifo_queue(sqs: Any, queue: Callable[..., str]) -> None:
    url = queue(fifo=True)
    sent = send(sqs, url, "msg", group="grp", dedup="dd")
    [message] = receive(sqs, url, MessageSystemAttributeNames=["All"])
    attributes = message["Attributes"]
    assert set(attributes) == FIFO_SYSTEM_ALL
    assert attributes["MessageGroupId"] == "grp"
    assert attributes["MessageDeduplicationId"] == "dd"
    assert attributes["SequenceNumber"] == sent["SequenceNumber"]


def test_deduplication_by_id(sqs: Any, queue: Callable[..., str]) -> None:
    url = queue(fifo=True)
    original = send(sqs, url, "body one", dedup="same")
    duplicate = send(sqs, url, "body two", dedup="same")
    assert duplicate["MessageId"] == original["MessageId"]
    assert duplicate["SequenceNumber"] == original["SequenceNumber"]
    assert duplicate["MD5OfMessageBody"] == hashlib.md5(b"body two").hexdigest()
    assert counts(sqs, url) == (1, 0, 0)
    assert take(sqs, url) == ["body one"]
    # Still a duplicate after the original was received and deleted.
    after = send(sqs, url, "body one", dedup="same")
    assert (after["MessageId"], after["SequenceNumber"]) == (
        original["MessageId"],
        original["SequenceNumber"],
    )
    assert counts(sqs, url) == (0, 0, 0)
    assert take(sqs, url) == []


def test_content_based_deduplication(sqs: Any, queue: Callable[..., str]) -> None:
    url = queue(fifo=True, ContentBasedDeduplication="true")
    first = sqs.send_message(QueueUrl=url, MessageBody="same body", MessageGroupId="g")
    second = sqs.send_message(QueueUrl=url, MessageBody="same body", MessageGroupId="g")
    other = sqs.send_message(QueueUrl=url, MessageBody="other body", MessageGroupId="g")
    assert (second["MessageId"], second["SequenceNumber"]) == (
        first["MessageId"],
        first["SequenceNumber"],
    )
    assert other["MessageId"] != first["MessageId"]
    got = receive(sqs, url, MaxNumberOfMessages=10, MessageSystemAttributeNames=["All"])
    assert [m["Body"] for m in got] == ["same body", "other body"]
    # The deduplication id is the SHA-256 of the body.
    assert (
        got[0]["Attributes"]["MessageDeduplicationId"] == hashlib.sha256(b"same body").hexdigest()
    )
    # An explicit id still wins over the content.
    explicit = sqs.send_message(
        QueueUrl=url, MessageBody="same body", MessageGroupId="g", MessageDeduplicationId="x"
    )
    assert explicit["MessageId"] != first["MessageId"]


def test_deduplication_scope_message_group(sqs: Any, queue: Callable[..., str]) -> None:
    url = queue(
        fifo=True, DeduplicationScope="messageGroup", FifoThroughputLimit="perMessageGroupId"
    )
    one = send(sqs, url, "in g1", group="g1", dedup="d")
    two = send(sqs, url, "in g2", group="g2", dedup="d")
    again = send(sqs, url, "in g1 again", group="g1", dedup="d")
    assert two["MessageId"] != one["MessageId"]
    assert again["MessageId"] == one["MessageId"]
    assert counts(sqs, url) == (2, 0, 0)


def test_deduplication_scope_queue_spans_groups(sqs: Any, queue: Callable[..., str]) -> None:
    url = queue(fifo=True)
    one = send(sqs, url, "in g1", group="g1", dedup="d")
    two = send(sqs, url, "in g2", group="g2", dedup="d")
    assert two["MessageId"] == one["MessageId"]
    assert counts(sqs, url) == (1, 0, 0)


def test_fifo_batch_send_keeps_order_and_deduplicates(sqs: Any, queue: Callable[..., str]) -> None:
    url = queue(fifo=True)
    answer = sqs.send_message_batch(
        QueueUrl=url,
        Entries=[
            {
                "Id": f"e{i}",
                "MessageBody": f"m{i}",
                "MessageGroupId": "g",
                "MessageDeduplicationId": f"d{i}",
            }
            for i in range(5)
        ]
        + [
            {
                "Id": "dup",
                "MessageBody": "m0 again",
                "MessageGroupId": "g",
                "MessageDeduplicationId": "d0",
            }
        ],
    )
    successful = {e["Id"]: e for e in answer["Successful"]}
    assert successful["dup"]["MessageId"] == successful["e0"]["MessageId"]
    sequence = [int(successful[f"e{i}"]["SequenceNumber"]) for i in range(5)]
    assert sequence == sorted(sequence)
    assert take(sqs, url) == [f"m{i}" for i in range(5)]


def fifo_entry(entry_id: str, **fields: str) -> dict[str, str]:
    return {"Id": entry_id, "MessageBody": "messageBody", **fields}


def test_a_fifo_batch_without_a_deduplication_id_fails_as_a_whole(
    sqs: Any, queue: Callable[..., str]
) -> None:
    url = queue(fifo=True)
    refused = failure(
        lambda: sqs.send_message_batch(
            QueueUrl=url,
            Entries=[
                fifo_entry("one", MessageGroupId="g", MessageDeduplicationId="d1"),
                fifo_entry("two", MessageGroupId="g"),
            ],
        )
    )
    assert (refused.code, refused.message, refused.status) == (
        "InvalidParameterValue",
        "The queue should either have ContentBasedDeduplication enabled or "
        "MessageDeduplicationId provided explicitly",
        400,
    )
    assert counts(sqs, url) == (0, 0, 0)


def test_a_fifo_batch_without_a_message_group_id_fails_as_a_whole(
    sqs: Any, queue: Callable[..., str]
) -> None:
    url = queue(fifo=True)
    refused = failure(
        lambda: sqs.send_message_batch(
            QueueUrl=url,
            Entries=[
                fifo_entry("one", MessageGroupId="g", MessageDeduplicationId="d1"),
                fifo_entry("two", MessageDeduplicationId="d2"),
            ],
        )
    )
    assert (refused.code, refused.message, refused.status) == (
        "InvalidParameterValue",
        "The request must contain the parameter MessageGroupId.",
        400,
    )
    assert counts(sqs, url) == (0, 0, 0)


def test_a_fifo_batch_with_an_oversized_entry_fails_as_a_whole(
    sqs: Any, queue: Callable[..., str]
) -> None:
    url = queue(fifo=True, MaximumMessageSize=1024)
    refused = failure(
        lambda: sqs.send_message_batch(
            QueueUrl=url,
            Entries=[
                fifo_entry("one", MessageGroupId="g", MessageDeduplicationId="d1"),
                {
                    "Id": "two",
                    "MessageBody": "a" * 1025,
                    "MessageGroupId": "g",
                    "MessageDeduplicationId": "d2",
                },
            ],
        )
    )
    assert (refused.code, refused.message) == (
        "InvalidParameterValue",
        "One or more parameters are invalid. Reason: Message must be shorter than 1024 bytes.",
    )
    assert counts(sqs, url) == (0, 0, 0)


def test_an_expired_fifo_receipt_handle_cannot_delete(sqs: Any, queue: Callable[..., str]) -> None:
    url = queue(fifo=True)
    send(sqs, url, "x")
    [message] = receive(sqs, url, VisibilityTimeout=1)
    handle = message["ReceiptHandle"]
    eventually(lambda: counts(sqs, url) == (1, 0, 0))
    refused = failure(lambda: sqs.delete_message(QueueUrl=url, ReceiptHandle=handle))
    assert (refused.code, refused.message, refused.status) == (
        "InvalidParameterValue",
        f"Value {handle} for parameter ReceiptHandle is invalid. Reason: The receipt handle has expired.",
        400,
    )
    assert counts(sqs, url) == (1, 0, 0)
    # The handle of the latest receive deletes.
    [again] = receive(sqs, url)
    sqs.delete_message(QueueUrl=url, ReceiptHandle=again["ReceiptHandle"])
    assert counts(sqs, url) == (0, 0, 0)


def test_concurrent_consumers_keep_each_group_in_order(
    server: LambdaliteServer, queue: Callable[..., str], sqs: Any
) -> None:
    url = queue(fifo=True)
    groups, per_group = 4, 15
    for start in range(0, per_group, 5):
        for g in range(groups):
            sqs.send_message_batch(
                QueueUrl=url,
                Entries=[
                    {
                        "Id": f"m{i}",
                        "MessageBody": f"{g}:{i}",
                        "MessageGroupId": f"group-{g}",
                        "MessageDeduplicationId": f"{g}-{i}",
                    }
                    for i in range(start, start + 5)
                ],
            )
    log: list[tuple[int, int]] = []
    lock = threading.Lock()
    errors: list[BaseException] = []
    total = groups * per_group
    deadline = time.monotonic() + 30

    def consume() -> None:
        client = make_client(server.endpoint, "sqs")
        try:
            while time.monotonic() < deadline:
                with lock:
                    if len(log) >= total:
                        return
                got = client.receive_message(
                    QueueUrl=url, MaxNumberOfMessages=3, VisibilityTimeout=60
                ).get("Messages", [])
                if not got:
                    time.sleep(0.01)
                    continue
                with lock:  # processed in the order received, before deleting
                    for message in got:
                        g, i = message["Body"].split(":")
                        log.append((int(g), int(i)))
                for message in got:
                    client.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        except BaseException as error:  # reported by the test thread
            errors.append(error)

    threads = [threading.Thread(target=consume) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    for g in range(groups):
        assert [i for group, i in log if group == g] == list(range(per_group))
    assert len(log) == total
    assert counts(sqs, url) == (0, 0, 0)
