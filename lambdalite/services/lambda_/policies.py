"""Resource-based policies: AddPermission, RemovePermission, GetPolicy.

A policy record (kind ``Kind.POLICY``, key ``<function name>:<qualifier>``, the qualifier empty
for the function itself) holds ``{"Statement": [...]}`` in the order the statements were added.
A policy has no revision of its own: its RevisionId is the RevisionId of what it is attached to
($LATEST's configuration, the version's configuration or the alias), and every change of the
policy gives that resource a new RevisionId, in the same store write.

Sources for AWS's behaviour and wording:
- aws-recorded/40_permission_errors.json (errors and their order);
- AWS-validated snapshots in localstack/localstack tests/aws/services/lambda_/
  test_lambda_api.snapshot.json: ``TestLambdaPermissions::test_add_lambda_permission_fields``
  (statement shapes per principal form and condition), ``test_lambda_permission_fn_versioning``
  and ``test_lambda_permission_revisions`` (GetPolicy's RevisionId is the function's, version's
  or alias's, and changes with every AddPermission), ``test_remove_multi_permissions`` and
  ``TestLambdaLayer::test_layer_policy_exceptions`` ("Statement <sid> is not found in resource
  policy.");
- PolicyLengthExceededException: "The final policy size (20749) is bigger than the limit
  (20480)." as AWS answered in adobe/helix-deploy#24 and serverless/serverless#5357;
- "FunctionUrlAuthType is only supported for lambda:InvokeFunctionUrl action": AWS's answer
  quoted by several users of the live API (Terraform/CLI deployment notes, 2025);
- InvokedViaFunctionUrl: the AWS guide "Control access to Lambda function URLs" writes it as the
  condition ``{"Bool": {"lambda:InvokedViaFunctionUrl": "true"}}``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from lambdalite.aws.context import RequestContext
from lambdalite.aws.errors import ServiceError
from lambdalite.services.lambda_.arns import LATEST, FunctionRef
from lambdalite.services.lambda_.base import LambdaBase, Params
from lambdalite.services.lambda_.errors import (
    InvalidParameterValue,
    ResourceConflict,
    ResourceNotFound,
    function_not_found,
    resource_not_found,
    revision_mismatch,
)
from lambdalite.services.lambda_.models import Kind, new_revision_id, scoped_key, version_key
from lambdalite.store import Record, Repository, Scope

Statement = dict[str, Any]

#: AWS's limit on the size of one function's (or version's, or alias's) policy document.
POLICY_SIZE_LIMIT = 20480

# A qualifier that can name an alias (AliasName's pattern); any other one names a version.
_ALIAS_NAME = re.compile(r"(?!^[0-9]+$)[a-zA-Z0-9-_]+")
_ACCOUNT_ID = re.compile(r"\d{12}")
_IAM_ARN = re.compile(r"arn:aws[a-zA-Z-]*:(iam|sts)::\d{12}:\S+")
# Service principals: s3.amazonaws.com, the China partition's *.amazonaws.com.cn and the Alexa
# ones (alexa-appkit.amazon.com, alexa-connectedhome.amazon.com).
_SERVICE = re.compile(r"[a-z0-9][a-z0-9.-]*\.(amazonaws\.com|amazonaws\.com\.cn|amazon\.com)")

# Request members that become StringEquals conditions, in the order AWS writes them.
_STRING_EQUALS = (
    ("FunctionUrlAuthType", "lambda:FunctionUrlAuthType"),
    ("PrincipalOrgID", "aws:PrincipalOrgID"),
    ("SourceAccount", "AWS:SourceAccount"),
    ("EventSourceToken", "lambda:EventSourceToken"),
)


class PolicyLengthExceeded(ServiceError):
    code = "PolicyLengthExceededException"
    status = 400


@dataclass(frozen=True, slots=True)
class _Target:
    """What a policy is attached to: the function itself, one of its versions or an alias."""

    repository: Repository
    record: Record
    qualifier: str  # "" for the function itself

    @property
    def is_alias(self) -> bool:
        return self.repository.kind == Kind.ALIAS

    @property
    def revision(self) -> str:
        data = self.record.data
        return str(data["RevisionId"] if self.is_alias else data["config"]["RevisionId"])

    def renewed(self) -> dict[str, Any]:
        """The resource's data with a new RevisionId: its policy changed."""
        data = dict(self.record.data)
        if self.is_alias:
            data["RevisionId"] = new_revision_id()
        else:
            data["config"] = {**data["config"], "RevisionId": new_revision_id()}
        return data


class PolicyOperations(LambdaBase):
    """AddPermission, RemovePermission, GetPolicy; ``policy_statements`` for invocations."""

    @property
    def _policies(self) -> Repository:
        return self.repository(Kind.POLICY)

    async def add_permission(self, ctx: RequestContext, request: Params) -> Params:
        ref = self.reference(ctx, request)
        if ref.qualifier == LATEST:
            raise InvalidParameterValue("We currently do not support adding policies for $LATEST.")
        statement = build_statement(request, ref.arn)
        scope = self.scope(ctx)
        revision = request.get("RevisionId")
        await self.platform.store.write(
            lambda conn: self._add_permission_in(conn, scope, ref, statement, revision)
        )
        return {"Statement": _encode(statement)}

    def _add_permission_in(
        self,
        conn: Connection,
        scope: Scope,
        ref: FunctionRef,
        statement: Statement,
        revision: str | None,
    ) -> None:
        function = self.functions.get_in(conn, scope, ref.name)
        if function is None:
            raise function_not_found(ref.unqualified_arn)
        target = self._policy_target_in(conn, scope, ref, function)
        _check_revision(target, revision)
        statements = self._policy_statements_in(conn, scope, ref.name, target.qualifier)
        sid = statement["Sid"]
        if any(existing["Sid"] == sid for existing in statements):
            raise ResourceConflict(
                f"The statement id ({sid}) provided already exists. Please provide a new "
                "statement id, or remove the existing statement."
            )
        self._store_policy_in(conn, scope, ref.name, target, [*statements, statement])

    async def remove_permission(self, ctx: RequestContext, request: Params) -> Params:
        ref = _latest_as_function(self.reference(ctx, request))
        scope = self.scope(ctx)
        sid, revision = request["StatementId"], request.get("RevisionId")
        await self.platform.store.write(
            lambda conn: self._remove_permission_in(conn, scope, ref, sid, revision)
        )
        return {}

    def _remove_permission_in(
        self, conn: Connection, scope: Scope, ref: FunctionRef, sid: str, revision: str | None
    ) -> None:
        function = self.functions.get_in(conn, scope, ref.name)
        if function is None:
            raise ResourceNotFound(f"No policy found for: {ref.unqualified_arn}")
        target = self._policy_target_in(conn, scope, ref, function)
        statements = self._policy_statements_in(conn, scope, ref.name, target.qualifier)
        if not statements:
            raise ResourceNotFound("No policy is associated with the given resource.")
        remaining = [statement for statement in statements if statement["Sid"] != sid]
        if len(remaining) == len(statements):
            raise ResourceNotFound(f"Statement {sid} is not found in resource policy.")
        _check_revision(target, revision)
        self._store_policy_in(conn, scope, ref.name, target, remaining)

    async def get_policy(self, ctx: RequestContext, request: Params) -> Params:
        ref = _latest_as_function(self.reference(ctx, request))
        scope = self.scope(ctx)
        return await self.platform.store.read(lambda conn: self._get_policy_in(conn, scope, ref))

    def _get_policy_in(self, conn: Connection, scope: Scope, ref: FunctionRef) -> Params:
        # GetPolicy answers one message for a missing function, version, alias or policy
        # (40_permission_errors: get_policy_fn_doesnotexist, get_policy_fn_version_doesnotexist).
        function = self.functions.get_in(conn, scope, ref.name)
        if function is None:
            raise resource_not_found()
        try:
            target = self._policy_target_in(conn, scope, ref, function)
        except ResourceNotFound as error:
            raise resource_not_found() from error
        statements = self._policy_statements_in(conn, scope, ref.name, target.qualifier)
        if not statements:
            raise resource_not_found()
        return {"Policy": _encode(_document(statements)), "RevisionId": target.revision}

    async def policy_statements(
        self, scope: Scope, name: str, qualifier: str | None
    ) -> list[Statement]:
        """The statements of the policy of function ``name`` as invoked with ``qualifier``
        (None or $LATEST: the function's own policy; a version number; an alias name).

        Lambda applies the policy of exactly the resource the caller named: a permission on the
        function does not cover a call to one of its aliases, and the other way round.
        """
        record = await self._policies.get(scope, scoped_key(name, _policy_qualifier(qualifier)))
        return list(record.data["Statement"]) if record is not None else []

    # --- records -------------------------------------------------------------------------------

    def _policy_target_in(
        self, conn: Connection, scope: Scope, ref: FunctionRef, function: Record
    ) -> _Target:
        """The function, version or alias ``ref`` names, with AWS's not-found errors."""
        qualifier = ref.qualifier or ""
        if not qualifier:
            return _Target(self.functions, function, "")
        if _ALIAS_NAME.fullmatch(qualifier):
            aliases = self.repository(Kind.ALIAS)
            alias = aliases.get_in(conn, scope, scoped_key(ref.name, qualifier))
            if alias is None:
                raise ResourceNotFound(f"Cannot find alias arn: {ref.arn}")
            return _Target(aliases, alias, qualifier)
        version = None
        if qualifier.isdigit():
            version = self.versions.get_in(conn, scope, version_key(ref.name, int(qualifier)))
        if version is None:
            raise function_not_found(ref.arn)
        return _Target(self.versions, version, qualifier)

    def _policy_statements_in(
        self, conn: Connection, scope: Scope, name: str, qualifier: str
    ) -> list[Statement]:
        record = self._policies.get_in(conn, scope, scoped_key(name, qualifier))
        return list(record.data["Statement"]) if record is not None else []

    def _store_policy_in(
        self,
        conn: Connection,
        scope: Scope,
        name: str,
        target: _Target,
        statements: list[Statement],
    ) -> None:
        """Write the policy (or remove it with its last statement) and renew the RevisionId of
        what it is attached to."""
        key = scoped_key(name, target.qualifier)
        if statements:
            _check_size(statements)
            self._policies.put_in(conn, scope, key, {"Statement": statements})
        else:
            self._policies.delete_in(conn, scope, key)
        target.repository.put_in(
            conn, scope, target.record.key, target.renewed(), expect_version=target.record.version
        )


# --- statements ---------------------------------------------------------------------------------


def build_statement(request: Params, resource_arn: str) -> Statement:
    """The policy statement AddPermission writes, keys and conditions in AWS's order."""
    statement: Statement = {
        "Sid": request["StatementId"],
        "Effect": "Allow",
        "Principal": principal(request["Principal"]),
        "Action": request["Action"],
        "Resource": resource_arn,
    }
    condition = _condition(request)
    if condition:
        statement["Condition"] = condition
    return statement


def principal(value: str) -> str | dict[str, str]:
    """AWS's form of a Principal: ``*``, ``{"AWS": <arn>}`` for an account id (its root) or an
    IAM/STS ARN, ``{"Service": <name>}`` for a service principal."""
    if value == "*":
        return value
    if _ACCOUNT_ID.fullmatch(value):
        return {"AWS": f"arn:aws:iam::{value}:root"}
    if _IAM_ARN.fullmatch(value):
        return {"AWS": value}
    if _SERVICE.fullmatch(value):
        return {"Service": value}
    raise InvalidParameterValue(
        "The provided principal was invalid. Please check the principal and try again."
    )


def _condition(request: Params) -> dict[str, dict[str, str]]:
    if request.get("FunctionUrlAuthType") and request["Action"] != "lambda:InvokeFunctionUrl":
        raise InvalidParameterValue(
            "FunctionUrlAuthType is only supported for lambda:InvokeFunctionUrl action"
        )
    condition: dict[str, dict[str, str]] = {}
    equals = {key: request[member] for member, key in _STRING_EQUALS if request.get(member)}
    if equals:
        condition["StringEquals"] = equals
    if request.get("SourceArn"):
        condition["ArnLike"] = {"AWS:SourceArn": request["SourceArn"]}
    if request.get("InvokedViaFunctionUrl"):
        condition["Bool"] = {"lambda:InvokedViaFunctionUrl": "true"}
    return condition


def _document(statements: list[Statement]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Id": "default", "Statement": statements}


def _encode(document: dict[str, Any]) -> str:
    # Compact, as AWS writes the Statement and Policy strings.
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False)


def _check_size(statements: list[Statement]) -> None:
    size = len(_encode(_document(statements)))
    if size > POLICY_SIZE_LIMIT:
        raise PolicyLengthExceeded(
            f"The final policy size ({size}) is bigger than the limit ({POLICY_SIZE_LIMIT})."
        )


def _check_revision(target: _Target, revision: str | None) -> None:
    if revision is not None and revision != target.revision:
        raise revision_mismatch()


def _policy_qualifier(qualifier: str | None) -> str:
    """The key part of a policy: $LATEST is the function itself, which is keyed by ""."""
    return "" if qualifier in (None, LATEST) else str(qualifier)


def _latest_as_function(ref: FunctionRef) -> FunctionRef:
    """RemovePermission and GetPolicy read $LATEST's policy as the function's own: AddPermission
    refuses $LATEST, so the unqualified function is where such a policy lives."""
    return ref.with_qualifier(None) if ref.qualifier == LATEST else ref
