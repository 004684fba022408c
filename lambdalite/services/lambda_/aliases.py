"""Aliases: Create/Get/Update/Delete/ListAliases with RoutingConfig."""

from __future__ import annotations

from lambdalite.services.lambda_.base import LambdaBase


class AliasOperations(LambdaBase):
    """Operations not written yet answer the loud 501 NotImplemented error."""
