"""Event invoke configs: how asynchronous invocations retry and where their results go."""

from __future__ import annotations

from lambdalite.services.lambda_.base import LambdaBase


class EventInvokeConfigOperations(LambdaBase):
    """Operations not written yet answer the loud 501 NotImplemented error."""
