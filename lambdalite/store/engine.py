"""Engine construction for the state store: SQLite (default) or PostgreSQL."""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import ConnectionPoolEntry

from lambdalite.store.driver import execute_on_driver

# Connection execution option asking the SQLite `begin` hook for BEGIN IMMEDIATE: the writer
# takes the write lock up front, so it never has to upgrade a read lock mid-transaction
# (an upgrade can fail with SQLITE_BUSY without waiting for busy_timeout).
IMMEDIATE = "lambdalite_begin_immediate"

# How long a writer waits for another process holding the SQLite write lock.
_BUSY_TIMEOUT_MS = 10_000


class Durability(StrEnum):
    """How hard a commit pushes data to disk.

    NORMAL survives a crash of the process (SQLite WAL with synchronous=NORMAL);
    FULL also survives power loss or an OS crash (fsync of the WAL on every commit).
    """

    NORMAL = "normal"
    FULL = "full"


def create_store_engine(url: str, durability: Durability) -> Engine:
    """Build the engine for `url`, tuned for the store's access pattern."""
    parsed = normalize_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed, durability)
    if parsed.get_backend_name() == "postgresql":
        # The server's default synchronous_commit=on already gives FULL durability. No
        # pool_pre_ping: a round trip per checkout costs more than the one failed operation
        # per connection after a database restart (SQLAlchemy then recycles the pool).
        return create_engine(parsed)
    raise ValueError(f"unsupported store URL scheme: {parsed.drivername!r}")


def normalize_url(url: str) -> URL:
    """Parse `url`, pinning plain PostgreSQL URLs to the psycopg 3 driver."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _sqlite_engine(url: URL, durability: Durability) -> Engine:
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        # Each pooled connection would see its own private in-memory database.
        raise ValueError("the SQLite store needs a file path, e.g. sqlite:////var/lib/x/state.db")
    _create_private_file(Path(database))
    engine = create_engine(url)
    synchronous = "FULL" if durability is Durability.FULL else "NORMAL"

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # Take BEGIN away from the sqlite3 module (it skips it before SELECT and SAVEPOINT,
        # which breaks nested transactions); `_on_begin` emits it instead.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            # WAL lets readers proceed while the writer commits.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA synchronous={synchronous}")
            cursor.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA foreign_keys=ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get(IMMEDIATE, False)
        execute_on_driver(conn, "BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def _create_private_file(path: Path) -> None:
    """Create the database file (and its directory) readable by the owner only.

    SQLite gives its -wal and -shm files the mode of the database file, so creating the
    file ourselves with 0600 keeps all of the state private.
    """
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    os.close(fd)
