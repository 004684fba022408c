"""Subscriptions as stored, their attributes as AWS shows them, and AWS's checks on them.

Shapes and wording recorded against AWS in localstack/localstack
tests/aws/services/sns/test_sns.snapshot.json (``test_create_subscriptions_with_attributes``,
``test_validate_set_sub_attributes``, ``test_subscribe_idempotency``,
``test_validations_for_fifo``, ``test_redrive_policy_lambda_subscription``) and
test_sns_filter_policy.snapshot.json (``test_set_subscription_filter_policy_scope``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from lambdalite.services.sns import delivery_policies, filter_policies
from lambdalite.services.sns.arns import SubscriptionName, TopicName, queue_from_arn, split_arn
from lambdalite.services.sns.errors import InvalidParameter, NotImplementedByLambdalite
from lambdalite.services.sns.topics import Topic
from lambdalite.store import Record
from lambdalite.triggers.patterns import Pattern

PROTOCOLS = frozenset(
    {"http", "https", "email", "email-json", "sms", "sqs", "application", "lambda", "firehose"}
)
#: The protocols lambdalite delivers to; the others would need mail, phones or Firehose.
DELIVERED = frozenset({"http", "https", "sqs", "lambda"})
SETTABLE = frozenset(
    {
        "DeliveryPolicy",
        "FilterPolicy",
        "FilterPolicyScope",
        "RawMessageDelivery",
        "RedrivePolicy",
        "SubscriptionRoleArn",
        "ReplayPolicy",
    }
)
SUBSCRIBE_PREFIX = "Invalid parameter: Attributes Reason: "
SET_PREFIX = "Invalid parameter: "


@dataclass(frozen=True, slots=True)
class Subscription:
    """A subscription as stored."""

    name: SubscriptionName
    protocol: str
    endpoint: str
    owner: str
    principal: str
    attributes: Mapping[str, str]
    pending: bool
    authenticated: bool
    #: Where lambdalite was reached when it was made: SubscribeURL/UnsubscribeURL are built on it.
    base_url: str
    version: int = 0
    _pattern: list[Pattern | None] = field(default_factory=list, compare=False)

    @classmethod
    def of(cls, topic: TopicName, record: Record) -> Subscription:
        data = record.data
        name = SubscriptionName(topic, record.key.rsplit(":", 1)[1])
        return cls(
            name,
            data["protocol"],
            data["endpoint"],
            data["owner"],
            data["principal"],
            data["attributes"],
            data["pending"],
            data["authenticated"],
            data["base_url"],
            record.version,
        )

    def data(self) -> dict[str, Any]:
        return {
            "protocol": self.protocol,
            "endpoint": self.endpoint,
            "owner": self.owner,
            "principal": self.principal,
            "attributes": dict(self.attributes),
            "pending": self.pending,
            "authenticated": self.authenticated,
            "base_url": self.base_url,
        }

    @property
    def arn(self) -> str:
        return self.name.arn

    @property
    def raw(self) -> bool:
        return self.attributes.get("RawMessageDelivery") == "true"

    @property
    def scope(self) -> str:
        return self.attributes.get("FilterPolicyScope", filter_policies.MESSAGE_ATTRIBUTES)

    @property
    def dead_letter_queue(self) -> str | None:
        text = self.attributes.get("RedrivePolicy")
        return str(json.loads(text)["deadLetterTargetArn"]) if text else None

    def pattern(self) -> Pattern | None:
        """The compiled filter policy (compiled once per loaded record)."""
        if not self._pattern:
            text = self.attributes.get("FilterPolicy")
            self._pattern.append(
                filter_policies.compiled(text, self.scope, SET_PREFIX) if text else None
            )
        return self._pattern[0]

    def listed(self) -> dict[str, str]:
        """As ListSubscriptions shows it."""
        return {
            "SubscriptionArn": "PendingConfirmation" if self.pending else self.arn,
            "Owner": self.owner,
            "Protocol": self.protocol,
            "Endpoint": self.endpoint,
            "TopicArn": self.name.topic.arn,
        }

    def shown(self, topic: Topic | None) -> dict[str, str]:
        """GetSubscriptionAttributes."""
        attributes = {
            "ConfirmationWasAuthenticated": _flag(self.authenticated),
            "Endpoint": self.endpoint,
            "Owner": self.owner,
            "PendingConfirmation": _flag(self.pending),
            "Protocol": self.protocol,
            "RawMessageDelivery": "false",
            "SubscriptionArn": self.arn,
            "SubscriptionPrincipal": self.principal,
            "TopicArn": self.name.topic.arn,
        }
        attributes.update(self.attributes)
        if "FilterPolicy" not in self.attributes:
            attributes.pop("FilterPolicyScope", None)
        elif "FilterPolicyScope" not in attributes:
            attributes["FilterPolicyScope"] = filter_policies.MESSAGE_ATTRIBUTES
        if self.protocol in ("http", "https") and topic is not None:
            policy = self.effective_policy(topic)
            attributes["EffectiveDeliveryPolicy"] = json.dumps(policy, separators=(",", ":"))
        return attributes

    def effective_policy(self, topic: Topic) -> dict[str, Any]:
        return delivery_policies.effective(
            self.attributes.get("DeliveryPolicy"), topic.http_policy()
        )


def _flag(value: bool) -> str:
    return "true" if value else "false"


def check_endpoint(topic: TopicName, protocol: str, endpoint: str | None) -> str:
    """The endpoint of a new subscription, as AWS accepts it for ``protocol``."""
    if protocol not in PROTOCOLS:
        raise InvalidParameter(
            f"Invalid parameter: Amazon SNS does not support this protocol string: {protocol}"
        )
    endpoint = endpoint or ""
    if protocol in ("http", "https") and not endpoint.lower().startswith(f"{protocol}://"):
        raise InvalidParameter("Invalid parameter: Endpoint must match the specified protocol")
    if protocol == "sqs" and queue_from_arn(endpoint) is None:
        raise InvalidParameter("Invalid parameter: SQS endpoint ARN")
    if protocol == "lambda" and endpoint.split(":")[2:3] != ["lambda"]:
        raise InvalidParameter("Invalid parameter: Lambda endpoint ARN")
    if protocol == "sqs" and endpoint.endswith(".fifo") and not topic.fifo:
        raise InvalidParameter(
            "Invalid parameter: Invalid parameter: Endpoint Reason: FIFO SQS Queues can not be "
            "subscribed to standard SNS topics"
        )
    return endpoint


def checked_attributes(
    given: Mapping[str, str], topic: TopicName, endpoint: str, prefix: str
) -> dict[str, str]:
    """Subscription attributes as a subscription keeps them, each checked."""
    kept: dict[str, str] = {}
    for name, value in given.items():
        kept[name] = checked_value(name, value, topic, endpoint, prefix)
    scope = kept.get("FilterPolicyScope", filter_policies.MESSAGE_ATTRIBUTES)
    if kept.get("FilterPolicy"):
        filter_policies.compiled(kept["FilterPolicy"], scope, prefix)
    return {name: value for name, value in kept.items() if value != ""}


def checked_value(name: str, value: str, topic: TopicName, endpoint: str, prefix: str) -> str:
    """One attribute's value as kept (RawMessageDelivery lower-cased, policies normalized)."""
    if name not in SETTABLE:
        raise InvalidParameter(f"{prefix}AttributeName")
    if name == "ReplayPolicy":
        raise NotImplementedByLambdalite("Message replay is not implemented by lambdalite.")
    if name == "RawMessageDelivery":
        if value.lower() not in ("true", "false"):
            raise InvalidParameter(
                f"{prefix}RawMessageDelivery: Invalid value [{value}]. Must be true or false."
            )
        return value.lower()
    if name == "FilterPolicyScope" and value not in (
        filter_policies.MESSAGE_ATTRIBUTES,
        filter_policies.MESSAGE_BODY,
    ):
        raise InvalidParameter(
            f"{prefix}FilterPolicyScope: Invalid value [{value}]. Please use either MessageBody "
            "or MessageAttributes"
        )
    if name == "RedrivePolicy" and value:
        _check_redrive(value, topic, endpoint, prefix)
    if name == "DeliveryPolicy" and value:
        return delivery_policies.stored(value, prefix)
    return value


def _check_redrive(value: str, topic: TopicName, endpoint: str, prefix: str) -> None:
    try:
        policy = json.loads(value)
    except ValueError:
        reason = filter_policies.jackson_syntax_error(value)
        raise InvalidParameter(f"{prefix}RedrivePolicy: failed to parse JSON. {reason}") from None
    target = policy.get("deadLetterTargetArn", "") if isinstance(policy, dict) else ""
    try:
        split_arn(str(target), "deadLetterTargetArn")
    except InvalidParameter:
        raise InvalidParameter(
            f"{prefix}RedrivePolicy: deadLetterTargetArn is an invalid arn"
        ) from None
    if topic.fifo and endpoint.endswith(".fifo") and not str(target).endswith(".fifo"):
        raise InvalidParameter(
            f"{prefix}RedrivePolicy: must use a FIFO queue as DLQ for a FIFO Subscription to a "
            "FIFO Topic."
        )
