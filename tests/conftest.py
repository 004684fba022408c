"""Fixtures shared by every test package."""

from tests.support.postgres import postgres_server

# One PostgreSQL server per test process (each xdist worker), started only when a test asks.
__all__ = ["postgres_server"]
