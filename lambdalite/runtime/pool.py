"""Execution environments of one function version: reuse warm ones, start new ones for
concurrent invocations, reap idle ones, drain old ones when the function changes.

A pool may also hold one *spare*: an environment whose sandbox is built but whose runtime has
not started (no function code has run in it). The next cold start takes it and only starts the
runtime, which halves its time; the runtime's init is still reported as Init Duration.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine
from dataclasses import replace
from typing import Any

from lambdalite.runtime.environment import Environment
from lambdalite.runtime.target import FunctionTarget

Factory = Callable[[FunctionTarget], Coroutine[Any, Any, Environment]]

log = logging.getLogger(__name__)

PROVISIONED = "provisioned-concurrency"


class Pool:
    """Warm environments of one target (one version with one code and configuration)."""

    def __init__(
        self, target: FunctionTarget, factory: Factory, may_spare: Callable[[Pool], bool]
    ) -> None:
        self.target = target
        self._factory = factory
        self._may_spare = may_spare  # makes room in the executor's budget, or says there is none
        self._idle: list[Environment] = []
        self._all: set[Environment] = set()
        self._spare: asyncio.Task[Environment] | None = None
        self.spare_since = 0.0
        self._scaled_out = False  # since the last release: time to prepare a spare
        self._acquired = False
        self.retired = False

    @property
    def size(self) -> int:
        return len(self._all)

    @property
    def has_spare(self) -> bool:
        """A spare is built or being built."""
        return self._spare is not None

    @property
    def spare_ready(self) -> bool:
        spare = self._spare
        return (
            spare is not None and spare.done() and not spare.cancelled() and not spare.exception()
        )

    async def acquire(self) -> Environment:
        """A warm idle environment (the most recently used: its caches are the warmest), else
        the spare, else a new one."""
        self._acquired = True
        if self._idle:
            return self._idle.pop()
        # A cold start beside busy environments: more may follow, keep a spare for them.
        self._scaled_out = bool(self._all)
        environment = await self._take_spare() or await self._factory(self.target)
        self._all.add(environment)
        return environment

    def prepare_spare(self) -> None:
        """Build a spare in the background, unless there is one or the budget is spent."""
        if self._spare is None and not self.retired and self._may_spare(self):
            self.spare_since = time.monotonic()
            self._spare = asyncio.get_running_loop().create_task(self._factory(self.target))
            self._spare.add_done_callback(self._spare_failed)

    def prepare_first_spare(self) -> None:
        """A spare for the first cold start, unless an invocation came first."""
        if not self._acquired:
            self.prepare_spare()

    async def _take_spare(self) -> Environment | None:
        spare, self._spare = self._spare, None
        if spare is None:
            return None
        try:
            return await spare
        except Exception:  # logged by _spare_failed; start one the usual way
            return None

    def _spare_failed(self, spare: asyncio.Task[Environment]) -> None:
        if not spare.cancelled() and spare.exception() is not None:
            log.warning("spare environment of %s failed: %s", self.target.name, spare.exception())
            if self._spare is spare:
                self._spare = None

    async def drop_spare(self) -> None:
        spare, self._spare = self._spare, None
        if spare is not None:
            with contextlib.suppress(Exception):  # a failed spare has nothing to destroy
                await (await spare).destroy()

    async def release(self, environment: Environment) -> None:
        if self.retired:
            await self._destroy(environment)
            return
        self._idle.append(environment)
        if self._scaled_out:
            # After, not during, the cold start: building the spare would slow it down.
            self._scaled_out = False
            self.prepare_spare()

    async def provision(self, count: int) -> int:
        """Start and initialise environments until ``count`` are provisioned; how many are."""
        provisioned = [e for e in self._all if e.provisioned]
        while len(provisioned) < count:
            environment = await self._factory(replace(self.target, initialization_type=PROVISIONED))
            self._all.add(environment)
            if not await environment.prewarm():
                await self._destroy(environment)
                break
            environment.provisioned = True
            provisioned.append(environment)
            self._idle.append(environment)
        return len(provisioned)

    def unprovision(self) -> None:
        for environment in self._all:
            environment.provisioned = False

    async def reap(self, keep_alive_s: float) -> None:
        """Destroy environments idle for longer than ``keep_alive_s`` (not provisioned ones)."""
        now = time.monotonic()
        stale = [e for e in self._idle if now - e.last_used > keep_alive_s and not e.provisioned]
        for environment in stale:
            self._idle.remove(environment)
            await self._destroy(environment)
        spare = self._spare
        if spare is not None and self.spare_ready and now - spare.result().last_used > keep_alive_s:
            await self.drop_spare()

    async def retire(self) -> None:
        """No new invocations: destroy idle environments now, busy ones when they finish."""
        self.retired = True
        idle, self._idle = self._idle, []
        await asyncio.gather(self.drop_spare(), *(self._destroy(e) for e in idle))

    async def _destroy(self, environment: Environment) -> None:
        self._all.discard(environment)
        await environment.destroy()
