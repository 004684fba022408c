"""Queue operations: create, find, list, configure, tag, purge and delete queues."""

from __future__ import annotations

import base64
import binascii
import json
from functools import cached_property
from typing import Any

from sqlalchemy import Connection

from lambdalite.aws.context import RequestContext
from lambdalite.services.sqs import messages
from lambdalite.services.sqs.base import Params, SqsBase
from lambdalite.services.sqs.errors import (
    InvalidAttributeName,
    InvalidAttributeValue,
    InvalidParameterValue,
    PurgeQueueInProgress,
    QueueDeletedRecently,
    QueueDoesNotExist,
    QueueNameExists,
)
from lambdalite.services.sqs.queues import (
    COMPUTED,
    SETTABLE,
    Queue,
    QueueName,
    check_attributes,
    check_name,
    normalized,
    parse_queue_arn,
    stored_data,
    with_defaults,
)
from lambdalite.services.sqs.redrive import check_redrive_policies
from lambdalite.store import Record, Repository

PURGE_INTERVAL_MS = 60_000  # one PurgeQueue per queue per minute
# A deleted queue's name is taken for a minute (QueueDeletedRecently; the CreateQueue docs and
# AWS's answer quoted in hashicorp/terraform-provider-aws pull 3113).
RECREATE_AFTER_MS = 60_000
DELETED_KIND = "sqs.deleted_queue"
_MAX_LIST_RESULTS = 1000
_MAX_TAGS = 50


class QueueOperations(SqsBase):
    """CreateQueue, GetQueueUrl, ListQueues, DeleteQueue, Get/SetQueueAttributes, PurgeQueue,
    Tag/Untag/ListQueueTags, ListDeadLetterSourceQueues, Add/RemovePermission."""

    async def create_queue(self, ctx: RequestContext, request: Params) -> Params:
        name = QueueName(ctx.account_id, ctx.region, _queue_name(request))
        given = normalized(request.get("Attributes") or {})
        check_name(name, given)
        check_attributes(name, given)
        await self._check_redrive(name, given)
        data = stored_data(with_defaults(name, given), request.get("tags") or {}, int(self.clock()))
        await self.platform.store.write(lambda conn: self._create_in(conn, name, given, data))
        return {"QueueUrl": self.queue_url(ctx, name)}

    def _create_in(
        self, conn: Connection, name: QueueName, given: dict[str, str], data: dict[str, Any]
    ) -> None:
        existing = self.queue_in(conn, name)
        if existing is None:
            self._refuse_recently_deleted_in(conn, name)
            self.queues.put_in(conn, name.scope, name.name, data, create_only=True)
            return
        for attribute, value in given.items():
            if existing.attributes.get(attribute) != value:
                raise QueueNameExists(
                    f"A queue already exists with the same name and a different value for "
                    f"attribute {attribute}"
                )

    async def get_queue_url(self, ctx: RequestContext, request: Params) -> Params:
        account = request.get("QueueOwnerAWSAccountId") or ctx.account_id
        name = QueueName(account, ctx.region, _queue_name(request))
        await self.queue_at(name)
        return {"QueueUrl": self.queue_url(ctx, name)}

    async def list_queues(self, ctx: RequestContext, request: Params) -> Params:
        limit = request.get("MaxResults")
        if limit is not None and not 1 <= limit <= _MAX_LIST_RESULTS:
            raise InvalidParameterValue(
                f"Value {limit} for parameter MaxResults is invalid. Reason: MaxResults must be "
                f"an integer between 1 and {_MAX_LIST_RESULTS}."
            )
        after = _token_key(request.get("NextToken"))
        records = await self.queues.list(
            self.scope(ctx),
            prefix=request.get("QueueNamePrefix", ""),
            after=after,
            limit=(limit or _MAX_LIST_RESULTS) + 1,
        )
        return _queue_page(self._urls(ctx, records), records, limit)

    def _urls(self, ctx: RequestContext, records: list[Record]) -> list[str]:
        scope = self.scope(ctx)
        return [self.queue_url(ctx, QueueName(scope.account, scope.region, r.key)) for r in records]

    async def delete_queue(self, ctx: RequestContext, request: Params) -> Params:
        name = self.named(ctx, request)
        await self.platform.store.write(lambda conn: self._delete_queue_in(conn, name))
        self.arrivals.notify(name)
        return {}

    def _delete_queue_in(self, conn: Connection, name: QueueName) -> None:
        if not self.queues.delete_in(conn, name.scope, name.name):
            raise QueueDoesNotExist()
        messages.drop(conn, name)
        self.deleted.put_in(conn, name.scope, name.name, {"deleted_at": self.now_ms()})

    @cached_property
    def deleted(self) -> Repository:
        """When each queue name was last deleted: AWS holds a name for a minute."""
        return Repository(self.platform.store, DELETED_KIND, clock=self.clock)

    def _refuse_recently_deleted_in(self, conn: Connection, name: QueueName) -> None:
        tombstone = self.deleted.get_in(conn, name.scope, name.name)
        if tombstone is None:
            return
        if self.now_ms() - tombstone.data["deleted_at"] < RECREATE_AFTER_MS:
            raise QueueDeletedRecently(
                "You must wait 60 seconds after deleting a queue before you can create another "
                "with the same name."
            )
        self.deleted.delete_in(conn, name.scope, name.name)

    async def get_queue_attributes(self, ctx: RequestContext, request: Params) -> Params:
        queue = await self.queue(ctx, request)
        wanted = request.get("AttributeNames") or []
        for attribute in wanted:
            if attribute != "All" and attribute not in SETTABLE and attribute not in COMPUTED:
                raise InvalidAttributeName(f"Unknown Attribute {attribute}.")
        if not wanted:
            return {}
        every = await self._all_attributes(queue)
        chosen = every if "All" in wanted else {k: every[k] for k in wanted if k in every}
        return {"Attributes": chosen} if chosen else {}

    async def _all_attributes(self, queue: Queue) -> dict[str, str]:
        now = self.now_ms()
        visible, in_flight, delayed = await self.platform.store.read(
            lambda conn: messages.counts(conn, queue.where, now)
        )
        return {
            **{k: v for k, v in queue.attributes.items() if k in SETTABLE},
            "ApproximateNumberOfMessages": str(visible),
            "ApproximateNumberOfMessagesNotVisible": str(in_flight),
            "ApproximateNumberOfMessagesDelayed": str(delayed),
            "CreatedTimestamp": str(queue.created),
            "LastModifiedTimestamp": str(queue.modified),
            "QueueArn": queue.where.arn,
        }

    async def set_queue_attributes(self, ctx: RequestContext, request: Params) -> Params:
        queue = await self.queue(ctx, request)
        given = normalized(request.get("Attributes") or {})
        check_attributes(queue.where, given)
        if "FifoQueue" in given and given["FifoQueue"] != queue.attributes.get("FifoQueue"):
            if not queue.fifo:
                raise InvalidAttributeName("Unknown Attribute FifoQueue.")
            raise InvalidAttributeValue(
                "Invalid value for the parameter FifoQueue. Reason: Modifying queue type is not "
                "supported."
            )
        await self._check_redrive(queue.where, given)
        attributes = {k: v for k, v in {**queue.attributes, **given}.items() if v != ""}
        await self._update(queue, attributes=attributes, modified=int(self.clock()))
        self.arrivals.notify(queue.where)  # a shorter delay may make messages receivable
        return {}

    async def _check_redrive(self, name: QueueName, given: dict[str, str]) -> None:
        target = given.get("RedrivePolicy")
        dead_letter = None
        if target:
            arn = _json_field(target, "deadLetterTargetArn")
            where = parse_queue_arn(arn) if isinstance(arn, str) else None
            if where is not None:
                record = await self.queues.get(where.scope, where.name)
                dead_letter = None if record is None else Queue.of(where, record)
        check_redrive_policies(name, given, dead_letter)

    async def purge_queue(self, ctx: RequestContext, request: Params) -> Params:
        queue = await self.queue(ctx, request)
        now = self.now_ms()

        def job(conn: Connection) -> None:
            record = self.queues.get_in(conn, queue.where.scope, queue.where.name)
            if record is None:
                raise QueueDoesNotExist()
            if now - record.data.get("purged_at", -PURGE_INTERVAL_MS) < PURGE_INTERVAL_MS:
                raise PurgeQueueInProgress(
                    f"Only one PurgeQueue operation on {queue.where.name} is allowed every "
                    "60 seconds."
                )
            data = {**record.data, "purged_at": now}
            self.queues.put_in(conn, queue.where.scope, queue.where.name, data)
            messages.purge(conn, queue.where)

        await self.platform.store.write(job)
        return {}

    async def tag_queue(self, ctx: RequestContext, request: Params) -> Params:
        queue = await self.queue(ctx, request)
        tags = {**queue.tags, **request["Tags"]}
        if len(tags) > _MAX_TAGS:
            raise InvalidParameterValue(f"Too many tags added for queue {queue.where.name}.")
        await self._update(queue, tags=tags)
        return {}

    async def untag_queue(self, ctx: RequestContext, request: Params) -> Params:
        queue = await self.queue(ctx, request)
        removed = set(request["TagKeys"])
        await self._update(queue, tags={k: v for k, v in queue.tags.items() if k not in removed})
        return {}

    async def list_queue_tags(self, ctx: RequestContext, request: Params) -> Params:
        queue = await self.queue(ctx, request)
        return {"Tags": dict(queue.tags)} if queue.tags else {}

    async def list_dead_letter_source_queues(self, ctx: RequestContext, request: Params) -> Params:
        queue = await self.queue(ctx, request)
        arn = queue.where.arn
        records = [
            record
            for record in await self.queues.list(self.scope(ctx))
            if _dead_letter_arn(record.data["attributes"]) == arn
        ]
        after = _token_key(request.get("NextToken"))
        records = [r for r in records if after is None or r.key > after]
        page = _queue_page(self._urls(ctx, records), records, request.get("MaxResults"))
        return {"queueUrls": page.get("QueueUrls", []), **_only_token(page)}

    async def add_permission(self, ctx: RequestContext, request: Params) -> Params:
        queue = await self.queue(ctx, request)
        policy = _policy(queue)
        label = request["Label"]
        if any(statement.get("Sid") == label for statement in policy["Statement"]):
            raise _bad_label(label, "Already exists.")
        policy["Statement"].append(_statement(queue, label, request))
        await self._set_policy(queue, policy)
        return {}

    async def remove_permission(self, ctx: RequestContext, request: Params) -> Params:
        queue = await self.queue(ctx, request)
        policy = _policy(queue)
        label = request["Label"]
        kept = [s for s in policy["Statement"] if s.get("Sid") != label]
        if len(kept) == len(policy["Statement"]):
            raise _bad_label(label, "can't find label.")
        await self._set_policy(queue, {**policy, "Statement": kept} if kept else None)
        return {}

    async def _set_policy(self, queue: Queue, policy: dict[str, Any] | None) -> None:
        attributes = {k: v for k, v in queue.attributes.items() if k != "Policy"}
        if policy is not None:
            attributes["Policy"] = json.dumps(policy, separators=(",", ":"))
        await self._update(queue, attributes=attributes, modified=int(self.clock()))

    async def _update(self, queue: Queue, **changes: Any) -> None:
        """Rewrite the queue's record with ``changes`` (attributes, tags, modified)."""
        where = queue.where

        def job(conn: Connection) -> None:
            record = self.queues.get_in(conn, where.scope, where.name)
            if record is None:
                raise QueueDoesNotExist()
            self.queues.put_in(conn, where.scope, where.name, {**record.data, **changes})

        await self.platform.store.write(job)


def _queue_name(request: Params) -> str:
    if "QueueName" not in request:
        raise InvalidParameterValue(
            "Value for parameter QueueName is invalid. Reason: Must specify a queue name."
        )
    return str(request["QueueName"])


def _policy(queue: Queue) -> dict[str, Any]:
    """The queue's Policy document (AWS's default Id when it has none yet)."""
    text = queue.attributes.get("Policy")
    if text:
        policy: dict[str, Any] = json.loads(text)
        policy.setdefault("Statement", [])
        return policy
    return {"Version": "2012-10-17", "Id": f"{queue.where.arn}/SQSDefaultPolicy", "Statement": []}


def _statement(queue: Queue, label: str, request: Params) -> dict[str, Any]:
    """The statement AddPermission writes: the accounts' roots may perform the actions."""
    principals = [f"arn:aws:iam::{account}:root" for account in request["AWSAccountIds"]]
    actions = [f"SQS:{action}" for action in request["Actions"]]
    return {
        "Sid": label,
        "Effect": "Allow",
        "Principal": {"AWS": principals[0] if len(principals) == 1 else principals},
        "Action": actions[0] if len(actions) == 1 else actions,
        "Resource": queue.where.arn,
    }


def _bad_label(label: str, reason: str) -> InvalidParameterValue:
    # LocalStack's AWS-recorded test_sqs_permission_lifecycle snapshot.
    return InvalidParameterValue(f"Value {label} for parameter Label is invalid. Reason: {reason}")


def _dead_letter_arn(attributes: dict[str, str]) -> object:
    return _json_field(attributes.get("RedrivePolicy", ""), "deadLetterTargetArn")


def _json_field(text: str, field: str) -> object:
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value.get(field) if isinstance(value, dict) else None


def _queue_page(urls: list[str], records: list[Record], limit: int | None) -> Params:
    """A ListQueues-style page: NextToken only when MaxResults was given and more remain."""
    if limit is None:
        return {"QueueUrls": urls[:_MAX_LIST_RESULTS]} if urls else {}
    page: Params = {"QueueUrls": urls[:limit]} if urls else {}
    if len(records) > limit:
        page["NextToken"] = _token(records[limit - 1].key)
    return page


def _only_token(page: Params) -> Params:
    return {"NextToken": page["NextToken"]} if "NextToken" in page else {}


def _token(key: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": key}).encode()).decode()


def _token_key(token: str | None) -> str | None:
    if not token:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(token.encode()))["after"]
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise InvalidParameterValue("Invalid NextToken value.") from None
    return str(key)
