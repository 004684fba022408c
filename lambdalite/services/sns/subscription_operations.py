"""Subscribe, Unsubscribe, ConfirmSubscription, ListSubscriptions(ByTopic) and
Get/SetSubscriptionAttributes.

Behaviour recorded against AWS in localstack/localstack
tests/aws/services/sns/test_sns.snapshot.json:
Subscribe answers "pending confirmation" for HTTP/S unless ReturnSubscriptionArn
(``test_http_subscription_response``), is idempotent for the same endpoint unless attributes
differ (``test_subscribe_idempotency``); Unsubscribe is idempotent
(``test_unsubscribe_idempotency``); ListSubscriptions shows "PendingConfirmation" for a pending
ARN (``test_subscription_paging``); a confirmation token that is unknown is "Invalid parameter:
Token" and one for another topic "Invalid parameter: Topic"
(``test_subscribe_external_http_endpoint``). Confirmation tokens expire after 3 days
(https://docs.aws.amazon.com/sns/latest/api/API_Subscribe.html).
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from sqlalchemy import Connection

from lambdalite.aws.context import RequestContext
from lambdalite.ids import new_uuid
from lambdalite.services.sns import filter_policies, messages, outbox, paging, subscriptions
from lambdalite.services.sns.arns import SubscriptionName, TopicName, subscription_from_arn
from lambdalite.services.sns.base import SnsBase
from lambdalite.services.sns.errors import (
    InvalidParameter,
    NotImplementedByLambdalite,
    SubscriptionNotFound,
    TopicNotFound,
    invalid,
)
from lambdalite.services.sns.subscriptions import SET_PREFIX, SUBSCRIBE_PREFIX, Subscription
from lambdalite.services.sns.topics import Topic

Params = dict[str, Any]
TOKEN_LIFETIME_MS = 3 * 24 * 3600 * 1000
PENDING_ANSWER = "pending confirmation"


class SubscriptionOperations(SnsBase):
    """The subscription operations."""

    async def subscribe(self, ctx: RequestContext, request: Params) -> Params:
        topic = await self.topic(ctx, request.get("TopicArn"))
        protocol = str(request.get("Protocol") or "")
        endpoint = subscriptions.check_endpoint(topic.where, protocol, request.get("Endpoint"))
        if protocol not in subscriptions.DELIVERED:
            raise NotImplementedByLambdalite(
                f"lambdalite does not deliver to the {protocol} protocol."
            )
        attributes = subscriptions.checked_attributes(
            request.get("Attributes") or {}, topic.where, endpoint, SUBSCRIBE_PREFIX
        )
        _check_raw(protocol, attributes, SUBSCRIBE_PREFIX)
        new = Subscription(
            SubscriptionName(topic.where, str(uuid.uuid4())),
            protocol,
            endpoint,
            owner=ctx.account_id,
            principal=ctx.principal.arn if ctx.principal else "",
            attributes=attributes,
            pending=protocol in ("http", "https"),
            authenticated=protocol not in ("http", "https"),
            base_url=self.base_url(ctx),
        )
        made = await self.platform.store.write(lambda conn: self._subscribe_in(conn, topic, new))
        self.queued.set()
        if made.pending and not request.get("ReturnSubscriptionArn"):
            return {"SubscriptionArn": PENDING_ANSWER}
        return {"SubscriptionArn": made.arn}

    def _subscribe_in(self, conn: Connection, topic: Topic, new: Subscription) -> Subscription:
        where = topic.where
        for record in self.subscriptions.list_in(conn, where.scope, prefix=f"{where.name}:"):
            existing = Subscription.of(where, record)
            if (existing.protocol, existing.endpoint) == (new.protocol, new.endpoint):
                if any(existing.attributes.get(k) != v for k, v in new.attributes.items()):
                    raise invalid(
                        "Attributes Reason: Subscription already exists with different attributes"
                    )
                return existing
        self.subscriptions.put_in(conn, where.scope, new.name.key, new.data(), create_only=True)
        if new.pending:
            self._confirm_by_message_in(conn, topic, new, messages.SUBSCRIPTION_CONFIRMATION, None)
        return new

    def _confirm_by_message_in(
        self,
        conn: Connection,
        topic: Topic,
        subscription: Subscription,
        kind: str,
        restore: dict[str, Any] | None,
    ) -> None:
        """Send a (Un)SubscribeConfirmation whose SubscribeURL confirms (or restores)."""
        token = secrets.token_hex(144)  # AWS's tokens are 288 hex digits
        now = self.now_ms()
        token_data = {
            "topic": topic.where.name,
            "subscription": subscription.name.id,
            "restore": restore,
            "expires": now + TOKEN_LIFETIME_MS,
        }
        self.tokens.put_in(conn, topic.where.scope, token, token_data, create_only=True)
        payload = self.envelopes.confirmation(
            kind,
            topic,
            subscription,
            token=token,
            message_id=new_uuid(),
            timestamp=self.timestamp(),
        )
        delivery = outbox.Delivery(
            topic.where.account,
            topic.where.region,
            subscription.name.key,
            kind,
            subscription.protocol,
            subscription.endpoint,
            payload,
            None,
            subscription.effective_policy(topic)["healthyRetryPolicy"],
        )
        outbox.insert_in(conn, [delivery], now)

    async def unsubscribe(
        self, ctx: RequestContext, request: Params, public: bool = False
    ) -> Params:
        arn = request.get("SubscriptionArn")
        if arn is None:
            raise invalid("SubscriptionArn Reason: no value for required parameter")
        name = subscription_from_arn(arn, ctx.region)
        await self.platform.store.write(lambda conn: self._unsubscribe_in(conn, name, public))
        self.queued.set()
        return {}

    def _unsubscribe_in(self, conn: Connection, name: SubscriptionName, public: bool) -> None:
        scope = name.topic.scope
        record = self.subscriptions.get_in(conn, scope, name.key)
        if record is None:
            return
        self.subscriptions.delete_in(conn, scope, name.key)
        subscription = Subscription.of(name.topic, record)
        topic_record = self.topics.get_in(conn, scope, name.topic.name)
        # AWS tells an HTTP/S endpoint when someone who is not the owner (the UnsubscribeURL
        # needs no signature) unsubscribes it; its SubscribeURL restores the subscription.
        if public and topic_record is not None and subscription.protocol in ("http", "https"):
            topic = Topic.of(name.topic, topic_record)
            kind = messages.UNSUBSCRIBE_CONFIRMATION
            self._confirm_by_message_in(conn, topic, subscription, kind, record.data)

    async def confirm_subscription(
        self, ctx: RequestContext, request: Params, public: bool = False
    ) -> Params:
        where = _confirmed_topic(request.get("TopicArn"), ctx.region)
        token = str(request.get("Token") or "")
        name = await self.platform.store.write(
            lambda conn: self._confirm_in(conn, where, token, authenticated=not public)
        )
        return {"SubscriptionArn": name.arn}

    def _confirm_in(
        self, conn: Connection, where: TopicName, token: str, authenticated: bool
    ) -> SubscriptionName:
        found = self.tokens.get_in(conn, where.scope, token) if token else None
        if found is None or found.data["expires"] < self.now_ms():
            raise invalid("Token")
        if found.data["topic"] != where.name:
            raise invalid("Topic")
        if self.topics.get_in(conn, where.scope, where.name) is None:
            raise TopicNotFound()
        name = SubscriptionName(where, found.data["subscription"])
        record = self.subscriptions.get_in(conn, where.scope, name.key)
        data = record.data if record is not None else found.data["restore"]
        if data is None:
            raise invalid("Token")
        if data["pending"] or record is None:  # confirming again changes nothing
            confirmed = {**data, "pending": False, "authenticated": authenticated}
            self.subscriptions.put_in(conn, where.scope, name.key, confirmed)
        return name

    async def list_subscriptions(self, ctx: RequestContext, request: Params) -> Params:
        return await self._listed(ctx, request, prefix="")

    async def list_subscriptions_by_topic(self, ctx: RequestContext, request: Params) -> Params:
        topic = await self.topic(ctx, request.get("TopicArn"))
        return await self._listed(ctx, request, prefix=f"{topic.where.name}:")

    async def _listed(self, ctx: RequestContext, request: Params, prefix: str) -> Params:
        after = paging.key_after(request.get("NextToken"))
        records = await self.subscriptions.list(
            self.scope(ctx), prefix=prefix, after=after, limit=paging.PAGE_SIZE + 1
        )
        page = records[: paging.PAGE_SIZE]
        listed = [_subscription(ctx, record.key, record).listed() for record in page]
        answer: Params = {"Subscriptions": listed}
        if len(records) > paging.PAGE_SIZE:
            answer["NextToken"] = paging.token_for(page[-1].key)
        return answer

    async def get_subscription_attributes(self, ctx: RequestContext, request: Params) -> Params:
        subscription = await self.subscription_at(
            subscription_from_arn(request.get("SubscriptionArn"), ctx.region)
        )
        topic = await self.topic_or_none(subscription.name.topic)
        return {"Attributes": subscription.shown(topic)}

    async def set_subscription_attributes(self, ctx: RequestContext, request: Params) -> Params:
        name = subscription_from_arn(request.get("SubscriptionArn"), ctx.region)
        attribute = str(request.get("AttributeName") or "")
        value = str(request.get("AttributeValue") or "")

        def job(conn: Connection) -> None:
            record = self.subscriptions.get_in(conn, name.topic.scope, name.key)
            if record is None:
                raise SubscriptionNotFound()
            current = Subscription.of(name.topic, record)
            changed = _with_attribute(current, attribute, value)
            self.subscriptions.put_in(
                conn, name.topic.scope, name.key, changed.data(), expect_version=record.version
            )

        await self.platform.store.write(job)
        return {}


def _confirmed_topic(arn: Any, region: str) -> TopicName:
    """ConfirmSubscription's topic: any malformed ARN, or another region's, is "Topic"."""
    parts = str(arn or "").split(":")
    if len(parts) != 6 or parts[:3] != ["arn", "aws", "sns"] or parts[3] != region:
        raise invalid("Topic")
    return TopicName(parts[4], parts[3], parts[5])


def _subscription(ctx: RequestContext, key: str, record: Any) -> Subscription:
    topic_name = key.rsplit(":", 1)[0]
    return Subscription.of(TopicName(ctx.account_id, ctx.region, topic_name), record)


def _with_attribute(current: Subscription, name: str, value: str) -> Subscription:
    topic, endpoint = current.name.topic, current.endpoint
    kept = subscriptions.checked_value(name, value, topic, endpoint, SET_PREFIX)
    attributes = dict(current.attributes)
    if kept == "":
        attributes.pop(name, None)
    else:
        attributes[name] = kept
    _check_raw(current.protocol, attributes, SET_PREFIX)
    policy = attributes.get("FilterPolicy")
    if policy and name in ("FilterPolicy", "FilterPolicyScope"):
        scope = attributes.get("FilterPolicyScope", "MessageAttributes")
        filter_policies.compiled(policy, scope, SET_PREFIX)
    return replace(current, attributes=attributes, _pattern=[])


def _check_raw(protocol: str, attributes: Mapping[str, str], prefix: str) -> None:
    """Raw delivery is for SQS, HTTP/S and Firehose; a Lambda event always wraps the message."""
    if attributes.get("RawMessageDelivery") == "true" and protocol == "lambda":
        raise InvalidParameter(
            f"{prefix}Delivery protocol [{protocol}] does not support raw message delivery."
        )
