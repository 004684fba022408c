"""The Amazon SNS provider: one class, its operations grouped by topic in mixins."""

from __future__ import annotations

import asyncio

from lambdalite.aws.dispatch import Provider
from lambdalite.services.sns.envelopes import Envelopes
from lambdalite.services.sns.public import PublicUrls
from lambdalite.services.sns.publishing import PublishOperations
from lambdalite.services.sns.signing import Signer
from lambdalite.services.sns.subscription_operations import SubscriptionOperations
from lambdalite.services.sns.topic_operations import TopicOperations
from lambdalite.services.sns.worker import DeliveryWorker


class SnsProvider(
    TopicOperations,
    SubscriptionOperations,
    PublishOperations,
    DeliveryWorker,
    PublicUrls,
    Provider,
):
    service = "sns"
    # Members AWS checks with SNS's own errors ("Invalid parameter: Topic Name", the message
    # attribute checks, "SubscriptionArn Reason: no value for required parameter") rather than
    # with the model's ValidationError.
    unvalidated = {
        "CreateTopic": frozenset({"Name", "Attributes"}),
        "Subscribe": frozenset({"Attributes", "Endpoint"}),
        "Unsubscribe": frozenset({"SubscriptionArn"}),
        "Publish": frozenset({"MessageAttributes", "TopicArn"}),
        "PublishBatch": frozenset({"PublishBatchRequestEntries"}),
    }

    async def start(self) -> None:
        signer = await asyncio.to_thread(Signer.load_or_create, self.platform.settings.data_dir)
        self._envelopes = Envelopes(signer)
        await self.start_deliveries()

    async def stop(self) -> None:
        await self.stop_deliveries()
