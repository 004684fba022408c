"""EventBridge Scheduler's API through boto3: schedules and groups, defaults and refusals.

Refusals of expressions are AWS's, recorded in localstack's scheduler snapshot; "Schedule <name>
does not exist." is AWS's as quoted in aws/aws-sdk-js-v3#5720.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.support.aws_errors import ACCOUNT, REGION, error, error_of

from ..events.conftest import Queue
from .conftest import ROLE_ARN

WINDOW_OFF = {"Mode": "OFF"}


def create(scheduler: Any, name: str, target_arn: str, **fields: Any) -> str:
    fields.setdefault("ScheduleExpression", "rate(1 hour)")
    fields.setdefault("FlexibleTimeWindow", WINDOW_OFF)
    target = {"Arn": target_arn, "RoleArn": ROLE_ARN, **fields.pop("target", {})}
    return str(scheduler.create_schedule(Name=name, Target=target, **fields)["ScheduleArn"])


def test_a_schedule_is_described_with_aws_defaults(
    scheduler: Any, names: Callable[[str], str], queue: Callable[..., Queue]
) -> None:
    target, name = queue(), names("")
    arn = create(scheduler, name, target.arn, target={"Input": '{"k": "v"}'})
    assert arn == f"arn:aws:scheduler:{REGION}:{ACCOUNT}:schedule/default/{name}"
    described = scheduler.get_schedule(Name=name)
    created, modified = described.pop("CreationDate"), described.pop("LastModificationDate")
    assert isinstance(created, datetime) and modified >= created
    del described["ResponseMetadata"]
    assert described == {
        "Arn": arn,
        "Name": name,
        "GroupName": "default",
        "ScheduleExpression": "rate(1 hour)",
        "ScheduleExpressionTimezone": "UTC",
        "State": "ENABLED",
        "ActionAfterCompletion": "NONE",
        "FlexibleTimeWindow": {"Mode": "OFF"},
        "Target": {
            "Arn": target.arn,
            "RoleArn": ROLE_ARN,
            "Input": '{"k": "v"}',
            "RetryPolicy": {"MaximumEventAgeInSeconds": 86400, "MaximumRetryAttempts": 185},
        },
    }


def test_update_replaces_the_whole_definition(
    scheduler: Any, names: Callable[[str], str], queue: Callable[..., Queue]
) -> None:
    target, name = queue(), names("")
    create(scheduler, name, target.arn, Description="first", State="DISABLED")
    before = scheduler.get_schedule(Name=name)
    scheduler.update_schedule(
        Name=name,
        ScheduleExpression="rate(2 minute)",  # Scheduler takes the singular (AWS-validated)
        FlexibleTimeWindow={"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 5},
        Target={"Arn": target.arn, "RoleArn": ROLE_ARN},
    )
    after = scheduler.get_schedule(Name=name)
    assert after["CreationDate"] == before["CreationDate"]
    assert "Description" not in after and after["State"] == "ENABLED"
    assert after["FlexibleTimeWindow"] == {"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 5}


def test_schedules_are_listed_by_group_prefix_and_state(
    scheduler: Any, names: Callable[[str], str], queue: Callable[..., Queue]
) -> None:
    target, group = queue(), names("-group")
    scheduler.create_schedule_group(Name=group)
    create(scheduler, "a1", target.arn, GroupName=group)
    create(scheduler, "a2", target.arn, GroupName=group, State="DISABLED")
    create(scheduler, "b1", target.arn, GroupName=group)
    listed = scheduler.list_schedules(GroupName=group, NamePrefix="a")["Schedules"]
    assert [s["Name"] for s in listed] == ["a1", "a2"]
    assert set(listed[0]) == {
        "Arn",
        "Name",
        "GroupName",
        "State",
        "CreationDate",
        "LastModificationDate",
        "Target",
    }
    assert listed[0]["Target"] == {"Arn": target.arn}
    disabled = scheduler.list_schedules(GroupName=group, State="DISABLED")["Schedules"]
    assert [s["Name"] for s in disabled] == ["a2"]
    first = scheduler.list_schedules(GroupName=group, MaxResults=2)
    rest = scheduler.list_schedules(GroupName=group, NextToken=first["NextToken"])
    assert [s["Name"] for s in first["Schedules"] + rest["Schedules"]] == ["a1", "a2", "b1"]


def test_missing_and_duplicate_schedules_are_refused(
    scheduler: Any, names: Callable[[str], str], queue: Callable[..., Queue]
) -> None:
    target, name = queue(), names("")
    assert error(lambda: scheduler.get_schedule(Name=name)) == (
        "ResourceNotFoundException",
        f"Schedule {name} does not exist.",
        404,
    )
    assert error(lambda: scheduler.delete_schedule(Name=name))[0] == "ResourceNotFoundException"
    create(scheduler, name, target.arn)
    assert error(lambda: create(scheduler, name, target.arn)) == (
        "ConflictException",
        f"Schedule {name} already exists.",
        409,
    )
    scheduler.delete_schedule(Name=name)
    assert error(lambda: scheduler.get_schedule(Name=name))[0] == "ResourceNotFoundException"


@pytest.mark.parametrize(
    "expression",
    ["cron(0 1 * * * *)", "rate(10 seconds)", "rate( 10 minutes )", "at(2021-12-31T23:59:59Z)"],
)
def test_invalid_expressions_are_refused_as_aws_records(
    scheduler: Any, queue: Callable[..., Queue], expression: str
) -> None:
    target = queue()
    response = error_of(lambda: create(scheduler, "bad", target.arn, ScheduleExpression=expression))
    message = f"Invalid Schedule Expression {expression}."
    assert response["Error"] == {"Code": "ValidationException", "Message": message}
    assert response["Message"] == message
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_targets_lambdalite_cannot_invoke_are_refused(
    scheduler: Any, queue: Callable[..., Queue]
) -> None:
    for arn in (
        "arn:aws:scheduler:::aws-sdk:sqs:sendMessage",
        f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:machine",
        f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/s",
    ):
        code, message, status = error(lambda arn=arn: create(scheduler, "bad", arn))
        assert (code, status) == ("ValidationException", 400)
        assert "lambdalite" in message


def test_a_recurring_start_date_may_not_lie_far_in_the_past(
    scheduler: Any, queue: Callable[..., Queue]
) -> None:
    target = queue()
    long_ago = datetime.now(UTC) - timedelta(hours=1)
    assert error(lambda: create(scheduler, "bad", target.arn, StartDate=long_ago)) == (
        "ValidationException",
        "The StartDate you specify cannot be earlier than 5 minutes ago.",
        400,
    )


def test_groups_are_created_listed_tagged_and_deleted_with_their_schedules(
    scheduler: Any, names: Callable[[str], str], queue: Callable[..., Queue]
) -> None:
    target, group = queue(), names("-group")
    arn = scheduler.create_schedule_group(Name=group, Tags=[{"Key": "k", "Value": "v"}])[
        "ScheduleGroupArn"
    ]
    assert arn == f"arn:aws:scheduler:{REGION}:{ACCOUNT}:schedule-group/{group}"
    described = scheduler.get_schedule_group(Name=group)
    assert (described["Name"], described["State"], described["Arn"]) == (group, "ACTIVE", arn)
    assert error(lambda: scheduler.create_schedule_group(Name=group))[0] == "ConflictException"
    names_listed = [g["Name"] for g in scheduler.list_schedule_groups()["ScheduleGroups"]]
    assert "default" in names_listed and group in names_listed
    scheduler.tag_resource(ResourceArn=arn, Tags=[{"Key": "k2", "Value": "v2"}])
    scheduler.untag_resource(ResourceArn=arn, TagKeys=["k"])
    assert scheduler.list_tags_for_resource(ResourceArn=arn)["Tags"] == [
        {"Key": "k2", "Value": "v2"}
    ]
    create(scheduler, "inside", target.arn, GroupName=group)
    scheduler.delete_schedule_group(Name=group)
    assert error(lambda: scheduler.get_schedule_group(Name=group))[:3:2] == (
        "ResourceNotFoundException",
        404,
    )
    scheduler.create_schedule_group(Name=group)
    assert scheduler.list_schedules(GroupName=group)["Schedules"] == []


def test_a_schedule_in_a_missing_group_is_refused(
    scheduler: Any, queue: Callable[..., Queue]
) -> None:
    target = queue()
    code, _, status = error(lambda: create(scheduler, "s", target.arn, GroupName="no-such-group"))
    assert (code, status) == ("ResourceNotFoundException", 404)
