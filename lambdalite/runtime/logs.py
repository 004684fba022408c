"""What an invocation writes to CloudWatch Logs: the runtime's output framed by the platform's
START / END / REPORT lines, worded as AWS words them (reference/AWS-BEHAVIOUR.md §1.8-1.9)."""

from __future__ import annotations

import base64
import math
import os
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

#: LogType=Tail answers the last 4 KB of the invocation's log.
TAIL_BYTES = 4096


def log_stream_name(version: str, epoch: float | None = None) -> str:
    """``2026/11/29/[$LATEST]<32 hex>``: one stream per execution environment."""
    day = datetime.fromtimestamp(time.time() if epoch is None else epoch, UTC).strftime("%Y/%m/%d")
    return f"{day}/[{version}]{secrets.token_hex(16)}"


def start_line(request_id: str, version: str) -> str:
    return f"START RequestId: {request_id} Version: {version}\n"


def end_line(request_id: str) -> str:
    return f"END RequestId: {request_id}\n"


@dataclass(frozen=True)
class Report:
    """The numbers of one invocation's REPORT line."""

    request_id: str
    duration_ms: float
    memory_mb: int
    max_memory_used_mb: int
    init_duration_ms: float | None = None
    status: str | None = None  # "timeout", "error" on failures (newer runtimes print it)
    error_type: str | None = None

    def line(self) -> str:
        fields = [
            f"REPORT RequestId: {self.request_id}",
            f"Duration: {self.duration_ms:.2f} ms",
            f"Billed Duration: {math.ceil(self.duration_ms)} ms",
            f"Memory Size: {self.memory_mb} MB",
            f"Max Memory Used: {self.max_memory_used_mb} MB",
        ]
        if self.init_duration_ms is not None:
            fields.append(f"Init Duration: {self.init_duration_ms:.2f} ms")
        if self.status is not None:
            fields.append(f"Status: {self.status}")
        if self.error_type is not None:
            fields.append(f"Error Type: {self.error_type}")
        return "\t".join(fields) + "\t\n"  # AWS ends REPORT with a tab


def init_report_line(duration_ms: float, status: str, error_type: str | None = None) -> str:
    """``INIT_REPORT Init Duration: 150.79 ms	Phase: init	Status: error	Error Type: X``."""
    fields = [
        f"INIT_REPORT Init Duration: {duration_ms:.2f} ms",
        "Phase: init",
        f"Status: {status}",
    ]
    if error_type:
        fields.append(f"Error Type: {error_type}")
    return "\t".join(fields) + "\n"


def timeout_line(request_id: str, elapsed_seconds: float) -> str:
    """``2024-06-25T19:22:58.186Z <id> Task timed out after 30.27 seconds`` (elapsed, not set)."""
    stamp = (
        datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.")
        + f"{datetime.now(UTC).microsecond // 1000:03d}Z"
    )
    return f"{stamp} {request_id} Task timed out after {elapsed_seconds:.2f} seconds\n"


@dataclass
class InvocationLog:
    """The log text of one invocation, as it is being written."""

    chunks: list[bytes] = field(default_factory=list)

    def platform(self, line: str) -> None:
        self.chunks.append(line.encode())

    def runtime(self, data: bytes) -> None:
        self.chunks.append(data)

    def text(self) -> bytes:
        return b"".join(self.chunks)

    def tail(self) -> str:
        """``X-Amz-Log-Result``: base64 of the last 4 KB."""
        return base64.b64encode(self.text()[-TAIL_BYTES:]).decode()


def drain(fd: int, into: InvocationLog) -> None:
    """Read everything the runtime has written so far, without waiting.

    A runtime writes its output before it posts its response, so once the response has
    arrived this returns every byte of that invocation's output: no timer, no guess.
    """
    while True:
        try:
            data = os.read(fd, 65536)
        except BlockingIOError:
            return
        except OSError:
            return  # the pipe is gone with its environment
        if not data:
            return
        into.runtime(data)
