"""The live table definitions that the store's queries are written against.

Migrations in `migrations/versions/` create and evolve these tables; they repeat the
definitions instead of importing this module, so old revisions never change meaning.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Float, Index, Integer, MetaData, String, Table, Text

# Same constraint names as the migrations create, so autogenerate diffs stay empty.
metadata = MetaData(naming_convention={"pk": "pk_%(table_name)s"})

# Keys sort by code point on every backend: SQLite's default BINARY collation already does;
# PostgreSQL needs "C", or a database created with a natural-language collation would
# reorder keys ("a-b" vs "ab") and break Marker-style pagination.
KEY_TYPE = String(1024).with_variant(String(1024, collation="C"), "postgresql")

resources = Table(
    "resources",
    metadata,
    Column("account", String(12), primary_key=True),
    Column("region", String(32), primary_key=True),
    Column("kind", String(64), primary_key=True),
    Column("key", KEY_TYPE, primary_key=True),
    Column("data", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
)

blobs = Table(
    "blobs",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("created_at", Float, nullable=False),
)

log_events = Table(
    "log_events",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("account", String(12), nullable=False),
    Column("region", String(32), nullable=False),
    Column("log_group", String(512), nullable=False),
    Column("log_stream", String(512), nullable=False),
    Column("timestamp", BigInteger, nullable=False),
    Column("ingestion_time", BigInteger, nullable=False),
    Column("message", Text, nullable=False),
    Index("ix_log_events_stream", "account", "region", "log_group", "log_stream", "timestamp"),
)

# One row per message of an SQS queue. Standard queues receive in (visible_at, id) order;
# FIFO queues in id order per message group (see services/sqs/messages.py).
sqs_messages = Table(
    "sqs_messages",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("account", String(12), nullable=False),
    Column("region", String(32), nullable=False),
    Column("queue", String(80), nullable=False),
    Column("message_id", String(36), nullable=False),
    Column("body", Text, nullable=False),
    Column("attributes", Text, nullable=False),
    Column("sent_at", BigInteger, nullable=False),
    Column("visible_at", BigInteger, nullable=False),
    Column("receive_count", Integer, nullable=False),
    Column("first_received_at", BigInteger, nullable=True),
    Column("group_id", String(128), nullable=True),
    Index("ix_sqs_messages_visible", "account", "region", "queue", "visible_at", "id"),
    Index("ix_sqs_messages_group", "account", "region", "queue", "group_id", "id"),
    # Never reuse the id of a deleted row: receipt handles and FIFO sequence numbers name it.
    sqlite_autoincrement=True,
)

# FIFO deduplication: a deduplication id seen in the last five minutes gets the first
# message's id and sequence number back, whether or not that message is still queued.
sqs_deduplication = Table(
    "sqs_deduplication",
    metadata,
    Column("account", String(12), primary_key=True),
    Column("region", String(32), primary_key=True),
    Column("queue", String(80), primary_key=True),
    Column("dedup_key", String(260), primary_key=True),
    Column("message_id", String(36), nullable=False),
    Column("sequence_number", String(20), nullable=False),
    Column("expires_at", BigInteger, nullable=False),
)

# Asynchronous invocations (InvocationType=Event and the services that invoke that way), from
# the 202 until they succeed or fail for good; failed ones stay for `lambdalite events`.
lambda_async_events = Table(
    "lambda_async_events",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("account", String(12), nullable=False),
    Column("region", String(32), nullable=False),
    Column("function", String(140), nullable=False),
    Column("qualifier", String(128), nullable=False),
    Column("request_id", String(36), nullable=False),
    Column("payload", Text, nullable=False),
    Column("trace_id", String(128), nullable=False),
    Column("enqueued_at", BigInteger, nullable=False),
    Column("due_at", BigInteger, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("throttles", Integer, nullable=False),
    Column("state", String(16), nullable=False),
    Column("failure", Text, nullable=True),
    Index("ix_lambda_async_events_due", "state", "due_at"),
    Index("ix_lambda_async_events_function", "account", "region", "function", "state"),
    sqlite_autoincrement=True,
)

# SNS deliveries that wait for their HTTP/S endpoint (and SQS/Lambda deliveries that failed once
# and are retried), from the publish that was acknowledged until delivered or dead-lettered.
sns_deliveries = Table(
    "sns_deliveries",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("account", String(12), nullable=False),
    Column("region", String(32), nullable=False),
    Column("subscription", String(1024), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("protocol", String(16), nullable=False),
    Column("endpoint", Text, nullable=False),
    Column("payload", Text, nullable=False),
    Column("dead_letter", Text, nullable=True),
    Column("policy", Text, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("due_at", BigInteger, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("state", String(16), nullable=False),
    Index("ix_sns_deliveries_due", "due_at"),
    sqlite_autoincrement=True,
)
