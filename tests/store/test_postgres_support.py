"""The PostgreSQL test helper finds the newest server, or says clearly what is missing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.postgres import PostgresUnavailable, find_bin_dir


def _fake_install(root: Path, version: str, *programs: str) -> None:
    bin_dir = root / version / "bin"
    bin_dir.mkdir(parents=True)
    for program in programs:
        (bin_dir / program).touch()


def test_newest_complete_version_wins(tmp_path: Path) -> None:
    _fake_install(tmp_path, "9", "postgres", "initdb")
    _fake_install(tmp_path, "15", "postgres", "initdb")
    _fake_install(tmp_path, "16", "postgres")  # client-only leftovers, no initdb
    assert find_bin_dir(tmp_path) == tmp_path / "15" / "bin"


def test_missing_binaries_name_the_package(tmp_path: Path) -> None:
    with pytest.raises(PostgresUnavailable, match="`postgresql` package"):
        find_bin_dir(tmp_path)
