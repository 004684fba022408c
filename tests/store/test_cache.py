"""The record cache: hits, expiry, eviction, and never a record older than a commit of ours."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from lambdalite.store import Repository, Scope, Store
from lambdalite.store.cache import RecordCache
from lambdalite.store.repository import Record

SCOPE = Scope("000000000000", "us-east-1")
HERE = ("test.thing", "000000000000", "us-east-1", "fn")
THERE = ("test.thing", "000000000000", "us-east-1", "other")


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


class Reads:
    """A read function that counts its calls and answers a fresh record each time."""

    def __init__(self) -> None:
        self.count = 0

    async def __call__(self) -> Record:
        self.count += 1
        return Record("fn", {"read": self.count}, self.count, 0.0, 0.0)


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_a_second_get_within_the_ttl_is_a_hit() -> None:
    cache, reads = RecordCache(ttl=1.0, clock=FakeClock()), Reads()
    first = run(cache.get(HERE, reads))
    assert run(cache.get(HERE, reads)) is first
    assert reads.count == 1


def test_an_entry_expires_after_the_ttl() -> None:
    clock = FakeClock()
    cache, reads = RecordCache(ttl=1.0, clock=clock), Reads()
    run(cache.get(HERE, reads))
    clock.now += 1.5
    assert run(cache.get(HERE, reads)).data == {"read": 2}


def test_absence_is_cached_too() -> None:
    cache, calls = RecordCache(clock=FakeClock()), []

    async def missing() -> None:
        calls.append(1)

    assert run(cache.get(HERE, missing)) is None
    assert run(cache.get(HERE, missing)) is None
    assert len(calls) == 1


def test_invalidation_drops_the_entry() -> None:
    cache, reads = RecordCache(clock=FakeClock()), Reads()
    run(cache.get(HERE, reads))
    cache.invalidate([HERE])
    assert run(cache.get(HERE, reads)).data == {"read": 2}


def test_a_read_overtaken_by_a_commit_is_answered_but_not_kept() -> None:
    cache, reads = RecordCache(clock=FakeClock()), Reads()

    async def read_then_commit() -> Record:
        record = await reads()
        cache.invalidate([HERE])  # a write committed while the read was on its way back
        return record

    assert run(cache.get(HERE, read_then_commit)).data == {"read": 1}
    assert run(cache.get(HERE, reads)).data == {"read": 2}
    assert run(cache.get(HERE, reads)).data == {"read": 2}  # this one was kept


def test_a_commit_to_another_record_does_not_spoil_a_read() -> None:
    cache, reads = RecordCache(clock=FakeClock()), Reads()

    async def read_while_other_commits() -> Record:
        cache.invalidate([THERE])
        return await reads()

    run(cache.get(HERE, read_while_other_commits))
    run(cache.get(HERE, reads))
    assert reads.count == 1


def test_a_failed_read_is_not_kept() -> None:
    cache, reads = RecordCache(clock=FakeClock()), Reads()

    async def failing() -> Record:
        raise OSError("database gone")

    with pytest.raises(OSError):
        run(cache.get(HERE, failing))
    assert run(cache.get(HERE, reads)).data == {"read": 1}
    assert run(cache.get(HERE, reads)).data == {"read": 1}


def test_the_oldest_entry_makes_room() -> None:
    cache, reads = RecordCache(size=2, clock=FakeClock()), Reads()
    third = ("test.thing", "000000000000", "us-east-1", "third")
    for address in (HERE, THERE, third):
        run(cache.get(address, reads))
    run(cache.get(THERE, reads))
    run(cache.get(third, reads))
    assert reads.count == 3
    run(cache.get(HERE, reads))
    assert reads.count == 4


# --- through the store --------------------------------------------------------------------------


def test_a_cached_read_sees_every_commit_of_this_store(repo: Repository) -> None:
    async def scenario() -> None:
        assert await repo.get_cached(SCOPE, "fn") is None
        await repo.put(SCOPE, "fn", {"v": 1})
        assert (await repo.get_cached(SCOPE, "fn")).data == {"v": 1}  # type: ignore[union-attr]
        await repo.put(SCOPE, "fn", {"v": 2})
        assert (await repo.get_cached(SCOPE, "fn")).data == {"v": 2}  # type: ignore[union-attr]
        await repo.delete(SCOPE, "fn")
        assert await repo.get_cached(SCOPE, "fn") is None

    run(scenario())


def test_writes_inside_a_store_job_invalidate_on_commit(store: Store, repo: Repository) -> None:
    async def scenario() -> None:
        await repo.put(SCOPE, "fn", {"v": 1})
        await repo.get_cached(SCOPE, "fn")
        await store.write(lambda conn: repo.put_in(conn, SCOPE, "fn", {"v": 2}))
        assert (await repo.get_cached(SCOPE, "fn")).data == {"v": 2}  # type: ignore[union-attr]

    run(scenario())


def test_another_process_writes_show_after_the_ttl(store_url: str) -> None:
    clock = FakeClock()
    ours = Store.open(store_url, cache=RecordCache(ttl=1.0, clock=clock))
    theirs = Store.open(store_url)  # another edge sharing the database
    try:
        mine, other = Repository(ours, "test.thing"), Repository(theirs, "test.thing")

        async def scenario() -> None:
            await mine.put(SCOPE, "fn", {"v": 1})
            assert (await mine.get_cached(SCOPE, "fn")).data == {"v": 1}  # type: ignore[union-attr]
            await other.put(SCOPE, "fn", {"v": 2})
            assert (await mine.get_cached(SCOPE, "fn")).data == {"v": 1}  # type: ignore[union-attr]
            clock.now += 1.5
            assert (await mine.get_cached(SCOPE, "fn")).data == {"v": 2}  # type: ignore[union-attr]

        run(scenario())
    finally:
        theirs.close()
        ours.close()
