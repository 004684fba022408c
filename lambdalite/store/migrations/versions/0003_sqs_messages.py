"""Create the tables of SQS messages and FIFO deduplication ids.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_SCOPE = ("account", "region", "queue")


def upgrade() -> None:
    op.create_table(
        "sqs_messages",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("account", sa.String(12), nullable=False),
        sa.Column("region", sa.String(32), nullable=False),
        sa.Column("queue", sa.String(80), nullable=False),
        sa.Column("message_id", sa.String(36), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("attributes", sa.Text(), nullable=False),
        sa.Column("sent_at", sa.BigInteger(), nullable=False),
        sa.Column("visible_at", sa.BigInteger(), nullable=False),
        sa.Column("receive_count", sa.Integer(), nullable=False),
        sa.Column("first_received_at", sa.BigInteger(), nullable=True),
        sa.Column("group_id", sa.String(128), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_sqs_messages"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_sqs_messages_visible", "sqs_messages", [*_SCOPE, "visible_at", "id"])
    op.create_index("ix_sqs_messages_group", "sqs_messages", [*_SCOPE, "group_id", "id"])
    op.create_table(
        "sqs_deduplication",
        sa.Column("account", sa.String(12), nullable=False),
        sa.Column("region", sa.String(32), nullable=False),
        sa.Column("queue", sa.String(80), nullable=False),
        sa.Column("dedup_key", sa.String(260), nullable=False),
        sa.Column("message_id", sa.String(36), nullable=False),
        sa.Column("sequence_number", sa.String(20), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(*_SCOPE, "dedup_key", name="pk_sqs_deduplication"),
    )


def downgrade() -> None:
    op.drop_table("sqs_deduplication")
    op.drop_index("ix_sqs_messages_group", table_name="sqs_messages")
    op.drop_index("ix_sqs_messages_visible", table_name="sqs_messages")
    op.drop_table("sqs_messages")
