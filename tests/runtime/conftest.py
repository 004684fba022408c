"""Fixtures of the runtime tests: one zygote per test process (xdist worker)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.runtime.harness import RuntimeHost, make_tree

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="sandboxes need root")


@pytest.fixture(scope="session")
def runtime_host() -> Iterator[RuntimeHost]:
    if os.geteuid() != 0:
        pytest.skip("sandboxes need root")
    host = RuntimeHost()
    yield host
    host.close()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A stand-in for lambdalite's data dir, with a secret that must stay invisible."""
    return make_tree(tmp_path / "data", {"secret.txt": "top secret\n"}, mode=0o644)


@pytest.fixture
def code_dir(data_dir: Path) -> Path:
    return make_tree(data_dir / "functions" / "fn" / "code", {"app.py": "X = 1\n"})
