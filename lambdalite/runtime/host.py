"""What isolation the host offers: namespaces, cgroups (v1 and v2), seccomp, privileges.

Read from /proc and /sys only; nothing is changed. The sandbox (runtime/sandbox.py) later
reports which of these it actually applies.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

_NAMESPACES = ("mnt", "pid", "ipc", "uts", "net", "user", "cgroup")


def host_features() -> dict[str, Any]:
    return {
        "root": os.geteuid() == 0,
        "namespaces": [ns for ns in _NAMESPACES if Path(f"/proc/self/ns/{ns}").exists()],
        "user_namespaces": _user_namespaces_allowed(),
        "cgroup": cgroup_controllers(),
        "seccomp": Path("/proc/sys/kernel/seccomp/actions_avail").exists(),
        "no_new_privs": "NoNewPrivs" in _read("/proc/self/status"),
        "sandbox": sandbox_features(),
        "interpreters": interpreter_versions(),
    }


def sandbox_features() -> dict[str, Any]:
    """What the sandbox can use here: libseccomp (or why not), overlayfs for layers, pidfd."""
    from lambdalite.runtime import sandbox

    return sandbox.probe()


def interpreter_versions() -> dict[str, str]:
    """``{"3.12.1": "/path/to/python3.12", ...}``: the CPythons that can run pythonX.Y."""
    from lambdalite.runtime.interpreters import discover

    return {".".join(map(str, i.version)): i.path for i in discover()}


def cgroup_controllers() -> dict[str, list[str]]:
    """Controllers mounted per cgroup version, e.g. ``{"v1": ["memory", ...], "v2": [...]}``."""
    found: dict[str, list[str]] = {"v1": [], "v2": []}
    for line in _read("/proc/self/mountinfo").splitlines():
        fields = line.split(" - ", 1)
        if len(fields) != 2:
            continue
        mount_point = line.split()[4]
        fstype, _, options = [*fields[1].split(), "", "", ""][:3]
        if fstype == "cgroup2":
            found["v2"].extend(_read(f"{mount_point}/cgroup.controllers").split())
        elif fstype == "cgroup":
            known = {"cpu", "cpuacct", "cpuset", "memory", "pids", "devices", "freezer", "blkio"}
            found["v1"].extend(o for o in options.split(",") if o in known)
    return {version: sorted(set(names)) for version, names in found.items()}


def _user_namespaces_allowed() -> bool:
    limit = _read("/proc/sys/user/max_user_namespaces").strip()
    return limit not in ("", "0")


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""
