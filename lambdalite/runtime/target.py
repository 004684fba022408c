"""What the executor needs to know to run one version of a function (a "target").

Built by the invocation service from a resolved function configuration; executors and pools
know nothing of the control plane's records.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cached_property


@dataclass(frozen=True)
class FunctionTarget:
    """One runnable version of a function: its code and the configuration it runs with."""

    account: str
    region: str
    name: str
    version: str  # "$LATEST" or "1", "2", ...
    runtime: str  # "python3.12", "provided.al2023", ...
    handler: str
    memory_mb: int
    timeout_s: int
    tmp_size_mb: int
    code_dir: str
    layer_dirs: tuple[str, ...] = ()
    variables: tuple[tuple[str, str], ...] = ()  # the function's own environment
    role: str = ""
    log_group: str = ""
    log_format: str = "Text"
    application_log_level: str | None = None
    system_log_level: str | None = None
    revision: str = field(default="", compare=False)  # identifies code + configuration
    #: "on-demand", or "provisioned-concurrency" for environments started ahead of traffic.
    initialization_type: str = field(default="on-demand", compare=False)

    @property
    def function_arn(self) -> str:
        return f"arn:aws:lambda:{self.region}:{self.account}:function:{self.name}"

    @cached_property
    def pool_key(self) -> str:
        """Environments are shared only by invocations of exactly the same code and config."""
        identity = json.dumps(
            [self.account, self.region, self.name, self.version, self.revision], sort_keys=True
        )
        return hashlib.sha256(identity.encode()).hexdigest()[:32]

    @property
    def function_key(self) -> tuple[str, str, str]:
        """What reserved concurrency is counted by: the function, all its versions."""
        return (self.account, self.region, self.name)
