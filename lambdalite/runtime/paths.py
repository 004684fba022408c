"""What a Python runtime sees of lambdalite's own installation: boto3 and its dependencies (on
the path of every Python runtime, as in AWS's runtimes) and the bootstrap, read-only.

They are taken from the environment lambdalite itself is installed in (pure Python packages,
so every interpreter 3.9+ can import them); nothing is downloaded at run time.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from functools import cache
from pathlib import Path

#: boto3 and what it imports, as AWS's Python runtimes carry them.
RUNTIME_PACKAGES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six")

BOOTSTRAP_DIR = Path(__file__).resolve().parent / "bootstrap" / "python"


@dataclass(frozen=True)
class RuntimePaths:
    """``sys_path``: directories the zygote puts on sys.path; ``binds``: the exact files and
    directories the sandbox exposes (the packages themselves, not their whole site-packages)."""

    sys_path: tuple[str, ...]
    binds: tuple[str, ...]


@cache
def python_runtime_paths() -> RuntimePaths:
    locations = [_location(name) for name in RUNTIME_PACKAGES]
    parents = dict.fromkeys(str(location.parent) for location in locations)
    binds = [str(location) for location in locations] + [str(BOOTSTRAP_DIR)]
    return RuntimePaths(tuple([str(BOOTSTRAP_DIR), *parents]), tuple(binds))


def _location(name: str) -> Path:
    """The package directory (or single-module file) of an installed top-level module."""
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise RuntimeError(f"lambdalite's environment lacks {name}, which functions expect")
    origin = Path(spec.origin)
    return origin.parent if origin.name == "__init__.py" else origin
