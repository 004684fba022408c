"""interpreters.py: the choice rules on made-up interpreters, discovery on this host."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from lambdalite.runtime.interpreters import (
    Choice,
    Interpreter,
    NoInterpreter,
    candidate_paths,
    choose,
    discover,
    probe,
    runtime_version,
)


def interpreter(minor: int) -> Interpreter:
    return Interpreter((3, minor, 1), f"/x/python3.{minor}", f"/x/3.{minor}")


AVAILABLE = [interpreter(9), interpreter(11), interpreter(13)]


def test_same_minor_version_is_chosen_without_warning() -> None:
    assert choose("python3.11", AVAILABLE) == Choice(interpreter(11))


def test_missing_version_takes_the_nearest_newer_and_warns() -> None:
    choice = choose("python3.12", AVAILABLE)
    assert choice.interpreter == interpreter(13)
    assert choice.warning == (
        "runtime python3.12: no CPython 3.12 on this host; using CPython 3.13.1 (/x/python3.13)"
    )


def test_nothing_newer_takes_the_nearest_older() -> None:
    choice = choose("python3.14", AVAILABLE)
    assert choice.interpreter == interpreter(13)
    assert choice.warning is not None and "no CPython 3.14" in choice.warning


def test_custom_runtimes_get_an_interpreter_for_the_zygote_quietly() -> None:
    choice = choose("provided.al2023", AVAILABLE)
    assert choice.warning is None and choice.interpreter in AVAILABLE


def test_no_interpreter_at_all() -> None:
    with pytest.raises(NoInterpreter):
        choose("python3.12", [])


def test_runtime_version() -> None:
    assert runtime_version("python3.12") == (3, 12)
    assert runtime_version("nodejs20.x") is None


def test_discovery_finds_real_interpreters_of_at_least_3_9() -> None:
    found = discover()
    assert found, "this machine kind has several CPythons"
    assert [i.minor for i in found] == sorted({i.minor for i in found})
    for item in found:
        assert item.minor >= (3, 9) and os.access(item.path, os.X_OK)
        assert os.path.isdir(item.prefix)


def test_virtual_environments_are_not_interpreters() -> None:
    if sys.prefix == sys.base_prefix:
        pytest.skip("the tests do not run in a virtual environment")
    assert probe(sys.executable) is None


def test_candidates_skip_pyenv_shims(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A shim only re-runs a version already found under versions/, ~6x slower to probe.
    root = tmp_path / "pyenv"
    real = root / "versions" / "3.12.1" / "bin" / "python3.12"
    shim = root / "shims" / "python3.12"
    other = tmp_path / "bin" / "python3.13"
    for path in (real, shim, other):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("#!/bin/sh\n")
        path.chmod(0o755)
    monkeypatch.setenv("PYENV_ROOT", str(root))
    path_env = os.pathsep.join([str(shim.parent), str(other.parent)])
    found = candidate_paths(home=str(tmp_path), path_env=path_env)
    assert [p for p in found if p.startswith(str(tmp_path))] == [str(real), str(other)]
