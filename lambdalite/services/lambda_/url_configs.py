"""Function URL configs."""

from __future__ import annotations

from lambdalite.services.lambda_.base import LambdaBase


class UrlConfigOperations(LambdaBase):
    """Operations not written yet answer the loud 501 NotImplemented error."""
