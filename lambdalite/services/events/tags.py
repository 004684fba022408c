"""Tags of rules and buses: TagResource, UntagResource, ListTagsForResource."""

from __future__ import annotations

from typing import Any

from lambdalite.aws.context import RequestContext
from lambdalite.services.events.arns import DEFAULT_BUS, Arn, bus_arn
from lambdalite.services.events.base import Params
from lambdalite.services.events.errors import ResourceNotFound, bus_not_found
from lambdalite.services.events.rules import RuleOperations
from lambdalite.store import ConflictError, Scope

UPDATE_ATTEMPTS = 8


class TagOperations(RuleOperations):
    async def tag_resource(self, ctx: RequestContext, request: Params) -> Params:
        added = {tag["Key"]: tag["Value"] for tag in request["Tags"]}
        await self._change_tags(ctx, request["ResourceARN"], lambda tags: {**tags, **added})
        return {}

    async def untag_resource(self, ctx: RequestContext, request: Params) -> Params:
        gone = set(request["TagKeys"])
        await self._change_tags(
            ctx,
            request["ResourceARN"],
            lambda tags: {k: v for k, v in tags.items() if k not in gone},
        )
        return {}

    async def list_tags_for_resource(self, ctx: RequestContext, request: Params) -> Params:
        tags = await self._tags(self.scope(ctx), request["ResourceARN"])
        return {"Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}

    async def _tags(self, scope: Scope, arn: str) -> dict[str, str]:
        kind, key = _resource(arn)
        if kind == "rule":
            record = await self.rules.get(scope, key)
            if record is None:
                raise _rule_missing(key)
            return dict(record.data.get("Tags", {}))
        bus = await self.existing_bus(scope, key)
        return dict(bus.get("Tags", {}))

    async def _change_tags(self, ctx: RequestContext, arn: str, change: Any) -> None:
        scope = self.scope(ctx)
        kind, key = _resource(arn)
        if kind == "rule":
            if await self.rules.get(scope, key) is None:
                raise _rule_missing(key)
            await self.change_rule(
                scope,
                key,
                lambda data: {**(data or {}), "Tags": change((data or {}).get("Tags", {}))},
            )
            return
        await self._change_bus_tags(scope, key, change)

    async def _change_bus_tags(self, scope: Scope, name: str, change: Any) -> None:
        for _ in range(UPDATE_ATTEMPTS):
            record = await self.buses.get(scope, name)
            if record is None and name != DEFAULT_BUS:
                raise bus_not_found(name)
            data = record.data if record else {"Name": name, "Arn": bus_arn(scope, name)}
            try:
                await self.buses.put(
                    scope,
                    name,
                    {**data, "Tags": change(data.get("Tags", {}))},
                    expect_version=record.version if record else None,
                    create_only=record is None,
                )
                return
            except ConflictError:
                continue


def _resource(arn: str) -> tuple[str, str]:
    """("rule", "<bus>/<rule>") or ("bus", "<bus>") for an EventBridge ARN."""
    parsed = Arn.parse(arn)
    if parsed is None or parsed.service != "events":
        raise ResourceNotFound(f"Resource {arn} not found.")
    kind, _, path = parsed.resource.partition("/")
    if kind == "rule":
        return "rule", path if "/" in path else f"{DEFAULT_BUS}/{path}"
    if kind == "event-bus":
        return "bus", path
    raise ResourceNotFound(f"Resource {arn} not found.")


def _rule_missing(key: str) -> ResourceNotFound:
    bus, name = key.split("/", 1)
    return ResourceNotFound(f"Rule {name} does not exist on EventBus {bus}.")
