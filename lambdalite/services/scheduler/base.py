"""What the groups of Scheduler operations share: records, lookups, the schedule runner.

Records (JSON, per account and region): ``scheduler.group`` keyed by group name (the default
group is implicit, stored only once it carries tags), ``scheduler.schedule`` keyed
``<group>/<name>``, ``scheduler.timer`` (triggers/schedules.py) keyed like its schedule.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from lambdalite.aws.context import RequestContext
from lambdalite.services.background import BackgroundWork
from lambdalite.services.platform import Platform
from lambdalite.services.scheduler.errors import group_not_found, schedule_not_found
from lambdalite.store import Record, Repository, Scope
from lambdalite.triggers.schedules import Firing, ScheduleClock, ScheduleRunner

Params = dict[str, Any]
DEFAULT_GROUP = "default"
GROUP_KIND = "scheduler.group"
SCHEDULE_KIND = "scheduler.schedule"
TIMER_KIND = "scheduler.timer"


def group_arn(scope: Scope, name: str) -> str:
    return f"arn:aws:scheduler:{scope.region}:{scope.account}:schedule-group/{name}"


def schedule_arn(scope: Scope, group: str, name: str) -> str:
    return f"arn:aws:scheduler:{scope.region}:{scope.account}:schedule/{group}/{name}"


class SchedulerBase(BackgroundWork):
    """State shared by the Scheduler operation groups."""

    def __init__(self, platform: Platform, clock: Callable[[], float] = time.time) -> None:
        self.platform = platform
        self.clock = clock
        self.groups = Repository(platform.store, GROUP_KIND, clock=clock)
        self.schedules = Repository(platform.store, SCHEDULE_KIND, clock=clock)
        self.schedule_clock = ScheduleClock(platform.settings.schedule_clock_speed)
        self.runner = ScheduleRunner(
            platform.store, TIMER_KIND, self.schedule_clock, self.fire_schedule
        )

    @staticmethod
    def scope(ctx: RequestContext) -> Scope:
        return Scope(ctx.account_id, ctx.region)

    async def fire_schedule(self, scope: Scope, key: str, firing: Firing) -> None:
        """Deliver one firing of a schedule (the firing mixin's)."""
        raise NotImplementedError

    async def existing_group(self, scope: Scope, name: str) -> dict[str, Any]:
        record = await self.groups.get(scope, name)
        if record is not None:
            return record.data
        if name == DEFAULT_GROUP:
            return {
                "Name": DEFAULT_GROUP,
                "Arn": group_arn(scope, DEFAULT_GROUP),
                "State": "ACTIVE",
            }
        raise group_not_found(name)

    async def existing_schedule(self, scope: Scope, request: Params) -> Record:
        group = request.get("GroupName") or DEFAULT_GROUP
        await self.existing_group(scope, group)
        record = await self.schedules.get(scope, f"{group}/{request['Name']}")
        if record is None:
            raise schedule_not_found(request["Name"])
        return record
