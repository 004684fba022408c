"""What the groups of EventBridge operations share: records, lookups, the schedule runner.

Records (JSON, per account and region): ``events.bus`` keyed by bus name (the default bus is
implicit, stored only once it carries tags), ``events.rule`` keyed ``<bus>/<rule>`` with its
targets and tags, ``events.timer`` (triggers/schedules.py) keyed like the rule it fires.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from lambdalite.aws.context import RequestContext
from lambdalite.services.background import BackgroundWork
from lambdalite.services.events.arns import DEFAULT_BUS, bus_arn, bus_name, rule_key
from lambdalite.services.events.errors import bus_not_found, rule_not_found
from lambdalite.services.platform import Platform
from lambdalite.store import Record, Repository, Scope
from lambdalite.triggers.patterns import Pattern
from lambdalite.triggers.schedules import Firing, ScheduleClock, ScheduleRunner

Params = dict[str, Any]
BUS_KIND = "events.bus"
RULE_KIND = "events.rule"
TIMER_KIND = "events.timer"


class EventsBase(BackgroundWork):
    """State shared by the EventBridge operation groups."""

    def __init__(self, platform: Platform, clock: Callable[[], float] = time.time) -> None:
        self.platform = platform
        self.clock = clock
        self.buses = Repository(platform.store, BUS_KIND, clock=clock)
        self.rules = Repository(platform.store, RULE_KIND, clock=clock)
        self.schedule_clock = ScheduleClock(platform.settings.schedule_clock_speed)
        self.runner = ScheduleRunner(
            platform.store, TIMER_KIND, self.schedule_clock, self.fire_rule_schedule
        )
        self.patterns: dict[tuple[str, str, str, int], Pattern] = {}  # compiled, by rule version

    @staticmethod
    def scope(ctx: RequestContext) -> Scope:
        return Scope(ctx.account_id, ctx.region)

    async def fire_rule_schedule(self, scope: Scope, key: str, firing: Firing) -> None:
        """Deliver one firing of a scheduled rule (the scheduling mixin's)."""
        raise NotImplementedError

    async def existing_bus(self, scope: Scope, name: str) -> dict[str, Any]:
        """The bus ``name`` (the default one always exists), or ResourceNotFoundException."""
        record = await self.buses.get(scope, name)
        if record is not None:
            return record.data
        if name == DEFAULT_BUS:
            return {"Name": DEFAULT_BUS, "Arn": bus_arn(scope, DEFAULT_BUS)}
        raise bus_not_found(name)

    async def existing_rule(self, scope: Scope, request: Params, name_member: str) -> Record:
        """The rule a request names (``Name`` or ``Rule``) on its ``EventBusName``."""
        bus = bus_name(request.get("EventBusName"))
        await self.existing_bus(scope, bus)
        name = request[name_member]
        record = await self.rules.get(scope, rule_key(bus, name))
        if record is None:
            raise rule_not_found(name, bus)
        return record
