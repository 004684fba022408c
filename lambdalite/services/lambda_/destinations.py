"""Where asynchronous invocations report: OnSuccess/OnFailure destinations and dead-letter
queues, reached through the target service's own API (SendMessage, Invoke, ...).

One sender per target service, each calling that service's provider (``platform.providers``).
A record for a service lambdalite does not serve is logged as lost, loudly (AWS, too, drops a
record it cannot deliver and counts a DestinationDeliveryFailures / DeadLetterErrors metric).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from lambdalite.aws.context import RequestContext, internal_context
from lambdalite.aws.errors import ServiceError
from lambdalite.services.platform import Platform

log = logging.getLogger(__name__)

ERROR_MESSAGE_BYTES = 1024  # a dead-letter message's ErrorMessage: the first kilobyte
Attributes = dict[str, dict[str, str]]
Sender = Callable[[Any, "Delivery"], Awaitable[None]]


def invocation_record(
    *,
    request_id: str,
    function_arn: str,
    condition: str,
    attempts: int,
    payload: str,
    response: dict[str, Any] | None,
) -> dict[str, Any]:
    """The record a destination receives (AWS-BEHAVIOUR.md §2.5, aws-recorded 24 and 28):
    ``response`` is None when the function never ran (zero reserved concurrency)."""
    record: dict[str, Any] = {
        "version": "1.0",
        "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "requestContext": {
            "requestId": request_id,
            "functionArn": function_arn,
            "condition": condition,
            "approximateInvokeCount": attempts,
        },
        "requestPayload": as_json(payload),
    }
    if response is not None:
        context = {"statusCode": 200, "executedVersion": response["executedVersion"]}
        if response.get("functionError"):
            context["functionError"] = response["functionError"]
        record["responseContext"] = context
        record["responsePayload"] = as_json(response["payload"])
    return record


def dead_letter_attributes(request_id: str, response: dict[str, Any] | None) -> Attributes:
    """RequestID, ErrorCode and ErrorMessage, as a function's dead-letter queue receives them
    (aws-recorded 29). Without a response the function was never run: a throttle's 429 and
    "Rate Exceeded." (what a throttled Invoke answers) stand in."""
    if response is None:
        code, message = "429", "Rate Exceeded."
    else:
        code, message = "200", _error_message(response["payload"])
    return {
        "RequestID": {"DataType": "String", "StringValue": request_id},
        "ErrorCode": {"DataType": "Number", "StringValue": code},
        "ErrorMessage": {"DataType": "String", "StringValue": message},
    }


@dataclass(frozen=True, slots=True)
class Delivery:
    """A record (or a dead-lettered event) on its way to the queue, function, topic or bus
    ``arn``. An EventBridge bus gets it as an event's detail: ``detail_type`` and
    ``function_arn`` say what the event is about."""

    arn: str
    body: str
    trace_id: str
    attributes: Attributes = field(default_factory=dict)
    detail_type: str = ""
    function_arn: str = ""

    @property
    def service(self) -> str:
        return self.arn.split(":")[2] if self.arn.count(":") >= 5 else ""

    def context(self, service: str) -> RequestContext:
        _, _, _, region, account, _ = self.arn.split(":", 5)
        return internal_context(account, region, service)


async def deliver(platform: Platform, delivery: Delivery) -> None:
    """Hand ``delivery`` to its target service (durable once that answers); failures, and
    targets lambdalite has no service for, are logged as lost."""
    service = delivery.service
    sender = _SENDERS.get(service)
    if sender is None or service not in platform.providers:
        log.error("lambdalite has no %s service: a record for %s is lost", service, delivery.arn)
        return
    try:
        await sender(platform.providers[service], delivery)
    except ServiceError as error:
        log.error("could not deliver a record to %s: %s", delivery.arn, error.message)


async def _to_queue(sqs: Any, delivery: Delivery) -> None:
    _, _, _, _, account, name = delivery.arn.split(":", 5)
    request: dict[str, Any] = {
        "QueueUrl": f"/{account}/{name}",
        "MessageBody": delivery.body,
        "MessageSystemAttributes": {
            "AWSTraceHeader": {"DataType": "String", "StringValue": delivery.trace_id}
        },
    }
    if delivery.attributes:
        request["MessageAttributes"] = delivery.attributes
    await sqs.send_message(delivery.context("sqs"), request)


async def _to_function(lam: Any, delivery: Delivery) -> None:
    """A function destination is invoked asynchronously with the record as its event."""
    request = {
        "FunctionName": delivery.arn,
        "InvocationType": "Event",
        "Payload": delivery.body.encode(),
    }
    await lam.invoke(delivery.context("lambda"), request)


async def _to_topic(sns: Any, delivery: Delivery) -> None:
    request: dict[str, Any] = {"TopicArn": delivery.arn, "Message": delivery.body}
    if delivery.attributes:
        request["MessageAttributes"] = delivery.attributes
    await sns.publish(delivery.context("sns"), request)


async def _to_bus(events: Any, delivery: Delivery) -> None:
    """An event of source "lambda" whose detail is the record (the Lambda developer guide,
    "Adding a destination": EventBridge destinations)."""
    entry = {
        "Source": "lambda",
        "DetailType": delivery.detail_type,
        "Detail": delivery.body,
        "Resources": [delivery.function_arn, delivery.arn],
        "EventBusName": delivery.arn,
    }
    answer = await events.put_events(delivery.context("events"), {"Entries": [entry]})
    if answer.get("FailedEntryCount"):
        failure = answer["Entries"][0]
        raise ServiceError(str(failure.get("ErrorMessage")), code=str(failure.get("ErrorCode")))


_SENDERS: dict[str, Sender] = {
    "sqs": _to_queue,
    "lambda": _to_function,
    "sns": _to_topic,
    "events": _to_bus,
}


def as_json(text: str) -> Any:
    """A payload as the record embeds it: parsed when it is JSON, else the text itself."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def _error_message(payload: str) -> str:
    answer = as_json(payload)
    message = answer.get("errorMessage", payload) if isinstance(answer, dict) else payload
    return str(message).encode()[:ERROR_MESSAGE_BYTES].decode("utf-8", "ignore")
