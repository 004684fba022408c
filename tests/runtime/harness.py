"""Test helpers: a zygote on a background event loop, and environments driven synchronously.

R runs the stand-in bootstrap (``standin/standin_bootstrap.py``): it connects to a listener
of the test, says hello, then runs each Python snippet the test sends and answers with the
snippet's ``result`` (or the exception). The Runtime API is not involved.
"""

from __future__ import annotations

import asyncio
import json
import os
import select
import socket
import threading
import time
import uuid
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

import boto3

from lambdalite.runtime import cgroups, interpreters, zygote_client
from lambdalite.runtime.spec import SandboxSpec

STANDIN_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "standin")
TIMEOUT = 30.0
T = TypeVar("T")


def sdk_dir() -> str:
    """The site-packages dir holding boto3 (bound read-only into every sandbox)."""
    return os.path.dirname(os.path.dirname(os.path.abspath(boto3.__file__)))


def make_tree(root: Path, files: dict[str, str], mode: int = 0o644) -> Path:
    """A directory R (uid 65534) can read: ``files`` maps relative paths to contents."""
    root.mkdir(parents=True, exist_ok=True)
    root.chmod(0o755)
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.parent.chmod(0o755)
        path.write_text(content)
        path.chmod(mode)
    return root


class RemoteError(Exception):
    """A snippet raised inside R; the message is ``Type: text``."""


class LoopThread:
    """An asyncio loop in a daemon thread; ``run`` waits for a coroutine's result."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float = TIMEOUT) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(TIMEOUT)
        self.loop.close()


class RuntimeHost:
    """One zygote (of the interpreter for python3.12, or the nearest) and a cgroup manager."""

    def __init__(self) -> None:
        self.loop = LoopThread()
        self.interpreter = interpreters.choose("python3.12").interpreter
        self.cgroups = cgroups.CgroupManager.detect()
        paths = [sdk_dir(), STANDIN_DIR]
        start = zygote_client.Zygote.start(self.interpreter, paths, bootstrap="standin_bootstrap")
        self.zygote = self.loop.run(start, timeout=120)

    def spawn(
        self,
        code_dir: Path,
        *,
        layers: tuple[Path, ...] = (),
        env: dict[str, str] | None = None,
        memory_mb: int = 256,
        pids_max: int = cgroups.PIDS_MAX,
        use_cgroups: bool = True,
        kind: str = "python",
        command: tuple[str, ...] = (),
        binds: tuple[str, ...] = (),
    ) -> Environment:
        env_id = "test-" + uuid.uuid4().hex[:12]
        cgroup = self.cgroups.create(env_id, memory_mb, pids_max) if use_cgroups else None
        listener = socket.create_server(("127.0.0.1", 0))
        address = f"127.0.0.1:{listener.getsockname()[1]}"
        spec = SandboxSpec(
            env_id=env_id,
            code_dir=str(code_dir),
            layer_dirs=[str(layer) for layer in layers],
            tmp_size_mb=64,
            binds=[self.interpreter.prefix, sdk_dir(), STANDIN_DIR, *binds],
            cgroups=cgroup.paths if cgroup else [],
            memory_mb=memory_mb,
            env={"STANDIN_ADDRESS": address, **(env or {})},
            kind="exec" if kind == "exec" else "python",
            command=list(command),
            hostname="sandbox-host",
        )
        sandbox = self.loop.run(self.zygote.spawn(spec, cgroup=cgroup))
        return Environment(self, sandbox, spec, listener)

    def close(self) -> None:
        self.loop.run(self.zygote.stop())
        self.cgroups.close()
        self.loop.close()


class Environment:
    """One sandbox, driven from the test's thread."""

    def __init__(
        self,
        host: RuntimeHost,
        sandbox: zygote_client.Sandbox,
        spec: SandboxSpec,
        listener: socket.socket,
    ) -> None:
        self.host = host
        self.sandbox = sandbox
        self.spec = spec
        self.listener = listener
        self.stream: Any = None
        self.log = b""

    def start(self, connect: bool = True) -> None:
        """Start R; with ``connect``, wait for the stand-in's hello."""
        self.host.loop.run(self.sandbox.start_runtime())
        if connect:
            self.listener.settimeout(TIMEOUT)
            conn, _ = self.listener.accept()
            conn.settimeout(TIMEOUT)
            self.stream = conn.makefile("rwb")
            assert "hello" in json.loads(self.stream.readline())

    def send(self, code: str) -> None:
        self.stream.write(json.dumps({"code": code}).encode() + b"\n")
        self.stream.flush()

    def answer(self) -> dict[str, Any]:
        line = self.stream.readline()
        if not line:
            raise EOFError("the runtime closed the connection")
        reply: dict[str, Any] = json.loads(line)
        return reply

    def call(self, code: str) -> Any:
        """Run ``code`` in R; its variable ``result`` is returned, an exception re-raised."""
        self.send(code)
        reply = self.answer()
        if not reply["ok"]:
            raise RemoteError(reply["error"])
        return reply["value"]

    def reset(self) -> None:
        # Close our end only after the reset: R would see EOF and exit on its own first.
        self.host.loop.run(self.sandbox.reset())
        if self.stream is not None:
            self.stream.close()
            self.stream = None

    def exited(self) -> str:
        return self.host.loop.run(self.sandbox.runtime_exited())

    def destroy(self) -> None:
        self.host.loop.run(self.sandbox.destroy())
        self.listener.close()

    def read_log(self, until: bytes, timeout: float = TIMEOUT) -> bytes:
        """Everything logged so far, waiting (with a deadline) until ``until`` shows."""
        deadline = time.monotonic() + timeout
        while until not in self.log and time.monotonic() < deadline:
            ready, _, _ = select.select([self.sandbox.log_fd], [], [], 0.1)
            if ready:
                self._drain_log()
        return self.log

    def _drain_log(self) -> None:
        try:
            while chunk := os.read(self.sandbox.log_fd, 65536):
                self.log += chunk
        except BlockingIOError:
            pass


def wait_for(condition: Any, timeout: float = TIMEOUT, interval: float = 0.005) -> bool:
    """Poll ``condition()`` until it is true or the deadline passes."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(interval)
    return True
