"""The deliverer: takes due deliveries from the outbox, attempts them, and retries, dead-letters
or drops them as the delivery policy says. One loop per server; several servers share the
outbox (PostgreSQL hands each due row to one of them: SKIP LOCKED)."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging

from sqlalchemy import Connection

from lambdalite.services.sns import deliverers, messages, outbox
from lambdalite.services.sns.arns import SubscriptionName, TopicName
from lambdalite.services.sns.base import SnsBase
from lambdalite.services.sns.delivery_policies import retry_delay
from lambdalite.store import Repository, Scope

log = logging.getLogger(__name__)

BATCH = 64  # deliveries attempted at once
LEASE_MS = 60_000  # longer than an HTTP attempt may take (15 s)
IDLE_SECONDS = 30.0  # how long to sleep when nothing is due and nothing wakes us
SWEEP_SECONDS = 60.0


class DeliveryWorker(SnsBase):
    """Runs the outbox."""

    _tasks: list[asyncio.Task[None]]

    async def start_deliveries(self) -> None:
        now = self.now_ms()
        await self.platform.store.write(lambda conn: outbox.release_running(conn, now))
        loop = asyncio.get_running_loop()
        self._tasks = [
            loop.create_task(self._deliver_forever()),
            loop.create_task(self._sweep_forever()),
        ]

    async def stop_deliveries(self) -> None:
        for task in getattr(self, "_tasks", []):
            task.cancel()
        for task in getattr(self, "_tasks", []):
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _deliver_forever(self) -> None:
        while True:
            self.queued.clear()
            try:
                while await self._deliver_due() == BATCH:
                    pass
                timeout = await self._until_next_due()
            except Exception:
                log.exception("delivering SNS messages failed")
                timeout = 1.0
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.queued.wait(), timeout)

    async def _until_next_due(self) -> float:
        due = await self.platform.store.read(outbox.next_due)
        if due is None:
            return IDLE_SECONDS
        return min(IDLE_SECONDS, max(0.0, (due - self.now_ms()) / 1000))

    async def _deliver_due(self) -> int:
        now = self.now_ms()
        taken = await self.platform.store.write(
            lambda conn: outbox.take_due(conn, now, BATCH, LEASE_MS)
        )
        await asyncio.gather(*(self._attempt(delivery) for delivery in taken))
        return len(taken)

    async def _attempt(self, delivery: outbox.Delivery) -> None:
        try:
            if not await self._wanted(delivery):
                await self._forget(delivery)
                return
            outcome = await deliverers.attempt(self.platform, delivery)
            await self._after(delivery, outcome)
        except Exception:  # the lease runs out and the delivery is tried again
            log.exception("an SNS delivery to %s failed", delivery.endpoint)

    async def _wanted(self, delivery: outbox.Delivery) -> bool:
        """Whether the subscription still wants it: nothing goes to one that was unsubscribed
        (an UnsubscribeConfirmation goes to one that just was)."""
        if delivery.kind == messages.UNSUBSCRIBE_CONFIRMATION:
            return True
        topic_name, subscription_id = delivery.subscription.rsplit(":", 1)
        where = TopicName(delivery.account, delivery.region, topic_name)
        found = await self.subscription_or_none(SubscriptionName(where, subscription_id))
        if found is None:
            return False
        return (
            found.pending
            if delivery.kind == messages.SUBSCRIPTION_CONFIRMATION
            else not found.pending
        )

    async def _after(self, delivery: outbox.Delivery, outcome: deliverers.Outcome) -> None:
        if outcome is deliverers.Outcome.DELIVERED:
            await self._forget(delivery)
            return
        attempts = delivery.attempts + 1
        delay = (
            retry_delay(delivery.policy, attempts) if outcome is deliverers.Outcome.RETRY else None
        )
        if delay is None:
            await deliverers.dead_letter(self.platform, delivery)
            await self._forget(delivery)
            return
        due = self.now_ms() + int(delay * 1000)
        await self.platform.store.write(lambda conn: outbox.retry_in(conn, delivery, due, attempts))

    async def _forget(self, delivery: outbox.Delivery) -> None:
        await self.platform.store.write(lambda conn: outbox.delete_in(conn, delivery))

    # --- forgetting expired deduplication ids and tokens ------------------------------------

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(SWEEP_SECONDS)
            try:
                await self.sweep()
            except Exception:
                log.exception("sweeping SNS records failed")

    async def sweep(self) -> None:
        now = self.now_ms()
        for repository in (self.deduplication, self.tokens):
            records = await repository.scan()
            expired = [(scope, r.key) for scope, r in records if r.data["expires"] < now]
            if expired:
                await self.platform.store.write(functools.partial(_delete_all, repository, expired))


def _delete_all(repository: Repository, keys: list[tuple[Scope, str]], conn: Connection) -> None:
    for scope, key in keys:
        repository.delete_in(conn, scope, key)
