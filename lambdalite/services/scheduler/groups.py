"""Schedule groups and their tags: CreateScheduleGroup, GetScheduleGroup, ListScheduleGroups,
DeleteScheduleGroup, TagResource, UntagResource, ListTagsForResource.

Deleting a group deletes its schedules (DeleteScheduleGroup reference: "Deleting a schedule
group results in EventBridge Scheduler deleting all schedules associated with the group");
lambdalite does so at once rather than through a DELETING state.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from lambdalite.aws.context import RequestContext
from lambdalite.services.scheduler.base import DEFAULT_GROUP, Params, SchedulerBase, group_arn
from lambdalite.services.scheduler.errors import Conflict, ResourceNotFound, Validation
from lambdalite.store import ConflictError, Scope

UPDATE_ATTEMPTS = 8
_LISTED = ("Arn", "Name", "State", "CreationDate", "LastModificationDate")


class GroupOperations(SchedulerBase):
    async def create_schedule_group(self, ctx: RequestContext, request: Params) -> Params:
        scope, name = self.scope(ctx), request["Name"]
        now = self.clock()
        data = {
            "Arn": group_arn(scope, name),
            "Name": name,
            "State": "ACTIVE",
            "CreationDate": now,
            "LastModificationDate": now,
            "Tags": {tag["Key"]: tag["Value"] for tag in request.get("Tags") or []},
        }
        if name == DEFAULT_GROUP:
            raise Conflict(f"Schedule group {name} already exists.")
        try:
            await self.groups.put(scope, name, data, create_only=True)
        except ConflictError:
            raise Conflict(f"Schedule group {name} already exists.") from None
        return {"ScheduleGroupArn": data["Arn"]}

    async def get_schedule_group(self, ctx: RequestContext, request: Params) -> Params:
        group = await self.existing_group(self.scope(ctx), request["Name"])
        return {k: group[k] for k in _LISTED if k in group}

    async def list_schedule_groups(self, ctx: RequestContext, request: Params) -> Params:
        scope, prefix = self.scope(ctx), request.get("NamePrefix") or ""
        groups = [r.data for r in await self.groups.list(scope, prefix=prefix)]
        if DEFAULT_GROUP.startswith(prefix) and all(g["Name"] != DEFAULT_GROUP for g in groups):
            groups.append(await self.existing_group(scope, DEFAULT_GROUP))
        groups.sort(key=lambda group: str(group["Name"]))
        token = str(request.get("NextToken") or "0")
        start = int(token) if token.isdigit() else 0
        end = start + (request.get("MaxResults") or 100)
        listed = [{k: g[k] for k in _LISTED if k in g} for g in groups[start:end]]
        return {"ScheduleGroups": listed, **({"NextToken": str(end)} if end < len(groups) else {})}

    async def delete_schedule_group(self, ctx: RequestContext, request: Params) -> Params:
        scope, name = self.scope(ctx), request["Name"]
        if name == DEFAULT_GROUP:
            raise Validation("The default schedule group cannot be deleted.")
        await self.existing_group(scope, name)
        await self.platform.store.write(lambda conn: self._delete_group_in(conn, scope, name))
        return {}

    def _delete_group_in(self, conn: Connection, scope: Scope, name: str) -> None:
        for schedule in self.schedules.list_in(conn, scope, prefix=f"{name}/"):
            self.schedules.delete_in(conn, scope, schedule.key)
            self.runner.delete_in(conn, scope, schedule.key)
        self.groups.delete_in(conn, scope, name)

    # --- tags ----------------------------------------------------------------------------------

    async def tag_resource(self, ctx: RequestContext, request: Params) -> Params:
        added = {tag["Key"]: tag["Value"] for tag in request["Tags"]}
        await self._change_tags(ctx, request["ResourceArn"], lambda tags: {**tags, **added})
        return {}

    async def untag_resource(self, ctx: RequestContext, request: Params) -> Params:
        gone = set(request["TagKeys"])
        await self._change_tags(
            ctx,
            request["ResourceArn"],
            lambda tags: {k: v for k, v in tags.items() if k not in gone},
        )
        return {}

    async def list_tags_for_resource(self, ctx: RequestContext, request: Params) -> Params:
        group = await self.existing_group(self.scope(ctx), _group_name(request["ResourceArn"]))
        return {"Tags": [{"Key": k, "Value": v} for k, v in group.get("Tags", {}).items()]}

    async def _change_tags(self, ctx: RequestContext, arn: str, change: Any) -> None:
        scope, name = self.scope(ctx), _group_name(arn)
        for _ in range(UPDATE_ATTEMPTS):
            current = await self.existing_group(scope, name)
            record = await self.groups.get(scope, name)
            data = {**current, "Tags": change(current.get("Tags", {}))}
            try:
                await self.groups.put(
                    scope,
                    name,
                    data,
                    expect_version=record.version if record else None,
                    create_only=record is None,
                )
                return
            except ConflictError:
                continue


def _group_name(arn: str) -> str:
    if ":schedule-group/" not in arn:
        raise ResourceNotFound(f"Resource {arn} does not exist.")
    return arn.split(":schedule-group/", 1)[1]
