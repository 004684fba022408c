"""What the groups of SQS operations share: the queue records, finding a queue, the clock."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection

from lambdalite.aws.context import RequestContext
from lambdalite.services.background import BackgroundWork
from lambdalite.services.platform import Platform
from lambdalite.services.sqs.arrivals import Arrivals
from lambdalite.services.sqs.errors import QueueDoesNotExist
from lambdalite.services.sqs.messages import Message
from lambdalite.services.sqs.queues import Queue, QueueName, parse_queue_url
from lambdalite.store import Repository, Scope

Params = dict[str, Any]
QUEUE_KIND = "sqs.queue"


class SqsBase(BackgroundWork):
    """State shared by the SQS operation groups."""

    def __init__(self, platform: Platform, clock: Callable[[], float] = time.time) -> None:
        self.platform = platform
        self.clock = clock
        self.queues = Repository(platform.store, QUEUE_KIND, clock=clock)
        self.arrivals = Arrivals()
        # (queue, ReceiveRequestAttemptId) -> (expiry in epoch ms, the messages received)
        self.attempts: dict[tuple[QueueName, str], tuple[int, list[Message]]] = {}

    def now_ms(self) -> int:
        return int(self.clock() * 1000)

    @staticmethod
    def scope(ctx: RequestContext) -> Scope:
        return Scope(ctx.account_id, ctx.region)

    def queue_url(self, ctx: RequestContext, name: QueueName) -> str:
        return name.url(ctx.base_url(self.platform.settings.endpoint))

    def named(self, ctx: RequestContext, request: Params) -> QueueName:
        """The queue a request names by QueueUrl (or, in a legacy query request, by its path)."""
        url = request.get("QueueUrl") or ctx.request.path
        return parse_queue_url(url, self.scope(ctx))

    async def queue(self, ctx: RequestContext, request: Params) -> Queue:
        return await self.queue_at(self.named(ctx, request))

    async def queue_at(self, name: QueueName) -> Queue:
        record = await self.queues.get_cached(name.scope, name.name)
        if record is None:
            raise QueueDoesNotExist()
        return Queue.of(name, record)

    def queue_exists_in(self, conn: Connection, name: QueueName) -> bool:
        return self.queues.exists_in(conn, name.scope, name.name)

    def queue_in(self, conn: Connection, name: QueueName) -> Queue | None:
        record = self.queues.get_in(conn, name.scope, name.name)
        return None if record is None else Queue.of(name, record)
