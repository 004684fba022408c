"""Event source mappings from SQS queues: the pollers that turn messages into invocations.

Each enabled mapping has a poller: workers that long-poll the queue, gather a batch (up to
BatchSize, within MaximumBatchingWindowInSeconds, under the 6 MB invoke payload), drop what
the FilterCriteria do not match (deleted, as AWS does), invoke the function synchronously with
AWS's SQS event, and delete what was processed: all of the batch on success, all but the
reported items with ReportBatchItemFailures, nothing on a function error (the messages come back
after their visibility timeout, and the queue's redrive policy takes it from there). Workers are
added while batches come back full (a backlog) and leave when the queue runs dry, up to
ScalingConfig.MaximumConcurrency. Reference: AWS-BEHAVIOUR.md §4.4, aws-recorded 31-33.

The poller talks to SQS and Lambda through their own operations (the same requests a client
would make), so it needs no knowledge of either service's internals.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from lambdalite.aws.context import RequestContext, internal_context
from lambdalite.aws.errors import ServiceError
from lambdalite.triggers.filter_criteria import RecordFilter

log = logging.getLogger(__name__)

Params = dict[str, Any]

LONG_POLL_SECONDS = 20  # SQS's longest wait, as Lambda's pollers use
MAX_PAYLOAD = 6 * 1024 * 1024  # a synchronous invocation's request limit
RETRY_SECONDS = 1.0  # after a failed receive or a throttled invocation
DEFAULT_MAX_CONCURRENCY = 1000  # ScalingConfig.MaximumConcurrency's largest value
# How Lambda scales an SQS mapping up (AWS-BEHAVIOUR.md §4.4, "Scaling"): five concurrent
# batches to begin with, then up to 300 more per minute.
INITIAL_WORKERS = 5
WORKERS_ADDED_PER_MINUTE = 300
_RECEIVE_LIMIT = 10


class QueueApi(Protocol):
    """The SQS operations a poller uses (the SQS provider has them)."""

    async def receive_message(self, ctx: RequestContext, request: Params) -> Params: ...

    async def delete_message_batch(self, ctx: RequestContext, request: Params) -> Params: ...

    async def change_message_visibility_batch(
        self, ctx: RequestContext, request: Params
    ) -> Params: ...

    async def get_queue_attributes(self, ctx: RequestContext, request: Params) -> Params: ...


class FunctionApi(Protocol):
    """The Lambda operation a poller uses."""

    async def invoke(self, ctx: RequestContext, request: Params) -> Params: ...


@dataclass(frozen=True, slots=True)
class MappingSpec:
    """What a poller needs of an event source mapping's configuration."""

    uuid: str
    queue_arn: str
    function_arn: str
    batch_size: int
    window_s: int
    report_item_failures: bool
    max_concurrency: int
    filters: Mapping[str, Any] | None

    @classmethod
    def of(cls, config: Mapping[str, Any]) -> MappingSpec:
        scaling = config.get("ScalingConfig") or {}
        return cls(
            uuid=config["UUID"],
            queue_arn=config["EventSourceArn"],
            function_arn=config["FunctionArn"],
            batch_size=config["BatchSize"],
            window_s=config.get("MaximumBatchingWindowInSeconds", 0),
            report_item_failures="ReportBatchItemFailures"
            in config.get("FunctionResponseTypes", []),
            max_concurrency=scaling.get("MaximumConcurrency", DEFAULT_MAX_CONCURRENCY),
            filters=config.get("FilterCriteria"),
        )

    @property
    def region(self) -> str:
        return self.queue_arn.split(":")[3]

    @property
    def queue_url(self) -> str:
        """The queue as a path-only QueueUrl: ``/<account>/<name>``."""
        _, _, _, _, account, name = self.queue_arn.split(":")
        return f"/{account}/{name}"


class SqsPoller:
    """The workers of one mapping."""

    def __init__(self, spec: MappingSpec, queues: QueueApi, functions: FunctionApi) -> None:
        self.spec = spec
        self._queues = queues
        self._functions = functions
        self._filter = RecordFilter(spec.filters)
        account = spec.queue_arn.split(":")[4]
        self._sqs_ctx = internal_context(account, spec.region, "sqs")
        self._lambda_ctx = internal_context(account, spec.region, "lambda")
        self._workers: set[asyncio.Task[None]] = set()
        self._next_scale_up = 0.0

    @property
    def workers(self) -> int:
        return len(self._workers)

    def start(self) -> None:
        if not self._workers:
            self._add_worker()

    async def stop(self) -> None:
        """Stop polling; a batch being processed is abandoned to its visibility timeout."""
        workers, self._workers = set(self._workers), set()
        for worker in workers:
            worker.cancel()
        await asyncio.gather(*workers, return_exceptions=True)

    def _add_worker(self) -> None:
        task = asyncio.get_running_loop().create_task(self._work())
        self._workers.add(task)
        task.add_done_callback(self._workers.discard)

    async def _work(self) -> None:
        while True:
            messages = await self._gather_or_pause()
            if not messages and len(self._workers) > 1:
                return  # the backlog is gone: scale down
            if len(messages) >= min(self.spec.batch_size, _RECEIVE_LIMIT):
                self._scale_up()
            try:
                await self._process(messages)
            except Exception:  # a bug must not stop the mapping for good
                log.exception("mapping %s failed on a batch", self.spec.uuid)

    async def _gather_or_pause(self) -> list[Params]:
        try:
            return await self._gather()
        except ServiceError as error:  # e.g. the queue was deleted: keep trying, slowly
            log.warning("mapping %s cannot receive: %s", self.spec.uuid, error.message)
        except Exception:
            log.exception("mapping %s cannot receive", self.spec.uuid)
        await asyncio.sleep(RETRY_SECONDS)
        return []

    def _scale_up(self) -> None:
        """Another worker, at AWS's pace: five at once, then up to 300 more a minute."""
        workers = len(self._workers)
        if workers >= self.spec.max_concurrency:
            return
        now = time.monotonic()
        if workers < INITIAL_WORKERS or now >= self._next_scale_up:
            self._next_scale_up = now + 60 / WORKERS_ADDED_PER_MINUTE
            self._add_worker()

    # --- gathering a batch ---------------------------------------------------------------------

    async def _gather(self) -> list[Params]:
        """Up to BatchSize messages under the payload limit: whatever one long poll brings,
        then, with a batching window, more until the window closes or the batch is full."""
        batch: list[Params] = []
        deadline = 0.0
        while len(batch) < self.spec.batch_size:
            wait = (
                LONG_POLL_SECONDS
                if not batch
                else min(deadline - time.monotonic(), LONG_POLL_SECONDS)
            )
            if batch and wait <= 0:
                break
            more = await self._receive(self.spec.batch_size - len(batch), wait)
            if not batch:
                deadline = time.monotonic() + self.spec.window_s
            keep, give_back = _within_payload(more, MAX_PAYLOAD - _payload_size(batch))
            batch += keep
            if give_back:
                await self._release(give_back)
            if not more or give_back:
                break
        return batch

    async def _receive(self, count: int, wait_s: float) -> list[Params]:
        request = {
            "QueueUrl": self.spec.queue_url,
            "MaxNumberOfMessages": min(count, _RECEIVE_LIMIT),
            "WaitTimeSeconds": int(wait_s),
            "MessageSystemAttributeNames": ["All"],
            "MessageAttributeNames": ["All"],
        }
        answer = await self._queues.receive_message(self._sqs_ctx, request)
        messages: list[Params] = answer.get("Messages", [])
        return messages

    async def _release(self, messages: list[Params]) -> None:
        """Make messages that do not fit this batch visible again at once."""
        entries = [
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
            for i, m in enumerate(messages)
        ]
        request = {"QueueUrl": self.spec.queue_url, "Entries": entries}
        await self._queues.change_message_visibility_batch(self._sqs_ctx, request)

    # --- invoking ------------------------------------------------------------------------------

    async def _process(self, messages: list[Params]) -> None:
        if not messages:
            return
        records = [sqs_record(m, self.spec.queue_arn) for m in messages]
        chosen = [r for r in records if self._filter.matches(r)]
        if len(chosen) < len(records):  # filtered out: deleted without an invocation
            await self._delete([r for r in records if r not in chosen])
        if not chosen:
            return
        failed = await self._invoke(chosen)
        if failed is None:
            return  # the whole batch failed: it comes back after the visibility timeout
        await self._delete([r for r in chosen if r["messageId"] not in failed])

    async def _invoke(self, records: list[Params]) -> set[str] | None:
        """Run the function on ``records``; the message ids that failed, None for all."""
        payload = json.dumps({"Records": records}, separators=(",", ":")).encode()
        request = {"FunctionName": self.spec.function_arn, "Payload": payload}
        try:
            answer = await self._functions.invoke(self._lambda_ctx, request)
        except ServiceError as error:  # throttled, or the function is gone or not ready
            log.info("mapping %s could not invoke: %s", self.spec.uuid, error.message)
            await asyncio.sleep(RETRY_SECONDS)
            return None
        if answer.get("FunctionError"):
            return None
        if not self.spec.report_item_failures:
            return set()
        ids = {r["messageId"] for r in records}
        return reported_failures(answer.get("Payload") or b"", ids)

    async def _delete(self, records: list[Params]) -> None:
        for start in range(0, len(records), _RECEIVE_LIMIT):
            chunk = records[start : start + _RECEIVE_LIMIT]
            entries = [
                {"Id": str(i), "ReceiptHandle": r["receiptHandle"]} for i, r in enumerate(chunk)
            ]
            request = {"QueueUrl": self.spec.queue_url, "Entries": entries}
            with contextlib.suppress(ServiceError):  # a deleted queue has nothing left to delete
                await self._queues.delete_message_batch(self._sqs_ctx, request)


class SqsPollers:
    """The pollers of every enabled SQS mapping of this server."""

    def __init__(self, queues: QueueApi, functions: FunctionApi) -> None:
        self.queues = queues
        self._functions = functions
        self._pollers: dict[str, SqsPoller] = {}

    def __len__(self) -> int:
        return len(self._pollers)

    async def apply(self, mapping_id: str, config: Mapping[str, Any] | None) -> None:
        """Poll as ``config`` (a mapping's configuration) says: only while it is Enabled, and
        with its latest settings; None when the mapping is gone."""
        spec = MappingSpec.of(config) if config and config["State"] == "Enabled" else None
        running = self._pollers.get(mapping_id)
        if running is not None and running.spec == spec:
            return
        if running is not None:
            del self._pollers[mapping_id]
            await running.stop()
        if spec is not None:
            poller = self._pollers[mapping_id] = SqsPoller(spec, self.queues, self._functions)
            poller.start()

    async def stop(self) -> None:
        pollers, self._pollers = list(self._pollers.values()), {}
        await asyncio.gather(*(poller.stop() for poller in pollers))


def sqs_record(message: Params, queue_arn: str) -> Params:
    """One record of Lambda's SQS event (camelCase outside, the queue's attribute names in
    ``attributes``; AWS-BEHAVIOUR.md §4.4, aws-recorded 31)."""
    attributes = message.get("MessageAttributes") or {}
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes", {}),
        "messageAttributes": {name: _record_attribute(v) for name, v in attributes.items()},
        "md5OfMessageAttributes": message.get("MD5OfMessageAttributes"),
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": queue_arn.split(":")[3],
    }


def _record_attribute(value: Mapping[str, Any]) -> Params:
    record: Params = {"stringListValues": [], "binaryListValues": [], "dataType": value["DataType"]}
    if "BinaryValue" in value:
        record["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode()
    else:
        record["stringValue"] = value["StringValue"]
    return record


def reported_failures(payload: bytes, ids: set[str]) -> set[str] | None:
    """The message ids a ReportBatchItemFailures response names; None when the response
    fails the whole batch (invalid JSON, an empty or unknown itemIdentifier, a bad key), as
    AWS's "Handling errors for an SQS event source" lists."""
    try:
        answer = json.loads(payload) if payload.strip() else None
    except ValueError:
        return None
    if not isinstance(answer, dict) or not answer.get("batchItemFailures"):
        return set()
    failures = answer["batchItemFailures"]
    if not isinstance(failures, list):
        return None
    failed: set[str] = set()
    for item in failures:
        identifier = item.get("itemIdentifier") if isinstance(item, dict) else None
        if not identifier or identifier not in ids or set(item) != {"itemIdentifier"}:
            return None
        failed.add(identifier)
    return failed


def _payload_size(messages: list[Params]) -> int:
    # Generous: the record adds its own fields around each body.
    return sum(len(m["Body"].encode()) + 1024 for m in messages)


def _within_payload(messages: list[Params], room: int) -> tuple[list[Params], list[Params]]:
    for index in range(len(messages)):
        room -= _payload_size(messages[index : index + 1])
        if room < 0:
            return messages[:index], messages[index:]
    return messages, []
