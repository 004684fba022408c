"""Log events are gathered and written in batches, and a read always sees what was written."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from lambdalite.services.logs import events
from lambdalite.services.logs.events import LogEvents
from lambdalite.store import Store
from tests.support.postgres import PostgresServer

ACCOUNT, REGION, GROUP = "000000000000", "us-east-1", "/aws/lambda/fn"


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """An empty store on each backend: the rows are written with each driver's own SQL."""
    if request.param == "sqlite":
        opened = Store.open(f"sqlite:///{tmp_path / 'state.db'}")
        yield opened
        opened.close()
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    schema = server.create_schema()
    opened = Store.open(server.url(schema))
    yield opened
    opened.close()
    server.drop_schema(schema)


async def stored_rows(store: Store) -> int:
    """Rows in the store, counted past LogEvents (whose read would write what it gathered)."""
    return int(
        await store.read(
            lambda conn: conn.exec_driver_sql("SELECT count(*) FROM log_events").scalar_one()
        )
    )


async def until_stored(store: Store, rows: int) -> None:
    deadline = asyncio.get_running_loop().time() + 5
    while await stored_rows(store) < rows:
        assert asyncio.get_running_loop().time() < deadline, "gathered events were never written"
        await asyncio.sleep(0.01)


def test_one_event_per_line_and_a_read_sees_what_was_just_written(store: Store) -> None:
    async def scenario() -> list[str]:
        logs = LogEvents(store)
        logs.write(ACCOUNT, REGION, GROUP, "s", b"START\nhello\nEND")
        return [e.message for e in await logs.read(ACCOUNT, REGION, GROUP)]

    assert asyncio.run(scenario()) == ["START", "hello", "END"]


def test_gathered_events_are_written_after_the_flush_interval(store: Store) -> None:
    async def scenario() -> None:
        logs = LogEvents(store)
        for n in range(3):
            logs.write(ACCOUNT, REGION, GROUP, "s", f"line {n}\n".encode())
        assert await stored_rows(store) == 0  # gathered, not yet written
        await until_stored(store, 3)

    asyncio.run(scenario())


def test_many_events_with_every_kind_of_text(store: Store) -> None:
    lines = [f"line {n} 'quoted' %s ? \\ \u00e9" for n in range(2500)]  # over one statement's rows

    async def scenario() -> list[str]:
        logs = LogEvents(store)
        logs.write(ACCOUNT, REGION, GROUP, "s", "\n".join(lines).encode())
        return [e.message for e in await logs.read(ACCOUNT, REGION, GROUP)]

    assert asyncio.run(scenario()) == lines


def test_a_full_batch_is_written_at_once(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(events, "FLUSH_ROWS", 2)
    monkeypatch.setattr(events, "FLUSH_SECONDS", 3600.0)  # only the batch size can trigger it

    async def scenario() -> None:
        LogEvents(store).write(ACCOUNT, REGION, GROUP, "s", b"a\nb\n")
        await until_stored(store, 2)

    asyncio.run(scenario())
