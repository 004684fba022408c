"""Delivering an event to a rule's targets: input, retries, dead-letter queue.

EventBridge user guide eb-rule-dlq ("Event retry policy and using dead-letter queues"): a
retryable failure is retried with exponential backoff and jitter, by default for 24 hours and up
to 185 times (``RetryPolicy`` sets both); a target that does not exist or refuses the event is
not retried; an event that is not delivered goes to the target's dead-letter queue (an SQS
queue) with the attributes RULE_ARN, TARGET_ARN, ERROR_CODE and ERROR_MESSAGE, or is dropped.

Retries wait in this process (a failure of a local target is almost always permanent: a
deleted function or queue); a retry pending when the server stops is lost, and logged.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import random
from dataclasses import dataclass
from typing import Any

from lambdalite.services.events import inputs, sending
from lambdalite.services.events.targets import TargetOperations
from lambdalite.triggers.schedules import iso_time

log = logging.getLogger(__name__)

DEFAULT_RETRIES = 185
DEFAULT_MAX_AGE_S = 86_400
BACKOFF_S = (1.0, 60.0)  # first retry after about a second, doubling up to a minute
# ERROR_CODE values of the user guide's list, for the failures a local target can have.
_DEAD_LETTER_CODES = {
    "ResourceNotFoundException": "NO_RESOURCE",
    "QueueDoesNotExist": "NO_RESOURCE",
    "NotFound": "NO_RESOURCE",
    "NotFoundException": "NO_RESOURCE",
    "TooManyRequestsException": "THROTTLING",
    "ThrottlingException": "THROTTLING",
    "UNSUPPORTED_OPERATION": "UNSUPPORTED_OPERATION",
}


@dataclass(frozen=True, slots=True)
class Attempt:
    """One event on its way to one target of one rule."""

    rule: dict[str, Any]
    target: dict[str, Any]
    event: dict[str, Any]
    body: str
    options: sending.Options
    first_tried: float
    retries: int = 0


class DeliveryOperations(TargetOperations):
    async def deliver_to_targets(self, rule: dict[str, Any], event: dict[str, Any]) -> None:
        """Hand ``event`` to every target of ``rule``; each is durable once this returns."""
        context = inputs.Context(rule["Arn"], rule["Name"], iso_time(self.clock()))
        for target in rule.get("Targets", []):
            attempt = Attempt(
                rule,
                target,
                event,
                inputs.render(target, event, context),
                _options(target, event),
                self.clock(),
            )
            await self._attempt(attempt)

    async def _attempt(self, attempt: Attempt) -> None:
        try:
            await sending.send(self.platform, attempt.target["Arn"], attempt.body, attempt.options)
        except sending.DeliveryFailed as failure:
            if failure.retryable and self._may_retry(attempt):
                self.spawn(self._retry_later(attempt))
            else:
                await self._dead_letter(attempt, failure)

    def _may_retry(self, attempt: Attempt) -> bool:
        policy = attempt.target.get("RetryPolicy") or {}
        retries = policy.get("MaximumRetryAttempts", DEFAULT_RETRIES)
        max_age = policy.get("MaximumEventAgeInSeconds", DEFAULT_MAX_AGE_S)
        age = self.clock() - attempt.first_tried + _backoff(attempt.retries)
        return bool(attempt.retries < retries and age <= max_age)

    async def _retry_later(self, attempt: Attempt) -> None:
        try:
            await asyncio.sleep(_backoff(attempt.retries))
        except asyncio.CancelledError:
            log.warning("a retry to %s was pending at shutdown: lost", attempt.target["Arn"])
            raise
        await self._attempt(dataclasses.replace(attempt, retries=attempt.retries + 1))

    async def _dead_letter(self, attempt: Attempt, failure: sending.DeliveryFailed) -> None:
        queue = (attempt.target.get("DeadLetterConfig") or {}).get("Arn")
        rule_arn, target_arn = attempt.rule["Arn"], attempt.target["Arn"]
        if not queue:
            log.warning("event for %s from %s dropped: %s", target_arn, rule_arn, failure)
            return
        attributes = {
            "RULE_ARN": ("String", rule_arn),
            "TARGET_ARN": ("String", target_arn),
            "ERROR_CODE": ("String", _DEAD_LETTER_CODES.get(failure.code, "SDK_CLIENT_ERROR")),
            "ERROR_MESSAGE": ("String", failure.message),
        }
        body = inputs.compact(attempt.event)
        await sending.send_dead_letter(self.platform, queue, body, attributes)


def _options(target: dict[str, Any], event: dict[str, Any]) -> sending.Options:
    group = (target.get("SqsParameters") or {}).get("MessageGroupId")
    # For a bus target EventBridge forwards the event itself, not the target input.
    entry = {
        "Source": event["source"],
        "DetailType": event["detail-type"],
        "Detail": inputs.compact(event.get("detail", {})),
        "Resources": event.get("resources", []),
    }
    return sending.Options(message_group_id=group, deduplication_id=event["id"], bus_entry=entry)


def _backoff(retries: int) -> float:
    low, high = BACKOFF_S
    return float(min(high, low * 2**retries) * random.uniform(0.5, 1.0))
