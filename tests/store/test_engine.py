"""Engine set-up: SQLite pragmas and transactions, URL handling."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Connection, text

from lambdalite.store import Durability
from lambdalite.store.engine import create_store_engine, normalize_url


@pytest.mark.parametrize(("durability", "synchronous"), [("normal", 1), ("full", 2)])
def test_sqlite_pragmas(tmp_path: Path, durability: str, synchronous: int) -> None:
    engine = create_store_engine(f"sqlite:///{tmp_path / 'x.db'}", Durability(durability))
    try:
        with engine.connect() as conn:
            pragma = {
                name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
                for name in ("journal_mode", "synchronous", "busy_timeout", "foreign_keys")
            }
    finally:
        engine.dispose()
    assert pragma == {
        "journal_mode": "wal",
        "synchronous": synchronous,
        "busy_timeout": 10_000,
        "foreign_keys": 1,
    }


def test_sqlite_savepoint_rolls_back_inside_the_transaction(tmp_path: Path) -> None:
    # The pysqlite default would run SAVEPOINT outside any transaction; our own BEGIN fixes it.
    engine = create_store_engine(f"sqlite:///{tmp_path / 'x.db'}", Durability.NORMAL)
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (v INTEGER)"))
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (1)"))
            nested = conn.begin_nested()
            conn.execute(text("INSERT INTO t VALUES (2)"))
            nested.rollback()
            conn.execute(text("INSERT INTO t VALUES (3)"))
        with engine.connect() as conn:
            assert _values(conn) == [1, 3]
        with engine.connect() as conn:
            conn.execute(text("INSERT INTO t VALUES (4)"))
            conn.rollback()
            assert _values(conn) == [1, 3]
    finally:
        engine.dispose()


def _values(conn: Connection) -> list[int]:
    return [row[0] for row in conn.execute(text("SELECT v FROM t ORDER BY v"))]


def test_sqlite_database_file_is_created_private(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "dir" / "x.db"
    create_store_engine(f"sqlite:///{path}", Durability.NORMAL).dispose()
    assert path.stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:", "sqlite:///file:x?mode=memory"])
def test_sqlite_in_memory_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match="file path"):
        create_store_engine(url, Durability.NORMAL)


def test_unsupported_scheme_is_refused() -> None:
    with pytest.raises(ValueError, match="unsupported"):
        create_store_engine("mysql://u@localhost/db", Durability.NORMAL)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://u:p@db:5432/state", "postgresql+psycopg://u:p@db:5432/state"),
        ("postgres://u@db/state", "postgresql+psycopg://u@db/state"),
        ("postgresql+psycopg://u@db/state", "postgresql+psycopg://u@db/state"),
        ("sqlite:////var/lib/x.db", "sqlite:////var/lib/x.db"),
    ],
)
def test_normalize_url(url: str, expected: str) -> None:
    assert normalize_url(url).render_as_string(hide_password=False) == expected
