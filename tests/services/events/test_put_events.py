"""PutEvents end to end: entry validation, pattern matching, target input, bus to bus, dead
letters. Expected answers are AWS's (localstack's AWS-recorded test_events_inputs snapshot and
AWS-validated PutEvents tests)."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.e2e.conftest import make_client
from tests.support.aws_errors import ACCOUNT, REGION
from tests.support.server import LambdaliteServer

from .conftest import Queue

# localstack's recorded EVENT_DETAIL / TEST_EVENT_PATTERN (test_events_inputs snapshot).
DETAIL = {"command": "update-account", "payload": {"acc_id": "0a787ecb-4015", "sf_id": "baz"}}
SOURCE = "core.update-account-command"
_WIRINGS = itertools.count()


def entry(bus: str, detail: Any = DETAIL, **fields: Any) -> dict[str, Any]:
    return {
        "EventBusName": bus,
        "Source": SOURCE,
        "DetailType": SOURCE,
        "Detail": json.dumps(detail),
        **fields,
    }


class Wiring:
    """A bus with one rule whose one target is a fresh queue."""

    def __init__(
        self,
        events: Any,
        names: Callable[[str], str],
        queue: Callable[..., Queue],
        pattern: dict[str, Any],
        **target: Any,
    ) -> None:
        self.events = events
        self.bus = names(f"-bus{next(_WIRINGS)}")
        events.create_event_bus(Name=self.bus)
        self.rule = events.put_rule(
            Name="rule", EventBusName=self.bus, EventPattern=json.dumps(pattern)
        )["RuleArn"]
        self.queue = queue()
        events.put_targets(
            Rule="rule",
            EventBusName=self.bus,
            Targets=[{"Id": "target", "Arn": self.queue.arn, **target}],
        )

    def put(self, *details: Any) -> None:
        answer = self.events.put_events(Entries=[entry(self.bus, d) for d in details])
        assert answer["FailedEntryCount"] == 0


def test_entries_are_validated_one_by_one(events: Any) -> None:
    answer = events.put_events(
        Entries=[
            {"DetailType": "t", "Detail": "{}"},
            {"Source": "s", "Detail": "{}"},
            {"Source": "s", "DetailType": "t"},
            {"Source": "s", "DetailType": "t", "Detail": "not json"},
            {"Source": "s", "DetailType": "t", "Detail": "[1]"},
            {"Source": "aws.s3", "DetailType": "t", "Detail": "{}"},
            {"Source": "s", "DetailType": "t", "Detail": "{}", "EventBusName": "missing-bus"},
            {"Source": "s", "DetailType": "t", "Detail": "{}"},
        ]
    )
    assert answer["FailedEntryCount"] == 7
    assert answer["Entries"][:7] == [
        {
            "ErrorCode": "InvalidArgument",
            "ErrorMessage": "Parameter Source is not valid. Reason: Source is a required argument.",
        },
        {
            "ErrorCode": "InvalidArgument",
            "ErrorMessage": "Parameter DetailType is not valid. Reason: DetailType is a required argument.",
        },
        {
            "ErrorCode": "InvalidArgument",
            "ErrorMessage": "Parameter Detail is not valid. Reason: Detail is a required argument.",
        },
        {"ErrorCode": "MalformedDetail", "ErrorMessage": "Detail is malformed."},
        {"ErrorCode": "MalformedDetail", "ErrorMessage": "Detail is malformed."},
        {
            "ErrorCode": "NotAuthorizedForSourceException",
            "ErrorMessage": "Not authorized for the source.",
        },
        {
            "ErrorCode": "ResourceNotFoundException",
            "ErrorMessage": "Event bus missing-bus does not exist.",
        },
    ]
    assert set(answer["Entries"][7]) == {"EventId"}


def test_a_matching_event_reaches_the_target_as_the_envelope(
    events: Any, names: Callable[[str], str], queue: Callable[..., Queue]
) -> None:
    wiring = Wiring(events, names, queue, {"source": [SOURCE]})
    answer = events.put_events(Entries=[entry(wiring.bus, Resources=["arn:aws:s3:::bucket"])])
    [body] = wiring.queue.bodies(1)
    assert body == {
        "version": "0",
        "id": answer["Entries"][0]["EventId"],
        "detail-type": SOURCE,
        "source": SOURCE,
        "account": ACCOUNT,
        "time": body["time"],
        "region": REGION,
        "resources": ["arn:aws:s3:::bucket"],
        "detail": DETAIL,
    }


PATTERN_CASES: list[tuple[dict[str, Any], list[Any], list[Any]]] = [
    # (pattern on detail, details that match, details that do not)
    ({"k": [{"prefix": "ab"}]}, [{"k": "abc"}], [{"k": "xab"}, {"k": 1}]),
    ({"k": [{"suffix": ".png"}]}, [{"k": "a.png"}], [{"k": "a.png.x"}]),
    ({"k": [{"wildcard": "a*c"}]}, [{"k": "abbc"}], [{"k": "abcd"}]),
    ({"k": [{"anything-but": ["x", "y"]}]}, [{"k": "z"}], [{"k": "x"}, {}]),
    ({"k": [{"numeric": [">", 0, "<=", 5]}]}, [{"k": 5}, {"k": 0.5}], [{"k": 0}, {"k": "3"}]),
    ({"k": [{"exists": True}]}, [{"k": None}, {"k": [1]}], [{"j": 1}]),
    ({"k": [{"exists": False}]}, [{"j": 1}], [{"k": "v"}]),
    ({"ip": [{"cidr": "10.0.0.0/24"}]}, [{"ip": "10.0.0.255"}], [{"ip": "10.0.1.0"}]),
    ({"k": [{"equals-ignore-case": "HeLLo"}]}, [{"k": "hello"}], [{"k": "hell"}]),
    (
        {"$or": [{"a": [1]}, {"b": [{"prefix": "x"}]}]},
        [{"a": 1}, {"b": "xy"}],
        [{"a": 2, "b": "y"}],
    ),
    ({"list": ["v"]}, [{"list": ["u", "v"]}], [{"list": ["u"]}]),
]


@pytest.mark.parametrize("case", PATTERN_CASES)
def test_patterns_route_only_matching_events(
    events: Any,
    names: Callable[[str], str],
    queue: Callable[..., Queue],
    case: tuple[dict[str, Any], list[Any], list[Any]],
) -> None:
    pattern, matching, other = case
    wiring = Wiring(events, names, queue, {"detail": pattern}, InputPath="$.detail")
    wiring.put(*other, *matching)
    delivered = wiring.queue.bodies(len(matching))
    assert sorted(map(json.dumps, delivered)) == sorted(map(json.dumps, matching))
    wiring.queue.nothing_more()
    # TestEventPattern answers the same.
    for detail, expected in [(d, True) for d in matching] + [(d, False) for d in other]:
        event = {"id": "1", "source": SOURCE, "detail": detail}
        result = events.test_event_pattern(
            EventPattern=json.dumps({"detail": pattern}), Event=json.dumps(event)
        )
        assert result["Result"] is expected, detail


def test_input_and_input_path_replace_the_event(
    events: Any, names: Callable[[str], str], queue: Callable[..., Queue]
) -> None:
    constant = Wiring(events, names, queue, {"source": [SOURCE]}, Input='{"custom": "input"}')
    constant.put(DETAIL)
    assert constant.queue.bodies(1) == [{"custom": "input"}]
    leaf = Wiring(events, names, queue, {"source": [SOURCE]}, InputPath="$.detail.payload.sf_id")
    leaf.put(DETAIL)
    assert [m["Body"] for m in leaf.queue.messages(1)] == ['"baz"']


def test_input_transformer_fills_templates_as_aws_does(
    events: Any, names: Callable[[str], str], queue: Callable[..., Queue]
) -> None:
    paths = {"detail-type": "$.detail-type", "command": "$.detail.command", "missing": "$.x"}
    text = Wiring(
        events,
        names,
        queue,
        {"source": [SOURCE]},
        InputTransformer={
            "InputPathsMap": paths,
            "InputTemplate": '"Event of <detail-type> type, from detail <command><missing>"',
        },
    )
    text.put(DETAIL)
    assert [m["Body"] for m in text.queue.messages(1)] == [
        '"Event of core.update-account-command type, from detail update-account"'
    ]
    template = (
        '{"command": <command>, "rule": "<aws.events.rule-name>", "event": <aws.events.event>}'
    )
    structured = Wiring(
        events,
        names,
        queue,
        {"source": [SOURCE]},
        InputTransformer={"InputPathsMap": paths, "InputTemplate": template},
    )
    structured.put(DETAIL)
    [body] = structured.queue.bodies(1)
    assert body["command"] == "update-account" and body["rule"] == "rule"
    assert set(body["event"]) == {
        "id",
        "account",
        "detailType",
        "time",
        "source",
        "region",
        "resources",
        "version",
    }


def test_a_disabled_rule_delivers_nothing(
    events: Any, names: Callable[[str], str], queue: Callable[..., Queue]
) -> None:
    wiring = Wiring(events, names, queue, {"source": [SOURCE]}, InputPath="$.detail")
    events.disable_rule(Name="rule", EventBusName=wiring.bus)
    wiring.put({"n": 1})
    events.enable_rule(Name="rule", EventBusName=wiring.bus)
    wiring.put({"n": 2})
    assert wiring.queue.bodies(1) == [{"n": 2}]
    wiring.queue.nothing_more()


def test_a_bus_target_passes_the_event_on(
    events: Any, names: Callable[[str], str], queue: Callable[..., Queue]
) -> None:
    downstream = Wiring(events, names, queue, {"source": [SOURCE]})
    upstream = names("-up")
    events.create_event_bus(Name=upstream)
    events.put_rule(
        Name="fwd", EventBusName=upstream, EventPattern=json.dumps({"source": [SOURCE]})
    )
    bus_arn = f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/{downstream.bus}"
    events.put_targets(Rule="fwd", EventBusName=upstream, Targets=[{"Id": "b", "Arn": bus_arn}])
    events.put_events(Entries=[entry(upstream)])
    [body] = downstream.queue.bodies(1)
    assert (body["source"], body["detail"]) == (SOURCE, DETAIL)


def test_an_undeliverable_event_goes_to_the_dead_letter_queue(
    events: Any, sqs: Any, names: Callable[[str], str], queue: Callable[..., Queue]
) -> None:
    dead_letters = queue()
    wiring = Wiring(
        events,
        names,
        queue,
        {"source": [SOURCE]},
        DeadLetterConfig={"Arn": dead_letters.arn},
    )
    sqs.delete_queue(QueueUrl=wiring.queue.url)
    wiring.put(DETAIL)
    [message] = dead_letters.messages(1)
    assert json.loads(message["Body"])["detail"] == DETAIL
    attributes = {k: v["StringValue"] for k, v in message["MessageAttributes"].items()}
    assert attributes["RULE_ARN"] == wiring.rule
    assert attributes["TARGET_ARN"] == wiring.queue.arn
    assert attributes["ERROR_CODE"] == "NO_RESOURCE"
    assert attributes["ERROR_MESSAGE"]


def test_a_topic_target_publishes_the_event(
    server: LambdaliteServer,
    events: Any,
    names: Callable[[str], str],
    queue: Callable[..., Queue],
) -> None:
    sns = make_client(server.endpoint, "sns")
    subscriber = queue()
    topic = sns.create_topic(Name=names("-topic"))["TopicArn"]
    sns.subscribe(
        TopicArn=topic,
        Protocol="sqs",
        Endpoint=subscriber.arn,
        Attributes={"RawMessageDelivery": "true"},
    )
    bus = names("-bus")
    events.create_event_bus(Name=bus)
    events.put_rule(Name="r", EventBusName=bus, EventPattern=json.dumps({"source": [SOURCE]}))
    events.put_targets(
        Rule="r", EventBusName=bus, Targets=[{"Id": "t", "Arn": topic, "InputPath": "$.detail"}]
    )
    events.put_events(Entries=[entry(bus)])
    assert subscriber.bodies(1) == [DETAIL]


def test_a_loop_of_bus_targets_is_cut(
    events: Any, names: Callable[[str], str], queue: Callable[..., Queue]
) -> None:
    wiring = Wiring(events, names, queue, {"source": [SOURCE]}, InputPath="$.detail")
    own_arn = f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/{wiring.bus}"
    events.put_targets(
        Rule="rule", EventBusName=wiring.bus, Targets=[{"Id": "self", "Arn": own_arn}]
    )
    wiring.put({"n": 1})  # answers: the loop stops after a few buses
    assert len(wiring.queue.bodies(2)) >= 2
