"""Recorded AWS scenarios about aliases (aws-recorded 10, 11, 12).

The calls follow the recorded tests (LocalStack's TestLambdaAlias::test_alias_lifecycle,
::test_notfound_and_invalid_routingconfigs and TestLambdaAliases::test_lambda_alias_moving).
"""

from __future__ import annotations

import json
from typing import Any

from tests.support.aws_errors import error_of

from .conftest import ROLE, handler_zip, zipped
from .snapshot import Snapshot, recorded


def two_versions(lam: Any, snapshot: Snapshot, case: str, name: str, **extra: Any) -> None:
    """Create the function (env testenv=staging), publish v1, switch to prod, publish v2."""
    created = lam.create_function(
        FunctionName=name,
        Handler="index.handler",
        Code={"ZipFile": handler_zip()},
        PackageType="Zip",
        Role=ROLE,
        Runtime="python3.12",
        Environment={"Variables": {"testenv": "staging"}},
        **extra,
    )
    snapshot.match(recorded(case, "create_response"), created)
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    snapshot.match(recorded(case, "publish_v1"), lam.publish_version(FunctionName=name))
    lam.update_function_configuration(
        FunctionName=name, Environment={"Variables": {"testenv": "prod"}}
    )
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    snapshot.match(recorded(case, "publish_v2"), lam.publish_version(FunctionName=name))


def test_10_alias_lifecycle(lam: Any, snapshot: Snapshot) -> None:
    case = "10_alias_lifecycle"
    name = "alias-lifecycle-fn"

    def check(key: str, response: Any) -> None:
        snapshot.match(recorded(case, key), response)

    two_versions(lam, snapshot, case, name)
    created = lam.create_alias(
        FunctionName=name,
        Name="aliasname1_1",
        FunctionVersion="1",
        Description="custom-alias",
        RoutingConfig={"AdditionalVersionWeights": {"2": 0.2}},
    )
    check("create_alias_1_1", created)
    check("get_alias_1_1", lam.get_alias(FunctionName=name, Name="aliasname1_1"))
    check("get_function_alias_1_1", lam.get_function(FunctionName=name, Qualifier="aliasname1_1"))
    check("get_function_byarn_alias_1_1", lam.get_function(FunctionName=created["AliasArn"]))
    check(
        "get_function_alias_notfound_exc",
        error_of(lambda: lam.get_function(FunctionName=name, Qualifier="aliasdoesnotexist")),
    )
    missing_arn = created["AliasArn"].replace("aliasname1_1", "aliasdoesnotexist")
    check(
        "get_function_alias_byarn_notfound_exc",
        error_of(lambda: lam.get_function(FunctionName=missing_arn)),
    )

    check(
        "create_alias_1_2",
        lam.create_alias(
            FunctionName=name, Name="aliasname1_2", FunctionVersion="1", Description="custom-alias"
        ),
    )
    check("get_alias_1_2", lam.get_alias(FunctionName=name, Name="aliasname1_2"))
    check(
        "create_alias_1_3",
        lam.create_alias(FunctionName=name, Name="aliasname1_3", FunctionVersion="1"),
    )
    check("get_alias_1_3", lam.get_alias(FunctionName=name, Name="aliasname1_3"))
    check(
        "create_alias_2",
        lam.create_alias(
            FunctionName=name, Name="aliasname2", FunctionVersion="2", Description="custom-alias"
        ),
    )
    check("get_alias_2", lam.get_alias(FunctionName=name, Name="aliasname2"))

    paginated = lam.get_paginator("list_aliases").paginate(
        FunctionName=name, PaginationConfig={"PageSize": 1}
    )
    check("list_aliases_for_fnname", paginated.build_full_result())

    # An empty AdditionalVersionWeights removes the routing.
    check(
        "update_alias_1_1",
        lam.update_alias(
            FunctionName=name,
            Name="aliasname1_1",
            RoutingConfig={"AdditionalVersionWeights": {}},
        ),
    )
    check("get_alias_1_1_after_update", lam.get_alias(FunctionName=name, Name="aliasname1_1"))
    check("list_aliases_for_fnname_after_update", lam.list_aliases(FunctionName=name))
    # An update without changes still gets a new RevisionId.
    check("update_alias_1_2", lam.update_alias(FunctionName=name, Name="aliasname1_2"))
    check("get_alias_1_2_after_update", lam.get_alias(FunctionName=name, Name="aliasname1_2"))
    check("list_aliases_for_fnname_after_update_2", lam.list_aliases(FunctionName=name))
    check("list_aliases_for_version", lam.list_aliases(FunctionName=name, FunctionVersion="1"))
    check("delete_alias_response", lam.delete_alias(FunctionName=name, Name="aliasname1_1"))
    check("list_aliases_for_fnname_afterdelete", lam.list_aliases(FunctionName=name))


def test_11_alias_errors(lam: Any, snapshot: Snapshot) -> None:
    case = "11_alias_errors"
    name = "alias-errors-fn"

    def check(key: str, response: Any) -> None:
        snapshot.match(recorded(case, key), response)

    def create(weights: dict[str, Any] | None, version: str = "1", **extra: Any) -> Any:
        routing = (
            {} if weights is None else {"RoutingConfig": {"AdditionalVersionWeights": weights}}
        )
        params = {"FunctionName": name, "Name": "custom", "FunctionVersion": version}
        return lam.create_alias(**{**params, **routing, **extra})

    two_versions(lam, snapshot, case, name, Publish=True)
    check("routing_config_exc_toomany", error_of(lambda: create({"1": 0.8, "2": 0.2})))
    check("routing_config_exc_toohigh", error_of(lambda: create({"2": 2})))
    check("routing_config_exc_subzero", error_of(lambda: create({"2": -1})))
    check("routing_config_exc_sameversion", error_of(lambda: create({"1": 0.5})))
    check("target_version_doesnotexist", error_of(lambda: create({"2": 0.5}, version="10")))
    check("routing_config_exc_version_doesnotexist", error_of(lambda: create({"10": 0.5})))
    check(
        "target_version_exc_version_latest",
        error_of(lambda: create({"1": 0.5}, version="$LATEST")),
    )
    check("routing_config_exc_version_latest", error_of(lambda: create({"$LATEST": 0.5})))
    check("create-alias-latest", create(None, version="$LATEST", Name="custom-latest"))
    check(
        "routing_config_exc_fn_doesnotexist",
        error_of(lambda: create({"2": 0.5}, FunctionName=f"{name}-unknown")),
    )
    check("create_alias_empty_routingconfig", create({}, Name="custom-empty-routingconfig"))
    check("create_alias_response", create({"2": 0.5}))
    check("routing_config_exc_already_exist", error_of(lambda: create({"2": 0.5})))
    check(
        "alias_does_not_exist_esc",
        error_of(lambda: lam.get_alias(FunctionName=name, Name="non-existent")),
    )


def versioned_zip(version_id: str) -> bytes:
    """The recorded tests' function: it answers its code's version and how it was invoked."""
    source = (
        f"VERSION = {version_id!r}\n\n"
        "def handler(event, context):\n"
        "    return {'version_id': VERSION, 'invoked_arn': context.invoked_function_arn,"
        " 'version_from_ctx': context.function_version}\n"
    )
    return zipped({"handler.py": source})


def invoked(lam: Any, **kwargs: Any) -> dict[str, Any]:
    response = lam.invoke(Payload=b"{}", **kwargs)
    response["Payload"] = json.loads(response["Payload"].read())
    return response  # type: ignore[no-any-return]


def test_12_invoke_through_alias(lam: Any, snapshot: Snapshot) -> None:
    case = "12_invoke_through_alias"
    name = "alias-moving-fn"

    def check(key: str, response: Any) -> None:
        snapshot.match(recorded(case, key), response)

    created = lam.create_function(
        FunctionName=name,
        Handler="handler.handler",
        Code={"ZipFile": versioned_zip("version1")},
        PackageType="Zip",
        Role=ROLE,
        Runtime="python3.12",
        Description="No version :(",
    )
    check("create_response", created)
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    first = lam.publish_version(FunctionName=name, Description="First version description :)")
    alias = lam.create_alias(FunctionName=name, FunctionVersion=first["Version"], Name="alias1")
    check("create_alias_response", alias)
    check("invocation_result_qualifier_v1", invoked(lam, FunctionName=name, Qualifier="alias1"))
    check("invocation_result_qualifier_v1_arn", invoked(lam, FunctionName=alias["AliasArn"]))

    check(
        "update_lambda_response",
        lam.update_function_code(FunctionName=name, ZipFile=versioned_zip("version2")),
    )
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    check(
        "invocation_result_qualifier_v1_after_update",
        invoked(lam, FunctionName=name, Qualifier="alias1"),
    )
    second = lam.publish_version(FunctionName=name, Description="Second version description :)")
    check("second_publish_response", second)
    check(
        "invocation_result_qualifier_v1_after_publish",
        invoked(lam, FunctionName=name, Qualifier="alias1"),
    )
    check(
        "update_alias_response",
        lam.update_alias(FunctionName=name, Name="alias1", FunctionVersion=second["Version"]),
    )
    check("invocation_result_qualifier_v2", invoked(lam, FunctionName=name, Qualifier="alias1"))
    check(
        "invocation_exc_not_existent",
        error_of(
            lambda: lam.invoke(FunctionName=name, Qualifier="non-existent-alias", Payload=b"{}")
        ),
    )
