"""A publish that was acknowledged reaches every subscription even across kill -9: SQS and Lambda
deliveries are durable before Publish answers, HTTP/S ones wait in the outbox and are retried by
the next server on the same data dir."""

from __future__ import annotations

import json
import signal
from pathlib import Path
from typing import Any

from tests.e2e.conftest import make_client
from tests.support.server import LambdaliteServer, running_server

from .conftest import body, collect, eventually
from .receiver import Receiver


def test_acknowledged_publishes_survive_kill_9(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with Receiver().running() as receiver:
        first = LambdaliteServer(data_dir)
        try:
            sns, sqs = make_client(first.endpoint, "sns"), make_client(first.endpoint, "sqs")
            topic_arn = sns.create_topic(Name="durable")["TopicArn"]
            url = sqs.create_queue(QueueName="durable-q")["QueueUrl"]
            queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
                "Attributes"
            ]["QueueArn"]
            sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)
            # Retried every second for a long while: the endpoint is down until the restart.
            policy = {
                "healthyRetryPolicy": {"minDelayTarget": 1, "maxDelayTarget": 1, "numRetries": 100}
            }
            arn = sns.subscribe(
                TopicArn=topic_arn,
                Protocol="http",
                Endpoint=receiver.url,
                Attributes={"DeliveryPolicy": json.dumps(policy)},
                ReturnSubscriptionArn=True,
            )["SubscriptionArn"]
            receiver.next_of("SubscriptionConfirmation")
            eventually(lambda: _confirmed(sns, arn))
            receiver.always = 503
            attempts = receiver.attempts
            published = {
                sns.publish(TopicArn=topic_arn, Message=f"m{i}")["MessageId"] for i in range(3)
            }
            eventually(lambda: receiver.attempts > attempts)  # tried, refused, waiting to retry
        finally:
            first.stop(signal.SIGKILL)

        receiver.always = None
        # The same port: the messages waiting name its URLs (SigningCertURL), as AWS's name
        # an endpoint that does not move.
        port = first.endpoint.rsplit(":", 1)[1]
        with running_server(data_dir, args=("--port", port)) as second:
            sqs = make_client(second.endpoint, "sqs")
            queued = {
                body(m)["MessageId"]
                for m in collect(sqs, sqs.get_queue_url(QueueName="durable-q")["QueueUrl"], 3)
            }
            assert queued == published
            delivered = {receiver.next_of("Notification").message["MessageId"] for _ in range(3)}
            assert delivered == published


def _confirmed(sns: Any, arn: str) -> bool:
    return (
        sns.get_subscription_attributes(SubscriptionArn=arn)["Attributes"]["PendingConfirmation"]
        == "false"
    )
