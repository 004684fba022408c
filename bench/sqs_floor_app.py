"""The SQS floors: a bare ASGI app (same uvicorn: uvloop + httptools) that answers
SendMessageBatch in SQS's json protocol and does nothing else: no signature, no queue, no
validation, no attributes, no logs. Each entry gets a UUID4 message id and the MD5 of its body.

Two stores, chosen by SQS_FLOOR_STORE:

- ``memory``: the messages are appended to a list. A server that keeps messages in memory
  (MiniStack) pays at least this per batch.
- ``sqlite``: durable as lambdalite's default store: one SQLite file (SQS_FLOOR_DB) in WAL
  mode with synchronous=NORMAL and lambdalite's ``sqs_messages`` table and indexes. One writer
  thread takes every batch queued meanwhile, inserts them in one transaction and commits (group
  commit); each request is answered only after the commit that holds its rows. This is the
  cheapest honest durable design in Python; a durable server pays at least this per batch.

Their throughput against a server's shows how much of what any Python server could reach on
this machine that server keeps.

    SQS_FLOOR_STORE=sqlite SQS_FLOOR_DB=/tmp/floor.db \\
        uvicorn bench.sqs_floor_app:app --loop uvloop --http httptools
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import queue
import sqlite3
import threading
import time
import uuid
from typing import Any

ACCOUNT = "000000000000"
REGION = "us-east-1"
TARGET = b"AmazonSQS.SendMessageBatch"

SCHEMA = """
CREATE TABLE IF NOT EXISTS sqs_messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account VARCHAR(12) NOT NULL,
    region VARCHAR(32) NOT NULL,
    queue VARCHAR(80) NOT NULL,
    message_id VARCHAR(36) NOT NULL,
    body TEXT NOT NULL,
    attributes TEXT NOT NULL,
    sent_at BIGINT NOT NULL,
    visible_at BIGINT NOT NULL,
    receive_count INTEGER NOT NULL,
    first_received_at BIGINT,
    group_id VARCHAR(128)
);
CREATE INDEX IF NOT EXISTS ix_sqs_messages_visible
    ON sqs_messages (account, region, queue, visible_at, id);
CREATE INDEX IF NOT EXISTS ix_sqs_messages_group
    ON sqs_messages (account, region, queue, group_id, id);
"""
INSERT = (
    "INSERT INTO sqs_messages (account, region, queue, message_id, body, attributes, sent_at,"
    " visible_at, receive_count, first_received_at, group_id)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, NULL, NULL)"
)

Row = tuple[str, str, str, str, str, str, int, int]
Pending = tuple[list[Row], asyncio.Future[None]]


class Writer:
    """The one thread that writes: group commit of every batch queued since its last commit."""

    def __init__(self, path: str) -> None:
        self.pending: queue.SimpleQueue[Pending] = queue.SimpleQueue()
        threading.Thread(target=self.run, args=(path,), daemon=True).start()

    async def write(self, rows: list[Row]) -> None:
        future = asyncio.get_running_loop().create_future()
        self.pending.put((rows, future))
        await future

    def run(self, path: str) -> None:
        connection = sqlite3.connect(path, isolation_level=None)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        connection.executescript(SCHEMA)
        while True:
            group = self.take()
            error: Exception | None = None
            try:
                connection.execute("BEGIN")
                connection.executemany(INSERT, [row for rows, _ in group for row in rows])
                connection.execute("COMMIT")
            except sqlite3.Error as failure:
                connection.rollback()
                error = failure
            futures = [future for _, future in group]
            # One wake-up of the event loop for the whole group (there is one loop).
            futures[0].get_loop().call_soon_threadsafe(_resolve, futures, error)

    def take(self) -> list[Pending]:
        group = [self.pending.get()]
        while True:
            try:
                group.append(self.pending.get_nowait())
            except queue.Empty:
                return group


def _resolve(futures: list[asyncio.Future[None]], error: Exception | None) -> None:
    for future in futures:
        if future.done():  # its client went away
            continue
        if error is None:
            future.set_result(None)
        else:
            future.set_exception(error)


_STORE = os.environ.get("SQS_FLOOR_STORE", "memory")
_memory: list[Row] = []
_writer = Writer(os.environ["SQS_FLOOR_DB"]) if _STORE == "sqlite" else None


async def send_batch(request: dict[str, Any]) -> bytes:
    queue_name = request["QueueUrl"].rsplit("/", 1)[-1]
    now = int(time.time() * 1000)
    attributes = json.dumps({"SentTimestamp": now})
    successful = []
    rows: list[Row] = []
    for entry in request["Entries"]:
        body = entry["MessageBody"]
        message_id = str(uuid.uuid4())
        md5 = hashlib.md5(body.encode()).hexdigest()
        successful.append({"Id": entry["Id"], "MessageId": message_id, "MD5OfMessageBody": md5})
        rows.append((ACCOUNT, REGION, queue_name, message_id, body, attributes, now, now))
    if _writer is None:
        _memory.extend(rows)
    else:
        await _writer.write(rows)
    return json.dumps({"Successful": successful, "Failed": []}).encode()


async def read_body(receive: Any) -> bytes:
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            return body


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    body = await read_body(receive)
    if dict(scope["headers"]).get(b"x-amz-target") == TARGET:
        status, result = 200, await send_batch(json.loads(body))
    else:
        status, result = 400, b'{"__type":"UnsupportedOperation"}'
    headers = [
        (b"content-type", b"application/x-amz-json-1.0"),
        (b"content-length", str(len(result)).encode()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": result})
