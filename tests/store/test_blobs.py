"""Content-addressed blob files."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

import pytest

from lambdalite.store import BlobRef, BlobStore


def test_put_get_exists_delete(tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path / "blobs")
    data = b"def handler(event, context):\n    return event\n"
    ref = blobs.put(data)
    assert ref == BlobRef(hashlib.sha256(data).hexdigest(), len(data))
    assert blobs.exists(ref.sha256)
    assert blobs.get(ref.sha256) == data
    assert blobs.delete(ref.sha256) is True
    assert not blobs.exists(ref.sha256)
    assert blobs.delete(ref.sha256) is False
    with pytest.raises(FileNotFoundError):
        blobs.get(ref.sha256)


def test_layout_is_sharded_by_digest(tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path)
    ref = blobs.put(b"x")
    sha = ref.sha256
    assert blobs.path(sha) == tmp_path / "sha256" / sha[:2] / sha[2:4] / sha
    assert blobs.path(sha).read_bytes() == b"x"


def test_put_is_idempotent(tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path)
    first = blobs.put(b"same")
    mtime = blobs.path(first.sha256).stat().st_mtime_ns
    assert blobs.put(b"same") == first
    assert blobs.path(first.sha256).stat().st_mtime_ns == mtime
    # No temporary file is left behind, by either call.
    assert list(blobs.path(first.sha256).parent.iterdir()) == [blobs.path(first.sha256)]


def test_empty_blob(tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path)
    ref = blobs.put(b"")
    assert ref == BlobRef(hashlib.sha256(b"").hexdigest(), 0)
    assert blobs.get(ref.sha256) == b""


def test_directories_and_files_are_private(tmp_path: Path) -> None:
    root = tmp_path / "blobs"
    blobs = BlobStore(root)
    sha = blobs.put(b"secret code").sha256
    for directory in (root, root / "sha256", root / "sha256" / sha[:2], blobs.path(sha).parent):
        assert directory.stat().st_mode & 0o777 == 0o700, directory
    assert blobs.path(sha).stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("bad", ["../../etc/passwd", "AB" * 32, "ab" * 31, "g" * 64, ""])
def test_malformed_digests_are_refused(tmp_path: Path, bad: str) -> None:
    blobs = BlobStore(tmp_path)
    with pytest.raises(ValueError):
        blobs.path(bad)
    with pytest.raises(ValueError):
        blobs.get(bad)


def test_async_variants(tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path)

    async def scenario() -> bytes:
        ref = await blobs.put_async(b"async" * 1000)
        return await blobs.get_async(ref.sha256)

    assert asyncio.run(scenario()) == b"async" * 1000
