"""Log events in the store: written in the background (never on an invocation's response
path), read back by the Logs API and the CLI.

Events are gathered for up to FLUSH_SECONDS and written in one store write: one write per
invocation kept the store's writer thread (and the GIL) busy enough to double a warm
invoke's latency. CloudWatch, too, shows a function's logs with a delay; a read here first
writes what is gathered, so this process always reads what it wrote."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from dataclasses import dataclass

from sqlalchemy import Connection, select

from lambdalite.store import Store
from lambdalite.store.driver import insert_rows
from lambdalite.store.schema import log_events

log = logging.getLogger(__name__)

FLUSH_SECONDS = 0.1
FLUSH_ROWS = 10_000  # written at once when this many wait: memory stays bounded

# One event per line, as CloudWatch receives Lambda's output; "\r" keeps a multi-line record
# (a traceback) in one event, as AWS's runtimes intend.
_LINES = re.compile(rb"[^\n]*\n|[^\n]+$")


# (account, region, log_group, log_stream, timestamp, ingestion_time, message)
Row = tuple[str, str, str, str, int, int, str]
_COLUMNS = (
    "account",
    "region",
    "log_group",
    "log_stream",
    "timestamp",
    "ingestion_time",
    "message",
)


@dataclass(frozen=True)
class LogEvent:
    timestamp: int  # epoch ms
    message: str


class LogEvents:
    """Appends and reads log events of (account, region, group, stream)."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._rows: list[Row] = []
        self._timer: asyncio.TimerHandle | None = None
        self._pending: set[asyncio.Task[None]] = set()

    def write(self, account: str, region: str, group: str, stream: str, text: bytes) -> None:
        """Queue ``text`` (one event per line) for the store; returns at once."""
        now = int(time.time() * 1000)
        self._rows.extend(
            (account, region, group, stream, now, now, line.decode("utf-8", "replace").rstrip("\n"))
            for line in _LINES.findall(text)
        )
        if len(self._rows) >= FLUSH_ROWS:
            self._write_gathered()
        elif self._rows and self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(FLUSH_SECONDS, self._write_gathered)

    async def flush(self) -> None:
        """Write everything gathered and wait until it is stored."""
        self._write_gathered()
        await asyncio.gather(*self._pending, return_exceptions=True)

    def _write_gathered(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        rows, self._rows = self._rows, []
        if rows:
            task = asyncio.get_running_loop().create_task(self._insert(rows))
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)

    async def _insert(self, rows: list[Row]) -> None:
        try:
            await self._store.write(lambda conn: insert_rows(conn, "log_events", _COLUMNS, rows))
        except Exception:
            log.exception("could not store %d log events", len(rows))

    async def read(
        self, account: str, region: str, group: str, stream: str | None = None
    ) -> list[LogEvent]:
        await self.flush()

        def job(conn: Connection) -> list[LogEvent]:
            query = select(log_events.c.timestamp, log_events.c.message).where(
                log_events.c.account == account,
                log_events.c.region == region,
                log_events.c.log_group == group,
            )
            if stream is not None:
                query = query.where(log_events.c.log_stream == stream)
            return [LogEvent(t, m) for t, m in conn.execute(query.order_by(log_events.c.id))]

        return await self._store.read(job)
