"""Alembic migrations of the store schema (a package so that wheels ship them)."""
