"""Recently read records, for read paths too hot for a store round trip (Invoke).

A cached read never misses a write this process committed: every commit bumps the generation
of the records it wrote, and a read that raced a commit is not cached. Writes made by another
process sharing the database (cluster mode) show after at most ``ttl`` seconds, the same kind
of short window in which AWS itself may still run the previous configuration right after an
update ("Lambda function states", docs.aws.amazon.com/lambda/latest/dg/functions-states.html).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lambdalite.store.repository import Record

# (kind, account, region, key)
Address = tuple[str, str, str, str]

DEFAULT_TTL_SECONDS = 1.0
DEFAULT_SIZE = 4096


class RecordCache:
    """Records (or their absence) by address; shared by every repository of one store.

    Cached records are shared between readers: treat them as read-only.
    """

    def __init__(
        self,
        ttl: float = DEFAULT_TTL_SECONDS,
        size: int = DEFAULT_SIZE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl = ttl
        self._size = size
        self._clock = clock
        self._entries: dict[Address, tuple[float, Record | None]] = {}
        # Commits are counted; for an address being read, the count at its last write tells
        # whether a read that began earlier may hold an older version. Only addresses with a
        # read in flight are tracked, so this stays as small as the reads in flight.
        self._commits = 0
        self._reading: dict[Address, int] = {}
        self._written_at: dict[Address, int] = {}
        # The store's writer thread invalidates while the event loop looks up and fills.
        self._lock = threading.Lock()

    async def get(
        self, address: Address, read: Callable[[], Awaitable[Record | None]]
    ) -> Record | None:
        """The cached record at ``address``, else what ``read`` finds (then cached)."""
        entry = self._entries.get(address)
        if entry is not None and entry[0] >= self._clock():
            return entry[1]
        ticket = self._begin(address)
        try:
            record = await read()
        except BaseException:
            self._end(address, ticket, None, keep=False)
            raise
        self._end(address, ticket, record, keep=True)
        return record

    def invalidate(self, addresses: list[Address]) -> None:
        """Called after a commit that wrote ``addresses``."""
        with self._lock:
            self._commits += 1
            for address in addresses:
                self._entries.pop(address, None)
                if address in self._reading:
                    self._written_at[address] = self._commits

    def _begin(self, address: Address) -> int:
        with self._lock:
            self._reading[address] = self._reading.get(address, 0) + 1
            return self._commits

    def _end(self, address: Address, ticket: int, record: Record | None, *, keep: bool) -> None:
        with self._lock:
            written_at = self._written_at.get(address, -1)
            readers = self._reading.pop(address) - 1
            if readers:
                self._reading[address] = readers
            else:
                self._written_at.pop(address, None)
            if keep and written_at <= ticket:  # else a write committed while we read
                self._store(address, record)

    def _store(self, address: Address, record: Record | None) -> None:
        if address not in self._entries and len(self._entries) >= self._size:
            self._entries.pop(next(iter(self._entries)))  # the oldest entry
        self._entries[address] = (self._clock() + self._ttl, record)
