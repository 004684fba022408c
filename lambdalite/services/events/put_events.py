"""Events: PutEvents (matching rules, fanning out to targets before answering) and
TestEventPattern.

An event is ``{version: "0", id, detail-type, source, account, time, region, resources,
detail}`` (AWS-BEHAVIOUR.md §4.6; aws-recorded 38). Per-entry errors as AWS words them (moto's
and localstack's AWS-validated PutEvents tests): "Parameter Source is not valid. Reason: Source
is a required argument." (likewise DetailType and Detail, checked in that order),
``MalformedDetail`` "Detail is malformed." for a Detail that is not a JSON object,
``NotAuthorizedForSourceException`` "Not authorized for the source." for a source starting with
``aws.`` (reserved for AWS services).
"""

from __future__ import annotations

import contextvars
import json
import logging
from datetime import UTC, datetime
from typing import Any

from lambdalite.aws.context import RequestContext
from lambdalite.ids import new_uuid
from lambdalite.services.events.arns import bus_name
from lambdalite.services.events.base import Params
from lambdalite.services.events.delivery import DeliveryOperations
from lambdalite.services.events.errors import ResourceNotFound, Validation, invalid_pattern
from lambdalite.store import Record, Scope
from lambdalite.triggers.patterns import Pattern, PatternError, compile_pattern

log = logging.getLogger(__name__)

PATTERN_CACHE = 4096  # compiled patterns kept (by rule and version)
MAX_HOPS = 8  # buses an event may cross through bus targets before lambdalite stops it
# How many buses the event being routed has crossed: a rule whose target is its own bus (or a
# ring of buses) would otherwise route one event forever.
_HOPS: contextvars.ContextVar[int] = contextvars.ContextVar("event_bus_hops", default=0)


class PutEventsOperations(DeliveryOperations):
    async def put_events(self, ctx: RequestContext, request: Params) -> Params:
        scope = self.scope(ctx)
        results = [await self._put_entry(scope, entry) for entry in request["Entries"]]
        failed = sum(1 for result in results if "ErrorCode" in result)
        return {"FailedEntryCount": failed, "Entries": results}

    async def _put_entry(self, scope: Scope, entry: Params) -> Params:
        problem = entry_problem(entry)
        if problem is not None:
            return {"ErrorCode": problem[0], "ErrorMessage": problem[1]}
        bus = bus_name(entry.get("EventBusName"))
        try:
            await self.existing_bus(scope, bus)
        except ResourceNotFound as error:
            return {"ErrorCode": error.code, "ErrorMessage": error.message}
        event = new_event(scope, entry, self.clock())
        await self.route(scope, bus, event)
        return {"EventId": event["id"]}

    async def route(self, scope: Scope, bus: str, event: dict[str, Any]) -> None:
        """Deliver ``event`` to the targets of every enabled rule on ``bus`` it matches."""
        hops = _HOPS.get()
        if hops >= MAX_HOPS:
            log.error(
                "event %s crossed %d event buses: a loop of bus targets? dropped", event["id"], hops
            )
            return
        token = _HOPS.set(hops + 1)
        try:
            await self._route(scope, bus, event)
        finally:
            _HOPS.reset(token)

    async def _route(self, scope: Scope, bus: str, event: dict[str, Any]) -> None:
        for rule in await self.rules.list(scope, prefix=f"{bus}/"):
            if rule.data.get("State") == "DISABLED" or not rule.data.get("EventPattern"):
                continue
            if self._pattern(scope, rule).matches(event):
                await self.deliver_to_targets(rule.data, event)

    def _pattern(self, scope: Scope, rule: Record) -> Pattern:
        if len(self.patterns) > PATTERN_CACHE:
            self.patterns.clear()
        key = (scope.account, scope.region, rule.key, rule.version)
        pattern = self.patterns.get(key)
        if pattern is None:
            pattern = self.patterns[key] = compile_pattern(rule.data["EventPattern"])
        return pattern

    async def test_event_pattern(self, ctx: RequestContext, request: Params) -> Params:
        try:
            pattern = compile_pattern(request["EventPattern"])
        except PatternError as error:
            raise invalid_pattern(str(error)) from None
        try:
            event = json.loads(request["Event"])
        except ValueError:
            raise Validation("Parameter Event is not valid.") from None
        if not isinstance(event, dict):
            raise Validation("Parameter Event is not valid.")
        return {"Result": pattern.matches(event)}


def entry_problem(entry: Params) -> tuple[str, str] | None:
    """(ErrorCode, ErrorMessage) of an entry AWS refuses, or None."""
    for member in ("Source", "DetailType", "Detail"):
        if not entry.get(member):
            return (
                "InvalidArgument",
                f"Parameter {member} is not valid. Reason: {member} is a required argument.",
            )
    try:
        detail = json.loads(entry["Detail"])
    except ValueError:
        detail = None
    if not isinstance(detail, dict):
        return "MalformedDetail", "Detail is malformed."
    if str(entry["Source"]).startswith("aws."):
        return "NotAuthorizedForSourceException", "Not authorized for the source."
    return None


def new_event(scope: Scope, entry: Params, now: float) -> dict[str, Any]:
    """The event EventBridge builds from a PutEvents entry."""
    moment = entry.get("Time")
    when = moment if isinstance(moment, datetime) else datetime.fromtimestamp(now, UTC)
    return {
        "version": "0",
        "id": new_uuid(),
        "detail-type": entry["DetailType"],
        "source": entry["Source"],
        "account": scope.account,
        "time": when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": scope.region,
        "resources": list(entry.get("Resources") or []),
        "detail": json.loads(entry["Detail"]),
    }
