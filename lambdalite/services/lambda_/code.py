"""Deployment packages: validated as zips, stored content-addressed, unpacked once.

The zip is kept in the blob store under its SHA-256; the unpacked tree lives at
``<data dir>/code/<sha256 hex>/`` and is shared by every function and version with that code
(the execution environments mount it read-only at /var/task, or /opt for layers).
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import shutil
import stat
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from lambdalite.services.lambda_.errors import InvalidParameterValue, RequestTooLarge
from lambdalite.store import BlobStore

#: 50 MB zipped, as base64 in the JSON body: AWS refuses a larger CreateFunction request.
MAX_REQUEST_BYTES = 69_905_067
MAX_UNZIPPED_BYTES = 262_144_000


@dataclass(frozen=True, slots=True)
class Package:
    """A stored deployment package."""

    sha256_hex: str
    size: int

    @property
    def code_sha256(self) -> str:
        """What Lambda reports as CodeSha256: the base64 of the SHA-256 digest."""
        return base64.b64encode(bytes.fromhex(self.sha256_hex)).decode()

    def as_record(self) -> dict[str, str | int]:
        return {"sha256": self.sha256_hex, "size": self.size}

    @classmethod
    def from_record(cls, record: dict[str, str | int]) -> Package:
        return cls(str(record["sha256"]), int(record["size"]))


def check_request_size(body_size: int, operation: str) -> None:
    if body_size > MAX_REQUEST_BYTES:
        raise RequestTooLarge(
            f"Request must be smaller than {MAX_REQUEST_BYTES} bytes for the {operation} operation"
        )


class CodeStore:
    """Zips in the blob store, unpacked trees next to it."""

    def __init__(self, blobs: BlobStore, unpacked_root: Path) -> None:
        self._blobs = blobs
        self._root = unpacked_root

    def store(self, data: bytes) -> Package:
        """Validate and store a zip (blocking: call off the event loop)."""
        _check_zip(data)
        ref = self._blobs.put(data)
        return Package(ref.sha256, ref.size)

    def read(self, package: Package) -> bytes:
        return self._blobs.get(package.sha256_hex)

    def unpacked(self, package: Package) -> Path:
        """The unpacked tree of a package, unpacking it the first time (blocking)."""
        target = self._root / package.sha256_hex
        if not target.is_dir():
            self._unpack(package, target)
        return target

    def _unpack(self, package: Package, target: Path) -> None:
        self._root.mkdir(mode=0o700, parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".unpack-", dir=self._root))
        try:
            with zipfile.ZipFile(self._blobs.path(package.sha256_hex)) as archive:
                for member in archive.infolist():
                    _extract(archive, member, staging)
            staging.chmod(0o755)
            os.replace(staging, target)  # atomic: a tree is there whole or not at all
        except OSError:
            if not target.is_dir():  # else another thread unpacked the same zip first
                raise
        finally:
            shutil.rmtree(staging, ignore_errors=True)


def _check_zip(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        raise InvalidParameterValue(
            "Could not unzip uploaded file. Please check your file, then try to upload again."
        ) from error
    if sum(member.file_size for member in members) > MAX_UNZIPPED_BYTES:
        raise InvalidParameterValue(
            f"Unzipped size must be smaller than {MAX_UNZIPPED_BYTES} bytes"
        )
    for member in members:
        if _escapes(member.filename):
            raise InvalidParameterValue(
                "Could not unzip uploaded file. Please check your file, then try to upload again."
            )


def _escapes(name: str) -> bool:
    """A member that would land outside the tree (``../x``, ``/etc/x``)."""
    parts = Path(name).parts
    return name.startswith("/") or ".." in parts


def _extract(archive: zipfile.ZipFile, member: zipfile.ZipInfo, root: Path) -> None:
    path = root / member.filename
    mode = (member.external_attr >> 16) & 0o777
    if member.is_dir():
        path.mkdir(parents=True, exist_ok=True)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with archive.open(member) as source, path.open("wb") as sink:
        shutil.copyfileobj(source, sink)
    # Keep the executable bit (a custom runtime's bootstrap); everything readable by the
    # unprivileged user the sandbox runs code as; nothing writable.
    executable = mode & stat.S_IXUSR
    path.chmod(0o555 if executable else 0o444)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
