"""Aliases through boto3: what the AWS recordings (conformance/test_aliases.py) leave out."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.support.aws_errors import ACCOUNT, arn, error

REVISION_MISMATCH = (
    "The Revision Id provided does not match the latest Revision Id. "
    "Call the GetFunction/GetAlias API to retrieve the latest Revision Id"
)


def with_versions(lam: Any, function: Callable[..., str], count: int) -> str:
    """A function with ``count`` published versions (each with its own description)."""
    name = function()
    for number in range(1, count + 1):
        lam.update_function_configuration(FunctionName=name, Description=f"v{number}")
        lam.get_waiter("function_updated_v2").wait(FunctionName=name)
        assert lam.publish_version(FunctionName=name)["Version"] == str(number)
    return name


def names(response: dict[str, Any]) -> list[str]:
    return [alias["Name"] for alias in response["Aliases"]]


def test_list_aliases_pages_with_marker_and_max_items(
    lam: Any, function: Callable[..., str]
) -> None:
    name = with_versions(lam, function, 1)
    for alias in ("d", "a", "c", "b", "e"):
        lam.create_alias(FunctionName=name, Name=alias, FunctionVersion="1")
    first = lam.list_aliases(FunctionName=name, MaxItems=2)
    assert names(first) == ["a", "b"]
    second = lam.list_aliases(FunctionName=name, MaxItems=2, Marker=first["NextMarker"])
    assert names(second) == ["c", "d"]
    last = lam.list_aliases(FunctionName=name, MaxItems=2, Marker=second["NextMarker"])
    assert names(last) == ["e"] and "NextMarker" not in last
    everything = lam.get_paginator("list_aliases").paginate(
        FunctionName=name, PaginationConfig={"PageSize": 3}
    )
    assert names(everything.build_full_result()) == ["a", "b", "c", "d", "e"]


def test_list_aliases_filters_by_function_version(lam: Any, function: Callable[..., str]) -> None:
    name = with_versions(lam, function, 2)
    lam.create_alias(FunctionName=name, Name="one", FunctionVersion="1")
    # Routing to version 2 does not make an alias "of" version 2: only FunctionVersion counts.
    lam.create_alias(
        FunctionName=name,
        Name="one-routed",
        FunctionVersion="1",
        RoutingConfig={"AdditionalVersionWeights": {"2": 0.1}},
    )
    lam.create_alias(FunctionName=name, Name="two", FunctionVersion="2")
    lam.create_alias(FunctionName=name, Name="latest", FunctionVersion="$LATEST")
    assert names(lam.list_aliases(FunctionName=name, FunctionVersion="1")) == ["one", "one-routed"]
    assert names(lam.list_aliases(FunctionName=name, FunctionVersion="2")) == ["two"]
    assert names(lam.list_aliases(FunctionName=name, FunctionVersion="$LATEST")) == ["latest"]
    assert names(lam.list_aliases(FunctionName=name, FunctionVersion="3")) == []
    assert lam.list_aliases(FunctionName=function())["Aliases"] == []


def test_update_alias_checks_the_revision_id(lam: Any, function: Callable[..., str]) -> None:
    name = with_versions(lam, function, 2)
    created = lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    assert error(
        lambda: lam.update_alias(
            FunctionName=name, Name="live", FunctionVersion="2", RevisionId="wrong"
        )
    ) == ("PreconditionFailedException", REVISION_MISMATCH, 412)
    assert lam.get_alias(FunctionName=name, Name="live")["FunctionVersion"] == "1"
    updated = lam.update_alias(
        FunctionName=name, Name="live", FunctionVersion="2", RevisionId=created["RevisionId"]
    )
    assert updated["FunctionVersion"] == "2" and updated["RevisionId"] != created["RevisionId"]
    # The old revision is spent.
    spent = created["RevisionId"]
    assert error(lambda: lam.update_alias(FunctionName=name, Name="live", RevisionId=spent)) == (
        "PreconditionFailedException",
        REVISION_MISMATCH,
        412,
    )


def test_update_alias_changes_only_what_is_given(lam: Any, function: Callable[..., str]) -> None:
    name = with_versions(lam, function, 3)
    routing = {"AdditionalVersionWeights": {"2": 0.25}}
    lam.create_alias(
        FunctionName=name,
        Name="live",
        FunctionVersion="1",
        Description="blue",
        RoutingConfig=routing,
    )
    described = lam.update_alias(FunctionName=name, Name="live", Description="green")
    assert (described["FunctionVersion"], described["Description"]) == ("1", "green")
    assert described["RoutingConfig"] == routing
    rerouted = lam.update_alias(
        FunctionName=name, Name="live", RoutingConfig={"AdditionalVersionWeights": {"3": 0.5}}
    )
    assert rerouted["RoutingConfig"] == {"AdditionalVersionWeights": {"3": 0.5}}
    assert (rerouted["FunctionVersion"], rerouted["Description"]) == ("1", "green")
    # A kept routing to version 3 forbids moving the alias itself to version 3.
    assert error(lambda: lam.update_alias(FunctionName=name, Name="live", FunctionVersion="3")) == (
        "InvalidParameterValueException",
        "Invalid function version 3. Function version 3 is already included in routing "
        "configuration.",
        400,
    )
    moved = lam.update_alias(FunctionName=name, Name="live", FunctionVersion="3", RoutingConfig={})
    assert "RoutingConfig" not in moved and moved["FunctionVersion"] == "3"
    assert lam.get_alias(FunctionName=name, Name="live") | {"ResponseMetadata": None} == moved | {
        "ResponseMetadata": None
    }


def test_update_alias_refuses_what_create_refuses(lam: Any, function: Callable[..., str]) -> None:
    name = with_versions(lam, function, 2)
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    assert error(lambda: lam.update_alias(FunctionName=name, Name="live", FunctionVersion="9")) == (
        "ResourceNotFoundException",
        f"Function not found: {arn(name, '9')}",
        404,
    )
    to_missing = {"AdditionalVersionWeights": {"9": 0.5}}
    assert (
        error(lambda: lam.update_alias(FunctionName=name, Name="live", RoutingConfig=to_missing))[1]
        == f"Function not found: {arn(name, '9')}"
    )
    routed = {"AdditionalVersionWeights": {"2": 0.5}}
    assert error(
        lambda: lam.update_alias(
            FunctionName=name, Name="live", FunctionVersion="$LATEST", RoutingConfig=routed
        )
    ) == (
        "InvalidParameterValueException",
        "$LATEST is not supported for an alias pointing to more than 1 version",
        400,
    )
    assert error(lambda: lam.update_alias(FunctionName=name, Name="nope")) == (
        "ResourceNotFoundException",
        f"Alias not found: {arn(name, 'nope')}",
        404,
    )
    alias = lam.get_alias(FunctionName=name, Name="live")
    assert (alias["FunctionVersion"], "RoutingConfig" in alias) == ("1", False)


@pytest.mark.parametrize(
    "form",
    ["{name}", "{name}:live", f"{ACCOUNT}:function:{{name}}", arn("{name}"), arn("{name}", "live")],
    ids=["name", "qualified-name", "partial-arn", "arn", "alias-arn"],
)
def test_every_function_name_form_reaches_the_alias(
    lam: Any, function: Callable[..., str], form: str
) -> None:
    name = with_versions(lam, function, 1)
    reference = form.format(name=name)
    created = lam.create_alias(FunctionName=reference, Name="live", FunctionVersion="1")
    assert created["AliasArn"] == arn(name, "live")
    assert lam.get_alias(FunctionName=reference, Name="live")["AliasArn"] == arn(name, "live")
    assert names(lam.list_aliases(FunctionName=reference)) == ["live"]
    lam.update_alias(FunctionName=reference, Name="live", Description="via " + form)
    lam.delete_alias(FunctionName=reference, Name="live")
    assert lam.list_aliases(FunctionName=name)["Aliases"] == []


def test_alias_names_that_look_like_versions_are_refused(
    lam: Any, function: Callable[..., str]
) -> None:
    name = with_versions(lam, function, 1)
    code, message, status = error(
        lambda: lam.create_alias(FunctionName=name, Name="12", FunctionVersion="1")
    )
    assert (code, status) == ("ValidationException", 400)
    assert message == (
        "1 validation error detected: Value '12' at 'name' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)"
    )
    # Digits with anything else are a name.
    dated = lam.create_alias(FunctionName=name, Name="2024-01-01", FunctionVersion="1")
    assert dated["AliasArn"] == arn(name, "2024-01-01")


def test_delete_alias(lam: Any, function: Callable[..., str]) -> None:
    name = with_versions(lam, function, 1)
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    assert (
        lam.delete_alias(FunctionName=name, Name="live")["ResponseMetadata"]["HTTPStatusCode"]
        == 204
    )
    assert error(lambda: lam.get_alias(FunctionName=name, Name="live")) == (
        "ResourceNotFoundException",
        f"Cannot find alias arn: {arn(name, 'live')}",
        404,
    )
    assert error(lambda: lam.get_function(FunctionName=name, Qualifier="live"))[1] == (
        f"Function not found: {arn(name, 'live')}"
    )
    # Deleting what is not there: 204 for a missing alias, 404 for a missing function.
    gone = lam.delete_alias(FunctionName=name, Name="live")
    assert gone["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert error(lambda: lam.delete_alias(FunctionName=f"{name}-nope", Name="live")) == (
        "ResourceNotFoundException",
        f"Function not found: {arn(name + '-nope')}",
        404,
    )
    # The name is free again.
    assert lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")["Name"] == "live"


def test_alias_operations_on_a_missing_function(lam: Any) -> None:
    missing = "no-such-function-for-aliases"
    expected = ("ResourceNotFoundException", f"Function not found: {arn(missing)}", 404)
    assert error(lambda: lam.get_alias(FunctionName=missing, Name="live")) == expected
    assert error(lambda: lam.list_aliases(FunctionName=missing)) == expected
    assert error(lambda: lam.update_alias(FunctionName=missing, Name="live")) == expected
    assert error(
        lambda: lam.create_alias(FunctionName=missing, Name="live", FunctionVersion="$LATEST")
    ) == ("ResourceNotFoundException", f"Function not found: {arn(missing, '$LATEST')}", 404)


def test_aliases_disappear_with_their_function(lam: Any, function: Callable[..., str]) -> None:
    name = with_versions(lam, function, 1)
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    lam.create_alias(FunctionName=name, Name="edge", FunctionVersion="$LATEST")
    lam.delete_function(FunctionName=name)
    function(FunctionName=name)
    assert lam.list_aliases(FunctionName=name)["Aliases"] == []
    assert error(lambda: lam.get_alias(FunctionName=name, Name="live"))[1] == (
        f"Cannot find alias arn: {arn(name, 'live')}"
    )
    lam.publish_version(FunctionName=name)
    assert lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")["Name"] == "live"


def test_versions_an_alias_uses_cannot_be_deleted(lam: Any, function: Callable[..., str]) -> None:
    name = with_versions(lam, function, 2)
    lam.create_alias(
        FunctionName=name,
        Name="live",
        FunctionVersion="1",
        RoutingConfig={"AdditionalVersionWeights": {"2": 0.5}},
    )
    for version in ("1", "2"):
        assert error(lambda v=version: lam.delete_function(FunctionName=name, Qualifier=v)) == (
            "ResourceConflictException",
            "Unable to delete version because the following aliases reference it: [live]",
            409,
        )
    lam.update_alias(FunctionName=name, Name="live", RoutingConfig={"AdditionalVersionWeights": {}})
    lam.delete_function(FunctionName=name, Qualifier="2")
    assert [v["Version"] for v in lam.list_versions_by_function(FunctionName=name)["Versions"]] == [
        "$LATEST",
        "1",
    ]


def test_an_alias_of_latest_follows_latest(lam: Any, function: Callable[..., str]) -> None:
    name = function()
    lam.create_alias(FunctionName=name, Name="edge", FunctionVersion="$LATEST")
    lam.update_function_configuration(FunctionName=name, Description="changed")
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    config = lam.get_function(FunctionName=name, Qualifier="edge")["Configuration"]
    assert (config["Version"], config["Description"]) == ("$LATEST", "changed")
    assert config["FunctionArn"] == arn(name, "edge")
    by_arn = lam.get_function_configuration(FunctionName=arn(name, "edge"))
    assert by_arn["RevisionId"] == lam.get_function_configuration(FunctionName=name)["RevisionId"]


def test_get_function_by_alias_follows_the_alias(lam: Any, function: Callable[..., str]) -> None:
    name = with_versions(lam, function, 2)
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    assert lam.get_function_configuration(FunctionName=f"{name}:live")["Description"] == "v1"
    lam.update_alias(FunctionName=name, Name="live", FunctionVersion="2")
    config = lam.get_function_configuration(FunctionName=name, Qualifier="live")
    assert (config["Version"], config["Description"]) == ("2", "v2")
    assert config["FunctionArn"] == arn(name, "live")


def test_concurrent_creations_of_one_alias_make_one_alias(
    lam: Any, function: Callable[..., str]
) -> None:
    name = with_versions(lam, function, 1)

    def create(_: int) -> str:
        try:
            return str(
                lam.create_alias(FunctionName=name, Name="race", FunctionVersion="1")["RevisionId"]
            )
        except ClientError as failure:
            return str(failure.response["Error"]["Code"])

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(create, range(8)))
    winners = [outcome for outcome in outcomes if outcome != "ResourceConflictException"]
    assert len(winners) == 1
    assert lam.get_alias(FunctionName=name, Name="race")["RevisionId"] == winners[0]
