"""The Amazon EventBridge Scheduler provider: one class, its operations grouped in mixins."""

from __future__ import annotations

from lambdalite.aws.dispatch import Provider
from lambdalite.services.scheduler.firing import ScheduleFiring
from lambdalite.services.scheduler.groups import GroupOperations


class SchedulerProvider(ScheduleFiring, GroupOperations, Provider):
    service = "scheduler"

    async def start(self) -> None:
        self.runner.start()

    async def stop(self) -> None:
        await self.runner.stop()
        await self.stop_background()
