"""Asynchronous invocations end to end: destinations (a queue, another function), retries with
shortened delays, throttles retried, aliases, the 1 MB limit, failed events listed and redriven
with ``lambdalite events``, and nothing lost to a kill -9."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conformance.conftest import ROLE, zipped
from tests.support.aws_errors import error
from tests.support.server import LambdaliteServer, running_server

from .conftest import make_client

DEADLINE = 60.0
FAST = {"LAMBDALITE_LAMBDA_ASYNC_RETRY_DELAY_SECONDS": "0.2"}

# Reports each attempt to the queue named RESULTS; fails while the function's "fail" tag is
# set (so a test can let it succeed later), sleeps when asked.
HANDLER = """
import json, os, time
import boto3

sqs = boto3.client("sqs")
lam = boto3.client("lambda")


def handler(event, context):
    time.sleep(event.get("sleep", 0))
    tags = lam.list_tags(Resource=context.invoked_function_arn.rsplit(":", 1)[0]
                         if context.invoked_function_arn.count(":") == 7
                         else context.invoked_function_arn)["Tags"]
    report = {"event": event, "version": context.function_version}
    sqs.send_message(QueueUrl=os.environ["RESULTS"], MessageBody=json.dumps(report))
    if tags.get("fail"):
        raise RuntimeError("failing while tagged")
    return {"done": event.get("n")}
"""


class Async:
    """A function reporting to a result queue, a destination queue, clients: per test."""

    def __init__(self, server: LambdaliteServer, name: str, **config: Any) -> None:
        self.server = server
        self.lam = make_client(server.endpoint, "lambda")
        self.sqs = make_client(server.endpoint, "sqs")
        self.name = name
        self.results = self.sqs.create_queue(QueueName=f"{name}-results")["QueueUrl"]
        self.destination, self.destination_arn = self.queue(f"{name}-destination")
        created = self.lam.create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role=ROLE,
            Handler="handler.handler",
            Code={"ZipFile": zipped({"handler.py": HANDLER})},
            Timeout=10,
            Environment={"Variables": {"RESULTS": f"{name}-results"}},
            **config,
        )
        self.arn = created["FunctionArn"]
        self.lam.get_waiter("function_active_v2").wait(FunctionName=name)

    def queue(self, name: str) -> tuple[str, str]:
        url = self.sqs.create_queue(QueueName=name)["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
        return url, arn["Attributes"]["QueueArn"]

    def send(self, payload: dict[str, Any], **options: Any) -> None:
        answer = self.lam.invoke(
            FunctionName=self.name, InvocationType="Event", Payload=json.dumps(payload), **options
        )
        assert answer["StatusCode"] == 202

    def drain(self, url: str, count: int, within: float = DEADLINE) -> list[dict[str, Any]]:
        """At least ``count`` messages of ``url`` (deleted as read), bodies parsed."""
        got: list[dict[str, Any]] = []
        deadline = time.monotonic() + within
        while len(got) < count and time.monotonic() < deadline:
            answer = self.sqs.receive_message(
                QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1
            )
            for message in answer.get("Messages", []):
                self.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
                got.append(json.loads(message["Body"]))
        assert len(got) >= count, f"{len(got)} of {count} messages arrived in {url}"
        return got

    def fail_while_tagged(self, failing: bool) -> None:
        if failing:
            self.lam.tag_resource(Resource=self.arn, Tags={"fail": "yes"})
        else:
            self.lam.untag_resource(Resource=self.arn, TagKeys=["fail"])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LambdaliteServer]:
    with running_server(tmp_path_factory.mktemp("async") / "data", env=FAST) as started:
        yield started


def unique(request: pytest.FixtureRequest) -> str:
    return "a-" + request.node.name.replace("_", "-")[5:45]


def test_success_reaches_the_success_destination(server: LambdaliteServer, request: Any) -> None:
    fn = Async(server, unique(request))
    fn.lam.put_function_event_invoke_config(
        FunctionName=fn.name, DestinationConfig={"OnSuccess": {"Destination": fn.destination_arn}}
    )
    fn.send({"n": 1})
    record = fn.drain(fn.destination, 1)[0]
    assert record["requestContext"]["condition"] == "Success"
    assert record["requestContext"]["approximateInvokeCount"] == 1
    assert record["responsePayload"] == {"done": 1}
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST"}


def test_failures_are_retried_then_reported(server: LambdaliteServer, request: Any) -> None:
    fn = Async(server, unique(request))
    fn.fail_while_tagged(True)
    fn.lam.put_function_event_invoke_config(
        FunctionName=fn.name,
        MaximumRetryAttempts=1,
        DestinationConfig={"OnFailure": {"Destination": fn.destination_arn}},
    )
    fn.send({"n": 2})
    record = fn.drain(fn.destination, 1)[0]
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 2
    assert record["responsePayload"]["errorMessage"] == "failing while tagged"
    assert len(fn.drain(fn.results, 2)) == 2  # the first attempt and its one retry


def test_a_function_destination_is_invoked_with_the_record(
    server: LambdaliteServer, request: Any
) -> None:
    fn = Async(server, unique(request))
    receiver = Async(server, unique(request) + "-rcv")
    fn.lam.put_function_event_invoke_config(
        FunctionName=fn.name, DestinationConfig={"OnSuccess": {"Destination": receiver.arn}}
    )
    fn.send({"n": 3})
    reported = receiver.drain(receiver.results, 1)[0]["event"]
    assert reported["requestContext"]["condition"] == "Success"
    assert reported["requestPayload"] == {"n": 3}


def test_throttled_events_wait_their_turn(server: LambdaliteServer, request: Any) -> None:
    fn = Async(server, unique(request))
    fn.lam.put_function_concurrency(FunctionName=fn.name, ReservedConcurrentExecutions=1)
    for n in range(4):
        fn.send({"n": n, "sleep": 0.3})
    seen = sorted(r["event"]["n"] for r in fn.drain(fn.results, 4))
    assert seen == [0, 1, 2, 3]


def test_an_alias_runs_its_version(server: LambdaliteServer, request: Any) -> None:
    fn = Async(server, unique(request))
    version = fn.lam.publish_version(FunctionName=fn.name)["Version"]
    fn.lam.create_alias(FunctionName=fn.name, Name="live", FunctionVersion=version)
    fn.lam.put_function_event_invoke_config(
        FunctionName=fn.name,
        Qualifier="live",
        DestinationConfig={"OnSuccess": {"Destination": fn.destination_arn}},
    )
    fn.send({"n": 4}, Qualifier="live")
    record = fn.drain(fn.destination, 1)[0]
    assert record["requestContext"]["functionArn"] == f"{fn.arn}:live"
    assert record["responseContext"]["executedVersion"] == version


def test_an_event_over_one_megabyte_is_refused(server: LambdaliteServer, request: Any) -> None:
    fn = Async(server, unique(request))
    big = json.dumps({"data": "x" * (1024 * 1024)})
    refused = error(
        lambda: fn.lam.invoke(FunctionName=fn.name, InvocationType="Event", Payload=big)
    )
    assert refused == (
        "RequestTooLargeException",
        "Request must be smaller than 1048576 bytes for the InvokeFunction operation",
        413,
    )


def test_failed_events_are_listed_and_redriven(server: LambdaliteServer, request: Any) -> None:
    fn = Async(server, unique(request))
    fn.fail_while_tagged(True)
    fn.lam.put_function_event_invoke_config(
        FunctionName=fn.name,
        MaximumRetryAttempts=0,
        DestinationConfig={
            "OnSuccess": {"Destination": fn.destination_arn},
            "OnFailure": {"Destination": fn.destination_arn},
        },
    )
    fn.send({"n": 5})
    assert fn.drain(fn.destination, 1)[0]["requestContext"]["condition"] == "RetriesExhausted"
    listed = events(server, "list", "--json", "--function", fn.name)
    assert [json.loads(line)["condition"] for line in listed] == ["RetriesExhausted"]
    assert counts(server, fn.name)["dead_lettered"] == 1
    event_id = str(json.loads(listed[0])["id"])
    fn.fail_while_tagged(False)
    assert events(server, "redrive", event_id) == ["1 event queued again"]
    record = fn.drain(fn.destination, 1)[0]
    assert record["requestContext"]["condition"] == "Success"
    assert events(server, "list", "--function", fn.name) == []


def events(server: LambdaliteServer, *args: str) -> list[str]:
    command = [
        sys.executable,
        "-m",
        "lambdalite",
        "events",
        *args,
        "--data-dir",
        str(server.data_dir),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return done.stdout.splitlines()


def counts(server: LambdaliteServer, function: str) -> dict[str, int]:
    with urllib.request.urlopen(f"{server.endpoint}/_lambdalite/health") as answer:
        functions = json.load(answer)["async_invocations"]["functions"]
    return functions[f"000000000000/us-east-1/{function}"]  # type: ignore[no-any-return]


def test_nothing_is_lost_to_a_kill(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with running_server(data_dir, env=FAST) as first:
        fn = Async(first, "a-killed")
        fn.lam.put_function_concurrency(FunctionName=fn.name, ReservedConcurrentExecutions=2)
        for n in range(8):
            fn.send({"n": n, "sleep": 0.5})
        first.process.send_signal(signal.SIGKILL)
        first.process.wait()
    with running_server(data_dir, env=FAST) as second:
        sqs = make_client(second.endpoint, "sqs")
        results = sqs.get_queue_url(QueueName="a-killed-results")["QueueUrl"]
        seen: set[int] = set()
        deadline = time.monotonic() + DEADLINE
        while len(seen) < 8 and time.monotonic() < deadline:
            answer = sqs.receive_message(
                QueueUrl=results, MaxNumberOfMessages=10, WaitTimeSeconds=1
            )
            for message in answer.get("Messages", []):
                seen.add(json.loads(message["Body"])["event"]["n"])
                sqs.delete_message(QueueUrl=results, ReceiptHandle=message["ReceiptHandle"])
        assert seen == set(range(8))  # each at least once (some may have run twice)


def test_a_topic_destination_publishes_the_record(server: LambdaliteServer, request: Any) -> None:
    fn = Async(server, unique(request))
    sns = make_client(server.endpoint, "sns")
    topic = sns.create_topic(Name=f"{fn.name}-topic")["TopicArn"]
    sns.subscribe(
        TopicArn=topic,
        Protocol="sqs",
        Endpoint=fn.destination_arn,
        Attributes={"RawMessageDelivery": "true"},
    )
    fn.lam.put_function_event_invoke_config(
        FunctionName=fn.name, DestinationConfig={"OnSuccess": {"Destination": topic}}
    )
    fn.send({"n": 6})
    record = fn.drain(fn.destination, 1)[0]
    assert record["requestContext"]["condition"] == "Success"
    assert record["requestPayload"] == {"n": 6}
