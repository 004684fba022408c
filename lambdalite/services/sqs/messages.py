"""The messages of every queue, in the store's ``sqs_messages`` table.

Every function here runs inside a store write job (one transaction): a receive selects and
hides its messages atomically, so two receivers never get the same message while it is in
flight. On PostgreSQL, ``FOR UPDATE SKIP LOCKED`` lets several servers receive from one queue
at once (DESIGN.md §5).

Times are epoch milliseconds. A message is *visible* when ``visible_at <= now``; a hidden
message is *in flight* once received (``receive_count > 0``), else *delayed*. Receipt handles
name a message's row and how many times it had been received (a FIFO queue honours only the
latest).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

from lambdalite.services.sqs.queues import QueueName
from lambdalite.store.driver import insert_rows

FIFO_DEDUPLICATION_MS = 5 * 60 * 1000  # AWS's deduplication interval
_SEQUENCE_BASE = 10**19  # FIFO sequence numbers: 20 digits, growing, as AWS's look

_WHERE_QUEUE = "account = :account AND region = :region AND queue = :queue"
_COLUMNS = "id, message_id, body, attributes, sent_at, receive_count, first_received_at, group_id"
_ROW_COLUMNS = (
    "account",
    "region",
    "queue",
    "message_id",
    "body",
    "attributes",
    "sent_at",
    "visible_at",
    "receive_count",
    "first_received_at",
    "group_id",
)
_INSERT = text(
    f"INSERT INTO sqs_messages ({', '.join(_ROW_COLUMNS)}) VALUES"
    f" ({', '.join(':' + c for c in _ROW_COLUMNS)}) RETURNING id"
)

_STANDARD_CANDIDATES = (
    f"SELECT {_COLUMNS} FROM sqs_messages WHERE {_WHERE_QUEUE} AND visible_at <= :now"
    " ORDER BY visible_at, id LIMIT :limit"
)
# The first visible messages whose group has no earlier message hidden (in flight or
# delayed): a group is blocked while any message of it is in flight, and stays in order.
_FIFO_CANDIDATES = (
    f"SELECT {_COLUMNS} FROM sqs_messages m WHERE {_WHERE_QUEUE} AND visible_at <= :now"
    " AND NOT EXISTS (SELECT 1 FROM sqs_messages o WHERE o.account = m.account"
    " AND o.region = m.region AND o.queue = m.queue AND o.group_id = m.group_id"
    " AND o.id < m.id AND o.visible_at > :now) ORDER BY id LIMIT :limit"
)
# (FIFO?, PostgreSQL?) -> statement. SKIP LOCKED: receivers in other servers pass over the
# rows one of them is taking instead of queueing behind its lock.
_CANDIDATES = {
    (fifo, postgres): text(sql + (" FOR UPDATE SKIP LOCKED" if postgres else ""))
    for fifo, sql in ((False, _STANDARD_CANDIDATES), (True, _FIFO_CANDIDATES))
    for postgres in (False, True)
}
_HIDE = text(
    "UPDATE sqs_messages SET visible_at = :visible_at, receive_count = receive_count + 1,"
    " first_received_at = COALESCE(first_received_at, :now) WHERE id = :id"
)
_DELETE_ROW = text("DELETE FROM sqs_messages WHERE id = :id")
_CURRENT = text(
    f"SELECT receive_count, visible_at FROM sqs_messages WHERE id = :id AND {_WHERE_QUEUE}"
)
_DELETE_IN_QUEUE = text(f"DELETE FROM sqs_messages WHERE id = :id AND {_WHERE_QUEUE}")
_LAST_ID = text(f"SELECT MAX(id) FROM sqs_messages WHERE {_WHERE_QUEUE}")
_SET_VISIBLE_AT = text("UPDATE sqs_messages SET visible_at = :visible_at WHERE id = :id")
_COUNTS = text(
    "SELECT COALESCE(SUM(CASE WHEN visible_at <= :now THEN 1 ELSE 0 END), 0),"
    " COALESCE(SUM(CASE WHEN visible_at > :now AND receive_count > 0 THEN 1 ELSE 0 END), 0),"
    " COALESCE(SUM(CASE WHEN visible_at > :now AND receive_count = 0 THEN 1 ELSE 0 END), 0)"
    f" FROM sqs_messages WHERE {_WHERE_QUEUE}"
)
_NEXT_VISIBLE = text(
    f"SELECT MIN(visible_at) FROM sqs_messages WHERE {_WHERE_QUEUE} AND visible_at > :now"
)
_EXPIRE = text(f"DELETE FROM sqs_messages WHERE {_WHERE_QUEUE} AND sent_at <= :cutoff")
_PURGE = text(f"DELETE FROM sqs_messages WHERE {_WHERE_QUEUE}")
_PURGE_DEDUPLICATION = text(f"DELETE FROM sqs_deduplication WHERE {_WHERE_QUEUE}")
_FIND_DUPLICATE = text(
    "SELECT message_id, sequence_number, expires_at FROM sqs_deduplication"
    f" WHERE {_WHERE_QUEUE} AND dedup_key = :dedup_key"
)
_FORGET_DUPLICATE = text(
    f"DELETE FROM sqs_deduplication WHERE {_WHERE_QUEUE} AND dedup_key = :dedup_key"
)
_REMEMBER_DUPLICATE = text(
    "INSERT INTO sqs_deduplication (account, region, queue, dedup_key, message_id,"
    " sequence_number, expires_at) VALUES (:account, :region, :queue, :dedup_key, :message_id,"
    " :sequence_number, :expires_at)"
)
_EXPIRED_DEDUPLICATION = text("DELETE FROM sqs_deduplication WHERE expires_at <= :now")
_VISIBLE_PAGE = text(
    f"SELECT {_COLUMNS} FROM sqs_messages WHERE {_WHERE_QUEUE} AND visible_at <= :now"
    " AND id <= :up_to ORDER BY id LIMIT :limit"
)


@dataclass(frozen=True, slots=True)
class NewMessage:
    """A message as sent, validated; ``attributes`` holds what is answered on receive besides
    the body (message attributes, system attributes, digests, sender, deduplication id)."""

    message_id: str
    body: str
    attributes: dict[str, Any]
    delay_ms: int = 0
    group_id: str | None = None
    dedup_key: str | None = None


@dataclass(frozen=True, slots=True)
class Sent:
    message_id: str
    sequence_number: str | None


@dataclass(frozen=True, slots=True)
class Message:
    """A stored message; ``receive_count`` is as of the moment it was read."""

    row_id: int
    message_id: str
    body: str
    attributes: dict[str, Any]
    sent_at: int
    receive_count: int
    first_received_at: int | None
    group_id: str | None

    @property
    def sequence_number(self) -> str:
        return sequence_number(self.row_id)

    def receipt_handle(self, queue: QueueName) -> str:
        """The handle of this message as received now (``receive_count`` already counts it)."""
        raw = f"{queue.arn} {self.row_id} {self.receive_count}"
        return base64.urlsafe_b64encode(raw.encode()).decode()


def sequence_number(row_id: int) -> str:
    return str(_SEQUENCE_BASE + row_id)


def parse_receipt_handle(handle: str, queue: QueueName) -> tuple[int, int] | None:
    """(row id, receive count) of a handle this queue gave out; None for anything else."""
    try:
        arn, row_id, count = base64.urlsafe_b64decode(handle.encode()).decode().split(" ")
        parsed = int(row_id), int(count)
    except (ValueError, binascii.Error, UnicodeError):
        return None
    return parsed if arn == queue.arn else None


# --- sending ----------------------------------------------------------------------------------


def insert(
    conn: Connection, queue: QueueName, messages: Sequence[NewMessage], now: int
) -> list[Sent]:
    """Store ``messages``; a FIFO duplicate within five minutes is answered, not stored."""
    if queue.fifo:  # sequence numbers and deduplication: one message at a time
        return [_insert_one(conn, queue, message, now) for message in messages]
    # No row ids needed back: one multi-row statement (ten through SQLAlchemy cost 4x more).
    insert_rows(conn, "sqs_messages", _ROW_COLUMNS, [_row(queue, m, now) for m in messages])
    return [Sent(message.message_id, None) for message in messages]


def _insert_one(conn: Connection, queue: QueueName, message: NewMessage, now: int) -> Sent:
    where = _where(queue)
    if message.dedup_key is not None:
        known = conn.execute(_FIND_DUPLICATE, {**where, "dedup_key": message.dedup_key}).first()
        if known is not None and known.expires_at > now:
            return Sent(known.message_id, known.sequence_number)
        if known is not None:
            conn.execute(_FORGET_DUPLICATE, {**where, "dedup_key": message.dedup_key})
    row_id = _insert_row(conn, queue, message, now)
    sent = Sent(message.message_id, sequence_number(row_id) if queue.fifo else None)
    if message.dedup_key is not None:
        remember = {"dedup_key": message.dedup_key, "message_id": message.message_id}
        expires = now + FIFO_DEDUPLICATION_MS
        conn.execute(
            _REMEMBER_DUPLICATE,
            {**where, **remember, "sequence_number": sent.sequence_number, "expires_at": expires},
        )
    return sent


def _insert_row(conn: Connection, queue: QueueName, message: NewMessage, now: int) -> int:
    row = dict(zip(_ROW_COLUMNS, _row(queue, message, now), strict=True))
    return int(conn.execute(_INSERT, row).scalar_one())


#: One encoder for every row: ``json.dumps`` with separators builds a new one on each call.
_compact_json = json.JSONEncoder(separators=(",", ":")).encode


def _row(queue: QueueName, message: NewMessage, now: int) -> tuple[Any, ...]:
    """The values of ``_ROW_COLUMNS`` for ``message``."""
    return (
        queue.account,
        queue.region,
        queue.name,
        message.message_id,
        message.body,
        _compact_json(message.attributes),
        message.attributes.get("SentTimestamp", now),
        now + message.delay_ms,
        0,
        None,
        message.group_id,
    )


# --- receiving --------------------------------------------------------------------------------


def candidates(conn: Connection, queue: QueueName, limit: int, now: int) -> list[Message]:
    """The messages a receive would take, in order (not yet hidden)."""
    statement = _CANDIDATES[queue.fifo, conn.dialect.name == "postgresql"]
    rows = conn.execute(statement, {**_where(queue), "now": now, "limit": limit})
    return [_message(row) for row in rows]


def hide(conn: Connection, message: Message, visible_at: int, now: int) -> Message:
    """Receive ``message``: hidden until ``visible_at``, counted, first receive noted."""
    conn.execute(_HIDE, {"id": message.row_id, "visible_at": visible_at, "now": now})
    first = message.first_received_at if message.first_received_at is not None else now
    return Message(
        message.row_id,
        message.message_id,
        message.body,
        message.attributes,
        message.sent_at,
        message.receive_count + 1,
        first,
        message.group_id,
    )


def remove(conn: Connection, message: Message) -> None:
    conn.execute(_DELETE_ROW, {"id": message.row_id})


def move(
    conn: Connection, message: Message, to: QueueName, extra: dict[str, Any], now: int
) -> None:
    """Move ``message`` to queue ``to`` (a dead-letter queue, or back from one): same id,
    body and sent time; visible at once and never received there yet."""
    remove(conn, message)
    attributes = {**message.attributes, **extra, "SentTimestamp": message.sent_at}
    new = NewMessage(message.message_id, message.body, attributes, 0, message.group_id)
    _insert_row(conn, to, new, now)


# --- by receipt handle ------------------------------------------------------------------------


def current(conn: Connection, queue: QueueName, row_id: int) -> tuple[int, int] | None:
    """(receive count, visible_at) of the message at ``row_id`` in ``queue``, if it exists."""
    row = conn.execute(_CURRENT, {**_where(queue), "id": row_id}).first()
    return None if row is None else (int(row[0]), int(row[1]))


def delete(conn: Connection, queue: QueueName, row_id: int) -> None:
    """Delete the message at ``row_id``, if it is still there. Any of its receipt handles
    will do: AWS deletes by an older handle too (moto pull 4655, verified against AWS)."""
    conn.execute(_DELETE_IN_QUEUE, {**_where(queue), "id": row_id})


def last_row_id(conn: Connection, queue: QueueName) -> int:
    """The newest message's row id (0 when the queue is empty): a move task's horizon."""
    value = conn.execute(_LAST_ID, _where(queue)).scalar()
    return 0 if value is None else int(value)


def set_visible_at(conn: Connection, row_id: int, visible_at: int) -> None:
    conn.execute(_SET_VISIBLE_AT, {"id": row_id, "visible_at": visible_at})


# --- the queue as a whole ---------------------------------------------------------------------


def counts(conn: Connection, queue: QueueName, now: int) -> tuple[int, int, int]:
    """(visible, in flight, delayed) messages."""
    row = conn.execute(_COUNTS, {**_where(queue), "now": now}).one()
    return int(row[0]), int(row[1]), int(row[2])


def next_visible_at(conn: Connection, queue: QueueName, now: int) -> int | None:
    """When the next hidden message becomes visible (a long poll waits until then)."""
    value = conn.execute(_NEXT_VISIBLE, {**_where(queue), "now": now}).scalar()
    return None if value is None else int(value)


def purge(conn: Connection, queue: QueueName) -> None:
    conn.execute(_PURGE, _where(queue))


def expire(conn: Connection, queue: QueueName, cutoff: int) -> None:
    """Delete the messages sent at or before ``cutoff`` (past the retention period)."""
    conn.execute(_EXPIRE, {**_where(queue), "cutoff": cutoff})


def drop(conn: Connection, queue: QueueName) -> None:
    """Everything of a deleted queue: its messages and its deduplication ids."""
    conn.execute(_PURGE, _where(queue))
    conn.execute(_PURGE_DEDUPLICATION, _where(queue))


def forget_expired_deduplication(conn: Connection, now: int) -> None:
    conn.execute(_EXPIRED_DEDUPLICATION, {"now": now})


def visible_page(
    conn: Connection, queue: QueueName, up_to: int, limit: int, now: int
) -> list[Message]:
    """Visible messages with row ids up to ``up_to``, oldest first (for moving messages)."""
    params = {**_where(queue), "up_to": up_to, "limit": limit, "now": now}
    return [_message(row) for row in conn.execute(_VISIBLE_PAGE, params)]


def _where(queue: QueueName) -> dict[str, str]:
    return {"account": queue.account, "region": queue.region, "queue": queue.name}


def _message(row: Any) -> Message:
    return Message(
        int(row.id),
        row.message_id,
        row.body,
        json.loads(row.attributes),
        int(row.sent_at),
        int(row.receive_count),
        None if row.first_received_at is None else int(row.first_received_at),
        row.group_id,
    )
