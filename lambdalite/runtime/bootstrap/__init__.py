"""Where lambdalite's runtime clients live on disk.

The zygote of a ``python3.x`` runtime puts :data:`PYTHON_BOOTSTRAP_DIR` on ``sys.path`` and
imports :data:`PYTHON_BOOTSTRAP_MODULE` ahead of time; the sandbox binds the directory
read-only at the same path.
"""

from __future__ import annotations

from pathlib import Path

#: The directory holding ``lambdalite_bootstrap.py`` (stdlib only, Python 3.9-3.14).
PYTHON_BOOTSTRAP_DIR = Path(__file__).resolve().parent / "python"
PYTHON_BOOTSTRAP_MODULE = "lambdalite_bootstrap"
