"""Reserved and provisioned concurrency.

Reserved concurrency is the function record's ``reserved_concurrency`` key (GetFunction's
``Concurrency`` member and GetAccountSettings read it there). A provisioned concurrency
configuration is a record of kind ``Kind.PROVISIONED_CONCURRENCY`` keyed
``<function name>:<version or alias>`` that holds the members AWS answers. It starts
``IN_PROGRESS`` with nothing allocated; only the execution layer, once it has started the
environments, marks it ``READY`` (:meth:`ConcurrencyOperations.mark_provisioned_ready`).

The account's concurrency (``settings.lambda_concurrency_limit``) is shared out as AWS does:
a function with reserved concurrency holds its reservation, whose provisioned concurrency
must fit inside it; a function without one holds the sum of its provisioned concurrency; at
least 100 must stay unreserved. Every check that reads other records runs in the same store
write as the change, so two requests cannot both take the last free concurrency.

Sources for AWS's wording (errors are recorded against AWS unless said otherwise):
- aws-recorded/26_function_concurrency_api.json: Put/Get/Delete, empty Get after Delete;
- LocalStack's AWS-validated snapshots (tests/aws/services/lambda_/test_lambda_api.snapshot.json,
  TestLambdaReservedConcurrency and TestLambdaProvisionedConcurrency, recorded 2023-11-20):
  "Function not found: ...:$LATEST" for a missing function, the functions-only message, every
  provisioned concurrency message, the order of the lookups, Delete of a missing config = 204;
- "decreases account's UnreservedConcurrentExecution below its minimum value of [N]": AWS
  answers seen in aws-samples/alarm-context-tool#2, milliHQ/terraform-aws-next-js#251
  (ReservedConcurrentExecutions) and aws-samples/infrastructure-assessment-iac-automation#2
  (ConcurrentExecutions, provisioned); N is the minimum, 100 or the account limit if lower;
- "Requested Provisioned Concurrency should not be greater than the
  reservedConcurrentExecution for function": LocalStack's provider only (not seen from AWS).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Connection

from lambdalite.aws.context import RequestContext
from lambdalite.aws.errors import ServiceError
from lambdalite.services.lambda_.arns import LATEST, FunctionRef
from lambdalite.services.lambda_.base import LambdaBase, Params
from lambdalite.services.lambda_.errors import (
    InvalidParameterValue,
    ResourceConflict,
    ResourceNotFound,
    function_not_found,
)
from lambdalite.services.lambda_.models import Kind, last_modified, scoped_key, version_key
from lambdalite.services.lambda_.paging import page
from lambdalite.store import ConflictError, Record, Repository, Scope, Store

T = TypeVar("T")

#: AWS keeps this much of the account's concurrency for functions without a reservation.
MINIMUM_UNRESERVED = 100
#: How often a read-modify-write of the function record is retried after a concurrent change.
_ATTEMPTS = 5

REQUESTED = "RequestedProvisionedConcurrentExecutions"
ALLOCATED = "AllocatedProvisionedConcurrentExecutions"
AVAILABLE = "AvailableProvisionedConcurrentExecutions"


class ProvisionedConcurrencyConfigNotFound(ServiceError):
    code = "ProvisionedConcurrencyConfigNotFoundException"
    status = 404


def functions_only() -> InvalidParameterValue:
    return InvalidParameterValue(
        "This operation is permitted on Lambda functions only. Aliases and versions do not "
        "support this operation. Please specify either a function name or an unqualified "
        "function ARN."
    )


def below_minimum(member: str, minimum: int) -> InvalidParameterValue:
    return InvalidParameterValue(
        f"Specified {member} for function decreases account's UnreservedConcurrentExecution "
        f"below its minimum value of [{minimum}]."
    )


class ConcurrencyOperations(LambdaBase):
    """Put/Get/DeleteFunctionConcurrency and the provisioned concurrency configurations."""

    @property
    def provisioned(self) -> Repository:
        return self.repository(Kind.PROVISIONED_CONCURRENCY)

    # --- reserved concurrency ------------------------------------------------------------------

    async def put_function_concurrency(self, ctx: RequestContext, request: Params) -> Params:
        ref = self._unqualified_function(ctx, request)
        reserved: int = request["ReservedConcurrentExecutions"]
        scope = self.scope(ctx)
        await write_retrying(
            self.platform.store,
            lambda conn: self._reserve_concurrency_in(conn, scope, ref, reserved),
        )
        return {"ReservedConcurrentExecutions": reserved}

    def _reserve_concurrency_in(
        self, conn: Connection, scope: Scope, ref: FunctionRef, reserved: int
    ) -> None:
        function = self.functions.get_in(conn, scope, ref.name)
        if function is None:
            # Unlike GetFunctionConcurrency, AWS names $LATEST here.
            raise function_not_found(ref.with_qualifier(LATEST).arn)
        others = self._concurrency_held_in(conn, scope, excluding=ref.name)
        if self._concurrency_limit - others - reserved < self._minimum_unreserved:
            raise below_minimum("ReservedConcurrentExecutions", self._minimum_unreserved)
        data = {**function.data, "reserved_concurrency": reserved}
        self.functions.put_in(conn, scope, ref.name, data, expect_version=function.version)

    async def get_function_concurrency(self, ctx: RequestContext, request: Params) -> Params:
        function = await self.function(ctx, self._unqualified_function(ctx, request))
        reserved = function.data.get("reserved_concurrency")
        # Without a reservation AWS answers an empty body (26, get_..._after_delete).
        return {} if reserved is None else {"ReservedConcurrentExecutions": reserved}

    async def delete_function_concurrency(self, ctx: RequestContext, request: Params) -> Params:
        ref = self._unqualified_function(ctx, request)
        scope = self.scope(ctx)
        await write_retrying(
            self.platform.store, lambda conn: self._unreserve_concurrency_in(conn, scope, ref)
        )
        return {}

    def _unreserve_concurrency_in(self, conn: Connection, scope: Scope, ref: FunctionRef) -> None:
        function = self.functions.get_in(conn, scope, ref.name)
        if function is None:
            raise function_not_found(ref.unqualified_arn)
        data = {k: v for k, v in function.data.items() if k != "reserved_concurrency"}
        self.functions.put_in(conn, scope, ref.name, data, expect_version=function.version)

    def _unqualified_function(self, ctx: RequestContext, request: Params) -> FunctionRef:
        ref = self.reference(ctx, request)
        if ref.qualifier is not None:
            raise functions_only()
        return ref

    # --- the account's concurrency -------------------------------------------------------------

    @property
    def _concurrency_limit(self) -> int:
        return self.settings.lambda_concurrency_limit

    @property
    def _minimum_unreserved(self) -> int:
        # An account whose limit is below 100 keeps all of it unreserved ("[10]", "[50]").
        return min(MINIMUM_UNRESERVED, self._concurrency_limit)

    def _concurrency_held_in(self, conn: Connection, scope: Scope, excluding: str) -> int:
        """The concurrency the account's functions other than ``excluding`` hold."""
        provisioned: dict[str, int] = {}
        for record in self.provisioned.list_in(conn, scope):
            name = record.key.split(":", 1)[0]
            provisioned[name] = provisioned.get(name, 0) + record.data[REQUESTED]
        held = 0
        for function in self.functions.list_in(conn, scope):
            if function.key != excluding:
                reserved = function.data.get("reserved_concurrency")
                held += provisioned.get(function.key, 0) if reserved is None else reserved
        return held

    # --- provisioned concurrency ---------------------------------------------------------------

    async def put_provisioned_concurrency_config(
        self, ctx: RequestContext, request: Params
    ) -> Params:
        ref = self.reference(ctx, request)
        if ref.qualifier == LATEST:
            raise _unpublished()
        scope = self.scope(ctx)
        wanted: int = request["ProvisionedConcurrentExecutions"]
        data = await write_retrying(
            self.platform.store,
            lambda conn: self._provision_concurrency_in(conn, scope, ref, wanted),
        )
        # AWS answers no StatusReason here (25_reserved_vs_provisioned_block).
        return {k: v for k, v in data.items() if k != "StatusReason"}

    def _provision_concurrency_in(
        self, conn: Connection, scope: Scope, ref: FunctionRef, wanted: int
    ) -> dict[str, Any]:
        qualifier = str(ref.qualifier)
        target = self._provisioned_target_in(conn, scope, ref, qualifier)
        if target == LATEST:  # an alias of $LATEST
            raise _unpublished()
        self._check_provisioned_conflicts_in(conn, scope, ref, qualifier, target)
        self._check_provisioned_capacity_in(conn, scope, ref, qualifier, wanted)
        current = self.provisioned.get_in(conn, scope, scoped_key(ref.name, qualifier))
        data = _in_progress(wanted, current)
        self.provisioned.put_in(
            conn,
            scope,
            scoped_key(ref.name, qualifier),
            data,
            expect_version=None if current is None else current.version,
            create_only=current is None,
        )
        return data

    def _provisioned_target_in(
        self, conn: Connection, scope: Scope, ref: FunctionRef, qualifier: str
    ) -> str:
        """The version ``qualifier`` stands for. AWS looks the version or alias up before the
        function: for a missing function it still names the version or the alias."""
        if qualifier.isdigit():
            found = self.versions.get_in(conn, scope, version_key(ref.name, int(qualifier)))
            if found is None:
                raise function_not_found(ref.with_qualifier(qualifier).arn)
            return qualifier
        alias = self.aliases.get_in(conn, scope, scoped_key(ref.name, qualifier))
        if alias is None:
            raise ResourceNotFound(f"Cannot find alias arn: {ref.with_qualifier(qualifier).arn}")
        return str(alias.data["FunctionVersion"])

    def _check_provisioned_conflicts_in(
        self, conn: Connection, scope: Scope, ref: FunctionRef, qualifier: str, target: str
    ) -> None:
        """A version is provisioned either directly or through one alias, never both."""
        configured = {
            r.key.split(":", 1)[1] for r in self._provisioned_configs_in(conn, scope, ref.name)
        }
        if qualifier != target and target in configured:
            raise ResourceConflict(
                "Alias can't be used for Provisioned Concurrency configuration on an already "
                "Provisioned version"
            )
        if qualifier == target:
            for alias in self.aliases.list_in(conn, scope, prefix=scoped_key(ref.name)):
                if alias.data["FunctionVersion"] == target and alias.data["Name"] in configured:
                    raise ResourceConflict("Version is pointed by a Provisioned Concurrency alias")

    def _check_provisioned_capacity_in(
        self, conn: Connection, scope: Scope, ref: FunctionRef, qualifier: str, wanted: int
    ) -> None:
        function = self.functions.get_in(conn, scope, ref.name)
        if function is None:  # a version or alias outlived its function: cannot happen
            raise function_not_found(ref.unqualified_arn)
        # What the function holds once this configuration has its new value.
        holds = wanted + sum(
            r.data[REQUESTED]
            for r in self._provisioned_configs_in(conn, scope, ref.name)
            if r.key != scoped_key(ref.name, qualifier)
        )
        reserved = function.data.get("reserved_concurrency")
        if reserved is not None and holds > reserved:
            raise InvalidParameterValue(
                "Requested Provisioned Concurrency should not be greater than the "
                "reservedConcurrentExecution for function"
            )
        others = self._concurrency_held_in(conn, scope, excluding=ref.name)
        if reserved is None and self._concurrency_limit - others - holds < self._minimum_unreserved:
            raise below_minimum("ConcurrentExecutions", self._minimum_unreserved)

    def _provisioned_configs_in(self, conn: Connection, scope: Scope, name: str) -> list[Record]:
        return self.provisioned.list_in(conn, scope, prefix=scoped_key(name))

    async def get_provisioned_concurrency_config(
        self, ctx: RequestContext, request: Params
    ) -> Params:
        ref = self._provisioned_ref(ctx, request)
        record = await self.platform.store.read(
            lambda conn: self._provisioned_config_in(conn, ctx, ref)
        )
        if record is None:
            raise ProvisionedConcurrencyConfigNotFound(
                "No Provisioned Concurrency Config found for this function"
            )
        return dict(record.data)

    async def delete_provisioned_concurrency_config(
        self, ctx: RequestContext, request: Params
    ) -> Params:
        ref = self._provisioned_ref(ctx, request)
        scope = self.scope(ctx)

        def job(conn: Connection) -> None:
            # Deleting a configuration that does not exist is no error: AWS answers 204.
            if self._provisioned_config_in(conn, ctx, ref) is not None:
                self.provisioned.delete_in(conn, scope, scoped_key(ref.name, str(ref.qualifier)))

        await self.platform.store.write(job)
        return {}

    def _provisioned_ref(self, ctx: RequestContext, request: Params) -> FunctionRef:
        ref = self.reference(ctx, request)
        if ref.qualifier == LATEST:
            raise InvalidParameterValue(
                "The function resource provided must be an alias or a published version."
            )
        return ref

    def _provisioned_config_in(
        self, conn: Connection, ctx: RequestContext, ref: FunctionRef
    ) -> Record | None:
        qualifier = str(ref.qualifier)
        self._provisioned_target_in(conn, self.scope(ctx), ref, qualifier)
        return self.provisioned.get_in(conn, self.scope(ctx), scoped_key(ref.name, qualifier))

    async def list_provisioned_concurrency_configs(
        self, ctx: RequestContext, request: Params
    ) -> Params:
        ref = self.reference(ctx, request).with_qualifier(None)
        await self.function(ctx, ref)
        entries = []
        for record in await self.provisioned.list(self.scope(ctx), prefix=scoped_key(ref.name)):
            qualifier = record.key.split(":", 1)[1]
            item = {"FunctionArn": ref.with_qualifier(qualifier).arn, **record.data}
            entries.append((qualifier, item))
        return page(
            entries, request.get("Marker"), request.get("MaxItems"), "ProvisionedConcurrencyConfigs"
        )

    # --- for the execution layer ---------------------------------------------------------------

    async def mark_provisioned_ready(
        self, scope: Scope, name: str, qualifier: str, allocated: int
    ) -> bool:
        """Record that ``allocated`` environments of ``name:qualifier`` are initialized.

        The configuration becomes ``READY`` once they cover what is requested (a later Put may
        have asked for more meanwhile: it then stays ``IN_PROGRESS``). False when there is no
        configuration any more (deleted meanwhile, with its alias or its function).
        """

        def change(data: dict[str, Any]) -> dict[str, Any]:
            data = {**data, ALLOCATED: allocated, AVAILABLE: allocated}
            if allocated >= data[REQUESTED]:
                data["Status"] = "READY"
                data.pop("StatusReason", None)
            return data

        return await self._change_provisioned_status(scope, scoped_key(name, qualifier), change)

    async def mark_provisioned_failed(
        self, scope: Scope, name: str, qualifier: str, reason: str
    ) -> bool:
        """Record that the environments of ``name:qualifier`` could not be initialized."""

        def change(data: dict[str, Any]) -> dict[str, Any]:
            return {**data, "Status": "FAILED", "StatusReason": reason}

        return await self._change_provisioned_status(scope, scoped_key(name, qualifier), change)

    async def _change_provisioned_status(
        self, scope: Scope, key: str, change: Callable[[dict[str, Any]], dict[str, Any]]
    ) -> bool:
        def job(conn: Connection) -> bool:
            record = self.provisioned.get_in(conn, scope, key)
            if record is None:
                return False
            data = change(record.data)
            self.provisioned.put_in(conn, scope, key, data, expect_version=record.version)
            return True

        return await write_retrying(self.platform.store, job)


async def write_retrying(store: Store, job: Callable[[Connection], T]) -> T:
    """Run ``job`` in a store write, again if another process changed a record that ``job``
    read between its read and its write (``expect_version``/``create_only`` conflicts)."""
    attempt = 1
    while True:
        try:
            return await store.write(job)
        except ConflictError:
            attempt += 1
            if attempt > _ATTEMPTS:
                raise


def _unpublished() -> InvalidParameterValue:
    return InvalidParameterValue(
        "Provisioned Concurrency Configs cannot be applied to unpublished function versions."
    )


def _in_progress(wanted: int, current: Record | None) -> dict[str, Any]:
    """A configuration (re)starting its allocation: the environments already allocated for
    an earlier request stay counted until the execution layer reports again."""
    before = {} if current is None else current.data
    return {
        REQUESTED: wanted,
        AVAILABLE: before.get(AVAILABLE, 0),
        ALLOCATED: before.get(ALLOCATED, 0),
        "Status": "IN_PROGRESS",
        "LastModified": last_modified(),
    }
