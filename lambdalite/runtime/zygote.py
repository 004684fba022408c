"""The zygote: a preloaded interpreter that forks one process tree per execution environment.

Started by the server (``zygote_client.Zygote.start``) as
``<python> -I -S zygote.py --ctl-fd N --path DIR... --bootstrap MODULE``; stdlib only, Python
3.9 to 3.14. It never starts a thread and holds no socket but its control socket.

Processes (see .briefs/runtime-contract.md):

- Z, the zygote: serves spawn requests on its control socket (SOCK_SEQPACKET, one JSON
  message each, file descriptors by SCM_RIGHTS) and reports when an H exits. For each
  environment it unshares a new pid namespace, forks H into it as pid 1, and returns to its
  own namespace (setns): the contract's E and H are one process, one fork less (a fork of the
  zygote costs ~2.5 ms here, its page tables are copied).
- H, pid 1 of the namespace ("holder"): joins the environment's cgroups, builds the sandbox
  root, then serves the environment's control socket: ``start`` forks R, ``reset`` kills every
  process but itself and reaps them all before it answers; when the socket closes (or the
  zygote dies: parent-death signal) H kills everything and exits.
- R, the runtime: confined (sandbox.confine_runtime), then runs the bootstrap module's
  ``main()`` in-process (kind "python") or execve()s ``command`` (kind "exec").

Messages, server -> Z: ``{"op": "spawn", "id": N, "spec": {...}}`` + fds [log pipe write
end, environment socket]; Z -> server: ``{"event": "ready", ...}``, ``{"reply": N, "pid":
H}`` or ``{"reply": N, "error": "..."}``, ``{"event": "exited", "pid": H, "status": "..."}``.
Server -> H: ``{"op": "start"}`` (for kind "python", + fd [R's connection to the Runtime
API, named to the bootstrap by ``RUNTIME_API_FD``]), ``{"op": "reset"}``; H -> server:
``{"event": "ready", "host_pid": H, "protections": {...}}`` or ``{"event": "failed", "error":
"..."}``, ``{"reply": "start", "pid": R}``, ``{"reply": "reset"}``, ``{"event": "exited",
"status": "exit status 1" | "signal: killed" | ...}``.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import gc
import importlib
import importlib.util
import io
import json
import os
import select
import signal
import socket
import sys
import time
import traceback
from types import ModuleType
from typing import Any, NoReturn

MAX_MESSAGE = 1 << 20
MAX_FDS = 4

#: Modules handlers commonly import: imported once here, shared copy-on-write by every R.
STDLIB_PRELOAD = (
    "asyncio",
    "base64",
    "collections",
    "concurrent.futures",
    "contextlib",
    "copy",
    "csv",
    "dataclasses",
    "datetime",
    "decimal",
    "email",
    "enum",
    "functools",
    "gzip",
    "hashlib",
    "hmac",
    "http.client",
    "io",
    "itertools",
    "json",
    "logging",
    "math",
    "pathlib",
    "random",
    "re",
    "shutil",
    "socket",
    "ssl",
    "string",
    "struct",
    "subprocess",
    "tempfile",
    "threading",
    "time",
    "traceback",
    "typing",
    "urllib.parse",
    "urllib.request",
    "uuid",
    "zlib",
)
SDK_PRELOAD = ("boto3", "boto3.session", "botocore", "botocore.session", "botocore.client")
#: Third-party packages we preload; a function that ships its own copy gets its own copy.
SHADOWABLE = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six")


def _load_sandbox() -> ModuleType:
    # A private module name: a function's own "sandbox.py" must not find ours in sys.modules.
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sandbox.py")
    spec = importlib.util.spec_from_file_location("_lambdalite_sandbox", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


sandbox = _load_sandbox()


class Channel:
    """One JSON message per SOCK_SEQPACKET packet, with optional file descriptors."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock

    def send(self, message: dict[str, Any]) -> None:
        self.sock.sendall(json.dumps(message).encode())

    def receive(self) -> tuple[dict[str, Any] | None, list[int]]:
        """The next message and its fds; ``(None, [])`` once the peer has closed."""
        data, fds, _flags, _addr = socket.recv_fds(self.sock, MAX_MESSAGE, MAX_FDS)
        if not data:
            for fd in fds:
                os.close(fd)
            return None, []
        return json.loads(data), fds

    def fileno(self) -> int:
        return self.sock.fileno()

    def close(self) -> None:
        self.sock.close()


class ChildSignals:
    """SIGCHLD turned into a readable fd, so that one poll() serves messages and exits."""

    def __init__(self) -> None:
        self.read_fd, self.write_fd = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        signal.signal(signal.SIGCHLD, _ignore_signal)
        signal.set_wakeup_fd(self.write_fd, warn_on_full_buffer=False)

    def drain(self) -> None:
        try:
            while os.read(self.read_fd, 512):
                pass
        except BlockingIOError:
            pass

    def close(self) -> None:
        """In a forked child: back to the default SIGCHLD handling, without our pipe."""
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        os.close(self.read_fd)
        os.close(self.write_fd)


def _ignore_signal(_signum: int, _frame: Any) -> None:
    """SIGCHLD only needs to wake poll() up, through the wakeup fd."""


def wait_readable(*fds: int) -> list[int]:
    poller = select.poll()
    for fd in fds:
        poller.register(fd, select.POLLIN)
    return [fd for fd, _events in poller.poll()]


def reap(pid: int = -1) -> tuple[int, int] | None:
    """One exited child (pid, wait status) without blocking, or None."""
    try:
        found, status = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return None
    return (found, status) if found else None


# --- Z: the zygote ------------------------------------------------------------------------------


class Zygote:
    """Z: forks an H per spawn request and reports the exit of each H."""

    def __init__(self, channel: Channel, bootstrap: str) -> None:
        self.channel = channel
        self.bootstrap = bootstrap
        self.children: set[int] = set()
        self.signals = ChildSignals()
        self.namespaces = sandbox.PidNamespaces()

    def serve(self) -> None:
        while True:
            ready = wait_readable(self.channel.fileno(), self.signals.read_fd)
            if self.signals.read_fd in ready:
                self.signals.drain()
                self._report_exits()
            if self.channel.fileno() in ready and not self._handle_message():
                return

    def _handle_message(self) -> bool:
        message, fds = self.channel.receive()
        if message is None:
            return False
        if message.get("op") == "spawn" and len(fds) == 2:
            self._spawn(message, fds[0], fds[1])
        else:
            for fd in fds:
                os.close(fd)
            self.channel.send({"reply": message.get("id"), "error": "bad request"})
        return True

    def _spawn(self, message: dict[str, Any], log_fd: int, env_fd: int) -> None:
        try:
            config = sandbox.Config(message["spec"])
            pid = self.namespaces.fork_into_new_pid_namespace()
        except Exception as exc:
            os.close(log_fd)
            os.close(env_fd)
            self.channel.send({"reply": message.get("id"), "error": sandbox.describe(exc)})
            return
        if pid == 0:
            self._become_holder(config, log_fd, env_fd)
        os.close(log_fd)
        os.close(env_fd)
        self.children.add(pid)
        self.channel.send({"reply": message.get("id"), "pid": pid})

    def _become_holder(self, config: Any, log_fd: int, env_fd: int) -> NoReturn:
        try:
            self.channel.close()
            self.signals.close()
            self.namespaces.close()
            env = Channel(socket.socket(fileno=env_fd))
            Holder(config, log_fd, env, self.bootstrap).run(self.namespaces.pid_namespace)
        except BaseException:
            traceback.print_exc()
        os._exit(70)

    def _report_exits(self) -> None:
        while True:
            exited = reap()
            if exited is None:
                return
            pid, status = exited
            self.children.discard(pid)
            reason = sandbox.exit_reason(status)
            self.channel.send({"event": "exited", "pid": pid, "status": reason})


# --- H: the holder, pid 1 of the environment ----------------------------------------------------


class Holder:
    """H: builds the sandbox, then starts and resets the runtime process on request."""

    def __init__(self, config: Any, log_fd: int, channel: Channel, bootstrap: str) -> None:
        self.config = config
        self.log_fd = log_fd
        self.channel = channel
        self.bootstrap = bootstrap
        self.runtime_pid: int | None = None
        # R forked and confined ahead of "start", blocked before the bootstrap runs: its pid and
        # H's end of the socket that lets it go (closing it makes R exit).
        self.waiting: tuple[int, int] | None = None
        self.server_gone = False
        self.plan: Any = None
        self.signals: ChildSignals | None = None

    def run(self, pid_namespace: Any) -> NoReturn:
        os.setsid()  # a terminal's ^C to the server's process group must not reach us
        sandbox.set_parent_death_signal()  # the zygote's end is ours
        try:
            self._prepare(pid_namespace)
        except Exception as exc:
            self.channel.send({"event": "failed", "error": sandbox.describe(exc)})
            os._exit(1)
        self._serve()

    def _prepare(self, pid_namespace: Any) -> None:
        joined = sandbox.join_cgroups(self.config.cgroups)  # first: /sys is still visible
        host_pid = sandbox.host_pid()  # likewise the host's /proc
        protections: dict[str, Any] = {"pid_namespace": pid_namespace}
        namespaces = sandbox.enter_namespaces()
        protections.update(namespaces)
        protections.update(sandbox.build_root(self.config, namespaces["mount_namespace"]))
        hostname = sandbox.set_hostname(self.config.hostname, namespaces["uts_namespace"])
        protections["hostname"] = hostname
        self.plan = sandbox.RuntimePlan(self.config, joined, SECCOMP)
        protections.update(self.plan.protections())
        if joined["errors"]:
            protections["cgroups"] = "not joined: " + "; ".join(joined["errors"])
        self.signals = ChildSignals()
        # Before "ready": a spare environment is then ready down to its runtime.
        self._fork_waiting_runtime()
        self.channel.send({"event": "ready", "host_pid": host_pid, "protections": protections})

    def _serve(self) -> NoReturn:
        assert self.signals is not None
        while True:
            ready = wait_readable(self.channel.fileno(), self.signals.read_fd)
            if self.signals.read_fd in ready:
                self.signals.drain()
                self._reap_children()
            if self.channel.fileno() in ready:
                self._handle_message()

    def _tell(self, message: dict[str, Any]) -> None:
        if self.server_gone:
            return
        try:
            self.channel.send(message)
        except OSError:  # the server closed its end; the next receive() sees it
            self.server_gone = True

    def _handle_message(self) -> None:
        message, fds = self.channel.receive()
        op = None if message is None else message.get("op")
        if op == "start" and len(fds) <= 1:
            self._start(fds[0] if fds else None)
            return
        for fd in fds:
            os.close(fd)
        if message is None:
            self.server_gone = True
            self._kill_all()
            os._exit(0)
        if op == "reset":
            self._kill_all()
            self._tell({"reply": "reset"})
        else:
            self._tell({"reply": op, "error": "unknown operation"})

    def _start(self, api: int | None) -> None:
        """Let R run the bootstrap; ``api``: its connection to the Runtime API, if any."""
        if self.runtime_pid is not None:
            if api is not None:
                os.close(api)
            self._tell({"reply": "start", "error": "the runtime is already running"})
            return
        if self.waiting is not None:
            (pid, go), self.waiting = self.waiting, None
            with socket.socket(fileno=go) as channel:
                socket.send_fds(channel, [b"1"], [] if api is None else [api])
        else:
            pid = os.fork()
            if pid == 0:
                self._become_runtime(None, api)
        if api is not None:
            os.close(api)
        self.runtime_pid = pid
        self._tell({"reply": "start", "pid": pid})

    def _fork_waiting_runtime(self) -> None:
        """Fork and confine R now, so that "start" only has to let it run the bootstrap.
        Nothing of the function runs before then: R waits before the bootstrap starts.
        The word to go comes over a socket, which also carries R's Runtime API connection."""
        ours, theirs = socket.socketpair()
        go_read, go_write = theirs.detach(), ours.detach()
        pid = os.fork()
        if pid == 0:
            os.close(go_write)
            self._become_runtime(go_read, None)
        os.close(go_read)
        self.waiting = (pid, go_write)

    def _become_runtime(self, go: int | None, api: int | None) -> NoReturn:
        try:
            assert self.signals is not None
            self.signals.close()
            self.channel.close()
            keep = tuple(fd for fd in (go, api) if fd is not None)
            sandbox.confine_runtime(self.plan, self.log_fd, keep)
            Runtime(self.config, self.bootstrap).run(go, api)
        except BaseException:
            _report_setup_failure()
        os._exit(125)

    def _reap_children(self) -> None:
        while True:
            exited = reap()
            if exited is None:
                return
            self._note_exit(*exited)

    def _note_exit(self, pid: int, status: int) -> None:
        if self.waiting is not None and pid == self.waiting[0]:
            os.close(self.waiting[1])  # it never started: nothing to report
            self.waiting = None
        if pid == self.runtime_pid:
            self.runtime_pid = None
            self._tell({"event": "exited", "status": sandbox.exit_reason(status)})

    def _kill_all(self) -> None:
        """Kill every process of the environment but H and wait until all are reaped."""
        while True:
            self._signal_all()
            try:
                pid, status = os.waitpid(-1, 0)
            except ChildProcessError:
                return
            self._note_exit(pid, status)

    def _signal_all(self) -> None:
        if os.getpid() == 1:
            with contextlib.suppress(ProcessLookupError):
                os.kill(-1, signal.SIGKILL)  # from pid 1: everyone in the namespace but us
            return
        # No pid namespace: each runtime leads its own process group; best effort.
        for pid in (self.runtime_pid, self.waiting[0] if self.waiting else None):
            if pid is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pid, signal.SIGKILL)


def _report_setup_failure() -> None:
    with contextlib.suppress(OSError):
        os.write(2, ("lambdalite: runtime setup failed\n" + traceback.format_exc()).encode())


# --- R: the runtime -----------------------------------------------------------------------------


class Runtime:
    """R, after confinement: run the bootstrap with exactly the environment of the spec."""

    def __init__(self, config: Any, bootstrap: str) -> None:
        self.config = config
        self.bootstrap = bootstrap

    def run(self, go: int | None, api: int | None) -> NoReturn:
        """Run the bootstrap; with ``go``, get everything ready, then wait for H's word (which
        may bring ``api``, the bootstrap's connection to the Runtime API)."""
        if self.config.kind == "exec":
            self._exec(go, api)
        self._run_python(go, api)

    def _exec(self, go: int | None, api: int | None) -> NoReturn:
        command = self.config.command
        sandbox.restore_signals()
        api = _await_go(go, api)
        if api is not None:  # a custom runtime finds the API by AWS_LAMBDA_RUNTIME_API
            os.close(api)
        try:
            os.execve(command[0], command, self.config.env)
        except OSError as exc:
            # Go's wording, as RAPID reports a bootstrap it cannot start
            text = f"fork/exec {command[0]}: {os.strerror(exc.errno or 0).lower()}\n"
            os.write(2, text.encode())
            os._exit(126 if isinstance(exc, PermissionError) else 127)

    def _run_python(self, go: int | None, api: int | None) -> NoReturn:
        os.environ.clear()
        os.environ.update(self.config.env)
        time.tzset()
        _unbuffered_stdio()
        _drop_shadowed_preloads()
        api = _await_go(go, api)
        if api is not None:
            # The bootstrap takes it out of the environment before any function code runs.
            os.environ[RUNTIME_API_FD] = str(api)
        os._exit(_call_main(self.bootstrap))


#: Names the descriptor of the bootstrap's Runtime API connection, when H passed one.
RUNTIME_API_FD = "_LAMBDALITE_RUNTIME_API_FD"


def _await_go(go: int | None, api: int | None) -> int | None:
    """Block until H lets this runtime start; H gone (end of file) means never. Returns
    the Runtime API connection H sent with its word, else ``api``."""
    if go is None:
        return api
    with socket.socket(fileno=go) as channel:
        word, fds, _flags, _address = socket.recv_fds(channel, 1, 1)
    if not word:
        os._exit(0)
    return fds[0] if fds else api


def _unbuffered_stdio() -> None:
    """stdout/stderr written through at once (like ``python -u``): R may be killed any time."""
    streams = {
        "stdin": io.TextIOWrapper(io.BufferedReader(io.FileIO(0, "r", closefd=False))),
        "stdout": _write_through(1),
        "stderr": _write_through(2),
    }
    for name, stream in streams.items():
        setattr(sys, name, stream)
        setattr(sys, f"__{name}__", stream)


def _write_through(fd: int) -> io.TextIOWrapper:
    raw = io.FileIO(fd, "w", closefd=False)
    return io.TextIOWrapper(raw, encoding="utf-8", errors="backslashreplace", write_through=True)


def _drop_shadowed_preloads() -> None:
    version = "python{}.{}".format(*sys.version_info[:2])
    roots = ["/var/task", "/opt/python", f"/opt/python/lib/{version}/site-packages"]
    shadowed = [n for n in SHADOWABLE if n in sys.modules and any(_ships(r, n) for r in roots)]
    for name in shadowed:
        for loaded in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
            del sys.modules[loaded]
    if shadowed:
        importlib.invalidate_caches()


def _ships(root: str, name: str) -> bool:
    return os.path.isdir(os.path.join(root, name)) or os.path.isfile(
        os.path.join(root, name + ".py")
    )


def _call_main(module_name: str) -> int:
    code = 0
    try:
        module = importlib.import_module(module_name)
        sys.argv = [getattr(module, "__file__", None) or module_name]
        module.main()
    except SystemExit as exc:
        code = _system_exit_code(exc)
    except BaseException:
        traceback.print_exc()
        code = 1
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    return code


def _system_exit_code(exc: SystemExit) -> int:
    if exc.code is None:
        return 0
    if isinstance(exc.code, int):
        return exc.code & 0xFF
    print(exc.code, file=sys.stderr)
    return 1


# --- startup --------------------------------------------------------------------------------------


SECCOMP: Any = None


def preload(names: tuple[str, ...]) -> dict[str, str]:
    """Import each module; a failure is reported, not fatal (R imports it again, or fails)."""
    failed = {}
    for name in names:
        try:
            importlib.import_module(name)
        except Exception as exc:
            failed[name] = sandbox.describe(exc)
    return failed


def warm_resolver() -> None:
    """Let glibc load its resolver state (NSS modules, gai.conf) once, here.

    Measured: the first getaddrinfo() of a process costs ~3.5 ms, i.e. every R's first
    connection to the Runtime API, unless the zygote already paid it.
    """
    for host in ("127.0.0.1", "localhost"):
        with contextlib.suppress(OSError):
            socket.getaddrinfo(host, 9001, type=socket.SOCK_STREAM)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="zygote")
    parser.add_argument("--ctl-fd", type=int, required=True)
    parser.add_argument("--path", action="append", default=[], help="added to sys.path")
    parser.add_argument("--bootstrap", default="lambdalite_bootstrap")
    parser.add_argument("--no-sdk", action="store_true", help="do not preload boto3")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    global SECCOMP  # noqa: PLW0603 - built once here, inherited by every H and R
    args = parse_args(sys.argv[1:] if argv is None else argv)
    started = time.perf_counter()
    sys.path.extend(args.path)
    failed = preload(STDLIB_PRELOAD)
    if not args.no_sdk:
        # No throw-away client: measured, it leaves ~14 MB in the heap (every fork copies
        # its page tables) and does not make R's first client faster (botocore's loader
        # caches per session).
        failed.update(preload(SDK_PRELOAD))
    failed.update(preload((args.bootstrap,)))
    warm_resolver()
    SECCOMP = sandbox.Seccomp()
    # Keep the preloaded objects out of every collection: fewer copy-on-write page faults in R.
    gc.collect()
    gc.freeze()
    channel = Channel(socket.socket(fileno=args.ctl_fd))
    channel.send(_ready_message(started, failed))
    Zygote(channel, args.bootstrap).serve()


def _ready_message(started: float, failed: dict[str, str]) -> dict[str, Any]:
    return {
        "event": "ready",
        "pid": os.getpid(),
        "version": "{}.{}.{}".format(*sys.version_info[:3]),
        "preload_ms": round((time.perf_counter() - started) * 1000, 1),
        "preload_failed": failed,
        "seccomp": SECCOMP.problem or True,
    }


if __name__ == "__main__":
    main()
