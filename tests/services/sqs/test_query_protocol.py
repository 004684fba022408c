"""SQS's legacy query protocol (form POSTs, XML answers), as older SDKs and CLIs still speak it:
to ``/`` with a QueueUrl, or to the queue's URL path itself without one.

Expected answers are AWS's (``.briefs/sqs-reference.md`` §0, §2): LocalStack's AWS-recorded
``*-query`` snapshot entries (TestSqsQueryApi) and the old query model of SQS.
"""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from botocore.exceptions import ClientError

from tests.aws.legacy import legacy_sqs_client
from tests.support.aws_errors import ACCOUNT
from tests.support.server import LambdaliteServer
from tests.support.signing import send

from .conftest import NON_EXISTENT, counts, receive

NAMESPACE = "http://queue.amazonaws.com/doc/2012-11-05/"
NS = {"sqs": NAMESPACE}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def query(
    server: LambdaliteServer, action: str, path: str = "/", **params: str
) -> tuple[int, dict[str, str], ET.Element]:
    body = urlencode({"Action": action, "Version": "2012-11-05", **params}).encode()
    status, headers, raw = send(server.endpoint, "POST", path, body, FORM, service="sqs")
    return status, headers, ET.fromstring(raw)


def text(root: ET.Element, path: str) -> str | None:
    found = root.find(path, NS)
    return None if found is None else found.text


def error_of(root: ET.Element) -> dict[str, str | None]:
    return {
        "Type": text(root, "sqs:Error/sqs:Type"),
        "Code": text(root, "sqs:Error/sqs:Code"),
        "Message": text(root, "sqs:Error/sqs:Message"),
    }


def test_send_message_to_the_root_with_a_queue_url(
    server: LambdaliteServer, sqs: Any, queue: Callable[..., str]
) -> None:
    url = queue()
    status, headers, root = query(server, "SendMessage", QueueUrl=url, MessageBody="via query")
    assert status == 200
    assert headers["content-type"].startswith("text/xml")
    assert root.tag == f"{{{NAMESPACE}}}SendMessageResponse"
    assert text(root, "sqs:SendMessageResult/sqs:MD5OfMessageBody") == (
        hashlib.md5(b"via query").hexdigest()
    )
    message_id = text(root, "sqs:SendMessageResult/sqs:MessageId")
    assert text(root, "sqs:ResponseMetadata/sqs:RequestId")
    [message] = receive(sqs, url)
    assert (message["Body"], message["MessageId"]) == ("via query", message_id)


def test_send_message_to_the_queue_url_path(
    server: LambdaliteServer, sqs: Any, queue: Callable[..., str]
) -> None:
    url = queue()
    path = urlsplit(url).path
    assert path.startswith(f"/{ACCOUNT}/")
    status, _, root = query(server, "SendMessage", path=path, MessageBody="by path")
    assert status == 200
    assert text(root, "sqs:SendMessageResult/sqs:MessageId")
    assert [m["Body"] for m in receive(sqs, url)] == ["by path"]


def test_message_attributes_and_receive_over_query(
    server: LambdaliteServer, sqs: Any, queue: Callable[..., str]
) -> None:
    url = queue()
    status, _, root = query(
        server,
        "SendMessage",
        QueueUrl=url,
        MessageBody="msg",
        **{
            "MessageAttribute.1.Name": "Foo",
            "MessageAttribute.1.Value.DataType": "String",
            "MessageAttribute.1.Value.StringValue": "Bar",
        },
    )
    assert status == 200
    assert text(root, "sqs:SendMessageResult/sqs:MD5OfMessageAttributes") == (
        "ae7155c6026991b6d54b11589678bf9c"
    )
    status, _, root = query(
        server,
        "ReceiveMessage",
        QueueUrl=url,
        **{"MessageAttributeName.1": "All", "AttributeName.1": "All"},
    )
    assert status == 200
    [message] = root.findall("sqs:ReceiveMessageResult/sqs:Message", NS)
    assert text(message, "sqs:Body") == "msg"
    assert text(message, "sqs:MD5OfBody") == "6e2baaf3b97dbeef01c0043275f9a0e7"
    assert text(message, "sqs:MessageAttribute/sqs:Name") == "Foo"
    assert text(message, "sqs:MessageAttribute/sqs:Value/sqs:StringValue") == "Bar"
    names = {text(a, "sqs:Name") for a in message.findall("sqs:Attribute", NS)}
    assert "ApproximateReceiveCount" in names
    handle = text(message, "sqs:ReceiptHandle")
    assert handle
    status, _, _ = query(server, "DeleteMessage", QueueUrl=url, ReceiptHandle=handle)
    assert status == 200
    assert counts(sqs, url) == (0, 0, 0)


def test_create_queue_and_get_its_url_over_query(
    server: LambdaliteServer, sqs: Any, names: Callable[..., str]
) -> None:
    name = names()
    status, _, root = query(
        server,
        "CreateQueue",
        QueueName=name,
        **{"Attribute.1.Name": "VisibilityTimeout", "Attribute.1.Value": "17"},
    )
    assert status == 200
    url = text(root, "sqs:CreateQueueResult/sqs:QueueUrl")
    assert url == f"{server.endpoint}/{ACCOUNT}/{name}"
    _, _, root = query(server, "GetQueueUrl", QueueName=name)
    assert text(root, "sqs:GetQueueUrlResult/sqs:QueueUrl") == url
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])
    assert attributes["Attributes"] == {"VisibilityTimeout": "17"}


MISSING = {
    "Type": "Sender",
    "Code": NON_EXISTENT,
    "Message": "The specified queue does not exist for this wsdl version.",
}


def test_a_missing_queue_over_query(
    server: LambdaliteServer, queue: Callable[..., str], sqs: Any, names: Callable[..., str]
) -> None:
    status, headers, root = query(server, "GetQueueUrl", QueueName=names())
    assert (status, root.tag) == (400, f"{{{NAMESPACE}}}ErrorResponse")
    assert headers["content-type"].startswith("text/xml")
    assert error_of(root) == MISSING
    assert text(root, "sqs:RequestId")

    gone = queue()
    sqs.delete_queue(QueueUrl=gone)
    status, _, root = query(server, "SendMessage", QueueUrl=gone, MessageBody="x")
    assert (status, error_of(root)) == (400, MISSING)


def test_a_missing_queue_by_its_path_over_query(
    server: LambdaliteServer, queue: Callable[..., str], sqs: Any
) -> None:
    gone = queue()
    sqs.delete_queue(QueueUrl=gone)
    status, _, root = query(server, "SendMessage", path=urlsplit(gone).path, MessageBody="x")
    assert (status, error_of(root)) == (400, MISSING)


def test_errors_over_query_carry_the_legacy_codes(
    server: LambdaliteServer, queue: Callable[..., str]
) -> None:
    url = queue()
    status, _, root = query(server, "ReceiveMessage", QueueUrl=url, MaxNumberOfMessages="11")
    assert (status, error_of(root)) == (
        400,
        {
            "Type": "Sender",
            "Code": "InvalidParameterValue",
            "Message": "Value 11 for parameter MaxNumberOfMessages is invalid. Reason: Must be "
            "between 1 and 10, if provided.",
        },
    )
    status, _, root = query(
        server,
        "SetQueueAttributes",
        QueueUrl=url,
        **{"Attribute.1.Name": "DelaySeconds", "Attribute.1.Value": "901"},
    )
    assert (status, error_of(root)) == (
        400,
        {
            "Type": "Sender",
            "Code": "InvalidAttributeValue",
            "Message": "Invalid value for the parameter DelaySeconds.",
        },
    )
    query(server, "PurgeQueue", QueueUrl=url)
    status, _, root = query(server, "PurgeQueue", QueueUrl=url)
    assert status == 403
    assert error_of(root)["Code"] == "AWS.SimpleQueueService.PurgeQueueInProgress"


def test_a_batch_without_entries_over_query(
    server: LambdaliteServer, queue: Callable[..., str]
) -> None:
    status, _, root = query(server, "SendMessageBatch", QueueUrl=queue())
    assert (status, error_of(root)) == (
        400,
        {
            "Type": "Sender",
            "Code": "MissingParameter",
            "Message": "The request must contain the parameter Entries.",
        },
    )


def test_list_queues_and_batches_over_query(
    server: LambdaliteServer, sqs: Any, names: Callable[..., str]
) -> None:
    prefix = names()
    urls = sorted(sqs.create_queue(QueueName=f"{prefix}-{i}")["QueueUrl"] for i in range(2))
    status, _, root = query(server, "ListQueues", QueueNamePrefix=prefix)
    assert status == 200
    listed = [e.text for e in root.findall("sqs:ListQueuesResult/sqs:QueueUrl", NS)]
    assert sorted(listed) == urls

    status, _, root = query(
        server,
        "SendMessageBatch",
        QueueUrl=urls[0],
        **{
            "SendMessageBatchRequestEntry.1.Id": "first",
            "SendMessageBatchRequestEntry.1.MessageBody": "one",
            "SendMessageBatchRequestEntry.2.Id": "second",
            "SendMessageBatchRequestEntry.2.MessageBody": "two",
        },
    )
    assert status == 200
    entries = root.findall("sqs:SendMessageBatchResult/sqs:SendMessageBatchResultEntry", NS)
    assert sorted(text(e, "sqs:Id") or "" for e in entries) == ["first", "second"]
    assert counts(sqs, urls[0]) == (2, 0, 0)

    status, _, root = query(
        server, "GetQueueAttributes", QueueUrl=urls[0], **{"AttributeName.1": "All"}
    )
    assert status == 200
    attributes = {
        text(a, "sqs:Name"): text(a, "sqs:Value")
        for a in root.findall("sqs:GetQueueAttributesResult/sqs:Attribute", NS)
    }
    assert attributes["ApproximateNumberOfMessages"] == "2"
    assert attributes["VisibilityTimeout"] == "30"


def test_a_boto3_client_with_the_legacy_query_model(
    server: LambdaliteServer, names: Callable[..., str], tmp_path: Path
) -> None:
    """boto3 as it was before SQS spoke json: botocore's old query model of SQS drives its
    requests and reads the answers (skipped when that model is not on this machine: see
    ``tests/aws/legacy.py``)."""
    legacy = legacy_sqs_client(server.endpoint, tmp_path)
    assert legacy.meta.service_model.protocol == "query"
    name = names()
    url = legacy.create_queue(
        QueueName=name, Attributes={"VisibilityTimeout": "17"}, tags={"team": "a"}
    )["QueueUrl"]
    assert legacy.get_queue_url(QueueName=name)["QueueUrl"] == url
    assert legacy.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "a"}
    attribute = {"DataType": "String", "StringValue": "Bar"}
    legacy.send_message(QueueUrl=url, MessageBody="one", MessageAttributes={"Foo": attribute})
    batch = legacy.send_message_batch(
        QueueUrl=url, Entries=[{"Id": "a", "MessageBody": "two"}, {"Id": "b", "MessageBody": "3"}]
    )
    assert sorted(entry["Id"] for entry in batch["Successful"]) == ["a", "b"]

    messages = _receive_all(legacy, url, 3)
    first = next(m for m in messages if m["Body"] == "one")
    assert first["MessageAttributes"] == {"Foo": attribute}
    assert first["Attributes"]["ApproximateReceiveCount"] == "1"
    entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)]
    deleted = legacy.delete_message_batch(QueueUrl=url, Entries=entries)
    assert len(deleted["Successful"]) == 3
    attributes = legacy.get_queue_attributes(
        QueueUrl=url, AttributeNames=["VisibilityTimeout", "ApproximateNumberOfMessages"]
    )["Attributes"]
    assert attributes == {"VisibilityTimeout": "17", "ApproximateNumberOfMessages": "0"}

    with pytest.raises(ClientError) as raised:
        legacy.send_message_batch(
            QueueUrl=url, Entries=[{"Id": "a", "MessageBody": "x"}, {"Id": "a", "MessageBody": "y"}]
        )
    assert raised.value.response["Error"]["Code"] == (
        "AWS.SimpleQueueService.BatchEntryIdsNotDistinct"
    )
    with pytest.raises(ClientError) as raised:
        legacy.get_queue_url(QueueName=names())
    assert raised.value.response["Error"]["Code"] == NON_EXISTENT


def _receive_all(client: Any, url: str, count: int) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    for _ in range(20):  # a receive may answer fewer messages than there are
        messages += client.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=10,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if len(messages) >= count:
            break
    assert len(messages) == count
    return messages
