"""CreateTopic, DeleteTopic, ListTopics, Get/SetTopicAttributes and tags.

Wording recorded against AWS in localstack/localstack tests/aws/services/sns/test_sns.snapshot.json
(``TestSNSTopicCrud``, ``TestSNSTopicCrudV2``): "Invalid parameter: Topic Name", "Topic does not
exist" (NotFound, 404), "Invalid parameter: Tags Reason: Topic already exists with different
tags", "Invalid parameter: Duplicated keys are not allowed.", DeleteTopic idempotent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection

from lambdalite.aws.context import RequestContext
from lambdalite.services.sns import paging, topics
from lambdalite.services.sns.arns import TopicName, split_arn, topic_from_arn, valid_topic_name
from lambdalite.services.sns.base import SnsBase
from lambdalite.services.sns.errors import (
    NotImplementedByLambdalite,
    ResourceNotFound,
    TagLimitExceeded,
    TopicNotFound,
    invalid,
)
from lambdalite.services.sns.subscriptions import Subscription
from lambdalite.services.sns.topics import Topic
from lambdalite.store import Record

Params = dict[str, Any]
MAX_TAGS = 50


class TopicOperations(SnsBase):
    """The topic operations."""

    async def create_topic(self, ctx: RequestContext, request: Params) -> Params:
        name = str(request.get("Name") or "")
        given = dict(request.get("Attributes") or {})
        where = TopicName(ctx.account_id, ctx.region, name)
        fifo = given.get("FifoTopic", "").lower() == "true" or name.endswith(".fifo")
        if not valid_topic_name(name, fifo):
            raise invalid("Topic Name")
        if request.get("DataProtectionPolicy"):
            raise NotImplementedByLambdalite(
                "Data protection policies are not implemented by lambdalite."
            )
        attributes = topics.check_created(where, given)
        tags = _tags(request.get("Tags") or [])
        data = {"attributes": attributes, "tags": tags}
        await self.platform.store.write(lambda conn: self._create_in(conn, where, data))
        return {"TopicArn": where.arn}

    def _create_in(self, conn: Connection, where: TopicName, data: dict[str, Any]) -> None:
        existing = self.topics.get_in(conn, where.scope, where.name)
        if existing is None:
            self.topics.put_in(conn, where.scope, where.name, data, create_only=True)
            return
        # CreateTopic is idempotent: the same name answers the same topic, unless asked for
        # other attributes or tags.
        if any(existing.data["tags"].get(k) != v for k, v in data["tags"].items()):
            raise invalid("Tags Reason: Topic already exists with different tags")
        stored = existing.data["attributes"]
        if any(stored.get(k) != v for k, v in data["attributes"].items()):
            raise invalid("Attributes Reason: Topic already exists with different attributes")

    async def delete_topic(self, ctx: RequestContext, request: Params) -> Params:
        where = topic_from_arn(request.get("TopicArn"), ctx.region)
        await self.platform.store.write(lambda conn: self._delete_in(conn, where))
        return {}

    def _delete_in(self, conn: Connection, where: TopicName) -> None:
        # Its subscriptions go with it (AWS lets them linger detached for a while).
        for record in self.subscriptions.list_in(conn, where.scope, prefix=f"{where.name}:"):
            self.subscriptions.delete_in(conn, where.scope, record.key)
        self.topics.delete_in(conn, where.scope, where.name)

    async def list_topics(self, ctx: RequestContext, request: Params) -> Params:
        after = paging.key_after(request.get("NextToken"))
        records = await self.topics.list(self.scope(ctx), after=after, limit=paging.PAGE_SIZE + 1)
        page = records[: paging.PAGE_SIZE]
        answer: Params = {
            "Topics": [{"TopicArn": TopicName(ctx.account_id, ctx.region, r.key).arn} for r in page]
        }
        if len(records) > paging.PAGE_SIZE:
            answer["NextToken"] = paging.token_for(page[-1].key)
        return answer

    async def get_topic_attributes(self, ctx: RequestContext, request: Params) -> Params:
        topic = await self.topic(ctx, request.get("TopicArn"))
        counts = _counts(await self.subscriptions_of(topic.where))
        return {"Attributes": topic.shown(counts)}

    async def set_topic_attributes(self, ctx: RequestContext, request: Params) -> Params:
        where = topic_from_arn(request.get("TopicArn"), ctx.region)
        name = str(request.get("AttributeName") or "")
        value = str(request.get("AttributeValue") or "")
        topics.check_attribute(where, name, value)

        def job(conn: Connection) -> None:
            record = self.topics.get_in(conn, where.scope, where.name)
            if record is None:
                raise TopicNotFound()
            topic = Topic.of(where, record)
            data = {**record.data, "attributes": topics.with_attribute(topic, name, value)}
            self.topics.put_in(conn, where.scope, where.name, data)

        await self.platform.store.write(job)
        return {}

    # --- tags -----------------------------------------------------------------------------

    async def tag_resource(self, ctx: RequestContext, request: Params) -> Params:
        given = _tags(request.get("Tags") or [])
        where = _tagged(ctx, request)

        def job(conn: Connection) -> None:
            record = self._tagged_record(conn, where)
            tags = {**record.data["tags"], **given}
            if len(tags) > MAX_TAGS:
                raise TagLimitExceeded()
            self.topics.put_in(conn, where.scope, where.name, {**record.data, "tags": tags})

        await self.platform.store.write(job)
        return {}

    async def untag_resource(self, ctx: RequestContext, request: Params) -> Params:
        keys = set(request.get("TagKeys") or [])
        where = _tagged(ctx, request)

        def job(conn: Connection) -> None:
            record = self._tagged_record(conn, where)
            tags = {k: v for k, v in record.data["tags"].items() if k not in keys}
            self.topics.put_in(conn, where.scope, where.name, {**record.data, "tags": tags})

        await self.platform.store.write(job)
        return {}

    async def list_tags_for_resource(self, ctx: RequestContext, request: Params) -> Params:
        where = _tagged(ctx, request)
        record = await self.topics.get(where.scope, where.name)
        if record is None:
            raise ResourceNotFound()
        return {"Tags": [{"Key": k, "Value": v} for k, v in record.data["tags"].items()]}

    def _tagged_record(self, conn: Connection, where: TopicName) -> Record:
        record = self.topics.get_in(conn, where.scope, where.name)
        if record is None:
            raise ResourceNotFound()
        return record


def _tagged(ctx: RequestContext, request: Params) -> TopicName:
    arn = request.get("ResourceArn")
    split_arn(arn, "ResourceArn")
    return topic_from_arn(arn, ctx.region, "ResourceArn")


def _tags(given: list[Mapping[str, str]]) -> dict[str, str]:
    keys = [tag["Key"] for tag in given]
    if len(set(keys)) < len(keys):
        raise invalid("Duplicated keys are not allowed.")
    return {tag["Key"]: tag.get("Value", "") for tag in given}


def _counts(subscriptions: list[Subscription]) -> dict[str, int]:
    pending = sum(1 for s in subscriptions if s.pending)
    return {"Confirmed": len(subscriptions) - pending, "Pending": pending, "Deleted": 0}
