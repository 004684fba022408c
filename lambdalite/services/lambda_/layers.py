"""Layers: PublishLayerVersion, GetLayerVersion(ByArn), ListLayers, ListLayerVersions,
DeleteLayerVersion, layer version permissions, and the ``Layers`` of a function.

Records (``Kind.LAYER_VERSION``): ``<layer name>:<version, 8 digits>`` per version, and
``<layer name>:`` holding the last version number handed out, written together with each new
version so numbers are never reused, even after every version was deleted (AWS numbers on).

A deleted version stays as a tombstone (``deleted``): AWS keeps serving a deleted layer version
to the functions that reference it (their configuration still names it), so its content must stay
reachable for execution (:meth:`LayerOperations.layer_packages`); every API answers as if it
were gone.

Expected answers come from AWS-recorded snapshots of LocalStack's
``tests/aws/services/lambda_/test_lambda_api.py::TestLambdaLayer`` (validated against AWS,
2023-11 to 2024-03), unless a comment names another source.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from lambdalite.aws.context import RequestContext
from lambdalite.services.lambda_.arns import layer_arn
from lambdalite.services.lambda_.base import LambdaBase, Params
from lambdalite.services.lambda_.code import CodeStore, Package, check_request_size
from lambdalite.services.lambda_.errors import (
    AccessDenied,
    InvalidParameterValue,
    PreconditionFailed,
    ResourceConflict,
    ResourceNotFound,
    resource_not_found,
)
from lambdalite.services.lambda_.models import (
    Kind,
    last_modified,
    new_revision_id,
    scoped_key,
    version_key,
)
from lambdalite.services.lambda_.paging import page
from lambdalite.services.names import ScopedName
from lambdalite.store import ConflictError, Record, Repository, Scope

#: AWS's quota of layers per function.
MAX_LAYERS = 5
# Members of PublishLayerVersion echoed into every description of the version, when given.
_ECHOED = ("CompatibleRuntimes", "CompatibleArchitectures", "LicenseInfo")
# ListLayerVersions answers the newest version first; `page` sorts its keys ascending.
_NEWEST_FIRST = 99_999_999
# Only PostgreSQL can see a concurrent publish of the same layer; it then retries.
_PUBLISH_ATTEMPTS = 5

_LAYER_ARN = (
    r"arn:[a-zA-Z0-9-]+:lambda:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):"
    r"layer:(?P<name>[a-zA-Z0-9-_]+)"
)
_LAYER = re.compile(_LAYER_ARN)
_LAYER_VERSION = re.compile(_LAYER_ARN + r":(?P<version>[0-9]+)")


@dataclass(frozen=True, slots=True)
class LayerRef(ScopedName):
    """A layer of one account and region, named by name or ARN in a request."""

    @property
    def arn(self) -> str:
        return layer_arn(self.account, self.region, self.name)

    def version_arn(self, number: int) -> str:
        return layer_arn(self.account, self.region, self.name, number)

    def key(self, number: int) -> str:
        return version_key(self.name, number)


class LayerOperations(LambdaBase):
    """Layer versions, their resource policies, and resolving a function's ``Layers``."""

    # FunctionOperations provides it; declared (not defined) so the provider's MRO finds theirs.
    code_location: Callable[[RequestContext, Package], str]

    @property
    def _layer_records(self) -> Repository:
        return self.repository(Kind.LAYER_VERSION)

    # --- versions ------------------------------------------------------------------------------

    async def publish_layer_version(self, ctx: RequestContext, request: Params) -> Params:
        check_request_size(len(ctx.request.body), "PublishLayerVersion")
        ref = layer_ref(ctx, request["LayerName"])
        _check_owner(ctx, ref, "PublishLayerVersion", ref.arn)
        package = await _stored_content(self.code, request["Content"])
        stored = await self._layer_publish(ref, _new_version(ref, request, package))
        return described(ref, stored, self.code_location(ctx, package))

    async def _layer_publish(self, ref: LayerRef, data: Params) -> Params:
        for _ in range(_PUBLISH_ATTEMPTS - 1):
            try:
                return await self.platform.store.write(
                    lambda conn: self._layer_publish_in(conn, ref, data)
                )
            except ConflictError:  # another process numbered a version meanwhile
                continue
        return await self.platform.store.write(lambda conn: self._layer_publish_in(conn, ref, data))

    def _layer_publish_in(self, conn: Connection, ref: LayerRef, data: Params) -> Params:
        """Number and store a new version, with the counter, in one transaction."""
        records = self._layer_records
        counter = records.get_in(conn, ref.scope, scoped_key(ref.name))
        number = (counter.data["last_version"] if counter else 0) + 1
        last = {"last_version": number}
        if counter is None:
            records.put_in(conn, ref.scope, scoped_key(ref.name), last, create_only=True)
        else:
            records.put_in(conn, ref.scope, counter.key, last, expect_version=counter.version)
        stored = {**data, "version": number}
        records.put_in(conn, ref.scope, ref.key(number), stored, create_only=True)
        return stored

    async def get_layer_version(self, ctx: RequestContext, request: Params) -> Params:
        number = _positive(request["VersionNumber"])
        ref = layer_ref(ctx, request["LayerName"])
        return await self._layer_described(ctx, ref, number)

    async def get_layer_version_by_arn(self, ctx: RequestContext, request: Params) -> Params:
        found = _LAYER_VERSION.fullmatch(request["Arn"])
        if found is None:  # the model's other form: an AWS-managed layer, none exists here
            raise resource_not_found()
        ref = LayerRef(found["account"], found["region"], found["name"])
        return await self._layer_described(ctx, ref, int(found["version"]))

    async def _layer_described(self, ctx: RequestContext, ref: LayerRef, number: int) -> Params:
        record = await self._layer_readable(ctx, ref, number)
        if record is None:
            raise resource_not_found()
        location = self.code_location(ctx, Package.from_record(record.data["package"]))
        return described(ref, record.data, location)

    async def list_layers(self, ctx: RequestContext, request: Params) -> Params:
        runtime, architecture = (
            request.get("CompatibleRuntime"),
            request.get("CompatibleArchitecture"),
        )
        newest: dict[str, Record] = {}
        for record in await self._layer_records.list(self.scope(ctx)):
            if _live(record) and _compatible(record.data, runtime, architecture):
                newest[record.data["name"]] = record  # keys ascend: the newest comes last
        entries = []
        for name, record in newest.items():
            ref = LayerRef(ctx.account_id, ctx.region, name)
            item = {
                "LayerName": name,
                "LayerArn": ref.arn,
                "LatestMatchingVersion": listed(ref, record.data),
            }
            entries.append((name, item))
        return page(entries, request.get("Marker"), request.get("MaxItems"), "Layers")

    async def list_layer_versions(self, ctx: RequestContext, request: Params) -> Params:
        ref = layer_ref(ctx, request["LayerName"])
        _check_owner(ctx, ref, "ListLayerVersions", ref.arn)
        runtime, architecture = (
            request.get("CompatibleRuntime"),
            request.get("CompatibleArchitecture"),
        )
        entries = []
        for record in await self._layer_records.list(ref.scope, prefix=scoped_key(ref.name)):
            if _live(record) and _compatible(record.data, runtime, architecture):
                number = record.data["version"]
                entries.append((f"{_NEWEST_FIRST - number:08d}", listed(ref, record.data)))
        return page(entries, request.get("Marker"), request.get("MaxItems"), "LayerVersions")

    async def delete_layer_version(self, ctx: RequestContext, request: Params) -> Params:
        """Idempotent, as AWS: deleting a version (or layer) that is not there succeeds."""
        number = _positive(request["VersionNumber"])
        ref = layer_ref(ctx, request["LayerName"])
        _check_owner(ctx, ref, "DeleteLayerVersion", ref.version_arn(number))
        await self.platform.store.write(lambda conn: self._layer_bury_in(conn, ref, number))
        return {}

    def _layer_bury_in(self, conn: Connection, ref: LayerRef, number: int) -> None:
        record = self._layer_records.get_in(conn, ref.scope, ref.key(number))
        if record is not None and _live(record):
            tombstone = {**record.data, "deleted": True, "policy": None}
            self._layer_records.put_in(
                conn, ref.scope, record.key, tombstone, expect_version=record.version
            )

    # --- permissions ---------------------------------------------------------------------------

    async def add_layer_version_permission(self, ctx: RequestContext, request: Params) -> Params:
        number = request["VersionNumber"]
        ref = layer_ref(ctx, request["LayerName"])
        _check_owner(ctx, ref, "AddLayerVersionPermission", ref.version_arn(number))
        statement = permission_statement(ref.version_arn(number), request)
        revision = await self.platform.store.write(
            lambda conn: self._layer_permit_in(
                conn, ref, number, statement, request.get("RevisionId")
            )
        )
        return {"Statement": _compact(statement), "RevisionId": revision}

    def _layer_permit_in(
        self, conn: Connection, ref: LayerRef, number: int, statement: Params, revision: str | None
    ) -> str:
        record = self._layer_version_in(conn, ref, number)
        policy = record.data["policy"] or {"RevisionId": None, "Statement": []}
        sid = statement["Sid"]
        if any(existing["Sid"] == sid for existing in policy["Statement"]):
            raise ResourceConflict(
                f"The statement id ({sid}) provided already exists. Please provide a new "
                "statement id, or remove the existing statement."
            )
        _check_revision(policy["RevisionId"], revision)
        updated = {"RevisionId": new_revision_id(), "Statement": [*policy["Statement"], statement]}
        self._store_layer_policy_in(conn, ref, record, updated)
        return str(updated["RevisionId"])

    async def remove_layer_version_permission(self, ctx: RequestContext, request: Params) -> Params:
        number = request["VersionNumber"]
        ref = layer_ref(ctx, request["LayerName"])
        _check_owner(ctx, ref, "RemoveLayerVersionPermission", ref.version_arn(number))
        sid, revision = request["StatementId"], request.get("RevisionId")
        await self.platform.store.write(
            lambda conn: self._layer_revoke_in(conn, ref, number, sid, revision)
        )
        return {}

    def _layer_revoke_in(
        self, conn: Connection, ref: LayerRef, number: int, sid: str, revision: str | None
    ) -> None:
        record = self._layer_version_in(conn, ref, number)
        policy = record.data["policy"]
        if policy is None:
            raise _no_policy()
        _check_revision(policy["RevisionId"], revision)
        remaining = [s for s in policy["Statement"] if s["Sid"] != sid]
        if len(remaining) == len(policy["Statement"]):
            raise ResourceNotFound(f"Statement {sid} is not found in resource policy.")
        # The last statement gone, the policy is gone (GetLayerVersionPolicy: no policy).
        updated = {"RevisionId": new_revision_id(), "Statement": remaining} if remaining else None
        self._store_layer_policy_in(conn, ref, record, updated)

    def _store_layer_policy_in(
        self, conn: Connection, ref: LayerRef, record: Record, policy: dict[str, Any] | None
    ) -> None:
        self._layer_records.put_in(
            conn,
            ref.scope,
            record.key,
            {**record.data, "policy": policy},
            expect_version=record.version,
        )

    async def get_layer_version_policy(self, ctx: RequestContext, request: Params) -> Params:
        number = request["VersionNumber"]
        ref = layer_ref(ctx, request["LayerName"])
        _check_owner(ctx, ref, "GetLayerVersionPolicy", ref.version_arn(number))
        record = await self._layer_records.get(ref.scope, ref.key(number))
        if record is None or not _live(record):
            raise ResourceNotFound(_missing(ref.version_arn(number)))
        policy = record.data["policy"]
        if policy is None:
            raise _no_policy()
        document = {"Version": "2012-10-17", "Id": "default", "Statement": policy["Statement"]}
        return {"Policy": _compact(document), "RevisionId": policy["RevisionId"]}

    def _layer_version_in(self, conn: Connection, ref: LayerRef, number: int) -> Record:
        record = self._layer_records.get_in(conn, ref.scope, ref.key(number))
        if record is None or not _live(record):
            raise ResourceNotFound(_missing(ref.version_arn(number)))
        return record

    # --- a function's Layers -------------------------------------------------------------------

    async def attached_layers(self, ctx: RequestContext, arns: list[str] | None) -> dict[str, Any]:
        """The ``Layers`` member of a configuration naming ``arns`` (none for ``[]``)."""
        if not arns:
            return {}
        if len(arns) > MAX_LAYERS:
            raise InvalidParameterValue(f"Cannot reference more than {MAX_LAYERS} layers.")
        attached = [_attachable_ref(ctx, arn) for arn in arns]
        _check_one_version_per_layer(arns, attached)
        layers = []
        for arn, (ref, number) in zip(arns, attached, strict=True):
            record = await self._layer_readable(ctx, ref, number)
            if record is None:
                raise InvalidParameterValue(_missing(arn))
            layers.append(
                {"Arn": ref.version_arn(number), "CodeSize": record.data["package"]["size"]}
            )
        return {"Layers": layers}

    async def layer_packages(
        self, ctx_scope: Scope, layer_version_arns: list[str]
    ) -> list[Package]:
        """The content of each layer version a configuration's ``Layers`` name, in order.

        For execution, with ``ctx_scope`` the function's account and region: each version is
        looked up in that region, in the account its ARN names (the function's own, or one that
        shared it). Deleted versions still resolve: in AWS a function keeps running with the
        layers it was configured with. A version that never existed raises ResourceNotFound.
        """
        packages = []
        for arn in layer_version_arns:
            found = _LAYER_VERSION.fullmatch(arn)
            record = None
            if found is not None:
                scope = Scope(found["account"], ctx_scope.region)
                key = version_key(found["name"], int(found["version"]))
                record = await self._layer_records.get(scope, key)
            if record is None:
                raise ResourceNotFound(_missing(arn))
            packages.append(Package.from_record(record.data["package"]))
        return packages

    # --- lookups -------------------------------------------------------------------------------

    async def _layer_readable(
        self, ctx: RequestContext, ref: LayerRef, number: int
    ) -> Record | None:
        """The live version, if the caller may read it: its own, or another account's that
        shares it with the caller; AWS refuses the latter without saying whether it exists."""
        record = await self._layer_records.get(ref.scope, ref.key(number))
        live = record if record is not None and _live(record) else None
        if ref.account == ctx.account_id:
            return live
        if live is None or not _grants(live.data["policy"], ctx.account_id):
            raise _access_denied(ctx, "GetLayerVersion", ref.version_arn(number))
        return live


# --- requests ------------------------------------------------------------------------------------


def layer_ref(ctx: RequestContext, value: str) -> LayerRef:
    """The layer a ``LayerName`` names: a name (the caller's) or a layer ARN."""
    found = _LAYER.fullmatch(value)
    if found is None:
        return LayerRef(ctx.account_id, ctx.region, value)
    return LayerRef(found["account"], found["region"], found["name"])


def _attachable_ref(ctx: RequestContext, arn: str) -> tuple[LayerRef, int]:
    found = _LAYER_VERSION.fullmatch(arn)
    if found is None:  # an AWS-managed layer (``arn:aws:lambda:::awslayer:...``): none here
        raise InvalidParameterValue(_missing(arn))
    if found["region"] != ctx.region:
        raise InvalidParameterValue(
            "Layers are not in the same region as the function. "
            f"Layers are expected to be in region {ctx.region}."
        )
    return LayerRef(found["account"], found["region"], found["name"]), int(found["version"])


def _check_one_version_per_layer(arns: list[str], refs: list[tuple[LayerRef, int]]) -> None:
    """AWS names the first two ARNs of the same layer (even when they are identical)."""
    for later, (ref, _) in enumerate(refs):
        for earlier in range(later):
            if refs[earlier][0] == ref:
                raise InvalidParameterValue(
                    "Two different versions of the same layer are not allowed to be referenced "
                    f"in the same function. {arns[earlier]} and {arns[later]} are versions of "
                    "the same layer."
                )


def _positive(number: int) -> int:
    if number < 1:
        raise InvalidParameterValue("Layer Version Cannot be less than 1")
    return number


def _check_owner(ctx: RequestContext, ref: LayerRef, operation: str, resource: str) -> None:
    """Only GetLayerVersion can be granted to other accounts (the policy's one action)."""
    if ref.account != ctx.account_id:
        raise _access_denied(ctx, operation, resource)


def _check_revision(current: str | None, given: str | None) -> None:
    if given is not None and given != current:
        raise PreconditionFailed(
            "The Revision Id provided does not match the latest Revision Id. "
            "Call the GetLayerPolicy API to retrieve the latest Revision Id"
        )


async def _stored_content(code: CodeStore, content: Params) -> Package:
    if content.get("S3Bucket") or content.get("S3Key") or content.get("S3ObjectVersion"):
        raise InvalidParameterValue(
            "lambdalite has no S3 to read S3Bucket/S3Key from: upload the layer as ZipFile."
        )
    if not content.get("ZipFile"):
        # Wording of moto's PublishLayerVersion (getmoto/moto tests/test_awslambda/
        # test_lambda_layers.py::test_publish_lambda_layers__without_content); not recorded.
        raise InvalidParameterValue("Missing Content")
    return await asyncio.to_thread(code.store, content["ZipFile"])


# --- records and answers -------------------------------------------------------------------------


def _new_version(ref: LayerRef, request: Params, package: Package) -> Params:
    data: Params = {
        "name": ref.name,
        "Description": request.get("Description") or "",
        "CreatedDate": last_modified(),
        "package": package.as_record(),
        "policy": None,
        "deleted": False,
    }
    data.update({member: request[member] for member in _ECHOED if member in request})
    return data


def _live(record: Record) -> bool:
    """A layer version not deleted (the key ``<name>:`` is the layer's version counter)."""
    return not record.key.endswith(":") and not record.data["deleted"]


def _compatible(data: Params, runtime: str | None, architecture: str | None) -> bool:
    """The ListLayers/ListLayerVersions filters: only versions that declare compatibility."""
    runtimes, architectures = (
        data.get("CompatibleRuntimes", []),
        data.get("CompatibleArchitectures", []),
    )
    return (runtime is None or runtime in runtimes) and (
        architecture is None or architecture in architectures
    )


def described(ref: LayerRef, data: Params, location: str) -> Params:
    """PublishLayerVersion / GetLayerVersion: Description always, the others when given."""
    package = Package.from_record(data["package"])
    response: Params = {
        "Content": {
            "Location": location,
            "CodeSha256": package.code_sha256,
            "CodeSize": package.size,
        },
        "LayerArn": ref.arn,
        "LayerVersionArn": ref.version_arn(data["version"]),
        "Description": data["Description"],
        "CreatedDate": data["CreatedDate"],
        "Version": data["version"],
    }
    response.update({member: data[member] for member in _ECHOED if member in data})
    return response


def listed(ref: LayerRef, data: Params) -> Params:
    """A LayerVersionsListItem; AWS leaves an empty Description out here (moto's AWS-verified
    ``test_list_lambda_layers`` expects items without it)."""
    item: Params = {
        "LayerVersionArn": ref.version_arn(data["version"]),
        "Version": data["version"],
        "CreatedDate": data["CreatedDate"],
    }
    if data["Description"]:
        item["Description"] = data["Description"]
    item.update({member: data[member] for member in _ECHOED if member in data})
    return item


def permission_statement(resource: str, request: Params) -> Params:
    """A policy statement as AWS writes it: an account becomes its root user, an organization
    a condition (aws-sdk-ruby's AddLayerVersionPermission example; serverless/serverless#5761)."""
    principal: Any = request["Principal"]
    if principal.isdigit():
        principal = {"AWS": f"arn:aws:iam::{principal}:root"}
    elif principal != "*":
        principal = {"AWS": principal}  # arn:aws:iam::<account>:root, as the model allows
    statement: Params = {
        "Sid": request["StatementId"],
        "Effect": "Allow",
        "Principal": principal,
        "Action": request["Action"],
        "Resource": resource,
    }
    if request.get("OrganizationId"):
        statement["Condition"] = {"StringEquals": {"aws:PrincipalOrgID": request["OrganizationId"]}}
    return statement


def _grants(policy: Params | None, account: str) -> bool:
    """Whether a version's policy lets ``account`` use it. An organization condition cannot be
    checked locally (accounts belong to no organization here), so it grants nothing."""
    for statement in (policy or {}).get("Statement", []):
        if "Condition" in statement:
            continue
        if statement["Principal"] in ("*", {"AWS": f"arn:aws:iam::{account}:root"}):
            return True
    return False


def _compact(document: Params) -> str:
    """Policies and statements travel as JSON strings, compact as AWS writes them."""
    return json.dumps(document, separators=(",", ":"))


def _missing(arn: str) -> str:
    return f"Layer version {arn} does not exist."


def _no_policy() -> ResourceNotFound:
    return ResourceNotFound("No policy is associated with the given resource.")


def _access_denied(ctx: RequestContext, action: str, resource: str) -> AccessDenied:
    """Wording of AWS refusing another account's layer (e.g. crucial-project/serverless-shell#2,
    ShivamJoker/Canvas-Lambda-Layer#2)."""
    principal = ctx.principal.arn if ctx.principal else ctx.account_id
    return AccessDenied(
        f"User: {principal} is not authorized to perform: lambda:{action} on resource: "
        f"{resource} because no resource-based policy allows the lambda:{action} action"
    )
