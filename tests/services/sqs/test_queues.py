"""Queues through boto3 against a live server: CreateQueue, GetQueueUrl, ListQueues,
DeleteQueue, Get/SetQueueAttributes, tags and PurgeQueue.

Expected answers are AWS's (``.briefs/sqs-reference.md`` §0-§3, §8, §10): mostly LocalStack's
AWS-recorded snapshots (test_sqs.snapshot.json), the botocore model's documentation, and
answers quoted from real AWS in public issues.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from tests.support.aws_errors import ACCOUNT

from .conftest import NON_EXISTENT, counts, failure, queue_arn, receive

STANDARD_ALL = {
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesDelayed",
    "ApproximateNumberOfMessagesNotVisible",
    "CreatedTimestamp",
    "DelaySeconds",
    "LastModifiedTimestamp",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "QueueArn",
    "ReceiveMessageWaitTimeSeconds",
    "SqsManagedSseEnabled",
    "VisibilityTimeout",
}
FIFO_EXTRA = {"ContentBasedDeduplication", "DeduplicationScope", "FifoQueue", "FifoThroughputLimit"}
NAME_RULES = "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length"


def all_attributes(sqs: Any, url: str) -> dict[str, str]:
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]  # type: ignore[no-any-return]


# --- CreateQueue ----------------------------------------------------------------------------


def test_create_queue_answers_a_url_that_names_account_and_queue(
    sqs: Any, names: Callable[..., str], server: Any
) -> None:
    name = names()
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    assert url == f"{server.endpoint}/{ACCOUNT}/{name}"
    assert sqs.get_queue_url(QueueName=name)["QueueUrl"] == url


def test_create_queue_with_attributes_and_tags(sqs: Any, names: Callable[..., str]) -> None:
    name = names()
    url = sqs.create_queue(
        QueueName=name,
        Attributes={
            "DelaySeconds": "5",
            "VisibilityTimeout": "45",
            "MaximumMessageSize": "2048",
            "MessageRetentionPeriod": "120",
            "ReceiveMessageWaitTimeSeconds": "3",
        },
        tags={"team": "core", "empty": ""},
    )["QueueUrl"]
    attributes = all_attributes(sqs, url)
    assert attributes["DelaySeconds"] == "5"
    assert attributes["VisibilityTimeout"] == "45"
    assert attributes["MaximumMessageSize"] == "2048"
    assert attributes["MessageRetentionPeriod"] == "120"
    assert attributes["ReceiveMessageWaitTimeSeconds"] == "3"
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "core", "empty": ""}


def test_create_queue_again_with_equal_attributes_answers_the_same_url(
    sqs: Any, names: Callable[..., str]
) -> None:
    name = names()
    attributes = {"DelaySeconds": "2", "VisibilityTimeout": "40"}
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    assert sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"] == url
    # No attributes at all is no difference either.
    assert sqs.create_queue(QueueName=name)["QueueUrl"] == url
    assert all_attributes(sqs, url)["DelaySeconds"] == "2"


def test_create_queue_again_with_a_different_value_is_refused(
    sqs: Any, names: Callable[..., str]
) -> None:
    name = names()
    sqs.create_queue(QueueName=name, Attributes={"DelaySeconds": "1"})
    refused = failure(lambda: sqs.create_queue(QueueName=name, Attributes={"DelaySeconds": "2"}))
    assert (refused.code, refused.query_code, refused.status) == (
        "QueueAlreadyExists",
        "QueueNameExists",
        400,
    )
    assert refused.message == (
        "A queue already exists with the same name and a different value for attribute DelaySeconds"
    )
    assert isinstance(refused.exception, sqs.exceptions.QueueNameExists)


def test_create_fifo_queue_again_with_a_different_deduplication_is_refused(
    sqs: Any, names: Callable[..., str]
) -> None:
    name = names(fifo=True)
    sqs.create_queue(QueueName=name, Attributes={"FifoQueue": "true"})
    refused = failure(
        lambda: sqs.create_queue(
            QueueName=name,
            Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"},
        )
    )
    assert (refused.code, refused.query_code) == ("QueueAlreadyExists", "QueueNameExists")
    assert refused.message == (
        "A queue already exists with the same name and a different value for attribute "
        "ContentBasedDeduplication"
    )


@pytest.mark.parametrize(
    "name",
    ["in.fo", "\u00e9\u00e9ww\u00e0", "has space", "slash/ed", "x" * 81, "plain.fifo"],
)
def test_create_queue_refuses_a_bad_name(sqs: Any, name: str) -> None:
    refused = failure(lambda: sqs.create_queue(QueueName=name))
    assert (refused.code, refused.query_code, refused.message, refused.status) == (
        "InvalidParameterValue",
        "InvalidParameterValueException",
        NAME_RULES,
        400,
    )


def test_create_queue_accepts_names_up_to_80_characters(
    sqs: Any, names: Callable[..., str]
) -> None:
    unique = names()[-20:].replace(".", "-")
    standard = (unique + "_" * 80)[:80]
    fifo = (unique + "-" * 75)[:75] + ".fifo"
    assert sqs.create_queue(QueueName=standard)["QueueUrl"].endswith("/" + standard)
    created = sqs.create_queue(QueueName=fifo, Attributes={"FifoQueue": "true"})
    assert created["QueueUrl"].endswith("/" + fifo)
    too_long = failure(
        lambda: sqs.create_queue(QueueName="a" + fifo, Attributes={"FifoQueue": "true"})
    )
    assert too_long.code == "InvalidParameterValue"


def test_create_queue_without_a_name_is_refused(sqs: Any) -> None:
    refused = failure(sqs.create_queue)
    assert (refused.code, refused.message, refused.status) == (
        "InvalidParameterValue",
        "Value for parameter QueueName is invalid. Reason: Must specify a queue name.",
        400,
    )


def test_create_queue_with_an_empty_name_is_refused(sqs: Any) -> None:
    refused = failure(lambda: sqs.create_queue(QueueName=""))
    assert (refused.code, refused.status) == ("InvalidParameterValue", 400)
    assert refused.message.startswith("Queue name cannot be empty")


def test_fifo_queue_attribute_needs_a_fifo_name(sqs: Any, names: Callable[..., str]) -> None:
    refused = failure(lambda: sqs.create_queue(QueueName=names(), Attributes={"FifoQueue": "true"}))
    assert (refused.code, refused.query_code, refused.message, refused.status) == (
        "InvalidAttributeName",
        "InvalidAttributeName",
        "Unknown Attribute FifoQueue.",
        400,
    )


def test_fifo_name_with_fifo_queue_false_is_refused(sqs: Any, names: Callable[..., str]) -> None:
    refused = failure(
        lambda: sqs.create_queue(QueueName=names(fifo=True), Attributes={"FifoQueue": "false"})
    )
    assert (refused.code, refused.message) == (
        "InvalidAttributeName",
        "Unknown Attribute FifoQueue.",
    )


@pytest.mark.parametrize(
    ("attribute", "value", "message"),
    [
        ("ContentBasedDeduplication", "true", "Unknown Attribute ContentBasedDeduplication."),
        (
            "DeduplicationScope",
            "messageGroup",
            "You can specify the DeduplicationScope only when FifoQueue is set to true.",
        ),
        (
            "FifoThroughputLimit",
            "perMessageGroupId",
            "You can specify the FifoThroughputLimit only when FifoQueue is set to true.",
        ),
    ],
)
def test_fifo_only_attributes_are_refused_on_a_standard_queue(
    sqs: Any, names: Callable[..., str], attribute: str, value: str, message: str
) -> None:
    refused = failure(lambda: sqs.create_queue(QueueName=names(), Attributes={attribute: value}))
    assert (refused.code, refused.message, refused.status) == ("InvalidAttributeName", message, 400)


def test_create_queue_refuses_an_unknown_attribute(sqs: Any, names: Callable[..., str]) -> None:
    refused = failure(lambda: sqs.create_queue(QueueName=names(), Attributes={"Colour": "red"}))
    assert (refused.code, refused.query_code, refused.message, refused.status) == (
        "InvalidAttributeName",
        "InvalidAttributeName",
        "Unknown Attribute Colour.",
        400,
    )
    assert isinstance(refused.exception, sqs.exceptions.InvalidAttributeName)


@pytest.mark.parametrize(
    ("attribute", "value"),
    [
        ("DelaySeconds", "901"),
        ("DelaySeconds", "-1"),
        ("DelaySeconds", "abc"),
        ("DelaySeconds", ""),
        ("DelaySeconds", " 6"),
        ("DelaySeconds", "1.5"),
        ("MaximumMessageSize", "1023"),
        ("MaximumMessageSize", "1048577"),
        ("MessageRetentionPeriod", "59"),
        ("MessageRetentionPeriod", "1209601"),
        ("ReceiveMessageWaitTimeSeconds", "21"),
        ("VisibilityTimeout", "43201"),
        ("KmsDataKeyReusePeriodSeconds", "59"),
        ("KmsDataKeyReusePeriodSeconds", "86401"),
    ],
)
def test_create_queue_refuses_an_out_of_range_value(
    sqs: Any, names: Callable[..., str], attribute: str, value: str
) -> None:
    refused = failure(lambda: sqs.create_queue(QueueName=names(), Attributes={attribute: value}))
    assert (refused.code, refused.query_code, refused.message, refused.status) == (
        "InvalidAttributeValue",
        "InvalidAttributeValue",
        f"Invalid value for the parameter {attribute}.",
        400,
    )
    assert isinstance(refused.exception, sqs.exceptions.InvalidAttributeValue)


def test_create_queue_accepts_the_limits_themselves(sqs: Any, queue: Callable[..., str]) -> None:
    low = queue(
        DelaySeconds=0,
        MaximumMessageSize=1024,
        MessageRetentionPeriod=60,
        ReceiveMessageWaitTimeSeconds=0,
        VisibilityTimeout=0,
    )
    high = queue(
        DelaySeconds=900,
        MaximumMessageSize=1048576,
        MessageRetentionPeriod=1209600,
        ReceiveMessageWaitTimeSeconds=20,
        VisibilityTimeout=43200,
    )
    assert all_attributes(sqs, low)["MaximumMessageSize"] == "1024"
    assert all_attributes(sqs, high)["MessageRetentionPeriod"] == "1209600"


# --- GetQueueUrl, ListQueues, DeleteQueue ---------------------------------------------------


def test_get_queue_url_of_a_missing_queue(sqs: Any, names: Callable[..., str]) -> None:
    missing = failure(lambda: sqs.get_queue_url(QueueName=names()))
    assert missing.code == NON_EXISTENT
    assert missing.query_code == "QueueDoesNotExist"
    assert missing.error_type == "Sender"
    assert (missing.message, missing.status) == ("The specified queue does not exist.", 400)
    assert isinstance(missing.exception, sqs.exceptions.QueueDoesNotExist)
    headers = missing.exception.response["ResponseMetadata"]["HTTPHeaders"]
    assert headers["x-amzn-query-error"] == f"{NON_EXISTENT};Sender"


def test_list_queues_by_prefix_and_in_pages(sqs: Any, names: Callable[..., str]) -> None:
    prefix = names("-list")
    urls = sorted(sqs.create_queue(QueueName=f"{prefix}-{i}")["QueueUrl"] for i in range(5))
    sqs.create_queue(QueueName=names("-other"))

    listed = sqs.list_queues(QueueNamePrefix=prefix)
    assert sorted(listed["QueueUrls"]) == urls
    assert "NextToken" not in listed  # only with MaxResults

    pages: list[list[str]] = []
    token: dict[str, str] = {}
    while True:
        page = sqs.list_queues(QueueNamePrefix=prefix, MaxResults=2, **token)
        pages.append(page["QueueUrls"])
        if "NextToken" not in page:
            break
        token = {"NextToken": page["NextToken"]}
    assert [len(p) for p in pages] == [2, 2, 1]
    assert sorted(url for p in pages for url in p) == urls

    whole = sqs.list_queues(QueueNamePrefix=prefix, MaxResults=5)
    assert sorted(whole["QueueUrls"]) == urls
    assert "NextToken" not in whole


def test_list_queues_paginator(checked_sqs: Any, names: Callable[..., str]) -> None:
    prefix = names("-pages")
    urls = sorted(checked_sqs.create_queue(QueueName=f"{prefix}-{i}")["QueueUrl"] for i in range(3))
    paginator = checked_sqs.get_paginator("list_queues")
    pages = list(paginator.paginate(QueueNamePrefix=prefix, PaginationConfig={"PageSize": 1}))
    assert sorted(url for page in pages for url in page.get("QueueUrls", [])) == urls


def test_list_queues_without_matches_has_no_queue_urls_key(
    sqs: Any, names: Callable[..., str]
) -> None:
    listed = sqs.list_queues(QueueNamePrefix=names("-nothing-here"))
    assert "QueueUrls" not in listed
    assert "NextToken" not in listed


def test_list_queues_prefix_is_case_sensitive(sqs: Any, names: Callable[..., str]) -> None:
    name = names("-Case")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    assert sqs.list_queues(QueueNamePrefix=name)["QueueUrls"] == [url]
    assert "QueueUrls" not in sqs.list_queues(QueueNamePrefix=name.upper())


def test_delete_queue(sqs: Any, queue: Callable[..., str]) -> None:
    url = queue()
    name = url.rsplit("/", 1)[1]
    sqs.send_message(QueueUrl=url, MessageBody="gone with the queue")
    sqs.delete_queue(QueueUrl=url)
    assert failure(lambda: sqs.get_queue_url(QueueName=name)).code == NON_EXISTENT
    assert "QueueUrls" not in sqs.list_queues(QueueNamePrefix=name)
    for call in (
        lambda: sqs.delete_queue(QueueUrl=url),
        lambda: sqs.send_message(QueueUrl=url, MessageBody="x"),
        lambda: sqs.receive_message(QueueUrl=url),
        lambda: sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"]),
    ):
        missing = failure(call)
        assert (missing.code, missing.query_code, missing.status) == (
            NON_EXISTENT,
            "QueueDoesNotExist",
            400,
        )


def test_a_deleted_queue_name_cannot_be_reused_for_60_seconds(
    sqs: Any, names: Callable[..., str]
) -> None:
    name = names()
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    sqs.delete_queue(QueueUrl=url)
    refused = failure(lambda: sqs.create_queue(QueueName=name))
    assert (refused.code, refused.query_code, refused.status) == (
        "AWS.SimpleQueueService.QueueDeletedRecently",
        "QueueDeletedRecently",
        400,
    )
    assert refused.message == (
        "You must wait 60 seconds after deleting a queue before you can create another with "
        "the same name."
    )
    assert isinstance(refused.exception, sqs.exceptions.QueueDeletedRecently)


# --- Get/SetQueueAttributes ------------------------------------------------------------------


def test_all_attributes_of_a_standard_queue(sqs: Any, queue: Callable[..., str]) -> None:
    before = int(time.time())
    url = queue()
    after = int(time.time())
    attributes = all_attributes(sqs, url)
    assert set(attributes) == STANDARD_ALL
    assert {k: v for k, v in attributes.items() if not k.endswith("Timestamp")} == {
        "ApproximateNumberOfMessages": "0",
        "ApproximateNumberOfMessagesDelayed": "0",
        "ApproximateNumberOfMessagesNotVisible": "0",
        "DelaySeconds": "0",
        "MaximumMessageSize": "1048576",
        "MessageRetentionPeriod": "345600",
        "QueueArn": queue_arn(url),
        "ReceiveMessageWaitTimeSeconds": "0",
        "SqsManagedSseEnabled": "true",
        "VisibilityTimeout": "30",
    }
    # Epoch seconds.
    assert before - 1 <= int(attributes["CreatedTimestamp"]) <= after + 1
    assert attributes["LastModifiedTimestamp"] == attributes["CreatedTimestamp"]


def test_all_attributes_of_a_fifo_queue(sqs: Any, queue: Callable[..., str]) -> None:
    attributes = all_attributes(sqs, queue(fifo=True))
    assert set(attributes) == STANDARD_ALL | FIFO_EXTRA
    assert {k: attributes[k] for k in FIFO_EXTRA} == {
        "ContentBasedDeduplication": "false",
        "DeduplicationScope": "queue",
        "FifoQueue": "true",
        "FifoThroughputLimit": "perQueue",
    }
    assert attributes["MaximumMessageSize"] == "1048576"
    assert attributes["SqsManagedSseEnabled"] == "true"


def test_get_some_attributes(sqs: Any, queue: Callable[..., str]) -> None:
    url = queue(VisibilityTimeout=12)
    got = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout", "QueueArn"])
    assert got["Attributes"] == {"VisibilityTimeout": "12", "QueueArn": queue_arn(url)}
    assert "Attributes" not in sqs.get_queue_attributes(QueueUrl=url)


def test_get_an_unknown_attribute_is_refused(sqs: Any, queue: Callable[..., str]) -> None:
    url = queue()
    refused = failure(
        lambda: sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout", "Nope"])
    )
    assert (refused.code, refused.message, refused.status) == (
        "InvalidAttributeName",
        "Unknown Attribute Nope.",
        400,
    )


def test_set_queue_attributes(sqs: Any, queue: Callable[..., str]) -> None:
    url = queue()
    sqs.set_queue_attributes(
        QueueUrl=url, Attributes={"VisibilityTimeout": "99", "DelaySeconds": "3"}
    )
    attributes = all_attributes(sqs, url)
    assert (attributes["VisibilityTimeout"], attributes["DelaySeconds"]) == ("99", "3")
    assert int(attributes["LastModifiedTimestamp"]) >= int(attributes["CreatedTimestamp"])
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": '{"Version": "2012-10-17"}'})
    assert "Policy" in all_attributes(sqs, url)
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": ""})
    assert "Policy" not in all_attributes(sqs, url)


@pytest.mark.parametrize(
    ("attribute", "value"),
    [("VisibilityTimeout", "43201"), ("DelaySeconds", "x"), ("MaximumMessageSize", "100")],
)
def test_set_queue_attributes_refuses_bad_values(
    sqs: Any, queue: Callable[..., str], attribute: str, value: str
) -> None:
    url = queue()
    refused = failure(lambda: sqs.set_queue_attributes(QueueUrl=url, Attributes={attribute: value}))
    assert (refused.code, refused.message, refused.status) == (
        "InvalidAttributeValue",
        f"Invalid value for the parameter {attribute}.",
        400,
    )


@pytest.mark.parametrize(("name", "value"), [("Colour", "red"), ("FifoQueue", "true")])
def test_set_queue_attributes_refuses_unknown_names(
    sqs: Any, queue: Callable[..., str], name: str, value: str
) -> None:
    url = queue()
    refused = failure(lambda: sqs.set_queue_attributes(QueueUrl=url, Attributes={name: value}))
    assert (refused.code, refused.message, refused.status) == (
        "InvalidAttributeName",
        f"Unknown Attribute {name}.",
        400,
    )


def test_a_fifo_queue_cannot_stop_being_fifo(sqs: Any, queue: Callable[..., str]) -> None:
    url = queue(fifo=True)
    refused = failure(
        lambda: sqs.set_queue_attributes(QueueUrl=url, Attributes={"FifoQueue": "false"})
    )
    assert (refused.code, refused.message, refused.status) == (
        "InvalidAttributeValue",
        "Invalid value for the parameter FifoQueue. Reason: Modifying queue type is not supported.",
        400,
    )


def test_sse_kms_and_sqs_are_mutually_exclusive(sqs: Any, queue: Callable[..., str]) -> None:
    url = queue()
    refused = failure(
        lambda: sqs.set_queue_attributes(
            QueueUrl=url,
            Attributes={"SqsManagedSseEnabled": "true", "KmsMasterKeyId": "alias/aws/sqs"},
        )
    )
    assert (refused.code, refused.message) == (
        "InvalidAttributeName",
        "You can use one type of server-side encryption (SSE) at one time. You can either "
        "enable KMS SSE or SQS SSE.",
    )


def test_approximate_counts(sqs: Any, queue: Callable[..., str]) -> None:
    url = queue()
    for body in ("one", "two", "three"):
        sqs.send_message(QueueUrl=url, MessageBody=body)
    sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=600)
    assert counts(sqs, url) == (3, 0, 1)
    [taken] = receive(sqs, url, VisibilityTimeout=600)
    assert counts(sqs, url) == (2, 1, 1)
    sqs.change_message_visibility(
        QueueUrl=url, ReceiptHandle=taken["ReceiptHandle"], VisibilityTimeout=0
    )
    assert counts(sqs, url) == (3, 0, 1)
    sqs.delete_message(QueueUrl=url, ReceiptHandle=taken["ReceiptHandle"])
    assert counts(sqs, url) == (2, 0, 1)


# --- tags --------------------------------------------------------------------------------------


def test_tag_untag_and_list_tags(sqs: Any, queue: Callable[..., str]) -> None:
    url = queue(tags={"tag1": "v1"})
    sqs.tag_queue(QueueUrl=url, Tags={"tag2": "v2", "tag3": ""})
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"tag1": "v1", "tag2": "v2", "tag3": ""}
    sqs.tag_queue(QueueUrl=url, Tags={"tag1": "changed"})
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"]["tag1"] == "changed"
    sqs.untag_queue(QueueUrl=url, TagKeys=["tag2", "not-there"])
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"tag1": "changed", "tag3": ""}
    sqs.untag_queue(QueueUrl=url, TagKeys=["tag1", "tag3"])
    assert sqs.list_queue_tags(QueueUrl=url).get("Tags", {}) == {}


def test_tags_of_a_missing_queue(sqs: Any, queue: Callable[..., str]) -> None:
    url = queue()
    sqs.delete_queue(QueueUrl=url)
    assert failure(lambda: sqs.list_queue_tags(QueueUrl=url)).code == NON_EXISTENT
    assert failure(lambda: sqs.tag_queue(QueueUrl=url, Tags={"a": "b"})).code == NON_EXISTENT


# --- PurgeQueue --------------------------------------------------------------------------------


def test_purge_queue_drops_every_message_and_only_once_a_minute(
    sqs: Any, queue: Callable[..., str]
) -> None:
    url = queue()
    for body in ("visible", "in flight"):
        sqs.send_message(QueueUrl=url, MessageBody=body)
    sqs.send_message(QueueUrl=url, MessageBody="delayed", DelaySeconds=600)
    assert len(receive(sqs, url, VisibilityTimeout=600)) == 1
    assert counts(sqs, url) == (1, 1, 1)
    sqs.purge_queue(QueueUrl=url)
    assert counts(sqs, url) == (0, 0, 0)
    assert receive(sqs, url) == []

    again = failure(lambda: sqs.purge_queue(QueueUrl=url))
    assert (again.code, again.query_code, again.status) == (
        "AWS.SimpleQueueService.PurgeQueueInProgress",
        "PurgeQueueInProgress",
        403,
    )
    name = url.rsplit("/", 1)[1]
    assert again.message == f"Only one PurgeQueue operation on {name} is allowed every 60 seconds."
    assert isinstance(again.exception, sqs.exceptions.PurgeQueueInProgress)
    # The queue still takes messages meanwhile.
    sqs.send_message(QueueUrl=url, MessageBody="after")
    assert counts(sqs, url) == (1, 0, 0)
