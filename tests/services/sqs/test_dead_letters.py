"""Dead-letter queues through boto3 against a live server: RedrivePolicy and RedriveAllowPolicy,
redrive after maxReceiveCount, ListDeadLetterSourceQueues and message move tasks.

Expected answers are AWS's (``.briefs/sqs-reference.md`` §1, §9): LocalStack's AWS-recorded
snapshots (test_sqs.snapshot.json, test_sqs_move_task.snapshot.json), AWS answers quoted in
serverless issue 5215 and crossplane issue 443, and the botocore model's documentation.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.support.aws_errors import ACCOUNT, REGION

from .conftest import counts, eventually, failure, queue_arn, receive, receive_one

MISSING_ARN = f"arn:aws:sqs:{REGION}:{ACCOUNT}:no-such-queue-anywhere"
UNSUPPORTED_ALLOW = (
    "Invalid value for the parameter RedriveAllowPolicy. Reason: Amazon SQS can\u2019t create "
    "the redrive allow policy, as it\u2019s in an unsupported format."
)


def redrive(dead_letter_url: str, count: int | str = 1) -> str:
    return json.dumps({"deadLetterTargetArn": queue_arn(dead_letter_url), "maxReceiveCount": count})


def dead_letter_pair(
    sqs: Any, queue: Callable[..., str], count: int = 1, **attributes: Any
) -> tuple[str, str]:
    """(source URL, dead-letter queue URL) with the source redriving to the other."""
    dead_letter = queue(**attributes)
    source = queue(RedrivePolicy=redrive(dead_letter, count), **attributes)
    return source, dead_letter


def move_to_dead_letter_queue(sqs: Any, source: str, dead_letter: str, bodies: list[str]) -> None:
    """Send ``bodies`` to ``source`` (maxReceiveCount 1) and have each redriven."""
    for body in bodies:
        sqs.send_message(QueueUrl=source, MessageBody=body)
    while len(receive(sqs, source, MaxNumberOfMessages=10, VisibilityTimeout=0)) > 0:
        pass  # the first receive of each; the next one moves it
    assert counts(sqs, dead_letter) == (len(bodies), 0, 0)
    assert counts(sqs, source) == (0, 0, 0)


# --- RedrivePolicy ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("policy", "reason"),
    [
        ("{}", "Redrive policy does not contain mandatory attribute: maxReceiveCount."),
        (
            '{"maxReceiveCount": 5}',
            "Redrive policy does not contain mandatory attribute: deadLetterTargetArn.",
        ),
        (
            f'{{"deadLetterTargetArn": "{MISSING_ARN}", "maxReceiveCount": 0}}',
            "Invalid value for maxReceiveCount: 0, valid values are from 1 to 1000 both inclusive.",
        ),
        (
            f'{{"deadLetterTargetArn": "{MISSING_ARN}", "maxReceiveCount": 1001}}',
            "Invalid value for maxReceiveCount: 1001, valid values are from 1 to 1000 both inclusive.",
        ),
        (
            '{"deadLetterTargetArn": "dummy", "maxReceiveCount": 42}',
            "Invalid value for deadLetterTargetArn.",
        ),
        (
            f'{{"deadLetterTargetArn": "arn:aws:sns:{REGION}:{ACCOUNT}:topic", "maxReceiveCount": 3}}',
            "Only SQS queues are valid resources for deadLetterTargetArn.",
        ),
        (
            f'{{"deadLetterTargetArn": "{MISSING_ARN}", "maxReceiveCount": 3}}',
            "Dead letter target does not exist.",
        ),
        (
            f'{{"deadLetterTargetArn": "{MISSING_ARN}", "maxReceiveCount": 3, "extra": 1}}',
            "Only following attributes are supported: [maxReceiveCount, deadLetterTargetArn].",
        ),
    ],
    ids=[
        "empty",
        "no-target",
        "count-0",
        "count-1001",
        "not-an-arn",
        "not-sqs",
        "missing-queue",
        "extra-key",
    ],
)
def test_redrive_policy_is_checked(
    sqs: Any, queue: Callable[..., str], policy: str, reason: str
) -> None:
    url = queue()
    refused = failure(
        lambda: sqs.set_queue_attributes(QueueUrl=url, Attributes={"RedrivePolicy": policy})
    )
    assert (refused.code, refused.message, refused.status) == (
        "InvalidParameterValue",
        f"Value {policy} for parameter RedrivePolicy is invalid. Reason: {reason}",
        400,
    )


def test_redrive_policy_that_is_not_json(sqs: Any, queue: Callable[..., str]) -> None:
    url = queue()
    refused = failure(
        lambda: sqs.set_queue_attributes(QueueUrl=url, Attributes={"RedrivePolicy": "not json"})
    )
    assert refused.message == (
        "Invalid value for the parameter RedrivePolicy. Reason: Redrive policy is not a valid "
        "JSON map."
    )
    assert refused.status == 400


def test_dead_letter_queue_must_be_of_the_same_type(sqs: Any, queue: Callable[..., str]) -> None:
    fifo_dead_letter = queue(fifo=True)
    policy = redrive(fifo_dead_letter, 3)
    refused = failure(lambda: queue(RedrivePolicy=policy))
    assert (refused.code, refused.message) == (
        "InvalidParameterValue",
        f"Value {policy} for parameter RedrivePolicy is invalid. Reason: Dead-letter queue must "
        "be same type of queue as the source..",
    )


def test_redrive_policy_is_kept_as_sent_and_can_be_removed(
    sqs: Any, queue: Callable[..., str]
) -> None:
    dead_letter = queue()
    policy = json.dumps({"maxReceiveCount": "4", "deadLetterTargetArn": queue_arn(dead_letter)})
    url = queue(RedrivePolicy=policy)
    got = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["RedrivePolicy"])
    assert got["Attributes"] == {"RedrivePolicy": policy}
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"RedrivePolicy": ""})
    assert "Attributes" not in sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["RedrivePolicy"]
    )


# --- redrive -------------------------------------------------------------------------------------


def test_a_message_received_max_receive_count_times_moves_to_the_dead_letter_queue(
    sqs: Any, queue: Callable[..., str]
) -> None:
    source, dead_letter = dead_letter_pair(sqs, queue, count=2)
    sent = sqs.send_message(
        QueueUrl=source,
        MessageBody="poison",
        MessageAttributes={"Foo": {"DataType": "String", "StringValue": "Bar"}},
    )
    for expected in ("1", "2"):
        [message] = receive(
            sqs,
            source,
            VisibilityTimeout=0,
            MessageSystemAttributeNames=["ApproximateReceiveCount"],
        )
        assert message["Attributes"]["ApproximateReceiveCount"] == expected
    assert receive(sqs, source) == []  # the third receive moves it instead
    assert counts(sqs, source) == (0, 0, 0)

    [moved] = receive(
        sqs,
        dead_letter,
        MessageSystemAttributeNames=["All"],
        MessageAttributeNames=["All"],
    )
    assert moved["MessageId"] == sent["MessageId"]
    assert moved["Body"] == "poison"
    assert moved["MessageAttributes"] == {"Foo": {"DataType": "String", "StringValue": "Bar"}}
    assert moved["MD5OfMessageAttributes"] == "ae7155c6026991b6d54b11589678bf9c"
    assert moved["Attributes"]["DeadLetterQueueSourceArn"] == queue_arn(source)


def test_a_fifo_source_redrives_to_a_fifo_dead_letter_queue(
    sqs: Any, queue: Callable[..., str]
) -> None:
    dead_letter = queue(fifo=True)
    source = queue(fifo=True, RedrivePolicy=redrive(dead_letter, 1))
    sqs.send_message(
        QueueUrl=source, MessageBody="a", MessageGroupId="g", MessageDeduplicationId="a"
    )
    sqs.send_message(
        QueueUrl=source, MessageBody="b", MessageGroupId="g", MessageDeduplicationId="b"
    )
    assert [m["Body"] for m in receive(sqs, source, VisibilityTimeout=0)] == ["a"]
    # "a" moves; "b" is next in its group.
    assert receive_one(sqs, source)["Body"] == "b"
    [moved] = receive(sqs, dead_letter, MessageSystemAttributeNames=["MessageGroupId"])
    assert (moved["Body"], moved["Attributes"]["MessageGroupId"]) == ("a", "g")


def test_a_long_poll_that_moves_a_message_returns_the_next_one(
    sqs: Any, queue: Callable[..., str]
) -> None:
    dead_letter = queue(fifo=True)
    source = queue(fifo=True, RedrivePolicy=redrive(dead_letter, 1))
    for body in ("a", "b"):
        sqs.send_message(
            QueueUrl=source, MessageBody=body, MessageGroupId="g", MessageDeduplicationId=body
        )
    assert [m["Body"] for m in receive(sqs, source, VisibilityTimeout=0)] == ["a"]
    started = time.monotonic()
    got = receive(sqs, source, WaitTimeSeconds=8)
    took = time.monotonic() - started
    assert [m["Body"] for m in got] == ["b"]
    # A functional wake-up check: "b" was there all along; moving "a" must not make the poll
    # sit out its 8 seconds.
    assert took < 6
    assert counts(sqs, dead_letter) == (1, 0, 0)


# --- RedriveAllowPolicy -------------------------------------------------------------------------


def test_redrive_allow_policy_formats(sqs: Any, queue: Callable[..., str]) -> None:
    url = queue()
    source = queue_arn(queue())
    for policy in (
        '{"redrivePermission": "allowAll"}',
        '{"redrivePermission": "denyAll"}',
        json.dumps({"redrivePermission": "byQueue", "sourceQueueArns": [source]}),
    ):
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"RedriveAllowPolicy": policy})
        got = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["RedriveAllowPolicy"])
        assert got["Attributes"] == {"RedriveAllowPolicy": policy}


@pytest.mark.parametrize(
    ("policy", "message"),
    [
        ('{"redrivePermission": "sometimes"}', UNSUPPORTED_ALLOW),
        ("{}", UNSUPPORTED_ALLOW),
        ("not json", UNSUPPORTED_ALLOW),
        ('{"redrivePermission": "allowAll", "colour": "red"}', UNSUPPORTED_ALLOW),
        (
            '{"redrivePermission": "byQueue"}',
            "When you specify the byQueue permission type, you must also specify one or more "
            "sourceQueueArns values.",
        ),
        (
            '{"redrivePermission": "byQueue", "sourceQueueArns": []}',
            "When you specify the byQueue permission type, you must also specify one or more "
            "sourceQueueArns values.",
        ),
        (
            json.dumps(
                {
                    "redrivePermission": "byQueue",
                    "sourceQueueArns": [f"arn:aws:sqs:{REGION}:{ACCOUNT}:q{i}" for i in range(11)],
                }
            ),
            "The maximum number of source queue ARNs you can specify is 10.",
        ),
        (
            json.dumps(
                {
                    "redrivePermission": "allowAll",
                    "sourceQueueArns": [f"arn:aws:sqs:{REGION}:{ACCOUNT}:q1"],
                }
            ),
            "To specify one or more source queue ARNs, you must set redrivePermission to byQueue.",
        ),
    ],
    ids=[
        "bad-permission",
        "empty",
        "not-json",
        "extra-key",
        "byqueue-none",
        "byqueue-empty",
        "eleven",
        "allowall-arns",
    ],
)
def test_redrive_allow_policy_is_checked(
    sqs: Any, queue: Callable[..., str], policy: str, message: str
) -> None:
    url = queue()
    refused = failure(
        lambda: sqs.set_queue_attributes(QueueUrl=url, Attributes={"RedriveAllowPolicy": policy})
    )
    if message != UNSUPPORTED_ALLOW:
        message = (
            f"Value {policy} for parameter RedriveAllowPolicy is invalid. Reason: Amazon SQS "
            f"can't create the redrive allow policy. {message}"
        )
    assert (refused.message, refused.status) == (message, 400)


def never_redriven_to(sqs: Any, source: str, dead_letter: str) -> None:
    """``dead_letter`` refuses ``source``: AWS refuses the RedrivePolicy (InvalidParameterValue),
    or, if it took it, never moves a message of ``source`` into ``dead_letter``."""
    try:
        sqs.set_queue_attributes(
            QueueUrl=source, Attributes={"RedrivePolicy": redrive(dead_letter)}
        )
    except ClientError as refused:
        assert refused.response["Error"]["Code"] == "InvalidParameterValue"
        return
    sqs.send_message(QueueUrl=source, MessageBody="not for that queue")
    assert len(receive(sqs, source, VisibilityTimeout=0)) == 1
    receive(sqs, source, VisibilityTimeout=0)
    assert counts(sqs, dead_letter) == (0, 0, 0)


def test_redrive_allow_policy_decides_who_may_use_a_dead_letter_queue(
    sqs: Any, queue: Callable[..., str]
) -> None:
    allowed = queue()
    dead_letter = queue(
        RedriveAllowPolicy=json.dumps(
            {"redrivePermission": "byQueue", "sourceQueueArns": [queue_arn(allowed)]}
        )
    )
    sqs.set_queue_attributes(QueueUrl=allowed, Attributes={"RedrivePolicy": redrive(dead_letter)})
    sqs.send_message(QueueUrl=allowed, MessageBody="allowed")
    receive(sqs, allowed, VisibilityTimeout=0)
    assert receive(sqs, allowed) == []
    assert counts(sqs, dead_letter) == (1, 0, 0)

    never_redriven_to(sqs, queue(), dead_letter)
    never_redriven_to(sqs, queue(), queue(RedriveAllowPolicy='{"redrivePermission": "denyAll"}'))


# --- ListDeadLetterSourceQueues ----------------------------------------------------------------


def test_list_dead_letter_source_queues(sqs: Any, queue: Callable[..., str]) -> None:
    dead_letter = queue()
    sources = sorted(queue(RedrivePolicy=redrive(dead_letter, 3)) for _ in range(3))
    queue()  # not a source
    listed = sqs.list_dead_letter_source_queues(QueueUrl=dead_letter)
    assert sorted(listed["queueUrls"]) == sources
    assert "NextToken" not in listed

    pages: list[str] = []
    token: dict[str, str] = {}
    while True:
        page = sqs.list_dead_letter_source_queues(QueueUrl=dead_letter, MaxResults=2, **token)
        pages.extend(page["queueUrls"])
        if "NextToken" not in page:
            break
        token = {"NextToken": page["NextToken"]}
    assert sorted(pages) == sources

    assert sqs.list_dead_letter_source_queues(QueueUrl=sources[0]).get("queueUrls", []) == []


def test_list_dead_letter_source_queues_of_a_missing_queue(
    sqs: Any, queue: Callable[..., str]
) -> None:
    url = queue()
    sqs.delete_queue(QueueUrl=url)
    missing = failure(lambda: sqs.list_dead_letter_source_queues(QueueUrl=url))
    assert (missing.code, missing.query_code) == (
        "AWS.SimpleQueueService.NonExistentQueue",
        "QueueDoesNotExist",
    )


# --- message move tasks -----------------------------------------------------------------------


def test_move_messages_back_to_their_source(sqs: Any, queue: Callable[..., str]) -> None:
    source, dead_letter = dead_letter_pair(sqs, queue)
    move_to_dead_letter_queue(sqs, source, dead_letter, ["m1", "m2", "m3"])
    started = sqs.start_message_move_task(SourceArn=queue_arn(dead_letter))
    assert started["TaskHandle"]

    eventually(lambda: counts(sqs, source) == (3, 0, 0))
    assert counts(sqs, dead_letter) == (0, 0, 0)
    task = eventually(
        lambda: next(
            (
                t
                for t in sqs.list_message_move_tasks(SourceArn=queue_arn(dead_letter))["Results"]
                if t["Status"] == "COMPLETED"
            ),
            None,
        )
    )
    assert task["SourceArn"] == queue_arn(dead_letter)
    assert task["ApproximateNumberOfMessagesMoved"] == 3
    assert task["ApproximateNumberOfMessagesToMove"] == 3
    assert isinstance(task["StartedTimestamp"], int)
    assert "TaskHandle" not in task  # only while running
    assert "DestinationArn" not in task
    assert "FailureReason" not in task
    got = receive(sqs, source, MaxNumberOfMessages=10)
    assert sorted(m["Body"] for m in got) == ["m1", "m2", "m3"]


def test_move_messages_to_a_destination(sqs: Any, queue: Callable[..., str]) -> None:
    source, dead_letter = dead_letter_pair(sqs, queue)
    destination = queue()
    move_to_dead_letter_queue(sqs, source, dead_letter, ["x", "y"])
    sqs.start_message_move_task(
        SourceArn=queue_arn(dead_letter),
        DestinationArn=queue_arn(destination),
        MaxNumberOfMessagesPerSecond=100,
    )
    eventually(lambda: counts(sqs, destination) == (2, 0, 0))
    assert counts(sqs, source) == (0, 0, 0)
    [task] = eventually(
        lambda: [
            t
            for t in sqs.list_message_move_tasks(SourceArn=queue_arn(dead_letter))["Results"]
            if t["Status"] == "COMPLETED"
        ]
    )
    assert task["DestinationArn"] == queue_arn(destination)
    assert task["MaxNumberOfMessagesPerSecond"] == 100
    assert task["ApproximateNumberOfMessagesMoved"] == 2


def test_one_move_task_at_a_time_and_cancelling_it(sqs: Any, queue: Callable[..., str]) -> None:
    source, dead_letter = dead_letter_pair(sqs, queue)
    move_to_dead_letter_queue(sqs, source, dead_letter, [f"m{i}" for i in range(6)])
    arn = queue_arn(dead_letter)
    handle = sqs.start_message_move_task(SourceArn=arn, MaxNumberOfMessagesPerSecond=1)[
        "TaskHandle"
    ]

    second = failure(lambda: sqs.start_message_move_task(SourceArn=arn))
    assert (second.code, second.message, second.status) == (
        "InvalidParameterValue",
        "There is already a task running. Only one active task is allowed for a source queue arn "
        "at a given time.",
        400,
    )
    [running] = sqs.list_message_move_tasks(SourceArn=arn)["Results"]
    assert (running["Status"], running["TaskHandle"]) == ("RUNNING", handle)
    assert running["MaxNumberOfMessagesPerSecond"] == 1

    cancelled = sqs.cancel_message_move_task(TaskHandle=handle)
    assert isinstance(cancelled["ApproximateNumberOfMessagesMoved"], int)
    task = eventually(
        lambda: next(
            (
                t
                for t in sqs.list_message_move_tasks(SourceArn=arn)["Results"]
                if t["Status"] == "CANCELLED"
            ),
            None,
        )
    )
    assert "TaskHandle" not in task
    moved = counts(sqs, source)[0]
    assert moved + counts(sqs, dead_letter)[0] == 6
    assert moved < 6

    # A new task may start now; the newest is listed first, and MaxResults shows more.
    sqs.start_message_move_task(SourceArn=arn)
    eventually(lambda: counts(sqs, source) == (6, 0, 0))
    listed = sqs.list_message_move_tasks(SourceArn=arn, MaxResults=10)["Results"]
    assert len(listed) == 2
    assert listed[1]["Status"] == "CANCELLED"
    assert len(sqs.list_message_move_tasks(SourceArn=arn)["Results"]) == 1


def test_move_task_errors(sqs: Any, queue: Callable[..., str]) -> None:
    _, dead_letter = dead_letter_pair(sqs, queue)
    plain = queue()

    not_dead_letter = failure(lambda: sqs.start_message_move_task(SourceArn=queue_arn(plain)))
    assert (not_dead_letter.code, not_dead_letter.message, not_dead_letter.status) == (
        "InvalidParameterValue",
        "Source queue must be configured as a Dead Letter Queue.",
        400,
    )

    no_source = failure(lambda: sqs.start_message_move_task(SourceArn=MISSING_ARN))
    assert (no_source.code, no_source.query_code, no_source.message, no_source.status) == (
        "ResourceNotFoundException",
        "ResourceNotFoundException",
        "The resource that you specified for the SourceArn parameter doesn't exist.",
        404,
    )
    assert isinstance(no_source.exception, sqs.exceptions.ResourceNotFoundException)

    no_destination = failure(
        lambda: sqs.start_message_move_task(
            SourceArn=queue_arn(dead_letter), DestinationArn=MISSING_ARN
        )
    )
    assert (no_destination.code, no_destination.message, no_destination.status) == (
        "ResourceNotFoundException",
        "The resource that you specified for the DestinationArn parameter doesn't exist.",
        404,
    )

    garbage = failure(lambda: sqs.cancel_message_move_task(TaskHandle="not a handle"))
    assert (garbage.code, garbage.message, garbage.status) == (
        "InvalidParameterValue",
        "Value for parameter TaskHandle is invalid.",
        400,
    )


def test_cancel_an_unknown_or_finished_task(sqs: Any, queue: Callable[..., str]) -> None:
    source, dead_letter = dead_letter_pair(sqs, queue)
    move_to_dead_letter_queue(sqs, source, dead_letter, ["one"])
    arn = queue_arn(dead_letter)
    handle = sqs.start_message_move_task(SourceArn=arn)["TaskHandle"]
    eventually(
        lambda: sqs.list_message_move_tasks(SourceArn=arn)["Results"][0]["Status"] == "COMPLETED"
    )
    finished = failure(lambda: sqs.cancel_message_move_task(TaskHandle=handle))
    assert (finished.code, finished.status) == ("ResourceNotFoundException", 404)

    # A well-formed handle whose source queue is gone.
    sqs.delete_queue(QueueUrl=source)
    sqs.delete_queue(QueueUrl=dead_letter)
    gone = failure(lambda: sqs.cancel_message_move_task(TaskHandle=handle))
    assert (gone.code, gone.message, gone.status) == (
        "ResourceNotFoundException",
        "The resource that you specified for the SourceArn parameter doesn't exist.",
        404,
    )
