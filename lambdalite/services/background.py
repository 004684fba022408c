"""Work a provider runs on its own, beside requests: finishing state transitions, sweeping,
firing schedules."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any


class BackgroundWork:
    """A mixin keeping a provider's background tasks referenced (so they are not collected
    mid-run) and cancelling them together when the provider stops."""

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        tasks = self._tasks()
        task = asyncio.get_running_loop().create_task(work)
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    async def stop_background(self) -> None:
        tasks = self._tasks()
        for task in list(tasks):
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _tasks(self) -> set[asyncio.Task[None]]:
        # Created on first use: the providers' own __init__ methods need not call this one.
        found: set[asyncio.Task[None]] = self.__dict__.setdefault("_background_tasks", set())
        return found
