"""EventBridge Scheduler schedules firing, end to end, on a schedule clock 120 times real time.

A target receives ``Target.Input`` verbatim with the context attributes filled in
(AWS-BEHAVIOUR.md §4.7): no envelope. One-time schedules fire once, then go when their
ActionAfterCompletion is DELETE; recurring ones keep firing.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.conformance.conftest import ROLE, zipped
from tests.e2e.conftest import make_client
from tests.support.aws_errors import ACCOUNT, REGION
from tests.support.server import LambdaliteServer, running_server

from ..events.conftest import DEADLINE, FAST_CLOCK, Queue
from .conftest import ROLE_ARN

WINDOW_OFF = {"Mode": "OFF"}
CONTEXT = (
    '{"arn": "<aws.scheduler.schedule-arn>", "at": "<aws.scheduler.scheduled-time>", '
    '"execution": "<aws.scheduler.execution-id>", "attempt": "<aws.scheduler.attempt-number>"}'
)
FORWARDER = """
import json, os
import boto3

def handler(event, context):
    boto3.client("sqs").send_message(QueueUrl=os.environ["RESULTS"], MessageBody=json.dumps(event))
"""


def at(delay: timedelta, zone_offset: timedelta = timedelta(0)) -> str:
    """An ``at()`` expression ``delay`` from now, written in a zone ``zone_offset`` from UTC."""
    moment = datetime.now(UTC) + delay + zone_offset
    return f"at({moment.strftime('%Y-%m-%dT%H:%M:%S')})"


def schedule(
    scheduler: Any, name: str, expression: str, target: dict[str, Any], **fields: Any
) -> str:
    answer = scheduler.create_schedule(
        Name=name,
        ScheduleExpression=expression,
        FlexibleTimeWindow=WINDOW_OFF,
        Target={"RoleArn": ROLE_ARN, **target},
        **fields,
    )
    return str(answer["ScheduleArn"])


def gone(scheduler: Any, name: str) -> None:
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        names = [s["Name"] for s in scheduler.list_schedules(NamePrefix=name)["Schedules"]]
        if name not in names:
            return
    raise AssertionError(f"schedule {name} was not deleted after its last firing")


def test_a_one_time_schedule_delivers_its_input_verbatim_then_goes(
    scheduler: Any, names: Callable[[str], str], queue: Callable[..., Queue]
) -> None:
    target, name = queue(), names("")
    expression = at(timedelta(minutes=1))
    arn = schedule(
        scheduler,
        name,
        expression,
        {"Arn": target.arn, "Input": CONTEXT},
        ActionAfterCompletion="DELETE",
    )
    [body] = target.bodies(1)
    assert body["arn"] == arn and body["attempt"] == "1" and body["execution"]
    assert body["at"] == expression[3:-1] + "Z"  # the due time, in UTC, to the second
    gone(scheduler, name)
    target.nothing_more()


def test_a_one_time_schedule_that_stays_fires_once(
    scheduler: Any, names: Callable[[str], str], queue: Callable[..., Queue]
) -> None:
    target, name = queue(), names("")
    schedule(scheduler, name, at(timedelta(seconds=30)), {"Arn": target.arn, "Input": "once"})
    assert [m["Body"] for m in target.messages(1)] == ["once"]
    assert scheduler.get_schedule(Name=name)["State"] == "ENABLED"


def test_a_recurring_schedule_fires_each_period(
    scheduler: Any, names: Callable[[str], str], queue: Callable[..., Queue]
) -> None:
    target, name = queue(), names("")
    schedule(scheduler, name, "rate(1 minute)", {"Arn": target.arn, "Input": CONTEXT})
    first, second = target.bodies(2)
    assert first["execution"] != second["execution"]
    delta = datetime.fromisoformat(second["at"]) - datetime.fromisoformat(first["at"])
    assert delta == timedelta(minutes=1)
    scheduler.delete_schedule(Name=name)


def test_a_cron_schedule_runs_on_its_time_zones_wall_clock(
    scheduler: Any, names: Callable[[str], str], queue: Callable[..., Queue]
) -> None:
    # Kathmandu is UTC+05:45: an even local minute is an odd minute in UTC.
    target, name = queue(), names("")
    schedule(
        scheduler,
        name,
        "cron(0/2 * * * ? *)",
        {"Arn": target.arn, "Input": '{"at": "<aws.scheduler.scheduled-time>"}'},
        ScheduleExpressionTimezone="Asia/Kathmandu",
    )
    times = [datetime.fromisoformat(body["at"]) for body in target.bodies(2)]
    assert all(moment.minute % 2 == 1 and moment.second == 0 for moment in times)
    scheduler.delete_schedule(Name=name)


def test_a_function_receives_the_input_as_its_event(
    server: LambdaliteServer,
    scheduler: Any,
    names: Callable[[str], str],
    queue: Callable[..., Queue],
) -> None:
    results, name = queue(), names("")
    lam = make_client(server.endpoint, "lambda")
    function = lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=ROLE,
        Handler="handler.handler",
        Code={"ZipFile": zipped({"handler.py": FORWARDER})},
        Environment={"Variables": {"RESULTS": results.url}},
    )
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    payload = {"order": 42, "items": ["a", "b"]}
    schedule(
        scheduler,
        name,
        at(timedelta(seconds=30)),
        {"Arn": function["FunctionArn"], "Input": json.dumps(payload)},
    )
    assert results.bodies(1) == [payload]


def test_an_event_bus_target_gets_the_input_as_detail(
    server: LambdaliteServer,
    scheduler: Any,
    names: Callable[[str], str],
    queue: Callable[..., Queue],
) -> None:
    events = make_client(server.endpoint, "events")
    target, bus = queue(), names("-bus")
    events.create_event_bus(Name=bus)
    events.put_rule(Name="r", EventBusName=bus, EventPattern=json.dumps({"source": ["my.app"]}))
    events.put_targets(Rule="r", EventBusName=bus, Targets=[{"Id": "q", "Arn": target.arn}])
    schedule(
        scheduler,
        names(""),
        at(timedelta(seconds=30)),
        {
            "Arn": f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/{bus}",
            "Input": '{"hello": "bus"}',
            "EventBridgeParameters": {"DetailType": "greeting", "Source": "my.app"},
        },
    )
    [event] = target.bodies(1)
    assert (event["detail-type"], event["detail"]) == ("greeting", {"hello": "bus"})


def test_an_undeliverable_invocation_goes_to_the_dead_letter_queue(
    scheduler: Any, sqs: Any, names: Callable[[str], str], queue: Callable[..., Queue]
) -> None:
    target, dead_letters, name = queue(), queue(), names("")
    sqs.delete_queue(QueueUrl=target.url)
    arn = schedule(
        scheduler,
        name,
        at(timedelta(seconds=30)),
        {"Arn": target.arn, "Input": "lost", "DeadLetterConfig": {"Arn": dead_letters.arn}},
    )
    [message] = dead_letters.messages(1)
    assert message["Body"] == "lost"
    attributes = {k: v["StringValue"] for k, v in message["MessageAttributes"].items()}
    assert attributes["X-Amz-Scheduler-Schedule-Arn"] == arn
    assert attributes["X-Amz-Scheduler-Target-Arn"] == target.arn
    assert attributes["X-Amz-Scheduler-Group"] == "default"
    assert attributes["X-Amz-Scheduler-Attempt"] == "1"
    assert attributes["X-Amz-Scheduler-Error-Code"]


def test_a_one_time_schedule_survives_a_restart(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with running_server(data_dir) as first:  # real time: a minute away stays a minute away
        target = Queue(make_client(first.endpoint, "sqs"), "later")
        scheduler = make_client(first.endpoint, "scheduler")
        schedule(scheduler, "later", at(timedelta(minutes=1)), {"Arn": target.arn, "Input": "x"})
        assert first.stop() == 0
    with running_server(data_dir, env=FAST_CLOCK) as second:
        target = Queue(make_client(second.endpoint, "sqs"), "later")
        assert [m["Body"] for m in target.messages(1)] == ["x"]
        scheduler = make_client(second.endpoint, "scheduler")
        assert scheduler.get_schedule(Name="later")["State"] == "ENABLED"
