"""Recorded AWS scenario about resource policies (aws-recorded 40_permission_errors).

The recording leaves the test out; the scenario is localstack's
``TestLambdaPermissions::test_permission_exceptions`` (test_lambda_api.py lines 3957-4124),
replayed call by call in its order.
"""

from __future__ import annotations

from typing import Any

from .conftest import active_function
from .snapshot import Snapshot, recorded
from .test_functions import error_of

CASE = "40_permission_errors"
ACCOUNT = "000000000000"
BUCKET_ARN = "arn:aws:s3:::test-bucket"


def test_40_permission_errors(lam: Any, snapshot: Snapshot) -> None:
    name = "permission-errors-fn"
    active_function(lam, name)

    def add(**overrides: Any) -> dict[str, Any]:
        params = {
            "FunctionName": name,
            "Action": "lambda:InvokeFunction",
            "StatementId": "s3",
            "Principal": "s3.amazonaws.com",
            "SourceArn": BUCKET_ARN,
        }
        params.update(overrides)
        # None drops a member the localstack call leaves out.
        params = {key: value for key, value in params.items() if value is not None}
        return error_of(lambda: lam.add_permission(**params))

    def match(key: str, response: dict[str, Any]) -> None:
        snapshot.match(recorded(CASE, key), response)

    match("add_permission_invalid_statement_id", add(StatementId="example.com", SourceArn=None))
    match(
        "add_permission_fn_qualifier_mismatch",
        add(FunctionName=f"{name}:alias-not-42", Qualifier="42"),
    )
    match(
        "add_permission_fn_qualifier_latest",
        add(FunctionName=f"{name}:$LATEST", Qualifier="$LATEST"),
    )
    match(
        "add_permission_principal_invalid",
        add(
            StatementId="lambda",
            Principal="invalid.nonaws.com",
            SourceArn=None,
            SourceAccount=ACCOUNT,
        ),
    )
    match(
        "get_policy_fn_doesnotexist",
        error_of(lambda: lam.get_policy(FunctionName="doesnotexist")),
    )
    match(
        "get_policy_fn_version_doesnotexist",
        error_of(lambda: lam.get_policy(FunctionName=name, Qualifier="77")),
    )
    match("add_permission_fn_doesnotexist", add(FunctionName="doesnotexist"))
    match(
        "remove_permission_policy_doesnotexist",
        error_of(lambda: lam.remove_permission(FunctionName=name, StatementId="s3")),
    )
    match("add_permission_fn_alias_doesnotexist", add(FunctionName=f"{name}:alias-doesnotexist"))
    match("add_permission_fn_version_doesnotexist", add(Qualifier="42"))
    match("add_permission_fn_qualifier_invalid", add(Qualifier="invalid-qualifier-with-?-char"))
    match(
        "add_permission_fn_qualifier_valid_doesnotexist",
        add(Qualifier="valid-with-$-but-doesnotexist"),
    )

    lam.add_permission(
        FunctionName=name,
        Action="lambda:InvokeFunction",
        StatementId="s3",
        Principal="s3.amazonaws.com",
        SourceArn=BUCKET_ARN,
    )
    match("add_permission_conflicting_statement_id", add())
    match(
        "remove_permission_fn_doesnotexist",
        error_of(lambda: lam.remove_permission(FunctionName="doesnotexist", StatementId="s3")),
    )
    match(
        "remove_permission_fn_alias_doesnotexist",
        error_of(
            lambda: lam.remove_permission(
                FunctionName=name, StatementId="s3", Qualifier="alias-doesnotexist"
            )
        ),
    )
