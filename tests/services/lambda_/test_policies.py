"""AddPermission, RemovePermission, GetPolicy through boto3 against a live server.

Expected statement shapes are AWS's, as recorded in localstack's AWS-validated snapshots
(test_lambda_api.snapshot.json, TestLambdaPermissions::test_add_lambda_permission_fields,
test_lambda_permission_fn_versioning, test_lambda_permission_revisions).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.support.aws_errors import ACCOUNT, arn, error

REGION = "us-east-1"
BUCKET_ARN = "arn:aws:s3:::test-bucket"
INVOKE = "lambda:InvokeFunction"
PRECONDITION = (
    "The Revision Id provided does not match the latest Revision Id. "
    "Call the GetFunction/GetAlias API to retrieve the latest Revision Id"
)


def statement_of(response: dict[str, Any]) -> dict[str, Any]:
    return json.loads(response["Statement"])  # type: ignore[no-any-return]


def policy_of(lam: Any, name: str, qualifier: str | None = None) -> dict[str, Any]:
    extra = {"Qualifier": qualifier} if qualifier else {}
    return json.loads(lam.get_policy(FunctionName=name, **extra)["Policy"])  # type: ignore[no-any-return]


def grant(lam: Any, name: str, sid: str, **extra: Any) -> dict[str, Any]:
    params = {"Action": INVOKE, "Principal": "s3.amazonaws.com", "SourceArn": BUCKET_ARN}
    params.update(extra)
    return lam.add_permission(FunctionName=name, StatementId=sid, **params)  # type: ignore[no-any-return]


def not_found() -> tuple[str, str, int]:
    return ("ResourceNotFoundException", "The resource you requested does not exist.", 404)


# --- statement shapes --------------------------------------------------------------------------


def test_statement_shapes_per_principal_and_condition(
    lam: Any, function: Callable[..., str]
) -> None:
    name = function()
    resource = arn(name)
    wildcard = lam.add_permission(
        FunctionName=name,
        StatementId="wilcard",
        Action=INVOKE,
        Principal="*",
        SourceAccount=ACCOUNT,
    )
    assert wildcard["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert statement_of(wildcard) == {
        "Sid": "wilcard",
        "Effect": "Allow",
        "Principal": "*",
        "Action": INVOKE,
        "Resource": resource,
        "Condition": {"StringEquals": {"AWS:SourceAccount": ACCOUNT}},
    }
    service = lam.add_permission(
        FunctionName=name,
        StatementId="lambda",
        Action=INVOKE,
        Principal="lambda.amazonaws.com",
        SourceAccount=ACCOUNT,
    )
    assert statement_of(service)["Principal"] == {"Service": "lambda.amazonaws.com"}
    account = lam.add_permission(
        FunctionName=name, StatementId="account-id", Action=INVOKE, Principal="111122223333"
    )
    assert statement_of(account) == {
        "Sid": "account-id",
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
        "Action": INVOKE,
        "Resource": resource,
    }
    user = "arn:aws:iam::111122223333:user/someone"
    by_arn = lam.add_permission(
        FunctionName=name,
        StatementId="user-arn",
        Action=INVOKE,
        Principal=user,
        SourceAccount=ACCOUNT,
    )
    assert statement_of(by_arn)["Principal"] == {"AWS": user}


def test_all_optional_conditions_in_aws_order(lam: Any, function: Callable[..., str]) -> None:
    name = function()
    response = lam.add_permission(
        FunctionName=name,
        StatementId="urlPermission",
        Action="lambda:InvokeFunctionUrl",
        Principal="*",
        SourceArn=BUCKET_ARN,
        SourceAccount=ACCOUNT,
        PrincipalOrgID="o-1234567890",
        FunctionUrlAuthType="NONE",
    )
    # The raw string, not only the parsed dict: AWS's key order is part of the answer.
    assert response["Statement"] == json.dumps(
        {
            "Sid": "urlPermission",
            "Effect": "Allow",
            "Principal": "*",
            "Action": "lambda:InvokeFunctionUrl",
            "Resource": arn(name),
            "Condition": {
                "StringEquals": {
                    "lambda:FunctionUrlAuthType": "NONE",
                    "aws:PrincipalOrgID": "o-1234567890",
                    "AWS:SourceAccount": ACCOUNT,
                },
                "ArnLike": {"AWS:SourceArn": BUCKET_ARN},
            },
        },
        separators=(",", ":"),
    )


def test_event_source_token_and_invoked_via_url(lam: Any, function: Callable[..., str]) -> None:
    name = function()
    alexa = lam.add_permission(
        FunctionName=name,
        StatementId="alexaSkill",
        Action=INVOKE,
        Principal="*",
        EventSourceToken="amzn1.ask.skill.xxxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx",
    )
    assert statement_of(alexa)["Condition"] == {
        "StringEquals": {
            "lambda:EventSourceToken": "amzn1.ask.skill.xxxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
        }
    }
    via_url = lam.add_permission(
        FunctionName=name,
        StatementId="viaUrl",
        Action=INVOKE,
        Principal="*",
        InvokedViaFunctionUrl=True,
    )
    assert statement_of(via_url)["Condition"] == {"Bool": {"lambda:InvokedViaFunctionUrl": "true"}}


def test_bad_principal_and_url_auth_type_are_refused(
    lam: Any, function: Callable[..., str]
) -> None:
    name = function()
    assert error(
        lambda: lam.add_permission(
            FunctionName=name, StatementId="x", Action=INVOKE, Principal="bad.example.com"
        )
    ) == (
        "InvalidParameterValueException",
        "The provided principal was invalid. Please check the principal and try again.",
        400,
    )
    assert error(
        lambda: lam.add_permission(
            FunctionName=name,
            StatementId="x",
            Action=INVOKE,
            Principal="*",
            FunctionUrlAuthType="NONE",
        )
    ) == (
        "InvalidParameterValueException",
        "FunctionUrlAuthType is only supported for lambda:InvokeFunctionUrl action",
        400,
    )
    with pytest.raises(ClientError):
        policy_of(lam, name)


# --- the policy document, removal, revisions --------------------------------------------------


def test_get_policy_after_several_adds_and_removals(lam: Any, function: Callable[..., str]) -> None:
    name = function()
    assert error(lambda: lam.get_policy(FunctionName=name)) == not_found()
    grant(lam, name, "s3")
    grant(lam, name, "sqs", Principal="sqs.amazonaws.com")
    policy = policy_of(lam, name)
    assert [policy["Version"], policy["Id"]] == ["2012-10-17", "default"]
    assert [s["Sid"] for s in policy["Statement"]] == ["s3", "sqs"]
    assert policy["Statement"][1]["Principal"] == {"Service": "sqs.amazonaws.com"}

    assert error(lambda: lam.remove_permission(FunctionName=name, StatementId="non-existent")) == (
        "ResourceNotFoundException",
        "Statement non-existent is not found in resource policy.",
        404,
    )
    removed = lam.remove_permission(FunctionName=name, StatementId="sqs")
    assert removed["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert [s["Sid"] for s in policy_of(lam, name)["Statement"]] == ["s3"]
    lam.remove_permission(FunctionName=name, StatementId="s3")
    assert error(lambda: lam.get_policy(FunctionName=name)) == not_found()
    assert error(lambda: lam.remove_permission(FunctionName=name, StatementId="s3")) == (
        "ResourceNotFoundException",
        "No policy is associated with the given resource.",
        404,
    )


def test_policy_revision_is_the_function_revision(lam: Any, function: Callable[..., str]) -> None:
    name = function()
    before = lam.get_function(FunctionName=name)["Configuration"]["RevisionId"]
    grant(lam, name, "s3", RevisionId=before)
    revision = lam.get_policy(FunctionName=name)["RevisionId"]
    assert revision != before
    assert revision == lam.get_function(FunctionName=name)["Configuration"]["RevisionId"]

    stale = ("PreconditionFailedException", PRECONDITION, 412)
    assert error(lambda: grant(lam, name, "s3_2", RevisionId=before)) == stale
    assert (
        error(lambda: lam.remove_permission(FunctionName=name, StatementId="s3", RevisionId=before))
        == stale
    )
    grant(lam, name, "s3_2", RevisionId=revision)
    latest = lam.get_policy(FunctionName=name)["RevisionId"]
    lam.remove_permission(FunctionName=name, StatementId="s3", RevisionId=latest)
    assert [s["Sid"] for s in policy_of(lam, name)["Statement"]] == ["s3_2"]


def test_policy_size_limit(lam: Any, function: Callable[..., str]) -> None:
    name = function()
    long_arn = "arn:aws:s3:::" + "b" * 6000
    for sid in ("a", "b", "c"):
        grant(lam, name, sid, SourceArn=long_arn)
    code, message, status = error(lambda: grant(lam, name, "d", SourceArn=long_arn))
    assert (code, status) == ("PolicyLengthExceededException", 400)
    size = len(json.dumps(policy_of(lam, name), separators=(",", ":")))
    assert message.startswith("The final policy size (")
    assert message.endswith(") is bigger than the limit (20480).")
    assert int(message.split("(")[1].split(")")[0]) > 20480 > size
    assert [s["Sid"] for s in policy_of(lam, name)["Statement"]] == ["a", "b", "c"]


# --- qualifiers --------------------------------------------------------------------------------


def test_version_and_alias_policies_are_separate(lam: Any, function: Callable[..., str]) -> None:
    name = function()
    grant(lam, name, "s3")
    version = lam.publish_version(FunctionName=name)["Version"]
    assert error(lambda: lam.get_policy(FunctionName=name, Qualifier=version)) == not_found()

    # The same statement id again, on the version: ids are unique per policy, not per function.
    grant(lam, f"{name}:{version}", "s3", Qualifier=version)
    versioned = lam.get_policy(FunctionName=name, Qualifier=version)
    assert json.loads(versioned["Policy"])["Statement"][0]["Resource"] == arn(name, version)
    assert (
        versioned["RevisionId"]
        == lam.get_function(FunctionName=name, Qualifier=version)["Configuration"]["RevisionId"]
    )

    alias = lam.create_alias(FunctionName=name, Name="live", FunctionVersion=version)
    stale = ("PreconditionFailedException", PRECONDITION, 412)
    assert error(lambda: grant(lam, name, "s3", Qualifier="live", RevisionId="wrong")) == stale
    grant(lam, f"{name}:live", "s3", Qualifier="live", RevisionId=alias["RevisionId"])
    aliased = lam.get_policy(FunctionName=name, Qualifier="live")
    assert json.loads(aliased["Policy"])["Statement"][0]["Resource"] == arn(name, "live")
    assert aliased["RevisionId"] == lam.get_alias(FunctionName=name, Name="live")["RevisionId"]
    assert aliased["RevisionId"] != alias["RevisionId"]

    assert policy_of(lam, name)["Statement"][0]["Resource"] == arn(name)
    # An ARN naming the alias addresses the alias's policy as well.
    assert policy_of(lam, arn(name, "live"))["Statement"][0]["Resource"] == arn(name, "live")


def test_latest_is_refused_for_add_and_reads_the_function_policy(
    lam: Any, function: Callable[..., str]
) -> None:
    name = function()
    assert error(lambda: grant(lam, name, "s3", Qualifier="$LATEST")) == (
        "InvalidParameterValueException",
        "We currently do not support adding policies for $LATEST.",
        400,
    )
    grant(lam, name, "s3")
    assert policy_of(lam, name, "$LATEST") == policy_of(lam, name)
    lam.remove_permission(FunctionName=name, StatementId="s3", Qualifier="$LATEST")
    assert error(lambda: lam.get_policy(FunctionName=name)) == not_found()


def test_missing_alias_and_version(lam: Any, function: Callable[..., str]) -> None:
    name = function()
    assert error(lambda: grant(lam, name, "s3", Qualifier="nope")) == (
        "ResourceNotFoundException",
        f"Cannot find alias arn: {arn(name, 'nope')}",
        404,
    )
    assert error(lambda: grant(lam, name, "s3", Qualifier="7")) == (
        "ResourceNotFoundException",
        f"Function not found: {arn(name, '7')}",
        404,
    )
    assert error(lambda: lam.get_policy(FunctionName=name, Qualifier="nope")) == not_found()
    assert error(
        lambda: lam.remove_permission(FunctionName=name, StatementId="s3", Qualifier="7")
    ) == (
        "ResourceNotFoundException",
        f"Function not found: {arn(name, '7')}",
        404,
    )


# --- lifetimes ---------------------------------------------------------------------------------


def test_policies_go_with_the_function(lam: Any, function: Callable[..., str]) -> None:
    name = function()
    grant(lam, name, "s3")
    version = lam.publish_version(FunctionName=name)["Version"]
    grant(lam, name, "s3", Qualifier=version)
    lam.delete_function(FunctionName=name)
    assert error(lambda: lam.get_policy(FunctionName=name)) == not_found()

    function(FunctionName=name)
    assert lam.publish_version(FunctionName=name)["Version"] == version
    assert error(lambda: lam.get_policy(FunctionName=name)) == not_found()
    assert error(lambda: lam.get_policy(FunctionName=name, Qualifier=version)) == not_found()


def test_policies_go_with_their_version_and_alias(lam: Any, function: Callable[..., str]) -> None:
    name = function()
    first = lam.publish_version(FunctionName=name)["Version"]
    grant(lam, name, "s3", Qualifier=first)
    lam.delete_function(FunctionName=name, Qualifier=first)
    assert error(lambda: lam.get_policy(FunctionName=name, Qualifier=first)) == not_found()

    lam.update_function_configuration(FunctionName=name, Description="second")
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    second = lam.publish_version(FunctionName=name)["Version"]
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion=second)
    grant(lam, name, "s3", Qualifier="live")
    lam.delete_alias(FunctionName=name, Name="live")
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion=second)
    assert error(lambda: lam.get_policy(FunctionName=name, Qualifier="live")) == not_found()
