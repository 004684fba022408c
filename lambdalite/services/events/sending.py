"""Handing a payload to a target through the target service's own operation, for EventBridge
rules and EventBridge Scheduler alike.

Lambda functions are invoked asynchronously (lambdalite's durable async queue), queues get a
message, topics a publication, buses a PutEvents entry: each is durable once it returns. A
target service lambdalite does not serve is refused when the target is configured
(:func:`unsupported_target`), so nothing is dropped silently later.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from lambdalite.aws.context import internal_context
from lambdalite.aws.errors import ServiceError
from lambdalite.services.events.arns import Arn
from lambdalite.services.platform import Platform

log = logging.getLogger(__name__)

SERVED_TARGETS = ("lambda", "sqs", "sns", "events")
# Errors that mean the target is gone or refuses the event: retrying cannot help, so AWS sends
# the event to the dead-letter queue at once (eb-rule-dlq: "for errors that result from missing
# permissions to a target, or a target resource that no longer exists ... EventBridge sends
# these events directly to the DLQ").
_PERMANENT = frozenset(
    {
        "ResourceNotFoundException",
        "QueueDoesNotExist",
        "AWS.SimpleQueueService.NonExistentQueue",
        "NotFound",
        "NotFoundException",
        "InvalidParameterValueException",
        "InvalidParameterException",
        "InvalidMessageContents",
        "RequestTooLargeException",
        "InvalidRequestContentException",
        "MissingParameter",
        "MissingRequiredParameterException",
        "AccessDeniedException",
        "AuthorizationError",
        "KMSAccessDeniedException",
        "ValidationException",
    }
)


class DeliveryFailed(Exception):
    """A target refused or could not take the payload."""

    def __init__(self, code: str, message: str, *, retryable: bool) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.retryable = retryable


@dataclass(frozen=True, slots=True)
class Options:
    """Per-target extras: FIFO fields of a queue, the PutEvents entry of a bus."""

    message_group_id: str | None = None
    deduplication_id: str | None = None
    bus_entry: dict[str, Any] = field(default_factory=dict)


def unsupported_target(arn: str, platform: Platform) -> str | None:
    """Why lambdalite cannot deliver to ``arn``, or None when it can."""
    parsed = Arn.parse(arn)
    if parsed is None:
        return f"{arn} is not an ARN."
    if parsed.service not in SERVED_TARGETS:
        return (
            f"lambdalite does not serve {parsed.service} targets ({arn}); it delivers to "
            "Lambda functions, SQS queues, SNS topics and EventBridge event buses."
        )
    if parsed.service not in platform.providers:
        return f"lambdalite does not serve {parsed.service} (yet): {arn} cannot be delivered to."
    if parsed.service == "events" and not parsed.resource.startswith("event-bus/"):
        return f"lambdalite delivers to EventBridge event buses only, not to {arn}."
    return None


async def send(platform: Platform, arn: str, body: str, options: Options) -> None:
    """Deliver ``body`` to ``arn``; raise :class:`DeliveryFailed` when it is not taken."""
    parsed = Arn.parse(arn)
    service = parsed.service if parsed else ""
    provider = platform.providers.get(service)
    if parsed is None or provider is None or service not in SERVED_TARGETS:
        # Refused at configuration time: reaching this means the service went away since.
        log.error("lambdalite cannot deliver to %s: no such service is served", arn)
        raise DeliveryFailed(
            "UNSUPPORTED_OPERATION", f"{arn} cannot be delivered to.", retryable=False
        )
    try:
        await _SENDERS[service](provider, parsed, arn, body, options)
    except ServiceError as error:
        retryable = error.code not in _PERMANENT and (error.status or 500) >= 429
        raise DeliveryFailed(error.code, error.message, retryable=retryable) from error


async def _to_function(provider: Any, arn: Arn, text: str, body: str, options: Options) -> None:
    ctx = internal_context(arn.account, arn.region, "lambda")
    request = {"FunctionName": text, "InvocationType": "Event", "Payload": body.encode()}
    await provider.invoke(ctx, request)


async def _to_queue(provider: Any, arn: Arn, text: str, body: str, options: Options) -> None:
    ctx = internal_context(arn.account, arn.region, "sqs")
    request = {"QueueUrl": f"/{arn.account}/{arn.resource}", "MessageBody": body}
    await provider.send_message(ctx, request | _fifo_fields(arn, options))


async def _to_topic(provider: Any, arn: Arn, text: str, body: str, options: Options) -> None:
    ctx = internal_context(arn.account, arn.region, "sns")
    request = {"TopicArn": text, "Message": body}
    await provider.publish(ctx, request | _fifo_fields(arn, options))


def _fifo_fields(arn: Arn, options: Options) -> dict[str, Any]:
    """A FIFO queue or topic target's group and deduplication ids (none for others)."""
    if not arn.resource.endswith(".fifo"):
        return {}
    return {
        "MessageGroupId": options.message_group_id,
        "MessageDeduplicationId": options.deduplication_id,
    }


async def _to_bus(provider: Any, arn: Arn, text: str, body: str, options: Options) -> None:
    ctx = internal_context(arn.account, arn.region, "events")
    entry = {**options.bus_entry, "EventBusName": arn.resource.split("/", 1)[1]}
    answer = await provider.put_events(ctx, {"Entries": [entry]})
    if answer.get("FailedEntryCount"):
        failed = answer["Entries"][0]
        raise ServiceError(failed.get("ErrorMessage", ""), code=failed.get("ErrorCode", ""))


async def send_dead_letter(
    platform: Platform, queue_arn: str, body: str, attributes: dict[str, tuple[str, str]]
) -> None:
    """A message to a dead-letter queue, attributes as (DataType, value); failures are logged:
    AWS, too, only counts a dead letter it could not send (InvocationsFailedToBeSentToDLQ)."""
    parsed = Arn.parse(queue_arn)
    sqs = platform.providers.get("sqs")
    if parsed is None or sqs is None:
        log.error("dead-letter queue %s cannot be reached", queue_arn)
        return
    request = {
        "QueueUrl": f"/{parsed.account}/{parsed.resource}",
        "MessageBody": body,
        "MessageAttributes": {
            name: {"DataType": kind, "StringValue": value or "-"}
            for name, (kind, value) in attributes.items()
        },
    }
    try:
        await sqs.send_message(internal_context(parsed.account, parsed.region, "sqs"), request)
    except ServiceError as error:
        log.error("could not send to dead-letter queue %s: %s", queue_arn, error.message)


_SENDERS = {"lambda": _to_function, "sqs": _to_queue, "sns": _to_topic, "events": _to_bus}
