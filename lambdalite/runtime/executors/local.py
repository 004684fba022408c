"""The local executor: zygotes and execution environments on this machine."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from lambdalite.aws.credentials import Credential
from lambdalite.runtime.cgroups import CgroupManager
from lambdalite.runtime.concurrency import Concurrency, FunctionKey
from lambdalite.runtime.environment import Environment, Outcome
from lambdalite.runtime.interpreters import NoInterpreter, choose
from lambdalite.runtime.logs import log_stream_name
from lambdalite.runtime.paths import python_runtime_paths
from lambdalite.runtime.pool import Pool
from lambdalite.runtime.runtime_api import RuntimeApi
from lambdalite.runtime.spec import Invocation, SandboxSpec
from lambdalite.runtime.target import FunctionTarget
from lambdalite.runtime.zygote_client import Zygote

log = logging.getLogger(__name__)

#: The Python runtimes AWS accepts for new functions (the model's current ones).
PYTHON_RUNTIMES = ("python3.10", "python3.11", "python3.12", "python3.13", "python3.14")

#: Mints the function role's temporary credentials: (account, role ARN, session name).
CredentialIssuer = Callable[[str, str, str], Credential]


@dataclass(frozen=True)
class ExecutorSettings:
    endpoint: str  # how functions reach lambdalite (AWS_ENDPOINT_URL)
    keep_alive_s: float  # idle environments are destroyed after this long
    account_limit: int  # the account's concurrency
    max_spares: int = 0  # sandboxes built ahead of cold starts, over all pools


class LocalExecutor:
    """Runs invocations in sandboxed environments forked from per-interpreter zygotes."""

    def __init__(self, settings: ExecutorSettings, issue_credentials: CredentialIssuer) -> None:
        self.settings = settings
        self.concurrency = Concurrency(settings.account_limit)
        self._issue_credentials = issue_credentials
        self._zygotes: dict[str, Zygote] = {}
        self._zygote_lock = asyncio.Lock()
        self._pools: dict[str, Pool] = {}
        self._reaper: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.cgroups = CgroupManager(None, {}, [])  # detected at start()
        self.last_protections: dict[str, bool | str] = {}

    async def start(self) -> None:
        # Before any zygote starts: on cgroup v2 detection may move this process to a leaf.
        self.cgroups = await asyncio.to_thread(CgroupManager.detect)
        self._reaper = asyncio.get_running_loop().create_task(self._reap_forever())

    async def stop(self) -> None:
        if self._reaper is not None:
            self._reaper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reaper
        await asyncio.gather(
            *self._tasks, *(pool.retire() for pool in self._pools.values()), return_exceptions=True
        )
        await asyncio.gather(*(z.stop() for z in self._zygotes.values()), return_exceptions=True)
        self.cgroups.close()

    def status(self) -> dict[str, object]:
        """For /health: which interpreter runs each Python runtime, what confines functions."""
        runtimes: dict[str, object] = {}
        for runtime in PYTHON_RUNTIMES:
            try:
                choice = choose(runtime)
            except NoInterpreter as missing:
                runtimes[runtime] = {"interpreter": None, "warning": str(missing)}
                continue
            runtimes[runtime] = {"interpreter": choice.interpreter.label, "warning": choice.warning}
        return {
            "runtimes": runtimes,
            "cgroups": self.cgroups.status(),
            "protections": self.last_protections or "no execution environment started yet",
            "environments": sum(pool.size for pool in self._pools.values()),
            "spare_environments": sum(pool.spare_ready for pool in self._pools.values()),
        }

    async def invoke(self, target: FunctionTarget, invocation: Invocation) -> Outcome:
        """Run one invocation; raises Throttled when no concurrency is left."""
        with self.concurrency.slot(target.function_key, target.version):
            pool = self._pool(target)
            environment = await pool.acquire()
            try:
                return await environment.invoke(invocation)
            finally:
                await pool.release(environment)

    def prepare(self, target: FunctionTarget) -> None:
        """``target`` is about to be invoked (it was just created or updated): start its
        runtime's zygote and build a spare sandbox for its first cold start, in the background.

        Starting an interpreter on a guess costs its memory (~40 MB per Python version in
        use), but otherwise the first invocation after ``lambdalite up`` waits ~0.5 s for it.
        """
        self._in_background(self._prepare(target))

    async def _prepare(self, target: FunctionTarget) -> None:
        try:
            await self._zygote(target.runtime)
        except Exception as error:  # the invocation starts one itself and reports the failure
            log.warning("could not start the runtime of %s ahead: %s", target.name, error)
            return
        self._pool(target).prepare_first_spare()

    async def provision(self, target: FunctionTarget, count: int) -> int:
        """Keep ``count`` initialised environments of ``target`` ready (provisioned
        concurrency); returns how many are. They are never reaped while provisioned."""
        ready = await self._pool(target).provision(count)
        self.concurrency.provision(target.function_key, target.version, ready)
        return ready

    def unprovision(self, function: FunctionKey, version: str) -> None:
        """The provisioned environments of a version become ordinary (reaped when idle)."""
        self.concurrency.provision(function, version, 0)
        for pool in self._pools.values():
            if pool.target.function_key == function and pool.target.version == version:
                pool.unprovision()

    async def drain(self, function: FunctionKey, version: str | None = None) -> None:
        """Retire a function's environments (of one version, or all): idle ones now, busy
        ones once their invocation is done. Called when code or configuration changes."""
        for key, pool in list(self._pools.items()):
            target = pool.target
            if target.function_key == function and version in (None, target.version):
                del self._pools[key]
                await pool.retire()

    def _pool(self, target: FunctionTarget) -> Pool:
        pool = self._pools.get(target.pool_key)
        if pool is None:
            pool = Pool(target, self._new_environment, self._may_spare)
            self._pools[target.pool_key] = pool
        return pool

    def _may_spare(self, pool: Pool) -> bool:
        """Whether ``pool`` may build a spare: when the budget is spent, the oldest spare
        (the least likely to be wanted) makes room."""
        if self.settings.max_spares <= 0:
            return False
        holders = [p for p in self._pools.values() if p.has_spare]
        if len(holders) >= self.settings.max_spares:
            oldest = min(holders, key=lambda p: p.spare_since)
            self._in_background(oldest.drop_spare())
        return True

    def _in_background(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _new_environment(self, target: FunctionTarget) -> Environment:
        zygote = await self._zygote(target.runtime)
        api = await RuntimeApi.start()
        stream = log_stream_name(target.version)
        spec = self._spec(target, api.address, stream)
        cgroup = self.cgroups.create(spec.env_id, target.memory_mb)
        try:
            sandbox = await zygote.spawn(replace(spec, cgroups=cgroup.paths), cgroup=cgroup)
        except BaseException:
            await api.close()
            raise
        self.last_protections = dict(sandbox.protections)
        return Environment(target, sandbox, api, stream)

    async def _zygote(self, runtime: str) -> Zygote:
        choice = await asyncio.to_thread(choose, runtime)  # probes the host once: ~1 s
        key = str(choice.interpreter.path)
        async with self._zygote_lock:
            if key not in self._zygotes:
                if choice.warning:
                    log.warning("%s", choice.warning)
                paths = python_runtime_paths()
                self._zygotes[key] = await Zygote.start(choice.interpreter, paths.sys_path)
        return self._zygotes[key]

    def _spec(self, target: FunctionTarget, api_address: str, stream: str) -> SandboxSpec:
        env_id = secrets.token_hex(8)
        choice = choose(target.runtime)
        binds = [*python_runtime_paths().binds, str(choice.interpreter.prefix)]
        custom = target.runtime.startswith("provided")
        return SandboxSpec(
            env_id=env_id,
            code_dir=target.code_dir,
            layer_dirs=list(target.layer_dirs),
            tmp_size_mb=target.tmp_size_mb,
            binds=binds,
            cgroups=[],
            memory_mb=target.memory_mb,
            env=self._variables(target, api_address, stream),
            kind="exec" if custom else "python",
            command=[_bootstrap(target)] if custom else [],
        )

    def _variables(self, target: FunctionTarget, api_address: str, stream: str) -> dict[str, str]:
        """The runtime's whole environment: AWS's variables, then the function's own."""
        credential = self._issue_credentials(target.account, target.role, target.name)
        variables = lambda_variables(target, api_address, stream)
        variables.update(
            AWS_ACCESS_KEY_ID=credential.access_key_id,
            AWS_SECRET_ACCESS_KEY=credential.secret_access_key,
            AWS_SESSION_TOKEN=credential.session_token or "",
            AWS_ENDPOINT_URL=self.settings.endpoint,
        )
        variables.update(dict(target.variables))
        return variables

    async def _reap_forever(self) -> None:
        while True:
            await asyncio.sleep(min(30.0, self.settings.keep_alive_s / 2))
            for pool in list(self._pools.values()):
                await pool.reap(self.settings.keep_alive_s)


def _bootstrap(target: FunctionTarget) -> str:
    """A custom runtime starts /var/task/bootstrap, else a layer's /opt/bootstrap (AWS's order);
    a missing one fails the runtime's start, which answers Runtime.ExitError."""
    in_code = Path(target.code_dir, "bootstrap").exists()
    in_layer = any(Path(d, "bootstrap").exists() for d in target.layer_dirs)
    return "/opt/bootstrap" if in_layer and not in_code else "/var/task/bootstrap"


_LIBRARY_PATH = [
    "/var/lang/lib",
    "/lib64",
    "/usr/lib64",
    "/var/runtime",
    "/var/runtime/lib",
    "/var/task",
    "/var/task/lib",
    "/opt/lib",
]


def lambda_variables(target: FunctionTarget, api_address: str, log_stream: str) -> dict[str, str]:
    """The variables AWS sets in every execution environment (aws-recorded 27)."""
    variables = {
        "AWS_REGION": target.region,
        "AWS_DEFAULT_REGION": target.region,
        "AWS_LAMBDA_FUNCTION_NAME": target.name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(target.memory_mb),
        "AWS_LAMBDA_FUNCTION_VERSION": target.version,
        "AWS_LAMBDA_INITIALIZATION_TYPE": target.initialization_type,
        "AWS_LAMBDA_LOG_GROUP_NAME": target.log_group,
        "AWS_LAMBDA_LOG_STREAM_NAME": log_stream,
        "AWS_LAMBDA_RUNTIME_API": api_address,
        "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
        "LAMBDA_RUNTIME_DIR": "/var/runtime",
        "LAMBDA_TASK_ROOT": "/var/task",
        "LANG": "en_US.UTF-8",
        "LC_CTYPE": "C.UTF-8",
        "LD_LIBRARY_PATH": ":".join(_LIBRARY_PATH),
        "PATH": "/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin",
        "PWD": "/var/task",
        "SHLVL": "0",
        "TZ": ":UTC",
        "_HANDLER": target.handler,
    }
    if target.runtime.startswith("python"):
        # PYTHONPATH is the bootstrap's to set, as AWS's does: a preset one hides /opt/python.
        variables["AWS_EXECUTION_ENV"] = f"AWS_Lambda_{target.runtime}"
    if target.log_format == "JSON":
        variables["AWS_LAMBDA_LOG_FORMAT"] = "JSON"
        variables["AWS_LAMBDA_LOG_LEVEL"] = target.application_log_level or "INFO"
    return variables
