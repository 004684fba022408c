"""Schedules: CreateSchedule, GetSchedule, UpdateSchedule, DeleteSchedule, ListSchedules.

Defaults as GetSchedule answers them (AWS CLI reference example of get-schedule;
moto's scheduler models): ``ScheduleExpressionTimezone`` "UTC", ``State`` "ENABLED",
``ActionAfterCompletion`` "NONE", ``Target.RetryPolicy`` 86400 s / 185 attempts. UpdateSchedule
replaces the whole definition: what it omits takes its default again (API reference:
"EventBridge Scheduler uses all values, including empty values, specified in the request").
A schedule's timer (triggers/schedules.py) is written in the same store job as the schedule.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Connection

from lambdalite.aws.context import RequestContext
from lambdalite.services.events.sending import unsupported_target
from lambdalite.services.scheduler.base import (
    DEFAULT_GROUP,
    Params,
    SchedulerBase,
    schedule_arn,
)
from lambdalite.services.scheduler.errors import Conflict, Validation
from lambdalite.store import ConflictError, Record, Scope
from lambdalite.triggers.schedule_expressions import (
    At,
    ScheduleExpressionError,
    parse_scheduler_expression,
)
from lambdalite.triggers.schedules import TimerSpec

DEFAULT_RETRY = {"MaximumEventAgeInSeconds": 86400, "MaximumRetryAttempts": 185}
START_GRACE_S = 300  # a StartDate may lie at most five minutes in the past
_OPTIONAL = ("Description", "KmsKeyArn")
_SUMMARY = ("Arn", "Name", "GroupName", "State", "CreationDate", "LastModificationDate")
UNIVERSAL_PREFIX = "arn:aws:scheduler:::aws-sdk:"


class ScheduleOperations(SchedulerBase):
    async def create_schedule(self, ctx: RequestContext, request: Params) -> Params:
        scope, group = self.scope(ctx), request.get("GroupName") or DEFAULT_GROUP
        await self.existing_group(scope, group)
        self._check(request)
        now = self.schedule_clock.now()
        data = self._definition(scope, group, request, created=self.clock(), now=now)
        key, spec = f"{group}/{request['Name']}", self.timer(data, now)
        try:
            await self.platform.store.write(
                lambda conn: self._write_in(conn, scope, key, data, spec=spec)
            )
        except ConflictError:
            raise Conflict(f"Schedule {request['Name']} already exists.") from None
        self.runner.poke()
        return {"ScheduleArn": data["Arn"]}

    async def update_schedule(self, ctx: RequestContext, request: Params) -> Params:
        scope = self.scope(ctx)
        record = await self.existing_schedule(scope, request)
        self._check(request)
        now = self.schedule_clock.now()
        group, created = record.data["GroupName"], record.data["CreationDate"]
        data = self._definition(scope, group, request, created=created, now=now)
        if _timing(data) == _timing(record.data):
            data["_anchor"] = record.data["_anchor"]  # an unchanged schedule keeps its rhythm
        spec = self.timer(data, now)
        try:
            await self.platform.store.write(
                lambda conn: self._write_in(
                    conn, scope, record.key, data, spec=spec, version=record.version
                )
            )
        except ConflictError:
            raise Conflict(f"Schedule {request['Name']} was changed meanwhile.") from None
        self.runner.poke()
        return {"ScheduleArn": data["Arn"]}

    async def get_schedule(self, ctx: RequestContext, request: Params) -> Params:
        record = await self.existing_schedule(self.scope(ctx), request)
        return _described(record.data)

    async def delete_schedule(self, ctx: RequestContext, request: Params) -> Params:
        scope = self.scope(ctx)
        record = await self.existing_schedule(scope, request)
        await self.platform.store.write(lambda conn: self.delete_in(conn, scope, record.key))
        return {}

    async def list_schedules(self, ctx: RequestContext, request: Params) -> Params:
        scope = self.scope(ctx)
        group, prefix = request.get("GroupName"), request.get("NamePrefix") or ""
        if group:
            await self.existing_group(scope, group)
        records = await self.schedules.list(scope, prefix=f"{group}/" if group else "")
        chosen = [r.data for r in records if _listed(r.data, prefix, request.get("State"))]
        chosen.sort(key=lambda data: (data["GroupName"], data["Name"]))
        page, token = _page(chosen, request)
        summaries = [_summary(data) for data in page]
        return {"Schedules": summaries, **({"NextToken": token} if token else {})}

    # --- writing -------------------------------------------------------------------------------

    def _write_in(
        self,
        conn: Connection,
        scope: Scope,
        key: str,
        data: Params,
        *,
        spec: TimerSpec | None,
        version: int | None = None,
    ) -> Record:
        stored = self.schedules.put_in(
            conn, scope, key, data, expect_version=version, create_only=version is None
        )
        self.runner.set_in(conn, scope, key, spec)
        return stored

    def delete_in(self, conn: Connection, scope: Scope, key: str) -> None:
        self.schedules.delete_in(conn, scope, key)
        self.runner.delete_in(conn, scope, key)

    def timer(self, data: Params, now: float) -> TimerSpec | None:
        """An enabled schedule's timer. A rate schedule fires at once, then every period from
        its StartDate (or creation); StartDate and EndDate do not apply to ``at()`` (Scheduler
        user guide, schedule-types; CreateSchedule reference)."""
        if data["State"] == "DISABLED":
            return None
        expression = parse_scheduler_expression(data["ScheduleExpression"])
        max_age = float(data["Target"]["RetryPolicy"]["MaximumEventAgeInSeconds"])
        anchor = float(data["_anchor"])
        if isinstance(expression, At):
            # Due already, by less than the event age: it fires late (schedules.py docstring).
            first_after = now - max_age
            return TimerSpec(
                data["ScheduleExpression"],
                "scheduler",
                anchor,
                first_after,
                zone=data["ScheduleExpressionTimezone"],
                max_age=max_age,
            )
        start, end = data.get("StartDate"), data.get("EndDate")
        return TimerSpec(
            data["ScheduleExpression"],
            "scheduler",
            anchor,
            max(now, start or now) - 1e-3,
            zone=data["ScheduleExpressionTimezone"],
            start=start,
            end=end,
            max_age=max_age,
        )

    def _definition(
        self, scope: Scope, group: str, request: Params, *, created: float, now: float
    ) -> Params:
        """The stored schedule, with AWS's defaults filled in."""
        data: Params = {
            "Arn": schedule_arn(scope, group, request["Name"]),
            "Name": request["Name"],
            "GroupName": group,
            "ScheduleExpression": request["ScheduleExpression"],
            "ScheduleExpressionTimezone": request.get("ScheduleExpressionTimezone") or "UTC",
            "FlexibleTimeWindow": request["FlexibleTimeWindow"],
            "Target": _target(request["Target"]),
            "State": request.get("State") or "ENABLED",
            "ActionAfterCompletion": request.get("ActionAfterCompletion") or "NONE",
            "CreationDate": created,
            "LastModificationDate": self.clock(),
        }
        data.update({k: request[k] for k in _OPTIONAL if request.get(k) is not None})
        for member in ("StartDate", "EndDate"):
            if isinstance(request.get(member), datetime):
                data[member] = request[member].timestamp()
        data["_anchor"] = data.get("StartDate") or now
        return data

    # --- checking ------------------------------------------------------------------------------

    def _check(self, request: Params) -> None:
        text = request["ScheduleExpression"]
        try:
            expression = parse_scheduler_expression(text)
        except ScheduleExpressionError as error:
            raise Validation(str(error)) from None
        _check_zone(request.get("ScheduleExpressionTimezone"))
        _check_window(request["FlexibleTimeWindow"])
        if not isinstance(expression, At):
            self._check_dates(request)
        self._check_target(request["Target"])

    def _check_dates(self, request: Params) -> None:
        start, end = request.get("StartDate"), request.get("EndDate")
        if isinstance(start, datetime) and start.timestamp() < self.clock() - START_GRACE_S:
            raise Validation("The StartDate you specify cannot be earlier than 5 minutes ago.")
        if isinstance(start, datetime) and isinstance(end, datetime) and end <= start:
            raise Validation("The EndDate you specify must be after the StartDate.")

    def _check_target(self, target: Params) -> None:
        arn = target["Arn"]
        if arn.startswith(UNIVERSAL_PREFIX):
            raise Validation(
                f"lambdalite does not run universal targets ({arn}); it invokes Lambda "
                "functions, SQS queues, SNS topics and EventBridge event buses."
            )
        reason = unsupported_target(arn, self.platform)
        if reason is not None:
            raise Validation(reason)
        if ":events:" in arn and not target.get("EventBridgeParameters"):
            raise Validation("EventBridgeParameters must be specified for an event bus target.")
        if arn.endswith(".fifo") and not (target.get("SqsParameters") or {}).get("MessageGroupId"):
            raise Validation("SqsParameters.MessageGroupId must be specified for a FIFO queue.")
        dead_letter = (target.get("DeadLetterConfig") or {}).get("Arn")
        if dead_letter and ":sqs:" not in dead_letter:
            raise Validation("The dead-letter queue must be an Amazon SQS queue.")


def _check_zone(zone: str | None) -> None:
    if not zone:
        return
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise Validation(f"Invalid ScheduleExpressionTimezone {zone}.") from None


def _check_window(window: Params) -> None:
    flexible = window["Mode"] == "FLEXIBLE"
    if flexible and not window.get("MaximumWindowInMinutes"):
        raise Validation("MaximumWindowInMinutes must be specified when Mode is FLEXIBLE.")
    if not flexible and window.get("MaximumWindowInMinutes"):
        raise Validation("MaximumWindowInMinutes cannot be specified when Mode is OFF.")


def _target(target: Params) -> Params:
    return {**target, "RetryPolicy": {**DEFAULT_RETRY, **(target.get("RetryPolicy") or {})}}


def _timing(data: Params) -> tuple[Any, ...]:
    names = ("ScheduleExpression", "ScheduleExpressionTimezone", "StartDate", "EndDate", "State")
    return tuple(data.get(name) for name in names)


def _described(data: Params) -> Params:
    return {k: v for k, v in data.items() if not k.startswith("_")}


def _summary(data: Params) -> Params:
    return {**{k: data[k] for k in _SUMMARY}, "Target": {"Arn": data["Target"]["Arn"]}}


def _listed(data: Params, prefix: str, state: str | None) -> bool:
    return str(data["Name"]).startswith(prefix) and (state is None or data["State"] == state)


def _page(items: list[Params], request: Params) -> tuple[list[Params], str | None]:
    token = str(request.get("NextToken") or "0")
    start = int(token) if token.isdigit() else 0
    limit = request.get("MaxResults") or 100
    following = start + limit
    return items[start:following], str(following) if following < len(items) else None
