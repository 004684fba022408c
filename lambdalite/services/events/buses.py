"""Event buses: CreateEventBus, DescribeEventBus, ListEventBuses, DeleteEventBus.

Messages from localstack's AWS-validated EventBridge tests: "Event bus <name> already exists.",
"Event bus <name> does not exist.", "Cannot delete event bus default."; deleting a bus that
does not exist succeeds.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from sqlalchemy import Connection

from lambdalite.aws.context import RequestContext
from lambdalite.services.events.arns import DEFAULT_BUS, bus_arn, bus_name
from lambdalite.services.events.base import EventsBase, Params
from lambdalite.services.events.errors import ResourceAlreadyExists, Validation
from lambdalite.store import ConflictError, Scope

_ECHOED = ("Description", "KmsKeyIdentifier", "DeadLetterConfig", "LogConfig")
_LISTED = ("Name", "Arn", "Description", "CreationTime", "LastModifiedTime")


class BusOperations(EventsBase):
    async def create_event_bus(self, ctx: RequestContext, request: Params) -> Params:
        scope, name = self.scope(ctx), request["Name"]
        if request.get("EventSourceName"):
            raise Validation("lambdalite does not serve partner event sources.")
        if name == DEFAULT_BUS:
            raise ResourceAlreadyExists(f"Event bus {name} already exists.")
        now = self.clock()
        data = {"Name": name, "Arn": bus_arn(scope, name), "CreationTime": now}
        data.update({k: request[k] for k in _ECHOED if k in request})
        data["LastModifiedTime"] = now
        data["Tags"] = {tag["Key"]: tag["Value"] for tag in request.get("Tags") or []}
        try:
            await self.buses.put(scope, name, data, create_only=True)
        except ConflictError:
            raise ResourceAlreadyExists(f"Event bus {name} already exists.") from None
        return {"EventBusArn": data["Arn"], **{k: request[k] for k in _ECHOED if k in request}}

    async def describe_event_bus(self, ctx: RequestContext, request: Params) -> Params:
        bus = await self.existing_bus(self.scope(ctx), bus_name(request.get("Name")))
        return {k: v for k, v in bus.items() if k != "Tags"}

    async def list_event_buses(self, ctx: RequestContext, request: Params) -> Params:
        scope, prefix = self.scope(ctx), request.get("NamePrefix") or ""
        buses = (
            [await self.existing_bus(scope, DEFAULT_BUS)] if DEFAULT_BUS.startswith(prefix) else []
        )
        buses += [
            r.data for r in await self.buses.list(scope, prefix=prefix) if r.key != DEFAULT_BUS
        ]
        buses.sort(key=lambda bus: str(bus["Name"]))
        page, token = paginate(buses, request, lambda bus: str(bus["Name"]))
        listed = [{k: bus[k] for k in _LISTED if k in bus} for bus in page]
        return {"EventBuses": listed, **({"NextToken": token} if token else {})}

    async def delete_event_bus(self, ctx: RequestContext, request: Params) -> Params:
        scope, name = self.scope(ctx), request["Name"]
        if name == DEFAULT_BUS:
            raise Validation("Cannot delete event bus default.")
        await self.platform.store.write(lambda conn: self._delete_bus_in(conn, scope, name))
        return {}

    def _delete_bus_in(self, conn: Connection, scope: Scope, name: str) -> None:
        """The bus goes with its rules and their schedules."""
        for rule in self.rules.list_in(conn, scope, prefix=f"{name}/"):
            self.rules.delete_in(conn, scope, rule.key)
            self.runner.delete_in(conn, scope, rule.key)
        self.buses.delete_in(conn, scope, name)


def paginate(
    items: list[dict[str, Any]], request: Params, key: Any, limit_member: str = "Limit"
) -> tuple[list[dict[str, Any]], str | None]:
    """A page of ``items`` (sorted by ``key``) after ``NextToken``, and the next token."""
    after = _decode_token(request.get("NextToken"))
    if after is not None:
        items = [item for item in items if key(item) > after]
    limit = request.get(limit_member) or 100
    page = items[:limit]
    token = _encode_token(key(page[-1])) if len(items) > limit else None
    return page, token


def _encode_token(name: str) -> str:
    return base64.urlsafe_b64encode(name.encode()).decode()


def _decode_token(token: str | None) -> str | None:
    if not token:
        return None
    try:
        return base64.urlsafe_b64decode(token.encode()).decode()
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise Validation("The NextToken provided is invalid.") from None
