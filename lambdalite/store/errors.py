"""Errors the store raises for expected, caller-visible outcomes."""

from __future__ import annotations


class StoreError(Exception):
    """Base class of the store's own errors."""


class ConflictError(StoreError):
    """A conditional write found the record in another state than the caller expected.

    `expected` is the version the caller asked for (None for a create-only write);
    `actual` is the version found (None when the record does not exist, or when another
    process created it concurrently).
    """

    def __init__(self, kind: str, key: str, *, expected: int | None, actual: int | None) -> None:
        self.kind = kind
        self.key = key
        self.expected = expected
        self.actual = actual
        if expected is None:
            detail = "already exists" if actual is None else f"already exists at version {actual}"
        elif actual is None:
            detail = f"does not exist (expected version {expected})"
        else:
            detail = f"is at version {actual} (expected version {expected})"
        super().__init__(f"{kind} {key!r} {detail}")
