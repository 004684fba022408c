"""Versions: PublishVersion and ListVersionsByFunction.

A version freezes $LATEST's code and configuration for good. Publishing when nothing changed
since the last version returns that version again (AWS's idempotency), whatever Description
the second call asks for.
"""

from __future__ import annotations

from sqlalchemy import Connection

from lambdalite.aws.context import RequestContext
from lambdalite.services.lambda_.arns import LATEST
from lambdalite.services.lambda_.base import Params
from lambdalite.services.lambda_.configuration import Config, fingerprint, listed
from lambdalite.services.lambda_.errors import (
    InvalidParameterValue,
    revision_mismatch,
    update_in_progress,
)
from lambdalite.services.lambda_.functions import FunctionOperations, check_idle
from lambdalite.services.lambda_.models import new_revision_id, scoped_key, version_key
from lambdalite.services.lambda_.paging import page
from lambdalite.store import Record, Scope


class VersionOperations(FunctionOperations):
    """PublishVersion, ListVersionsByFunction."""

    async def publish_version(self, ctx: RequestContext, request: Params) -> Params:
        ref = self.reference(ctx, request).with_qualifier(None)
        function = await self.function(ctx, ref)
        latest: Config = function.data["config"]
        check_idle(latest, ref)
        _check_preconditions(latest, request)
        scope = self.scope(ctx)
        return await self.platform.store.write(
            lambda conn: self._publish_if_changed(conn, scope, function, request.get("Description"))
        )

    def _publish_if_changed(
        self, conn: Connection, scope: Scope, function: Record, description: str | None
    ) -> Config:
        name = function.key
        current = self.functions.get_in(conn, scope, name)
        if current is None or current.version != function.version:
            raise update_in_progress(function.data["config"]["FunctionArn"])
        data = current.data
        if data["last_version"]:
            last = self.versions.get_in(conn, scope, version_key(name, data["last_version"]))
            if last is not None and last.data["source"] == fingerprint(data["config"]):
                return dict(last.data["config"])
        number = data["last_version"] + 1
        published = self._publish_in(
            conn, scope, name, data, number=number, description=description
        )
        # Publishing renews $LATEST's RevisionId too (LocalStack's AWS-validated snapshot
        # test_lambda_permission_fn_versioning).
        latest = {**data["config"], "RevisionId": new_revision_id()}
        renewed = {**data, "config": latest, "last_version": number}
        self.functions.put_in(conn, scope, name, renewed, expect_version=current.version)
        return published

    async def list_versions_by_function(self, ctx: RequestContext, request: Params) -> Params:
        ref = self.reference(ctx, request).with_qualifier(None)
        function = await self.function(ctx, ref)
        latest = function.data["config"]
        entries = [("00000000", listed(latest, f"{latest['FunctionArn']}:{LATEST}"))]
        for version in await self.versions.list(self.scope(ctx), prefix=scoped_key(ref.name)):
            entries.append((version.key.rsplit(":", 1)[1], listed(version.data["config"])))
        return page(entries, request.get("Marker"), request.get("MaxItems"), "Versions")


def _check_preconditions(latest: Config, request: Params) -> None:
    code_sha = request.get("CodeSha256")
    if code_sha is not None and code_sha != latest["CodeSha256"]:
        raise InvalidParameterValue(
            f"CodeSHA256 ({code_sha}) is different from current CodeSHA256 in $LATEST "
            f"({latest['CodeSha256']}). Please try again with the CodeSHA256 in $LATEST."
        )
    revision = request.get("RevisionId")
    if revision is not None and revision != latest["RevisionId"]:
        raise revision_mismatch()
