"""Reserved and provisioned concurrency."""

from __future__ import annotations

from lambdalite.services.lambda_.base import LambdaBase


class ConcurrencyOperations(LambdaBase):
    """Operations not written yet answer the loud 501 NotImplemented error."""
