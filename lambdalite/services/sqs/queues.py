"""Queues: their names, URLs and ARNs, and their attributes with AWS's defaults and limits."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from lambdalite.services.names import ScopedName
from lambdalite.services.sqs.errors import (
    InvalidAttributeName,
    InvalidAttributeValue,
    InvalidParameterValue,
    QueueDoesNotExist,
)
from lambdalite.store import Record, Scope

# 80 characters of alphanumerics, hyphens and underscores; a FIFO queue's name ends in .fifo.
_NAME = re.compile(r"[A-Za-z0-9_-]{1,80}")
_FIFO_NAME = re.compile(r"[A-Za-z0-9_-]{1,75}\.fifo")

KIB = 1024
# AWS raised the largest message to 1 MiB in 2025 and made it every new queue's default: the
# botocore SQS model documents MaximumMessageSize as 1,024 to 1,048,576 bytes, default the latter
# (recordings from before the change show 262144).
MAX_MESSAGE_BYTES = 1024 * KIB

# Settable attributes: (default as AWS answers it, smallest, largest) for the numeric ones.
_NUMERIC: dict[str, tuple[int, int, int]] = {
    "DelaySeconds": (0, 0, 900),
    "MaximumMessageSize": (MAX_MESSAGE_BYTES, KIB, MAX_MESSAGE_BYTES),
    "MessageRetentionPeriod": (345_600, 60, 1_209_600),
    "ReceiveMessageWaitTimeSeconds": (0, 0, 20),
    "VisibilityTimeout": (30, 0, 43_200),
    "KmsDataKeyReusePeriodSeconds": (300, 60, 86_400),
}
_BOOLEAN = ("SqsManagedSseEnabled", "ContentBasedDeduplication", "FifoQueue")
_CHOICES = {
    "DeduplicationScope": ("messageGroup", "queue"),
    "FifoThroughputLimit": ("perQueue", "perMessageGroupId"),
}
_FIFO_ONLY = ("ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit")
_FREE_TEXT = ("Policy", "KmsMasterKeyId", "RedrivePolicy", "RedriveAllowPolicy")
SETTABLE = frozenset((*_NUMERIC, *_BOOLEAN, *_CHOICES, *_FREE_TEXT))
COMPUTED = (
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
    "CreatedTimestamp",
    "LastModifiedTimestamp",
    "QueueArn",
)
_DEFAULTS = {"SqsManagedSseEnabled": "true"}
_FIFO_DEFAULTS = {
    "FifoQueue": "true",
    "ContentBasedDeduplication": "false",
    "DeduplicationScope": "queue",
    "FifoThroughputLimit": "perQueue",
}
_NUMERIC_DEFAULTS = {
    name: str(limits[0])
    for name, limits in _NUMERIC.items()
    if name != "KmsDataKeyReusePeriodSeconds"
}


@dataclass(frozen=True, slots=True)
class QueueName(ScopedName):
    """Where a queue is: account, region and name."""

    @property
    def arn(self) -> str:
        return self.arn_in("sqs")

    def url(self, endpoint: str) -> str:
        return f"{endpoint}/{self.account}/{self.name}"


def parse_queue_url(url: str, scope: Scope) -> QueueName:
    """The queue a QueueUrl names: ``http://host:port/<account>/<name>`` (any host, as every
    endpoint reaches the same queues) or, leniently, a bare queue name in ``scope``."""
    if "/" not in url:
        return QueueName(scope.account, scope.region, url)
    parts = urlsplit(url).path.strip("/").split("/")
    if len(parts) != 2 or not parts[0].isdigit():
        raise QueueDoesNotExist()
    return QueueName(parts[0], scope.region, parts[1])


def parse_queue_arn(arn: str) -> QueueName | None:
    parts = arn.split(":")
    if len(parts) != 6 or parts[:3] != ["arn", "aws", "sqs"]:
        return None
    return QueueName(parts[4], parts[3], parts[5])


def valid_name(name: str) -> bool:
    return bool((_FIFO_NAME if name.endswith(".fifo") else _NAME).fullmatch(name))


@dataclass(frozen=True, slots=True)
class Queue:
    """A queue as stored: its settable attributes (strings, as the API carries them)."""

    where: QueueName
    attributes: Mapping[str, str]
    tags: Mapping[str, str]
    created: int  # epoch seconds
    modified: int
    version: int

    @classmethod
    def of(cls, where: QueueName, record: Record) -> Queue:
        data = record.data
        return cls(
            where,
            data["attributes"],
            data["tags"],
            data["created"],
            data["modified"],
            record.version,
        )

    @property
    def fifo(self) -> bool:
        return self.where.fifo

    def number(self, name: str) -> int:
        return int(self.attributes[name])

    def flag(self, name: str) -> bool:
        return self.attributes.get(name) == "true"

    @property
    def redrive(self) -> tuple[QueueName, int] | None:
        """The dead-letter queue and maxReceiveCount of RedrivePolicy, if any."""
        text = self.attributes.get("RedrivePolicy")
        if not text:
            return None
        policy = json.loads(text)  # checked when it was set
        target = parse_queue_arn(str(policy["deadLetterTargetArn"]))
        return None if target is None else (target, int(policy["maxReceiveCount"]))


def with_defaults(name: QueueName, given: Mapping[str, str]) -> dict[str, str]:
    """The attributes a new queue stores: ``given`` over AWS's defaults."""
    defaults = {**_NUMERIC_DEFAULTS, **_DEFAULTS, **(_FIFO_DEFAULTS if name.fifo else {})}
    attributes = {**defaults, **given}
    if "KmsMasterKeyId" in attributes:
        attributes.setdefault("KmsDataKeyReusePeriodSeconds", "300")
        attributes["SqsManagedSseEnabled"] = given.get("SqsManagedSseEnabled", "false")
    return attributes


def check_name(name: QueueName, given: Mapping[str, str]) -> None:
    """A queue name as AWS accepts it; a FIFO queue is named .fifo and says FifoQueue=true."""
    fifo_flag = given.get("FifoQueue")
    if not name.name:
        raise InvalidParameterValue("Queue name cannot be empty.")
    if (fifo_flag == "true" and not name.fifo) or (fifo_flag == "false" and name.fifo):
        raise InvalidAttributeName("Unknown Attribute FifoQueue.")
    if not valid_name(name.name) or (name.fifo and fifo_flag != "true"):
        raise InvalidParameterValue(
            "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length"
        )


def check_attributes(name: QueueName, given: Mapping[str, str]) -> None:
    """Each attribute must be one a client may set, with a value AWS accepts (its words:
    "Unknown Attribute X." / "Invalid value for the parameter X.")."""
    for attribute, value in given.items():
        if attribute not in SETTABLE:
            raise InvalidAttributeName(f"Unknown Attribute {attribute}.")
        if not name.fifo and attribute in (*_FIFO_ONLY, "FifoQueue"):
            raise _fifo_only(attribute)
        if not _value_ok(attribute, value):
            raise invalid_value(attribute)
    if given.get("SqsManagedSseEnabled") == "true" and given.get("KmsMasterKeyId"):
        raise InvalidAttributeName(
            "You can use one type of server-side encryption (SSE) at one time. You can either "
            "enable KMS SSE or SQS SSE."
        )


def _fifo_only(attribute: str) -> InvalidAttributeName:
    if attribute in ("DeduplicationScope", "FifoThroughputLimit"):
        return InvalidAttributeName(
            f"You can specify the {attribute} only when FifoQueue is set to true."
        )
    return InvalidAttributeName(f"Unknown Attribute {attribute}.")


def invalid_value(attribute: str) -> InvalidAttributeValue:
    return InvalidAttributeValue(f"Invalid value for the parameter {attribute}.")


def _value_ok(attribute: str, value: str) -> bool:
    if attribute in _NUMERIC:
        _, low, high = _NUMERIC[attribute]
        return value.isdigit() and low <= int(value) <= high
    if attribute in _BOOLEAN:
        return value.lower() in ("true", "false")
    if attribute in _CHOICES:
        return value in _CHOICES[attribute]
    return True


def normalized(given: Mapping[str, str]) -> dict[str, str]:
    """Booleans as AWS stores them (``True`` -> ``true``)."""
    return {k: v.lower() if k in _BOOLEAN else v for k, v in given.items()}


def stored_data(attributes: Mapping[str, str], tags: Mapping[str, str], now: int) -> dict[str, Any]:
    return {"attributes": dict(attributes), "tags": dict(tags), "created": now, "modified": now}
