"""Event source mappings: the records that tie an event source to a function.

An enabled mapping is polled by triggers/sqs_mappings.py, which invokes the function. Amazon SQS
is the one event source lambdalite has, so it is the only one a mapping may name; every other
kind AWS supports is refused with a clear message rather than stored and never run.

A change answers at once in a transitional state, as AWS does (``Creating``, ``Updating``,
``Enabling``, ``Disabling``, ``Deleting``); a background settle then makes the mapping
``Enabled``/``Disabled`` or removes it. The state and its target live in the store, so
:meth:`EventSourceMappingOperations.resume_event_source_mappings` finishes, at start, what a
previous run left in progress. While a mapping is in transition, updates are refused with
``ResourceInUseException`` (AWS's words: "Cannot update the event source mapping because it is
in use.").

Sources of AWS's wording, where aws-recorded/31-33 do not show it:
- "Function does not exist" (InvalidParameterValueException): hashicorp/terraform-provider-aws
  pull 17933 (a real AWS answer to CreateEventSourceMapping).
- the duplicate-mapping ResourceConflictException: aws/chalice issue 2146, getlift/lift issue 295.
- "Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than
  10": ansible-collections/amazon.aws issue 1995 and aws-recorded/32's notes.
- "Batching window is not supported for FIFO queues": aws/aws-lambda-dotnet pull 1758
  (CloudFormation relaying Lambda's answer).
- "StartingPosition is not valid for SQS event sources.": motdotla/node-lambda issue 466.
- "Cannot update the event source mapping because it is in use." (ResourceInUseException).
- "Unsupported <member> parameter for given event source mapping type.", "Unrecognized event
  source.", "Invalid filter pattern definition." and "The resource you requested does not
  exist.": LocalStack's AWS-validated provider (localstack-core/.../lambda_/provider.py).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from functools import cached_property
from typing import Any, cast

from sqlalchemy import Connection

from lambdalite.aws.context import RequestContext, internal_context
from lambdalite.aws.errors import ServiceError
from lambdalite.services.lambda_.arns import LATEST, FunctionRef
from lambdalite.services.lambda_.base import LambdaBase, Params
from lambdalite.services.lambda_.errors import (
    InvalidParameterValue,
    ResourceConflict,
    resource_not_found,
)
from lambdalite.services.lambda_.models import Kind, scoped_key, version_key
from lambdalite.services.lambda_.paging import page
from lambdalite.store import ConflictError, Record, Repository, Scope
from lambdalite.triggers.filter_criteria import check_filter_criteria
from lambdalite.triggers.patterns import PatternError
from lambdalite.triggers.sqs_mappings import FunctionApi, QueueApi, SqsPollers

MappingData = dict[str, Any]

ENABLED = "Enabled"
DISABLED = "Disabled"
DELETED = "Deleted"  # the target of a mapping being deleted: no record once settled
SETTLED = (ENABLED, DISABLED)

_DEFAULT_SQS_BATCH_SIZE = 10
_SQS_WINDOW_FREE_BATCH = 10
_DEFAULT_LIST_ITEMS = 100

# Event sources AWS maps that lambdalite has no service for: ARN service -> what it is.
_ELSEWHERE = {
    "kinesis": "Amazon Kinesis",
    "dynamodb": "Amazon DynamoDB Streams",
    "kafka": "Amazon MSK (Kafka)",
    "mq": "Amazon MQ",
    "rds": "Amazon DocumentDB",
}
# Members only stream, Kafka, MQ or DocumentDB sources take: AWS refuses them for SQS.
_NOT_FOR_SQS = (
    "StartingPositionTimestamp",
    "ParallelizationFactor",
    "DestinationConfig",
    "MaximumRecordAgeInSeconds",
    "BisectBatchOnFunctionError",
    "MaximumRetryAttempts",
    "TumblingWindowInSeconds",
    "Topics",
    "Queues",
    "SourceAccessConfigurations",
    "AmazonManagedKafkaEventSourceConfig",
    "SelfManagedKafkaEventSourceConfig",
    "DocumentDBEventSourceConfig",
)
# Members an SQS mapping stores and answers as given.
_ECHOED = (
    "FilterCriteria",
    "KMSKeyArn",
    "MetricsConfig",
    "LoggingConfig",
    "ScalingConfig",
    "ProvisionedPollerConfig",
)


class ResourceInUse(ServiceError):
    code = "ResourceInUseException"
    status = 400


def mapping_in_use() -> ResourceInUse:
    return ResourceInUse("Cannot update the event source mapping because it is in use.")


class EventSourceMappingOperations(LambdaBase):
    """Create/Get/Update/Delete/ListEventSourceMapping(s)."""

    @property
    def mappings(self) -> Repository:
        return self.repository(Kind.EVENT_SOURCE_MAPPING)

    @cached_property
    def sqs_pollers(self) -> SqsPollers:
        queues = cast(QueueApi, self.platform.providers["sqs"])
        return SqsPollers(queues, cast(FunctionApi, self))

    async def create_event_source_mapping(self, ctx: RequestContext, request: Params) -> Params:
        fifo = _sqs_source(request)
        _check_sqs_members(request)
        ref = self.reference(ctx, request)
        config = _new_config(ctx, ref, request)
        _check_batching(config, fifo)
        await self._check_queue(ctx, config["EventSourceArn"], ref)
        data = {
            "config": config,
            "target": ENABLED if request.get("Enabled", True) else DISABLED,
            "tags": request.get("Tags") or {},
        }
        scope = self.scope(ctx)
        await self.platform.store.write(
            lambda conn: self._mapping_create_in(conn, scope, ref, data)
        )
        await self.complete_transition(self._mapping_settle(scope, config["UUID"]))
        return config

    def _mapping_create_in(
        self, conn: Connection, scope: Scope, ref: FunctionRef, data: MappingData
    ) -> None:
        self._mapping_require_function_in(conn, scope, ref)
        self._mapping_refuse_duplicate_in(conn, scope, ref, data["config"])
        self.mappings.put_in(conn, scope, data["config"]["UUID"], data, create_only=True)

    async def get_event_source_mapping(self, ctx: RequestContext, request: Params) -> Params:
        record = await self._mapping_record(ctx, request["UUID"])
        config: Params = record.data["config"]
        return config

    async def update_event_source_mapping(self, ctx: RequestContext, request: Params) -> Params:
        _check_sqs_members(request)
        record = await self._mapping_record(ctx, request["UUID"])
        if record.data["config"]["State"] not in SETTLED:
            raise mapping_in_use()
        ref = self.reference(ctx, request) if "FunctionName" in request else None
        data = _updated(record.data, request, ref)
        _check_batching(data["config"], _is_fifo(data["config"]["EventSourceArn"]))
        if ref is not None:
            await self._check_queue(ctx, data["config"]["EventSourceArn"], ref)
        scope = self.scope(ctx)
        await self._mapping_write_update(scope, record, ref, data)
        await self.complete_transition(self._mapping_settle(scope, record.key))
        config: Params = data["config"]
        return config

    async def _mapping_write_update(
        self, scope: Scope, record: Record, ref: FunctionRef | None, data: MappingData
    ) -> None:
        def job(conn: Connection) -> None:
            if ref is not None:
                self._mapping_require_function_in(conn, scope, ref)
                self._mapping_refuse_duplicate_in(conn, scope, ref, data["config"])
            self.mappings.put_in(conn, scope, record.key, data, expect_version=record.version)

        try:
            await self.platform.store.write(job)
        except ConflictError as error:  # changed (or deleted) by a concurrent request meanwhile
            raise mapping_in_use() from error

    async def delete_event_source_mapping(self, ctx: RequestContext, request: Params) -> Params:
        record = await self._mapping_record(ctx, request["UUID"])
        if record.data["target"] == DELETED:
            raise mapping_in_use()
        config = {**record.data["config"], "State": "Deleting"}
        data = {**record.data, "config": config, "target": DELETED}
        scope = self.scope(ctx)
        try:
            await self.mappings.put(scope, record.key, data, expect_version=record.version)
        except ConflictError as error:
            raise mapping_in_use() from error
        await self.complete_transition(self._mapping_settle(scope, record.key))
        return config

    async def list_event_source_mappings(self, ctx: RequestContext, request: Params) -> Params:
        source = request.get("EventSourceArn")
        function_arn = self.reference(ctx, request).arn if "FunctionName" in request else None
        entries = [
            (record.key, record.data["config"])
            for record in await self.mappings.list(self.scope(ctx))
            if source in (None, record.data["config"]["EventSourceArn"])
            and function_arn in (None, record.data["config"]["FunctionArn"])
        ]
        limit = request.get("MaxItems") or _DEFAULT_LIST_ITEMS
        return page(entries, request.get("Marker"), limit, "EventSourceMappings")

    async def _check_queue(self, ctx: RequestContext, arn: str, ref: FunctionRef) -> None:
        """The queue must exist, and hide a message at least as long as the function may run
        (AWS's words, as emulators validated against it quote them: LocalStack pull 12297,
        github-aws-runners/terraform-aws-github-runner issue 465)."""
        visibility = await self._queue_visibility_timeout(arn)
        if visibility is None:
            raise InvalidParameterValue(
                "Error occurred while ReceiveMessage. SQS Error Code: "
                "AWS.SimpleQueueService.NonExistentQueue. SQS Error Message: The specified queue "
                "does not exist or you do not have access to it."
            )
        try:
            timeout = (await self.resolve(ctx, ref)).config["Timeout"]
        except ServiceError:
            return  # no such function: the write answers "Function does not exist"
        if visibility < timeout:
            raise InvalidParameterValue(
                f"Queue visibility timeout: {visibility} seconds is less than Function timeout: "
                f"{timeout} seconds"
            )

    async def _queue_visibility_timeout(self, arn: str) -> int | None:
        _, _, _, region, account, name = arn.split(":", 5)
        ctx = internal_context(account, region, "sqs")
        request = {"QueueUrl": f"/{account}/{name}", "AttributeNames": ["VisibilityTimeout"]}
        try:
            answer = await self.sqs_pollers.queues.get_queue_attributes(ctx, request)
        except ServiceError:
            return None
        return int(answer["Attributes"]["VisibilityTimeout"])

    async def _mapping_record(self, ctx: RequestContext, mapping_id: str) -> Record:
        record = await self.mappings.get(self.scope(ctx), mapping_id)
        if record is None:
            raise resource_not_found()
        return record

    def _mapping_require_function_in(
        self, conn: Connection, scope: Scope, ref: FunctionRef
    ) -> None:
        """The function (and the version or alias named) must exist, in AWS's words."""
        qualifier = ref.qualifier or LATEST
        if qualifier == LATEST:
            found = self.functions.get_in(conn, scope, ref.name)
        elif qualifier.isdigit():
            found = self.versions.get_in(conn, scope, version_key(ref.name, int(qualifier)))
        else:
            alias_key = scoped_key(ref.name, qualifier)
            found = self.aliases.get_in(conn, scope, alias_key)
        if found is None:
            raise InvalidParameterValue("Function does not exist")

    def _mapping_refuse_duplicate_in(
        self, conn: Connection, scope: Scope, ref: FunctionRef, config: MappingData
    ) -> None:
        for other in self.mappings.list_in(conn, scope):
            mapped = other.data["config"]
            if other.key == config["UUID"] or mapped["EventSourceArn"] != config["EventSourceArn"]:
                continue
            if mapped["FunctionArn"] == config["FunctionArn"]:
                raise ResourceConflict(
                    f'An event source mapping with SQS arn (" {mapped["EventSourceArn"]} ") and '
                    f'function (" {ref.name} ") already exists. Please update or delete the '
                    f"existing mapping with UUID {other.key}"
                )

    # --- the state machine ---------------------------------------------------------------------

    async def _mapping_settle(self, scope: Scope, mapping_id: str) -> None:
        """Finish a transition: reach the target state, or go away when being deleted."""
        delay = self.settings.lambda_state_transition_seconds
        if delay:
            await asyncio.sleep(delay)
        config = await self.platform.store.write(
            lambda conn: self._mapping_settle_in(conn, scope, mapping_id)
        )
        await self.sqs_pollers.apply(mapping_id, config)

    def _mapping_settle_in(
        self, conn: Connection, scope: Scope, mapping_id: str
    ) -> MappingData | None:
        """The mapping's configuration once settled; None when it is gone."""
        record = self.mappings.get_in(conn, scope, mapping_id)
        if record is None or record.data["config"]["State"] in SETTLED:
            return None if record is None else cast(MappingData, record.data["config"])
        target = record.data["target"]
        if target == DELETED:
            self.mappings.delete_in(conn, scope, mapping_id)
            return None
        config = {**record.data["config"], "State": target}
        self.mappings.put_in(conn, scope, mapping_id, {**record.data, "config": config})
        return config

    async def resume_event_source_mappings(self) -> None:
        """At start: poll the enabled mappings, finish the transitions a previous run left in
        progress."""
        for scope, record in await self.mappings.scan():
            if record.data["config"]["State"] not in SETTLED:
                self.spawn(self._mapping_settle(scope, record.key))
            else:
                await self.sqs_pollers.apply(record.key, record.data["config"])


# --- the mapping's configuration ------------------------------------------------------------


def _new_config(ctx: RequestContext, ref: FunctionRef, request: Params) -> MappingData:
    mapping_id = str(uuid.uuid4())
    config: MappingData = {
        "UUID": mapping_id,
        "BatchSize": request.get("BatchSize", _DEFAULT_SQS_BATCH_SIZE),
        "MaximumBatchingWindowInSeconds": request.get("MaximumBatchingWindowInSeconds", 0),
        "EventSourceArn": request["EventSourceArn"],
        "FunctionArn": ref.arn,
        "LastModified": time.time(),
        "State": "Creating",
        "StateTransitionReason": "USER_INITIATED",
        "FunctionResponseTypes": request.get("FunctionResponseTypes", []),
        "EventSourceMappingArn": (
            f"arn:aws:lambda:{ctx.region}:{ctx.account_id}:event-source-mapping:{mapping_id}"
        ),
    }
    config.update({member: request[member] for member in _ECHOED if member in request})
    _check_filters(config.get("FilterCriteria"))
    return config


def _updated(data: MappingData, request: Params, ref: FunctionRef | None) -> MappingData:
    """The mapping after UpdateEventSourceMapping: changed members, new state and target."""
    config = dict(data["config"])
    changed = ("BatchSize", "MaximumBatchingWindowInSeconds", "FunctionResponseTypes", *_ECHOED)
    config.update({member: request[member] for member in changed if member in request})
    _check_filters(config.get("FilterCriteria"))
    if ref is not None:
        config["FunctionArn"] = ref.arn
    target = data["target"]
    if "Enabled" in request:
        target = ENABLED if request["Enabled"] else DISABLED
    config["State"] = _transition(data["target"], target)
    config["LastModified"] = time.time()
    return {**data, "config": config, "target": target}


def _transition(current: str, target: str) -> str:
    if current == target:
        return "Updating"
    return "Enabling" if target == ENABLED else "Disabling"


# --- checks ---------------------------------------------------------------------------------


def _sqs_source(request: Params) -> bool:
    """Check that the event source is an SQS queue; True for a FIFO queue."""
    if "SelfManagedEventSource" in request:
        raise _not_here("self-managed Apache Kafka")
    arn = request.get("EventSourceArn")
    if not arn:
        raise InvalidParameterValue("Unrecognized event source.")
    service = arn.split(":")[2]
    if service in _ELSEWHERE:
        raise _not_here(_ELSEWHERE[service])
    if service != "sqs":
        raise InvalidParameterValue("Unrecognized event source.")
    return _is_fifo(arn)


def _not_here(what: str) -> InvalidParameterValue:
    return InvalidParameterValue(
        f"lambdalite has no {what}: only Amazon SQS queues can be event sources of a mapping."
    )


def _is_fifo(arn: str) -> bool:
    return arn.endswith(".fifo")


def _check_sqs_members(request: Params) -> None:
    if "StartingPosition" in request:
        raise InvalidParameterValue("StartingPosition is not valid for SQS event sources.")
    for member in _NOT_FOR_SQS:
        if member in request:
            raise InvalidParameterValue(
                f"Unsupported {member} parameter for given event source mapping type."
            )


def _check_batching(config: MappingData, fifo: bool) -> None:
    window = config["MaximumBatchingWindowInSeconds"]
    if config["BatchSize"] > _SQS_WINDOW_FREE_BATCH and window == 0:
        raise InvalidParameterValue(
            "Maximum batch window in seconds must be greater than 0 if maximum batch size is "
            "greater than 10"
        )
    if fifo and window > 0:
        raise InvalidParameterValue("Batching window is not supported for FIFO queues")


def _check_filters(criteria: MappingData | None) -> None:
    """Each filter pattern must be a valid event pattern (EventBridge syntax)."""
    try:
        check_filter_criteria(criteria)
    except PatternError as error:
        raise InvalidParameterValue("Invalid filter pattern definition.") from error
