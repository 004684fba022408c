"""What the groups of SNS operations share: the records, finding topics and subscriptions, the
signing key, the clock."""

from __future__ import annotations

import asyncio
import datetime
import time
from collections.abc import Callable

from lambdalite.aws.context import RequestContext
from lambdalite.services.platform import Platform
from lambdalite.services.sns.arns import SubscriptionName, TopicName, topic_from_arn
from lambdalite.services.sns.envelopes import Envelopes
from lambdalite.services.sns.errors import SubscriptionNotFound, TopicNotFound
from lambdalite.services.sns.subscriptions import Subscription
from lambdalite.services.sns.topics import Topic
from lambdalite.store import Repository, Scope

TOPIC_KIND = "sns.topic"
SUBSCRIPTION_KIND = "sns.subscription"
TOKEN_KIND = "sns.token"
DEDUPLICATION_KIND = "sns.deduplication"


class SnsBase:
    """State shared by the SNS operation groups."""

    def __init__(self, platform: Platform, clock: Callable[[], float] = time.time) -> None:
        self.platform = platform
        self.clock = clock
        self.topics = Repository(platform.store, TOPIC_KIND, clock=clock)
        self.subscriptions = Repository(platform.store, SUBSCRIPTION_KIND, clock=clock)
        self.tokens = Repository(platform.store, TOKEN_KIND, clock=clock)
        self.deduplication = Repository(platform.store, DEDUPLICATION_KIND, clock=clock)
        self._envelopes: Envelopes | None = None
        #: Set when deliveries were queued: wakes the deliverer.
        self.queued = asyncio.Event()
        #: One publish at a time per FIFO topic, so that sequence numbers follow the order of
        #: deliveries.
        self._fifo_locks: dict[TopicName, asyncio.Lock] = {}

    @property
    def envelopes(self) -> Envelopes:
        if self._envelopes is None:
            raise RuntimeError("the SNS provider was not started")
        return self._envelopes

    def now_ms(self) -> int:
        return int(self.clock() * 1000)

    def timestamp(self) -> str:
        """Now as SNS writes it: ``2019-01-02T12:45:07.000Z``."""
        moment = datetime.datetime.fromtimestamp(self.now_ms() / 1000, datetime.UTC)
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"

    @staticmethod
    def scope(ctx: RequestContext) -> Scope:
        return Scope(ctx.account_id, ctx.region)

    def base_url(self, ctx: RequestContext) -> str:
        """Where the caller reaches lambdalite: the URLs put in messages are built on it."""
        return ctx.base_url(self.platform.settings.endpoint)

    def fifo_lock(self, where: TopicName) -> asyncio.Lock:
        return self._fifo_locks.setdefault(where, asyncio.Lock())

    async def topic(self, ctx: RequestContext, arn: str | None, member: str = "TopicArn") -> Topic:
        return await self.topic_at(topic_from_arn(arn, ctx.region, member))

    async def topic_at(self, where: TopicName) -> Topic:
        record = await self.topics.get_cached(where.scope, where.name)
        if record is None:
            raise TopicNotFound()
        return Topic.of(where, record)

    async def topic_or_none(self, where: TopicName) -> Topic | None:
        record = await self.topics.get_cached(where.scope, where.name)
        return None if record is None else Topic.of(where, record)

    async def subscription_at(self, name: SubscriptionName) -> Subscription:
        found = await self.subscription_or_none(name)
        if found is None:
            raise SubscriptionNotFound()
        return found

    async def subscription_or_none(self, name: SubscriptionName) -> Subscription | None:
        record = await self.subscriptions.get(name.topic.scope, name.key)
        return None if record is None else Subscription.of(name.topic, record)

    async def subscriptions_of(self, where: TopicName) -> list[Subscription]:
        records = await self.subscriptions.list(where.scope, prefix=f"{where.name}:")
        return [Subscription.of(where, record) for record in records]
