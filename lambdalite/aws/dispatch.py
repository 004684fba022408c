"""Providers and the table that maps (service, operation) to their methods."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, ClassVar

from botocore import xform_name

from lambdalite.aws.context import RequestContext
from lambdalite.aws.errors import OperationNotImplemented

Params = dict[str, Any]
Handler = Callable[[RequestContext, Params], Awaitable[Params]]


class Provider:
    """Base of every AWS service provider.

    One method per operation, named after it in snake_case (``GetCallerIdentity`` ->
    ``get_caller_identity(ctx, request)``), returning the output dict. A method may be ``async``;
    a plain method runs on the event loop and must not block.
    """

    service: ClassVar[str]
    #: Per operation, top-level members whose model constraints the provider checks itself
    #: because AWS answers a service-specific error for them.
    unvalidated: ClassVar[dict[str, frozenset[str]]] = {}

    async def start(self) -> None:
        """Called once the store is open, before the first request (resume background work)."""

    async def stop(self) -> None:
        """Called at shutdown, before the store closes."""


class Dispatcher:
    """Finds the provider method of an operation; missing ones answer 501, loudly."""

    def __init__(self, providers: Iterable[Provider]) -> None:
        self._providers = {provider.service: provider for provider in providers}
        self._handlers: dict[tuple[str, str], Handler | None] = {}

    @property
    def services(self) -> list[str]:
        return sorted(self._providers)

    @property
    def providers(self) -> list[Provider]:
        return list(self._providers.values())

    def unvalidated(self, service: str, operation: str) -> frozenset[str]:
        provider = self._providers.get(service)
        return provider.unvalidated.get(operation, frozenset()) if provider else frozenset()

    def implements(self, service: str, operation: str) -> bool:
        return self._handler(service, operation) is not None

    async def dispatch(self, ctx: RequestContext, params: Params) -> Params:
        handler = self._handler(ctx.service, ctx.operation_name)
        if handler is None:
            raise OperationNotImplemented(ctx.service, ctx.operation_name)
        return await handler(ctx, params)

    def _handler(self, service: str, operation: str) -> Handler | None:
        key = (service, operation)
        if key not in self._handlers:
            self._handlers[key] = _bind(self._providers.get(service), operation)
        return self._handlers[key]


def _bind(provider: Provider | None, operation: str) -> Handler | None:
    method = getattr(provider, xform_name(operation), None) if provider is not None else None
    if method is None:
        return None
    if inspect.iscoroutinefunction(method):
        return method  # type: ignore[no-any-return]

    async def call_sync(ctx: RequestContext, params: Params) -> Params:
        return method(ctx, params)  # type: ignore[no-any-return]

    return call_sync
