"""The AWS Lambda provider: one class, its operations grouped by topic in mixins."""

from __future__ import annotations

from lambdalite.aws.dispatch import Provider
from lambdalite.services.lambda_.aliases import AliasOperations
from lambdalite.services.lambda_.async_invocations import AsyncInvocationOperations
from lambdalite.services.lambda_.concurrency import ConcurrencyOperations
from lambdalite.services.lambda_.event_invoke_configs import EventInvokeConfigOperations
from lambdalite.services.lambda_.event_source_mappings import EventSourceMappingOperations
from lambdalite.services.lambda_.layers import LayerOperations
from lambdalite.services.lambda_.policies import PolicyOperations
from lambdalite.services.lambda_.provisioning import ProvisioningOperations
from lambdalite.services.lambda_.tags import TagOperations
from lambdalite.services.lambda_.url_configs import UrlConfigOperations
from lambdalite.services.lambda_.versions import VersionOperations


class LambdaProvider(
    ProvisioningOperations,
    AsyncInvocationOperations,
    AliasOperations,
    LayerOperations,
    PolicyOperations,
    ConcurrencyOperations,
    EventInvokeConfigOperations,
    UrlConfigOperations,
    TagOperations,
    EventSourceMappingOperations,
    VersionOperations,
    Provider,
):
    service = "lambda"
    # AWS answers InvalidParameterValueException with its own list for an unknown runtime.
    unvalidated = {
        "CreateFunction": frozenset({"Runtime"}),
        "UpdateFunctionConfiguration": frozenset({"Runtime"}),
    }

    async def start(self) -> None:
        await self.resume_transitions()
        await self.resume_event_source_mappings()
        await self.resume_provisioning()
        await self.start_async_invocations()

    async def stop(self) -> None:
        await self.sqs_pollers.stop()
        await self.stop_async_invocations()
        await self.stop_background()
