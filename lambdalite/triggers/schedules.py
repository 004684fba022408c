"""Schedules that fire on time, durably, once per due time: shared by EventBridge rules and
EventBridge Scheduler.

Each schedule has a *timer* record (a JSON record of its own kind, keyed like its owner) that
holds its expression and, in ``next_due``, the next time it is due, as epoch seconds on the
schedule clock. A runner per service scans its timers, and fires each one that is due:

1. **Claim.** The runner writes the timer with ``next_due`` moved on and the firing added to
   ``pending``, conditionally on the version it read (``Repository.put(expect_version=...)``,
   a row lock on PostgreSQL, the single writer on SQLite). Of several server processes sharing
   a store, exactly one claim succeeds; the others see ``ConflictError`` and move on. One
   firing per due time.
2. **Deliver.** The service's ``fire`` callback hands the event to its targets through their own
   operations (Lambda's durable async queue, SQS, SNS, a bus): durable once each returns.
3. **Complete.** The firing leaves ``pending``. A firing whose process died between claim and
   completion stays pending; once its lease (real seconds) runs out, a runner delivers it
   again: at least once, as AWS promises.

Firings missed while no server ran
----------------------------------
AWS never documents a scheduler outage, only how long an undelivered invocation lives: it is
retried "for 24 hours and up to 185 times" by default and then dropped or sent to the
dead-letter queue (EventBridge user guide, eb-rule-dlq: "Event retry policy and using
dead-letter queues"; Scheduler ``RetryPolicy.MaximumEventAgeInSeconds``, 60-86400, default
86400). And when EventBridge Scheduler itself was down (us-east-1, 2025-10-20; AWS post-event
summary https://aws.amazon.com/message/101925), customers saw schedules stop firing for hours and
then resume, without the missed ticks being replayed ("EventBridge Scheduler stopped firing
events from 6:50 - 10:07 UTC", https://thushw.blogspot.com/2025). lambdalite does the same, and
keeps the delivery guarantee for the latest tick: on start, a schedule that was due while no
server ran fires **once**, late, for its most recent missed due time (the event's ``time`` is
that due time), provided that time is younger than the schedule's maximum event age (24 hours,
or the Scheduler target's ``MaximumEventAgeInSeconds``); earlier missed due times are skipped
(and logged), and a missed time older than that age is dropped, the schedule firing next at its
next due time. A one-time ``at()`` schedule missed by less than its maximum event age fires
late; older, it has expired.

The clock
---------
``ScheduleClock`` runs ``schedule_clock_speed`` times faster than real time from the server's
start (``LAMBDALITE_SCHEDULE_CLOCK_SPEED``), so an end-to-end test sees ``rate(1 minute)`` fire
twice in a few seconds. At speed 1 it is the wall clock. A faster clock starts from the wall
clock again at each start, so due times a previous, faster run stored may lie ahead of it. Unit
tests inject clock functions.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from lambdalite.store import ConflictError, Record, Repository, Scope, Store
from lambdalite.triggers.schedule_expressions import (
    Expression,
    parse_rule_expression,
    parse_scheduler_expression,
)

log = logging.getLogger(__name__)

DEFAULT_MAX_AGE_S = 86_400.0  # EventBridge's default retry window: 24 hours
LEASE_SECONDS = 60.0  # real seconds a claimed firing may take before another runner retries it
RESCAN_SECONDS = 1.0  # what another process wrote is seen this late at most
COMPLETE_ATTEMPTS = 8  # conflicting writes to retry when a firing leaves `pending`
EPSILON = 1e-6


class ScheduleClock:
    """Epoch seconds on the schedules' clock: ``speed`` times real time since its creation."""

    def __init__(self, speed: float = 1.0, wall: Callable[[], float] = time.time) -> None:
        self.speed = speed
        self._wall = wall
        self._origin = wall()

    def now(self) -> float:
        return self._origin + (self._wall() - self._origin) * self.speed

    def real_seconds(self, schedule_seconds: float) -> float:
        """How long ``schedule_seconds`` of this clock last in real time."""
        return schedule_seconds / self.speed

    def status(self) -> dict[str, Any]:
        return {"clock_speed": self.speed, "now": iso_time(self.now())}


def iso_time(epoch: float) -> str:
    """``2019-03-01T01:23:45Z``: how events and Scheduler's context attributes write a time."""
    return datetime.fromtimestamp(int(epoch), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True, slots=True)
class TimerSpec:
    """What a service says about one schedule; the runner works out the due times.

    ``dialect`` is ``"rule"`` or ``"scheduler"``; ``zone`` an IANA name; times are epoch
    seconds on the schedule clock. The first due time is the first strictly after
    ``first_after`` (and not before ``start``); none after ``end``.
    """

    expression: str
    dialect: str
    anchor: float
    first_after: float
    zone: str = "UTC"
    start: float | None = None
    end: float | None = None
    max_age: float = DEFAULT_MAX_AGE_S


@dataclass(frozen=True, slots=True)
class Firing:
    """One due time being delivered: ``id`` is stable across redeliveries."""

    id: str
    due: float
    final: bool  # no due time follows it


Fire = Callable[[Scope, str, Firing], Awaitable[None]]


# --- due times ---------------------------------------------------------------------------------


@lru_cache(maxsize=1024)
def _expression(dialect: str, text: str) -> Expression:
    return parse_rule_expression(text) if dialect == "rule" else parse_scheduler_expression(text)


@lru_cache(maxsize=256)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _moment(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def due_after(timer: dict[str, Any], after: float) -> float | None:
    """The timer's first due time strictly after ``after`` within its start and end dates."""
    expression = _expression(timer["dialect"], timer["expression"])
    start = timer.get("start")
    if start is not None and after < start:
        after = start - EPSILON  # a due time exactly at the start date counts
    found = expression.next_after(
        _moment(after), anchor=_moment(timer["anchor"]), zone=_zone(timer.get("zone") or "UTC")
    )
    if found is None:
        return None
    due = found.timestamp()
    end = timer.get("end")
    return None if end is not None and due > end else due


@dataclass(frozen=True, slots=True)
class Plan:
    """What a due timer does now: fire for ``fire_at`` (None: its due time has expired), move
    ``next_due`` on, and how many earlier due times it skipped."""

    fire_at: float | None
    next_due: float | None
    skipped: int


def plan(timer: dict[str, Any], now: float) -> Plan:
    """Coalesce the due times up to ``now`` into one firing for the latest (module docstring)."""
    latest = float(timer["next_due"])
    max_age = float(timer.get("max_age") or DEFAULT_MAX_AGE_S)
    following = due_after(timer, latest)
    skipped = 0
    horizon = now - max_age
    if following is not None and following < horizon:
        # Far behind: jump to the window worth delivering instead of walking every tick.
        skipped, following = -1, due_after(timer, horizon)
    while following is not None and following <= now:
        skipped = skipped + 1 if skipped >= 0 else skipped
        latest, following = following, due_after(timer, following)
    fire_at = latest if now - latest <= max_age else None
    return Plan(fire_at, following, skipped)


def timer_data(spec: TimerSpec, existing: dict[str, Any] | None) -> dict[str, Any]:
    """A timer record for ``spec``, keeping what ``existing`` has pending and, when the
    schedule is unchanged, its next due time."""
    data: dict[str, Any] = asdict(spec)
    del data["first_after"]
    pending = list(existing.get("pending", [])) if existing else []
    if existing and _same_schedule(existing, data):
        data["next_due"] = existing.get("next_due")
    else:
        data["next_due"] = due_after(data, spec.first_after)
    data["pending"] = pending
    data["enabled"] = True
    return data


def _same_schedule(existing: dict[str, Any], data: dict[str, Any]) -> bool:
    fields = ("expression", "dialect", "zone", "anchor", "start", "end")
    return existing.get("enabled", True) and all(existing.get(f) == data[f] for f in fields)


def disabled_data(existing: dict[str, Any] | None) -> dict[str, Any] | None:
    """The timer of a disabled schedule: no due time; firings under way still complete."""
    if existing is None:
        return None
    return {**existing, "enabled": False, "next_due": None}


# --- the runner --------------------------------------------------------------------------------


class ScheduleRunner:
    """Fires one service's timers (records of ``kind``) through ``fire``."""

    def __init__(
        self,
        store: Store,
        kind: str,
        clock: ScheduleClock,
        fire: Fire,
        *,
        lease_seconds: float = LEASE_SECONDS,
        rescan_seconds: float = RESCAN_SECONDS,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.timers = Repository(store, kind)
        self.clock = clock
        self._fire = fire
        self._lease = lease_seconds
        self._rescan = rescan_seconds
        self._wall = wall
        self._poked = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    # what services call, inside their own store jobs

    def set_in(self, conn: Connection, scope: Scope, key: str, spec: TimerSpec | None) -> None:
        """Schedule (``spec``) or pause (None) the timer of ``key`` with the owner's write."""
        existing = self.timers.get_in(conn, scope, key)
        current = existing.data if existing else None
        data = timer_data(spec, current) if spec is not None else disabled_data(current)
        if data is not None:
            self.timers.put_in(conn, scope, key, data)

    def delete_in(self, conn: Connection, scope: Scope, key: str) -> None:
        self.timers.delete_in(conn, scope, key)

    def poke(self) -> None:
        """Look at the timers now (one was written)."""
        self._poked.set()

    # running

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run_forever())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run_forever(self) -> None:
        while True:
            self._poked.clear()
            try:
                wait = await self.run_once()
            except Exception:
                log.exception("firing schedules failed")
                wait = self._rescan
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._poked.wait(), wait)

    async def run_once(self) -> float:
        """Fire what is due; the real seconds until the next look."""
        soonest: float | None = None
        for scope, record in await self.timers.scan():
            next_due = await self._visit(scope, record)
            if next_due is not None and (soonest is None or next_due < soonest):
                soonest = next_due
        if soonest is None:
            return self._rescan
        wait = self.clock.real_seconds(soonest - self.clock.now())
        return max(0.0, min(wait, self._rescan))

    async def _visit(self, scope: Scope, record: Record) -> float | None:
        due = record.data.get("next_due")
        if due is not None and due <= self.clock.now():
            return await self._claim(scope, record)
        stale = [p for p in record.data.get("pending", []) if p["lease"] < self._wall()]
        if stale:
            await self._resume(scope, record, stale[0])
        return None if due is None else float(due)

    async def _claim(self, scope: Scope, record: Record) -> float | None:
        step = plan(record.data, self.clock.now())
        firing = None
        if step.fire_at is not None:
            firing = {"id": str(uuid.uuid4()), "due": step.fire_at, "lease": self._leased()}
        if step.skipped:
            log.info("schedule %s skipped missed due times (AWS does not replay them)", record.key)
        pending = [*record.data.get("pending", []), *([firing] if firing else [])]
        data = {**record.data, "next_due": step.next_due, "pending": pending}
        try:
            await self.timers.put(scope, record.key, data, expect_version=record.version)
        except ConflictError:
            return step.next_due  # another process claimed it, or the schedule changed
        if firing is not None:
            await self._deliver(scope, record.key, firing, final=step.next_due is None)
        return step.next_due

    async def _resume(self, scope: Scope, record: Record, stale: dict[str, Any]) -> None:
        """Deliver again a firing whose runner died (its lease ran out)."""
        renewed = {**stale, "lease": self._leased()}
        pending = [renewed if p["id"] == stale["id"] else p for p in record.data["pending"]]
        data = {**record.data, "pending": pending}
        try:
            await self.timers.put(scope, record.key, data, expect_version=record.version)
        except ConflictError:
            return
        await self._deliver(scope, record.key, renewed, final=data.get("next_due") is None)

    async def _deliver(
        self, scope: Scope, key: str, firing: dict[str, Any], *, final: bool
    ) -> None:
        try:
            await self._fire(scope, key, Firing(firing["id"], float(firing["due"]), final))
        except Exception:
            # Left pending: delivered again once its lease runs out.
            log.exception("delivering schedule %s failed; it will be retried", key)
            return
        await self._complete(scope, key, firing["id"])

    async def _complete(self, scope: Scope, key: str, firing_id: str) -> None:
        for _ in range(COMPLETE_ATTEMPTS):
            record = await self.timers.get(scope, key)
            if record is None:
                return  # the schedule is gone (deleted after its last firing, say)
            pending = [p for p in record.data.get("pending", []) if p["id"] != firing_id]
            data = {**record.data, "pending": pending}
            try:
                await self.timers.put(scope, key, data, expect_version=record.version)
                return
            except ConflictError:
                continue
        log.error("could not record schedule %s firing %s as delivered", key, firing_id)

    def _leased(self) -> float:
        return self._wall() + self._lease
