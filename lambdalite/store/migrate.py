"""Apply the store's Alembic migrations programmatically (no alembic.ini at runtime)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, text

from lambdalite.store.engine import IMMEDIATE

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

# Arbitrary constant: serializes concurrent `upgrade` calls from several cluster nodes.
_PG_MIGRATION_LOCK = 0x6C616D62


def upgrade(engine: Engine) -> None:
    """Bring the database behind `engine` to the newest schema revision (idempotent)."""
    with engine.connect() as conn:
        # BEGIN IMMEDIATE on SQLite: two processes opening the same file migrate one at a time.
        conn.execution_options(**{IMMEDIATE: True})
        with conn.begin():
            _lock_for_migration(conn)
            command.upgrade(_config(conn), "head")


def _config(conn: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # env.py runs inside the caller's transaction on this connection.
    config.attributes["connection"] = conn
    return config


def _lock_for_migration(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        # Transaction-scoped: released by the commit that makes the migration visible.
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
