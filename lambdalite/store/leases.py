"""Rows worked through leases: the durable work queues (async invocations, SNS deliveries).

A row is due once ``due_at`` has passed. Taking it leases it: ``state`` becomes ``running`` and
``due_at`` the lease's end, so a lease that runs out (its server died mid-work) makes the row due
again: work is done at least once. On PostgreSQL, ``FOR UPDATE SKIP LOCKED`` lets several
servers take rows at once without waiting for one another; SQLite has one writer anyway.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, text


class LeasedRows:
    """The lease statements of ``table`` (with ``id``, ``state`` and ``due_at`` columns).

    ``columns`` are what a taken row holds; ``pending`` is an SQL condition that keeps rows out
    of the queue (e.g. failed ones kept for listing), if any.
    """

    def __init__(self, table: str, columns: str, pending: str | None = None) -> None:
        pending_and = f"{pending} AND " if pending else ""
        due = (
            f"SELECT {columns} FROM {table} WHERE {pending_and}due_at <= :now"
            " ORDER BY due_at, id LIMIT :limit"
        )
        self._due = {False: text(due), True: text(due + " FOR UPDATE SKIP LOCKED")}
        self._lease = text(f"UPDATE {table} SET state = 'running', due_at = :until WHERE id = :id")
        waiting = f" WHERE {pending}" if pending else ""
        self._next_due = text(f"SELECT MIN(due_at) FROM {table}{waiting}")
        self._release = text(
            f"UPDATE {table} SET state = 'queued', due_at = :now WHERE state = 'running'"
        )
        self._delete = text(f"DELETE FROM {table} WHERE id = :id")

    def take_due(self, conn: Connection, now: int, limit: int, lease_ms: int) -> Sequence[Any]:
        """Lease up to ``limit`` due rows to this server until ``now + lease_ms``."""
        statement = self._due[conn.dialect.name == "postgresql"]
        rows = list(conn.execute(statement, {"now": now, "limit": limit}))
        for row in rows:
            conn.execute(self._lease, {"id": row.id, "until": now + lease_ms})
        return rows

    def next_due(self, conn: Connection) -> int | None:
        value = conn.execute(self._next_due).scalar()
        return None if value is None else int(value)

    def release_running(self, conn: Connection, now: int) -> None:
        """Make every leased row due now: at start, when no other server can be holding one."""
        conn.execute(self._release, {"now": now})

    def delete(self, conn: Connection, row_id: int) -> None:
        conn.execute(self._delete, {"id": row_id})
