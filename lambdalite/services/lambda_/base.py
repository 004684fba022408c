"""What every group of Lambda operations shares: repositories, code, and resolving a function
reference (name, version or alias) to the configuration it stands for."""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any

from lambdalite.aws.context import RequestContext
from lambdalite.services.background import BackgroundWork
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


class LambdaBase(BackgroundWork):
    """State and lookups shared by the operation groups that make up the Lambda provider."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self.settings = platform.settings
        self.code = CodeStore(platform.blobs, platform.settings.data_dir / "code")
        self._repositories: dict[str, Repository] = {}

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

    @property
    def aliases(self) -> Repository:
        return self.repository(Kind.ALIAS)

    @staticmethod
    def scope(ctx: RequestContext) -> Scope:
        return Scope(ctx.account_id, ctx.region)

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

    async def prepare_first_start(self, scope: Scope, name: str) -> None:
        """Called when a function became Active: ready its first cold start (see invoke.py)."""

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

    async def function(self, ctx: RequestContext, ref: FunctionRef, cached: bool = False) -> Record:
        """The function's record, or AWS's "Function not found" naming the unqualified ARN."""
        record = await self._get(self.functions, ctx, ref.name, cached)
        if record is None:
            raise function_not_found(ref.unqualified_arn)
        return record

    async def version(
        self, ctx: RequestContext, ref: FunctionRef, number: str, cached: bool = False
    ) -> Record:
        record = await self._get(self.versions, ctx, version_key(ref.name, int(number)), cached)
        if record is None:
            raise function_not_found(ref.with_qualifier(number).arn)
        return record

    async def alias(
        self, ctx: RequestContext, ref: FunctionRef, name: str, cached: bool = False
    ) -> Record:
        record = await self._get(self.aliases, ctx, scoped_key(ref.name, name), cached)
        if record is None:
            raise ResourceNotFound(f"Cannot find alias arn: {ref.with_qualifier(name).arn}")
        return record

    async def resolve(
        self, ctx: RequestContext, ref: FunctionRef, cached: bool = False
    ) -> Resolved:
        """The code and configuration a reference stands for: $LATEST, a version or an alias
        (whose configuration is its version's, answered under the alias ARN). ``cached``
        reads through the store's cache: for Invoke, whose records must not be changed."""
        function = await self.function(ctx, ref, cached)
        qualifier = ref.qualifier or LATEST
        if qualifier != LATEST and not qualifier.isdigit():
            alias = await self._get(self.aliases, ctx, scoped_key(ref.name, qualifier), cached)
            if alias is None:
                raise function_not_found(ref.arn)
            resolved = await self._version_of(
                ctx, ref, function, alias.data["FunctionVersion"], cached
            )
            resolved.config = {**resolved.config, "FunctionArn": ref.arn}
            return resolved
        return await self._version_of(ctx, ref, function, qualifier, cached)

    async def _version_of(
        self, ctx: RequestContext, ref: FunctionRef, function: Record, number: str, cached: bool
    ) -> Resolved:
        if number == LATEST:
            package = Package.from_record(function.data["package"])
            return Resolved(function, function, package)
        version = await self.version(ctx, ref, number, cached)
        return Resolved(function, version, Package.from_record(version.data["package"]))

    async def _get(
        self, repository: Repository, ctx: RequestContext, key: str, cached: bool
    ) -> Record | None:
        scope = self.scope(ctx)
        if cached:
            return await repository.get_cached(scope, key)
        return await repository.get(scope, key)


class Resolved:
    """A function reference resolved: the function record, the record the configuration is
    taken from (the function's for $LATEST, else the version's), and the code."""

    __slots__ = ("config", "function", "package", "source")

    def __init__(self, function: Record, source: Record, package: Package) -> None:
        self.function = function
        self.source = source
        self.config: dict[str, Any] = source.data["config"]
        self.package = package
