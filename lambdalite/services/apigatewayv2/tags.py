"""Tags of APIs and stages: TagResource, UntagResource, GetTags.

ARNs as AWS forms them for API Gateway resources:
``arn:aws:apigateway:<region>::/apis/<api-id>`` and ``.../apis/<api-id>/stages/<stage>``.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from sqlalchemy import Connection

from lambdalite.aws.context import RequestContext
from lambdalite.services.apigatewayv2.base import ApiGatewayV2Base, Params, State
from lambdalite.services.apigatewayv2.errors import NotFound
from lambdalite.services.apigatewayv2.stages import existing_stage

_ARN = re.compile(r"arn:aws[a-z\-]*:apigateway:([a-z0-9\-]+)::/apis/([a-z0-9]+)(?:/stages/(.+))?")
Tags = dict[str, str]


class TagOperations(ApiGatewayV2Base):
    async def tag_resource(self, ctx: RequestContext, request: Params) -> Params:
        added = dict(request.get("Tags") or {})
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

    async def get_tags(self, ctx: RequestContext, request: Params) -> Params:
        api_id, stage = self._resource(ctx, request["ResourceArn"])
        state = await self.load(ctx, api_id)
        return {"Tags": dict(_holder(state, stage).get("Tags", {}))}

    async def _change_tags(
        self, ctx: RequestContext, arn: str, change: Callable[[Tags], Tags]
    ) -> None:
        api_id, stage = self._resource(ctx, arn)

        def mutate(conn: Connection, state: State) -> None:
            holder = _holder(state, stage)
            holder["Tags"] = change(holder.get("Tags", {}))

        await self.change(ctx, api_id, mutate, redeploy=False)

    def _resource(self, ctx: RequestContext, arn: str) -> tuple[str, str | None]:
        """(api id, stage name or None) of an API Gateway ARN in the caller's region."""
        parsed = _ARN.fullmatch(arn)
        if parsed is None or parsed.group(1) != ctx.region:
            raise NotFound(f"Invalid resource identifier specified {arn}")  # wording unverified
        return parsed.group(2), parsed.group(3)


def _holder(state: State, stage: str | None) -> Params:
    return state["Api"] if stage is None else existing_stage(state, stage)
