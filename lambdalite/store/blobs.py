"""Content-addressed files (function code, layers) under `root/sha256/ab/cd/<hex>`."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

_HEX_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True, slots=True)
class BlobRef:
    """A stored blob: lowercase hex SHA-256 of its content, and its size in bytes."""

    sha256: str
    size: int


class BlobStore:
    """Immutable blobs named by their SHA-256, written atomically and durably.

    Methods block on disk I/O: call them off the event loop (or use the *_async variants).
    """

    def __init__(self, root: Path) -> None:
        self._root = root

    def path(self, sha: str) -> Path:
        """Where the blob `sha` lives (whether or not it exists)."""
        # Validating the name also keeps a hostile "digest" from escaping the root.
        if not _HEX_SHA256.fullmatch(sha):
            raise ValueError(f"not a lowercase hex SHA-256 digest: {sha!r}")
        return self._root / "sha256" / sha[:2] / sha[2:4] / sha

    def put(self, data: bytes) -> BlobRef:
        """Store `data` (no-op when already present) and return its reference."""
        ref = BlobRef(hashlib.sha256(data).hexdigest(), len(data))
        target = self.path(ref.sha256)
        if target.exists():
            return ref
        self._make_dirs(target.parent)
        _write_atomically(target, data)
        return ref

    def get(self, sha: str) -> bytes:
        """The content of blob `sha`; FileNotFoundError if absent."""
        return self.path(sha).read_bytes()

    def exists(self, sha: str) -> bool:
        return self.path(sha).exists()

    def delete(self, sha: str) -> bool:
        """Remove blob `sha`; False if it was not there."""
        try:
            self.path(sha).unlink()
        except FileNotFoundError:
            return False
        return True

    async def put_async(self, data: bytes) -> BlobRef:
        return await asyncio.to_thread(self.put, data)

    async def get_async(self, sha: str) -> bytes:
        return await asyncio.to_thread(self.get, sha)

    def _make_dirs(self, leaf: Path) -> None:
        self._root.mkdir(mode=0o700, parents=True, exist_ok=True)
        # One level at a time: os.makedirs would give intermediate levels the default mode,
        # and blobs (function code) are private to the platform.
        for directory in (self._root / "sha256", leaf.parent, leaf):
            try:
                directory.mkdir(mode=0o700)
            except FileExistsError:
                continue
            # A blob in a directory whose own entry was lost in a crash would be lost too.
            _fsync_dir(directory.parent)


def _write_atomically(target: Path, data: bytes) -> None:
    """Write `data` to `target` so that a crash leaves either nothing or the whole file."""
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
    _fsync_dir(target.parent)


def _fsync_dir(directory: Path) -> None:
    # Makes the rename itself durable, not only the file's content.
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
