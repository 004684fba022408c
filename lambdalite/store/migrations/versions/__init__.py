"""Alembic revisions, applied in order by lambdalite.store.migrate."""
