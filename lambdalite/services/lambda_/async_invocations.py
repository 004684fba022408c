"""Asynchronous invocation, as AWS runs it (AWS-BEHAVIOUR.md §2.5, aws-recorded 24, 28-30).

``InvocationType=Event`` answers 202 once the event is durable in the store. A dispatcher
leases due events and invokes each with the function's concurrency limits:
- a function error is retried ``MaximumRetryAttempts`` times (default 2), after one and then
  two retry delays (a minute each on AWS; ``lambda_async_retry_delay_seconds`` here);
- a throttle is retried with an exponential backoff from 1 s up to 5 minutes;
- an event older than ``MaximumEventAgeInSeconds`` (default 6 hours) — or that would be by its
  next attempt — fails with ``EventAgeExceeded`` (AWS does not retry when the retry would come
  too late: aws-recorded 30);
- reserved concurrency 0 fails an event at once with ``ZeroReservedConcurrency``.
Success goes to the OnSuccess destination; failure to the OnFailure destination and to the
function's dead-letter queue, and the event stays, failed, for ``lambdalite events``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from lambdalite.aws.context import RequestContext, internal_context
from lambdalite.aws.errors import ServiceError
from lambdalite.runtime.spec import Invocation
from lambdalite.services.lambda_ import async_events, destinations
from lambdalite.services.lambda_.arns import LATEST, FunctionRef
from lambdalite.services.lambda_.async_events import AsyncEvent
from lambdalite.services.lambda_.destinations import Delivery
from lambdalite.services.lambda_.errors import ResourceNotFound, TooManyRequests
from lambdalite.services.lambda_.invoke import InvokeOperations, new_trace_id
from lambdalite.services.lambda_.models import Kind, scoped_key
from lambdalite.services.platform import Platform

log = logging.getLogger(__name__)

DEFAULT_RETRIES = 2
DEFAULT_MAX_AGE_S = 21_600
MAX_RUNNING = 64  # events invoked at once by this server (throttles hold back the rest)
LEASE_MS = (15 * 60 + 60) * 1000  # the longest function timeout, and a minute to report
POLL_SECONDS = 1.0  # what another process queued (or redrove) is seen this late at most
THROTTLE_BACKOFF_MS = (1_000, 300_000)  # from 1 s, doubling, up to 5 minutes
FAILED_KEPT_MS = 14 * 24 * 3600 * 1000  # failed events are listed for two weeks
SWEEP_SECONDS = 3600.0
# What an EventBridge destination's event says it is (the Lambda developer guide, whose page
# shows an en dash in the failure one; the rules deployed against AWS in public Terraform and
# CloudFormation code match a hyphen in both).
SUCCESS_DETAIL = "Lambda Function Invocation Result - Success"
FAILURE_DETAIL = "Lambda Function Invocation Result - Failure"


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """An event invoke config's settings, or AWS's defaults."""

    retries: int = DEFAULT_RETRIES
    max_age_ms: int = DEFAULT_MAX_AGE_S * 1000
    on_success: str | None = None
    on_failure: str | None = None

    @classmethod
    def of(cls, config: dict[str, Any] | None) -> RetryPolicy:
        config = config or {}
        destinations = config.get("DestinationConfig") or {}
        return cls(
            retries=config.get("MaximumRetryAttempts", DEFAULT_RETRIES),
            max_age_ms=config.get("MaximumEventAgeInSeconds", DEFAULT_MAX_AGE_S) * 1000,
            on_success=(destinations.get("OnSuccess") or {}).get("Destination"),
            on_failure=(destinations.get("OnFailure") or {}).get("Destination"),
        )


class AsyncInvocationOperations(InvokeOperations):
    """The durable queue of Event invocations and the dispatcher that works it off."""

    def __init__(self, platform: Platform, clock: Callable[[], float] = time.time) -> None:
        super().__init__(platform)
        self._clock = clock
        self._wake = asyncio.Event()
        self._attempts: set[asyncio.Task[None]] = set()
        self._dispatcher: asyncio.Task[None] | None = None

    def _now(self) -> int:
        return int(self._clock() * 1000)

    async def enqueue_event(self, ctx: RequestContext, ref: FunctionRef, payload: bytes) -> None:
        """Make an Event invocation durable (the 202 follows) and wake the dispatcher."""
        event = {
            "account": ref.account,
            "region": ref.region,
            "function": ref.name,
            # As given ("" for none): the function sees the ARN it was invoked by.
            "qualifier": ref.qualifier or "",
            "request_id": ctx.request_id,
            "payload": payload.decode(),
            "trace_id": new_trace_id(),
        }
        now = self._now()
        await self.platform.store.write(lambda conn: async_events.insert(conn, event, now))
        self._wake.set()

    # --- the dispatcher ------------------------------------------------------------------------

    async def start_async_invocations(self) -> None:
        if self.platform.store.engine.dialect.name == "sqlite":
            # One server per SQLite file: what was leased was leased by a previous run.
            now = self._now()
            await self.platform.store.write(lambda conn: async_events.release_running(conn, now))
        self._dispatcher = asyncio.get_running_loop().create_task(self._dispatch_forever())

    async def stop_async_invocations(self) -> None:
        """Stop invoking; events being invoked keep their lease and run again after it."""
        tasks = [t for t in (self._dispatcher, *self._attempts) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _dispatch_forever(self) -> None:
        swept = 0.0
        while True:
            self._wake.clear()
            try:
                if time.monotonic() - swept > SWEEP_SECONDS:
                    swept = time.monotonic()
                    await self._forget_old_failures()
                await self._dispatch_due()
                wait = await self._until_next_due()
            except Exception:
                log.exception("dispatching asynchronous invocations failed")
                wait = POLL_SECONDS
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), wait)

    async def _forget_old_failures(self) -> None:
        cutoff = self._now() - FAILED_KEPT_MS
        await self.platform.store.write(lambda conn: async_events.forget_failed(conn, cutoff))

    async def _dispatch_due(self) -> None:
        room = MAX_RUNNING - len(self._attempts)
        if room <= 0:
            return  # a finishing attempt wakes the dispatcher
        now = self._now()
        due = await self.platform.store.write(
            lambda conn: async_events.take_due(conn, now, room, LEASE_MS)
        )
        for event in due:
            task = asyncio.get_running_loop().create_task(self._attempt(event))
            self._attempts.add(task)
            task.add_done_callback(self._attempt_done)
        if len(due) == room:
            self._wake.set()  # there may be more: look again once room frees up

    def _attempt_done(self, task: asyncio.Task[None]) -> None:
        self._attempts.discard(task)
        self._wake.set()

    async def _until_next_due(self) -> float:
        next_due = await self.platform.store.read(async_events.next_due)
        if next_due is None:
            return POLL_SECONDS
        return min(max(next_due - self._now(), 0) / 1000, POLL_SECONDS)

    # --- one attempt ---------------------------------------------------------------------------

    async def _attempt(self, event: AsyncEvent) -> None:
        try:
            await self._attempt_or_fail(event)
        except Exception:  # the lease runs out and the event is tried again
            log.exception(
                "asynchronous invocation %s of %s failed", event.request_id, event.function
            )

    async def _attempt_or_fail(self, event: AsyncEvent) -> None:
        ctx = internal_context(event.account, event.region, "lambda")
        ref = _invoked_ref(event)
        try:
            policy = await self._retry_policy(ctx, ref)
            resolved, version = await self._invocable(ctx, ref)
        except ResourceNotFound as error:  # the function (or alias) is gone: nothing runs it
            log.warning("dropping asynchronous invocation %s: %s", event.request_id, error.message)
            await self.platform.store.write(lambda conn: async_events.delete(conn, event))
            return
        except ServiceError:  # not ready (being updated): like a throttle, later
            await self._throttled(event, RetryPolicy(), {})
            return
        if self._now() - event.enqueued_at > policy.max_age_ms:
            await self._give_up(
                event, policy, resolved.config, "EventAgeExceeded", response=_last(event)
            )
            return
        if resolved.function.data.get("reserved_concurrency") == 0:
            await self._give_up(
                event, policy, resolved.config, "ZeroReservedConcurrency", response=None, attempts=0
            )
            return
        target = await self.function_target(ctx, resolved, version)
        invocation = Invocation(
            request_id=event.request_id,
            payload=event.payload.encode(),
            deadline_ms=0,
            invoked_function_arn=ref.arn,
            trace_id=event.trace_id,
            client_context=None,
        )
        try:
            outcome = await self.run(target, invocation, resolved)
        except TooManyRequests:
            await self._throttled(event, policy, resolved.config)
            return
        response = {
            "executedVersion": version,
            "functionError": outcome.function_error,
            "payload": outcome.payload.decode("utf-8", "replace"),
        }
        if outcome.function_error:
            await self._function_failed(event, policy, resolved.config, response)
        else:
            await self._succeeded(event, policy, response)

    async def _retry_policy(self, ctx: RequestContext, ref: FunctionRef) -> RetryPolicy:
        key = scoped_key(ref.name, ref.qualifier or LATEST)
        record = await self.repository(Kind.EVENT_INVOKE_CONFIG).get_cached(self.scope(ctx), key)
        return RetryPolicy.of(None if record is None else record.data)

    async def _succeeded(
        self, event: AsyncEvent, policy: RetryPolicy, response: dict[str, Any]
    ) -> None:
        if policy.on_success:
            record = self._record(event, "Success", event.attempts + 1, response)
            await self._deliver_record(event, policy.on_success, record, SUCCESS_DETAIL)
        await self.platform.store.write(lambda conn: async_events.delete(conn, event))

    async def _function_failed(
        self,
        event: AsyncEvent,
        policy: RetryPolicy,
        config: dict[str, Any],
        response: dict[str, Any],
    ) -> None:
        attempts = event.attempts + 1
        if attempts > policy.retries:
            await self._give_up(
                event, policy, config, "RetriesExhausted", response=response, attempts=attempts
            )
            return
        due = self._now() + self._retry_delay_ms(attempts)
        if due - event.enqueued_at > policy.max_age_ms:
            await self._give_up(
                event, policy, config, "EventAgeExceeded", response=response, attempts=attempts
            )
            return
        await self._reschedule(event, due, attempts, 0, response)

    async def _throttled(
        self, event: AsyncEvent, policy: RetryPolicy, config: dict[str, Any]
    ) -> None:
        first, longest = THROTTLE_BACKOFF_MS
        due = self._now() + min(first * 2**event.throttles, longest)
        if due - event.enqueued_at > policy.max_age_ms:
            await self._give_up(event, policy, config, "EventAgeExceeded", response=_last(event))
            return
        await self._reschedule(event, due, event.attempts, event.throttles + 1, _last(event))

    def _retry_delay_ms(self, attempts: int) -> int:
        """About a minute before the second attempt, two before the third (AWS's delays)."""
        return int(self.settings.lambda_async_retry_delay_seconds * attempts * 1000)

    async def _reschedule(
        self,
        event: AsyncEvent,
        due: int,
        attempts: int,
        throttles: int,
        failure: dict[str, Any] | None,
    ) -> None:
        def job(conn: Connection) -> None:
            async_events.reschedule(
                conn, event, due, attempts=attempts, throttles=throttles, failure=failure
            )

        await self.platform.store.write(job)
        self._wake.set()

    async def _give_up(
        self,
        event: AsyncEvent,
        policy: RetryPolicy,
        config: dict[str, Any],
        condition: str,
        *,
        response: dict[str, Any] | None,
        attempts: int | None = None,
    ) -> None:
        """Tell the OnFailure destination and the dead-letter queue; keep the event, failed."""
        count = event.attempts if attempts is None else attempts
        if policy.on_failure:
            record = self._record(event, condition, count, response)
            await self._deliver_record(event, policy.on_failure, record, FAILURE_DETAIL)
        dead_letter = (config.get("DeadLetterConfig") or {}).get("TargetArn")
        if dead_letter:
            attributes = destinations.dead_letter_attributes(event.request_id, response)
            delivery = Delivery(dead_letter, event.payload, event.trace_id, attributes)
            await destinations.deliver(self.platform, delivery)
        failure = {"condition": condition, "response": response}
        now = self._now()
        await self.platform.store.write(
            lambda conn: async_events.fail(conn, event, now, count, failure)
        )

    async def _deliver_record(
        self, event: AsyncEvent, arn: str, record: str, detail_type: str
    ) -> None:
        function = _invoked_ref(event)
        function_arn = function.with_qualifier(function.qualifier or LATEST).arn
        delivery = Delivery(
            arn, record, event.trace_id, detail_type=detail_type, function_arn=function_arn
        )
        await destinations.deliver(self.platform, delivery)

    def _record(
        self, event: AsyncEvent, condition: str, attempts: int, response: dict[str, Any] | None
    ) -> str:
        ref = _invoked_ref(event)
        record = destinations.invocation_record(
            request_id=event.request_id,
            function_arn=ref.with_qualifier(ref.qualifier or LATEST).arn,
            condition=condition,
            attempts=attempts,
            payload=event.payload,
            response=response,
        )
        return json.dumps(record, separators=(",", ":"))

    # --- what lambdalite status shows ----------------------------------------------------------

    async def async_status(self) -> dict[str, Any]:
        """Per function: queued, in-flight, retrying and dead-lettered (failed for good)
        events; the retry delay."""
        rows = await self.platform.store.read(async_events.counts)
        functions: dict[str, dict[str, int]] = {}
        for account, region, function, state, count in rows:
            states = functions.setdefault(
                f"{account}/{region}/{function}", dict.fromkeys(_SHOWN, 0)
            )
            states[_SHOWN_AS[state]] += count
        return {
            "retry_delay_seconds": self.settings.lambda_async_retry_delay_seconds,
            "functions": functions,
        }


def _invoked_ref(event: AsyncEvent) -> FunctionRef:
    return FunctionRef(event.account, event.region, event.function, event.qualifier or None)


def _last(event: AsyncEvent) -> dict[str, Any] | None:
    """The function's answer at the event's last attempt (None if it never ran)."""
    return event.failure


_SHOWN_AS = {
    async_events.QUEUED: "queued",
    async_events.RUNNING: "in_flight",
    async_events.RETRYING: "retrying",
    async_events.FAILED: "dead_lettered",  # failed for good: what `lambdalite events` lists
}
_SHOWN = tuple(_SHOWN_AS.values())
