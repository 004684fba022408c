"""Tags: TagResource, UntagResource, ListTags.

Tags belong to the unqualified function and live in the function record's ``tags`` dict, where
CreateFunction puts them and GetFunction reads them. A change reads and rewrites the function
record inside one store write, so it cannot lose a concurrent change of the same record; like
every change of the function it gives $LATEST a new RevisionId.

Only functions are taggable here: event source mappings, code signing configurations and the
other resources of TagResource's ARN pattern are refused as not supported.

Sources for AWS's behaviour and wording: the AWS-validated snapshots of ``TestLambdaTags`` in
localstack/localstack tests/aws/services/lambda_/test_lambda_api.snapshot.json
(``test_tag_exceptions``, ``test_tag_limits``, ``test_tag_versions``, ``test_tag_lifecycle``:
messages, the limit of 50 counted after merging, a new RevisionId after each change, "Function
not found" once the function is deleted). Key and value lengths and characters are the model's
constraints, checked before the operation runs.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from sqlalchemy import Connection

from lambdalite.aws.context import RequestContext
from lambdalite.services.lambda_.arns import FunctionRef, parse_function
from lambdalite.services.lambda_.base import LambdaBase, Params
from lambdalite.services.lambda_.errors import (
    InvalidParameterValue,
    function_not_found,
    not_supported,
)
from lambdalite.services.lambda_.models import new_revision_id
from lambdalite.store import Scope

Tags = dict[str, str]

#: AWS's limit of tags on one resource.
MAX_TAGS = 50

_FUNCTION_ARN = re.compile(r"arn:[^:]+:lambda:[^:]+:\d{12}:function:.+")
_RESOURCE_TYPE = re.compile(r"arn:[^:]+:lambda:[^:]+:\d{12}:([a-z-]+):")


class TagOperations(LambdaBase):
    """TagResource, UntagResource, ListTags on functions."""

    async def tag_resource(self, ctx: RequestContext, request: Params) -> Params:
        ref = self._tagged_function(ctx, request["Resource"])
        added: Tags = request["Tags"]
        if not added:
            raise InvalidParameterValue("An error occurred and the request cannot be processed.")
        await self._change_tags(ctx, ref, lambda tags: {**tags, **added})
        return {}

    async def untag_resource(self, ctx: RequestContext, request: Params) -> Params:
        ref = self._tagged_function(ctx, request["Resource"])
        removed = set(request["TagKeys"])
        await self._change_tags(
            ctx, ref, lambda tags: {k: v for k, v in tags.items() if k not in removed}
        )
        return {}

    async def list_tags(self, ctx: RequestContext, request: Params) -> Params:
        ref = self._tagged_function(ctx, request["Resource"])
        function = await self.function(ctx, ref)
        return {"Tags": dict(function.data.get("tags") or {})}

    def _tagged_function(self, ctx: RequestContext, arn: str) -> FunctionRef:
        """The function a tag operation's Resource ARN names (the model checked its form)."""
        if not _FUNCTION_ARN.fullmatch(arn):
            found = _RESOURCE_TYPE.match(arn)
            kind = found.group(1) if found else "non-function"
            raise not_supported(f"Tagging {kind} resources")
        ref = parse_function(ctx, arn)
        if ref.qualifier is not None:
            raise InvalidParameterValue(
                "Tags on function aliases and versions are not supported. "
                "Please specify a function ARN."
            )
        return ref

    async def _change_tags(
        self, ctx: RequestContext, ref: FunctionRef, change: Callable[[Tags], Tags]
    ) -> None:
        scope = self.scope(ctx)
        await self.platform.store.write(lambda conn: self._change_tags_in(conn, scope, ref, change))

    def _change_tags_in(
        self, conn: Connection, scope: Scope, ref: FunctionRef, change: Callable[[Tags], Tags]
    ) -> None:
        function = self.functions.get_in(conn, scope, ref.name)
        if function is None:
            raise function_not_found(ref.unqualified_arn)
        tags = change(dict(function.data.get("tags") or {}))
        if len(tags) > MAX_TAGS:
            raise InvalidParameterValue("Number of tags exceeds resource tag limit.")
        config = {**function.data["config"], "RevisionId": new_revision_id()}
        data = {**function.data, "tags": tags, "config": config}
        self.functions.put_in(conn, scope, ref.name, data, expect_version=function.version)
