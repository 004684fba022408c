"""Values passed between the pieces that run function code (see each field's comment).

The server builds a :class:`SandboxSpec` per execution environment and sends it, as JSON, to the
zygote; the Runtime API server and the environment exchange :class:`Invocation` and its
results.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

#: Largest response a runtime may post: 6 MiB + 100 bytes, as AWS's RAPID accepts.
MAX_RESPONSE_BYTES = 6 * 1024 * 1024 + 100

#: The user every runtime process runs as (nobody), and its group (nogroup).
SANDBOX_UID = 65534
SANDBOX_GID = 65534


@dataclass(frozen=True)
class SandboxSpec:
    """Everything needed to build one execution environment."""

    env_id: str
    #: Unpacked deployment package, mounted read-only at /var/task.
    code_dir: str
    #: Unpacked layers in the order the function lists them, merged read-only at /opt (later
    #: layers win, as AWS extracts them in order).
    layer_dirs: list[str]
    #: Size of the private /tmp (EphemeralStorage), in MiB.
    tmp_size_mb: int
    #: Host paths made visible read-only at the same path (the interpreter's prefix, the
    #: package dirs of boto3 and its dependencies, the bootstrap dir). Nothing else of the
    #: host's root filesystem is visible but the system dirs (/usr, /lib*, /bin, /sbin, /etc).
    binds: list[str]
    #: cgroup directories (one per controller on v1, one on v2) the environment joins; empty
    #: when the host offers none (the memory limit then falls back to RLIMIT_DATA).
    cgroups: list[str]
    #: MemorySize in MiB: the RLIMIT_DATA fallback when there is no memory cgroup.
    memory_mb: int
    #: The complete environment of the runtime process: nothing from the host.
    env: dict[str, str]
    #: "python": run the bootstrap in-process (R is a fork of the preloaded zygote);
    #: "exec": execve(command) in /var/task (custom runtimes: /var/task/bootstrap).
    kind: Literal["python", "exec"] = "python"
    command: list[str] = field(default_factory=list)
    hostname: str = "localhost"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Invocation:
    """One event for a runtime, as the Runtime API hands it out on GET /next."""

    request_id: str
    payload: bytes
    deadline_ms: int  # epoch milliseconds: Lambda-Runtime-Deadline-Ms
    invoked_function_arn: str
    trace_id: str
    client_context: str | None = None  # JSON text (decoded from X-Amz-Client-Context)
    cognito_identity: str | None = None  # JSON text
    content_type: str = "application/json"


@dataclass(frozen=True)
class InvocationResult:
    """What the runtime answered for one invocation."""

    kind: Literal["response", "error", "too_large"]
    body: bytes
    content_type: str | None = None
    #: Lambda-Runtime-Function-Error-Type header of /error (the platform's classification).
    error_type: str | None = None


@dataclass(frozen=True)
class InitResult:
    """How the runtime's init ended: it asked for the first event, or it posted /init/error."""

    ok: bool
    body: bytes = b""
    error_type: str | None = None
