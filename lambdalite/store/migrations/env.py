"""Alembic environment: runs on the connection that `lambdalite.store.migrate` hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    # Offline SQL generation and alembic.ini-driven runs are not supported on purpose:
    # the store migrates itself at open.
    raise RuntimeError("run migrations through lambdalite.store.migrate.upgrade(engine)")

context.configure(connection=connection, target_metadata=None)
with context.begin_transaction():
    context.run_migrations()
