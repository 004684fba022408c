"""Tags: TagResource, UntagResource, ListTags."""

from __future__ import annotations

from lambdalite.services.lambda_.base import LambdaBase


class TagOperations(LambdaBase):
    """Operations not written yet answer the loud 501 NotImplemented error."""
