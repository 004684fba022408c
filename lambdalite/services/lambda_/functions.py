"""Functions: create, read, list, update code and configuration, delete; the state machine.

A change answers with ``State: Pending`` (create) or ``LastUpdateStatus: InProgress`` (update),
as AWS does; once the code is unpacked the function becomes ``Active``/``Successful`` with a new
RevisionId (before the response leaves, or after the configured hold time). The state lives in
the store, so a restart finishes what was in progress.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from sqlalchemy import Connection

from lambdalite.aws.context import RequestContext
from lambdalite.services.lambda_.arns import LATEST, FunctionRef
from lambdalite.services.lambda_.base import LambdaBase, Params
from lambdalite.services.lambda_.code import Package, check_request_size
from lambdalite.services.lambda_.configuration import (
    Config,
    busy,
    check_runtime_and_handler,
    failed,
    fingerprint,
    listed,
    new_configuration,
    published,
    settled,
    updated_configuration,
    with_new_code,
)
from lambdalite.services.lambda_.errors import (
    InvalidParameterValue,
    ResourceConflict,
    function_not_found,
    function_pending,
    revision_mismatch,
    update_in_progress,
)
from lambdalite.services.lambda_.models import FUNCTION_SCOPED, Kind, scoped_key, version_key
from lambdalite.services.lambda_.paging import page
from lambdalite.services.lambda_.url_configs import delete_function_urls_in
from lambdalite.store import ConflictError, Record, Scope

log = logging.getLogger(__name__)

_MAX_TAGS = 50


class FunctionOperations(LambdaBase):
    """CreateFunction, GetFunction(Configuration), ListFunctions, Update*, DeleteFunction."""

    async def create_function(self, ctx: RequestContext, request: Params) -> Params:
        check_request_size(len(ctx.request.body), "CreateFunction")
        ref = self.reference(ctx, request).with_qualifier(None)
        _check_new_function(request)
        package = await self._package(request["Code"])
        config = new_configuration(ref, request, package)
        config.update(await self.attached_layers(ctx, request.get("Layers")))
        data = {
            "config": config,
            "package": package.as_record(),
            "tags": request.get("Tags") or {},
            "last_version": 0,
        }
        response = dict(config)
        if request.get("Publish"):
            data["last_version"] = 1
            response["Version"] = "1"
        try:
            await self.platform.store.write(
                lambda conn: self._insert(conn, self.scope(ctx), ref, data)
            )
        except ConflictError as error:
            raise ResourceConflict(f"Function already exist: {ref.name}") from error
        await self.complete_transition(self.settle(self.scope(ctx), ref.name))
        return response

    def _insert(
        self, conn: Connection, scope: Scope, ref: FunctionRef, data: dict[str, Any]
    ) -> None:
        self.functions.put_in(conn, scope, ref.name, data, create_only=True)
        if data["last_version"]:
            self._publish_in(conn, scope, ref.name, data, number=1)

    async def get_function(self, ctx: RequestContext, request: Params) -> Params:
        ref = self.reference(ctx, request)
        resolved = await self.resolve(ctx, ref)
        response: Params = {
            "Configuration": resolved.config,
            "Code": {"RepositoryType": "S3", "Location": self.code_location(ctx, resolved.package)},
        }
        function = resolved.function.data
        if function["tags"]:
            response["Tags"] = function["tags"]
        if function.get("reserved_concurrency") is not None:
            response["Concurrency"] = {
                "ReservedConcurrentExecutions": function["reserved_concurrency"]
            }
        return response

    async def get_function_configuration(self, ctx: RequestContext, request: Params) -> Params:
        ref = self.reference(ctx, request)
        config = (await self.resolve(ctx, ref)).config
        if ref.qualifier == LATEST:  # named explicitly, AWS answers the qualified ARN (recorded 24)
            return {**config, "FunctionArn": ref.arn}
        return config

    async def list_functions(self, ctx: RequestContext, request: Params) -> Params:
        every_version = request.get("FunctionVersion") == "ALL"
        entries: list[tuple[str, Config]] = []
        for function in await self.functions.list(self.scope(ctx)):
            entries.extend(await self._listing(ctx, function, every_version))
        return page(entries, request.get("Marker"), request.get("MaxItems"), "Functions")

    async def _listing(
        self, ctx: RequestContext, function: Record, every_version: bool
    ) -> list[tuple[str, Config]]:
        latest: Config = function.data["config"]
        if not every_version:
            return [(_sort_key(function.key, LATEST), listed(latest))]
        entries = [
            (_sort_key(function.key, LATEST), listed(latest, f"{latest['FunctionArn']}:{LATEST}"))
        ]
        for version in await self.versions.list(self.scope(ctx), prefix=scoped_key(function.key)):
            config = version.data["config"]
            entries.append((_sort_key(function.key, config["Version"]), listed(config)))
        return entries

    async def update_function_code(self, ctx: RequestContext, request: Params) -> Params:
        check_request_size(len(ctx.request.body), "UpdateFunctionCode")
        ref = self.reference(ctx, request).with_qualifier(None)
        function = await self._changeable(ctx, ref, request.get("RevisionId"))
        package = await self._package(request)
        config = with_new_code(function.data["config"], package, request, ref.region)
        if request.get("DryRun"):
            return config
        data = {**function.data, "config": config, "package": package.as_record()}
        return await self._commit_update(ctx, ref, function, data, request)

    async def update_function_configuration(self, ctx: RequestContext, request: Params) -> Params:
        ref = self.reference(ctx, request).with_qualifier(None)
        function = await self._changeable(ctx, ref, request.get("RevisionId"))
        config = updated_configuration(function.data["config"], request, ref.region)
        if "Layers" in request:  # an empty list detaches every layer
            config.pop("Layers", None)
            config.update(await self.attached_layers(ctx, request["Layers"]))
        data = {**function.data, "config": config}
        return await self._commit_update(ctx, ref, function, data, {})

    async def _changeable(
        self, ctx: RequestContext, ref: FunctionRef, revision_id: str | None
    ) -> Record:
        function = await self.function(ctx, ref)
        config = function.data["config"]
        check_idle(config, ref)
        if revision_id is not None and revision_id != config["RevisionId"]:
            raise revision_mismatch()
        return function

    async def _commit_update(
        self,
        ctx: RequestContext,
        ref: FunctionRef,
        function: Record,
        data: dict[str, Any],
        request: Params,
    ) -> Params:
        scope = self.scope(ctx)
        publish = bool(request.get("Publish"))
        if publish:
            data["last_version"] += 1

        def job(conn: Connection) -> Params:
            self.functions.put_in(conn, scope, ref.name, data, expect_version=function.version)
            if publish:  # answered as the new version, exactly as stored
                return self._publish_in(conn, scope, ref.name, data, number=data["last_version"])
            return dict(data["config"])

        try:
            response = await self.platform.store.write(job)
        except ConflictError as error:  # changed by a concurrent request in the meantime
            raise update_in_progress(ref.arn) from error
        await self.complete_transition(self.settle(scope, ref.name))
        await self.platform.executor.drain((scope.account, scope.region, ref.name), LATEST)
        return response

    async def delete_function(self, ctx: RequestContext, request: Params) -> Params:
        ref = self.reference(ctx, request)
        await self.function(ctx, ref)  # "Function not found" before anything else
        if ref.qualifier is None:
            await self.platform.store.write(
                lambda conn: self._delete_all(conn, self.scope(ctx), ref.name)
            )
        else:
            await self._delete_version(ctx, ref)
        function = (ctx.account_id, ctx.region, ref.name)
        self.platform.executor.concurrency.forget(function, ref.qualifier)
        await self.platform.executor.drain(function, ref.qualifier)
        return {"StatusCode": 204}

    def _delete_all(self, conn: Connection, scope: Scope, name: str) -> None:
        if not self.functions.delete_in(conn, scope, name):
            return
        delete_function_urls_in(self, conn, scope, name)  # with the URL ids they own
        for kind in FUNCTION_SCOPED:
            repository = self.repository(kind)
            for record in repository.list_in(conn, scope, prefix=scoped_key(name)):
                repository.delete_in(conn, scope, record.key)

    async def _delete_version(self, ctx: RequestContext, ref: FunctionRef) -> None:
        qualifier = ref.qualifier or ""
        if qualifier == LATEST:
            raise InvalidParameterValue(
                "$LATEST version cannot be deleted without deleting the function."
            )
        if not qualifier.isdigit():
            raise function_not_found(ref.arn)
        await self.version(ctx, ref, qualifier)
        scope = self.scope(ctx)
        aliases = self.aliases

        def job(conn: Connection) -> None:
            # Checked inside the write, so no alias can start using the version meanwhile.
            _refuse_if_aliased(aliases.list_in(conn, scope, prefix=scoped_key(ref.name)), qualifier)
            self.versions.delete_in(conn, scope, version_key(ref.name, int(qualifier)))
            for kind in FUNCTION_SCOPED:
                self.repository(kind).delete_in(conn, scope, scoped_key(ref.name, qualifier))

        await self.platform.store.write(job)

    async def get_account_settings(self, ctx: RequestContext, request: Params) -> Params:
        functions = await self.functions.list(self.scope(ctx))
        layers = await self.repository(Kind.LAYER_VERSION).list(self.scope(ctx))
        # Layer versions count too; a layer's version counter and deleted versions do not.
        packages = [f.data["package"] for f in functions] + [
            layer.data["package"]
            for layer in layers
            if "package" in layer.data and not layer.data["deleted"]
        ]
        total = sum(package["size"] for package in packages)
        reserved = sum(f.data.get("reserved_concurrency") or 0 for f in functions)
        limit = self.settings.lambda_concurrency_limit
        return {
            "AccountLimit": {
                "TotalCodeSize": 80_530_636_800,
                "CodeSizeUnzipped": 262_144_000,
                "CodeSizeZipped": 52_428_800,
                "ConcurrentExecutions": limit,
                "UnreservedConcurrentExecutions": limit - reserved,
            },
            "AccountUsage": {"TotalCodeSize": total, "FunctionCount": len(functions)},
        }

    # --- code ----------------------------------------------------------------------------------

    async def _package(self, code: Params) -> Package:
        if code.get("ImageUri"):
            raise InvalidParameterValue(
                "Container images (ImageUri) need an image runtime, which lambdalite does not "
                "have: upload the code as ZipFile."
            )
        if code.get("S3Bucket") or code.get("S3Key"):
            raise InvalidParameterValue(
                "lambdalite has no S3 to read S3Bucket/S3Key from: upload the code as ZipFile."
            )
        if not code.get("ZipFile"):
            raise InvalidParameterValue("Please provide a source for function code.")
        return await asyncio.to_thread(self.code.store, code["ZipFile"])

    def code_location(self, ctx: RequestContext, package: Package) -> str:
        host = ctx.request.headers.get("host") or f"{self.settings.host}:{self.settings.port}"
        return self.platform.links.code_url(f"{ctx.request.scheme}://{host}", package.sha256_hex)

    # --- versions (shared with PublishVersion) -------------------------------------------------

    def _publish_in(
        self,
        conn: Connection,
        scope: Scope,
        name: str,
        data: dict[str, Any],
        *,
        number: int,
        description: str | None = None,
    ) -> Config:
        config = published(data["config"], number, description)
        record = {
            "config": config,
            "package": data["package"],
            "source": fingerprint(data["config"]),
        }
        self.versions.put_in(conn, scope, version_key(name, number), record, create_only=True)
        return config

    # --- the state machine ---------------------------------------------------------------------

    async def settle(self, scope: Scope, name: str) -> None:
        """Finish a creation or update: unpack the code, then go Active/Successful (or Failed)."""
        delay = self.settings.lambda_state_transition_seconds
        if delay:
            await asyncio.sleep(delay)
        function = await self.functions.get(scope, name)
        if function is None or not busy(function.data["config"]):
            return
        problem = await self._prepare(Package.from_record(function.data["package"]), name)
        await self.platform.store.write(lambda conn: self._settle_in(conn, scope, name, problem))
        if problem is None:
            self.spawn(self.prepare_first_start(scope, name))

    async def _prepare(self, package: Package, name: str) -> str | None:
        """Unpack the code; what went wrong, if anything."""
        try:
            await asyncio.to_thread(self.code.unpacked, package)
        except Exception as error:
            log.exception("preparing the code of %s failed", name)
            return f"The code could not be prepared: {error}"
        return None

    def _settle_in(self, conn: Connection, scope: Scope, name: str, problem: str | None) -> None:
        function = self.functions.get_in(conn, scope, name)
        if function is None or not busy(function.data["config"]):
            return

        def outcome(config: Config) -> Config:
            return settled(config) if problem is None else failed(config, problem)

        self.functions.put_in(
            conn, scope, name, {**function.data, "config": outcome(function.data["config"])}
        )
        for version in self.versions.list_in(conn, scope, prefix=scoped_key(name)):
            if busy(version.data["config"]):
                config = outcome(version.data["config"])
                self.versions.put_in(conn, scope, version.key, {**version.data, "config": config})

    async def resume_transitions(self) -> None:
        """At start: finish the creations and updates a previous run left in progress."""
        for scope, function in await self.functions.scan():
            if busy(function.data["config"]):
                self.spawn(self.settle(scope, function.key))


def _check_new_function(request: Params) -> None:
    if request.get("PackageType") == "Image":
        raise InvalidParameterValue(
            "PackageType Image needs a container image runtime, which lambdalite does not "
            "have: deploy the function as a Zip package."
        )
    check_runtime_and_handler(request)
    if len(request.get("Tags") or {}) > _MAX_TAGS:
        # TagResource's wording for the same limit (LocalStack's AWS-validated TestLambdaTags).
        raise InvalidParameterValue("Number of tags exceeds resource tag limit.")


def _refuse_if_aliased(aliases: list[Record], version: str) -> None:
    names = [
        alias.data["Name"]
        for alias in aliases
        if version == alias.data["FunctionVersion"]
        or version in alias.data.get("RoutingConfig", {}).get("AdditionalVersionWeights", {})
    ]
    if names:
        raise ResourceConflict(
            "Unable to delete version because the following aliases reference it: "
            f"[{', '.join(names)}]"
        )


def check_idle(config: Config, ref: FunctionRef) -> None:
    """Refuse a change while the function is being created or updated, as AWS does."""
    if config.get("State") == "Pending":
        raise function_pending()
    if busy(config):
        raise update_in_progress(ref.arn)


def _sort_key(name: str, version: str) -> str:
    return f"{name}:{'00000000' if version == LATEST else version.zfill(8)}"
