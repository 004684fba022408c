"""Server side of the zygote (asyncio): start a zygote, spawn environments, handle them.

``Zygote.start`` runs ``zygote.py`` under the chosen interpreter and waits for its ready
message; ``Zygote.spawn(spec)`` forks an environment and returns its :class:`Sandbox` once the
sandbox root is built (the runtime is started separately, ``Sandbox.start_runtime``). The
message protocol is described in zygote.py.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import itertools
import json
import os
import signal
import socket
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from lambdalite.runtime.cgroups import CgroupError, EnvCgroup
from lambdalite.runtime.interpreters import Interpreter
from lambdalite.runtime.spec import SandboxSpec

ZYGOTE_PATH = str(Path(__file__).with_name("zygote.py"))
DEFAULT_BOOTSTRAP = "lambdalite_bootstrap"
MAX_MESSAGE = 1 << 20
#: The zygote's whole environment: R can read it back from /proc/self/environ (it is the
#: zygote's initial stack), so nothing of the server's environment may be in it.
ZYGOTE_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"}
#: How long H may take to tear the environment down before it is killed.
DESTROY_GRACE = 2.0
GONE_TIMEOUT = 10.0

Message = dict[str, Any]


class ZygoteError(RuntimeError):
    """The zygote could not be started or has gone."""


class SpawnError(RuntimeError):
    """An environment could not be built, or a request to it failed."""


class _Peer:
    """JSON messages over a non-blocking SOCK_SEQPACKET socket, read by the event loop."""

    def __init__(
        self,
        sock: socket.socket,
        on_message: Callable[[Message], None],
        on_close: Callable[[], None],
    ) -> None:
        self.sock = sock
        self.sock.setblocking(False)
        self.loop = asyncio.get_running_loop()
        self.closed = False
        self._on_message = on_message
        self._on_close = on_close
        self.loop.add_reader(sock.fileno(), self._readable)

    def _readable(self) -> None:
        while not self.closed:
            try:
                data = self.sock.recv(MAX_MESSAGE)
            except BlockingIOError:
                return
            except OSError:
                data = b""
            if not data:
                self.close()
                self._on_close()
                return
            self._on_message(json.loads(data))

    async def send(self, message: Message, fds: Sequence[int] = ()) -> None:
        if self.closed:
            raise SpawnError("the connection is closed")
        data = json.dumps(message).encode()
        while True:
            try:
                socket.send_fds(self.sock, [data], list(fds)) if fds else self.sock.send(data)
                return
            except BlockingIOError:
                await self._writable()

    async def _writable(self) -> None:
        ready = self.loop.create_future()
        self.loop.add_writer(self.sock.fileno(), ready.set_result, None)
        try:
            await ready
        finally:
            self.loop.remove_writer(self.sock.fileno())

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.loop.remove_reader(self.sock.fileno())
            self.sock.close()


def _settle(
    future: asyncio.Future[Any], result: Any = None, error: Exception | None = None
) -> None:
    if not future.done():
        future.set_exception(error) if error else future.set_result(result)


class Zygote:
    """A running zygote process of one interpreter."""

    def __init__(self, interpreter: Interpreter, process: asyncio.subprocess.Process) -> None:
        self.interpreter = interpreter
        self.process = process
        self.pid = process.pid
        self.info: Message = {}
        self._loop = asyncio.get_running_loop()
        self._ready: asyncio.Future[Message] = self._loop.create_future()
        self._requests: dict[int, asyncio.Future[Message]] = {}
        self._exits: dict[int, asyncio.Future[str]] = {}
        self._ids = itertools.count(1)
        self._sandboxes: set[Sandbox] = set()
        self._peer: _Peer | None = None

    @classmethod
    async def start(
        cls,
        interpreter: Interpreter,
        runtime_paths: Sequence[str],
        *,
        bootstrap: str = DEFAULT_BOOTSTRAP,
        preload_sdk: bool = True,
        timeout: float = 60.0,
    ) -> Zygote:
        """Start ``zygote.py``; ``runtime_paths`` (boto3's and the bootstrap's dirs) go on
        its ``sys.path``. Resolves once the zygote has preloaded everything."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        with theirs:
            command = _command(interpreter, runtime_paths, theirs.fileno(), bootstrap, preload_sdk)
            process = await asyncio.create_subprocess_exec(
                *command,
                pass_fds=(theirs.fileno(),),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL,
                env=ZYGOTE_ENV,
                cwd="/",
            )
        zygote = cls(interpreter, process)
        zygote._peer = _Peer(ours, zygote._on_message, zygote._on_close)
        try:
            zygote.info = await asyncio.wait_for(asyncio.shield(zygote._ready), timeout)
        except BaseException:
            await zygote.stop()
            raise
        return zygote

    def _on_message(self, message: Message) -> None:
        if message.get("event") == "ready":
            _settle(self._ready, message)
        elif message.get("event") == "exited":
            _settle(self._exit_future(message["pid"]), message["status"])
        elif "reply" in message and message["reply"] in self._requests:
            _settle(self._requests.pop(message["reply"]), message)

    def _on_close(self) -> None:
        gone = ZygoteError(f"the zygote (pid {self.pid}) has exited")
        _settle(self._ready, error=gone)
        for future in self._requests.values():
            _settle(future, error=gone)
        self._requests.clear()
        for exit_future in self._exits.values():
            _settle(exit_future, "zygote exited")  # H dies with the zygote (parent-death signal)

    def _exit_future(self, pid: int) -> asyncio.Future[str]:
        if pid not in self._exits:
            self._exits[pid] = self._loop.create_future()
            if self._peer is None or self._peer.closed:
                _settle(self._exits[pid], "zygote exited")
        return self._exits[pid]

    async def spawn(
        self, spec: SandboxSpec, *, cgroup: EnvCgroup | None = None, timeout: float = 30.0
    ) -> Sandbox:
        """Fork and sandbox a new environment; its runtime is not started yet."""
        if cgroup is None and spec.cgroups:
            cgroup = EnvCgroup.attach(spec.cgroups)
        log_read, log_write = os.pipe2(os.O_CLOEXEC | os.O_NONBLOCK)
        os.set_blocking(log_write, True)
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        sandbox = Sandbox(spec.env_id, log_read, ours, cgroup, self, kind=spec.kind)
        try:
            with theirs:
                reply = await self._request(
                    {"op": "spawn", "spec": spec.to_json()}, log_write, theirs
                )
        except BaseException:
            await sandbox.destroy()
            raise
        finally:
            os.close(log_write)
        return await self._await_ready(sandbox, reply["pid"], timeout)

    async def _await_ready(self, sandbox: Sandbox, pid: int, timeout: float) -> Sandbox:
        sandbox.pid = pid
        self._sandboxes.add(sandbox)
        try:
            await asyncio.wait_for(asyncio.shield(sandbox._ready), timeout)
        except BaseException:
            await sandbox.destroy()
            raise
        return sandbox

    async def _request(self, message: Message, log_fd: int, env: socket.socket) -> Message:
        if self._peer is None or self._peer.closed:
            raise ZygoteError(f"the zygote (pid {self.pid}) has exited")
        number = next(self._ids)
        future: asyncio.Future[Message] = self._loop.create_future()
        self._requests[number] = future
        await self._peer.send({**message, "id": number}, (log_fd, env.fileno()))
        reply = await future
        if "error" in reply:
            raise SpawnError("zygote: {}".format(reply["error"]))
        return reply

    async def stop(self, timeout: float = 5.0) -> None:
        """Destroy the environments still alive, then end the zygote."""
        await asyncio.gather(*(s.destroy() for s in list(self._sandboxes)))
        if self._peer is not None:
            self._peer.close()
            self._on_close()
        try:
            await asyncio.wait_for(self.process.wait(), timeout)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
            await self.process.wait()

    def _forget(self, sandbox: Sandbox) -> None:
        self._sandboxes.discard(sandbox)
        if sandbox.pid:
            self._exits.pop(sandbox.pid, None)


def _command(
    interpreter: Interpreter, paths: Sequence[str], fd: int, bootstrap: str, sdk: bool
) -> list[str]:
    # -I: ignore PYTHON* variables and the user's site dir; -S: nor the interpreter's
    # site-packages (an old boto3 there must not shadow ours).
    command = [interpreter.path, "-I", "-S", ZYGOTE_PATH, "--ctl-fd", str(fd)]
    command += ["--bootstrap", bootstrap, *(f"--path={path}" for path in paths)]
    return command if sdk else [*command, "--no-sdk"]


class Sandbox:
    """Handle of one execution environment (E, H and the current R)."""

    def __init__(
        self,
        env_id: str,
        log_fd: int,
        sock: socket.socket,
        cgroup: EnvCgroup | None,
        zygote: Zygote,
        *,
        kind: str = "python",
    ) -> None:
        self.env_id = env_id
        self.kind = kind  # "python": lambdalite's bootstrap; "exec": a custom runtime
        #: Host pid of the environment's pid 1 (the contract's E and H are one process):
        #: killing it kills every process of the environment.
        self.pid = 0
        self.host_pid: int | None = None  # the same pid, as H reported it when ready
        self.log_fd = log_fd
        self.protections: dict[str, bool | str] = {}
        self.cgroup = cgroup
        self._zygote = zygote
        self._loop = asyncio.get_running_loop()
        self._ready: asyncio.Future[None] = self._loop.create_future()
        self._replies: dict[str, collections.deque[asyncio.Future[Message]]] = {}
        self._runtime_exit: asyncio.Future[str] | None = None
        self._holder_fd: int | None = None
        self._destroying: asyncio.Task[None] | None = None
        self._peer = _Peer(sock, self._on_message, self._on_close)

    # --- messages from H ---

    def _on_message(self, message: Message) -> None:
        event = message.get("event")
        if event == "ready":
            self._on_ready(message)
        elif event == "failed":
            _settle(
                self._ready, error=SpawnError("sandbox setup failed: {}".format(message["error"]))
            )
        elif event == "exited" and self._runtime_exit is not None:
            _settle(self._runtime_exit, message["status"])
        elif "reply" in message and self._replies.get(message["reply"]):
            _settle(self._replies[message["reply"]].popleft(), message)

    def _on_ready(self, message: Message) -> None:
        self.protections = dict(message["protections"])
        self.host_pid = int(message["host_pid"])
        with contextlib.suppress(OSError, AttributeError):
            # a pidfd tells when H is really gone: the kernel has then killed and reaped
            # every other process of its pid namespace
            self._holder_fd = os.pidfd_open(self.host_pid)
        _settle(self._ready)

    def _on_close(self) -> None:
        gone = SpawnError(f"environment {self.env_id} has gone")
        _settle(self._ready, error=gone)
        for waiting in self._replies.values():
            for future in waiting:
                _settle(future, error=gone)
        self._replies.clear()
        if self._runtime_exit is not None:
            _settle(self._runtime_exit, "signal: killed")

    async def _call(self, op: str, fds: Sequence[int] = ()) -> Message:
        future: asyncio.Future[Message] = self._loop.create_future()
        self._replies.setdefault(op, collections.deque()).append(future)
        await self._peer.send({"op": op}, fds)
        reply = await future
        if "error" in reply:
            raise SpawnError("{}: {}".format(op, reply["error"]))
        return reply

    # --- the contract ---

    async def start_runtime(self, channel: socket.socket | None = None) -> None:
        """H forks a fresh R (first start and after a reset); ``channel``, a connection to
        the Runtime API, goes to R as its descriptor (the caller still closes its copy)."""
        if self._runtime_exit is not None and not self._runtime_exit.done():
            raise SpawnError("start: the runtime is already running")
        self._runtime_exit = self._loop.create_future()
        await self._call("start", () if channel is None else (channel.fileno(),))

    async def reset(self) -> None:
        """Kill every process of the environment but H and wait for them; /tmp stays."""
        await self._call("reset")

    async def runtime_exited(self) -> str:
        """The current R's exit in AWS's wording: "exit status N", "signal: killed", ..."""
        return await asyncio.shield(self.runtime_exit)

    @property
    def runtime_exit(self) -> asyncio.Future[str]:
        """The future :meth:`runtime_exited` awaits (not to be cancelled)."""
        if self._runtime_exit is None:
            raise SpawnError(f"no runtime was started in environment {self.env_id}")
        return self._runtime_exit

    def peak_memory_bytes(self) -> int | None:
        return self.cgroup.peak_memory_bytes() if self.cgroup else None

    def reset_peak_memory(self) -> None:
        if self.cgroup:
            self.cgroup.reset_peak_memory()

    def oom_kills(self) -> int | None:
        """OOM kills in this environment so far (None without a memory cgroup)."""
        return self.cgroup.oom_kills() if self.cgroup else None

    async def destroy(self) -> None:
        """Kill everything, wait until no process is left, remove the cgroup, close log_fd.

        Remove any event-loop reader of ``log_fd`` before calling this.
        """
        if self._destroying is None:
            self._destroying = asyncio.ensure_future(self._destroy())
        await asyncio.shield(self._destroying)

    async def _destroy(self) -> None:
        self._peer.close()  # H sees EOF: kills everything, exits
        self._on_close()
        if self.pid and not await self._await_e_exit(DESTROY_GRACE):
            self._kill_hard()
            await self._await_e_exit(GONE_TIMEOUT)
        await self._await_holder_gone()
        if self.cgroup is not None:
            await _empty_and_remove(self.cgroup)
        os.close(self.log_fd)
        self._zygote._forget(self)

    async def _await_e_exit(self, timeout: float) -> bool:
        future = self._zygote._exit_future(self.pid)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(future), timeout)
        return future.done()

    def _kill_hard(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)  # H follows by its parent-death signal
        if self.cgroup is not None:
            self.cgroup.kill_all()

    async def _await_holder_gone(self) -> None:
        if self._holder_fd is not None:
            await _readable(self._holder_fd, GONE_TIMEOUT)
            os.close(self._holder_fd)
            self._holder_fd = None
        elif self.host_pid is not None:
            await _poll(lambda: not os.path.exists(f"/proc/{self.host_pid}"), GONE_TIMEOUT)


async def _readable(fd: int, timeout: float) -> None:
    loop = asyncio.get_running_loop()
    ready = loop.create_future()
    loop.add_reader(fd, _settle, ready)
    try:
        await asyncio.wait_for(ready, timeout)
    finally:
        loop.remove_reader(fd)


async def _poll(done: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.002)
    return True


async def _empty_and_remove(cgroup: EnvCgroup) -> None:
    def emptied() -> bool:
        if cgroup.procs():
            cgroup.kill_all()
            return False
        return True

    if not await _poll(emptied, GONE_TIMEOUT):
        raise CgroupError(0, f"processes left in {cgroup.paths}")
    # rmdir may briefly see a dying cgroup as busy
    for _ in range(100):
        try:
            cgroup.remove()
            return
        except CgroupError:
            await asyncio.sleep(0.002)
    cgroup.remove()


__all__ = ["Sandbox", "SpawnError", "Zygote", "ZygoteError"]
