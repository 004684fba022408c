"""Message move tasks: redriving a dead-letter queue's messages back to their source queues
(or to a destination queue), durably and at a bounded rate.

A task moves the messages that were in the dead-letter queue when it started (rows up to a
horizon), in pages, each page with the task's progress in one store write; a restart resumes
running tasks where they stopped. AWS's answers are from LocalStack's AWS-recorded
test_sqs_move_task snapshots (2024).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import logging
import uuid
from functools import cached_property
from typing import Any

from sqlalchemy import Connection

from lambdalite.aws.context import RequestContext
from lambdalite.services.sqs import messages
from lambdalite.services.sqs.base import Params, SqsBase
from lambdalite.services.sqs.errors import InvalidParameterValue, ResourceNotFound
from lambdalite.services.sqs.queues import QueueName, parse_queue_arn
from lambdalite.store import Record, Repository

log = logging.getLogger(__name__)

TASK_KIND = "sqs.move_task"
RUNNING, COMPLETED, CANCELLING, CANCELLED, FAILED = (
    "RUNNING",
    "COMPLETED",
    "CANCELLING",
    "CANCELLED",
    "FAILED",
)
_PAGE = 100  # messages per store write when no rate is set
_MAX_RATE = 500
_MAX_LISTED = 10


class MoveTaskOperations(SqsBase):
    """StartMessageMoveTask, ListMessageMoveTasks, CancelMessageMoveTask."""

    @cached_property
    def tasks(self) -> Repository:
        return Repository(self.platform.store, TASK_KIND, clock=self.clock)

    async def start_message_move_task(self, ctx: RequestContext, request: Params) -> Params:
        source = await self._existing(request["SourceArn"], "SourceArn")
        destination = request.get("DestinationArn")
        if destination is not None:
            await self._existing(destination, "DestinationArn")
        rate = request.get("MaxNumberOfMessagesPerSecond")
        if rate is not None and not 1 <= rate <= _MAX_RATE:
            raise InvalidParameterValue(
                f"Value {rate} for parameter MaxNumberOfMessagesPerSecond is invalid. Reason: "
                f"Must be between 1 and {_MAX_RATE}."
            )
        task_id = str(uuid.uuid4())
        task = await self.platform.store.write(
            lambda conn: self._start_in(conn, source, task_id, request)
        )
        self.spawn(self._run(source, task))
        return {"TaskHandle": _handle(task_id, source.arn)}

    def _start_in(
        self, conn: Connection, source: QueueName, task_id: str, request: Params
    ) -> Record:
        if not self._is_dead_letter_queue(conn, source):
            raise InvalidParameterValue("Source queue must be configured as a Dead Letter Queue.")
        if any(r.data["Status"] in (RUNNING, CANCELLING) for r in self._tasks_in(conn, source)):
            raise InvalidParameterValue(
                "There is already a task running. Only one active task is allowed for a source "
                "queue arn at a given time."
            )
        horizon = messages.last_row_id(conn, source)
        visible, _, _ = messages.counts(conn, source, self.now_ms())
        data: dict[str, Any] = {
            "TaskId": task_id,
            "SourceArn": source.arn,
            "StartedTimestamp": self.now_ms(),
            "Status": RUNNING,
            "ApproximateNumberOfMessagesMoved": 0,
            "ApproximateNumberOfMessagesToMove": visible,
            "horizon": horizon,
        }
        for member in ("DestinationArn", "MaxNumberOfMessagesPerSecond"):
            if member in request:
                data[member] = request[member]
        return self.tasks.put_in(conn, source.scope, _task_key(source, task_id), data)

    def _is_dead_letter_queue(self, conn: Connection, queue: QueueName) -> bool:
        for record in self.queues.list_in(conn, queue.scope):
            policy = record.data["attributes"].get("RedrivePolicy")
            if policy and json.loads(policy).get("deadLetterTargetArn") == queue.arn:
                return True
        return False

    def _tasks_in(self, conn: Connection, source: QueueName) -> list[Record]:
        return self.tasks.list_in(conn, source.scope, prefix=f"{source.name}/")

    async def list_message_move_tasks(self, ctx: RequestContext, request: Params) -> Params:
        source = await self._existing(request["SourceArn"], "SourceArn")
        limit = request.get("MaxResults", 1)
        if not 1 <= limit <= _MAX_LISTED:
            raise InvalidParameterValue(
                f"Value {limit} for parameter MaxResults is invalid. Reason: You must enter a "
                f"number that's between 1 and {_MAX_LISTED}."
            )
        records = await self.tasks.list(source.scope, prefix=f"{source.name}/")
        newest = sorted(records, key=lambda r: r.data["StartedTimestamp"], reverse=True)
        return {"Results": [_listed(r.data) for r in newest[:limit]]}

    async def cancel_message_move_task(self, ctx: RequestContext, request: Params) -> Params:
        task_id, source_arn = _parse_handle(request["TaskHandle"])
        source = await self._existing(source_arn, "SourceArn")

        def job(conn: Connection) -> int:
            record = self.tasks.get_in(conn, source.scope, _task_key(source, task_id))
            if record is None or record.data["Status"] != RUNNING:
                raise ResourceNotFound("Task does not exist.")
            self.tasks.put_in(conn, source.scope, record.key, {**record.data, "Status": CANCELLING})
            return int(record.data["ApproximateNumberOfMessagesMoved"])

        moved = await self.platform.store.write(job)
        return {"ApproximateNumberOfMessagesMoved": moved}

    async def _existing(self, arn: str, member: str) -> QueueName:
        where = parse_queue_arn(arn)
        if where is None:
            raise InvalidParameterValue(
                f"You must use this format to specify the {member}: "
                "arn:<partition>:<service>:<region>:<account-id>:<resource-id>"
            )
        if await self.queues.get(where.scope, where.name) is None:
            raise ResourceNotFound(
                f"The resource that you specified for the {member} parameter doesn't exist."
            )
        return where

    # --- running -------------------------------------------------------------------------------

    async def resume_move_tasks(self) -> None:
        """At start: carry on with the tasks a previous run left running."""
        for _, record in await self.tasks.scan():
            if record.data["Status"] in (RUNNING, CANCELLING):
                source = parse_queue_arn(record.data["SourceArn"])
                if source is not None:
                    self.spawn(self._run(source, record))

    async def _run(self, source: QueueName, task: Record) -> None:
        rate = task.data.get("MaxNumberOfMessagesPerSecond")
        page = min(rate, _PAGE) if rate else _PAGE
        try:
            while await self._move_page(source, task.key, page):
                if rate:
                    await asyncio.sleep(page / rate)
        except Exception:  # the task is marked FAILED by _move_page where it can be
            log.exception("message move task %s stopped", task.key)

    async def _move_page(self, source: QueueName, key: str, page: int) -> bool:
        """Move one page; False once the task is over (completed, cancelled or failed)."""
        now = self.now_ms()
        moved_to = await self.platform.store.write(
            lambda conn: self._move_page_in(conn, source, key, page, now)
        )
        for queue in moved_to or ():
            self.arrivals.notify(queue)
        return moved_to is not None

    def _move_page_in(
        self, conn: Connection, source: QueueName, key: str, page: int, now: int
    ) -> list[QueueName] | None:
        record = self.tasks.get_in(conn, source.scope, key)
        if record is None or record.data["Status"] not in (RUNNING, CANCELLING):
            return None
        data = dict(record.data)
        if data["Status"] == CANCELLING:
            self.tasks.put_in(conn, source.scope, key, {**data, "Status": CANCELLED})
            return None
        batch = messages.visible_page(conn, source, data["horizon"], page, now)
        moved = self._move_each_in(conn, batch, data, now)
        if moved is None:
            data.update(Status=FAILED, FailureReason="AWS.SimpleQueueService.NonExistentQueue")
        elif not batch:
            data["Status"] = COMPLETED
        data["ApproximateNumberOfMessagesMoved"] += len(batch) if moved is not None else 0
        self.tasks.put_in(conn, source.scope, key, data)
        return moved if data["Status"] == RUNNING else None

    def _move_each_in(
        self, conn: Connection, batch: list[messages.Message], task: dict[str, Any], now: int
    ) -> list[QueueName] | None:
        """Move ``batch``; None (and nothing moved) when a destination queue is gone."""
        targets = []
        for message in batch:
            arn = task.get("DestinationArn") or message.attributes.get("DeadLetterQueueSourceArn")
            target = parse_queue_arn(arn) if arn else None
            if target is None or not self.queue_exists_in(conn, target):
                return None
            targets.append(target)
        for message, target in zip(batch, targets, strict=True):
            message.attributes.pop("DeadLetterQueueSourceArn", None)
            messages.move(conn, message, target, {}, now)
        return targets


def _task_key(source: QueueName, task_id: str) -> str:
    return f"{source.name}/{task_id}"


def _handle(task_id: str, source_arn: str) -> str:
    raw = json.dumps({"taskId": task_id, "sourceArn": source_arn}, separators=(",", ":"))
    return base64.b64encode(raw.encode()).decode()


def _parse_handle(handle: str) -> tuple[str, str]:
    try:
        decoded = json.loads(base64.b64decode(handle.encode(), validate=True))
        return str(decoded["taskId"]), str(decoded["sourceArn"])
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise InvalidParameterValue("Value for parameter TaskHandle is invalid.") from None


def _listed(task: dict[str, Any]) -> Params:
    """A task as ListMessageMoveTasks shows it: the handle only while it runs."""
    shown = {k: v for k, v in task.items() if k not in ("TaskId", "horizon")}
    if task["Status"] == RUNNING:
        shown["TaskHandle"] = _handle(task["TaskId"], task["SourceArn"])
    return shown
