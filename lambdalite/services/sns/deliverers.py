"""One delivery attempt to one endpoint, and dead-lettering what cannot be delivered.

SQS queues and Lambda functions are reached through their own operations (durable once they
answer: an SQS message, a queued asynchronous invocation). What counts as a failure follows
https://docs.aws.amazon.com/sns/latest/dg/sns-dead-letter-queues.html: a client-side error
(the queue or function is gone, the request is refused) is not retried and goes to the
subscription's dead-letter queue at once; a server-side one (an endpoint that is unavailable,
throttling, an HTTP/S endpoint answering outside 2xx or not at all) is retried per the delivery
policy first.
"""

from __future__ import annotations

import enum
import logging
from typing import Any

from lambdalite.aws.context import internal_context
from lambdalite.aws.errors import ServiceError
from lambdalite.services.platform import Platform
from lambdalite.services.sns import http_client
from lambdalite.services.sns.envelopes import sqs_request
from lambdalite.services.sns.outbox import Delivery

log = logging.getLogger(__name__)

_SUCCESS = range(200, 300)


class Outcome(enum.Enum):
    DELIVERED = "delivered"
    RETRY = "retry"  # a server-side failure: retried per the delivery policy
    REJECTED = "rejected"  # a client-side failure: dead-lettered at once


async def attempt(platform: Platform, delivery: Delivery) -> Outcome:
    """Try ``delivery`` once."""
    try:
        if delivery.protocol == "sqs":
            await _to_queue(platform, delivery.endpoint, delivery.payload)
        elif delivery.protocol == "lambda":
            await _to_function(platform, delivery.endpoint, delivery.payload)
        else:
            return await _to_url(delivery)
    except ServiceError as error:
        log.info("SNS delivery to %s failed: %s %s", delivery.endpoint, error.code, error.message)
        return _outcome_of(error)
    except Exception:
        log.exception("SNS delivery to %s failed", delivery.endpoint)
        return Outcome.RETRY
    return Outcome.DELIVERED


def _outcome_of(error: ServiceError) -> Outcome:
    throttled = error.code in ("TooManyRequestsException", "ThrottlingException")
    server_side = (error.status or 400) >= 500 or error.sender_fault is False
    return Outcome.RETRY if throttled or server_side else Outcome.REJECTED


async def _to_queue(platform: Platform, queue_arn: str, sent: dict[str, Any]) -> None:
    _, _, _, region, account, _ = queue_arn.split(":", 5)
    ctx = internal_context(account, region, "sqs")
    await platform.providers["sqs"].send_message(ctx, sqs_request(queue_arn, sent))


async def _to_function(platform: Platform, function_arn: str, request: dict[str, Any]) -> None:
    _, _, _, region, account, _ = function_arn.split(":", 5)
    ctx = internal_context(account, region, "lambda")
    invocation = {**request, "Payload": str(request["Payload"]).encode()}
    await platform.providers["lambda"].invoke(ctx, invocation)


async def _to_url(delivery: Delivery) -> Outcome:
    payload = delivery.payload
    try:
        status = await http_client.post(
            delivery.endpoint, payload["headers"], payload["body"].encode()
        )
    except http_client.DeliveryFailed as error:
        log.info("SNS delivery to %s failed: %s", delivery.endpoint, error)
        return Outcome.RETRY
    return Outcome.DELIVERED if status in _SUCCESS else Outcome.RETRY


async def dead_letter(platform: Platform, delivery: Delivery) -> None:
    """Send what ``delivery`` carried to its subscription's dead-letter queue, if it has one;
    otherwise SNS discards it."""
    target = delivery.dead_letter
    if target is None:
        log.info("SNS gave up on a delivery to %s (no dead-letter queue)", delivery.endpoint)
        return
    try:
        await _to_queue(platform, target["queue"], target)
    except ServiceError as error:
        log.error("could not dead-letter an SNS message to %s: %s", target["queue"], error.message)
