"""Store mechanics over every backend: group commit, isolation of failures, durability."""

from __future__ import annotations

import asyncio
import selectors
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, exc, text

from lambdalite.store import Repository, Scope, Store
from tests.store import crash_writer

SCOPE = Scope("123456789012", "us-east-1")
DEADLINE = 20.0


class Gate:
    """Holds the writer thread inside a job until released, so later writes queue up."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()

    def job(self, conn: Connection) -> None:
        self.entered.set()
        if not self.release.wait(DEADLINE):
            raise TimeoutError("gate never released")

    async def close_on(self, store: Store) -> asyncio.Task[None]:
        """Submit the gate job and return once the writer is stuck inside it."""
        task = asyncio.ensure_future(store.write(self.job))
        if not await asyncio.to_thread(self.entered.wait, DEADLINE):
            raise TimeoutError("writer never ran the gate job")
        return task


async def _submit_all(coros: list[Any]) -> list[asyncio.Task[Any]]:
    tasks = [asyncio.ensure_future(coro) for coro in coros]
    # One loop turn runs every task up to its store.write() submission.
    await asyncio.sleep(0)
    return tasks


def test_failing_job_rolls_back_alone_within_its_batch(store: Store) -> None:
    repo = Repository(store, "test.thing")
    transactions: list[object] = []

    def failing(conn: Connection) -> None:
        transactions.append(conn.get_transaction())
        conn.execute(text("UPDATE resources SET data = :data"), {"data": '{"broken": 1}'})
        raise RuntimeError("job failed")

    def recording(key: str) -> Any:
        def job(conn: Connection) -> str:
            transactions.append(conn.get_transaction())
            return key

        return job

    async def scenario() -> list[Any]:
        gate = Gate()
        gate_task = await gate.close_on(store)
        coros: list[Any] = [repo.put(SCOPE, f"k{i:02d}", {"i": i}) for i in range(20)]
        coros.insert(10, store.write(failing))
        coros += [store.write(recording(f"r{i}")) for i in range(5)]
        tasks = await _submit_all(coros)
        gate.release.set()
        await gate_task
        return await asyncio.gather(*tasks, return_exceptions=True)

    results = asyncio.run(scenario())

    failure = results.pop(10)
    assert isinstance(failure, RuntimeError)
    assert str(failure) == "job failed"
    assert [r.key for r in results[:20]] == [f"k{i:02d}" for i in range(20)]
    assert results[20:] == [f"r{i}" for i in range(5)]
    # The failing job and the recording ones all ran in one and the same transaction.
    assert len(transactions) == 6
    assert all(t is transactions[0] for t in transactions)
    # The failing job's UPDATE (after the puts before it in the batch) was undone.
    records = asyncio.run(repo.list(SCOPE))
    assert [r.data for r in records] == [{"i": i} for i in range(20)]


def test_failed_commit_fails_every_job_of_the_batch(store: Store) -> None:
    # A deferred foreign key is checked at COMMIT, on both backends: a way to make the
    # commit itself fail with a real database.
    def create_tables(conn: Connection) -> None:
        conn.execute(text("CREATE TABLE parent (id INTEGER PRIMARY KEY)"))
        conn.execute(
            text(
                "CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER "
                "REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)"
            )
        )

    def orphan(conn: Connection) -> str:
        conn.execute(text("INSERT INTO child (id, parent_id) VALUES (1, 42)"))
        return "orphan inserted"

    store.write_sync(create_tables)
    repo = Repository(store, "test.thing")

    async def scenario() -> list[Any]:
        gate = Gate()
        gate_task = await gate.close_on(store)
        coros = [repo.put(SCOPE, f"k{i}", {}) for i in range(5)] + [store.write(orphan)]
        tasks = await _submit_all(coros)
        gate.release.set()
        await gate_task
        return await asyncio.gather(*tasks, return_exceptions=True)

    results = asyncio.run(scenario())
    assert all(isinstance(result, exc.IntegrityError) for result in results), results
    assert results[0] is results[-1]
    assert asyncio.run(repo.count(SCOPE)) == 0
    # The writer carries on after a failed batch.
    assert asyncio.run(repo.put(SCOPE, "after", {})).version == 1


def test_reads_proceed_while_the_writer_holds_a_transaction(store: Store) -> None:
    repo = Repository(store, "test.thing")
    asyncio.run(repo.put(SCOPE, "existing", {}))

    async def scenario() -> int:
        gate = Gate()
        gate_task = await gate.close_on(store)
        try:
            return await asyncio.wait_for(repo.count(SCOPE), DEADLINE)
        finally:
            gate.release.set()
            await gate_task

    assert asyncio.run(scenario()) == 1


def test_concurrent_writes_are_grouped(store: Store) -> None:
    repo = Repository(store, "test.thing")
    transactions: set[int] = set()
    keep_alive: list[object] = []

    def job(conn: Connection) -> None:
        transaction = conn.get_transaction()
        keep_alive.append(transaction)  # so that no two transactions share an id()
        transactions.add(id(transaction))

    async def scenario() -> None:
        gate = Gate()
        gate_task = await gate.close_on(store)
        tasks = await _submit_all([store.write(job) for _ in range(300)])
        gate.release.set()
        await gate_task
        await asyncio.gather(*tasks)
        await asyncio.gather(*(repo.put(SCOPE, f"k{i}", {}) for i in range(100)))

    asyncio.run(scenario())
    # 300 queued jobs, at most 256 per batch: exactly two transactions.
    assert len(transactions) == 2
    assert asyncio.run(repo.count(SCOPE)) == 100


def test_sync_api(store: Store) -> None:
    assert store.write_sync(lambda conn: conn.execute(text("SELECT 41 + 1")).scalar()) == 42
    assert store.read_sync(lambda conn: conn.execute(text("SELECT 'x'")).scalar()) == "x"
    with pytest.raises(ZeroDivisionError):
        store.write_sync(lambda conn: 1 / 0)


def test_close_finishes_queued_writes(store_url: str) -> None:
    store = Store.open(store_url)
    repo = Repository(store, "test.thing")

    async def scenario() -> None:
        gate = Gate()
        gate_task = await gate.close_on(store)
        tasks = await _submit_all([repo.put(SCOPE, f"k{i}", {}) for i in range(50)])
        closing = asyncio.ensure_future(asyncio.to_thread(store.close))
        gate.release.set()
        await asyncio.gather(gate_task, *tasks)
        await closing

    asyncio.run(scenario())
    with pytest.raises(RuntimeError, match="closed"):
        asyncio.run(repo.put(SCOPE, "late", {}))
    with pytest.raises(RuntimeError, match="closed"):
        asyncio.run(repo.get(SCOPE, "k0"))

    reopened = Store.open(store_url)
    try:
        assert asyncio.run(Repository(reopened, "test.thing").count(SCOPE)) == 50
    finally:
        reopened.close()


def test_cancelled_awaiter_does_not_disturb_the_writer(store: Store) -> None:
    repo = Repository(store, "test.thing")

    async def scenario() -> None:
        gate = Gate()
        gate_task = await gate.close_on(store)
        (cancelled, kept) = await _submit_all([repo.put(SCOPE, "a", {}), repo.put(SCOPE, "b", {})])
        cancelled.cancel()
        gate.release.set()
        await gate_task
        assert (await kept).key == "b"
        with pytest.raises(asyncio.CancelledError):
            await cancelled

    asyncio.run(scenario())
    # A write already queued still runs: cancelling the awaiter does not withdraw it.
    assert asyncio.run(repo.count(SCOPE)) == 2


def test_acknowledged_writes_survive_sigkill(store_url: str) -> None:
    child = subprocess.Popen(
        [sys.executable, crash_writer.__file__, store_url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        acknowledged = _read_acknowledged_keys(child, at_least=200)
        # Killed right after an acknowledgement, while it keeps writing the next round.
        child.send_signal(signal.SIGKILL)
    finally:
        child.kill()
        child.wait()
        assert child.stdout is not None and child.stderr is not None
        child.stdout.close()
        child.stderr.close()
    assert child.returncode == -signal.SIGKILL

    store = Store.open(store_url)
    try:
        repo = Repository(store, crash_writer.KIND)
        stored = {record.key for record in asyncio.run(repo.list(crash_writer.SCOPE))}
    finally:
        store.close()
    assert set(acknowledged) <= stored


def _read_acknowledged_keys(child: subprocess.Popen[bytes], at_least: int) -> list[str]:
    assert child.stdout is not None
    keys: list[str] = []
    deadline = time.monotonic() + DEADLINE
    with selectors.DefaultSelector() as selector:
        selector.register(child.stdout, selectors.EVENT_READ)
        while len(keys) < at_least:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not selector.select(remaining):
                raise TimeoutError(f"only {len(keys)} writes acknowledged in {DEADLINE}s")
            line = child.stdout.readline()
            if not line:
                assert child.stderr is not None
                raise RuntimeError(f"writer exited: {child.stderr.read().decode()}")
            keys += line.decode().split()
    return keys


def test_sqlite_files_are_private(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'data' / 'state.db'}")
    try:
        asyncio.run(Repository(store, "test.thing").put(SCOPE, "k", {}))
        files = sorted(path.name for path in (tmp_path / "data").iterdir())
        assert files == ["state.db", "state.db-shm", "state.db-wal"]
        for path in (tmp_path / "data").iterdir():
            assert path.stat().st_mode & 0o777 == 0o600, path
        assert (tmp_path / "data").stat().st_mode & 0o777 == 0o700
    finally:
        store.close()


def test_two_stores_on_one_database_serialize_their_writes(store_url: str) -> None:
    # Two stores stand for two processes (or cluster nodes) sharing the database.
    first, second = Store.open(store_url), Store.open(store_url)
    try:
        repos = [Repository(first, "test.thing"), Repository(second, "test.thing")]

        async def scenario() -> list[Any]:
            puts = [repos[i % 2].put(SCOPE, "shared", {"i": i}) for i in range(100)]
            await asyncio.gather(*puts)
            creates = [
                repos[i % 2].put(SCOPE, f"once-{i // 2}", {"by": i % 2}, create_only=True)
                for i in range(40)
            ]
            return await asyncio.gather(*creates, return_exceptions=True)

        outcomes = asyncio.run(scenario())
        shared = asyncio.run(repos[0].get(SCOPE, "shared"))
        assert shared is not None
        assert shared.version == 100
        for pair in zip(outcomes[::2], outcomes[1::2], strict=True):
            assert sorted(type(outcome).__name__ for outcome in pair) == [
                "ConflictError",
                "Record",
            ]
    finally:
        first.close()
        second.close()
