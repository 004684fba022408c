"""A live server, boto3 clients and helpers for the SNS end-to-end tests.

Expected answers are AWS's, as recorded in localstack/localstack
tests/aws/services/sns/test_sns.snapshot.json and test_sns_filter_policy.snapshot.json.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pytest

from tests.e2e.conftest import make_client
from tests.support import polling
from tests.support.server import LambdaliteServer, running_server

T = TypeVar("T")
DEADLINE = 30.0


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LambdaliteServer]:
    """One server per test module (a fresh SQLite data dir)."""
    with running_server(tmp_path_factory.mktemp("sns") / "data") as started:
        yield started


@pytest.fixture
def sns(server: LambdaliteServer) -> Any:
    """An SNS client that lets bad input through to the server (no client-side checks)."""
    return make_client(server.endpoint, "sns", parameter_validation=False)


@pytest.fixture
def sqs(server: LambdaliteServer) -> Any:
    return make_client(server.endpoint, "sqs")


@pytest.fixture
def names(request: pytest.FixtureRequest) -> Callable[..., str]:
    """Names unique per test (parametrized ones included) and per call."""
    digest = hashlib.sha1(request.node.nodeid.encode()).hexdigest()[:8]
    made: list[str] = []

    def name(suffix: str = "", fifo: bool = False) -> str:
        base = f"{request.node.originalname[:40]}-{digest}-{len(made)}{suffix}"
        made.append(base)
        return base + (".fifo" if fifo else "")

    return name


@pytest.fixture
def topic(sns: Any, names: Callable[..., str]) -> Callable[..., str]:
    """Create a topic with a unique name; returns its ARN."""

    def create(fifo: bool = False, **attributes: str) -> str:
        wanted = dict(attributes)
        if fifo:
            wanted["FifoTopic"] = "true"
        return str(sns.create_topic(Name=names(fifo=fifo), Attributes=wanted)["TopicArn"])

    return create


@pytest.fixture
def queue(sqs: Any, names: Callable[..., str]) -> Callable[..., tuple[str, str]]:
    """Create a queue with a unique name; returns (URL, ARN)."""

    def create(fifo: bool = False, **attributes: str) -> tuple[str, str]:
        wanted = dict(attributes)
        if fifo:
            wanted["FifoQueue"] = "true"
        url = sqs.create_queue(QueueName=names("-q", fifo=fifo), Attributes=wanted)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
        return str(url), str(arn["Attributes"]["QueueArn"])

    return create


def eventually(probe: Callable[[], T | None], timeout: float = DEADLINE) -> T:
    """``tests.support.polling.eventually`` with SNS's longer deadline (HTTP retries)."""
    return polling.eventually(probe, timeout)


def collect(sqs: Any, url: str, count: int, timeout: float = DEADLINE) -> list[dict[str, Any]]:
    """``count`` messages from ``url`` (deleted as read), with all their attributes."""
    got: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while len(got) < count and time.monotonic() < deadline:
        answer = sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=1,
            MessageAttributeNames=["All"],
            AttributeNames=["All"],
        )
        for message in answer.get("Messages", []):
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            got.append(message)
    assert len(got) == count, f"{len(got)} of {count} messages arrived"
    return got


def nothing_in(sqs: Any, url: str) -> bool:
    """Whether ``url`` holds no message (visible or in flight) right now."""
    attributes = sqs.get_queue_attributes(
        QueueUrl=url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return all(value == "0" for value in attributes.values())


def body(message: dict[str, Any]) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(message["Body"])
    return parsed


def subscribe_queue(sns: Any, topic_arn: str, queue_arn: str, **attributes: str) -> str:
    answer = sns.subscribe(
        TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn, Attributes=attributes
    )
    return str(answer["SubscriptionArn"])


# --- verifying signatures, as a receiver following AWS's guide does ----------------------------
# https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html

_NOTIFICATION_FIELDS = ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type")
_CONFIRMATION_FIELDS = (
    "Message",
    "MessageId",
    "SubscribeURL",
    "Timestamp",
    "Token",
    "TopicArn",
    "Type",
)


def verify_signature(message: dict[str, Any]) -> None:
    """Raise unless ``message`` (an HTTP/SQS body or a Lambda record's Sns) is signed by the key
    whose certificate its SigningCertURL serves."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    url = message.get("SigningCertURL") or message["SigningCertUrl"]
    with urllib.request.urlopen(url, timeout=10) as answer:
        certificate = x509.load_pem_x509_certificate(answer.read())
    names = _CONFIRMATION_FIELDS if "Token" in message else _NOTIFICATION_FIELDS
    text = "".join(f"{n}\n{message[n]}\n" for n in names if message.get(n) is not None)
    digest = hashes.SHA1() if message["SignatureVersion"] == "1" else hashes.SHA256()
    key = certificate.public_key()
    key.verify(base64.b64decode(message["Signature"]), text.encode(), padding.PKCS1v15(), digest)  # type: ignore[union-attr, call-arg, arg-type]
