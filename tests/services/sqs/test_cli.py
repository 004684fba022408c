"""The aws CLI drives SQS: create a queue, send, receive, delete, and see a missing queue's error."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.support.server import LambdaliteServer

from .conftest import NON_EXISTENT, counts

AWS = Path(sys.executable).parent / "aws"


def aws(server: LambdaliteServer, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION="us-east-1"
    )
    result = subprocess.run(
        [str(AWS), "--endpoint-url", server.endpoint, "--output", "json", "sqs", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if ok:
        assert result.returncode == 0, result.stderr
    return result


def output(result: subprocess.CompletedProcess[str]) -> Any:
    return json.loads(result.stdout) if result.stdout.strip() else None


def test_cli_queue_and_message_lifecycle(
    server: LambdaliteServer, sqs: Any, names: Callable[..., str]
) -> None:
    name = names()
    created = output(
        aws(server, "create-queue", "--queue-name", name, "--attributes", "VisibilityTimeout=40")
    )
    url = created["QueueUrl"]
    assert url.endswith(f"/{name}")
    sent = output(
        aws(
            server,
            "send-message",
            "--queue-url",
            url,
            "--message-body",
            "msg",
            "--message-attributes",
            '{"Foo": {"DataType": "String", "StringValue": "Bar"}}',
        )
    )
    assert sent["MD5OfMessageBody"] == "6e2baaf3b97dbeef01c0043275f9a0e7"
    assert sent["MD5OfMessageAttributes"] == "ae7155c6026991b6d54b11589678bf9c"

    received = output(
        aws(
            server,
            "receive-message",
            "--queue-url",
            url,
            "--attribute-names",
            "All",
            "--message-attribute-names",
            "All",
        )
    )
    [message] = received["Messages"]
    assert message["Body"] == "msg"
    assert message["MessageId"] == sent["MessageId"]
    assert message["Attributes"]["ApproximateReceiveCount"] == "1"
    assert message["MessageAttributes"]["Foo"]["StringValue"] == "Bar"

    aws(server, "delete-message", "--queue-url", url, "--receipt-handle", message["ReceiptHandle"])
    assert counts(sqs, url) == (0, 0, 0)
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])
    assert attributes["Attributes"] == {"VisibilityTimeout": "40"}


def test_cli_reports_a_missing_queue(server: LambdaliteServer, names: Callable[..., str]) -> None:
    result = aws(server, "get-queue-url", "--queue-name", names(), ok=False)
    assert result.returncode != 0
    assert NON_EXISTENT in result.stderr
    assert "The specified queue does not exist." in result.stderr
