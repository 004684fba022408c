"""Event source mapping records (the SQS issue runs them)."""

from __future__ import annotations

from lambdalite.services.lambda_.base import LambdaBase


class EventSourceMappingOperations(LambdaBase):
    """Operations not written yet answer the loud 501 NotImplemented error."""
