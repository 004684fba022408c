"""Provisioned concurrency made real: environments started and initialised ahead of traffic.

A configuration starts IN_PROGRESS (concurrency.py); once its environments are up it turns
READY, or FAILED when their init fails. A restart provisions every configuration again.
"""

from __future__ import annotations

import logging

from lambdalite.aws.context import RequestContext, internal_context
from lambdalite.services.lambda_.arns import FunctionRef
from lambdalite.services.lambda_.base import Params
from lambdalite.services.lambda_.concurrency import ConcurrencyOperations
from lambdalite.services.lambda_.invoke import InvokeOperations
from lambdalite.services.lambda_.models import Kind
from lambdalite.store import Scope

log = logging.getLogger(__name__)


class ProvisioningOperations(InvokeOperations, ConcurrencyOperations):
    """Put/DeleteProvisionedConcurrencyConfig, with their environments."""

    async def put_provisioned_concurrency_config(
        self, ctx: RequestContext, request: Params
    ) -> Params:
        answer = await super().put_provisioned_concurrency_config(ctx, request)
        ref = self.reference(ctx, request)
        self.spawn(self.provision(self.scope(ctx), ref.name, str(ref.qualifier)))
        return answer

    async def delete_provisioned_concurrency_config(
        self, ctx: RequestContext, request: Params
    ) -> Params:
        ref = self.reference(ctx, request)
        version = await self._provisioned_version(self.scope(ctx), ref)
        answer = await super().delete_provisioned_concurrency_config(ctx, request)
        if version is not None:
            self.platform.executor.unprovision((ctx.account_id, ctx.region, ref.name), version)
        return answer

    async def provision(self, scope: Scope, name: str, qualifier: str) -> None:
        """Start the configuration's environments, then mark it READY (or FAILED)."""
        record = await self.provisioned.get(scope, f"{name}:{qualifier}")
        if record is None:
            return
        wanted = int(record.data["RequestedProvisionedConcurrentExecutions"])
        ctx = internal_context(scope.account, scope.region, "lambda")
        try:
            resolved, version = await self._invocable(
                ctx, FunctionRef(scope.account, scope.region, name, qualifier)
            )
            target = await self.function_target(ctx, resolved, version)
            ready = await self.platform.executor.provision(target, wanted)
        except Exception as error:  # the function went away, or its environments cannot start
            log.exception("provisioning %s:%s failed", name, qualifier)
            await self.mark_provisioned_failed(scope, name, qualifier, str(error))
            return
        if ready < wanted:
            reason = "FUNCTION_ERROR_INIT_FAILURE: the function's initialisation failed"
            await self.mark_provisioned_failed(scope, name, qualifier, reason)
            return
        await self.mark_provisioned_ready(scope, name, qualifier, ready)

    async def resume_provisioning(self) -> None:
        """At start: provision every configuration again (environments do not survive)."""
        for scope, record in await self.repository(Kind.PROVISIONED_CONCURRENCY).scan():
            name, qualifier = record.key.split(":", 1)
            self.spawn(self.provision(scope, name, qualifier))

    async def _provisioned_version(self, scope: Scope, ref: FunctionRef) -> str | None:
        qualifier = str(ref.qualifier)
        if qualifier.isdigit():
            return qualifier
        alias = await self.repository(Kind.ALIAS).get(scope, f"{ref.name}:{qualifier}")
        return None if alias is None else str(alias.data["FunctionVersion"])
