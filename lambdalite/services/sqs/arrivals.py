"""Wake-ups for long polls: a waiting ReceiveMessage returns as soon as a message may have
become receivable, without polling the store in a loop."""

from __future__ import annotations

import asyncio
import contextlib

from lambdalite.services.sqs.queues import QueueName


class Arrivals:
    """One event per queue with waiters, set (and replaced) whenever messages may be ready.

    A waiter takes its :meth:`ticket` *before* looking in the store, so a message committed
    between that look and the wait still wakes it.
    """

    def __init__(self) -> None:
        self._events: dict[QueueName, asyncio.Event] = {}
        self.waiting = 0  # long polls waiting right now (shown in /health)

    def ticket(self, queue: QueueName) -> asyncio.Event:
        event = self._events.get(queue)
        if event is None:
            event = self._events[queue] = asyncio.Event()
        return event

    def notify(self, queue: QueueName) -> None:
        event = self._events.pop(queue, None)
        if event is not None:
            event.set()

    async def wait(self, ticket: asyncio.Event, timeout: float) -> None:
        """Until ``ticket`` is set or ``timeout`` seconds passed."""
        self.waiting += 1
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(ticket.wait(), timeout)
        finally:
            self.waiting -= 1
