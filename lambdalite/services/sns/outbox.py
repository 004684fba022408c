"""The durable outbox of SNS deliveries: the ``sns_deliveries`` table.

A delivery is ``queued`` from the publish (or subscribe) that made it, ``running`` while leased
to a deliverer, and deleted once delivered or dead-lettered. A lease that runs out (the server
died mid-delivery) makes it due again: delivery is at least once, as AWS's. Functions here run
inside store jobs; times are epoch milliseconds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, insert, text

from lambdalite.store.leases import LeasedRows
from lambdalite.store.schema import sns_deliveries

_COLUMNS = (
    "id, account, region, subscription, kind, protocol, endpoint, payload, dead_letter, policy,"
    " attempts, created_at"
)
_LEASED = LeasedRows("sns_deliveries", _COLUMNS)
_RETRY = text(
    "UPDATE sns_deliveries SET state = 'queued', due_at = :due_at, attempts = :attempts"
    " WHERE id = :id"
)


@dataclass(frozen=True, slots=True)
class Delivery:
    """One message for one endpoint, and how it is retried.

    ``payload`` is what is sent (JSON-safe): for HTTP/S ``{"headers", "body"}``, for SQS and
    Lambda the request to their operation. ``dead_letter`` is what a dead-letter queue gets
    once retries are exhausted (notifications only). ``policy`` is the retry policy.
    """

    account: str
    region: str
    subscription: str  # the subscription's record key
    kind: str
    protocol: str
    endpoint: str
    payload: dict[str, Any]
    dead_letter: dict[str, Any] | None
    policy: dict[str, Any]
    attempts: int = 0
    created_at: int = 0
    id: int = 0


def insert_in(conn: Connection, deliveries: list[Delivery], now: int) -> None:
    """Queue ``deliveries``, due now."""
    if deliveries:
        conn.execute(insert(sns_deliveries), [_row(d, now) for d in deliveries])


def _row(delivery: Delivery, now: int) -> dict[str, Any]:
    return {
        "account": delivery.account,
        "region": delivery.region,
        "subscription": delivery.subscription,
        "kind": delivery.kind,
        "protocol": delivery.protocol,
        "endpoint": delivery.endpoint,
        "payload": _dump(delivery.payload),
        "dead_letter": None if delivery.dead_letter is None else _dump(delivery.dead_letter),
        "policy": _dump(delivery.policy),
        "attempts": delivery.attempts,
        "due_at": now,
        "created_at": now,
        "state": "queued",
    }


def take_due(conn: Connection, now: int, limit: int, lease_ms: int) -> list[Delivery]:
    """Lease up to ``limit`` due deliveries to this deliverer until ``now + lease_ms``."""
    return [_delivery(row) for row in _LEASED.take_due(conn, now, limit, lease_ms)]


def next_due(conn: Connection) -> int | None:
    return _LEASED.next_due(conn)


def retry_in(conn: Connection, delivery: Delivery, due_at: int, attempts: int) -> None:
    conn.execute(_RETRY, {"id": delivery.id, "due_at": due_at, "attempts": attempts})


def delete_in(conn: Connection, delivery: Delivery) -> None:
    _LEASED.delete(conn, delivery.id)


def release_running(conn: Connection, now: int) -> None:
    """Make every leased delivery due now: at start, when no deliverer can be holding one."""
    _LEASED.release_running(conn, now)


def _dump(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _delivery(row: Any) -> Delivery:
    return Delivery(
        account=row.account,
        region=row.region,
        subscription=row.subscription,
        kind=row.kind,
        protocol=row.protocol,
        endpoint=row.endpoint,
        payload=json.loads(row.payload),
        dead_letter=None if row.dead_letter is None else json.loads(row.dead_letter),
        policy=json.loads(row.policy),
        attempts=int(row.attempts),
        created_at=int(row.created_at),
        id=int(row.id),
    )
