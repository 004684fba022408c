"""What every group of Lambda operations shares: repositories, code, and resolving a function
reference (name, version or alias) to the configuration it stands for."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

from lambdalite.aws.context import RequestContext
from lambdalite.services.lambda_.arns import LATEST, FunctionRef, parse_function
from lambdalite.services.lambda_.code import CodeStore, Package
from lambdalite.services.lambda_.errors import (
    InvalidParameterValue,
    ResourceNotFound,
    function_not_found,
)
from lambdalite.services.lambda_.models import Kind, scoped_key, version_key
from lambdalite.services.platform import Platform
from lambdalite.store import Record, Repository, Scope

Params = dict[str, Any]


class LambdaBase:
    """State and lookups shared by the operation groups that make up the Lambda provider."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self.settings = platform.settings
        self.code = CodeStore(platform.blobs, platform.settings.data_dir / "code")
        self._repositories: dict[str, Repository] = {}
        self._background: set[asyncio.Task[None]] = set()

    def repository(self, kind: str) -> Repository:
        if kind not in self._repositories:
            self._repositories[kind] = Repository(self.platform.store, kind)
        return self._repositories[kind]

    @property
    def functions(self) -> Repository:
        return self.repository(Kind.FUNCTION)

    @property
    def versions(self) -> Repository:
        return self.repository(Kind.VERSION)

    @staticmethod
    def scope(ctx: RequestContext) -> Scope:
        return Scope(ctx.account_id, ctx.region)

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        """Run ``work`` in the background, keeping a reference so it is not collected."""
        task = asyncio.get_running_loop().create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def complete_transition(self, transition: Coroutine[Any, Any, None]) -> None:
        """Complete a state transition (Pending -> Active, InProgress -> Successful, ...).

        The response already shows the transitional state, as AWS answers. With no hold time
        configured the transition completes before that response leaves, so the next read (a
        boto3 waiter's first poll) sees it done; with one it runs in the background.
        """
        if self.settings.lambda_state_transition_seconds:
            self.spawn(transition)
        else:
            await transition

    async def stop_background(self) -> None:
        for task in list(self._background):
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)

    async def attached_layers(self, ctx: RequestContext, arns: list[str] | None) -> dict[str, Any]:
        """The ``Layers`` member a configuration gets for ``arns`` (LayerOperations resolves)."""
        if arns:
            raise InvalidParameterValue("Layers are not available in lambdalite yet.")
        return {}

    # --- lookups -------------------------------------------------------------------------------

    def reference(
        self, ctx: RequestContext, request: Params, qualifier_member: str = "Qualifier"
    ) -> FunctionRef:
        return parse_function(ctx, request["FunctionName"], request.get(qualifier_member))

    async def function(self, ctx: RequestContext, ref: FunctionRef) -> Record:
        """The function's record, or AWS's "Function not found" naming the unqualified ARN."""
        record = await self.functions.get(self.scope(ctx), ref.name)
        if record is None:
            raise function_not_found(ref.unqualified_arn)
        return record

    async def version(self, ctx: RequestContext, ref: FunctionRef, number: str) -> Record:
        record = await self.versions.get(self.scope(ctx), version_key(ref.name, int(number)))
        if record is None:
            raise function_not_found(ref.with_qualifier(number).arn)
        return record

    async def alias(self, ctx: RequestContext, ref: FunctionRef, name: str) -> Record:
        record = await self.repository(Kind.ALIAS).get(self.scope(ctx), scoped_key(ref.name, name))
        if record is None:
            raise ResourceNotFound(f"Cannot find alias arn: {ref.with_qualifier(name).arn}")
        return record

    async def resolve(self, ctx: RequestContext, ref: FunctionRef) -> Resolved:
        """The code and configuration a reference stands for: $LATEST, a version or an alias
        (whose configuration is its version's, answered under the alias ARN)."""
        function = await self.function(ctx, ref)
        qualifier = ref.qualifier or LATEST
        if qualifier != LATEST and not qualifier.isdigit():
            alias = await self._alias_or_not_found(ctx, ref, qualifier)
            resolved = await self._version_of(ctx, ref, function, alias.data["FunctionVersion"])
            resolved.config = {**resolved.config, "FunctionArn": ref.arn}
            return resolved
        return await self._version_of(ctx, ref, function, qualifier)

    async def _version_of(
        self, ctx: RequestContext, ref: FunctionRef, function: Record, number: str
    ) -> Resolved:
        if number == LATEST:
            package = Package.from_record(function.data["package"])
            return Resolved(function, function.data["config"], package)
        version = await self.version(ctx, ref, number)
        return Resolved(
            function, version.data["config"], Package.from_record(version.data["package"])
        )

    async def _alias_or_not_found(self, ctx: RequestContext, ref: FunctionRef, name: str) -> Record:
        record = await self.repository(Kind.ALIAS).get(self.scope(ctx), scoped_key(ref.name, name))
        if record is None:
            raise function_not_found(ref.arn)
        return record


class Resolved:
    """A function reference resolved: the function record, the configuration, the code."""

    __slots__ = ("config", "function", "package")

    def __init__(self, function: Record, config: dict[str, Any], package: Package) -> None:
        self.function = function
        self.config = config
        self.package = package
