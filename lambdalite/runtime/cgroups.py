"""Per-environment cgroups (server side): memory, pids and cpu limits, peak memory, OOM kills.

Layout: below the server's own cgroup, ``lambdalite/<server pid>/<env id>`` (the server pid
keeps two servers, e.g. test workers, from removing each other's dirs). On cgroup v1 that is
one dir per controller (memory, pids, cpu); on v2 one dir with those controllers enabled.

Nothing here fails silently: a host without a usable controller yields a manager whose
``problems`` say why, and environments then fall back to rlimits (see sandbox.RuntimePlan).
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

log = logging.getLogger(__name__)

Version = Literal["v1", "v2"]
CONTROLLERS = ("memory", "pids", "cpu")
PIDS_MAX = 1024  # AWS: processes/threads per execution environment
MB_PER_VCPU = 1769  # AWS: 1,769 MB of memory buys one vCPU
SHARES_PER_VCPU = 1024  # cgroup v1 cpu.shares of one CPU


class CgroupError(OSError):
    """A cgroup operation failed."""


@dataclass(frozen=True)
class Mount:
    """One line of /proc/self/mountinfo that mounts a cgroup hierarchy."""

    point: str
    root: str
    fstype: str
    options: frozenset[str]


def parse_mountinfo(text: str) -> list[Mount]:
    mounts = []
    for line in text.splitlines():
        left, sep, right = line.partition(" - ")
        fields, tail = left.split(), right.split()
        if not sep or len(fields) < 5 or len(tail) < 3 or not tail[0].startswith("cgroup"):
            continue
        options = frozenset(tail[2].split(","))
        mounts.append(Mount(_unescape(fields[4]), _unescape(fields[3]), tail[0], options))
    return mounts


def _unescape(path: str) -> str:
    # mountinfo writes space, tab, newline and backslash as octal escapes
    for code, char in (("\\040", " "), ("\\011", "\t"), ("\\012", "\n"), ("\\134", "\\")):
        path = path.replace(code, char)
    return path


def parse_proc_cgroup(text: str) -> dict[str, str]:
    """``{controller: path}`` from /proc/self/cgroup; the v2 entry has the key ``""``."""
    found: dict[str, str] = {}
    for line in text.splitlines():
        parts = line.split(":", 2)
        if len(parts) == 3:
            for controller in parts[1].split(",") if parts[1] else [""]:
                found[controller] = parts[2]
    return found


def _own_dir(prefix: str, mount: Mount, own_path: str) -> str:
    # In a container the mount's root is the container's cgroup, e.g. /docker/<id>.
    root = mount.root.rstrip("/")
    relative = own_path[len(root) :] if own_path.startswith(root) else ""
    return os.path.normpath(prefix + mount.point + "/" + relative.lstrip("/"))


def _read(path: str) -> str:
    with open(path) as f:
        return f.read()


def _write(path: str, value: str) -> None:
    with open(path, "w") as f:
        f.write(value)


def cpu_shares(memory_mb: int) -> int:
    return max(2, memory_mb * SHARES_PER_VCPU // MB_PER_VCPU)


def cpu_weight(memory_mb: int) -> int:
    # the shares -> weight mapping of runc and systemd
    return min(10000, max(1, 1 + (cpu_shares(memory_mb) - 2) * 9999 // 262142))


#: A file that only a dir of that controller has.
_MARKERS: dict[Version, dict[str, str]] = {
    "v1": {"memory": "memory.limit_in_bytes", "pids": "pids.max", "cpu": "cpu.shares"},
    "v2": {"memory": "memory.max", "pids": "pids.max", "cpu": "cpu.weight"},
}


@dataclass
class EnvCgroup:
    """The cgroup dir(s) of one environment; what E joins is ``paths``."""

    version: Version | None
    dirs: dict[str, str] = field(default_factory=dict)  # controller -> dir (one dir on v2)
    problems: list[str] = field(default_factory=list)
    _peak_fd: int | None = None
    _peak_resettable: bool = False

    @property
    def paths(self) -> list[str]:
        return sorted(set(self.dirs.values()))

    @classmethod
    def attach(cls, paths: Iterable[str]) -> EnvCgroup:
        """Handle of existing dirs, recognised by their files."""
        cgroup = cls(version=None)
        for path in paths:
            cgroup._recognise(path)
        cgroup._open_peak()
        return cgroup

    def _recognise(self, path: str) -> None:
        self.version = "v2" if _exists(path, "cgroup.controllers") else "v1"
        for controller, marker in _MARKERS[self.version].items():
            if _exists(path, marker):
                self.dirs[controller] = path

    def _open_peak(self) -> None:
        # The peak is read and reset around every invocation: through a file kept open, as
        # opening a cgroup file costs more than the read itself.
        memory = self.dirs.get("memory")
        if memory is None:
            return
        if self.version == "v1":
            # Writing 0 resets the v1 peak (Documentation/admin-guide/cgroup-v1/memory.rst).
            path = os.path.join(memory, "memory.max_usage_in_bytes")
            with contextlib.suppress(OSError):
                self._peak_fd, self._peak_resettable = os.open(path, os.O_RDWR | os.O_CLOEXEC), True
            return
        path = os.path.join(memory, "memory.peak")
        # Since Linux 6.12 a write resets the peak seen through the same open file.
        with contextlib.suppress(OSError):
            self._peak_fd, self._peak_resettable = os.open(path, os.O_RDWR | os.O_CLOEXEC), True
            return
        with contextlib.suppress(OSError):
            self._peak_fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        self.problems.append("memory.peak cannot be reset (kernel < 6.12): peaks are lifetime")

    def peak_memory_bytes(self) -> int | None:
        """Highest memory use since creation or the last reset; None when unmeasurable."""
        if self._peak_fd is None:
            return None
        try:
            return int(os.pread(self._peak_fd, 64, 0))
        except (OSError, ValueError):
            return None

    def reset_peak_memory(self) -> None:
        if self._peak_fd is not None and self._peak_resettable:
            with contextlib.suppress(OSError):
                os.pwrite(self._peak_fd, b"0" if self.version == "v1" else b"reset", 0)

    def oom_kills(self) -> int | None:
        """How many processes the kernel's OOM killer killed in this cgroup."""
        memory = self.dirs.get("memory")
        if memory is None:
            return None
        name = "memory.oom_control" if self.version == "v1" else "memory.events"
        try:
            lines = _read(os.path.join(memory, name)).splitlines()
        except OSError:
            return None
        counts = dict(line.split(None, 1) for line in lines if " " in line)
        return int(counts["oom_kill"]) if "oom_kill" in counts else None

    def procs(self) -> set[int]:
        found: set[int] = set()
        for path in self.paths:
            with contextlib.suppress(OSError):
                found.update(int(pid) for pid in _read_words(path, "cgroup.procs"))
        return found

    def kill_all(self) -> None:
        """SIGKILL every process in the cgroup(s); does not wait."""
        if self.version == "v2" and self.paths and _exists(self.paths[0], "cgroup.kill"):
            with contextlib.suppress(OSError):
                _write(os.path.join(self.paths[0], "cgroup.kill"), "1")
                return
        for pid in self.procs():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)

    def remove(self) -> None:
        """Remove the dir(s); the processes must be gone (``procs()`` empty)."""
        if self._peak_fd is not None:
            os.close(self._peak_fd)
            self._peak_fd = None
        for path in self.paths:
            try:
                os.rmdir(path)
            except FileNotFoundError:
                pass
            except OSError as exc:
                raise CgroupError(exc.errno, f"cannot remove {path}: {exc.strerror}") from exc
        self.dirs.clear()


def _exists(directory: str, name: str) -> bool:
    return os.path.exists(os.path.join(directory, name))


def _read_words(directory: str, name: str) -> list[str]:
    return _read(os.path.join(directory, name)).split()


class CgroupManager:
    """Creates the environments' cgroups below ``<own cgroup>/lambdalite/<server pid>``.

    Use :meth:`detect`. ``version`` is None (and ``problems`` say why) when the host offers no
    usable memory or pids controller; :meth:`create` then returns cgroups without dirs.
    """

    def __init__(self, version: Version | None, parents: dict[str, str], problems: list[str]):
        self.version = version
        self.parents = parents  # controller -> this server's parent dir
        self.problems = problems
        for problem in problems:
            log.warning("cgroups: %s", problem)

    @classmethod
    def detect(
        cls,
        *,
        prefix: str = "",
        mountinfo: str | None = None,
        proc_cgroup: str | None = None,
        name: str = "lambdalite",
        instance: str | None = None,
    ) -> CgroupManager:
        """Inspect the host (``prefix`` and the texts let tests use a fake tree) and set up."""
        mounts = parse_mountinfo(mountinfo if mountinfo is not None else _proc_text("mountinfo"))
        own = parse_proc_cgroup(proc_cgroup if proc_cgroup is not None else _proc_text("cgroup"))
        setup = _Setup(prefix, name, instance or str(os.getpid()))
        v2 = [m for m in mounts if m.fstype == "cgroup2"]
        if v2 and "memory" in _available_v2(prefix, v2[0], own.get("", "/")):
            return setup.v2(v2[0], own.get("", "/"))
        v1 = [m for m in mounts if m.fstype == "cgroup"]
        if any(c in m.options for m in v1 for c in ("memory", "pids")):
            return setup.v1(v1, own)
        return cls(None, {}, ["no cgroup hierarchy with a memory or pids controller is mounted"])

    def status(self) -> dict[str, object]:
        """For /health: what environments get."""
        return {
            "version": self.version,
            "controllers": sorted(self.parents),
            "parents": sorted(set(self.parents.values())),
            "problems": list(self.problems),
        }

    def create(self, env_id: str, memory_mb: int, pids_max: int = PIDS_MAX) -> EnvCgroup:
        """Dirs with the limits set; a controller that fails is left out and noted."""
        cgroup = EnvCgroup(self.version, problems=list(self.problems))
        for controller, parent in self.parents.items():
            path = os.path.join(parent, env_id)
            try:
                self._make(path)
                self._limit(controller, path, memory_mb, pids_max)
            except OSError as exc:
                cgroup.problems.append(f"{controller} cgroup {path}: {exc}")
                log.warning("cgroups: %s cgroup %s: %s", controller, path, exc)
                continue
            cgroup.dirs[controller] = path
        cgroup._open_peak()
        return cgroup

    @staticmethod
    def _make(path: str) -> None:
        with contextlib.suppress(FileExistsError):
            os.mkdir(path)

    def _limit(self, controller: str, path: str, memory_mb: int, pids_max: int) -> None:
        limit = str(memory_mb * 1024 * 1024)
        if controller == "memory" and self.version == "v1":
            _write(os.path.join(path, "memory.limit_in_bytes"), limit)
            if _exists(path, "memory.memsw.limit_in_bytes"):  # swap accounting is on
                _write(os.path.join(path, "memory.memsw.limit_in_bytes"), limit)
        elif controller == "memory":
            _write(os.path.join(path, "memory.max"), limit)
            with contextlib.suppress(OSError):  # absent without swap accounting
                _write(os.path.join(path, "memory.swap.max"), "0")
        elif controller == "pids":
            _write(os.path.join(path, "pids.max"), str(pids_max))
        elif controller == "cpu" and self.version == "v1":
            _write(os.path.join(path, "cpu.shares"), str(cpu_shares(memory_mb)))
        elif controller == "cpu":
            _write(os.path.join(path, "cpu.weight"), str(cpu_weight(memory_mb)))

    def close(self) -> None:
        """Remove this server's parent dirs (after every environment was destroyed)."""
        for parent in set(self.parents.values()):
            with contextlib.suppress(OSError):
                os.rmdir(parent)


def _proc_text(name: str) -> str:
    try:
        return _read("/proc/self/" + name)
    except OSError:
        return ""


def _available_v2(prefix: str, mount: Mount, own_path: str) -> list[str]:
    try:
        return _read_words(_own_dir(prefix, mount, own_path), "cgroup.controllers")
    except OSError:
        return []


class _Setup:
    """Creates the parent dirs for one cgroup version (the policy of ``CgroupManager``)."""

    def __init__(self, prefix: str, name: str, instance: str) -> None:
        self.prefix = prefix
        self.name = name
        self.instance = instance
        self.problems: list[str] = []

    def v1(self, mounts: list[Mount], own: dict[str, str]) -> CgroupManager:
        parents: dict[str, str] = {}
        for controller in CONTROLLERS:
            mount = next((m for m in mounts if controller in m.options), None)
            if mount is None:
                self.problems.append(f"cgroup v1: no {controller} controller mounted")
                continue
            base = _own_dir(self.prefix, mount, own.get(controller, "/"))
            parent = self._parent(base)
            if parent is not None:
                parents[controller] = parent
        self._require(parents)
        return CgroupManager("v1" if parents else None, parents, self.problems)

    def v2(self, mount: Mount, own_path: str) -> CgroupManager:
        base = _own_dir(self.prefix, mount, own_path)
        wanted = [c for c in CONTROLLERS if c in _read_words(base, "cgroup.controllers")]
        if own_path not in ("", "/") and not self._vacate(base):
            return CgroupManager(None, {}, self.problems)
        parent = self._v2_parent(base, wanted)
        if parent is None:
            return CgroupManager(None, {}, self.problems)
        enabled = [word.lstrip("+") for word in _read_words(parent, "cgroup.subtree_control")]
        parents = {c: parent for c in wanted if c in enabled}
        missing = sorted(set(CONTROLLERS) - set(parents))
        if missing:
            self.problems.append(
                "cgroup v2: controllers not available: {}".format(", ".join(missing))
            )
        self._require(parents)
        return CgroupManager("v2" if parents else None, parents, self.problems)

    def _v2_parent(self, base: str, wanted: list[str]) -> str | None:
        # No-internal-process rule: controllers are enabled for children of a cgroup only
        # while it holds no processes; the root cgroup, which always does, is exempt.
        top = os.path.join(base, self.name)
        try:
            self._enable(base, wanted)
            self._make(top)
            self._enable(top, wanted)
        except OSError as exc:
            self.problems.append(f"cgroup v2: cannot prepare {base}: {exc}")
            return None
        parent = self._parent(base)
        if parent is not None:
            self._enable(parent, wanted)
        return parent

    def _enable(self, directory: str, controllers: list[str]) -> None:
        path = os.path.join(directory, "cgroup.subtree_control")
        with contextlib.suppress(OSError):
            _write(path, " ".join("+" + c for c in controllers))
            return
        for controller in controllers:  # one by one, to learn which one is refused
            try:
                _write(path, "+" + controller)
            except OSError as exc:
                problem = f"cgroup v2: cannot enable {controller} in {directory}: {exc}"
                self.problems.append(problem)

    def _vacate(self, base: str) -> bool:
        """Move this server out of its own cgroup into a leaf, so that it can have children."""
        try:
            procs = _read_words(base, "cgroup.procs")
        except OSError as exc:
            self.problems.append(f"cgroup v2: cannot read {base}: {exc}")
            return False
        if set(procs) - {str(os.getpid())}:
            self.problems.append(
                f"cgroup v2: {base} also holds other processes; run lambdalite in a cgroup of"
                " its own"
                " (e.g. systemd-run --scope -p Delegate=yes)"
            )
            return False
        leaf = os.path.join(base, self.name + "-server")
        try:
            self._make(leaf)
            _write(os.path.join(leaf, "cgroup.procs"), str(os.getpid()))
        except OSError as exc:
            self.problems.append(f"cgroup v2: cannot move lambdalite into {leaf}: {exc}")
            return False
        return True

    def _parent(self, base: str) -> str | None:
        top = os.path.join(base, self.name)
        parent = os.path.join(top, self.instance)
        try:
            self._make(top)
            self._remove_stale(top)
            self._make(parent)
        except OSError as exc:
            self.problems.append(f"cannot create {parent}: {exc}")
            return None
        return parent

    def _remove_stale(self, top: str) -> None:
        """Dirs of servers that died (their environments died with them)."""
        for entry in os.listdir(top):
            if entry.isdigit() and entry != self.instance and not _alive(int(entry)):
                stale = os.path.join(top, entry)
                for child in _subdirs(stale):
                    with contextlib.suppress(OSError):
                        os.rmdir(child)
                with contextlib.suppress(OSError):
                    os.rmdir(stale)

    @staticmethod
    def _make(path: str) -> None:
        with contextlib.suppress(FileExistsError):
            os.mkdir(path)

    def _require(self, parents: dict[str, str]) -> None:
        if "memory" not in parents:
            self.problems.append("no memory cgroup: memory limits fall back to RLIMIT_DATA")
        if "pids" not in parents:
            self.problems.append("no pids cgroup: process limits fall back to RLIMIT_NPROC")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _subdirs(path: str) -> list[str]:
    try:
        return [e.path for e in os.scandir(path) if e.is_dir(follow_symlinks=False)]
    except OSError:
        return []


__all__ = ["CgroupError", "CgroupManager", "EnvCgroup", "cpu_shares", "cpu_weight"]
