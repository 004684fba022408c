"""CPython interpreters of this host, and which one runs a Lambda runtime ``pythonX.Y``.

Looked for, in this order of preference: pyenv builds (``$PYENV_ROOT`` or ``~/.pyenv``,
``versions/*/bin/pythonX.Y``), ``/usr/bin/pythonX.Y``, then ``pythonX.Y`` on ``PATH``. Each
candidate is asked for its real version and prefix (one short subprocess, cached); virtual
environments are skipped (their prefix is not a self-contained interpreter).
"""

from __future__ import annotations

import functools
import glob
import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

#: The boto3/botocore every Python runtime gets (lambdalite's own) need 3.10; older
#: interpreters are never chosen (python3.9 functions run on the nearest newer one, warned).
MIN_VERSION = (3, 10)
_NAME = re.compile(r"python(\d+)\.(\d+)$")
_PROBE = (
    "import json, sys; print(json.dumps({'version': list(sys.version_info[:3]),"
    " 'prefix': sys.prefix}))"
)


class NoInterpreter(LookupError):
    """No usable CPython (>= 3.10) on this host."""


@dataclass(frozen=True, order=True)
class Interpreter:
    """One CPython: its executable, ``(major, minor, micro)`` and ``sys.prefix``."""

    version: tuple[int, int, int]
    path: str
    prefix: str

    @property
    def minor(self) -> tuple[int, int]:
        return self.version[:2]

    @property
    def label(self) -> str:
        major, minor, micro = self.version
        return f"CPython {major}.{minor}.{micro} ({self.path})"


@dataclass(frozen=True)
class Choice:
    """The interpreter for a runtime, and a warning when it is not the runtime's version."""

    interpreter: Interpreter
    warning: str | None = None


def candidate_paths(home: str | None = None, path_env: str | None = None) -> list[str]:
    """Executables named ``pythonX.Y``, most preferred first, without duplicates."""
    home = home if home is not None else os.path.expanduser("~")
    pyenv_root = os.environ.get("PYENV_ROOT") or os.path.join(home, ".pyenv")
    found = sorted(glob.glob(os.path.join(pyenv_root, "versions", "*", "bin", "python3.*")))
    found += sorted(glob.glob("/usr/bin/python3.*"))
    path_env = os.environ.get("PATH", "") if path_env is None else path_env
    # pyenv's shims are shell scripts that start one of the versions found above: probing them
    # would only find those again, at ~130 ms each instead of ~20.
    shims = os.path.join(pyenv_root, "shims")
    for directory in path_env.split(os.pathsep):
        if os.path.normpath(directory) != os.path.normpath(shims):
            found += sorted(glob.glob(os.path.join(directory, "python3.*")))
    return _unique([p for p in found if _NAME.search(p) and os.access(p, os.X_OK)])


def _unique(paths: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    unique = []
    for path in paths:
        real = os.path.realpath(path)
        if real not in seen:
            seen.add(real)
            unique.append(path)
    return unique


def probe(path: str) -> Interpreter | None:
    """Ask ``path`` for its version and prefix; None if it fails or is a virtual env."""
    if _in_virtual_env(path):
        return None
    try:
        done = subprocess.run(
            [path, "-I", "-S", "-c", _PROBE],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        facts = json.loads(done.stdout)
    except (OSError, ValueError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    major, minor, micro = facts["version"]
    return Interpreter((major, minor, micro), path, facts["prefix"])


def _in_virtual_env(path: str) -> bool:
    # Python itself looks for pyvenv.cfg beside the (unresolved) executable or one dir up.
    bin_dir = os.path.dirname(path)
    return any(
        os.path.exists(os.path.join(d, "pyvenv.cfg")) for d in (bin_dir, os.path.dirname(bin_dir))
    )


_discovering = threading.Lock()


def discover() -> tuple[Interpreter, ...]:
    """Every usable interpreter (>= 3.10), one per minor version, most preferred kept.
    Probed once; concurrent first callers wait for that one probe."""
    with _discovering:
        return _discover()


@functools.cache
def _discover() -> tuple[Interpreter, ...]:
    chosen: dict[tuple[int, int], Interpreter] = {}
    for path in candidate_paths():
        interpreter = probe(path)
        if interpreter and interpreter.minor >= MIN_VERSION:
            chosen.setdefault(interpreter.minor, interpreter)
    return tuple(sorted(chosen.values()))


def runtime_version(runtime: str) -> tuple[int, int] | None:
    """``(3, 12)`` for ``python3.12``; None for a runtime that is not Python."""
    match = _NAME.match(runtime)
    return (int(match.group(1)), int(match.group(2))) if match else None


def choose(runtime: str, interpreters: Sequence[Interpreter] | None = None) -> Choice:
    """Same minor version, else the nearest newer, else the nearest older one (warned).

    A non-Python runtime (``provided.al2023``) only needs an interpreter for the zygote:
    the one matching the server's own version, else the newest.
    """
    available = sorted(discover() if interpreters is None else interpreters)
    if not available:
        raise NoInterpreter("no CPython >= {}.{} found on this host".format(*MIN_VERSION))
    wanted = runtime_version(runtime)
    if wanted is None:
        own = [i for i in available if i.minor == sys.version_info[:2]]
        return Choice((own or available)[-1])
    exact = [i for i in available if i.minor == wanted]
    if exact:
        return Choice(exact[0])
    newer = [i for i in available if i.minor > wanted]
    nearest = newer[0] if newer else available[-1]
    major, minor = wanted
    warning = f"runtime {runtime}: no CPython {major}.{minor} on this host; using {nearest.label}"
    return Choice(nearest, warning)


__all__ = [
    "Choice",
    "Interpreter",
    "NoInterpreter",
    "choose",
    "discover",
    "probe",
]
