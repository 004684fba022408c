"""The durable queue of asynchronous invocations: the ``lambda_async_events`` table.

An event is ``queued`` from its 202 on, ``running`` while leased to an invoker, ``retrying``
between attempts and ``failed`` once it failed for good (kept for ``lambdalite events``). A
lease that runs out (the server died mid-invocation) makes the event due again: delivery is at
least once, as AWS's. Functions here run inside store jobs; times are epoch milliseconds.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

from lambdalite.store.leases import LeasedRows

QUEUED, RUNNING, RETRYING, FAILED = "queued", "running", "retrying", "failed"
PENDING = (QUEUED, RUNNING, RETRYING)

_COLUMNS = (
    "id, account, region, function, qualifier, request_id, payload, trace_id, enqueued_at,"
    " attempts, throttles, state, failure"
)
_INSERT = text(
    "INSERT INTO lambda_async_events (account, region, function, qualifier, request_id,"
    " payload, trace_id, enqueued_at, due_at, attempts, throttles, state, failure) VALUES"
    " (:account, :region, :function, :qualifier, :request_id, :payload, :trace_id, :now, :now,"
    " 0, 0, 'queued', NULL) RETURNING id"
)
_LEASED = LeasedRows("lambda_async_events", _COLUMNS, "state IN ('queued', 'retrying', 'running')")
_RESCHEDULE = text(
    "UPDATE lambda_async_events SET state = :state, due_at = :due_at, attempts = :attempts,"
    " throttles = :throttles, failure = :failure WHERE id = :id"
)
_COUNTS = text(
    "SELECT account, region, function, state, COUNT(*) FROM lambda_async_events"
    " GROUP BY account, region, function, state"
)
_FAILED = text(f"SELECT {_COLUMNS} FROM lambda_async_events WHERE state = 'failed' ORDER BY id")
_REDRIVE = text(
    "UPDATE lambda_async_events SET state = 'queued', due_at = :now, enqueued_at = :now,"
    " attempts = 0, throttles = 0, failure = NULL WHERE id = :id AND state = 'failed'"
)
_FORGET_FAILED = text(
    "DELETE FROM lambda_async_events WHERE state = 'failed' AND due_at <= :cutoff"
)


@dataclass(frozen=True, slots=True)
class AsyncEvent:
    """One asynchronous invocation and how far it got."""

    id: int
    account: str
    region: str
    function: str
    qualifier: str
    request_id: str
    payload: str
    trace_id: str
    enqueued_at: int
    attempts: int  # invocations made: the record's approximateInvokeCount
    throttles: int  # throttled attempts since the last invocation (for the backoff)
    state: str
    failure: dict[str, Any] | None  # why it failed for good (or, while retrying, last time)


def insert(conn: Connection, event: dict[str, str], now: int) -> int:
    """Queue ``event`` (account, region, function, qualifier, request_id, payload, trace_id)."""
    return int(conn.execute(_INSERT, {**event, "now": now}).scalar_one())


def take_due(conn: Connection, now: int, limit: int, lease_ms: int) -> list[AsyncEvent]:
    """Lease up to ``limit`` due events to this invoker until ``now + lease_ms``."""
    return [_event(row) for row in _LEASED.take_due(conn, now, limit, lease_ms)]


def next_due(conn: Connection) -> int | None:
    return _LEASED.next_due(conn)


def reschedule(
    conn: Connection,
    event: AsyncEvent,
    due_at: int,
    *,
    attempts: int,
    throttles: int,
    failure: dict[str, Any] | None,
) -> None:
    """Another attempt at ``due_at``."""
    conn.execute(
        _RESCHEDULE,
        _changes(
            event,
            state=RETRYING,
            due_at=due_at,
            attempts=attempts,
            throttles=throttles,
            failure=failure,
        ),
    )


def fail(
    conn: Connection, event: AsyncEvent, now: int, attempts: int, failure: dict[str, Any]
) -> None:
    """The event failed for good (its destinations were told): kept for listing, redriving."""
    conn.execute(
        _RESCHEDULE,
        _changes(
            event,
            state=FAILED,
            due_at=now,
            attempts=attempts,
            throttles=event.throttles,
            failure=failure,
        ),
    )


def delete(conn: Connection, event: AsyncEvent) -> None:
    _LEASED.delete(conn, event.id)


def release_running(conn: Connection, now: int) -> None:
    """Make every leased event due now: at start, when no other server can be running them."""
    _LEASED.release_running(conn, now)


def counts(conn: Connection) -> list[tuple[str, str, str, str, int]]:
    """(account, region, function, state, how many) for every function with events."""
    return [(r[0], r[1], r[2], r[3], int(r[4])) for r in conn.execute(_COUNTS)]


def failed(conn: Connection) -> list[AsyncEvent]:
    return [_event(row) for row in conn.execute(_FAILED)]


def redrive(conn: Connection, ids: Sequence[int], now: int) -> int:
    """Queue failed events again, as new; how many were failed."""
    return sum(conn.execute(_REDRIVE, {"id": i, "now": now}).rowcount for i in ids)


def forget_failed(conn: Connection, cutoff: int) -> None:
    conn.execute(_FORGET_FAILED, {"cutoff": cutoff})


def _changes(
    event: AsyncEvent,
    *,
    state: str,
    due_at: int,
    attempts: int,
    throttles: int,
    failure: dict[str, Any] | None,
) -> dict[str, Any]:
    return {
        "id": event.id,
        "state": state,
        "due_at": due_at,
        "attempts": attempts,
        "throttles": throttles,
        "failure": None if failure is None else json.dumps(failure, separators=(",", ":")),
    }


def _event(row: Any) -> AsyncEvent:
    return AsyncEvent(
        id=int(row.id),
        account=row.account,
        region=row.region,
        function=row.function,
        qualifier=row.qualifier,
        request_id=row.request_id,
        payload=row.payload,
        trace_id=row.trace_id,
        enqueued_at=int(row.enqueued_at),
        attempts=int(row.attempts),
        throttles=int(row.throttles),
        state=row.state,
        failure=None if row.failure is None else json.loads(row.failure),
    )
