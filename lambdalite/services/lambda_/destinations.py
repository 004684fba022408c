"""Where asynchronous invocations report: OnSuccess/OnFailure destinations and dead-letter
queues, reached through the target service's own API (SendMessage, Invoke, ...).

One sender per target service. SNS topics and EventBridge buses plug in here when those
services exist; until then a record bound for one is logged as lost, loudly (AWS, too, drops a
record it cannot deliver and counts a DestinationDeliveryFailures / DeadLetterErrors metric).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from lambdalite.aws.context import internal_context
from lambdalite.aws.errors import ServiceError
from lambdalite.services.platform import Platform

log = logging.getLogger(__name__)

ERROR_MESSAGE_BYTES = 1024  # a dead-letter message's ErrorMessage: the first kilobyte
Attributes = dict[str, dict[str, str]]
Sender = Callable[[Platform, str, str, Attributes, str], Awaitable[None]]


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


async def deliver(
    platform: Platform, arn: str, body: str, attributes: Attributes, trace_id: str
) -> None:
    """Send ``body`` to the queue, function, topic or bus ``arn``; failures are logged."""
    service = arn.split(":")[2] if arn.count(":") >= 5 else ""
    sender = _SENDERS.get(service)
    if sender is None:
        log.error("lambdalite has no %s service: a record for %s is lost", service or "such", arn)
        return
    try:
        await sender(platform, arn, body, attributes, trace_id)
    except ServiceError as error:
        log.error("could not deliver a record to %s: %s", arn, error.message)


async def _to_queue(
    platform: Platform, arn: str, body: str, attributes: Attributes, trace_id: str
) -> None:
    _, _, _, region, account, name = arn.split(":", 5)
    request: dict[str, Any] = {
        "QueueUrl": f"/{account}/{name}",
        "MessageBody": body,
        "MessageSystemAttributes": {
            "AWSTraceHeader": {"DataType": "String", "StringValue": trace_id}
        },
    }
    if attributes:
        request["MessageAttributes"] = attributes
    ctx = internal_context(account, region, "sqs")
    await platform.providers["sqs"].send_message(ctx, request)


async def _to_function(
    platform: Platform, arn: str, body: str, attributes: Attributes, trace_id: str
) -> None:
    """A function destination is invoked asynchronously with the record as its event."""
    _, _, _, region, account, _ = arn.split(":", 5)
    request = {"FunctionName": arn, "InvocationType": "Event", "Payload": body.encode()}
    await platform.providers["lambda"].invoke(internal_context(account, region, "lambda"), request)


_SENDERS: dict[str, Sender] = {"sqs": _to_queue, "lambda": _to_function}


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
