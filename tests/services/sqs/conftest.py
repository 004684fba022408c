"""A live server, boto3 SQS clients and helpers for the SQS end-to-end tests.

Expected answers are AWS's, as collected with their sources in ``.briefs/sqs-reference.md``
(mostly LocalStack's AWS-recorded SQS snapshots).
"""

from __future__ import annotations

import hashlib
import json
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest
from botocore.exceptions import ClientError

from tests.e2e.conftest import make_client
from tests.support.aws_errors import ACCOUNT, REGION
from tests.support.polling import eventually
from tests.support.server import LambdaliteServer, running_server

T = TypeVar("T")

NON_EXISTENT = "AWS.SimpleQueueService.NonExistentQueue"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LambdaliteServer]:
    """One server per test module (a fresh SQLite data dir)."""
    with running_server(tmp_path_factory.mktemp("sqs") / "data") as started:
        yield started


@pytest.fixture
def sqs(server: LambdaliteServer) -> Any:
    """An SQS client that lets bad input through to the server (no client-side checks)."""
    return make_client(server.endpoint, "sqs", parameter_validation=False)


@pytest.fixture
def checked_sqs(server: LambdaliteServer) -> Any:
    """An SQS client with botocore's own parameter validation, as users have it."""
    return make_client(server.endpoint, "sqs")


@pytest.fixture
def names(request: pytest.FixtureRequest) -> Callable[..., str]:
    """Queue names unique per test (parametrized ones included) and per call: AWS keeps a
    deleted queue's name for 60 s, so no two tests may share one."""
    digest = hashlib.sha1(request.node.nodeid.encode()).hexdigest()[:8]
    made: list[str] = []

    def name(suffix: str = "", fifo: bool = False) -> str:
        base = f"{request.node.originalname[:50]}-{digest}-{len(made)}{suffix}"
        made.append(base)
        return base + (".fifo" if fifo else "")

    return name


@pytest.fixture
def queue(sqs: Any, names: Callable[..., str]) -> Callable[..., str]:
    """Create a queue with a unique name; returns its URL. ``fifo=True`` makes a FIFO queue."""

    def create(fifo: bool = False, tags: dict[str, str] | None = None, **attributes: Any) -> str:
        wanted = {k: str(v) for k, v in attributes.items()}
        if fifo:
            wanted["FifoQueue"] = "true"
        params: dict[str, Any] = {"QueueName": names(fifo=fifo), "Attributes": wanted}
        if tags:
            params["tags"] = tags
        return str(sqs.create_queue(**params)["QueueUrl"])

    return create


def queue_arn(url: str) -> str:
    return f"arn:aws:sqs:{REGION}:{ACCOUNT}:{url.rsplit('/', 1)[1]}"


@dataclass(frozen=True)
class Failure:
    """An error as boto3 shows it: Code is the legacy (query) code, QueryErrorCode the JSON
    shape name, which client.exceptions.* match on."""

    code: str
    query_code: str | None
    message: str
    status: int
    error_type: str | None
    exception: ClientError


def failure(call: Callable[[], Any]) -> Failure:
    with pytest.raises(ClientError) as raised:
        call()
    response = raised.value.response
    return Failure(
        response["Error"]["Code"],
        response["Error"].get("QueryErrorCode"),
        response["Error"]["Message"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"].get("Type"),
        raised.value,
    )


def settle(server: LambdaliteServer) -> None:
    """Until a long poll waits in the server: what happens before it would be found at once,
    and would not test the wake-up."""

    def waiting() -> bool:
        with urllib.request.urlopen(f"{server.endpoint}/_lambdalite/health") as answer:
            return bool(json.load(answer)["sqs"]["long_polls_waiting"])

    eventually(waiting)


def counts(sqs: Any, url: str) -> tuple[int, int, int]:
    """(visible, in flight, delayed) as GetQueueAttributes answers them."""
    attributes = sqs.get_queue_attributes(
        QueueUrl=url,
        AttributeNames=[
            "ApproximateNumberOfMessages",
            "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed",
        ],
    )["Attributes"]
    return (
        int(attributes["ApproximateNumberOfMessages"]),
        int(attributes["ApproximateNumberOfMessagesNotVisible"]),
        int(attributes["ApproximateNumberOfMessagesDelayed"]),
    )


def receive(sqs: Any, url: str, **params: Any) -> list[dict[str, Any]]:
    """One ReceiveMessage (no wait unless asked); [] when nothing came."""
    params.setdefault("WaitTimeSeconds", 0)
    return list(sqs.receive_message(QueueUrl=url, **params).get("Messages", []))


def receive_one(sqs: Any, url: str, timeout: float = 10.0, **params: Any) -> dict[str, Any]:
    """The first message a receive gets, polling until one comes."""
    return eventually(lambda: next(iter(receive(sqs, url, **params)), None), timeout)
