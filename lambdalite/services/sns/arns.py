"""Topic and subscription ARNs as SNS reads them, with its words for the ones it refuses.

Wording recorded against AWS (localstack/localstack tests/aws/services/sns/test_sns.snapshot.json:
``test_publish_wrong_arn_format``, ``test_unsubscribe_wrong_arn_format``,
``test_cross_region_access``): "Invalid parameter: TopicArn Reason: An ARN must have at least 6
elements, not 1"; a topic of another region is "Invalid parameter: TopicArn"; a subscription ARN
without its id is "Invalid parameter: SubscriptionId".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lambdalite.services.names import ScopedName
from lambdalite.services.sns.errors import invalid

_TOPIC_NAME = re.compile(r"[A-Za-z0-9_-]{1,256}")
_FIFO_TOPIC_NAME = re.compile(r"[A-Za-z0-9_-]{1,251}\.fifo")
_ARN_PARTS = 6


@dataclass(frozen=True, slots=True)
class TopicName(ScopedName):
    """Where a topic is: account, region and name."""

    @property
    def arn(self) -> str:
        return self.arn_in("sns")

    def subscription_arn(self, subscription_id: str) -> str:
        return f"{self.arn}:{subscription_id}"


@dataclass(frozen=True, slots=True)
class SubscriptionName:
    """A subscription: its topic and its id (the last part of its ARN)."""

    topic: TopicName
    id: str

    @property
    def arn(self) -> str:
        return self.topic.subscription_arn(self.id)

    @property
    def key(self) -> str:
        """Its record's key: under its topic's name, so a topic's subscriptions list by prefix."""
        return f"{self.topic.name}:{self.id}"


def valid_topic_name(name: str, fifo: bool) -> bool:
    return bool((_FIFO_TOPIC_NAME if fifo else _TOPIC_NAME).fullmatch(name))


def split_arn(arn: str | None, member: str) -> list[str]:
    """The parts of an ARN that has at least six, or SNS's complaint naming ``member``."""
    parts = (arn or "").split(":")
    if len(parts) < _ARN_PARTS:
        raise invalid(f"{member} Reason: An ARN must have at least 6 elements, not {len(parts)}")
    return parts


def topic_from_arn(arn: str | None, region: str, member: str = "TopicArn") -> TopicName:
    """The topic an ARN names, which must be in the caller's region."""
    parts = split_arn(arn, member)
    if parts[3] != region or parts[2] != "sns" or len(parts) != _ARN_PARTS:
        raise invalid(member)
    return TopicName(parts[4], parts[3], parts[5])


def subscription_from_arn(arn: str | None, region: str) -> SubscriptionName:
    """The subscription an ARN names: ``<topic ARN>:<id>``."""
    parts = split_arn(arn, "SubscriptionArn")
    if len(parts) == _ARN_PARTS:
        raise invalid("SubscriptionId")
    if parts[3] != region or parts[2] != "sns" or len(parts) != _ARN_PARTS + 1:
        raise invalid("SubscriptionArn")
    return SubscriptionName(TopicName(parts[4], parts[3], parts[5]), parts[6])


def queue_from_arn(arn: str) -> tuple[str, str, str] | None:
    """(account, region, name) of an SQS queue ARN, or None when it is not one."""
    parts = arn.split(":")
    if len(parts) != _ARN_PARTS or parts[:3] != ["arn", "aws", "sqs"] or not parts[5]:
        return None
    return parts[4], parts[3], parts[5]
