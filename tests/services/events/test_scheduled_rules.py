"""Scheduled rules firing, end to end, on a schedule clock 120 times real time: two minutes of
schedules pass every second, so ``rate(1 minute)`` fires about twice a second.

The Scheduled Event's shape is aws-recorded 39 (and AWS-BEHAVIOUR.md §4.6); its ``time`` is the
due time, so two ticks of ``rate(1 minute)`` are exactly 60 s apart and a cron tick lands on its
minute (localstack's AWS-validated test_events_schedule.py).
"""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from tests.conformance.conftest import ROLE, zipped
from tests.e2e.conftest import make_client
from tests.support.aws_errors import ACCOUNT, REGION
from tests.support.server import LambdaliteServer, running_server

from .conftest import DEADLINE, FAST_CLOCK, Queue

# Forwards the event it receives to the queue named in RESULTS.
FORWARDER = """
import json, os
import boto3

def handler(event, context):
    boto3.client("sqs").send_message(QueueUrl=os.environ["RESULTS"], MessageBody=json.dumps(event))
"""


def moment(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ")


def schedule_clock(server: LambdaliteServer) -> datetime:
    with urllib.request.urlopen(server.endpoint + "/_lambdalite/health") as answer:
        return moment(json.load(answer)["schedules"]["now"])


def wait_for_schedule_time(server: LambdaliteServer, until: datetime) -> None:
    """Poll the server's schedule clock (never sleep) until it shows ``until``."""
    deadline = time.monotonic() + DEADLINE
    while schedule_clock(server) < until:
        assert time.monotonic() < deadline, "the schedule clock did not advance"


def test_a_rate_rule_delivers_scheduled_events_a_period_apart(
    events: Any, names: Callable[[str], str], queue: Callable[..., Queue]
) -> None:
    target, rule = queue(), names("")
    arn = events.put_rule(Name=rule, ScheduleExpression="rate(1 minute)")["RuleArn"]
    events.put_targets(Rule=rule, Targets=[{"Id": "q", "Arn": target.arn}])
    first, second = target.bodies(2)
    for body in (first, second):
        assert body == {
            "version": "0",
            "id": body["id"],
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": ACCOUNT,
            "time": body["time"],
            "region": REGION,
            "resources": [arn],
            "detail": {},
        }
    assert first["id"] != second["id"]
    assert (moment(second["time"]) - moment(first["time"])).total_seconds() == 60


def test_a_cron_rule_fires_on_its_minutes(
    events: Any, names: Callable[[str], str], queue: Callable[..., Queue]
) -> None:
    target, rule = queue(), names("")
    events.put_rule(Name=rule, ScheduleExpression="cron(0/2 * * * ? *)")
    events.put_targets(Rule=rule, Targets=[{"Id": "q", "Arn": target.arn, "InputPath": "$.time"}])
    times = [moment(json.loads(m["Body"])) for m in target.messages(2)]
    assert all(t.second == 0 and t.minute % 2 == 0 for t in times)
    assert (times[1] - times[0]).total_seconds() == 120


def test_a_disabled_rule_stops_firing(
    server: LambdaliteServer, events: Any, names: Callable[[str], str], queue: Callable[..., Queue]
) -> None:
    target, rule = queue(), names("")
    events.put_rule(Name=rule, ScheduleExpression="rate(1 minute)")
    events.put_targets(Rule=rule, Targets=[{"Id": "q", "Arn": target.arn}])
    target.messages(1)
    events.disable_rule(Name=rule)
    disabled_at = schedule_clock(server)
    wait_for_schedule_time(server, disabled_at + timedelta(minutes=2))
    late = [body for body in target.drain() if moment(body["time"]) > disabled_at]
    assert late == []


def test_a_scheduled_rule_invokes_a_function_asynchronously(
    server: LambdaliteServer,
    events: Any,
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
    arn = events.put_rule(Name=name, ScheduleExpression="rate(1 minute)")["RuleArn"]
    events.put_targets(Rule=name, Targets=[{"Id": "f", "Arn": function["FunctionArn"]}])
    [event] = results.bodies(1)
    assert (event["detail-type"], event["resources"]) == ("Scheduled Event", [arn])
    events.remove_targets(Rule=name, Ids=["f"])


def test_schedules_survive_a_restart(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with running_server(data_dir, env=FAST_CLOCK) as first:
        sqs = make_client(first.endpoint, "sqs")
        target = Queue(sqs, "survivor")
        events = make_client(first.endpoint, "events")
        events.put_rule(Name="survivor", ScheduleExpression="rate(1 minute)")
        events.put_targets(Rule="survivor", Targets=[{"Id": "q", "Arn": target.arn}])
        before = target.bodies(1)
        assert first.stop() == 0
    with running_server(data_dir, env=FAST_CLOCK) as second:
        target = Queue(make_client(second.endpoint, "sqs"), "survivor")
        after = target.bodies(2)
        assert {body["id"] for body in after}.isdisjoint({body["id"] for body in before})
        assert moment(after[0]["time"]) > moment(before[-1]["time"])
