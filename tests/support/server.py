"""Start a real ``lambdalite up`` on an ephemeral 127.0.0.1 port and stop it by its own pid."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

READY = re.compile(r"AWS_ENDPOINT_URL=(\S+)")
START_TIMEOUT = 60.0


class LambdaliteServer:
    """A ``lambdalite up`` child process; ``endpoint`` is known once it printed its ready line."""

    def __init__(
        self, data_dir: Path, args: Sequence[str] = (), env: dict[str, str] | None = None
    ) -> None:
        self.data_dir = data_dir
        command = [
            sys.executable,
            "-m",
            "lambdalite",
            "up",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--data-dir",
            str(data_dir),
            *args,
        ]
        environment = {
            k: v for k, v in os.environ.items() if not k.startswith(("LAMBDALITE_", "AWS_"))
        }
        environment.update(env or {})
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment
        )
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self._lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(
            target=self._pump, args=(self.process.stdout, self.stdout, True), daemon=True
        ).start()
        threading.Thread(
            target=self._pump, args=(self.process.stderr, self.stderr, False), daemon=True
        ).start()
        self.endpoint = self._await_ready()

    def _pump(self, stream: object, sink: list[str], announce: bool) -> None:
        for line in stream:  # type: ignore[attr-defined]
            sink.append(line)
            if announce:
                self._lines.put(line)
        if announce:
            self._lines.put(None)

    def _await_ready(self) -> str:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            try:
                line = self._lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            if line is None:
                break
            found = READY.search(line)
            if found:
                return found.group(1)
        self.kill()
        raise RuntimeError(
            "lambdalite did not become ready:\n" + "".join(self.stdout + self.stderr)
        )

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30.0) -> int:
        """Signal the server and wait for it to exit; returns its exit status."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


@contextmanager
def running_server(
    data_dir: Path, args: Sequence[str] = (), env: dict[str, str] | None = None
) -> Iterator[LambdaliteServer]:
    server = LambdaliteServer(data_dir, args, env)
    try:
        yield server
    finally:
        server.kill()


def aws_env(endpoint: str, secret: str = "test") -> dict[str, str]:
    """Environment for boto3 / aws CLI pointed at lambdalite, as the README tells users."""
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": secret,
        "AWS_DEFAULT_REGION": "us-east-1",
    }
