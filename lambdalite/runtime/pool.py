"""Execution environments of one function version: reuse warm ones, start new ones for
concurrent invocations, reap idle ones, drain old ones when the function changes."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace

from lambdalite.runtime.environment import Environment
from lambdalite.runtime.target import FunctionTarget

Factory = Callable[[FunctionTarget], Awaitable[Environment]]

PROVISIONED = "provisioned-concurrency"


class Pool:
    """Warm environments of one target (one version with one code and configuration)."""

    def __init__(self, target: FunctionTarget, factory: Factory) -> None:
        self.target = target
        self._factory = factory
        self._idle: list[Environment] = []
        self._all: set[Environment] = set()
        self.retired = False

    @property
    def size(self) -> int:
        return len(self._all)

    async def acquire(self) -> Environment:
        """A warm idle environment (the most recently used: its caches are the warmest)."""
        if self._idle:
            return self._idle.pop()
        environment = await self._factory(self.target)
        self._all.add(environment)
        return environment

    async def release(self, environment: Environment) -> None:
        if self.retired:
            await self._destroy(environment)
        else:
            self._idle.append(environment)

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

    async def retire(self) -> None:
        """No new invocations: destroy idle environments now, busy ones when they finish."""
        self.retired = True
        idle, self._idle = self._idle, []
        await asyncio.gather(*(self._destroy(e) for e in idle))

    async def _destroy(self, environment: Environment) -> None:
        self._all.discard(environment)
        await environment.destroy()
