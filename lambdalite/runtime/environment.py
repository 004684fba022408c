"""One execution environment: init -> invoke* -> reset -> shutdown, as Lambda runs them.

An environment is a sandbox (a forked, isolated process tree with its own /tmp) and the Runtime
API endpoint its runtime talks to. It serves one invocation at a time. The platform, never the
runtime, enforces the timeout; a timeout or a crash resets the environment: the runtime is
restarted, /tmp is kept, and the next invocation initialises it again.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from lambdalite.runtime.logs import (
    InvocationLog,
    Report,
    drain,
    end_line,
    init_report_line,
    start_line,
    timeout_line,
)
from lambdalite.runtime.spec import MAX_RESPONSE_BYTES, InitResult, Invocation, InvocationResult
from lambdalite.runtime.target import FunctionTarget

if TYPE_CHECKING:
    from lambdalite.runtime.runtime_api import RuntimeApi
    from lambdalite.runtime.zygote_client import Sandbox


_TOO_LARGE = json.dumps(
    {
        "errorMessage": "Response payload size exceeded maximum allowed payload size "
        f"({MAX_RESPONSE_BYTES} bytes).",
        "errorType": "Function.ResponseSizeTooLarge",
    }
).encode()

#: AWS gives an on-demand init ten seconds; past that it tries again inside the invocation.
INIT_TIMEOUT_S = 10.0
MIB = 1024 * 1024


@dataclass(frozen=True)
class Outcome:
    """What an invocation produced, as the Invoke API answers it."""

    payload: bytes
    function_error: str | None  # "Unhandled" when the function or its runtime failed
    log: InvocationLog
    log_stream: str
    content_type: str | None = None


class Environment:
    """An execution environment serving invocations of one function version."""

    def __init__(
        self, target: FunctionTarget, sandbox: Sandbox, api: RuntimeApi, log_stream: str
    ) -> None:
        self.target = target
        self.sandbox = sandbox
        self.api = api
        self.log_stream = log_stream
        self.busy = False
        self.provisioned = False  # started ahead of traffic: kept while provisioned
        self.last_used = time.monotonic()
        self._initialised = False
        self._cold = True  # its first initialisation is reported as Init Duration
        self._log = InvocationLog()
        asyncio.get_running_loop().add_reader(sandbox.log_fd, self._read_output)

    def _read_output(self) -> None:
        drain(self.sandbox.log_fd, self._log)

    async def invoke(self, invocation: Invocation) -> Outcome:
        """Run one invocation; never raises for anything the function or runtime did."""
        self.busy = True
        log = self._log = InvocationLog()
        try:
            for _ in range(2):
                init = await self._ensure_initialised(invocation, log)
                if isinstance(init, Outcome):
                    return init
                outcome = await self._run(invocation, log, init)
                if outcome is not None:
                    return outcome
            raise RuntimeError("the runtime exited twice before taking the event")
        finally:
            self.busy = False
            self.last_used = time.monotonic()

    async def prewarm(self) -> bool:
        """Initialise ahead of traffic (provisioned concurrency); False if the init failed.

        Its Init Duration is never reported: no invocation waited for it."""
        await self._start_runtime()
        init, _ = await self._initialisation()
        self._initialised = self._cold = False
        if init is not None and init.ok:
            self._initialised = True
            return True
        await self._reset()
        return False

    # --- init -----------------------------------------------------------------------------------

    async def _ensure_initialised(
        self, invocation: Invocation, log: InvocationLog
    ) -> float | Outcome | None:
        """Start the runtime if needed; the Init Duration to report, or the failed outcome."""
        if self._initialised:
            return None
        started = time.monotonic()
        await self._start_runtime()
        init, exited = await self._initialisation()
        duration_ms = (time.monotonic() - started) * 1000
        if init is not None and init.ok:
            self._initialised = True
            cold, self._cold = self._cold, False
            return duration_ms if cold else None
        payload, status, error_type = _init_failure(invocation, init, exited)
        await self._reset()
        drain(self.sandbox.log_fd, log)
        log.platform(init_report_line(duration_ms, status, error_type))
        log.platform(start_line(invocation.request_id, self.target.version))
        self._finish(invocation, log, 0.0, None, status=status, error_type=error_type)
        return Outcome(payload, "Unhandled", log, self.log_stream)

    async def _start_runtime(self) -> None:
        if self.sandbox.kind != "python":  # a custom runtime finds AWS_LAMBDA_RUNTIME_API
            await self.sandbox.start_runtime()
            return
        channel = await self.api.pair()
        with channel:
            await self.sandbox.start_runtime(channel)

    async def _initialisation(self) -> tuple[InitResult | None, str | None]:
        """The init's outcome, or how the runtime exited before it, or neither (timeout)."""
        init, exited = self.api.init_outcome, self.sandbox.runtime_exit
        await _first_of(init, exited, INIT_TIMEOUT_S)
        if init.done():
            return init.result(), None
        return None, exited.result() if exited.done() else None

    # --- invoke ---------------------------------------------------------------------------------

    async def _run(
        self, invocation: Invocation, log: InvocationLog, init_ms: float | None
    ) -> Outcome | None:
        """The invocation's outcome; None when the runtime was found gone before it took the
        event (it exited after its last response, e.g. after a 413): it is started afresh."""
        log.platform(start_line(invocation.request_id, self.target.version))
        self.sandbox.reset_peak_memory()
        started = time.monotonic()
        # The timeout counts from here: initialisation has its own limit (INIT_TIMEOUT_S).
        timeout = float(self.target.timeout_s)
        invocation = replace(invocation, deadline_ms=int(time.time() * 1000 + timeout * 1000))
        result, exited = self.api.submit(invocation), self.sandbox.runtime_exit
        await _first_of(result, exited, timeout)
        elapsed = time.monotonic() - started
        if result.done():
            return self._answered(invocation, log, result.result(), elapsed, init_ms)
        delivered = self.api.delivered
        result.cancel()
        if exited.done() and not delivered:
            self.api.abort()
            self._initialised = False
            log.chunks.clear()
            return None
        if exited.done():
            return await self._crashed(invocation, log, exited.result(), elapsed, init_ms)
        return await self._timed_out(invocation, log, elapsed, init_ms)

    def _answered(
        self,
        invocation: Invocation,
        log: InvocationLog,
        result: InvocationResult,
        elapsed: float,
        init_ms: float | None,
    ) -> Outcome:
        drain(self.sandbox.log_fd, log)
        if result.kind == "response":
            self._finish(invocation, log, elapsed, init_ms)
            return Outcome(result.body, None, log, self.log_stream, result.content_type)
        if result.kind == "too_large":
            error_type = "Function.ResponseSizeTooLarge"
            self._finish(invocation, log, elapsed, init_ms, status="error", error_type=error_type)
            return Outcome(_TOO_LARGE, "Unhandled", log, self.log_stream)
        self._finish(invocation, log, elapsed, init_ms)
        return Outcome(result.body, "Unhandled", log, self.log_stream)

    async def _crashed(
        self,
        invocation: Invocation,
        log: InvocationLog,
        how: str,
        elapsed: float,
        init_ms: float | None,
    ) -> Outcome:
        out_of_memory = how == "signal: killed" and bool(self.sandbox.oom_kills())
        error_type = "Runtime.OutOfMemory" if out_of_memory else "Runtime.ExitError"
        message = f"Runtime exited with error: {how}"
        self.api.abort()
        self._initialised = False
        drain(self.sandbox.log_fd, log)
        log.platform(f"RequestId: {invocation.request_id} Error: {message}\n{error_type}\n")
        self._finish(invocation, log, elapsed, init_ms, status="error", error_type=error_type)
        return Outcome(
            _platform_error(error_type, invocation.request_id, message),
            "Unhandled",
            log,
            self.log_stream,
        )

    async def _timed_out(
        self, invocation: Invocation, log: InvocationLog, elapsed: float, init_ms: float | None
    ) -> Outcome:
        await self._reset()
        drain(self.sandbox.log_fd, log)
        log.platform(timeout_line(invocation.request_id, elapsed))
        self._finish(invocation, log, elapsed, init_ms, status="timeout")
        message = f"Task timed out after {self.target.timeout_s:.2f} seconds"
        payload = _platform_error("Sandbox.Timedout", invocation.request_id, message)
        return Outcome(payload, "Unhandled", log, self.log_stream)

    def _finish(
        self,
        invocation: Invocation,
        log: InvocationLog,
        elapsed: float,
        init_ms: float | None,
        *,
        status: str | None = None,
        error_type: str | None = None,
    ) -> None:
        log.platform(end_line(invocation.request_id))
        report = Report(
            request_id=invocation.request_id,
            duration_ms=elapsed * 1000,
            memory_mb=self.target.memory_mb,
            max_memory_used_mb=self._max_memory_mb(),
            init_duration_ms=init_ms,
            status=status,
            error_type=error_type,
        )
        log.platform(report.line())

    def _max_memory_mb(self) -> int:
        peak = self.sandbox.peak_memory_bytes()
        if peak is None:  # nothing measures it on this host: report the size, as AWS's RIE does
            return self.target.memory_mb
        return max(1, math.ceil(peak / MIB))

    # --- reset and shutdown ---------------------------------------------------------------------

    async def _reset(self) -> None:
        """Kill the runtime and everything it started; keep the sandbox and its /tmp."""
        self.api.abort()
        self._initialised = False
        await self.sandbox.reset()

    async def destroy(self) -> None:
        loop = asyncio.get_running_loop()
        loop.remove_reader(self.sandbox.log_fd)
        await self.api.close()
        await self.sandbox.destroy()


async def _first_of(
    first: asyncio.Future[Any], second: asyncio.Future[Any], timeout: float
) -> None:
    """Wait until either future is done, or ``timeout``; cancels neither.

    Callbacks rather than asyncio.wait() and tasks: this is on every invocation's path."""
    loop = asyncio.get_running_loop()
    waiter = loop.create_future()

    def wake(_: object = None) -> None:
        if not waiter.done():
            waiter.set_result(None)

    first.add_done_callback(wake)
    second.add_done_callback(wake)
    timer = loop.call_later(timeout, wake)
    try:
        await waiter
    finally:
        timer.cancel()
        first.remove_done_callback(wake)
        second.remove_done_callback(wake)


def _init_failure(
    invocation: Invocation, init: InitResult | None, exited: str | None
) -> tuple[bytes, str, str | None]:
    """The init error AWS answers to the invocation: (payload, status, error type)."""
    if init is not None:
        return init.body, "error", init.error_type or _error_type(init.body)
    if exited is not None:
        message = f"Runtime exited with error: {exited}"
        return (
            _platform_error("Runtime.ExitError", invocation.request_id, message),
            "error",
            "Runtime.ExitError",
        )
    message = f"Task timed out after {INIT_TIMEOUT_S:.2f} seconds"
    return (
        _platform_error("Sandbox.Timedout", invocation.request_id, message),
        "timeout",
        "Sandbox.Timedout",
    )


def _platform_error(error_type: str, request_id: str, message: str) -> bytes:
    return json.dumps(
        {"errorType": error_type, "errorMessage": f"RequestId: {request_id} Error: {message}"}
    ).encode()


def _error_type(payload: bytes) -> str | None:
    try:
        document = json.loads(payload)
    except ValueError:
        return None
    return document.get("errorType") if isinstance(document, dict) else None
