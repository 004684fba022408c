"""What every provider is given: settings, the durable store and the blob store."""

from __future__ import annotations

from dataclasses import dataclass

from lambdalite.config import Settings
from lambdalite.links import Links
from lambdalite.store import BlobStore, Store


@dataclass(frozen=True, slots=True)
class Platform:
    settings: Settings
    store: Store
    blobs: BlobStore
    links: Links
