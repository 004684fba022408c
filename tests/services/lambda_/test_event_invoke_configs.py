"""Event invoke configs through boto3: Put replaces, Update merges, every qualifier form, the
destination checks and AWS's errors (LocalStack's AWS-validated snapshot
TestLambdaEventInvokeConfig::test_lambda_eventinvokeconfig_exceptions, aws-recorded 24 and 28)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from tests.support.aws_errors import ACCOUNT, arn, error

NO_DESTINATIONS = {"OnSuccess": {}, "OnFailure": {}}
QUEUE = f"arn:aws:sqs:us-east-1:{ACCOUNT}:results"


def body(response: dict[str, Any]) -> dict[str, Any]:
    """The configuration without what changes on every call."""
    assert isinstance(response["LastModified"], datetime)
    return {k: v for k, v in response.items() if k not in ("ResponseMetadata", "LastModified")}


def no_config(name: str, qualifier: str = "$LATEST") -> tuple[str, str, int]:
    return (
        "ResourceNotFoundException",
        f"The function {arn(name, qualifier)} doesn't have an EventInvokeConfig",
        404,
    )


FUNCTION_MISSING = ("ResourceNotFoundException", "The function doesn't exist.", 404)


def test_put_replaces_and_update_merges(lam: Any, function: Callable[..., str]) -> None:
    name = function()
    put = lam.put_function_event_invoke_config(
        FunctionName=name, MaximumRetryAttempts=1, MaximumEventAgeInSeconds=600
    )
    assert put["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert body(put) == {
        "FunctionArn": arn(name, "$LATEST"),
        "DestinationConfig": NO_DESTINATIONS,
        "MaximumRetryAttempts": 1,
        "MaximumEventAgeInSeconds": 600,
    }
    got = lam.get_function_event_invoke_config(FunctionName=name)
    assert body(got) == body(put) and got["LastModified"] == put["LastModified"]

    replaced = lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0)
    assert body(replaced) == {
        "FunctionArn": arn(name, "$LATEST"),
        "DestinationConfig": NO_DESTINATIONS,
        "MaximumRetryAttempts": 0,
    }
    assert "MaximumEventAgeInSeconds" not in lam.get_function_event_invoke_config(FunctionName=name)

    lam.put_function_event_invoke_config(
        FunctionName=name, MaximumRetryAttempts=2, MaximumEventAgeInSeconds=60
    )
    updated = lam.update_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0)
    assert body(updated) == {
        "FunctionArn": arn(name, "$LATEST"),
        "DestinationConfig": NO_DESTINATIONS,
        "MaximumRetryAttempts": 0,
        "MaximumEventAgeInSeconds": 60,
    }
    with_queue = lam.update_function_event_invoke_config(
        FunctionName=name, DestinationConfig={"OnFailure": {"Destination": QUEUE}}
    )
    assert body(with_queue)["DestinationConfig"] == {
        "OnSuccess": {},
        "OnFailure": {"Destination": QUEUE},
    }
    assert body(with_queue)["MaximumEventAgeInSeconds"] == 60
    assert with_queue["LastModified"] >= put["LastModified"]
    got = lam.get_function_event_invoke_config(FunctionName=name, Qualifier="$LATEST")
    assert body(got) == body(with_queue)

    deleted = lam.delete_function_event_invoke_config(FunctionName=name)
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert error(lambda: lam.get_function_event_invoke_config(FunctionName=name)) == no_config(name)
    assert error(lambda: lam.delete_function_event_invoke_config(FunctionName=name)) == no_config(
        name
    )
    assert error(
        lambda: lam.update_function_event_invoke_config(
            FunctionName=arn(name), MaximumRetryAttempts=0
        )
    ) == no_config(name)


def test_every_qualifier_form(lam: Any, function: Callable[..., str]) -> None:
    name = function()
    lam.publish_version(FunctionName=name)
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    forms: list[tuple[dict[str, str], str]] = [
        ({"FunctionName": name, "Qualifier": "$LATEST"}, arn(name, "$LATEST")),
        ({"FunctionName": f"{name}:$LATEST", "Qualifier": "$LATEST"}, arn(name, "$LATEST")),
        ({"FunctionName": name, "Qualifier": "1"}, arn(name, "1")),
        ({"FunctionName": f"{name}:1"}, arn(name, "1")),
        ({"FunctionName": name, "Qualifier": "live"}, arn(name, "live")),
        ({"FunctionName": arn(name, "live")}, arn(name, "live")),
        ({"FunctionName": arn(name, "live"), "Qualifier": "live"}, arn(name, "live")),
        ({"FunctionName": f"{name}:live"}, arn(name, "live")),
    ]
    for reference, function_arn in forms:
        assert (
            lam.put_function_event_invoke_config(MaximumRetryAttempts=1, **reference)["FunctionArn"]
            == function_arn
        )
    mismatch = (
        "InvalidParameterValueException",
        "The derived qualifier from the function name does not match the specified qualifier.",
        400,
    )
    assert (
        error(
            lambda: lam.put_function_event_invoke_config(
                FunctionName=arn(name, "live"), Qualifier="other", MaximumRetryAttempts=1
            )
        )
        == mismatch
    )
    assert (
        error(
            lambda: lam.put_function_event_invoke_config(
                FunctionName=f"{name}:1", Qualifier="$LATEST", MaximumRetryAttempts=1
            )
        )
        == mismatch
    )
    assert (
        error(
            lambda: lam.put_function_event_invoke_config(
                FunctionName=name, Qualifier="nolive", MaximumRetryAttempts=1
            )
        )
        == FUNCTION_MISSING
    )
    assert (
        error(
            lambda: lam.put_function_event_invoke_config(
                FunctionName=name, Qualifier="9", MaximumRetryAttempts=1
            )
        )
        == FUNCTION_MISSING
    )

    listed = lam.list_function_event_invoke_configs(FunctionName=name)["FunctionEventInvokeConfigs"]
    assert [c["FunctionArn"] for c in listed] == [
        arn(name, "$LATEST"),
        arn(name, "1"),
        arn(name, "live"),
    ]
    assert all(
        c["MaximumRetryAttempts"] == 1 and c["DestinationConfig"] == NO_DESTINATIONS for c in listed
    )
    first = lam.list_function_event_invoke_configs(FunctionName=name, MaxItems=2)
    assert len(first["FunctionEventInvokeConfigs"]) == 2
    rest = lam.list_function_event_invoke_configs(FunctionName=name, Marker=first["NextMarker"])
    assert [c["FunctionArn"] for c in rest["FunctionEventInvokeConfigs"]] == [arn(name, "live")]

    # A version's or an alias's configuration goes with it.
    lam.delete_alias(FunctionName=name, Name="live")
    assert error(
        lambda: lam.get_function_event_invoke_config(FunctionName=name, Qualifier="live")
    ) == no_config(name, "live")
    for qualifier in ("$LATEST", "1"):
        lam.delete_function_event_invoke_config(FunctionName=name, Qualifier=qualifier)
    assert (
        lam.list_function_event_invoke_configs(FunctionName=name)["FunctionEventInvokeConfigs"]
        == []
    )


def test_destinations(lam: Any, function: Callable[..., str]) -> None:
    name, other = function(), function()
    accepted = [
        QUEUE,
        f"arn:aws:sns:us-east-1:{ACCOUNT}:topic",
        f"arn:aws:events:us-east-1:{ACCOUNT}:event-bus/default",
        arn(other),
        arn(other, "$LATEST"),
    ]
    for destination in accepted:
        put = lam.put_function_event_invoke_config(
            FunctionName=name,
            DestinationConfig={
                "OnSuccess": {"Destination": destination},
                "OnFailure": {"Destination": QUEUE},
            },
        )
        assert put["DestinationConfig"] == {
            "OnSuccess": {"Destination": destination},
            "OnFailure": {"Destination": QUEUE},
        }
    # A destination member without an ARN is accepted and answered empty.
    for member in ("OnSuccess", "OnFailure"):
        empty = lam.put_function_event_invoke_config(
            FunctionName=name, DestinationConfig={member: {}}
        )
        assert body(empty) == {
            "FunctionArn": arn(name, "$LATEST"),
            "DestinationConfig": NO_DESTINATIONS,
        }

    missing = arn("doesnotexist")
    assert error(
        lambda: lam.put_function_event_invoke_config(
            FunctionName=name, DestinationConfig={"OnSuccess": {"Destination": missing}}
        )
    ) == (
        "InvalidParameterValueException",
        f"The destination ARN {missing} is invalid.",
        400,
    )
    assert error(
        lambda: lam.put_function_event_invoke_config(
            FunctionName=name, DestinationConfig={"OnFailure": {"Destination": arn(other, "7")}}
        )
    )[1] == (f"The destination ARN {arn(other, '7')} is invalid.")
    assert error(
        lambda: lam.put_function_event_invoke_config(
            FunctionName=name, DestinationConfig={"OnSuccess": {"Destination": arn(name)}}
        )
    ) == (
        "InvalidParameterValueException",
        "You can't specify the function as a destination for itself.",
        400,
    )
    iam = arn(name).replace(":lambda:", ":iam:")
    assert error(
        lambda: lam.put_function_event_invoke_config(
            FunctionName=name, DestinationConfig={"OnSuccess": {"Destination": iam}}
        )
    ) == (
        "InvalidParameterValueException",
        "The provided destination config DestinationConfig("
        f"onSuccess=OnSuccess(destination={iam}), onFailure=null) is invalid.",
        400,
    )
    both = {"OnSuccess": {}, "OnFailure": {"Destination": iam}}
    assert error(
        lambda: lam.put_function_event_invoke_config(FunctionName=name, DestinationConfig=both)
    )[1] == (
        "The provided destination config DestinationConfig(onSuccess=OnSuccess(destination="
        f"null), onFailure=OnFailure(destination={iam})) is invalid."
    )
    rule = f"arn:aws:events:us-east-1:{ACCOUNT}:rule/nightly"
    assert error(
        lambda: lam.put_function_event_invoke_config(
            FunctionName=name, DestinationConfig={"OnSuccess": {"Destination": rule}}
        )
    )[1] == (f"The destination ARN {rule} is invalid.")
    bucket = "arn:aws:s3:::failed-events"
    code, message, _ = error(
        lambda: lam.put_function_event_invoke_config(
            FunctionName=name, DestinationConfig={"OnFailure": {"Destination": bucket}}
        )
    )
    assert (code, message) == (
        "InvalidParameterValueException",
        "An S3 bucket as OnFailure destination is not supported by lambdalite.",
    )
    bad = arn(name).replace(":lambda:", ":_-/!lambda:")
    code, message, _ = error(
        lambda: lam.put_function_event_invoke_config(
            FunctionName=name, DestinationConfig={"OnFailure": {"Destination": bad}}
        )
    )
    assert code == "ValidationException"
    assert message.startswith(
        f"1 validation error detected: Value '{bad}' at 'destinationConfig.onFailure.destination'"
    )
    # The last accepted configuration is still there: a refused Put changed nothing.
    assert (
        lam.get_function_event_invoke_config(FunctionName=name)["DestinationConfig"]
        == NO_DESTINATIONS
    )
    # Update checks the destinations too.
    assert error(
        lambda: lam.update_function_event_invoke_config(
            FunctionName=name, DestinationConfig={"OnSuccess": {"Destination": missing}}
        )
    )[1] == (f"The destination ARN {missing} is invalid.")


def test_settings_are_validated(lam: Any, function: Callable[..., str]) -> None:
    name = function()
    at_least_one = (
        "InvalidParameterValueException",
        "You must specify at least one of error handling or destination setting.",
        400,
    )
    assert (
        error(lambda: lam.put_function_event_invoke_config(FunctionName="doesnotexist"))
        == at_least_one
    )
    assert error(lambda: lam.update_function_event_invoke_config(FunctionName=name)) == at_least_one
    too_many = error(
        lambda: lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=3)
    )
    assert too_many[0] == "ValidationException"
    assert (
        "Value '3' at 'maximumRetryAttempts' failed to satisfy constraint: "
        "Member must have value less than or equal to 2" in too_many[1]
    )
    too_young = error(
        lambda: lam.put_function_event_invoke_config(FunctionName=name, MaximumEventAgeInSeconds=59)
    )
    assert (
        "Value '59' at 'maximumEventAgeInSeconds' failed to satisfy constraint: "
        "Member must have value greater than or equal to 60" in too_young[1]
    )
    too_old = error(
        lambda: lam.put_function_event_invoke_config(
            FunctionName=name, MaximumEventAgeInSeconds=21601
        )
    )
    assert too_old[0] == "ValidationException"
    extremes = lam.put_function_event_invoke_config(
        FunctionName=name, MaximumRetryAttempts=2, MaximumEventAgeInSeconds=21600
    )
    assert (extremes["MaximumRetryAttempts"], extremes["MaximumEventAgeInSeconds"]) == (2, 21600)


def test_missing_functions(lam: Any) -> None:
    missing = "doesnotexist"
    assert (
        error(
            lambda: lam.put_function_event_invoke_config(
                FunctionName=missing, MaximumRetryAttempts=1
            )
        )
        == FUNCTION_MISSING
    )
    assert (
        error(
            lambda: lam.put_function_event_invoke_config(
                FunctionName=arn(missing), MaximumRetryAttempts=1
            )
        )
        == FUNCTION_MISSING
    )
    assert (
        error(
            lambda: lam.update_function_event_invoke_config(
                FunctionName=missing, MaximumRetryAttempts=0
            )
        )
        == FUNCTION_MISSING
    )
    assert (
        error(lambda: lam.list_function_event_invoke_configs(FunctionName=missing))
        == FUNCTION_MISSING
    )
    assert error(lambda: lam.get_function_event_invoke_config(FunctionName=missing)) == no_config(
        missing
    )
    assert error(
        lambda: lam.get_function_event_invoke_config(FunctionName=missing, Qualifier="doesnotexist")
    ) == no_config(missing, "doesnotexist")
    assert error(
        lambda: lam.delete_function_event_invoke_config(FunctionName=missing)
    ) == no_config(missing)


def test_delete_function_drops_its_configs(lam: Any, function: Callable[..., str]) -> None:
    name = function()
    lam.publish_version(FunctionName=name)
    lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0)
    lam.put_function_event_invoke_config(FunctionName=name, Qualifier="1", MaximumRetryAttempts=0)
    lam.delete_function(FunctionName=name, Qualifier="1")
    assert error(
        lambda: lam.get_function_event_invoke_config(FunctionName=name, Qualifier="1")
    ) == no_config(name, "1")
    lam.delete_function(FunctionName=name)
    function(FunctionName=name, Publish=True)
    assert (
        lam.list_function_event_invoke_configs(FunctionName=name)["FunctionEventInvokeConfigs"]
        == []
    )
    assert error(lambda: lam.get_function_event_invoke_config(FunctionName=name)) == no_config(name)
