"""Dead-letter queues: checking RedrivePolicy and RedriveAllowPolicy as AWS does.

AWS's reasons, where aws-recorded has none: LocalStack's AWS-recorded SQS snapshots
(test_invalid_dead_letter_arn_rejected_before_lookup) and AWS answers quoted in
serverless/serverless issue 5215 and crossplane issue 443 ("Dead letter target does not
exist.", "Redrive policy does not contain mandatory attribute: deadLetterTargetArn.").
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from lambdalite.services.sqs.errors import InvalidAttributeValue, InvalidParameterValue
from lambdalite.services.sqs.queues import Queue, QueueName, parse_queue_arn

_MAX_RECEIVE_COUNT = 1000
_MAX_SOURCE_ARNS = 10
_PERMISSIONS = ("allowAll", "denyAll", "byQueue")


def check_redrive_policies(
    name: QueueName, given: Mapping[str, str], dead_letter: Queue | None
) -> None:
    """RedrivePolicy and RedriveAllowPolicy among ``given`` attributes; ``dead_letter`` is the
    queue the RedrivePolicy names (None when it does not exist or names none)."""
    if given.get("RedrivePolicy"):
        _check_redrive_policy(name, given["RedrivePolicy"], dead_letter)
    if given.get("RedriveAllowPolicy"):
        _check_allow_policy(given["RedriveAllowPolicy"])


def _check_redrive_policy(name: QueueName, raw: str, dead_letter: Queue | None) -> None:
    policy = _json_map(raw)
    if policy is None:
        raise InvalidAttributeValue(
            "Invalid value for the parameter RedrivePolicy. Reason: Redrive policy is not a "
            "valid JSON map."
        )
    for reason in _policy_problems(policy):
        raise _redrive_invalid(raw, reason)
    if dead_letter is None:
        raise _redrive_invalid(raw, "Dead letter target does not exist.")
    if dead_letter.fifo != name.fifo:
        raise _redrive_invalid(raw, "Dead-letter queue must be same type of queue as the source..")
    if not allows(dead_letter, name):
        # AWS's exact wording for this refusal is not recorded anywhere we could find.
        raise _redrive_invalid(
            raw,
            f"Queue {dead_letter.where.arn} does not allow this queue to use it as a "
            "dead-letter queue.",
        )


def _policy_problems(policy: dict[str, Any]) -> list[str]:
    """The first thing wrong with a RedrivePolicy map, in the order AWS checks."""
    if set(policy) - {"maxReceiveCount", "deadLetterTargetArn"}:
        return ["Only following attributes are supported: [maxReceiveCount, deadLetterTargetArn]."]
    if "maxReceiveCount" not in policy:
        return ["Redrive policy does not contain mandatory attribute: maxReceiveCount."]
    if "deadLetterTargetArn" not in policy:
        return ["Redrive policy does not contain mandatory attribute: deadLetterTargetArn."]
    count = _integer(policy["maxReceiveCount"])
    if count is None or not 1 <= count <= _MAX_RECEIVE_COUNT:
        return [
            f"Invalid value for maxReceiveCount: {policy['maxReceiveCount']}, valid values are "
            f"from 1 to {_MAX_RECEIVE_COUNT} both inclusive."
        ]
    arn = policy["deadLetterTargetArn"]
    if not isinstance(arn, str) or not arn.startswith("arn:"):
        return ["Invalid value for deadLetterTargetArn."]
    if parse_queue_arn(arn) is None:
        return ["Only SQS queues are valid resources for deadLetterTargetArn."]
    return []


def _check_allow_policy(raw: str) -> None:
    policy = _json_map(raw)
    permission = None if policy is None else policy.get("redrivePermission")
    if (
        policy is None
        or permission not in _PERMISSIONS
        or set(policy)
        - {
            "redrivePermission",
            "sourceQueueArns",
        }
    ):
        raise InvalidAttributeValue(
            "Invalid value for the parameter RedriveAllowPolicy. Reason: Amazon SQS can\u2019t "
            "create the redrive allow policy, as it\u2019s in an unsupported format."
        )
    sources = policy.get("sourceQueueArns")
    reason = _allow_problem(str(permission), sources)
    if reason:
        raise InvalidParameterValue(
            f"Value {raw} for parameter RedriveAllowPolicy is invalid. Reason: Amazon SQS can't "
            f"create the redrive allow policy. {reason}"
        )


def _allow_problem(permission: str, sources: object) -> str | None:
    if permission == "byQueue" and not sources:
        return (
            "When you specify the byQueue permission type, you must also specify one or more "
            "sourceQueueArns values."
        )
    if permission != "byQueue" and sources is not None:
        return (
            "To specify one or more source queue ARNs, you must set redrivePermission to byQueue."
        )
    if isinstance(sources, list) and len(sources) > _MAX_SOURCE_ARNS:
        return f"The maximum number of source queue ARNs you can specify is {_MAX_SOURCE_ARNS}."
    return None


def allows(dead_letter: Queue, source: QueueName) -> bool:
    """Whether ``dead_letter``'s RedriveAllowPolicy lets ``source`` use it (allowAll when none)."""
    policy = _json_map(dead_letter.attributes.get("RedriveAllowPolicy", "")) or {}
    permission = policy.get("redrivePermission", "allowAll")
    if permission == "byQueue":
        return source.arn in policy.get("sourceQueueArns", [])
    return bool(permission == "allowAll")


def _redrive_invalid(raw: str, reason: str) -> InvalidParameterValue:
    return InvalidParameterValue(
        f"Value {raw} for parameter RedrivePolicy is invalid. Reason: {reason}"
    )


def _json_map(raw: str) -> dict[str, Any] | None:
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _integer(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return None
