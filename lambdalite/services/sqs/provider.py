"""The Amazon SQS provider: one class, its operations grouped by topic in mixins."""

from __future__ import annotations

import asyncio
import functools
import logging

from sqlalchemy import Connection

from lambdalite.aws.dispatch import Provider
from lambdalite.services.sqs import messages
from lambdalite.services.sqs.message_operations import MessageOperations
from lambdalite.services.sqs.moves import MoveTaskOperations
from lambdalite.services.sqs.queue_operations import QueueOperations
from lambdalite.services.sqs.queues import Queue, QueueName

log = logging.getLogger(__name__)

SWEEP_SECONDS = 60.0  # how often messages past their retention period are dropped


class SqsProvider(MessageOperations, QueueOperations, MoveTaskOperations, Provider):
    service = "sqs"
    # Members AWS checks with SQS's own errors ("Unknown Attribute X.", "Must specify a queue
    # name.", per-entry failures), or does not check at all (unknown names in a receive are
    # ignored), rather than with the model's ValidationException.
    unvalidated = {
        "CreateQueue": frozenset({"QueueName", "Attributes"}),
        "GetQueueUrl": frozenset({"QueueName"}),
        "GetQueueAttributes": frozenset({"AttributeNames"}),
        "SetQueueAttributes": frozenset({"Attributes"}),
        "ReceiveMessage": frozenset({"AttributeNames", "MessageSystemAttributeNames"}),
        "SendMessage": frozenset({"MessageSystemAttributes"}),
        "SendMessageBatch": frozenset({"Entries"}),
        "DeleteMessageBatch": frozenset({"Entries"}),
        "ChangeMessageVisibilityBatch": frozenset({"Entries"}),
    }

    async def start(self) -> None:
        await self.resume_move_tasks()
        self.spawn(self._sweep_forever())

    async def stop(self) -> None:
        await self.stop_background()

    def status(self) -> dict[str, int]:
        """For /health: how many ReceiveMessage long polls are waiting."""
        return {"long_polls_waiting": self.arrivals.waiting}

    async def _sweep_forever(self) -> None:
        """Drop messages past their queue's retention period, and deduplication ids past
        their five minutes (a receive skips expired messages meanwhile)."""
        while True:
            try:
                await self.sweep()
            except Exception:
                log.exception("sweeping SQS queues failed")
            await asyncio.sleep(SWEEP_SECONDS)

    async def sweep(self) -> None:
        now = self.now_ms()
        for scope, record in await self.queues.scan():
            queue = Queue.of(QueueName(scope.account, scope.region, record.key), record)
            await self.platform.store.write(functools.partial(_expire_in, queue=queue, now=now))
        await self.platform.store.write(
            lambda conn: messages.forget_expired_deduplication(conn, now)
        )


def _expire_in(conn: Connection, queue: Queue, now: int) -> None:
    messages.expire(conn, queue.where, now - queue.number("MessageRetentionPeriod") * 1000)
