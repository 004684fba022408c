"""EventBridge buses, rules and targets through boto3: shapes and AWS's refusals.

Expected answers are AWS's as recorded in localstack's AWS-validated EventBridge tests and
snapshots (quoted in lambdalite/services/events/*.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.support.aws_errors import ACCOUNT, REGION, error

from .conftest import Queue

PATTERN = json.dumps({"source": ["my.app"]})


def test_custom_buses_are_created_described_listed_and_deleted(
    events: Any, names: Callable[[str], str]
) -> None:
    name = names("")
    arn = events.create_event_bus(Name=name, Description="orders")["EventBusArn"]
    assert arn == f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/{name}"
    described = events.describe_event_bus(Name=name)
    assert described["Name"] == name and described["Arn"] == arn
    assert described["Description"] == "orders"
    assert events.describe_event_bus(Name=arn)["Name"] == name  # the ARN names it too
    listed = events.list_event_buses(NamePrefix=name)["EventBuses"]
    assert [bus["Name"] for bus in listed] == [name]
    assert error(lambda: events.create_event_bus(Name=name)) == (
        "ResourceAlreadyExistsException",
        f"Event bus {name} already exists.",
        400,
    )
    events.delete_event_bus(Name=name)
    events.delete_event_bus(Name=name)  # deleting what is gone succeeds
    assert error(lambda: events.describe_event_bus(Name=name)) == (
        "ResourceNotFoundException",
        f"Event bus {name} does not exist.",
        400,
    )


def test_the_default_bus_always_exists_and_cannot_be_deleted(events: Any) -> None:
    default = events.describe_event_bus()
    assert default["Name"] == "default"
    assert default["Arn"] == f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/default"
    assert "default" in [bus["Name"] for bus in events.list_event_buses()["EventBuses"]]
    assert error(lambda: events.delete_event_bus(Name="default")) == (
        "ValidationException",
        "Cannot delete event bus default.",
        400,
    )


def test_rules_are_described_and_listed_as_aws_answers(
    events: Any, names: Callable[[str], str]
) -> None:
    bus = names("-bus")
    events.create_event_bus(Name=bus)
    arn = events.put_rule(
        Name="r1", EventBusName=bus, EventPattern=PATTERN, Description="d", State="DISABLED"
    )["RuleArn"]
    assert arn == f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{bus}/r1"
    described = events.describe_rule(Name="r1", EventBusName=bus)
    del described["ResponseMetadata"]
    assert described == {
        "Name": "r1",
        "Arn": arn,
        "EventPattern": PATTERN,
        "State": "DISABLED",
        "Description": "d",
        "EventBusName": bus,
        "CreatedBy": ACCOUNT,
    }
    events.enable_rule(Name="r1", EventBusName=bus)
    [listed] = events.list_rules(EventBusName=bus)["Rules"]
    assert listed["State"] == "ENABLED" and "CreatedBy" not in listed
    assert error(lambda: events.describe_rule(Name="nope", EventBusName=bus)) == (
        "ResourceNotFoundException",
        f"Rule nope does not exist on EventBus {bus}.",
        400,
    )


def test_rules_are_listed_by_prefix_a_page_at_a_time(
    events: Any, names: Callable[[str], str]
) -> None:
    bus = names("-bus")
    events.create_event_bus(Name=bus)
    for index in range(5):
        events.put_rule(Name=f"page-{index}", EventBusName=bus, EventPattern=PATTERN)
    events.put_rule(Name="other", EventBusName=bus, EventPattern=PATTERN)
    seen, token = [], None
    while True:
        page = events.list_rules(
            EventBusName=bus, NamePrefix="page-", Limit=2, **({"NextToken": token} if token else {})
        )
        seen += [rule["Name"] for rule in page["Rules"]]
        token = page.get("NextToken")
        if not token:
            break
    assert seen == [f"page-{index}" for index in range(5)]


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ({}, "Parameter(s) ScheduleExpression or EventPattern must be specified."),
        ({"ScheduleExpression": "rate(1 minutes)"}, "Parameter ScheduleExpression is not valid."),
        ({"ScheduleExpression": "cron(0 1 * * * *)"}, "Parameter ScheduleExpression is not valid."),
    ],
)
def test_put_rule_refuses_bad_definitions(
    events: Any, arguments: dict[str, str], expected: str
) -> None:
    assert error(lambda: events.put_rule(Name="bad", **arguments)) == (
        "ValidationException",
        expected,
        400,
    )


def test_schedules_belong_to_the_default_bus(events: Any, names: Callable[[str], str]) -> None:
    bus = names("-bus")
    events.create_event_bus(Name=bus)
    refused = error(
        lambda: events.put_rule(Name="s", EventBusName=bus, ScheduleExpression="rate(1 minute)")
    )
    assert refused == (
        "ValidationException",
        "ScheduleExpression is supported only on the default event bus.",
        400,
    )


def test_an_invalid_pattern_is_refused_with_event_rulers_reason(events: Any) -> None:
    refused = error(lambda: events.put_rule(Name="bad", EventPattern='{"source": []}'))
    assert refused == (
        "InvalidEventPatternException",
        "Event pattern is not valid. Reason: Empty arrays are not allowed\n"
        ' at [Source: (String)"{"source": []}"; line: 1, column: 14]',
        400,
    )


def test_targets_are_put_listed_and_removed(
    events: Any, names: Callable[[str], str], queue: Callable[..., Queue]
) -> None:
    rule, target = names(""), queue()
    events.put_rule(Name=rule, EventPattern=PATTERN)
    answer = events.put_targets(
        Rule=rule,
        Targets=[
            {"Id": "a", "Arn": target.arn, "Input": '{"x": 1}'},
            {"Id": "b", "Arn": target.arn, "InputPath": "$.detail"},
        ],
    )
    assert (answer["FailedEntryCount"], answer["FailedEntries"]) == (0, [])
    events.put_targets(Rule=rule, Targets=[{"Id": "a", "Arn": target.arn}])  # replaces "a"
    listed = events.list_targets_by_rule(Rule=rule)["Targets"]
    assert listed == [
        {"Id": "a", "Arn": target.arn},
        {"Id": "b", "Arn": target.arn, "InputPath": "$.detail"},
    ]
    assert events.list_rule_names_by_target(TargetArn=target.arn)["RuleNames"] == [rule]
    assert error(lambda: events.delete_rule(Name=rule)) == (
        "ValidationException",
        "Rule can't be deleted since it has targets.",
        400,
    )
    events.remove_targets(Rule=rule, Ids=["a", "b"])
    assert events.list_targets_by_rule(Rule=rule)["Targets"] == []
    events.delete_rule(Name=rule)
    events.delete_rule(Name=rule)  # a rule that is gone is deleted again without complaint


def test_put_targets_refuses_contradictory_or_undeliverable_targets(
    events: Any, names: Callable[[str], str], queue: Callable[..., Queue]
) -> None:
    rule, target = names(""), queue()
    events.put_rule(Name=rule, EventPattern=PATTERN)

    def put(**fields: Any) -> tuple[str, str, int]:
        return error(lambda: events.put_targets(Rule=rule, Targets=[{"Id": "t", **fields}]))

    assert put(Arn=target.arn, Input="{}", InputPath="$.detail") == (
        "ValidationException",
        "Only one of Input, InputPath, or InputTransformer must be provided for target t.",
        400,
    )
    transformer = {"InputPathsMap": {"a": "$.detail.a"}, "InputTemplate": '"<a> <notdefinedkey>"'}
    assert put(Arn=target.arn, InputTransformer=transformer) == (
        "ValidationException",
        "InputTemplate for target t contains invalid placeholder notdefinedkey.",
        400,
    )
    fifo = queue(FifoQueue="true")
    assert put(Arn=fifo.arn) == (
        "ValidationException",
        "Parameter(s) SqsParameters must be specified for target: t.",
        400,
    )
    code, message, _ = put(Arn=f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:machine")
    assert code == "ValidationException" and "does not serve states targets" in message
    missing_rule = error(
        lambda: events.put_targets(Rule="nope", Targets=[{"Id": "t", "Arn": target.arn}])
    )
    assert missing_rule == (
        "ResourceNotFoundException",
        "Rule nope does not exist on EventBus default.",
        400,
    )


def test_rules_and_buses_carry_tags(events: Any, names: Callable[[str], str]) -> None:
    bus = names("-bus")
    bus_arn = events.create_event_bus(Name=bus, Tags=[{"Key": "team", "Value": "a"}])["EventBusArn"]
    rule_arn = events.put_rule(
        Name="r", EventBusName=bus, EventPattern=PATTERN, Tags=[{"Key": "k", "Value": "v"}]
    )["RuleArn"]
    assert events.list_tags_for_resource(ResourceARN=bus_arn)["Tags"] == [
        {"Key": "team", "Value": "a"}
    ]
    events.tag_resource(ResourceARN=rule_arn, Tags=[{"Key": "k2", "Value": "v2"}])
    events.untag_resource(ResourceARN=rule_arn, TagKeys=["k"])
    assert events.list_tags_for_resource(ResourceARN=rule_arn)["Tags"] == [
        {"Key": "k2", "Value": "v2"}
    ]


def test_deleting_a_bus_deletes_its_rules(events: Any, names: Callable[[str], str]) -> None:
    bus = names("-bus")
    events.create_event_bus(Name=bus)
    events.put_rule(Name="r", EventBusName=bus, EventPattern=PATTERN)
    events.delete_event_bus(Name=bus)
    events.create_event_bus(Name=bus)
    assert events.list_rules(EventBusName=bus)["Rules"] == []
