"""Rules: PutRule, DescribeRule, ListRules, EnableRule, DisableRule, DeleteRule,
ListRuleNamesByTarget.

AWS's wording (localstack's AWS-validated tests and recorded snapshots,
tests/aws/services/events/): "Parameter(s) ScheduleExpression or EventPattern must be
specified.", "ScheduleExpression is supported only on the default event bus.", "Parameter
ScheduleExpression is not valid.", "Rule can't be deleted since it has targets.", "Event pattern
is not valid. Reason: ..."; deleting a rule that does not exist succeeds. A rule's schedule is a
timer (triggers/schedules.py) written in the same store job as the rule.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection

from lambdalite.aws.context import RequestContext
from lambdalite.services.events.arns import DEFAULT_BUS, bus_name, rule_arn, rule_key
from lambdalite.services.events.base import EventsBase, Params
from lambdalite.services.events.buses import paginate
from lambdalite.services.events.errors import Validation, invalid_pattern, rule_not_found
from lambdalite.store import ConflictError, Record, Scope
from lambdalite.triggers.patterns import PatternError, compile_pattern
from lambdalite.triggers.schedule_expressions import (
    ScheduleExpressionError,
    parse_rule_expression,
)
from lambdalite.triggers.schedules import TimerSpec

_DESCRIBED = (
    "Name",
    "Arn",
    "EventPattern",
    "ScheduleExpression",
    "State",
    "Description",
    "RoleArn",
    "ManagedBy",
    "EventBusName",
    "CreatedBy",
)
_LISTED = _DESCRIBED[:-1]
_REPLACED = ("EventPattern", "ScheduleExpression", "Description", "RoleArn")
UPDATE_ATTEMPTS = 8


class RuleOperations(EventsBase):
    async def put_rule(self, ctx: RequestContext, request: Params) -> Params:
        scope, bus = self.scope(ctx), bus_name(request.get("EventBusName"))
        await self.existing_bus(scope, bus)
        _check_rule(request, bus)
        name = request["Name"]
        arn = rule_arn(scope, bus, name)
        base = {"Name": name, "Arn": arn, "EventBusName": bus, "CreatedBy": ctx.account_id}
        change = functools.partial(
            _put_rule_data, base=base, request=request, now=self.schedule_clock.now()
        )
        await self.change_rule(scope, rule_key(bus, name), change, create=True)
        return {"RuleArn": arn}

    async def describe_rule(self, ctx: RequestContext, request: Params) -> Params:
        rule = await self.existing_rule(self.scope(ctx), request, "Name")
        return {k: rule.data[k] for k in _DESCRIBED if k in rule.data}

    async def list_rules(self, ctx: RequestContext, request: Params) -> Params:
        scope, bus = self.scope(ctx), bus_name(request.get("EventBusName"))
        await self.existing_bus(scope, bus)
        prefix = rule_key(bus, request.get("NamePrefix") or "")
        rules = [record.data for record in await self.rules.list(scope, prefix=prefix)]
        page, token = paginate(rules, request, lambda rule: str(rule["Name"]))
        listed = [{k: rule[k] for k in _LISTED if k in rule} for rule in page]
        return {"Rules": listed, **({"NextToken": token} if token else {})}

    async def enable_rule(self, ctx: RequestContext, request: Params) -> Params:
        await self._set_state(ctx, request, "ENABLED")
        return {}

    async def disable_rule(self, ctx: RequestContext, request: Params) -> Params:
        await self._set_state(ctx, request, "DISABLED")
        return {}

    async def _set_state(self, ctx: RequestContext, request: Params, state: str) -> None:
        scope = self.scope(ctx)
        rule = await self.existing_rule(scope, request, "Name")
        await self.change_rule(scope, rule.key, lambda data: {**(data or {}), "State": state})

    async def delete_rule(self, ctx: RequestContext, request: Params) -> Params:
        scope, bus = self.scope(ctx), bus_name(request.get("EventBusName"))
        await self.existing_bus(scope, bus)
        key = rule_key(bus, request["Name"])
        force = bool(request.get("Force"))
        await self.platform.store.write(lambda conn: self._delete_rule_in(conn, scope, key, force))
        return {}

    def _delete_rule_in(self, conn: Connection, scope: Scope, key: str, force: bool) -> None:
        rule = self.rules.get_in(conn, scope, key)
        if rule is None:
            return
        if rule.data.get("Targets") and not force:
            raise Validation("Rule can't be deleted since it has targets.")
        self.rules.delete_in(conn, scope, key)
        self.runner.delete_in(conn, scope, key)

    async def list_rule_names_by_target(self, ctx: RequestContext, request: Params) -> Params:
        scope, bus = self.scope(ctx), bus_name(request.get("EventBusName"))
        await self.existing_bus(scope, bus)
        wanted = request["TargetArn"]
        rules = [
            {"Name": record.data["Name"]}
            for record in await self.rules.list(scope, prefix=f"{bus}/")
            if any(target["Arn"] == wanted for target in record.data.get("Targets", []))
        ]
        page, token = paginate(rules, request, lambda rule: str(rule["Name"]))
        names = [rule["Name"] for rule in page]
        return {"RuleNames": names, **({"NextToken": token} if token else {})}

    # --- writing a rule with its timer ---------------------------------------------------------

    async def change_rule(
        self,
        scope: Scope,
        key: str,
        change: Callable[[dict[str, Any] | None], dict[str, Any]],
        *,
        create: bool = False,
    ) -> Record:
        """Apply ``change`` to the rule's data and store it with its timer, atomically."""
        for _ in range(UPDATE_ATTEMPTS):
            try:
                record = await self.platform.store.write(
                    lambda conn: self._change_in(conn, scope, key, change, create)
                )
            except ConflictError:
                continue
            self.runner.poke()
            return record
        raise ConflictError(self.rules.kind, key, expected=None, actual=None)

    def _change_in(
        self,
        conn: Connection,
        scope: Scope,
        key: str,
        change: Callable[[dict[str, Any] | None], dict[str, Any]],
        create: bool,
    ) -> Record:
        current = self.rules.get_in(conn, scope, key)
        if current is None and not create:
            bus, name = key.split("/", 1)
            raise rule_not_found(name, bus)
        data = change(current.data if current else None)
        version = current.version if current else None
        stored = self.rules.put_in(
            conn, scope, key, data, expect_version=version, create_only=current is None
        )
        self.runner.set_in(conn, scope, key, self._timer(data))
        return stored

    def _timer(self, rule: dict[str, Any]) -> TimerSpec | None:
        """A scheduled, enabled rule's timer: first due one period (or cron tick) from now."""
        expression = rule.get("ScheduleExpression")
        if not expression or rule.get("State") == "DISABLED":
            return None
        anchor = float(rule["_anchor"])
        return TimerSpec(expression, "rule", anchor, max(anchor, self.schedule_clock.now()))


def _check_rule(request: Params, bus: str) -> None:
    pattern, schedule = request.get("EventPattern"), request.get("ScheduleExpression")
    if not pattern and not schedule:
        raise Validation("Parameter(s) ScheduleExpression or EventPattern must be specified.")
    if schedule:
        if bus != DEFAULT_BUS:
            raise Validation("ScheduleExpression is supported only on the default event bus.")
        try:
            parse_rule_expression(schedule)
        except ScheduleExpressionError as error:
            raise Validation(str(error)) from None
    if pattern:
        try:
            compile_pattern(pattern)
        except PatternError as error:
            raise invalid_pattern(str(error)) from None


def _put_rule_data(
    current: dict[str, Any] | None, *, base: Params, request: Params, now: float
) -> dict[str, Any]:
    """PutRule replaces a rule's definition, keeps its targets, adds to its tags; its schedule
    keeps its anchor while the expression stays the same."""
    data = {**base, **{k: request[k] for k in _REPLACED if request.get(k)}}
    data["State"] = request.get("State") or "ENABLED"
    data["Targets"] = (current or {}).get("Targets", [])
    data["Tags"] = {**(current or {}).get("Tags", {}), **_tags(request)}
    same = current is not None and current.get("ScheduleExpression") == data.get(
        "ScheduleExpression"
    )
    data["_anchor"] = current.get("_anchor", now) if current is not None and same else now
    return data


def _tags(request: Params) -> dict[str, str]:
    return {tag["Key"]: tag["Value"] for tag in request.get("Tags") or []}
