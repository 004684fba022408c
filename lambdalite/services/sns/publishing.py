"""Publish and PublishBatch, and the fan-out that makes a publish durable before it is answered.

Fan-out: every confirmed subscription whose filter policy passes gets the message. SQS and
Lambda deliveries are made before Publish answers, through those services' own operations
(durable once they return); HTTP/S deliveries, and SQS/Lambda ones that failed server-side, are
written to the outbox (outbox.py) in one transaction with the FIFO deduplication records, before
the answer. So an acknowledged publish reaches every subscription even across kill -9, at least
once.

Checks and wording recorded against AWS in localstack/localstack
tests/aws/services/sns/test_sns.snapshot.json (``TestSNSPublishCrud``,
``test_publish_batch_exceptions``, ``test_validations_for_fifo``,
``test_publish_batch_too_long_message``,
``test_publish_batch_messages_from_fifo_topic_to_fifo_queue``:
a duplicate publish to a FIFO topic answers the first MessageId and SequenceNumber and delivers
nothing). FIFO deduplication lasts 5 minutes
(https://docs.aws.amazon.com/sns/latest/dg/fifo-message-dedup.html).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Connection

from lambdalite.aws.context import RequestContext
from lambdalite.ids import new_uuid
from lambdalite.services.sns import deliverers, filter_policies, messages, outbox
from lambdalite.services.sns.arns import TopicName
from lambdalite.services.sns.base import SnsBase
from lambdalite.services.sns.delivery_policies import MANAGED_POLICY
from lambdalite.services.sns.errors import (
    BatchEntryIdsNotDistinct,
    BatchRequestTooLong,
    EmptyBatchRequest,
    InvalidBatchEntryId,
    NotImplementedByLambdalite,
    TooManyEntriesInBatchRequest,
    invalid,
)
from lambdalite.services.sns.messages import Published
from lambdalite.services.sns.subscriptions import Subscription
from lambdalite.services.sns.topics import Topic

Params = dict[str, Any]
MAX_BATCH = 10
DEDUPLICATION_MS = 5 * 60 * 1000
_SEQUENCE_BASE = 10**19  # SNS's sequence numbers are 20 digits
_ENTRY_ID = re.compile(r"[A-Za-z0-9_-]+")
_MAX_ENTRY_ID = 80


@dataclass(frozen=True, slots=True)
class Draft:
    """A message to publish, checked, before it has an id."""

    message: str | dict[str, str]
    raw_message: str
    subject: str | None
    attributes: Mapping[str, Mapping[str, Any]]
    group_id: str | None
    deduplication_id: str | None


class PublishOperations(SnsBase):
    """Publish, PublishBatch and the fan-out."""

    async def publish(self, ctx: RequestContext, request: Params) -> Params:
        if request.get("PhoneNumber") or ":endpoint/" in str(request.get("TargetArn") or ""):
            raise NotImplementedByLambdalite(
                "Publishing to phone numbers and mobile endpoints is not implemented by lambdalite."
            )
        draft = _draft(request, None)
        topic = await self.topic(ctx, request.get("TopicArn") or request.get("TargetArn"))
        _check_fifo(topic, draft)
        [published] = await self.publish_all(topic, [draft])
        answer = {"MessageId": published.message_id}
        if published.sequence_number is not None:
            answer["SequenceNumber"] = published.sequence_number
        return answer

    async def publish_batch(self, ctx: RequestContext, request: Params) -> Params:
        entries = list(request.get("PublishBatchRequestEntries") or [])
        _check_batch(entries)
        topic = await self.topic(ctx, request.get("TopicArn"))
        drafts = [_draft(entry, index) for index, entry in enumerate(entries, start=1)]
        if (
            sum(messages.size(d.raw_message, d.attributes) for d in drafts)
            > messages.MAX_MESSAGE_BYTES
        ):
            raise BatchRequestTooLong()
        for draft in drafts:
            _check_fifo(topic, draft)
        published = await self.publish_all(topic, drafts)
        return {
            "Successful": [_success(e, p) for e, p in zip(entries, published, strict=True)],
            "Failed": [],
        }

    # --- fan-out ----------------------------------------------------------------------------

    async def publish_all(self, topic: Topic, drafts: list[Draft]) -> list[Published]:
        """Publish ``drafts`` in order; durable for every subscription once this returns."""
        if not topic.fifo:
            published = [self._published(topic, draft, None) for draft in drafts]
            await self._fan_out(topic, published, remember=False)
            return published
        async with self.fifo_lock(topic.where):
            return await self._publish_fifo(topic, drafts)

    def _published(self, topic: Topic, draft: Draft, sequence: str | None) -> Published:
        return Published(
            message_id=new_uuid(),
            topic_arn=topic.where.arn,
            message=draft.message,
            subject=draft.subject,
            attributes=draft.attributes,
            timestamp=self.timestamp(),
            signature_version=topic.signature_version,
            group_id=draft.group_id,
            deduplication_id=_deduplication_id(draft) if topic.fifo else None,
            sequence_number=sequence,
        )

    async def _publish_fifo(self, topic: Topic, drafts: list[Draft]) -> list[Published]:
        where, now = topic.where, self.now_ms()
        seen: dict[str, Published] = {}
        answers: list[Published] = []
        fresh: list[Published] = []
        for draft in drafts:
            key = f"{where.name}:{_deduplication_id(draft)}"
            earlier = seen.get(key) or await self._deduplicated(where, key, now)
            if earlier is None:
                earlier = self._published(topic, draft, "")
                fresh.append(earlier)
            seen[key] = earlier
            answers.append(earlier)
        numbered = await self._numbered(where, fresh)
        await self._fan_out(topic, [numbered[p.message_id] for p in fresh], remember=True)
        return [numbered.get(p.message_id, p) for p in answers]

    async def _deduplicated(self, where: TopicName, key: str, now: int) -> Published | None:
        record = await self.deduplication.get(where.scope, key)
        if record is None or record.data["expires"] < now:
            return None
        data = record.data
        return Published(
            data["message_id"], where.arn, "", None, {}, "", sequence_number=data["sequence"]
        )

    async def _numbered(self, where: TopicName, fresh: list[Published]) -> dict[str, Published]:
        """Give each new message its sequence number, committed before any delivery so that no
        number is ever given twice (a crash before the answer only skips some)."""

        def job(conn: Connection) -> dict[str, Published]:
            record = self.topics.get_in(conn, where.scope, where.name)
            sequence = int(record.data.get("sequence", 0)) if record is not None else 0
            numbered = {}
            for message in fresh:
                sequence += 1
                numbered[message.message_id] = replace(
                    message, sequence_number=str(_SEQUENCE_BASE + sequence)
                )
            if record is not None and fresh:
                self.topics.put_in(
                    conn, where.scope, where.name, {**record.data, "sequence": sequence}
                )
            return numbered

        return await self.platform.store.write(job)

    def _remember_in(
        self, conn: Connection, where: TopicName, message: Published, now: int
    ) -> None:
        key = f"{where.name}:{message.deduplication_id}"
        data = {
            "message_id": message.message_id,
            "sequence": message.sequence_number,
            "expires": now + DEDUPLICATION_MS,
        }
        self.deduplication.put_in(conn, where.scope, key, data)

    async def _fan_out(self, topic: Topic, published: list[Published], remember: bool) -> None:
        """Deliver to SQS and Lambda now, then in one transaction queue the rest and (FIFO)
        remember the deduplication ids: only once every delivery is durable may a retried
        publish be answered as a duplicate."""
        queued: list[outbox.Delivery] = []
        subscriptions = [s for s in await self.subscriptions_of(topic.where) if not s.pending]
        for message in published:
            for subscription in subscriptions:
                if _passes(subscription, message):
                    await self._deliver(topic, subscription, message, queued)
        if not queued and not (remember and published):
            return
        now = self.now_ms()

        def job(conn: Connection) -> None:
            outbox.insert_in(conn, queued, now)
            for message in published if remember else []:
                self._remember_in(conn, topic.where, message, now)

        await self.platform.store.write(job)
        if queued:
            self.queued.set()

    async def _deliver(
        self,
        topic: Topic,
        subscription: Subscription,
        message: Published,
        queued: list[outbox.Delivery],
    ) -> None:
        delivery = self.delivery(topic, subscription, message)
        if subscription.protocol in ("http", "https"):
            queued.append(delivery)
            return
        outcome = await deliverers.attempt(self.platform, delivery)
        if outcome is deliverers.Outcome.RETRY:
            queued.append(delivery)
        elif outcome is deliverers.Outcome.REJECTED:
            await deliverers.dead_letter(self.platform, delivery)

    def delivery(
        self, topic: Topic, subscription: Subscription, message: Published
    ) -> outbox.Delivery:
        """``message`` for ``subscription``, as one delivery with its retry policy."""
        envelopes = self.envelopes
        protocol = subscription.protocol
        if protocol == "sqs":
            payload = envelopes.sqs_message(
                message, subscription, subscription.endpoint.endswith(".fifo")
            )
            policy = MANAGED_POLICY
        elif protocol == "lambda":
            payload, policy = envelopes.lambda_request(message, subscription), MANAGED_POLICY
        else:
            payload = envelopes.http_request(message, subscription, topic)
            policy = subscription.effective_policy(topic)["healthyRetryPolicy"]
        where = topic.where
        return outbox.Delivery(
            where.account,
            where.region,
            subscription.name.key,
            messages.NOTIFICATION,
            protocol,
            subscription.endpoint,
            payload,
            self._dead_letter(subscription, message),
            dict(policy),
        )

    def _dead_letter(self, subscription: Subscription, message: Published) -> dict[str, Any] | None:
        queue = subscription.dead_letter_queue
        if queue is None:
            return None
        # A dead-letter queue gets what an SQS subscription would have got (recorded:
        # test_redrive_policy_lambda_subscription, test_redrive_policy_sqs_queue_subscription).
        sent = self.envelopes.sqs_message(message, subscription, queue.endswith(".fifo"))
        return {"queue": queue, **sent}


def _passes(subscription: Subscription, message: Published) -> bool:
    pattern = subscription.pattern()
    if pattern is None:
        return True
    text = message.text_for(subscription.protocol)
    return filter_policies.matches(pattern, subscription.scope, text, message.attributes)


def _draft(entry: Mapping[str, Any], index: int | None) -> Draft:
    subject = entry.get("Subject")
    text = entry.get("Message")
    message = messages.check_message(text, subject, entry.get("MessageStructure"))
    attributes = dict(entry.get("MessageAttributes") or {})
    messages.check_attributes(attributes, index)
    messages.check_size(str(text), attributes)
    return Draft(
        message,
        str(text),
        subject,
        attributes,
        entry.get("MessageGroupId"),
        entry.get("MessageDeduplicationId"),
    )


def _check_fifo(topic: Topic, draft: Draft) -> None:
    if not topic.fifo:
        if draft.deduplication_id is not None:
            raise invalid(
                "MessageDeduplicationId Reason: The request includes MessageDeduplicationId "
                "parameter that is not valid for this topic type"
            )
        return
    if not draft.group_id:
        raise invalid("The MessageGroupId parameter is required for FIFO topics")
    if draft.deduplication_id is None and not topic.content_based_deduplication:
        raise invalid(
            "The topic should either have ContentBasedDeduplication enabled or "
            "MessageDeduplicationId provided explicitly"
        )


def _deduplication_id(draft: Draft) -> str:
    return draft.deduplication_id or messages.content_deduplication_id(draft.raw_message)


def _check_batch(entries: list[Mapping[str, Any]]) -> None:
    if not entries:
        raise EmptyBatchRequest()
    if len(entries) > MAX_BATCH:
        raise TooManyEntriesInBatchRequest()
    ids = [str(entry.get("Id", "")) for entry in entries]
    if len(set(ids)) < len(ids):
        raise BatchEntryIdsNotDistinct()
    for entry_id in ids:
        if len(entry_id) > _MAX_ENTRY_ID:
            raise InvalidBatchEntryId(
                f"The Id of a batch entry in the batch request is too long: {entry_id}"
            )
        if not _ENTRY_ID.fullmatch(entry_id):
            raise InvalidBatchEntryId(
                "The Id of a batch entry in the batch request contains an impermissible "
                f"character: {entry_id}"
            )


def _success(entry: Mapping[str, Any], published: Published) -> dict[str, str]:
    answer = {"Id": str(entry["Id"]), "MessageId": published.message_id}
    if published.sequence_number is not None:
        answer["SequenceNumber"] = published.sequence_number
    return answer
