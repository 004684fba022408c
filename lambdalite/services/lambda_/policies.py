"""Resource-based policies: AddPermission, RemovePermission, GetPolicy."""

from __future__ import annotations

from lambdalite.services.lambda_.base import LambdaBase


class PolicyOperations(LambdaBase):
    """Operations not written yet answer the loud 501 NotImplemented error."""
