"""The store: one engine, a small reader pool and a single group-committing writer thread."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from lambdalite.store.cache import Address, RecordCache
from lambdalite.store.driver import execute_on_driver
from lambdalite.store.engine import IMMEDIATE, Durability, create_store_engine
from lambdalite.store.migrate import upgrade

T = TypeVar("T")

# Enough to amortize one commit (one fsync under Durability.FULL) over a burst of requests,
# small enough that one batch never holds the write lock for long.
MAX_BATCH = 256
# SQLite WAL readers do not block each other nor the writer; a few threads cover the
# handful of concurrent reads one event loop issues.
READER_THREADS = 4


@dataclass(slots=True)
class _Job:
    fn: Callable[[Connection], Any]
    # An asyncio future (with the loop that owns it) for `write`, a concurrent one for
    # `write_sync`.
    future: asyncio.Future[Any] | concurrent.futures.Future[Any]
    loop: asyncio.AbstractEventLoop | None


# A job's fate after its batch committed (or failed): (job, result, exception).
_Outcome = tuple[_Job, Any, BaseException | None]


class Store:
    """Durable state behind every provider.

    Reads run on a small thread pool, each on its own connection. Writes are funnelled to
    one writer thread that commits them in groups: every job of a batch runs in its own
    SAVEPOINT inside one transaction, so a failing job is rolled back alone, and the batch
    is committed once. No write is acknowledged before the commit that contains it returned.

    Jobs get a `Connection` already inside a transaction and must neither commit nor roll it
    back, nor call the store themselves (the writer would wait for itself).
    Cancelling an awaiter does not withdraw its write: the job may still run and commit.
    """

    def __init__(self, engine: Engine, cache: RecordCache | None = None) -> None:
        self._engine = engine
        self._readers = concurrent.futures.ThreadPoolExecutor(
            max_workers=READER_THREADS, thread_name_prefix="store-read"
        )
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        # Guards `_closed` against a write slipping into the queue behind the stop sentinel,
        # where nobody would ever run it.
        self._lock = threading.Lock()
        self._closed = False
        # Daemon: a process exiting without close() must not hang on this thread; writes
        # it drops were never acknowledged.
        self._writer = threading.Thread(target=self._write_loop, name="store-write", daemon=True)
        self.cache = cache or RecordCache()
        # Addresses the batch being run has written; touched by the writer thread only.
        self._written: list[Address] = []
        # The writer thread's connection, held from batch to batch: checking one out of the
        # pool and back in (where the pool resets it) cost a third of a small batch's commit.
        self._connection: Connection | None = None
        self._writer.start()

    @classmethod
    def open(
        cls, url: str, durability: Durability = Durability.NORMAL, cache: RecordCache | None = None
    ) -> Store:
        """Connect to `url`, bring its schema up to date and start the writer."""
        engine = create_store_engine(url, durability)
        try:
            upgrade(engine)
        except BaseException:
            engine.dispose()
            raise
        return cls(engine, cache)

    @property
    def engine(self) -> Engine:
        return self._engine

    def close(self) -> None:
        """Finish every queued write, then release the database. Idempotent; blocking."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._queue.put(None)
        self._writer.join()
        self._readers.shutdown(wait=True)
        self._engine.dispose()

    async def read(self, fn: Callable[[Connection], T]) -> T:
        """Run `fn` off the event loop on a connection of its own and return its result."""
        self._check_open()
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._readers, self._run_read, fn)

    def read_sync(self, fn: Callable[[Connection], T]) -> T:
        """Blocking `read`, on the calling thread: for start-up code and tests."""
        self._check_open()
        return self._run_read(fn)

    async def write(self, fn: Callable[[Connection], T]) -> T:
        """Run `fn` in the next committed batch; return its result once that batch committed."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._submit(_Job(fn, future, loop))
        return await future

    def write_sync(self, fn: Callable[[Connection], T]) -> T:
        """Blocking `write`: for start-up code and tests, never on the event loop."""
        future: concurrent.futures.Future[T] = concurrent.futures.Future()
        self._submit(_Job(fn, future, None))
        return future.result()

    def wrote(self, address: Address) -> None:
        """Called by a write job for each record it writes: the cache forgets it on commit."""
        self._written.append(address)

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("store is closed")

    def _submit(self, job: _Job) -> None:
        with self._lock:
            self._check_open()
            self._queue.put(job)

    def _run_read(self, fn: Callable[[Connection], T]) -> T:
        # The connection's implicit transaction is rolled back on exit: reads never write.
        with self._engine.connect() as conn:
            return fn(conn)

    def _write_loop(self) -> None:
        try:
            self._write_until_stopped()
        finally:
            self._release_connection()

    def _write_until_stopped(self) -> None:
        stopping = False
        while not stopping:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            # Group commit: take whatever queued up while the previous batch was committing.
            while len(batch) < MAX_BATCH:
                try:
                    job = self._queue.get_nowait()
                except queue.Empty:
                    break
                if job is None:
                    stopping = True
                    break
                batch.append(job)
            _deliver(self._run_batch(batch))

    def _run_batch(self, batch: list[_Job]) -> list[_Outcome]:
        try:
            return self._commit(batch)
        finally:
            # Before any awaiter hears of the commit, so its next cached read sees it.
            written, self._written = self._written, []
            if written:
                self.cache.invalidate(written)

    def _commit(self, batch: list[_Job]) -> list[_Outcome]:
        try:
            conn = self._writer_connection()
            with conn.begin():
                if len(batch) == 1:
                    # Alone in its transaction, a job needs no savepoint: its failure rolls
                    # back everything, which is only its own work.
                    job = batch[0]
                    return [(job, job.fn(conn), None)]
                return [_run_isolated(conn, job) for job in batch]
        except BaseException as exc:
            # BEGIN or COMMIT failed (or the lone job did): nothing of this batch is durable.
            if isinstance(exc, SQLAlchemyError):
                # The database may have gone (a restart): the next batch connects afresh.
                self._release_connection()
            return [(job, None, exc) for job in batch]

    def _writer_connection(self) -> Connection:
        if self._connection is None:
            self._connection = self._engine.connect()
            self._connection.execution_options(**{IMMEDIATE: True})
        return self._connection

    def _release_connection(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(SQLAlchemyError):
                connection.close()


def _run_isolated(conn: Connection, job: _Job) -> _Outcome:
    # Plain SQL rather than begin_nested(): SQLAlchemy compiles its savepoint statements
    # anew on every use, which cost as much as the job itself in a busy batch.
    execute_on_driver(conn, "SAVEPOINT store_job")
    try:
        result = job.fn(conn)
    except BaseException as exc:
        # Undo this job only; the rest of the batch goes on. Should the rollback itself fail,
        # that error escapes to `_run_batch` and fails the whole batch.
        execute_on_driver(conn, "ROLLBACK TO SAVEPOINT store_job")
        execute_on_driver(conn, "RELEASE SAVEPOINT store_job")
        return (job, None, exc)
    execute_on_driver(conn, "RELEASE SAVEPOINT store_job")
    return (job, result, None)


def _deliver(outcomes: list[_Outcome]) -> None:
    """Resolve every future of a committed (or failed) batch, one wake-up per event loop."""
    per_loop: dict[asyncio.AbstractEventLoop, list[_Outcome]] = {}
    for outcome in outcomes:
        job = outcome[0]
        if job.loop is None:
            _settle(outcome)
        else:
            per_loop.setdefault(job.loop, []).append(outcome)
    for loop, items in per_loop.items():
        # RuntimeError: the loop is closed, nobody is left to await these results.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(_settle_all, items)


def _settle_all(outcomes: list[_Outcome]) -> None:
    for outcome in outcomes:
        _settle(outcome)


def _settle(outcome: _Outcome) -> None:
    job, result, error = outcome
    if job.future.done():  # the awaiter was cancelled
        return
    if error is None:
        job.future.set_result(result)
    else:
        job.future.set_exception(error)
