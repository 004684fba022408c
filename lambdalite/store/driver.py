"""The writer thread's most frequent statements, straight to the DB-API driver: many rows in
few statements, existence checks, and the transaction statements around every batch and job
(SQLAlchemy's execution context costs several times what SQLite spends on them).

An ``executemany()`` hands the GIL back and forth with the event loop once per row (the driver
releases it around each step), and a prepared Core insert of N rows compiles anew for every N:
for rows the writer thread stores in bulk (log events, a batch of messages), one multi-row
INSERT per chunk costs the least."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection

# Placeholders per DB-API paramstyle (sqlite3: qmark, psycopg: pyformat/format).
_MARKERS = {"qmark": "?", "format": "%s", "pyformat": "%s"}
# SQLite allows 32,766 bound parameters since 3.32 and PostgreSQL 65,535; stay well below.
MAX_PARAMETERS = 7_000


def insert_rows(
    conn: Connection, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """INSERT ``rows`` (value tuples in ``columns`` order) into ``table``."""
    marker = _MARKERS[conn.dialect.paramstyle]
    one = "(" + ", ".join([marker] * len(columns)) + ")"
    head = f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
    per_statement = max(1, MAX_PARAMETERS // len(columns))
    # The DB-API cursor itself: SQLAlchemy's execution path (events, result setup) costs more
    # Python than the insert, and the writer thread holds the GIL for it.
    cursor = conn.connection.cursor()
    try:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            flat = tuple(value for row in chunk for value in row)
            cursor.execute(head + ", ".join([one] * len(chunk)), flat)
    finally:
        cursor.close()


def row_exists(conn: Connection, table: str, where: Mapping[str, Any]) -> bool:
    """Whether ``table`` has a row whose columns equal ``where``: a check a write job makes
    before writing (a SendMessage's queue), at a tenth of a Core ``select``'s cost."""
    marker = _MARKERS[conn.dialect.paramstyle]
    condition = " AND ".join(f"{column} = {marker}" for column in where)
    cursor = conn.connection.cursor()
    try:
        cursor.execute(f"SELECT 1 FROM {table} WHERE {condition} LIMIT 1", tuple(where.values()))
        return cursor.fetchone() is not None
    finally:
        cursor.close()


def execute_on_driver(conn: Connection, statement: str) -> None:
    """Run ``statement`` (no parameters, no result) on the DB-API connection itself."""
    cursor = conn.connection.cursor()
    try:
        cursor.execute(statement)
    finally:
        cursor.close()
