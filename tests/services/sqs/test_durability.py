"""Nothing SQS acknowledged is lost: messages across kill -9, and a message's visibility, receive
count, receipt handle and deduplication id across restarts on the same data dir."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any

from tests.e2e.conftest import make_client
from tests.support.server import LambdaliteServer, running_server

from .conftest import counts, receive


def client(server: LambdaliteServer) -> Any:
    return make_client(server.endpoint, "sqs")


def queue_url(sqs: Any, name: str) -> str:
    return str(sqs.get_queue_url(QueueName=name)["QueueUrl"])


def test_acknowledged_sends_survive_kill_9(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    first = LambdaliteServer(data_dir)
    try:
        sqs = client(first)
        url = sqs.create_queue(QueueName="kept", Attributes={"VisibilityTimeout": "45"})["QueueUrl"]
        single = sqs.send_message(
            QueueUrl=url,
            MessageBody="single",
            MessageAttributes={"Foo": {"DataType": "String", "StringValue": "Bar"}},
        )
        batch = sqs.send_message_batch(
            QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": f"batch-{i}"} for i in range(5)]
        )
        sent = {single["MessageId"]: "single"} | {
            e["MessageId"]: f"batch-{e['Id']}" for e in batch["Successful"]
        }
    finally:
        first.stop(signal.SIGKILL)

    with running_server(data_dir) as second:
        sqs = client(second)
        url = queue_url(sqs, "kept")
        assert counts(sqs, url) == (6, 0, 0)
        got = receive(sqs, url, MaxNumberOfMessages=10, MessageAttributeNames=["All"])
        assert {m["MessageId"]: m["Body"] for m in got} == sent
        [with_attributes] = [m for m in got if m["Body"] == "single"]
        assert with_attributes["MD5OfMessageAttributes"] == "ae7155c6026991b6d54b11589678bf9c"
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])
        assert attributes["Attributes"] == {"VisibilityTimeout": "45"}


def test_visibility_receive_count_and_deduplication_survive_restarts(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    first = LambdaliteServer(data_dir)
    try:
        sqs = client(first)
        url = sqs.create_queue(QueueName="inflight")["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody="hidden")
        [taken] = receive(sqs, url, VisibilityTimeout=600)
        fifo = sqs.create_queue(QueueName="once.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
        original = sqs.send_message(
            QueueUrl=fifo, MessageBody="once", MessageGroupId="g", MessageDeduplicationId="d"
        )
    finally:
        first.stop(signal.SIGKILL)

    with running_server(data_dir) as second:
        sqs = client(second)
        url, fifo = queue_url(sqs, "inflight"), queue_url(sqs, "once.fifo")
        # Still in flight: not receivable, counted as not visible.
        assert counts(sqs, url) == (0, 1, 0)
        assert receive(sqs, url) == []
        # Its receipt handle still works; it comes back received once before.
        sqs.change_message_visibility(
            QueueUrl=url, ReceiptHandle=taken["ReceiptHandle"], VisibilityTimeout=0
        )
        [again] = receive(
            sqs, url, VisibilityTimeout=600, MessageSystemAttributeNames=["ApproximateReceiveCount"]
        )
        assert again["MessageId"] == taken["MessageId"]
        assert again["Attributes"]["ApproximateReceiveCount"] == "2"
        # The deduplication id is remembered.
        duplicate = sqs.send_message(
            QueueUrl=fifo, MessageBody="once", MessageGroupId="g", MessageDeduplicationId="d"
        )
        assert (duplicate["MessageId"], duplicate["SequenceNumber"]) == (
            original["MessageId"],
            original["SequenceNumber"],
        )
        assert counts(sqs, fifo) == (1, 0, 0)
        assert second.stop() == 0  # a clean stop keeps it all too

    with running_server(data_dir) as third:
        sqs = client(third)
        url = queue_url(sqs, "inflight")
        assert counts(sqs, url) == (0, 1, 0)
        sqs.delete_message(QueueUrl=url, ReceiptHandle=again["ReceiptHandle"])
        assert counts(sqs, url) == (0, 0, 0)
