"""Which target failures are retried: a target that is gone is not (AWS sends such events to the
dead-letter queue at once: EventBridge user guide, eb-rule-dlq); a service fault is."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from lambdalite.aws.errors import InternalFailure, ServiceError
from lambdalite.services.events import sending


class Platform:
    """Just enough of one: the providers a send reaches."""

    def __init__(self, error: ServiceError) -> None:
        self.providers = {"sqs": self}
        self.error = error

    async def send_message(self, ctx: Any, request: dict[str, Any]) -> None:
        raise self.error


def failure_of(error: ServiceError) -> sending.DeliveryFailed:
    arn = "arn:aws:sqs:us-east-1:000000000000:q"
    with pytest.raises(sending.DeliveryFailed) as raised:
        asyncio.run(sending.send(Platform(error), arn, "{}", sending.Options()))  # type: ignore[arg-type]
    return raised.value


def test_a_missing_target_is_not_retried() -> None:
    failure = failure_of(ServiceError("gone", code="QueueDoesNotExist", status=400))
    assert (failure.code, failure.message, failure.retryable) == (
        "QueueDoesNotExist",
        "gone",
        False,
    )


def test_a_service_fault_is_retried() -> None:
    assert failure_of(InternalFailure()).retryable
    assert failure_of(ServiceError("slow down", code="ThrottlingException", status=429)).retryable


def test_targets_lambdalite_has_no_service_for_are_named() -> None:
    platform = Platform(InternalFailure())
    reason = sending.unsupported_target("arn:aws:kinesis:us-east-1:000000000000:stream/s", platform)  # type: ignore[arg-type]
    assert reason is not None and "does not serve kinesis targets" in reason
    assert sending.unsupported_target("arn:aws:sqs:us-east-1:000000000000:q", platform) is None  # type: ignore[arg-type]
    assert "not an ARN" in str(sending.unsupported_target("queue", platform))  # type: ignore[arg-type]
