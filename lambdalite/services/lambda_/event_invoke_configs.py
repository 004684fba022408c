"""Event invoke configs: how asynchronous invocations retry and where their results go.

A configuration is a record of kind ``Kind.EVENT_INVOKE_CONFIG`` keyed
``<function name>:<version, alias or $LATEST>`` holding the FunctionEventInvokeConfig AWS
answers: ``FunctionArn`` (always qualified, ``...:$LATEST`` without a qualifier),
``LastModified`` (a model timestamp: epoch seconds), ``DestinationConfig`` (both ``OnSuccess``
and ``OnFailure``, ``{}`` when unset) and the retry settings that were given. Put replaces the
configuration, Update merges the given settings into it. The checks run in the same store
write as the change, so a function deleted meanwhile leaves no configuration behind.

Sources for AWS's behaviour and wording:
- aws-recorded/24_reserved_concurrency_throttle.json and 28_async_destination_retries_exhausted
  (the response shape);
- LocalStack's AWS-validated snapshot TestLambdaEventInvokeConfig::
  test_lambda_eventinvokeconfig_exceptions (tests/aws/services/lambda_/
  test_lambda_api.snapshot.json, recorded 2023-11-20): every error message below, which
  operation says "The function doesn't exist." and which "... doesn't have an
  EventInvokeConfig", Put replacing and Update merging;
- "The destination ARN <arn> is invalid." also answered by AWS in serverless/serverless#7507;
- destinations may be SQS queues, SNS topics, Lambda functions, EventBridge buses and, for
  OnFailure, S3 buckets (AWS Lambda developer guide, "Capturing records of Lambda asynchronous
  invocations"); lambdalite has no S3, so an S3 destination is refused.
"""

from __future__ import annotations

import re
import time
from typing import Any

from sqlalchemy import Connection

from lambdalite.aws.context import RequestContext
from lambdalite.services.lambda_.arns import LATEST, FunctionRef
from lambdalite.services.lambda_.base import LambdaBase, Params
from lambdalite.services.lambda_.concurrency import write_retrying
from lambdalite.services.lambda_.errors import (
    InvalidParameterValue,
    ResourceNotFound,
    not_supported,
)
from lambdalite.services.lambda_.models import Kind, scoped_key, version_key
from lambdalite.services.lambda_.paging import page
from lambdalite.store import Repository, Scope

SETTINGS = ("MaximumRetryAttempts", "MaximumEventAgeInSeconds", "DestinationConfig")

_LAMBDA_ARN = re.compile(
    r"arn:aws[a-zA-Z-]*:lambda:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):function:"
    r"(?P<name>[a-zA-Z0-9_-]+)(?::(?P<qualifier>[a-zA-Z0-9_$-]+))?"
)


def function_missing() -> ResourceNotFound:
    return ResourceNotFound("The function doesn't exist.")


def no_config(ref: FunctionRef) -> ResourceNotFound:
    arn = ref.with_qualifier(ref.qualifier or LATEST).arn
    return ResourceNotFound(f"The function {arn} doesn't have an EventInvokeConfig")


class EventInvokeConfigOperations(LambdaBase):
    """Put/Update/Get/Delete/ListFunctionEventInvokeConfig(s)."""

    @property
    def invoke_configs(self) -> Repository:
        return self.repository(Kind.EVENT_INVOKE_CONFIG)

    async def put_function_event_invoke_config(
        self, ctx: RequestContext, request: Params
    ) -> Params:
        settings = _settings(request)
        ref = self.reference(ctx, request)
        scope = self.scope(ctx)

        def job(conn: Connection) -> Params:
            self._check_invoke_target_in(conn, scope, ref)
            self._check_destinations_in(conn, scope, ref, settings.get("DestinationConfig"))
            config = _configuration(ref, settings)
            self.invoke_configs.put_in(conn, scope, _key(ref), config)
            return config

        return await write_retrying(self.platform.store, job)

    async def update_function_event_invoke_config(
        self, ctx: RequestContext, request: Params
    ) -> Params:
        settings = _settings(request)
        ref = self.reference(ctx, request)
        scope = self.scope(ctx)

        def job(conn: Connection) -> Params:
            self._check_invoke_target_in(conn, scope, ref)
            current = self.invoke_configs.get_in(conn, scope, _key(ref))
            if current is None:
                raise no_config(ref)
            self._check_destinations_in(conn, scope, ref, settings.get("DestinationConfig"))
            kept = {k: v for k, v in current.data.items() if k in SETTINGS}
            config = _configuration(ref, {**kept, **settings})
            self.invoke_configs.put_in(
                conn, scope, _key(ref), config, expect_version=current.version
            )
            return config

        return await write_retrying(self.platform.store, job)

    async def get_function_event_invoke_config(
        self, ctx: RequestContext, request: Params
    ) -> Params:
        ref = self.reference(ctx, request)
        # A configuration lives and dies with its function, version or alias: no record,
        # whatever is missing, is AWS's "doesn't have an EventInvokeConfig".
        record = await self.invoke_configs.get(self.scope(ctx), _key(ref))
        if record is None:
            raise no_config(ref)
        return dict(record.data)

    async def delete_function_event_invoke_config(
        self, ctx: RequestContext, request: Params
    ) -> Params:
        ref = self.reference(ctx, request)
        if not await self.invoke_configs.delete(self.scope(ctx), _key(ref)):
            raise no_config(ref)
        return {}

    async def list_function_event_invoke_configs(
        self, ctx: RequestContext, request: Params
    ) -> Params:
        ref = self.reference(ctx, request).with_qualifier(None)
        scope = self.scope(ctx)
        if await self.functions.get(scope, ref.name) is None:
            raise function_missing()
        records = await self.invoke_configs.list(scope, prefix=scoped_key(ref.name))
        entries = [(record.key, dict(record.data)) for record in records]
        return page(
            entries, request.get("Marker"), request.get("MaxItems"), "FunctionEventInvokeConfigs"
        )

    # --- checks, inside the write ---------------------------------------------------------------

    def _check_invoke_target_in(self, conn: Connection, scope: Scope, ref: FunctionRef) -> None:
        if not self._invoke_target_exists_in(conn, scope, ref.name, ref.qualifier):
            raise function_missing()

    def _invoke_target_exists_in(
        self, conn: Connection, scope: Scope, name: str, qualifier: str | None
    ) -> bool:
        """Whether ``name`` and its version or alias ``qualifier`` exist in ``scope``."""
        if self.functions.get_in(conn, scope, name) is None:
            return False
        if qualifier is None or qualifier == LATEST:
            return True
        if qualifier.isdigit():
            key = version_key(name, int(qualifier))
            return self.versions.get_in(conn, scope, key) is not None
        alias = self.aliases.get_in(conn, scope, scoped_key(name, qualifier))
        return alias is not None

    def _check_destinations_in(
        self, conn: Connection, scope: Scope, ref: FunctionRef, destinations: Params | None
    ) -> None:
        for member in ("OnSuccess", "OnFailure"):
            arn = ((destinations or {}).get(member) or {}).get("Destination")
            if arn and not self._destination_ok_in(conn, scope, ref, arn, member):
                raise InvalidParameterValue(_invalid_config(destinations or {}))

    def _destination_ok_in(
        self, conn: Connection, scope: Scope, ref: FunctionRef, arn: str, member: str
    ) -> bool:
        """False for an ARN of a service that cannot be a destination; raises AWS's error for
        a destination of the right service that is wrong in itself."""
        service, resource = _service(arn), arn.split(":", 5)[-1]
        if service == "lambda":
            self._check_function_destination_in(conn, scope, ref, arn)
        elif service == "s3" and member == "OnFailure":
            raise not_supported("An S3 bucket as OnFailure destination")
        elif service == "events" and not resource.startswith("event-bus/"):
            raise InvalidParameterValue(f"The destination ARN {arn} is invalid.")
        return service in ("lambda", "sqs", "sns", "events")

    def _check_function_destination_in(
        self, conn: Connection, scope: Scope, ref: FunctionRef, arn: str
    ) -> None:
        found = _LAMBDA_ARN.fullmatch(arn)
        if found is None:
            raise InvalidParameterValue(f"The destination ARN {arn} is invalid.")
        target = Scope(found.group("account"), found.group("region"))
        if target == scope and found.group("name") == ref.name:
            raise InvalidParameterValue(
                "You can't specify the function as a destination for itself."
            )
        if not self._invoke_target_exists_in(
            conn, target, found.group("name"), found.group("qualifier")
        ):
            raise InvalidParameterValue(f"The destination ARN {arn} is invalid.")


def _settings(request: Params) -> Params:
    settings = {k: request[k] for k in SETTINGS if request.get(k) is not None}
    if not settings:
        raise InvalidParameterValue(
            "You must specify at least one of error handling or destination setting."
        )
    return settings


def _key(ref: FunctionRef) -> str:
    return scoped_key(ref.name, ref.qualifier or LATEST)


def _configuration(ref: FunctionRef, settings: Params) -> dict[str, Any]:
    destinations = settings.get("DestinationConfig") or {}
    config: dict[str, Any] = {
        "FunctionArn": ref.with_qualifier(ref.qualifier or LATEST).arn,
        "LastModified": time.time(),
        "DestinationConfig": {
            member: _destination(destinations.get(member)) for member in ("OnSuccess", "OnFailure")
        },
    }
    for member in ("MaximumRetryAttempts", "MaximumEventAgeInSeconds"):
        if settings.get(member) is not None:
            config[member] = settings[member]
    return config


def _destination(member: Params | None) -> Params:
    arn = (member or {}).get("Destination")
    return {"Destination": arn} if arn else {}


def _service(arn: str) -> str:
    parts = arn.split(":")
    return parts[2] if len(parts) > 2 else ""


def _invalid_config(destinations: Params) -> str:
    """AWS's message names the whole configuration, as its (Java) objects print."""
    parts = {}
    for member in ("OnSuccess", "OnFailure"):
        given = destinations.get(member)
        if given is None:
            parts[member] = "null"
        else:
            parts[member] = f"{member}(destination={given.get('Destination') or 'null'})"
    return (
        "The provided destination config DestinationConfig(onSuccess="
        f"{parts['OnSuccess']}, onFailure={parts['OnFailure']}) is invalid."
    )
