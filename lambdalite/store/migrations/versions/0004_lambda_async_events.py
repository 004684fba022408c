"""Create the table of asynchronous invocations.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lambda_async_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("account", sa.String(12), nullable=False),
        sa.Column("region", sa.String(32), nullable=False),
        sa.Column("function", sa.String(140), nullable=False),
        sa.Column("qualifier", sa.String(128), nullable=False),
        sa.Column("request_id", sa.String(36), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("trace_id", sa.String(128), nullable=False),
        sa.Column("enqueued_at", sa.BigInteger(), nullable=False),
        sa.Column("due_at", sa.BigInteger(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("throttles", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("failure", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_lambda_async_events"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_lambda_async_events_due", "lambda_async_events", ["state", "due_at"])
    op.create_index(
        "ix_lambda_async_events_function",
        "lambda_async_events",
        ["account", "region", "function", "state"],
    )


def downgrade() -> None:
    op.drop_index("ix_lambda_async_events_function", table_name="lambda_async_events")
    op.drop_index("ix_lambda_async_events_due", table_name="lambda_async_events")
    op.drop_table("lambda_async_events")
