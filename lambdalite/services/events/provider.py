"""The Amazon EventBridge provider: one class, its operations grouped by topic in mixins."""

from __future__ import annotations

from typing import Any

from lambdalite.aws.dispatch import Provider
from lambdalite.services.events.buses import BusOperations
from lambdalite.services.events.put_events import PutEventsOperations
from lambdalite.services.events.scheduled import ScheduledRules
from lambdalite.services.events.tags import TagOperations


class EventsProvider(PutEventsOperations, ScheduledRules, TagOperations, BusOperations, Provider):
    service = "events"

    async def start(self) -> None:
        self.runner.start()

    async def stop(self) -> None:
        await self.runner.stop()
        await self.stop_background()

    async def schedule_status(self) -> dict[str, Any]:
        """The schedules' clock, for /_lambdalite/health."""
        return self.schedule_clock.status()
