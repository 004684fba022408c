"""Aliases: Create/Get/Update/Delete/ListAliases with RoutingConfig.

An alias record (kind ``Kind.ALIAS``, key ``<function name>:<alias name>``) holds exactly the
AliasConfiguration AWS answers: ``AliasArn``, ``Name``, ``FunctionVersion``, ``Description``,
``RevisionId`` and, only while weighted routing is on, ``RoutingConfig``.

Every check that reads other records (the function, the versions the alias points to, an
existing alias) runs inside the same store write as the alias change itself, so a concurrent
DeleteFunction or a second CreateAlias cannot slip in between the check and the write.

Sources for AWS's behaviour and wording:
- aws-recorded/10_alias_lifecycle.json, 11_alias_errors.json, 12_invoke_through_alias.json;
- UpdateAlias/DeleteAlias of a missing alias: localstack/localstack#11878 (tests run against
  AWS: UpdateAlias answers "Alias not found: <alias arn>", DeleteAlias answers 204), matching
  the message seen from AWS in apex/up#606;
- an absent RoutingConfig leaves the routing as it is (like FunctionVersion and Description):
  the Lambda developer guide's traffic-shifting walkthrough resets routing explicitly with
  ``--routing-config AdditionalVersionWeights={}`` when it moves the alias to the new version,
  and the Terraform provider always sends an empty RoutingConfig to clear it
  (ministackorg/ministack#440).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from lambdalite.aws.context import RequestContext
from lambdalite.services.lambda_.arns import LATEST, FunctionRef
from lambdalite.services.lambda_.base import LambdaBase, Params
from lambdalite.services.lambda_.errors import (
    InvalidParameterValue,
    ResourceConflict,
    ResourceNotFound,
    function_not_found,
    revision_mismatch,
)
from lambdalite.services.lambda_.models import (
    FUNCTION_SCOPED,
    new_revision_id,
    scoped_key,
    version_key,
)
from lambdalite.services.lambda_.paging import page
from lambdalite.services.lambda_.url_configs import delete_url_config_in
from lambdalite.store import Record, Scope

Alias = dict[str, Any]


class AliasOperations(LambdaBase):
    """CreateAlias, GetAlias, UpdateAlias, DeleteAlias, ListAliases."""

    async def create_alias(self, ctx: RequestContext, request: Params) -> Params:
        ref = self._unqualified(ctx, request)
        scope = self.scope(ctx)
        return await self.platform.store.write(
            lambda conn: self._create_in(conn, scope, ref, request)
        )

    def _create_in(
        self, conn: Connection, scope: Scope, ref: FunctionRef, request: Params
    ) -> Alias:
        name, target = request["Name"], request["FunctionVersion"]
        # AWS looks the target version up first: for a missing function it names the target,
        # "Function not found: ...:<name>-unknown:1" (11_alias_errors,
        # routing_config_exc_fn_doesnotexist).
        self._check_version_in(conn, scope, ref, target)
        arn = ref.with_qualifier(name).arn
        if self.aliases.get_in(conn, scope, scoped_key(ref.name, name)) is not None:
            raise ResourceConflict(f"Alias already exists: {arn}")
        alias: Alias = {
            "AliasArn": arn,
            "Name": name,
            "FunctionVersion": target,
            "Description": request.get("Description") or "",
            "RevisionId": new_revision_id(),
        }
        alias.update(self._routing_in(conn, scope, ref, target, request.get("RoutingConfig")))
        self.aliases.put_in(conn, scope, scoped_key(ref.name, name), alias, create_only=True)
        return alias

    async def get_alias(self, ctx: RequestContext, request: Params) -> Params:
        ref = self._unqualified(ctx, request)
        await self.function(ctx, ref)
        return dict((await self.alias(ctx, ref, request["Name"])).data)

    async def update_alias(self, ctx: RequestContext, request: Params) -> Params:
        ref = self._unqualified(ctx, request)
        scope = self.scope(ctx)
        return await self.platform.store.write(
            lambda conn: self._update_in(conn, scope, ref, request)
        )

    def _update_in(
        self, conn: Connection, scope: Scope, ref: FunctionRef, request: Params
    ) -> Alias:
        current = self._existing_in(conn, scope, ref, request["Name"])
        revision = request.get("RevisionId")
        if revision is not None and revision != current.data["RevisionId"]:
            raise revision_mismatch()
        alias: Alias = {**current.data, "RevisionId": new_revision_id()}
        if request.get("FunctionVersion") is not None:
            self._check_version_in(conn, scope, ref, request["FunctionVersion"])
            alias["FunctionVersion"] = request["FunctionVersion"]
        if request.get("Description") is not None:
            alias["Description"] = request["Description"]
        # An absent RoutingConfig keeps the routing (see the module docstring), checked again
        # against the alias's possibly new version; an empty one removes it.
        routing = request.get("RoutingConfig", current.data.get("RoutingConfig"))
        alias.pop("RoutingConfig", None)
        alias.update(self._routing_in(conn, scope, ref, alias["FunctionVersion"], routing))
        self.aliases.put_in(conn, scope, current.key, alias, expect_version=current.version)
        return alias

    def _existing_in(self, conn: Connection, scope: Scope, ref: FunctionRef, name: str) -> Record:
        self._function_in(conn, scope, ref)
        current = self.aliases.get_in(conn, scope, scoped_key(ref.name, name))
        if current is None:
            raise ResourceNotFound(f"Alias not found: {ref.with_qualifier(name).arn}")
        return current

    async def delete_alias(self, ctx: RequestContext, request: Params) -> Params:
        ref = self._unqualified(ctx, request)
        scope = self.scope(ctx)
        await self.platform.store.write(
            lambda conn: self._delete_in(conn, scope, ref, request["Name"])
        )
        return {}

    def _delete_in(self, conn: Connection, scope: Scope, ref: FunctionRef, name: str) -> None:
        """Remove the alias and what is configured for it (policy, URL, invoke and concurrency
        configurations keyed by the alias), as deleting a version does. A missing alias is no
        error: AWS answers 204 (localstack/localstack#11878)."""
        self._function_in(conn, scope, ref)
        delete_url_config_in(self, conn, scope, ref.name, name)  # with the URL id it owns
        for kind in FUNCTION_SCOPED:
            self.repository(kind).delete_in(conn, scope, scoped_key(ref.name, name))

    async def list_aliases(self, ctx: RequestContext, request: Params) -> Params:
        ref = self._unqualified(ctx, request)
        await self.function(ctx, ref)
        version = request.get("FunctionVersion")
        entries = [
            (record.data["Name"], dict(record.data))
            for record in await self.aliases.list(self.scope(ctx), prefix=scoped_key(ref.name))
            if version is None or record.data["FunctionVersion"] == version
        ]
        return page(entries, request.get("Marker"), request.get("MaxItems"), "Aliases")

    # --- checks, inside the write -------------------------------------------------------------

    def _unqualified(self, ctx: RequestContext, request: Params) -> FunctionRef:
        # The alias operations name the function; a qualifier in FunctionName plays no part.
        return self.reference(ctx, request).with_qualifier(None)

    def _function_in(self, conn: Connection, scope: Scope, ref: FunctionRef) -> Record:
        function = self.functions.get_in(conn, scope, ref.name)
        if function is None:
            raise function_not_found(ref.unqualified_arn)
        return function

    def _check_version_in(
        self, conn: Connection, scope: Scope, ref: FunctionRef, version: str
    ) -> None:
        """``version`` ($LATEST or a number) exists, else AWS's "Function not found: <arn>:<v>"."""
        if version == LATEST:
            found = self.functions.get_in(conn, scope, ref.name) is not None
        else:
            # Anything else the model lets through ($LATEST.PUBLISHED) names no version here.
            found = version.isdigit() and (
                self.versions.get_in(conn, scope, version_key(ref.name, int(version))) is not None
            )
        if not found:
            raise function_not_found(ref.with_qualifier(version).arn)

    def _routing_in(
        self,
        conn: Connection,
        scope: Scope,
        ref: FunctionRef,
        target: str,
        routing: Params | None,
    ) -> Alias:
        """The ``RoutingConfig`` member the alias gets: none when no weights are given.

        Weight bounds and version-number keys are the model's; the rest is checked here, in
        AWS's order (11_alias_errors).
        """
        weights: dict[str, float] = (routing or {}).get("AdditionalVersionWeights") or {}
        if not weights:
            return {}
        if len(weights) > 1:
            raise InvalidParameterValue(
                "Number of items in AdditionalVersionWeights cannot be greater than 1"
            )
        (version,) = weights
        if version == target:
            raise InvalidParameterValue(
                f"Invalid function version {target}. "
                f"Function version {target} is already included in routing configuration."
            )
        if target == LATEST:
            # Recorded without the Type member (target_version_exc_version_latest).
            raise InvalidParameterValue(
                "$LATEST is not supported for an alias pointing to more than 1 version", Type=None
            )
        self._check_version_in(conn, scope, ref, version)
        return {"RoutingConfig": {"AdditionalVersionWeights": {version: float(weights[version])}}}
