"""Recorded asynchronous invocations (aws-recorded 24, 28-30): what destinations and dead-letter
queues receive after retries, event age expiry and zero reserved concurrency.

Retries are a minute apart on AWS; servers here wait ``LAMBDALITE_LAMBDA_ASYNC_RETRY_DELAY_SECONDS``
instead, which changes nothing else the recordings show."""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import make_client
from tests.support.server import LambdaliteServer, running_server

from .snapshot import Snapshot, recorded
from .test_invoke import create, invoke

DEADLINE = 60.0
FAST_RETRIES = {"LAMBDALITE_LAMBDA_ASYNC_RETRY_DELAY_SECONDS": "0.2"}

# The recordings' handler raised at line 55 of handler.py (28, 29) and at line 7 (30): the
# stack traces the destinations receive name those lines.
RAISING = (
    "import logging\n\nlogger = logging.getLogger()\nlogger.setLevel(logging.INFO)\n\n\n"
    "def handler(event, context):\n"
    "    print('Lambda log message - print function')\n"
    "    logger.info('Lambda log message - logging module')\n"
    "    if event.get('raise_error'):\n" + "\n" * 44 + "        "
    'raise Exception("Test exception (this is intentional)")\n'
    "    return event\n"
)
FAILING_AT_7 = (
    "\n" * 5 + 'def handler(event, context):\n    raise Exception("intentional failure")\n'
)


@pytest.fixture(scope="module")
def fast(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LambdaliteServer]:
    with running_server(tmp_path_factory.mktemp("async") / "data", env=FAST_RETRIES) as started:
        yield started


def clients(server: LambdaliteServer) -> tuple[Any, Any]:
    return (
        make_client(server.endpoint, "lambda", parameter_validation=False),
        make_client(server.endpoint, "sqs"),
    )


def queue(sqs: Any, name: str) -> tuple[str, str]:
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return url, arn["Attributes"]["QueueArn"]


def next_message(sqs: Any, url: str, **options: Any) -> dict[str, Any]:
    """The next message of ``url``, deleted, its body parsed."""
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        answer = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1, **options)
        for message in answer.get("Messages", []):
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            return {**message, "Body": json.loads(message["Body"])}
    pytest.fail(f"no message arrived in {url}")


def test_24_zero_reserved_concurrency_goes_straight_to_the_destination(
    fast: LambdaliteServer,
) -> None:
    lam, sqs = clients(fast)
    case, name = "24_reserved_concurrency_throttle", "c24-fn"
    url, arn = queue(sqs, "c24-destination")
    # LocalStack's fixture, which recorded this, sends empty variables.
    create(
        lam,
        name,
        "def handler(event, context):\n    return event\n",
        Timeout=20,
        Environment={"Variables": {}},
    )
    check = Snapshot()
    check.match(
        recorded(case, "fn"),
        lam.get_function_configuration(FunctionName=name, Qualifier="$LATEST"),
    )
    check.match(
        recorded(case, "put_reserved"),
        lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0),
    )
    configured = lam.put_function_event_invoke_config(
        FunctionName=name,
        MaximumRetryAttempts=0,
        DestinationConfig={"OnFailure": {"Destination": arn}},
    )
    check.match(recorded(case, "put_event_invoke_conf"), configured)
    check.match(recorded(case, "invoke_result"), invoke(lam, name, b"{}", InvocationType="Event"))
    check.match(recorded(case, "msg"), next_message(sqs, url, MessageSystemAttributeNames=["All"]))


def test_28_retries_exhausted_reach_the_failure_destination(fast: LambdaliteServer) -> None:
    lam, sqs = clients(fast)
    case, name = "28_async_destination_retries_exhausted", "c28-fn"
    url, arn = queue(sqs, "c28-destination")
    create(lam, name, RAISING)
    check = Snapshot()
    configured = lam.put_function_event_invoke_config(
        FunctionName=name,
        DestinationConfig={"OnSuccess": {"Destination": arn}, "OnFailure": {"Destination": arn}},
    )
    check.match(recorded(case, "put_function_event_invoke_config"), configured)
    invoke(lam, name, {"raise_error": 1}, InvocationType="Event")
    message = next_message(sqs, url)
    answer = {"Messages": [_received(message)], "ResponseMetadata": {"HTTPStatusCode": 200}}
    check.match(recorded(case, "receive_message_result"), answer)


def test_29_the_dead_letter_queue_gets_the_event(fast: LambdaliteServer) -> None:
    lam, sqs = clients(fast)
    case, name = "29_async_dlq", "c29-fn"
    url, arn = queue(sqs, "c29-dlq")
    check = Snapshot()
    created = create(
        lam,
        name,
        RAISING,
        Timeout=30,
        DeadLetterConfig={"TargetArn": arn},
        Environment={"Variables": {}},
    )
    check.match(recorded(case, "create_lambda_with_dlq")["CreateFunctionResponse"], created)
    # The recording's payload, byte for byte: its MD5 is recorded.
    invoke(lam, name, b'{"raise_error": 1}', InvocationType="Event")
    message = next_message(sqs, url, MessageAttributeNames=["All"])
    answer = {"Messages": [_received(message)], "ResponseMetadata": {"HTTPStatusCode": 200}}
    check.match(recorded(case, "receive_result"), answer)
    cleared = lam.update_function_configuration(FunctionName=name, DeadLetterConfig={})
    check.match(recorded(case, "delete_dlq"), cleared)
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    result = invoke(lam, name, {"raise_error": 1}, LogType="Tail")
    check.match(recorded(case, "invoke_result"), result)
    check.match(recorded(case, "log_result"), {"result": _log_lines(result["LogResult"])})


def _log_lines(tail: str) -> list[str]:
    """The log lines as the recording kept them: no REPORT line, the logging time as "date"."""
    lines = base64.b64decode(tail).decode().splitlines()
    kept = [line for line in lines if line and not line.startswith("REPORT")]
    return [re.sub(r"^(\[INFO\]\t)[^\t]+", r"\1date", line) for line in kept]


def test_30_event_age_exceeded_before_and_after_a_retry(tmp_path: Path) -> None:
    case = "30_async_max_event_age"
    # AWS's delays: with at most 60 s of age, the first retry (a minute on) would come too
    # late, so there is none.
    with running_server(tmp_path / "aws-delays") as server:
        message = _age_exceeded(server, "c30-no-retry")
        Snapshot().match(recorded(case, "no_retry_failure_message"), message)
    # Retries 21 s and then 42 s apart: the first comes within the 60 s, the second would not.
    env = {"LAMBDALITE_LAMBDA_ASYNC_RETRY_DELAY_SECONDS": "21"}
    with running_server(tmp_path / "one-retry", env=env) as server:
        message = _age_exceeded(server, "c30-one-retry")
        Snapshot().match(recorded(case, "single_retry_failure_message"), message)


def _age_exceeded(server: LambdaliteServer, name: str) -> dict[str, Any]:
    lam, sqs = clients(server)
    url, arn = queue(sqs, f"{name}-destination")
    create(lam, name, FAILING_AT_7)
    lam.put_function_event_invoke_config(
        FunctionName=name,
        MaximumRetryAttempts=2,
        MaximumEventAgeInSeconds=60,
        DestinationConfig={"OnFailure": {"Destination": arn}},
    )
    invoke(lam, name, {"message": "test-msg-id"}, InvocationType="Event")
    message = next_message(sqs, url, MessageSystemAttributeNames=["All"])
    message["Body"]["requestPayload"]["message"] = "<test-msg-id>"  # the recording's mask
    return message


def _received(message: dict[str, Any]) -> dict[str, Any]:
    keys = ("Body", "MD5OfBody", "MD5OfMessageAttributes", "MessageAttributes", "MessageId")
    return {k: message[k] for k in (*keys, "ReceiptHandle") if k in message}
