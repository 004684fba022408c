"""A live server (its schedule clock 120 times real time), boto3 clients and queue helpers for
the EventBridge end-to-end tests."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.e2e.conftest import make_client
from tests.support.server import LambdaliteServer, running_server

DEADLINE = 30.0
FAST_CLOCK = {"LAMBDALITE_SCHEDULE_CLOCK_SPEED": "120"}  # two minutes of schedules a second


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LambdaliteServer]:
    with running_server(tmp_path_factory.mktemp("events") / "data", env=FAST_CLOCK) as started:
        yield started


@pytest.fixture
def events(server: LambdaliteServer) -> Any:
    return make_client(server.endpoint, "events")


@pytest.fixture
def sqs(server: LambdaliteServer) -> Any:
    return make_client(server.endpoint, "sqs")


@pytest.fixture
def names(request: pytest.FixtureRequest) -> Callable[[str], str]:
    """Names unique per test (and per call with a different suffix)."""
    digest = hashlib.sha1(request.node.nodeid.encode()).hexdigest()[:8]
    return lambda suffix="": f"{request.node.originalname[:40]}-{digest}{suffix}"


class Queue:
    """An SQS queue a test reads what its targets received from."""

    def __init__(self, sqs: Any, name: str, **attributes: str) -> None:
        self.sqs = sqs
        self.url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        found = sqs.get_queue_attributes(QueueUrl=self.url, AttributeNames=["QueueArn"])
        self.arn = found["Attributes"]["QueueArn"]

    def messages(self, count: int, within: float = DEADLINE) -> list[dict[str, Any]]:
        """At least ``count`` messages (deleted as read), in arrival order."""
        got: list[dict[str, Any]] = []
        deadline = time.monotonic() + within
        while len(got) < count and time.monotonic() < deadline:
            answer = self.sqs.receive_message(
                QueueUrl=self.url,
                MaxNumberOfMessages=10,
                WaitTimeSeconds=1,
                MessageAttributeNames=["All"],
            )
            for message in answer.get("Messages", []):
                self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"])
                got.append(message)
        assert len(got) >= count, f"{len(got)} of {count} messages arrived"
        return got

    def bodies(self, count: int, within: float = DEADLINE) -> list[Any]:
        return [json.loads(m["Body"]) for m in self.messages(count, within)]

    def drain(self) -> list[Any]:
        """The bodies of every message waiting now (deleted as read)."""
        bodies: list[Any] = []
        while True:
            answer = self.sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10)
            if not answer.get("Messages"):
                return bodies
            for message in answer["Messages"]:
                self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"])
                bodies.append(json.loads(message["Body"]))

    def nothing_more(self) -> None:
        """No message waits now (checked after the messages that matter arrived)."""
        answer = self.sqs.receive_message(QueueUrl=self.url, WaitTimeSeconds=0)
        assert answer.get("Messages", []) == []


@pytest.fixture
def queue(sqs: Any, names: Callable[[str], str]) -> Callable[..., Queue]:
    made: list[int] = []

    def create(**attributes: str) -> Queue:
        made.append(1)
        fifo = attributes.get("FifoQueue") == "true"
        return Queue(sqs, names(f"-{len(made)}" + (".fifo" if fifo else "")), **attributes)

    return create
