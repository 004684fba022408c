"""Process isolation for one execution environment, used by the zygote's E, H and R processes.

Stdlib only: this module runs inside the zygote, i.e. in whatever CPython (3.9 to 3.14) the
function's runtime maps to, without lambdalite installed. System calls go through ctypes.

- :class:`PidNamespaces` (zygote): fork H as pid 1 of a new pid namespace.
- :func:`join_cgroups` (H): move itself into the environment's cgroups.
- :func:`enter_namespaces` (H): new mount, IPC and UTS namespaces.
- :func:`build_root` (H): a tmpfs root with read-only binds of the system dirs, ``spec.binds``,
  the code at /var/task, the layers at /opt, a minimal /dev, a fresh /proc, a private /tmp;
  ``pivot_root`` and detach the host's root, remount read-only.
- :func:`confine_runtime` (R): clean descriptors, rlimits, no capabilities, uid/gid 65534,
  no_new_privs and a seccomp deny-list.

Every step that the host cannot do is recorded, with the reason, in a ``protections`` dict
(``True`` = applied, a string = what happened instead). Steps recorded as possible and then
failing in R raise :class:`SandboxError`: R must never run believing it is confined.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import os
import platform
import resource
import signal
from typing import Any, Dict, Union  # noqa: UP035 - see Protections

# Evaluated at run time, in Pythons down to 3.9: no ``dict[...]`` or ``X | Y`` here.
Protections = Dict[str, Union[bool, str]]  # noqa: UP006, UP007

SANDBOX_UID = 65534
SANDBOX_GID = 65534
TASK_ROOT = "/var/task"
NOFILE_LIMIT = 1024  # AWS: file descriptors per environment
NPROC_LIMIT = 1024  # AWS: processes/threads per environment
DEV_NODES = ("null", "zero", "full", "random", "urandom", "tty")
SYSTEM_DIRS = ("/usr", "/lib", "/lib32", "/lib64", "/libx32", "/bin", "/sbin", "/etc")
SHM_SIZE = "64m"  # Docker's default /dev/shm size

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWPID = 0x20000000

MS_RDONLY = 0x1
MS_NOSUID = 0x2
MS_NODEV = 0x4
MS_NOEXEC = 0x8
MS_REMOUNT = 0x20
MS_BIND = 0x1000
MS_REC = 0x4000
MS_PRIVATE = 0x40000
MNT_DETACH = 0x2

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_CAPBSET_DROP = 24
PR_SET_NO_NEW_PRIVS = 38
PR_GET_NO_NEW_PRIVS = 39
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2
PR_CAP_AMBIENT = 47
PR_CAP_AMBIENT_CLEAR_ALL = 4
_LINUX_CAPABILITY_VERSION_3 = 0x20080522

#: Denied with EPERM in R: namespace and mount changes, tracing other processes, kernel
#: modules/keys/bpf, clocks and the machine itself.
SECCOMP_DENY = (
    "mount",
    "umount2",
    "pivot_root",
    "unshare",
    "setns",
    "ptrace",
    "kexec_load",
    "kexec_file_load",
    "bpf",
    "perf_event_open",
    "init_module",
    "finit_module",
    "delete_module",
    "reboot",
    "swapon",
    "swapoff",
    "keyctl",
    "add_key",
    "request_key",
    "userfaultfd",
    "process_vm_readv",
    "process_vm_writev",
    "open_by_handle_at",
    "name_to_handle_at",
    "chroot",
    "acct",
    "quotactl",
    "syslog",
    "settimeofday",
    "clock_settime",
    "adjtimex",
)
_SCMP_ACT_ALLOW = 0x7FFF0000
_SCMP_ACT_ERRNO_EPERM = 0x00050000 | errno.EPERM
_NR_SCMP_ERROR = -1

#: pivot_root has no glibc wrapper on older systems; its number per architecture.
_SYS_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41}

_libc = ctypes.CDLL(None, use_errno=True)


class SandboxError(OSError):
    """A sandbox step failed that must not be skipped silently."""


class Config:
    """The JSON form of ``lambdalite.runtime.spec.SandboxSpec``, parsed without lambdalite."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.env_id: str = data["env_id"]
        self.code_dir: str = data["code_dir"]
        self.layer_dirs: list[str] = list(data.get("layer_dirs", []))
        self.tmp_size_mb: int = int(data["tmp_size_mb"])
        self.binds: list[str] = list(data.get("binds", []))
        self.cgroups: list[str] = list(data.get("cgroups", []))
        self.memory_mb: int = int(data["memory_mb"])
        self.env: dict[str, str] = dict(data.get("env", {}))
        self.kind: str = data.get("kind", "python")
        self.command: list[str] = list(data.get("command", []))
        self.hostname: str = data.get("hostname", "localhost")


# --- thin system-call wrappers -------------------------------------------------------------


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise SandboxError(err, f"{what}: {os.strerror(err)}")


def _b(value: str | None) -> bytes | None:
    return None if value is None else os.fsencode(value)


def unshare(flags: int) -> None:
    _check(_libc.unshare(ctypes.c_int(flags)), f"unshare({flags:#x})")


def mount(
    source: str | None, target: str, fstype: str | None, flags: int, data: str | None
) -> None:
    result = _libc.mount(_b(source), _b(target), _b(fstype), ctypes.c_ulong(flags), _b(data))
    _check(result, "mount {} on {}".format(source or fstype or "", target))


def umount2(target: str, flags: int) -> None:
    _check(_libc.umount2(_b(target), ctypes.c_int(flags)), f"umount2 {target}")


def pivot_root(new_root: str, put_old: str) -> None:
    if hasattr(_libc, "pivot_root"):
        result = _libc.pivot_root(_b(new_root), _b(put_old))
    else:
        number = _SYS_PIVOT_ROOT[platform.machine()]
        result = _libc.syscall(ctypes.c_long(number), _b(new_root), _b(put_old))
    _check(result, "pivot_root")


def prctl(option: int, arg2: int = 0, arg3: int = 0) -> int:
    args = (ctypes.c_ulong(arg2), ctypes.c_ulong(arg3), ctypes.c_ulong(0), ctypes.c_ulong(0))
    result = int(_libc.prctl(ctypes.c_int(option), *args))
    if result < 0:
        _check(result, f"prctl({option})")
    return result


def sethostname(name: str) -> None:
    raw = name.encode()
    _check(_libc.sethostname(raw, ctypes.c_size_t(len(raw))), "sethostname")


def set_parent_death_signal(signum: int = signal.SIGKILL) -> None:
    prctl(PR_SET_PDEATHSIG, signum)


def write_file(path: str, text: str) -> None:
    """Write ``text`` with one write() on an existing file (cgroup and /proc files)."""
    fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)


def describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def setns(fd: int, nstype: int) -> None:
    _check(_libc.setns(ctypes.c_int(fd), ctypes.c_int(nstype)), f"setns({nstype:#x})")


# --- namespaces and cgroups (zygote and H) ---------------------------------------------------


class PidNamespaces:
    """Zygote: forks each H as pid 1 of a new pid namespace.

    unshare(CLONE_NEWPID) only changes the namespace of the caller's future children, so the
    zygote unshares, forks, and then enters its own namespace again (setns) for the next one.
    """

    def __init__(self) -> None:
        self.own = os.open("/proc/self/ns/pid", os.O_RDONLY | os.O_CLOEXEC)
        self.pid_namespace: bool | str = True

    def fork_into_new_pid_namespace(self) -> int:
        """``os.fork()``; the child is pid 1 of a new namespace when the host allows it."""
        try:
            unshare(CLONE_NEWPID)
        except OSError as exc:
            self.pid_namespace = f"not applied: {exc}; reset kills R's process group only"
            return os.fork()
        self.pid_namespace = True
        try:
            pid = os.fork()
        except BaseException:
            self._return_home()
            raise
        if pid != 0:
            self._return_home()
        return pid

    def _return_home(self) -> None:
        try:
            setns(self.own, CLONE_NEWPID)
        except OSError as exc:
            # Every later environment would be born inside this one: the zygote must stop.
            os.write(2, (f"zygote: cannot re-enter its pid namespace: {exc}\n").encode())
            os._exit(71)

    def close(self) -> None:
        os.close(self.own)


def join_cgroups(paths: list[str]) -> dict[str, Any]:
    """H: move this process into each cgroup dir; say which limits now apply.

    On v1 a single-threaded process writes "0" to ``tasks``: migrating just the calling
    thread skips the global cgroup_threadgroup_rwsem, whose write side waits for an RCU grace
    period once the lock has been idle (measured here: 0.1 ms instead of 5-15 ms). v2 has no
    such path for domain cgroups (cgroup.threads refuses to cross domains): cgroup.procs.
    """
    report: dict[str, Any] = {"memory": False, "pids": False, "errors": []}
    for path in paths:
        name = "tasks" if os.path.exists(os.path.join(path, "tasks")) else "cgroup.procs"
        try:
            write_file(os.path.join(path, name), "0")
        except OSError as exc:
            report["errors"].append(f"{path}: {exc}")
            continue
        report["memory"] = report["memory"] or _has_any(path, "memory.max", "memory.limit_in_bytes")
        report["pids"] = report["pids"] or _has_any(path, "pids.max")
    return report


def _has_any(directory: str, *names: str) -> bool:
    return any(os.path.exists(os.path.join(directory, name)) for name in names)


def enter_namespaces() -> Protections:
    """H: private mount, IPC and UTS namespaces, each recorded separately."""
    found: Protections = {}
    for name, flag in (("mount", CLONE_NEWNS), ("ipc", CLONE_NEWIPC), ("uts", CLONE_NEWUTS)):
        try:
            unshare(flag)
            found[name + "_namespace"] = True
        except OSError as exc:
            found[name + "_namespace"] = f"not applied: {exc}"
    return found


def host_pid() -> int:
    """Our pid in the namespace of the mounted /proc (the host's, before /proc is replaced)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("NSpid:"):
                return int(line.split()[1])
    return os.getpid()


# --- the new root (H) --------------------------------------------------------------------------


class _RootBuilder:
    """Builds the sandbox's root under ``/newroot`` while the host root is at ``/oldroot``."""

    OLD = "/oldroot"
    NEW = "/newroot"

    def __init__(self, config: Config) -> None:
        self.config = config
        self.protections: Protections = {}

    def build(self) -> Protections:
        self._enter_staging()
        # /tmp first: a bind of a host path below /tmp (lambdalite installed in a checkout
        # there) then lands inside the private /tmp instead of being hidden by it.
        self._mount_tmp()
        self._make_skeleton()
        self._bind_system_dirs()
        self._bind_extra_paths()
        self._bind_code_and_layers()
        self._make_dev()
        self._mount_proc()
        self._switch_root()
        return self.protections

    def _enter_staging(self) -> None:
        # Our mounts must not propagate back to the host.
        mount(None, "/", None, MS_REC | MS_PRIVATE, None)
        # bubblewrap's trick: pivot into a scratch tmpfs first, so that every host path (even
        # one under the dir the tmpfs covers) stays reachable below /oldroot as bind source.
        mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "size=64k,mode=0755")
        os.chdir("/tmp")
        os.mkdir("oldroot")
        pivot_root(".", "oldroot")
        os.chdir("/")
        os.mkdir(self.NEW)
        mount("tmpfs", self.NEW, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755")

    def _host(self, path: str) -> str:
        return self.OLD + path

    def _existing(self, path: str) -> str:
        if not os.path.isdir(self._host(path)):
            raise SandboxError(errno.ENOENT, f"directory {path} does not exist")
        return self._host(path)

    def _new(self, path: str) -> str:
        return self.NEW + path

    def _make_skeleton(self) -> None:
        # Mount points of ``binds`` first: one below /usr can no longer be created once the
        # read-only /usr is bound on top (the host path exists there anyway).
        for path in ("/var/task", "/opt", "/tmp", "/proc", "/dev/shm", *self.config.binds):
            if not os.path.isfile(self._host(path)):
                os.makedirs(self._new(path), mode=0o755, exist_ok=True)

    def _bind_system_dirs(self) -> None:
        for path in SYSTEM_DIRS:
            source = self._host(path)
            if os.path.islink(source):
                # merged-/usr: /bin -> usr/bin; a bind would follow the link, keep it a link
                os.symlink(os.readlink(source), self._new(path))
            elif os.path.isdir(source):
                os.makedirs(self._new(path), mode=0o755, exist_ok=True)
                self._bind_read_only(source, self._new(path))

    def _bind_extra_paths(self) -> None:
        for path in sorted(set(self.config.binds), key=len):
            source = self._host(path)
            if not os.path.exists(source):
                raise SandboxError(errno.ENOENT, f"bind {path} does not exist")
            if os.path.isfile(source):
                self._make_file(self._new(path))
            self._bind_read_only(source, self._new(path))
        self.protections["binds"] = True

    def _bind_code_and_layers(self) -> None:
        self._bind_read_only(self._existing(self.config.code_dir), self._new(TASK_ROOT))
        layers = [self._existing(layer) for layer in self.config.layer_dirs]
        if len(layers) == 1:
            self._bind_read_only(layers[0], self._new("/opt"))
        elif layers:
            # overlayfs: the leftmost lowerdir is the top layer, and the last listed layer wins
            lower = ":".join(_escape_overlay(layer) for layer in reversed(layers))
            flags = MS_RDONLY | MS_NOSUID | MS_NODEV
            mount("overlay", self._new("/opt"), "overlay", flags, "lowerdir=" + lower)

    def _make_dev(self) -> None:
        for name in DEV_NODES:
            target = self._new("/dev/" + name)
            self._make_file(target)
            mount(self._host("/dev/" + name), target, None, MS_BIND, None)
        flags = MS_NOSUID | MS_NODEV | MS_NOEXEC
        mount("tmpfs", self._new("/dev/shm"), "tmpfs", flags, f"size={SHM_SIZE},mode=1777")
        links = {"fd": "/proc/self/fd", "stdin": "/proc/self/fd/0"}
        links.update({"stdout": "/proc/self/fd/1", "stderr": "/proc/self/fd/2"})
        for name, target in links.items():
            os.symlink(target, self._new("/dev/" + name))

    def _mount_proc(self) -> None:
        flags = MS_NOSUID | MS_NODEV | MS_NOEXEC
        try:
            # hidepid=2: R (uid 65534) cannot even see H (root), pid 1 of the namespace
            mount("proc", self._new("/proc"), "proc", flags, "hidepid=2")
            self.protections["proc"] = True
        except OSError as exc:
            mount("proc", self._new("/proc"), "proc", flags, None)
            self.protections["proc"] = f"fresh /proc without hidepid ({exc})"

    def _mount_tmp(self) -> None:
        options = f"size={self.config.tmp_size_mb}m,mode=1777"
        os.makedirs(self._new("/tmp"), mode=0o755, exist_ok=True)
        mount("tmpfs", self._new("/tmp"), "tmpfs", MS_NOSUID | MS_NODEV, options)
        self.protections["tmp"] = True

    def _switch_root(self) -> None:
        os.chdir(self.NEW)
        # pivot_root(".", "."): the old root ends up stacked on "/", then is detached whole
        pivot_root(".", ".")
        umount2(".", MNT_DETACH)
        os.chdir("/")
        mount(None, "/", None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, None)
        self.protections["filesystem"] = True

    @staticmethod
    def _make_file(path: str) -> None:
        os.makedirs(os.path.dirname(path), mode=0o755, exist_ok=True)
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, 0o644))

    @staticmethod
    def _bind_read_only(source: str, target: str) -> None:
        mount(source, target, None, MS_BIND, None)
        # A bind keeps the source's flags; read-only needs a second, remounting call.
        flags = MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV
        mount(None, target, None, flags, None)


def _escape_overlay(path: str) -> str:
    return path.replace("\\", "\\\\").replace(":", "\\:").replace(",", "\\,")


def build_root(config: Config, mount_namespace: bool | str) -> Protections:
    """H: build and enter the sandbox root; degrade (loudly) without a mount namespace."""
    os.umask(0o022)
    if mount_namespace is not True:
        reason = "not applied (no mount namespace): R sees the host's filesystem, cwd %s"
        return {"filesystem": reason % config.code_dir, "tmp": "host /tmp", "proc": "host /proc"}
    return _RootBuilder(config).build()


def set_hostname(name: str, uts_namespace: bool | str) -> bool | str:
    if uts_namespace is not True:
        return "not applied (no UTS namespace)"
    try:
        sethostname(name)
    except OSError as exc:
        return f"not applied: {exc}"
    return True


# --- the runtime process (R) ----------------------------------------------------------------


class Seccomp:
    """The deny-list as a BPF program, compiled once by libseccomp (through ctypes).

    Compiled in the zygote (libseccomp regenerates the program on every load, ~1 ms); each R
    installs the ready program with one prctl(PR_SET_SECCOMP) call.
    """

    def __init__(self, library: str = "libseccomp.so.2") -> None:
        self.problem: str | None = None
        self._program: Any = None
        try:
            self._program = _compile_filter(ctypes.CDLL(library, use_errno=True))
        except OSError as exc:
            self.problem = f"not applied: {exc}"
        if not os.path.exists("/proc/sys/kernel/seccomp/actions_avail"):
            self.problem = "not applied: the kernel has no seccomp filter support"

    def load(self) -> None:
        """Install the filter in the calling process; no_new_privs must be set (or root)."""
        if self.problem is not None:
            raise SandboxError(errno.ENOSYS, self.problem)
        instructions = len(self._program) // 8  # struct sock_filter is 8 bytes
        program = _SockFprog(instructions, ctypes.cast(self._program, ctypes.c_void_p))
        result = _libc.prctl(
            ctypes.c_int(PR_SET_SECCOMP),
            ctypes.c_ulong(SECCOMP_MODE_FILTER),
            ctypes.byref(program),
            ctypes.c_ulong(0),
            ctypes.c_ulong(0),
        )
        _check(result, "prctl(PR_SET_SECCOMP)")


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def _compile_filter(lib: Any) -> Any:
    """The BPF program (a ctypes buffer) of the deny-list, exported by libseccomp."""
    lib.seccomp_init.restype = ctypes.c_void_p
    ctx = ctypes.c_void_p(lib.seccomp_init(ctypes.c_uint32(_SCMP_ACT_ALLOW)))
    if not ctx:
        raise SandboxError(errno.ENOMEM, "seccomp_init failed")
    read_fd, write_fd = os.pipe()
    try:
        _add_rules(lib, ctx)
        _check_negative(lib.seccomp_export_bpf(ctx, ctypes.c_int(write_fd)), "seccomp_export_bpf")
        os.close(write_fd)
        write_fd = -1
        program = _read_all(read_fd)
        return (ctypes.c_char * len(program)).from_buffer_copy(program)
    finally:
        lib.seccomp_release(ctx)
        for fd in (read_fd, write_fd):
            if fd >= 0:
                os.close(fd)


def _add_rules(lib: Any, ctx: ctypes.c_void_p) -> None:
    action = ctypes.c_uint32(_SCMP_ACT_ERRNO_EPERM)
    for name in SECCOMP_DENY:
        number = lib.seccomp_syscall_resolve_name(name.encode())
        if number == _NR_SCMP_ERROR:
            continue  # not a system call on this architecture
        _check_negative(lib.seccomp_rule_add(ctx, action, ctypes.c_int(number), 0), name)


def _read_all(fd: int) -> bytes:
    chunks: list[bytes] = []
    while True:
        chunk = os.read(fd, 65536)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _check_negative(result: int, what: str) -> None:
    # libseccomp returns -errno instead of setting errno
    if result < 0:
        raise SandboxError(-result, f"{what}: {os.strerror(-result)}")


class RuntimePlan:
    """What R will apply, decided (and recorded as protections) by H before R exists."""

    def __init__(self, config: Config, cgroup_limits: dict[str, bool], seccomp: Seccomp) -> None:
        self.config = config
        self.seccomp = seccomp
        self.root = os.geteuid() == 0
        self.memory_rlimit = not cgroup_limits.get("memory", False)
        self.nproc_rlimit = not cgroup_limits.get("pids", False)
        self.cwd = TASK_ROOT if os.path.isdir(TASK_ROOT) else config.code_dir

    def protections(self) -> Protections:
        found: Protections = {}
        found["memory_limit"] = "cgroup" if not self.memory_rlimit else self._memory_fallback()
        found["pids_limit"] = "cgroup" if not self.nproc_rlimit else self._pids_fallback()
        found["oom_score_adj"] = True
        not_root = "not applied: lambdalite does not run as root"
        found["capabilities"] = True if self.root else not_root
        found["uid"] = True if self.root else not_root
        found["no_new_privs"] = True
        found["seccomp"] = True if self.seccomp.problem is None else self.seccomp.problem
        found["clean_environment"] = True
        return found

    def _memory_fallback(self) -> str:
        return f"RLIMIT_DATA={self.config.memory_mb} MiB (no memory cgroup)"

    @staticmethod
    def _pids_fallback() -> str:
        # RLIMIT_NPROC counts every process of uid 65534 on the host, all environments shared
        limit, uid = NPROC_LIMIT, SANDBOX_UID
        return f"RLIMIT_NPROC={limit} for uid {uid}, shared by all environments (no pids cgroup)"


def confine_runtime(plan: RuntimePlan, log_fd: int, keep_fds: tuple[int, ...] = ()) -> None:
    """R: everything between fork and running the bootstrap, in the order it must happen."""
    os.setsid()
    _wire_stdio(log_fd)
    _close_other_fds(keep_fds)
    write_file("/proc/self/oom_score_adj", "1000")  # R (and its children) die first on OOM
    os.chdir(plan.cwd)
    _set_rlimits(plan)
    if plan.root:
        _drop_privileges()
    prctl(PR_SET_NO_NEW_PRIVS, 1)
    if plan.seccomp.problem is None:
        plan.seccomp.load()


def _wire_stdio(log_fd: int) -> None:
    null = os.open("/dev/null", os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(log_fd, 1)
    os.dup2(log_fd, 2)
    for fd in {null, log_fd} - {0, 1, 2}:
        os.close(fd)


def _close_other_fds(keep: tuple[int, ...]) -> None:
    # Nothing of H (its control socket above all) may stay reachable from user code.
    try:
        fds = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:
        fds = list(range(3, 1024))
    for fd in fds:
        if fd > 2 and fd not in keep:
            with contextlib.suppress(OSError):
                os.close(fd)


def _set_rlimits(plan: RuntimePlan) -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (NOFILE_LIMIT, NOFILE_LIMIT))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # no core files of user code on the host
    if plan.memory_rlimit:
        limit = plan.config.memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    if plan.nproc_rlimit:
        resource.setrlimit(resource.RLIMIT_NPROC, (NPROC_LIMIT, NPROC_LIMIT))


def _drop_privileges() -> None:
    for cap in range(_LAST_CAPABILITY + 1):
        prctl(PR_CAPBSET_DROP, cap)
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL)
    os.setgroups([])
    os.setresgid(SANDBOX_GID, SANDBOX_GID, SANDBOX_GID)
    os.setresuid(SANDBOX_UID, SANDBOX_UID, SANDBOX_UID)  # clears permitted/effective
    _clear_capability_sets()  # the inheritable set survives setuid
    # A uid change makes the process non-dumpable: /proc/self would then belong to root.
    prctl(PR_SET_DUMPABLE, 1)
    set_parent_death_signal()  # a uid change also clears the parent-death signal


def _last_capability() -> int:
    try:
        with open("/proc/sys/kernel/cap_last_cap") as f:
            return int(f.read())
    except OSError:
        return 63


_LAST_CAPABILITY = _last_capability()


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    ]


def _clear_capability_sets() -> None:
    header = _CapHeader(_LINUX_CAPABILITY_VERSION_3, 0)
    data = (_CapData * 2)()
    _check(_libc.capset(ctypes.byref(header), data), "capset")


def restore_signals() -> None:
    """Default dispositions for an exec'd program (Python ignores SIGPIPE and SIGXFSZ)."""
    for name in ("SIGPIPE", "SIGXFSZ", "SIGCHLD"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_DFL)


def status_fields() -> dict[str, str]:
    """Cap*, NoNewPrivs, Seccomp lines of /proc/self/status (for probes and tests)."""
    wanted = ("Cap", "NoNewPrivs", "Seccomp")
    with open("/proc/self/status") as status:
        pairs = [line.split(":", 1) for line in status if line.startswith(wanted)]
    return {key: value.strip() for key, value in pairs}


def exit_reason(status: int) -> str:
    """A wait status in Go's os/exec words, as AWS prints it: "exit status 1", "signal: killed"."""
    if os.WIFEXITED(status):
        return f"exit status {os.WEXITSTATUS(status)}"
    if os.WIFSIGNALED(status):
        signum = os.WTERMSIG(status)
        text = "signal: " + _GO_SIGNAL_NAMES.get(signum, f"signal {signum}")
        return text + (" (core dumped)" if os.WCOREDUMP(status) else "")
    return f"unknown wait status {status}"


#: Go's syscall.Signal.String() on Linux.
_GO_SIGNAL_NAMES: dict[int, str] = {
    1: "hangup",
    2: "interrupt",
    3: "quit",
    4: "illegal instruction",
    5: "trace/breakpoint trap",
    6: "aborted",
    7: "bus error",
    8: "floating point exception",
    9: "killed",
    10: "user defined signal 1",
    11: "segmentation fault",
    12: "user defined signal 2",
    13: "broken pipe",
    14: "alarm clock",
    15: "terminated",
    16: "stack fault",
    17: "child exited",
    18: "continued",
    19: "stopped (signal)",
    20: "stopped",
    21: "stopped (tty input)",
    22: "stopped (tty output)",
    23: "urgent I/O condition",
    24: "CPU time limit exceeded",
    25: "file size limit exceeded",
    26: "virtual timer expired",
    27: "profiling timer expired",
    28: "window changed",
    29: "I/O possible",
    30: "power failure",
    31: "bad system call",
}


def probe() -> dict[str, Any]:
    """What this host lets the sandbox do, without changing anything (for /health)."""
    seccomp = Seccomp()
    return {
        "root": os.geteuid() == 0,
        "seccomp": True if seccomp.problem is None else seccomp.problem,
        "overlayfs": _has_filesystem("overlay"),
        "pidfd": hasattr(os, "pidfd_open"),
        "capabilities": status_fields().get("CapEff", ""),
    }


def _has_filesystem(name: str) -> bool:
    try:
        with open("/proc/filesystems") as f:
            return any(line.split()[-1] == name for line in f if line.strip())
    except OSError:
        return False


__all__: list[str] = [
    "Config",
    "PidNamespaces",
    "Protections",
    "RuntimePlan",
    "SandboxError",
    "Seccomp",
    "build_root",
    "confine_runtime",
    "enter_namespaces",
    "exit_reason",
    "host_pid",
    "join_cgroups",
    "probe",
]
