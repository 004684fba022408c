"""Reserved and provisioned concurrency through boto3: limits, versions and aliases, the account
settings, AWS's errors, and the execution layer's hand-over (mark_provisioned_ready)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from lambdalite.config import Settings
from lambdalite.services.lambda_.provider import LambdaProvider
from lambdalite.services.platform import Platform
from lambdalite.store import Scope, Store
from tests.e2e.conftest import make_client
from tests.support.aws_errors import ACCOUNT, arn, error
from tests.support.server import running_server

from .conftest import ROLE, handler_zip

BELOW_MINIMUM = (
    "Specified {} for function decreases account's UnreservedConcurrentExecution "
    "below its minimum value of [100]."
)


def unreserved(lam: Any) -> int:
    return int(lam.get_account_settings()["AccountLimit"]["UnreservedConcurrentExecutions"])


# --- reserved concurrency ----------------------------------------------------------------------


def test_reserve_read_and_release(lam: Any, function: Callable[..., str]) -> None:
    name = function()
    assert lam.get_function_concurrency(FunctionName=name).keys() == {"ResponseMetadata"}
    assert "Concurrency" not in lam.get_function(FunctionName=name)
    put = lam.put_function_concurrency(FunctionName=arn(name), ReservedConcurrentExecutions=5)
    assert (put["ResponseMetadata"]["HTTPStatusCode"], put["ReservedConcurrentExecutions"]) == (
        200,
        5,
    )
    assert lam.get_function_concurrency(FunctionName=name)["ReservedConcurrentExecutions"] == 5
    assert lam.get_function(FunctionName=name)["Concurrency"] == {"ReservedConcurrentExecutions": 5}
    # The reservation belongs to the function: every version shows it.
    lam.publish_version(FunctionName=name)
    assert lam.get_function(FunctionName=name, Qualifier="1")["Concurrency"] == {
        "ReservedConcurrentExecutions": 5
    }
    deleted = lam.delete_function_concurrency(FunctionName=name)
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert lam.get_function_concurrency(FunctionName=name).keys() == {"ResponseMetadata"}
    assert "Concurrency" not in lam.get_function(FunctionName=name)


def test_reservation_survives_configuration_updates(lam: Any, function: Callable[..., str]) -> None:
    name = function()
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=3)
    lam.update_function_configuration(FunctionName=name, Description="changed")
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    assert lam.get_function_concurrency(FunctionName=name)["ReservedConcurrentExecutions"] == 3
    lam.delete_function_concurrency(FunctionName=name)


def test_account_settings_reflect_reservations(lam: Any, function: Callable[..., str]) -> None:
    name = function()
    before = unreserved(lam)
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=7)
    assert unreserved(lam) == before - 7
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=2)
    assert unreserved(lam) == before - 2
    lam.delete_function_concurrency(FunctionName=name)
    assert unreserved(lam) == before
    assert lam.get_account_settings()["AccountLimit"]["ConcurrentExecutions"] == 1000


def test_at_least_100_stay_unreserved(lam: Any, function: Callable[..., str]) -> None:
    first, second = function(), function()
    free = unreserved(lam)
    assert error(
        lambda: lam.put_function_concurrency(
            FunctionName=first, ReservedConcurrentExecutions=free - 99
        )
    ) == (
        "InvalidParameterValueException",
        BELOW_MINIMUM.format("ReservedConcurrentExecutions"),
        400,
    )
    assert error(
        lambda: lam.put_function_concurrency(FunctionName=first, ReservedConcurrentExecutions=5000)
    )[1] == BELOW_MINIMUM.format("ReservedConcurrentExecutions")
    lam.put_function_concurrency(FunctionName=first, ReservedConcurrentExecutions=free - 100)
    # A function may move its own reservation within what it holds; others get nothing more.
    lam.put_function_concurrency(FunctionName=first, ReservedConcurrentExecutions=free - 100)
    assert (
        error(
            lambda: lam.put_function_concurrency(
                FunctionName=second, ReservedConcurrentExecutions=1
            )
        )[0]
        == "InvalidParameterValueException"
    )
    lam.put_function_concurrency(FunctionName=second, ReservedConcurrentExecutions=0)
    lam.delete_function_concurrency(FunctionName=first)
    lam.delete_function_concurrency(FunctionName=second)
    assert unreserved(lam) == free


def test_concurrent_reservations_cannot_overcommit(lam: Any, function: Callable[..., str]) -> None:
    names = [function() for _ in range(4)]
    share = unreserved(lam) - 100

    def reserve(name: str) -> bool:
        try:
            lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=share)
        except ClientError as refused:
            assert refused.response["Error"]["Code"] == "InvalidParameterValueException"
            return False
        return True

    with ThreadPoolExecutor(len(names)) as pool:
        granted = list(pool.map(reserve, names))
    assert granted.count(True) == 1
    assert unreserved(lam) == 100
    lam.delete_function_concurrency(FunctionName=names[granted.index(True)])


def test_concurrent_changes_of_one_function_all_apply(
    lam: Any, function: Callable[..., str]
) -> None:
    name = function()
    with ThreadPoolExecutor(8) as pool:
        answers = list(
            pool.map(
                lambda n: lam.put_function_concurrency(
                    FunctionName=name, ReservedConcurrentExecutions=n
                ),
                range(1, 9),
            )
        )
    assert sorted(a["ReservedConcurrentExecutions"] for a in answers) == list(range(1, 9))
    assert lam.get_function_concurrency(FunctionName=name)["ReservedConcurrentExecutions"] in range(
        1, 9
    )
    lam.delete_function_concurrency(FunctionName=name)


def test_reserved_concurrency_errors(lam: Any, function: Callable[..., str]) -> None:
    name = function()
    # AWS names $LATEST for Put only (LocalStack's AWS-validated snapshots, aws-recorded 02).
    assert error(
        lambda: lam.put_function_concurrency(
            FunctionName="doesnotexist", ReservedConcurrentExecutions=1
        )
    ) == (
        "ResourceNotFoundException",
        f"Function not found: {arn('doesnotexist', '$LATEST')}",
        404,
    )
    assert (
        error(
            lambda: lam.put_function_concurrency(
                FunctionName="doesnotexist", ReservedConcurrentExecutions=100000
            )
        )[0]
        == "ResourceNotFoundException"
    )
    assert error(lambda: lam.get_function_concurrency(FunctionName="doesnotexist")) == (
        "ResourceNotFoundException",
        f"Function not found: {arn('doesnotexist')}",
        404,
    )
    assert error(lambda: lam.delete_function_concurrency(FunctionName="doesnotexist"))[:2] == (
        "ResourceNotFoundException",
        f"Function not found: {arn('doesnotexist')}",
    )
    functions_only = (
        "InvalidParameterValueException",
        "This operation is permitted on Lambda functions only. Aliases and versions do not "
        "support this operation. Please specify either a function name or an unqualified "
        "function ARN.",
        400,
    )
    assert (
        error(
            lambda: lam.put_function_concurrency(
                FunctionName=arn(name, "$LATEST"), ReservedConcurrentExecutions=0
            )
        )
        == functions_only
    )
    assert error(lambda: lam.get_function_concurrency(FunctionName=f"{name}:1")) == functions_only
    code, message, status = error(
        lambda: lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=-1)
    )
    assert (code, status) == ("ValidationException", 400)
    assert "Value '-1' at 'reservedConcurrentExecutions' failed to satisfy constraint" in message


def test_delete_function_drops_its_concurrency(lam: Any, function: Callable[..., str]) -> None:
    name = function()
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=4)
    lam.publish_version(FunctionName=name)
    lam.put_provisioned_concurrency_config(
        FunctionName=name, Qualifier="1", ProvisionedConcurrentExecutions=2
    )
    before = unreserved(lam)
    lam.delete_function(FunctionName=name)
    assert unreserved(lam) == before + 4
    function(FunctionName=name)
    lam.publish_version(FunctionName=name)
    assert lam.get_function_concurrency(FunctionName=name).keys() == {"ResponseMetadata"}
    assert (
        lam.list_provisioned_concurrency_configs(FunctionName=name)["ProvisionedConcurrencyConfigs"]
        == []
    )
    assert error(lambda: lam.get_provisioned_concurrency_config(FunctionName=name, Qualifier="1"))[
        0
    ] == ("ProvisionedConcurrencyConfigNotFoundException")


# --- provisioned concurrency -------------------------------------------------------------------


def provisioned_fields(response: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in response.items() if k not in ("ResponseMetadata", "LastModified")}


def test_provisioned_concurrency_on_a_version(lam: Any, function: Callable[..., str]) -> None:
    name = function()
    lam.publish_version(FunctionName=name)
    put = lam.put_provisioned_concurrency_config(
        FunctionName=name, Qualifier="1", ProvisionedConcurrentExecutions=2
    )
    assert put["ResponseMetadata"]["HTTPStatusCode"] == 202
    in_progress = {
        "RequestedProvisionedConcurrentExecutions": 2,
        "AvailableProvisionedConcurrentExecutions": 0,
        "AllocatedProvisionedConcurrentExecutions": 0,
        "Status": "IN_PROGRESS",
    }
    assert provisioned_fields(put) == in_progress
    assert put["LastModified"].endswith("+0000")
    got = lam.get_provisioned_concurrency_config(FunctionName=arn(name, "1"), Qualifier="1")
    assert provisioned_fields(got) == in_progress and got["LastModified"] == put["LastModified"]
    listed = lam.list_provisioned_concurrency_configs(FunctionName=name)[
        "ProvisionedConcurrencyConfigs"
    ]
    assert listed == [
        {"FunctionArn": arn(name, "1"), "LastModified": put["LastModified"], **in_progress}
    ]
    # Nothing is READY before the execution layer has started environments.
    assert (
        lam.get_provisioned_concurrency_config(FunctionName=name, Qualifier="1")["Status"]
        == "IN_PROGRESS"
    )
    changed = lam.put_provisioned_concurrency_config(
        FunctionName=f"{name}:1", Qualifier="1", ProvisionedConcurrentExecutions=3
    )
    assert changed["RequestedProvisionedConcurrentExecutions"] == 3
    assert (
        lam.delete_provisioned_concurrency_config(FunctionName=name, Qualifier="1")[
            "ResponseMetadata"
        ]["HTTPStatusCode"]
        == 204
    )
    assert error(
        lambda: lam.get_provisioned_concurrency_config(FunctionName=name, Qualifier="1")
    ) == (
        "ProvisionedConcurrencyConfigNotFoundException",
        "No Provisioned Concurrency Config found for this function",
        404,
    )
    # Deleting what is not there is no error (LocalStack's AWS-validated snapshot).
    assert (
        lam.delete_provisioned_concurrency_config(FunctionName=name, Qualifier="1")[
            "ResponseMetadata"
        ]["HTTPStatusCode"]
        == 204
    )
    assert (
        lam.list_provisioned_concurrency_configs(FunctionName=name)["ProvisionedConcurrencyConfigs"]
        == []
    )


def test_provisioned_concurrency_on_aliases(lam: Any, function: Callable[..., str]) -> None:
    name = function()
    lam.publish_version(FunctionName=name)
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    lam.put_provisioned_concurrency_config(
        FunctionName=name, Qualifier="1", ProvisionedConcurrentExecutions=1
    )
    assert error(
        lambda: lam.put_provisioned_concurrency_config(
            FunctionName=name, Qualifier="live", ProvisionedConcurrentExecutions=1
        )
    ) == (
        "ResourceConflictException",
        "Alias can't be used for Provisioned Concurrency configuration on an already "
        "Provisioned version",
        409,
    )
    lam.delete_provisioned_concurrency_config(FunctionName=name, Qualifier="1")
    on_alias = lam.put_provisioned_concurrency_config(
        FunctionName=arn(name, "live"), Qualifier="live", ProvisionedConcurrentExecutions=1
    )
    assert on_alias["Status"] == "IN_PROGRESS"
    assert error(
        lambda: lam.put_provisioned_concurrency_config(
            FunctionName=name, Qualifier="1", ProvisionedConcurrentExecutions=1
        )
    ) == (
        "ResourceConflictException",
        "Version is pointed by a Provisioned Concurrency alias",
        409,
    )
    listed = lam.list_provisioned_concurrency_configs(FunctionName=name)[
        "ProvisionedConcurrencyConfigs"
    ]
    assert [item["FunctionArn"] for item in listed] == [arn(name, "live")]
    # Deleting the alias deletes its configuration (LocalStack's AWS-validated snapshot).
    lam.delete_alias(FunctionName=name, Name="live")
    assert error(
        lambda: lam.get_provisioned_concurrency_config(FunctionName=name, Qualifier="live")
    )[:2] == (
        "ResourceNotFoundException",
        f"Cannot find alias arn: {arn(name, 'live')}",
    )
    assert (
        lam.list_provisioned_concurrency_configs(FunctionName=name)["ProvisionedConcurrencyConfigs"]
        == []
    )
    lam.create_alias(FunctionName=name, Name="latest", FunctionVersion="$LATEST")
    assert error(
        lambda: lam.put_provisioned_concurrency_config(
            FunctionName=name, Qualifier="latest", ProvisionedConcurrentExecutions=1
        )
    )[:2] == (
        "InvalidParameterValueException",
        "Provisioned Concurrency Configs cannot be applied to unpublished function versions.",
    )


def test_provisioned_concurrency_counts_against_the_reservation(
    lam: Any, function: Callable[..., str]
) -> None:
    name = function()
    for _ in range(2):
        lam.update_function_configuration(FunctionName=name, Description=f"v{_}")
        lam.get_waiter("function_updated_v2").wait(FunctionName=name)
        lam.publish_version(FunctionName=name)
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=2)
    over = (
        "Requested Provisioned Concurrency should not be greater than the "
        "reservedConcurrentExecution for function"
    )
    assert error(
        lambda: lam.put_provisioned_concurrency_config(
            FunctionName=name, Qualifier="1", ProvisionedConcurrentExecutions=3
        )
    ) == (
        "InvalidParameterValueException",
        over,
        400,
    )
    before = unreserved(lam)
    lam.put_provisioned_concurrency_config(
        FunctionName=name, Qualifier="1", ProvisionedConcurrentExecutions=2
    )
    assert unreserved(lam) == before  # inside the reservation
    assert (
        error(
            lambda: lam.put_provisioned_concurrency_config(
                FunctionName=name, Qualifier="2", ProvisionedConcurrentExecutions=1
            )
        )[1]
        == over
    )
    # Replacing a configuration counts its new value, not old plus new.
    lam.put_provisioned_concurrency_config(
        FunctionName=name, Qualifier="1", ProvisionedConcurrentExecutions=1
    )
    lam.put_provisioned_concurrency_config(
        FunctionName=name, Qualifier="2", ProvisionedConcurrentExecutions=1
    )
    lam.delete_function(FunctionName=name)


def test_provisioned_concurrency_without_reservation_uses_the_account_pool(
    lam: Any, function: Callable[..., str]
) -> None:
    name, other = function(), function()
    lam.publish_version(FunctionName=name)
    free = unreserved(lam)
    assert error(
        lambda: lam.put_provisioned_concurrency_config(
            FunctionName=name, Qualifier="1", ProvisionedConcurrentExecutions=free - 99
        )
    ) == (
        "InvalidParameterValueException",
        BELOW_MINIMUM.format("ConcurrentExecutions"),
        400,
    )
    lam.put_provisioned_concurrency_config(
        FunctionName=name, Qualifier="1", ProvisionedConcurrentExecutions=free - 100
    )
    # What the provisioned configuration holds is no longer free for reservations.
    assert error(
        lambda: lam.put_function_concurrency(FunctionName=other, ReservedConcurrentExecutions=1)
    )[1] == BELOW_MINIMUM.format("ReservedConcurrentExecutions")
    lam.delete_provisioned_concurrency_config(FunctionName=name, Qualifier="1")
    lam.put_function_concurrency(FunctionName=other, ReservedConcurrentExecutions=1)
    lam.delete_function_concurrency(FunctionName=other)


def test_provisioned_concurrency_errors(lam: Any, function: Callable[..., str]) -> None:
    name = function()
    lam.publish_version(FunctionName=name)
    cases: list[tuple[Callable[[], Any], tuple[str, str]]] = [
        (
            lambda: lam.put_provisioned_concurrency_config(
                FunctionName=name, Qualifier="$LATEST", ProvisionedConcurrentExecutions=1
            ),
            (
                "InvalidParameterValueException",
                "Provisioned Concurrency Configs cannot be applied to unpublished function "
                "versions.",
            ),
        ),
        (
            lambda: lam.get_provisioned_concurrency_config(FunctionName=name, Qualifier="$LATEST"),
            (
                "InvalidParameterValueException",
                "The function resource provided must be an alias or a published version.",
            ),
        ),
        (
            lambda: lam.delete_provisioned_concurrency_config(
                FunctionName=f"{name}:$LATEST", Qualifier="$LATEST"
            ),
            (
                "InvalidParameterValueException",
                "The function resource provided must be an alias or a published version.",
            ),
        ),
        (
            lambda: lam.put_provisioned_concurrency_config(
                FunctionName=name, Qualifier="10", ProvisionedConcurrentExecutions=1
            ),
            ("ResourceNotFoundException", f"Function not found: {arn(name, '10')}"),
        ),
        (
            lambda: lam.get_provisioned_concurrency_config(FunctionName=name, Qualifier="noalias"),
            ("ResourceNotFoundException", f"Cannot find alias arn: {arn(name, 'noalias')}"),
        ),
        (
            lambda: lam.get_provisioned_concurrency_config(
                FunctionName="doesnotexist", Qualifier="noalias"
            ),
            (
                "ResourceNotFoundException",
                f"Cannot find alias arn: {arn('doesnotexist', 'noalias')}",
            ),
        ),
        (
            lambda: lam.delete_provisioned_concurrency_config(
                FunctionName="doesnotexist", Qualifier="1"
            ),
            ("ResourceNotFoundException", f"Function not found: {arn('doesnotexist', '1')}"),
        ),
        (
            lambda: lam.list_provisioned_concurrency_configs(FunctionName="doesnotexist"),
            ("ResourceNotFoundException", f"Function not found: {arn('doesnotexist')}"),
        ),
        (
            lambda: lam.get_provisioned_concurrency_config(FunctionName=name, Qualifier="1"),
            (
                "ProvisionedConcurrencyConfigNotFoundException",
                "No Provisioned Concurrency Config found for this function",
            ),
        ),
        (
            lambda: lam.put_provisioned_concurrency_config(
                FunctionName=name, Qualifier="1", ProvisionedConcurrentExecutions=0
            ),
            (
                "ValidationException",
                "1 validation error detected: Value '0' at 'provisionedConcurrentExecutions' "
                "failed to satisfy constraint: Member must have value greater than or equal to 1",
            ),
        ),
    ]
    for call, expected in cases:
        assert error(call)[:2] == expected


def test_provisioned_concurrency_list_pages(lam: Any, function: Callable[..., str]) -> None:
    name = function()
    for number in range(3):
        lam.update_function_configuration(FunctionName=name, Description=f"v{number}")
        lam.get_waiter("function_updated_v2").wait(FunctionName=name)
        lam.publish_version(FunctionName=name)
        lam.put_provisioned_concurrency_config(
            FunctionName=name, Qualifier=str(number + 1), ProvisionedConcurrentExecutions=1
        )
    first = lam.list_provisioned_concurrency_configs(FunctionName=name, MaxItems=2)
    assert [c["FunctionArn"] for c in first["ProvisionedConcurrencyConfigs"]] == [
        arn(name, "1"),
        arn(name, "2"),
    ]
    rest = lam.list_provisioned_concurrency_configs(FunctionName=name, Marker=first["NextMarker"])
    assert [c["FunctionArn"] for c in rest["ProvisionedConcurrencyConfigs"]] == [arn(name, "3")]
    assert "NextMarker" not in rest
    lam.delete_function(FunctionName=name)


# --- the execution layer's hand-over -----------------------------------------------------------


def change_status(data_dir: Path, change: Callable[[LambdaProvider], Any]) -> Any:
    """Run ``change`` on a provider over ``data_dir`` while no server has it open."""
    settings = Settings(data_dir=data_dir)
    store = Store.open(settings.database_url, settings.durability)
    try:
        provider = LambdaProvider(Platform.build(settings, store))
        return asyncio.run(change(provider))
    finally:
        store.close()


def test_mark_provisioned_ready_and_failed(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    scope = Scope(ACCOUNT, "us-east-1")
    with running_server(data_dir) as server:
        lam = make_client(server.endpoint, "lambda")
        lam.create_function(
            FunctionName="warm",
            Runtime="python3.12",
            Role=ROLE,
            Handler="handler.handler",
            Code={"ZipFile": handler_zip()},
            Publish=True,
        )
        lam.get_waiter("function_active_v2").wait(FunctionName="warm")
        lam.put_provisioned_concurrency_config(
            FunctionName="warm", Qualifier="1", ProvisionedConcurrentExecutions=2
        )
        server.stop()

    assert (
        change_status(data_dir, lambda p: p.mark_provisioned_ready(scope, "warm", "1", 1)) is True
    )
    with running_server(data_dir) as server:
        lam = make_client(server.endpoint, "lambda")
        partly = lam.get_provisioned_concurrency_config(FunctionName="warm", Qualifier="1")
        assert (
            partly["Status"],
            partly["AllocatedProvisionedConcurrentExecutions"],
            partly["AvailableProvisionedConcurrentExecutions"],
        ) == ("IN_PROGRESS", 1, 1)
        server.stop()

    assert (
        change_status(data_dir, lambda p: p.mark_provisioned_ready(scope, "warm", "1", 2)) is True
    )
    assert (
        change_status(data_dir, lambda p: p.mark_provisioned_ready(scope, "warm", "7", 2)) is False
    )
    with running_server(data_dir) as server:
        lam = make_client(server.endpoint, "lambda")
        ready = lam.get_provisioned_concurrency_config(FunctionName="warm", Qualifier="1")
        assert (
            ready["Status"],
            ready["AllocatedProvisionedConcurrentExecutions"],
            ready["AvailableProvisionedConcurrentExecutions"],
        ) == ("READY", 2, 2)
        assert "StatusReason" not in ready
        # Asking for more starts over: IN_PROGRESS, the two environments still counted.
        more = lam.put_provisioned_concurrency_config(
            FunctionName="warm", Qualifier="1", ProvisionedConcurrentExecutions=3
        )
        assert (more["Status"], more["AllocatedProvisionedConcurrentExecutions"]) == (
            "IN_PROGRESS",
            2,
        )
        server.stop()

    reason = "FUNCTION_ERROR_INIT_FAILURE"
    assert (
        change_status(data_dir, lambda p: p.mark_provisioned_failed(scope, "warm", "1", reason))
        is True
    )
    with running_server(data_dir) as server:
        lam = make_client(server.endpoint, "lambda")
        failed = lam.get_provisioned_concurrency_config(FunctionName="warm", Qualifier="1")
        assert (failed["Status"], failed["StatusReason"]) == ("FAILED", reason)
        listed = lam.list_provisioned_concurrency_configs(FunctionName="warm")[
            "ProvisionedConcurrencyConfigs"
        ]
        assert listed[0]["StatusReason"] == reason
