"""Topics as stored, and their attributes as GetTopicAttributes shows them.

Defaults and shapes are AWS's as recorded in localstack/localstack
tests/aws/services/sns/test_sns.snapshot.json (``test_create_topic_with_attributes``,
``test_topic_delivery_policy_crud``, ``test_topic_get_attributes_with_fifo_false``): the default
access policy, ``EffectiveDeliveryPolicy`` with the HTTP defaults (3 retries 20 s apart, linear),
``FifoTopic``/``ContentBasedDeduplication`` on FIFO topics only, and no ``FifoTopic`` kept for an
explicit "false".
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lambdalite.services.sns.arns import TopicName
from lambdalite.services.sns.errors import NotImplementedByLambdalite, invalid
from lambdalite.store import Record

DEFAULT_HEALTHY_RETRY_POLICY: dict[str, Any] = {
    "minDelayTarget": 20,
    "maxDelayTarget": 20,
    "numRetries": 3,
    "numMaxDelayRetries": 0,
    "numNoDelayRetries": 0,
    "numMinDelayRetries": 0,
    "backoffFunction": "linear",
}
DEFAULT_CONTENT_TYPE = "text/plain; charset=UTF-8"

# Attributes a client may set (SetTopicAttributes; CreateTopic also takes FifoTopic).
_SETTABLE = frozenset(
    {
        "DeliveryPolicy",
        "DisplayName",
        "Policy",
        "TracingConfig",
        "KmsMasterKeyId",
        "SignatureVersion",
        "ContentBasedDeduplication",
        "FifoThroughputScope",
        "ArchivePolicy",
        *(
            f"{protocol}{kind}"
            for protocol in ("Application", "HTTP", "Firehose", "Lambda", "SQS")
            for kind in (
                "SuccessFeedbackRoleArn",
                "SuccessFeedbackSampleRate",
                "FailureFeedbackRoleArn",
            )
        ),
    }
)
_FIFO_ONLY = frozenset({"ContentBasedDeduplication", "FifoThroughputScope", "ArchivePolicy"})
_BOOLEAN = frozenset({"ContentBasedDeduplication", "FifoTopic"})
_NO_ARCHIVES = "Message archiving and replay are not implemented by lambdalite."
_DEFAULT_ACTIONS = (
    "SNS:GetTopicAttributes",
    "SNS:SetTopicAttributes",
    "SNS:AddPermission",
    "SNS:RemovePermission",
    "SNS:DeleteTopic",
    "SNS:Subscribe",
    "SNS:ListSubscriptionsByTopic",
    "SNS:Publish",
)


@dataclass(frozen=True, slots=True)
class Topic:
    """A topic as stored: the attributes set on it (strings) and its tags, in order."""

    where: TopicName
    attributes: Mapping[str, str]
    tags: Mapping[str, str]
    version: int

    @classmethod
    def of(cls, where: TopicName, record: Record) -> Topic:
        data = record.data
        return cls(where, data["attributes"], data["tags"], record.version)

    @property
    def fifo(self) -> bool:
        return self.where.fifo

    @property
    def content_based_deduplication(self) -> bool:
        return self.attributes.get("ContentBasedDeduplication") == "true"

    @property
    def signature_version(self) -> str:
        return self.attributes.get("SignatureVersion", "1")

    def http_policy(self) -> dict[str, Any]:
        """The ``http`` part of the topic's EffectiveDeliveryPolicy."""
        given = _json(self.attributes.get("DeliveryPolicy")).get("http") or {}
        healthy = {**DEFAULT_HEALTHY_RETRY_POLICY, **(given.get("defaultHealthyRetryPolicy") or {})}
        effective: dict[str, Any] = {
            "defaultHealthyRetryPolicy": healthy,
            "disableSubscriptionOverrides": bool(given.get("disableSubscriptionOverrides", False)),
        }
        if given.get("defaultThrottlePolicy"):
            effective["defaultThrottlePolicy"] = given["defaultThrottlePolicy"]
        effective["defaultRequestPolicy"] = given.get("defaultRequestPolicy") or {
            "headerContentType": DEFAULT_CONTENT_TYPE
        }
        return effective

    def shown(self, counts: Mapping[str, int]) -> dict[str, str]:
        """GetTopicAttributes: what was set, AWS's computed attributes and defaults."""
        attributes = {
            "DisplayName": "",
            "Owner": self.where.account,
            "Policy": default_policy(self.where),
            "TopicArn": self.where.arn,
            "EffectiveDeliveryPolicy": compact({"http": self.http_policy()}),
            **{f"Subscriptions{name}": str(counts.get(name, 0)) for name in _COUNTED},
        }
        if self.fifo:
            attributes |= {"FifoTopic": "true", "ContentBasedDeduplication": "false"}
        attributes.update(self.attributes)
        return attributes


_COUNTED = ("Confirmed", "Deleted", "Pending")


def compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def default_policy(where: TopicName) -> str:
    statement = {
        "Sid": "__default_statement_ID",
        "Effect": "Allow",
        "Principal": {"AWS": "*"},
        "Action": list(_DEFAULT_ACTIONS),
        "Resource": where.arn,
        "Condition": {"StringEquals": {"AWS:SourceOwner": where.account}},
    }
    return compact({"Version": "2008-10-17", "Id": "__default_policy_ID", "Statement": [statement]})


def _json(text: str | None) -> dict[str, Any]:
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def check_created(where: TopicName, given: Mapping[str, str]) -> dict[str, str]:
    """CreateTopic's attributes, checked, as the topic keeps them."""
    fifo_flag = given.get("FifoTopic", "false").lower()
    if fifo_flag == "true" and not where.fifo:
        raise invalid(
            "Fifo Topic names must end with .fifo and must be made up of only uppercase "
            "and lowercase ASCII letters, numbers, underscores, and hyphens, and must be "
            "between 1 and 256 characters long."
        )
    if where.fifo and fifo_flag != "true":
        raise invalid("Topic Name")
    kept = {name: value for name, value in given.items() if name != "FifoTopic"}
    for name, value in kept.items():
        check_attribute(where, name, value, creating=True)
    return _normalized(kept)


def check_attribute(where: TopicName, name: str, value: str, creating: bool = False) -> None:
    """One topic attribute a client sets, as AWS accepts it."""
    if name == "ArchivePolicy" and where.fifo:
        raise NotImplementedByLambdalite(_NO_ARCHIVES)
    if name not in _SETTABLE or (name in _FIFO_ONLY and not where.fifo):
        # Recorded: SetTopicAttributes FifoTopic -> "Invalid parameter: AttributeName".
        raise invalid(
            "Attributes Reason: Invalid attribute name: " + name if creating else "AttributeName"
        )
    if name in _BOOLEAN and value.lower() not in ("true", "false"):
        raise invalid(f"Attributes Reason: {name}: Invalid value [{value}]. Must be true or false.")
    if name == "SignatureVersion" and value not in ("1", "2"):
        raise invalid(f"SignatureVersion: Invalid value [{value}]. Must be 1 or 2.")
    if name in ("DeliveryPolicy", "Policy") and value and not _is_json_object(value):
        raise invalid(f"{name}: failed to parse JSON.")


def _is_json_object(text: str) -> bool:
    try:
        return isinstance(json.loads(text), dict)
    except ValueError:
        return False


def _normalized(attributes: Mapping[str, str]) -> dict[str, str]:
    return {k: v.lower() if k in _BOOLEAN else v for k, v in attributes.items()}


def with_attribute(topic: Topic, name: str, value: str) -> dict[str, str]:
    """The topic's attributes once ``name`` is set to ``value`` (empty removes a policy)."""
    attributes = dict(topic.attributes)
    if value == "" and name in (
        "DeliveryPolicy",
        "Policy",
        "ArchivePolicy",
    ):
        attributes.pop(name, None)
    elif name == "DeliveryPolicy":
        attributes[name] = compact(_without_nulls(json.loads(value)))
    else:
        attributes.update(_normalized({name: value}))
    return attributes


def _without_nulls(value: Any) -> Any:
    """A delivery policy as AWS keeps it: members set to null are left out (recorded)."""
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    return value
