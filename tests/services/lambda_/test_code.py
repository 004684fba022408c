"""Deployment packages: validation, AWS's size limits, content-addressed unpacking."""

from __future__ import annotations

import io
import stat
import zipfile
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from lambdalite.services.lambda_.code import MAX_UNZIPPED_BYTES, CodeStore
from lambdalite.services.lambda_.errors import InvalidParameterValue
from lambdalite.store import BlobStore
from tests.conformance.conftest import zipped

from .conftest import ROLE


def package_with_modes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        script = zipfile.ZipInfo("bootstrap", date_time=(2026, 1, 1, 0, 0, 0))
        script.external_attr = (stat.S_IFREG | 0o755) << 16
        archive.writestr(script, "#!/bin/sh\n")
        archive.writestr(zipfile.ZipInfo("lib/data.txt", date_time=(2026, 1, 1, 0, 0, 0)), "x")
    return buffer.getvalue()


def test_unpacked_once_per_package_keeping_the_executable_bit(tmp_path: Path) -> None:
    code = CodeStore(BlobStore(tmp_path / "blobs"), tmp_path / "code")
    package = code.store(package_with_modes())
    tree = code.unpacked(package)
    assert tree == tmp_path / "code" / package.sha256_hex
    assert (tree / "bootstrap").stat().st_mode & 0o777 == 0o555
    assert (tree / "lib" / "data.txt").stat().st_mode & 0o777 == 0o444
    marker = tree.stat().st_ino
    assert code.unpacked(code.store(package_with_modes())).stat().st_ino == marker  # not again


def test_unzipped_size_limit(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive,
        archive.open("zeros", "w") as member,
    ):
        chunk = bytes(1 << 20)
        for _ in range(MAX_UNZIPPED_BYTES // len(chunk) + 1):
            member.write(chunk)
    code = CodeStore(BlobStore(tmp_path / "blobs"), tmp_path / "code")
    with pytest.raises(InvalidParameterValue) as raised:
        code.store(buffer.getvalue())
    assert raised.value.message == "Unzipped size must be smaller than 262144000 bytes"


def test_request_over_50_mb_is_refused(lam: Any) -> None:
    huge = zipped({"handler.py": "x = 1\n"}) + bytes(52_500_000)
    with pytest.raises(ClientError) as raised:
        lam.create_function(
            FunctionName="huge",
            Runtime="python3.12",
            Role=ROLE,
            Handler="h.h",
            Code={"ZipFile": huge},
        )
    assert raised.value.response["Error"] == {
        "Code": "RequestTooLargeException",
        "Message": "Request must be smaller than 69905067 bytes for the CreateFunction operation",
    }
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 413
