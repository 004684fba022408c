"""Durable state for every provider: versioned records in SQL, blobs on disk."""

from lambdalite.store.blobs import BlobRef, BlobStore
from lambdalite.store.engine import Durability
from lambdalite.store.errors import ConflictError
from lambdalite.store.repository import Record, Repository, Scope
from lambdalite.store.store import Store

__all__ = [
    "BlobRef",
    "BlobStore",
    "ConflictError",
    "Durability",
    "Record",
    "Repository",
    "Scope",
    "Store",
]
