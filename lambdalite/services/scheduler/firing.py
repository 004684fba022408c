"""A schedule's firing: its target gets ``Target.Input``, verbatim, then the schedule may go.

Scheduler sends no envelope: a templated target receives the Input it was configured with, the
context attributes ``<aws.scheduler.schedule-arn>``, ``<aws.scheduler.scheduled-time>``,
``<aws.scheduler.execution-id>`` and ``<aws.scheduler.attempt-number>`` replaced
(AWS-BEHAVIOUR.md §4.7; Scheduler user guide managing-schedule-context-attributes). Without an
Input the target receives ``{}``. An event bus target gets a PutEvents entry with
``EventBridgeParameters``' DetailType and Source and the Input as Detail.

Failures follow the target's RetryPolicy (retryable errors only, with backoff) and then go to
its dead-letter queue: the Input as the body, and the attributes X-Amz-Scheduler-Attempt,
-Error-Code, -Error-Message, -Group, -Schedule-Arn, -Target-Arn (Scheduler user guide,
configuring-schedule-dlq "Retrieve the dead-letter event"). A FLEXIBLE time window is honoured
by invoking at the start of the window, which is inside it. After the last firing of a schedule
whose ActionAfterCompletion is DELETE, the schedule is deleted.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import random
from dataclasses import dataclass
from typing import Any

from lambdalite.services.events import sending
from lambdalite.services.scheduler.schedule_operations import ScheduleOperations
from lambdalite.store import Scope
from lambdalite.triggers.schedules import Firing, iso_time

log = logging.getLogger(__name__)

BACKOFF_S = (1.0, 60.0)


@dataclass(frozen=True, slots=True)
class Invocation:
    """One firing of one schedule, on its way to the target."""

    schedule: dict[str, Any]
    firing: Firing
    first_tried: float
    attempt: int = 1


class ScheduleFiring(ScheduleOperations):
    async def fire_schedule(self, scope: Scope, key: str, firing: Firing) -> None:
        record = await self.schedules.get(scope, key)
        if record is None or record.data["State"] == "DISABLED":
            return  # deleted or disabled since the firing was claimed
        await self._invoke(Invocation(record.data, firing, self.clock()))
        if firing.final and record.data.get("ActionAfterCompletion") == "DELETE":
            await self.platform.store.write(lambda conn: self.delete_in(conn, scope, key))

    async def _invoke(self, invocation: Invocation) -> None:
        target = invocation.schedule["Target"]
        body = target_input(invocation)
        try:
            await sending.send(self.platform, target["Arn"], body, _options(invocation, body))
        except sending.DeliveryFailed as failure:
            if failure.retryable and self._may_retry(invocation):
                self.spawn(self._retry_later(invocation))
            else:
                await self._dead_letter(invocation, body, failure)

    def _may_retry(self, invocation: Invocation) -> bool:
        policy = invocation.schedule["Target"]["RetryPolicy"]
        age = self.clock() - invocation.first_tried + _backoff(invocation.attempt)
        return bool(
            invocation.attempt <= policy["MaximumRetryAttempts"]
            and age <= policy["MaximumEventAgeInSeconds"]
        )

    async def _retry_later(self, invocation: Invocation) -> None:
        await asyncio.sleep(_backoff(invocation.attempt))
        await self._invoke(dataclasses.replace(invocation, attempt=invocation.attempt + 1))

    async def _dead_letter(
        self, invocation: Invocation, body: str, failure: sending.DeliveryFailed
    ) -> None:
        schedule, target = invocation.schedule, invocation.schedule["Target"]
        queue = (target.get("DeadLetterConfig") or {}).get("Arn")
        if not queue:
            log.warning(
                "schedule %s: its target refused an invocation: %s", schedule["Arn"], failure
            )
            return
        attributes = {
            "X-Amz-Scheduler-Attempt": ("Number", str(invocation.attempt)),
            "X-Amz-Scheduler-Error-Code": ("String", failure.code),
            "X-Amz-Scheduler-Error-Message": ("String", failure.message),
            "X-Amz-Scheduler-Group": ("String", schedule["GroupName"]),
            "X-Amz-Scheduler-Schedule-Arn": ("String", schedule["Arn"]),
            "X-Amz-Scheduler-Target-Arn": ("String", target["Arn"]),
        }
        await sending.send_dead_letter(self.platform, queue, body, attributes)


def target_input(invocation: Invocation) -> str:
    """The Input with Scheduler's context attributes filled in."""
    text = str(invocation.schedule["Target"].get("Input") or "{}")
    values = {
        "<aws.scheduler.schedule-arn>": invocation.schedule["Arn"],
        "<aws.scheduler.scheduled-time>": iso_time(invocation.firing.due),
        "<aws.scheduler.execution-id>": invocation.firing.id,
        "<aws.scheduler.attempt-number>": str(invocation.attempt),
    }
    for name, value in values.items():
        text = text.replace(name, value)
    return text


def _options(invocation: Invocation, body: str) -> sending.Options:
    target = invocation.schedule["Target"]
    bus = target.get("EventBridgeParameters") or {}
    entry = {"Source": bus.get("Source"), "DetailType": bus.get("DetailType"), "Detail": body}
    group = (target.get("SqsParameters") or {}).get("MessageGroupId")
    return sending.Options(
        message_group_id=group, deduplication_id=invocation.firing.id, bus_entry=entry
    )


def _backoff(attempt: int) -> float:
    low, high = BACKOFF_S
    return float(min(high, low * 2 ** (attempt - 1)) * random.uniform(0.5, 1.0))
