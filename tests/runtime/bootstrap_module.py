"""lambdalite's bootstrap imported in-process, the way the zygote imports it (by file, stdlib)."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

from lambdalite.runtime.bootstrap import PYTHON_BOOTSTRAP_DIR, PYTHON_BOOTSTRAP_MODULE


def load_bootstrap() -> ModuleType:
    loaded = sys.modules.get(PYTHON_BOOTSTRAP_MODULE)
    if loaded is not None:
        return loaded
    path = PYTHON_BOOTSTRAP_DIR / f"{PYTHON_BOOTSTRAP_MODULE}.py"
    spec = importlib.util.spec_from_file_location(PYTHON_BOOTSTRAP_MODULE, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[PYTHON_BOOTSTRAP_MODULE] = module
    spec.loader.exec_module(module)
    return module
