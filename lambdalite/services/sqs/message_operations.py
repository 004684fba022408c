"""Message operations: send, receive (with long polling), delete and change visibility."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection

from lambdalite.aws.context import RequestContext
from lambdalite.aws.errors import ServiceError
from lambdalite.services.sqs import batches, messages
from lambdalite.services.sqs.base import Params, SqsBase
from lambdalite.services.sqs.digests import attributes_md5, body_md5
from lambdalite.services.sqs.errors import (
    BatchRequestTooLong,
    InvalidParameterValue,
    MissingParameter,
    QueueDoesNotExist,
    ReceiptHandleIsInvalid,
)
from lambdalite.services.sqs.messages import Message, NewMessage, Sent
from lambdalite.services.sqs.queues import MAX_MESSAGE_BYTES, Queue, QueueName
from lambdalite.services.sqs.redrive import allows
from lambdalite.services.sqs.sending import loaded, message_size, new_message

_MAX_VISIBILITY = 43_200
_MAX_WAIT = 20
_MAX_RECEIVE = 10
_SYSTEM_NAMES = (
    "SenderId",
    "SentTimestamp",
    "ApproximateReceiveCount",
    "ApproximateFirstReceiveTimestamp",
    "SequenceNumber",
    "MessageDeduplicationId",
    "MessageGroupId",
    "AWSTraceHeader",
    "DeadLetterQueueSourceArn",
)


class MessageOperations(SqsBase):
    """SendMessage(Batch), ReceiveMessage, DeleteMessage(Batch), ChangeMessageVisibility(Batch)."""

    # --- sending -------------------------------------------------------------------------------

    async def send_message(self, ctx: RequestContext, request: Params) -> Params:
        queue = await self.queue(ctx, request)
        message = new_message(queue, request, _sender(ctx), self.now_ms())
        sent = (await self.store_messages(queue.where, [message]))[0]
        return _sent_entry(message, sent)

    async def send_message_batch(self, ctx: RequestContext, request: Params) -> Params:
        queue = await self.queue(ctx, request)
        entries = batches.required_entries(request)
        batches.check_entries(entries, "SendMessageBatchRequestEntry")
        _check_batch_size(entries)
        now, sender = self.now_ms(), _sender(ctx)
        checked = batches.each(entries, lambda entry: _checked(queue, entry, sender, now))
        if queue.fifo:  # one bad entry fails a FIFO batch as a whole: the order must hold
            _raise_first_failure(checked)
        valid = [
            result["_message"] for _, result in checked if not isinstance(result, ServiceError)
        ]
        sent = iter(await self.store_messages(queue.where, valid))
        answered = [
            (
                entry_id,
                result
                if isinstance(result, ServiceError)
                else _batch_sent(entry_id, result, next(sent)),
            )
            for entry_id, result in checked
        ]
        return _without_empty(batches.outcome(answered))

    async def store_messages(self, queue: QueueName, new: Sequence[NewMessage]) -> list[Sent]:
        """Make ``new`` durable in ``queue`` (which must still exist) and wake its long polls."""
        if not new:
            return []
        now = self.now_ms()

        def job(conn: Connection) -> list[Sent]:
            if not self.queue_exists_in(conn, queue):
                raise QueueDoesNotExist()
            return messages.insert(conn, queue, new, now)

        sent = await self.platform.store.write(job)
        self.arrivals.notify(queue)
        return sent

    # --- receiving -----------------------------------------------------------------------------

    async def receive_message(self, ctx: RequestContext, request: Params) -> Params:
        queue = await self.queue(ctx, request)
        count = _limited(request, "MaxNumberOfMessages", 1, _MAX_RECEIVE, 1)
        visibility = _limited(
            request, "VisibilityTimeout", 0, _MAX_VISIBILITY, queue.number("VisibilityTimeout")
        )
        wait = _limited(
            request, "WaitTimeSeconds", 0, _MAX_WAIT, queue.number("ReceiveMessageWaitTimeSeconds")
        )
        attempt = request.get("ReceiveRequestAttemptId") if queue.fifo else None
        received = await self._repeated(queue.where, attempt) if attempt else None
        if received is None:
            received = await self.receive(queue.where, count, visibility, wait)
            if attempt:
                self._remember_attempt(queue.where, attempt, received)
        system = _system_names(request)
        wanted = request.get("MessageAttributeNames") or []
        rendered = [_received(queue.where, m, system, wanted) for m in received]
        return {"Messages": rendered} if rendered else {}

    async def _repeated(self, queue: QueueName, attempt: str) -> list[Message] | None:
        """The messages a FIFO receive with this ReceiveRequestAttemptId got within the last
        five minutes, if all are still in flight from it: a retried receive gets the same
        messages and receipt handles (the ReceiveMessage docs). Kept in memory: after a
        restart a retry waits for the visibility timeout, as after a lost attempt id."""
        now = self.now_ms()
        self.attempts = {k: v for k, v in self.attempts.items() if v[0] > now}
        remembered = self.attempts.get((queue, attempt))
        if remembered is None:
            return None
        taken = remembered[1]

        def still_in_flight(conn: Connection) -> bool:
            states = [messages.current(conn, queue, m.row_id) for m in taken]
            return all(
                s is not None and s[0] == m.receive_count and s[1] > now
                for s, m in zip(states, taken, strict=True)
            )

        return taken if await self.platform.store.read(still_in_flight) else None

    def _remember_attempt(self, queue: QueueName, attempt: str, taken: list[Message]) -> None:
        expires = self.now_ms() + messages.FIFO_DEDUPLICATION_MS
        self.attempts[(queue, attempt)] = (expires, taken)

    async def receive(
        self, queue: QueueName, count: int, visibility_s: int, wait_s: float
    ) -> list[Message]:
        """Take up to ``count`` messages, hidden for ``visibility_s``; wait up to ``wait_s``
        for the first one to be there. Also what event source mappings poll with."""
        deadline = self.clock() + wait_s
        while True:
            ticket = self.arrivals.ticket(queue)
            now = self.now_ms()
            take = functools.partial(self._take_in, where=queue, count=count, now=now)
            taken, next_visible, moved = await self.platform.store.write(
                functools.partial(take, visibility_ms=visibility_s * 1000)
            )
            for dead_letter in moved:
                self.arrivals.notify(dead_letter)
            left = deadline - self.clock()
            if taken or left <= 0:
                return taken
            if moved:
                continue  # what was taken went to a dead-letter queue: look again at once
            if next_visible is not None:
                left = min(left, max(next_visible - now, 1) / 1000)
            await self.arrivals.wait(ticket, left)

    def _take_in(
        self, conn: Connection, where: QueueName, count: int, visibility_ms: int, now: int
    ) -> tuple[list[Message], int | None, list[QueueName]]:
        """(messages received, when the next hidden one shows, dead-letter queues written)."""
        queue = self.queue_in(conn, where)
        if queue is None:
            raise QueueDoesNotExist()
        dead_letter = self._dead_letter_in(conn, queue)
        retention_ms = queue.number("MessageRetentionPeriod") * 1000
        taken: list[Message] = []
        moved: list[QueueName] = []
        for message in messages.candidates(conn, where, count, now):
            if message.sent_at + retention_ms <= now:
                messages.remove(conn, message)
            elif dead_letter is not None and message.receive_count >= dead_letter[1]:
                source = {"DeadLetterQueueSourceArn": where.arn}
                messages.move(conn, message, dead_letter[0], source, now)
                moved.append(dead_letter[0])
            else:
                taken.append(messages.hide(conn, message, now + visibility_ms, now))
        next_visible = None if taken else messages.next_visible_at(conn, where, now)
        return taken, next_visible, moved

    def _dead_letter_in(self, conn: Connection, queue: Queue) -> tuple[QueueName, int] | None:
        """The queue's dead-letter queue and maxReceiveCount, when both are there."""
        redrive = queue.redrive
        dead_letter = None if redrive is None else self.queue_in(conn, redrive[0])
        if redrive is None or dead_letter is None or not allows(dead_letter, queue.where):
            return None
        return redrive

    # --- deleting ------------------------------------------------------------------------------

    async def delete_message(self, ctx: RequestContext, request: Params) -> Params:
        queue = await self.queue(ctx, request)
        now = self.now_ms()
        await self.platform.store.write(
            lambda conn: self._delete_message_in(conn, queue, request["ReceiptHandle"], now)
        )
        if queue.fifo:  # its group may be unblocked now
            self.arrivals.notify(queue.where)
        return {}

    async def delete_message_batch(self, ctx: RequestContext, request: Params) -> Params:
        queue = await self.queue(ctx, request)
        entries = batches.required_entries(request)
        batches.check_entries(entries, "DeleteMessageBatchRequestEntry")
        now = self.now_ms()

        def job(conn: Connection) -> batches.Results:
            def one(entry: batches.Entry) -> batches.Entry:
                self._delete_message_in(conn, queue, entry.get("ReceiptHandle", ""), now)
                return {"Id": entry["Id"]}

            return batches.each(entries, one)

        results = await self.platform.store.write(job)
        if queue.fifo:  # their groups may be unblocked now
            self.arrivals.notify(queue.where)
        return _without_empty(batches.outcome(results))

    def _delete_message_in(self, conn: Connection, queue: Queue, handle: str, now: int) -> None:
        row_id, count = _parsed_handle(queue, handle)
        if queue.fifo:
            _check_fifo_handle(messages.current(conn, queue.where, row_id), handle, count, now)
        messages.delete(conn, queue.where, row_id)

    # --- visibility ----------------------------------------------------------------------------

    async def change_message_visibility(self, ctx: RequestContext, request: Params) -> Params:
        queue = await self.queue(ctx, request)
        now = self.now_ms()
        timeout = request["VisibilityTimeout"]
        await self.platform.store.write(
            lambda conn: self._change_in(conn, queue, request["ReceiptHandle"], timeout, now)
        )
        if timeout == 0:
            self.arrivals.notify(queue.where)
        return {}

    async def change_message_visibility_batch(self, ctx: RequestContext, request: Params) -> Params:
        queue = await self.queue(ctx, request)
        entries = batches.required_entries(request)
        batches.check_entries(entries, "ChangeMessageVisibilityBatchRequestEntry")
        now = self.now_ms()

        def job(conn: Connection) -> batches.Results:
            def one(entry: batches.Entry) -> batches.Entry:
                timeout = entry.get("VisibilityTimeout", 0)
                self._change_in(conn, queue, entry.get("ReceiptHandle", ""), timeout, now)
                return {"Id": entry["Id"]}

            return batches.each(entries, one)

        results = await self.platform.store.write(job)
        self.arrivals.notify(queue.where)
        return _without_empty(batches.outcome(results))

    def _change_in(
        self, conn: Connection, queue: Queue, handle: str, timeout: int, now: int
    ) -> None:
        row_id, count = _parsed_handle(queue, handle)
        if not 0 <= timeout <= _MAX_VISIBILITY:
            raise InvalidParameterValue(
                f"Value {timeout} for parameter VisibilityTimeout is invalid. Reason: Must be "
                f">= 0 and <= {_MAX_VISIBILITY}, if provided."
            )
        state = messages.current(conn, queue.where, row_id)
        if state is None or state[0] == 0:
            raise InvalidParameterValue(
                f"Value {handle} for parameter ReceiptHandle is invalid. Reason: Message does "
                "not exist or is not available for visibility timeout change."
            )
        if queue.fifo:
            _check_fifo_handle(state, handle, count, now)
        messages.set_visible_at(conn, row_id, now + timeout * 1000)


# --- helpers ----------------------------------------------------------------------------------


def _sender(ctx: RequestContext) -> str:
    principal = ctx.principal
    return principal.user_id if principal is not None else ctx.account_id


def _limited(request: Params, member: str, low: int, high: int, default: int) -> int:
    value = request.get(member)
    if value is None:
        return default
    if not low <= value <= high:
        reason = (
            f"Must be between {low} and {high}, if provided."
            if member == "MaxNumberOfMessages"
            else f"Must be >= {low} and <= {high}, if provided."
        )
        raise InvalidParameterValue(
            f"Value {value} for parameter {member} is invalid. Reason: {reason}"
        )
    return int(value)


def _check_batch_size(entries: Sequence[batches.Entry]) -> None:
    # The whole batch has a fixed limit, whatever the queue's MaximumMessageSize
    # (LocalStack's AWS-recorded snapshot of test_send_message_batch_with_oversized_contents).
    total = sum(
        message_size(e.get("MessageBody", ""), e.get("MessageAttributes") or {}) for e in entries
    )
    if total > MAX_MESSAGE_BYTES:
        raise BatchRequestTooLong(
            f"Batch requests cannot be longer than {MAX_MESSAGE_BYTES} bytes. You have sent "
            f"{total} bytes."
        )


def _checked(queue: Queue, entry: batches.Entry, sender: str, now: int) -> batches.Entry:
    if not entry.get("MessageBody"):
        raise MissingParameter(
            "The request must contain the parameter "
            f"SendMessageBatchRequestEntry.{entry['_position']}.MessageBody."
        )
    try:
        return {"_message": new_message(queue, entry, sender, now)}
    except MissingParameter as error:  # a batch words a missing group id as an invalid value
        raise InvalidParameterValue(error.message) from None


def _raise_first_failure(checked: batches.Results) -> None:
    for _, result in checked:
        if isinstance(result, ServiceError):
            raise result


def _sent_entry(message: NewMessage, sent: Sent) -> Params:
    answer: Params = {"MessageId": sent.message_id, "MD5OfMessageBody": body_md5(message.body)}
    for digest in ("MD5OfMessageAttributes", "MD5OfMessageSystemAttributes"):
        if digest in message.attributes:
            answer[digest] = message.attributes[digest]
    if sent.sequence_number is not None:
        answer["SequenceNumber"] = sent.sequence_number
    return answer


def _batch_sent(entry_id: str, checked: batches.Entry, sent: Sent) -> batches.Entry:
    return {"Id": entry_id, **_sent_entry(checked["_message"], sent)}


def _without_empty(answer: dict[str, list[batches.Entry]]) -> Params:
    """AWS's JSON answers leave empty lists out."""
    return {key: value for key, value in answer.items() if value}


def _parsed_handle(queue: Queue, handle: str) -> tuple[int, int]:
    parsed = messages.parse_receipt_handle(handle, queue.where) if handle else None
    if parsed is None:
        raise ReceiptHandleIsInvalid(
            f'The input receipt handle "{handle}" is not a valid receipt handle.'
        )
    return parsed


def _check_fifo_handle(state: tuple[int, int] | None, handle: str, count: int, now: int) -> None:
    """A FIFO queue's handle expires with its visibility timeout or the next receive."""
    if state is not None and (state[0] != count or state[1] <= now):
        raise InvalidParameterValue(
            f"Value {handle} for parameter ReceiptHandle is invalid. Reason: The receipt handle "
            "has expired."
        )


def _system_names(request: Params) -> frozenset[str]:
    names = {
        *(request.get("AttributeNames") or []),
        *(request.get("MessageSystemAttributeNames") or []),
    }
    return frozenset(_SYSTEM_NAMES) if "All" in names else frozenset(names)


def _received(
    queue: QueueName, message: Message, system: frozenset[str], wanted: list[str]
) -> Params:
    answer: Params = {
        "MessageId": message.message_id,
        "ReceiptHandle": message.receipt_handle(queue),
        "MD5OfBody": body_md5(message.body),
        "Body": message.body,
    }
    attributes = _system_attributes(queue, message, system)
    if attributes:
        answer["Attributes"] = attributes
    user = _user_attributes(message.attributes.get("MessageAttributes", {}), wanted)
    if user:
        answer["MessageAttributes"] = user
        answer["MD5OfMessageAttributes"] = attributes_md5(user)
    return answer


def _system_attributes(queue: QueueName, message: Message, names: frozenset[str]) -> dict[str, str]:
    if not names:
        return {}
    stored = message.attributes
    every: dict[str, Any] = {
        "SenderId": stored.get("SenderId"),
        "SentTimestamp": message.sent_at,
        "ApproximateReceiveCount": message.receive_count,
        "ApproximateFirstReceiveTimestamp": message.first_received_at,
        "AWSTraceHeader": stored.get("AWSTraceHeader"),
        "DeadLetterQueueSourceArn": stored.get("DeadLetterQueueSourceArn"),
        "MessageGroupId": stored.get("MessageGroupId"),
    }
    if queue.fifo:
        every["SequenceNumber"] = message.sequence_number
        every["MessageDeduplicationId"] = stored.get("MessageDeduplicationId")
    return {k: str(v) for k, v in every.items() if k in names and v is not None}


def _user_attributes(stored: Mapping[str, Mapping[str, str]], wanted: list[str]) -> Params:
    if "All" in wanted or ".*" in wanted:
        return {name: loaded(value) for name, value in stored.items()}
    prefixes = tuple(w[:-1] for w in wanted if w.endswith(".*"))
    exact = set(wanted)
    return {
        name: loaded(value)
        for name, value in stored.items()
        if name in exact or (prefixes and name.startswith(prefixes))
    }
