"""Invoke: run a function version synchronously (RequestResponse), queue it (Event: the
async-invocation engine runs it, see async_invocations.py) or not at all (DryRun), answering
exactly as AWS's Invoke API does (reference/AWS-BEHAVIOUR.md §2)."""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import logging
import random
import time
from typing import Any

from lambdalite.aws.context import RequestContext, internal_context
from lambdalite.aws.errors import ServiceError
from lambdalite.runtime.concurrency import Throttled
from lambdalite.runtime.environment import Outcome
from lambdalite.runtime.spec import Invocation
from lambdalite.runtime.target import FunctionTarget
from lambdalite.services.lambda_.arns import LATEST, FunctionRef
from lambdalite.services.lambda_.base import Params, Resolved
from lambdalite.services.lambda_.configuration import fingerprint
from lambdalite.services.lambda_.errors import (
    InvalidParameterValue,
    InvalidRuntime,
    RequestTooLarge,
    ResourceConflict,
    TooManyRequests,
    function_not_found,
)
from lambdalite.services.lambda_.invoke_payload import check_json_payload
from lambdalite.services.lambda_.layers import LayerOperations
from lambdalite.services.platform import Platform
from lambdalite.store import Record, Scope

log = logging.getLogger(__name__)

MAX_SYNC_PAYLOAD = 6 * 1024 * 1024
MAX_ASYNC_PAYLOAD = 1024 * 1024
MAX_TARGETS = 4096


class InvokeOperations(LayerOperations):
    """Invoke (the legacy InvokeAsync and InvokeWithResponseStream stay unimplemented)."""

    def __init__(self, platform: Platform) -> None:
        super().__init__(platform)
        # (account, region, configuration record key, version) -> (that record, its target)
        self._targets: dict[tuple[str, str, str, str], tuple[Record, FunctionTarget]] = {}

    async def invoke(self, ctx: RequestContext, request: Params) -> Params:
        kind = request.get("InvocationType") or "RequestResponse"
        payload = _payload(request.get("Payload"), kind)
        ref = self.reference(ctx, request)
        resolved, version = await self._invocable(ctx, ref)
        _check_runtime(resolved.config.get("Runtime", ""))
        if kind == "DryRun":
            return {"StatusCode": 204}
        if kind == "Event":
            await self.enqueue_event(ctx, ref, payload)
            return {"StatusCode": 202}
        target = await self.function_target(ctx, resolved, version)
        invocation = _invocation(ref, payload, target, request, ctx.request_id)
        outcome = await self.run(target, invocation, resolved)
        return _answer(outcome, version, request.get("LogType") == "Tail")

    async def enqueue_event(self, ctx: RequestContext, ref: FunctionRef, payload: bytes) -> None:
        """Accept an Event invocation durably: the async-invocation engine's (it overrides
        this; see async_invocations.py)."""
        raise NotImplementedError

    async def prepare_first_start(self, scope: Scope, name: str) -> None:
        """Start the runtime and a spare sandbox for $LATEST's first invocation (no function
        code runs)."""
        ctx = internal_context(scope.account, scope.region, "lambda")
        executor = self.platform.executor
        try:
            resolved = await self.resolve(ctx, FunctionRef(scope.account, scope.region, name))
            runtime = resolved.config.get("Runtime", "")
            if _runnable(runtime):
                executor.prepare(await self.function_target(ctx, resolved, LATEST))
        except Exception:  # only a head start is lost: the invocation starts one itself
            log.exception("preparing the first start of %s failed", name)

    async def run(
        self, target: FunctionTarget, invocation: Invocation, resolved: Resolved
    ) -> Outcome:
        """Run one invocation now; 429 when no concurrency is left."""
        executor = self.platform.executor
        executor.concurrency.reserve(
            target.function_key, resolved.function.data.get("reserved_concurrency")
        )
        try:
            outcome = await executor.invoke(target, invocation)
        except Throttled as throttled:
            raise TooManyRequests("Rate Exceeded.", Reason=throttled.reason) from throttled
        logs = self.platform.logs
        logs.write(
            target.account, target.region, target.log_group, outcome.log_stream, outcome.log.text()
        )
        return outcome

    # --- resolving what to run ------------------------------------------------------------------

    async def _invocable(self, ctx: RequestContext, ref: FunctionRef) -> tuple[Resolved, str]:
        """The configuration to run and the version it is (an alias picks by its weights)."""
        qualifier = ref.qualifier or LATEST
        try:
            resolved = await self.resolve(ctx, ref.with_qualifier(qualifier), cached=True)
        except ServiceError as error:
            if error.code == "ResourceNotFoundException" and ref.qualifier is None:
                # Invoke names $LATEST when no qualifier was given (aws-recorded 02).
                raise function_not_found(ref.with_qualifier(LATEST).arn) from error
            raise
        version = resolved.config["Version"]
        if qualifier != LATEST and not qualifier.isdigit():
            version = await self._routed_version(ctx, ref, qualifier, version)
            if version != resolved.config["Version"]:
                resolved = await self.resolve(ctx, ref.with_qualifier(version), cached=True)
        _check_state(resolved.config)
        return resolved, version

    async def _routed_version(
        self, ctx: RequestContext, ref: FunctionRef, alias: str, primary: str
    ) -> str:
        record = await self.alias(ctx, ref, alias, cached=True)
        weights = record.data.get("RoutingConfig", {}).get("AdditionalVersionWeights", {})
        draw = random.random()
        for version, weight in weights.items():
            if draw < weight:
                return str(version)
            draw -= weight
        return primary

    async def function_target(
        self, ctx: RequestContext, resolved: Resolved, version: str
    ) -> FunctionTarget:
        """What the executor runs: unpacked code and layers, and the configuration.

        Built once per configuration record read: while the store's cache hands out the same
        record, its target is the one built before (the record is never changed in place)."""
        key = (ctx.account_id, ctx.region, resolved.source.key, version)
        known = self._targets.get(key)
        if known is not None and known[0] is resolved.source:
            return known[1]
        target = await self._build_target(ctx, resolved, version)
        if len(self._targets) >= MAX_TARGETS and key not in self._targets:
            self._targets.pop(next(iter(self._targets)))
        self._targets[key] = (resolved.source, target)
        return target

    async def _build_target(
        self, ctx: RequestContext, resolved: Resolved, version: str
    ) -> FunctionTarget:
        config = resolved.config
        code_dir = await asyncio.to_thread(self.code.unpacked, resolved.package)
        layer_dirs = await self._layer_dirs(ctx, config.get("Layers", []))
        logging_config = config.get("LoggingConfig", {})
        return FunctionTarget(
            account=ctx.account_id,
            region=ctx.region,
            name=config["FunctionName"],
            version=version,
            runtime=config.get("Runtime", ""),
            handler=config.get("Handler", ""),
            memory_mb=config["MemorySize"],
            timeout_s=config["Timeout"],
            tmp_size_mb=config.get("EphemeralStorage", {}).get("Size", 512),
            code_dir=str(code_dir),
            layer_dirs=tuple(str(d) for d in layer_dirs),
            variables=tuple(sorted((config.get("Environment") or {}).get("Variables", {}).items())),
            role=config.get("Role", ""),
            log_group=logging_config.get("LogGroup", f"/aws/lambda/{config['FunctionName']}"),
            log_format=logging_config.get("LogFormat", "Text"),
            application_log_level=logging_config.get("ApplicationLogLevel"),
            system_log_level=logging_config.get("SystemLogLevel"),
            revision=fingerprint(config),
        )

    async def _layer_dirs(self, ctx: RequestContext, layers: list[dict[str, Any]]) -> list[Any]:
        if not layers:
            return []
        packages = await self.layer_packages(self.scope(ctx), [layer["Arn"] for layer in layers])
        return [await asyncio.to_thread(self.code.unpacked, package) for package in packages]


def _payload(payload: bytes | None, kind: str) -> bytes:
    body = payload or b""
    limit = MAX_ASYNC_PAYLOAD if kind == "Event" else MAX_SYNC_PAYLOAD
    if len(body) > limit:
        raise RequestTooLarge(
            f"Request must be smaller than {limit} bytes for the InvokeFunction operation"
        )
    if not body.strip():
        return b"{}"  # AWS runs the function with an empty JSON object
    check_json_payload(body)
    return body


def _runnable(runtime: str) -> bool:
    return runtime.startswith(("python", "provided"))


def _check_runtime(runtime: str) -> None:
    if not _runnable(runtime):
        raise InvalidRuntime(
            f"lambdalite cannot run {runtime} functions: it runs Python (python3.10 and later) "
            "and custom runtimes (provided.al2023, provided.al2)."
        )


def _check_state(config: dict[str, Any]) -> None:
    state = config.get("State", "Active")
    if state != "Active":
        raise ResourceConflict(
            "The operation cannot be performed at this time. "
            f"The function is currently in the following state: {state}"
        )


def _invocation(
    ref: FunctionRef, payload: bytes, target: FunctionTarget, request: Params, request_id: str
) -> Invocation:
    """The invocation has the Invoke request's id, as on AWS (the x-amzn-RequestId of the
    answer is the function's aws_request_id)."""
    return Invocation(
        request_id=request_id,
        payload=payload,
        deadline_ms=0,  # set by the environment when the invocation really starts
        invoked_function_arn=ref.arn,
        trace_id=new_trace_id(),
        client_context=_client_context(request.get("ClientContext")),
    )


def _client_context(encoded: str | None) -> str | None:
    """X-Amz-Client-Context is base64 JSON; the runtime gets the JSON (sync invocations)."""
    if not encoded:
        return None
    try:
        text = base64.b64decode(encoded, validate=True).decode("utf-8")
        json.loads(text)
    except (binascii.Error, ValueError) as error:
        raise InvalidParameterValue(
            "Client context must be a valid Base64-encoded JSON object."
        ) from error
    return text


def new_trace_id() -> str:
    """An X-Ray trace header: ``Root=1-<epoch hex>-<24 hex>;Parent=<16 hex>;Sampled=0``.

    Trace ids must be unique, not secret: ``random`` draws them without a system call."""
    root = f"1-{int(time.time()):08x}-{random.getrandbits(96):024x}"
    return f"Root={root};Parent={random.getrandbits(64):016x};Sampled=0"


def _answer(outcome: Outcome, version: str, tail: bool) -> Params:
    response: Params = {"StatusCode": 200, "Payload": outcome.payload, "ExecutedVersion": version}
    if outcome.function_error:
        response["FunctionError"] = outcome.function_error
    if tail:
        response["LogResult"] = outcome.log.tail()
    return response
