"""The durable firing loop: one firing per due time, across processes, restarts and crashes.

Clocks are injected: nothing here waits for real time to pass.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from lambdalite.store import Scope, Store
from lambdalite.triggers.schedules import (
    Firing,
    ScheduleClock,
    ScheduleRunner,
    TimerSpec,
    iso_time,
    plan,
)

SCOPE = Scope("000000000000", "us-east-1")
T0 = 1_700_000_000.0  # 2023-11-14T22:13:20Z
KIND = "test.timer"


class Wall:
    """A wall clock a test moves by hand."""

    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'state.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def any_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database on each backend (the PostgreSQL server is the session's)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'shared.db'}"
        return
    server = request.getfixturevalue("postgres_server")
    schema = server.create_schema()
    yield server.url(schema)
    server.drop_schema(schema)


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    opened = Store.open(db_url)
    yield opened
    opened.close()


class Harness:
    """A runner whose firings are recorded, or fail while ``failing`` is set."""

    def __init__(self, store: Store, wall: Wall, *, lease: float = 30.0) -> None:
        self.fired: list[tuple[str, Firing]] = []
        self.failing = False
        self.runner = ScheduleRunner(
            store, KIND, ScheduleClock(1.0, wall), self._fire, lease_seconds=lease, wall=wall
        )
        self.store = store

    async def _fire(self, scope: Scope, key: str, firing: Firing) -> None:
        if self.failing:
            raise RuntimeError("the process died mid-delivery")
        self.fired.append((key, firing))

    async def set(self, spec: TimerSpec | None, key: str = "r") -> None:
        await self.store.write(lambda conn: self.runner.set_in(conn, SCOPE, key, spec))

    async def timer(self, key: str = "r") -> dict[str, object]:
        record = await self.runner.timers.get(SCOPE, key)
        assert record is not None
        return record.data

    def due_times(self) -> list[float]:
        return [firing.due for _, firing in self.fired]


def every_minute(anchor: float = T0) -> TimerSpec:
    return TimerSpec("rate(1 minute)", "rule", anchor=anchor, first_after=anchor)


def test_a_due_timer_fires_once_then_moves_on(store: Store) -> None:
    async def scenario() -> None:
        wall = Wall()
        harness = Harness(store, wall)
        await harness.set(every_minute())
        assert (await harness.timer())["next_due"] == T0 + 60
        wall.now = T0 + 30
        await harness.runner.run_once()
        assert harness.fired == []
        wall.now = T0 + 61
        await harness.runner.run_once()
        await harness.runner.run_once()
        assert harness.due_times() == [T0 + 60]
        wall.now = T0 + 125
        await harness.runner.run_once()
        assert harness.due_times() == [T0 + 60, T0 + 120]
        assert (await harness.timer())["pending"] == []

    asyncio.run(scenario())


def test_processes_sharing_a_store_fire_each_due_time_once(any_db_url: str) -> None:
    async def scenario() -> None:
        wall = Wall()
        stores = [Store.open(any_db_url) for _ in range(3)]  # three "server processes"
        harnesses = [Harness(s, wall) for s in stores]
        await harnesses[0].set(every_minute())
        for minute in range(1, 6):
            wall.now = T0 + 60 * minute + 1
            await asyncio.gather(*(h.runner.run_once() for h in harnesses))
        fired = sorted(due for h in harnesses for due in h.due_times())
        assert fired == [T0 + 60 * minute for minute in range(1, 6)]
        for opened in stores:
            opened.close()

    asyncio.run(scenario())


def test_missed_due_times_fire_once_for_the_latest(store: Store) -> None:
    async def scenario() -> None:
        wall = Wall()
        harness = Harness(store, wall)
        await harness.set(every_minute())
        wall.now = T0 + 60 * 10 + 5  # ten due times passed while "no server ran"
        await harness.runner.run_once()
        assert harness.due_times() == [T0 + 600]
        assert (await harness.timer())["next_due"] == T0 + 660

    asyncio.run(scenario())


def test_a_missed_one_time_schedule_fires_late_within_its_event_age(store: Store) -> None:
    async def scenario() -> None:
        wall = Wall()
        harness = Harness(store, wall)
        spec = TimerSpec("at(2023-11-14T23:00:00)", "scheduler", T0, T0, max_age=3600)
        await harness.set(spec)
        wall.now = T0 + 3600  # 40 minutes late
        await harness.runner.run_once()
        [(_, firing)] = harness.fired
        assert iso_time(firing.due) == "2023-11-14T23:00:00Z"
        assert firing.final
        assert (await harness.timer())["next_due"] is None

    asyncio.run(scenario())


def test_a_due_time_older_than_the_event_age_is_dropped(store: Store) -> None:
    async def scenario() -> None:
        wall = Wall()
        harness = Harness(store, wall)
        daily = TimerSpec("cron(0 23 * * ? *)", "scheduler", T0, T0, max_age=600)
        await harness.set(daily)
        wall.now = T0 + 3 * 3600  # 02:13, due at 23:00: two hours late, the age is 10 minutes
        await harness.runner.run_once()
        assert harness.fired == []
        assert iso_time(float((await harness.timer())["next_due"])) == "2023-11-15T23:00:00Z"

    asyncio.run(scenario())


def test_a_firing_left_by_a_dead_process_is_delivered_again(store: Store) -> None:
    async def scenario() -> None:
        wall = Wall()
        dying, survivor = Harness(store, wall), Harness(store, wall)
        await dying.set(every_minute(anchor=T0 - 3600))
        dying.failing = True
        wall.now = T0 + 1
        await dying.runner.run_once()
        [pending] = (await dying.timer())["pending"]  # type: ignore[misc]
        await survivor.runner.run_once()
        assert survivor.fired == []  # its lease still runs
        wall.now = T0 + 40
        await survivor.runner.run_once()
        [(_, firing)] = survivor.fired
        assert firing.id == pending["id"] and firing.due == pending["due"]
        assert (await survivor.timer())["pending"] == []

    asyncio.run(scenario())


def test_a_paused_timer_keeps_quiet_and_resumes_from_now(store: Store) -> None:
    async def scenario() -> None:
        wall = Wall()
        harness = Harness(store, wall)
        await harness.set(every_minute())
        await harness.set(None)
        wall.now = T0 + 600
        await harness.runner.run_once()
        assert harness.fired == []
        await harness.set(TimerSpec("rate(1 minute)", "rule", T0, wall.now))
        assert (await harness.timer())["next_due"] == T0 + 660

    asyncio.run(scenario())


def test_an_unchanged_schedule_keeps_its_next_due_time(store: Store) -> None:
    async def scenario() -> None:
        wall = Wall()
        harness = Harness(store, wall)
        await harness.set(every_minute())
        await harness.set(TimerSpec("rate(1 minute)", "rule", T0, T0 + 45))
        assert (await harness.timer())["next_due"] == T0 + 60
        await harness.set(TimerSpec("rate(2 minutes)", "rule", T0 + 45, T0 + 45))
        assert (await harness.timer())["next_due"] == T0 + 165

    asyncio.run(scenario())


def test_start_and_end_dates_bound_the_due_times(store: Store) -> None:
    async def scenario() -> None:
        wall = Wall()
        harness = Harness(store, wall)
        spec = TimerSpec(
            "rate(5 minutes)", "scheduler", T0 + 600, T0, start=T0 + 600, end=T0 + 1200
        )
        await harness.set(spec)
        for minutes in (11, 16, 21, 26):
            wall.now = T0 + 60 * minutes
            await harness.runner.run_once()
        assert harness.due_times() == [T0 + 600, T0 + 900, T0 + 1200]
        assert [firing.final for _, firing in harness.fired] == [False, False, True]

    asyncio.run(scenario())


def test_the_clock_runs_faster_when_asked() -> None:
    wall = Wall()
    clock = ScheduleClock(60.0, wall)
    wall.now = T0 + 2
    assert clock.now() == T0 + 120
    assert clock.real_seconds(60) == 1
    assert clock.status() == {"clock_speed": 60.0, "now": iso_time(T0 + 120)}


def test_plan_coalesces_and_expires() -> None:
    timer = {
        "expression": "rate(1 hour)",
        "dialect": "rule",
        "anchor": T0,
        "next_due": T0 + 3600,
        "max_age": 86400,
    }
    step = plan(timer, T0 + 3 * 86400)  # three days of hourly ticks missed
    assert step.fire_at == T0 + 3 * 86400  # the latest due time, not the 72 before it
    assert step.next_due == T0 + 3 * 86400 + 3600
    assert step.skipped != 0
