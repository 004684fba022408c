"""The gateway chain with real botocore-built requests: dispatch, errors, bugs."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import pytest

from lambdalite.aws.context import RequestContext
from lambdalite.aws.credentials import StaticCredentials, root_credential
from lambdalite.aws.dispatch import Dispatcher, Provider
from lambdalite.aws.errors import ServiceError
from lambdalite.aws.gateway import Authentication, Gateway
from lambdalite.aws.http import HttpRequest
from lambdalite.aws.specs import ServiceCatalog
from tests.support.capture import captured, client

ROOT = root_credential("test", "test", "000000000000")
CATALOG = ServiceCatalog(["lambda", "sts", "sqs", "logs"])


class LogsProvider(Provider):
    """A test provider: one async operation, one sync operation with a bug, one AWS error."""

    service = "logs"

    async def describe_log_groups(
        self, ctx: RequestContext, request: dict[str, Any]
    ) -> dict[str, Any]:
        return {"logGroups": [{"logGroupName": request.get("logGroupNamePrefix", "") + ctx.region}]}

    def describe_destinations(self, ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
        raise KeyError("a bug")

    def delete_log_group(self, ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
        raise ServiceError(
            "The specified log group does not exist.", code="ResourceNotFoundException"
        )


class SqsEcho(Provider):
    """A test provider: SendMessage answers the QueueUrl it was given as the message id."""

    service = "sqs"

    def send_message(self, ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
        return {"MessageId": request["QueueUrl"], "MD5OfMessageBody": "-"}


def gateway(enforce: bool = True) -> Gateway:
    auth = Authentication(StaticCredentials([ROOT]), enforce, ROOT.principal, "eu-west-1")
    return Gateway(CATALOG, Dispatcher([LogsProvider(), SqsEcho()]), auth)


def handle(request: HttpRequest, enforce: bool = True) -> Any:
    return asyncio.run(gateway(enforce).handle(request))


def test_async_operation_gets_region_from_the_signature() -> None:
    logs = client("logs", region="ap-south-1")
    response = handle(captured(lambda: logs.describe_log_groups(logGroupNamePrefix="g-"), logs))
    assert response.status == 200
    assert json.loads(response.body) == {"logGroups": [{"logGroupName": "g-ap-south-1"}]}


def test_a_bug_is_an_internal_failure_with_a_logged_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    logs = client("logs")
    with caplog.at_level(logging.ERROR):
        response = handle(captured(logs.describe_destinations, logs))
    assert response.status == 500
    body = json.loads(response.body)
    assert body == {"__type": "InternalFailure", "message": "An internal error occurred."}
    request_id = response.header("x-amzn-RequestId")
    assert request_id and request_id in caplog.text
    assert "KeyError: 'a bug'" in caplog.text


def test_modeled_error_takes_status_from_the_model() -> None:
    logs = client("logs")
    response = handle(captured(lambda: logs.delete_log_group(logGroupName="g"), logs))
    assert response.status == 400
    assert json.loads(response.body)["__type"] == "ResourceNotFoundException"


def test_service_without_provider_answers_501_in_its_protocol() -> None:
    sqs = client("sqs")
    response = handle(captured(sqs.list_queues, sqs))
    assert response.status == 501
    assert json.loads(response.body) == {
        "__type": "NotImplemented",
        "message": "The operation ListQueues of service sqs is not implemented by lambdalite.",
    }


def test_legacy_query_clients_of_sqs_get_xml() -> None:
    body = b"Action=ListQueues&Version=2012-11-05"
    request = HttpRequest(
        "POST", "/", "", {"content-type": "application/x-www-form-urlencoded", "host": "h"}, body
    )
    response = handle(request, enforce=False)
    assert response.status == 501
    assert response.body.startswith(
        b'<ErrorResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/">'
    )


def test_unsigned_request_with_auth_off_uses_the_default_region_and_root() -> None:
    logs = client("logs")
    request = captured(logs.describe_log_groups, logs)
    del request.headers["authorization"]
    response = handle(request, enforce=False)
    assert json.loads(response.body)["logGroups"][0]["logGroupName"] == "eu-west-1"


def test_no_auth_operations_need_no_signature() -> None:
    body = b"Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A000000000000%3Arole%2Fr&RoleSessionName=session&WebIdentityToken=token-value"
    request = HttpRequest(
        "POST", "/", "", {"content-type": "application/x-www-form-urlencoded", "host": "h"}, body
    )
    response = handle(request)
    assert response.status == 501  # reached dispatch: no MissingAuthenticationToken


FORM = {"content-type": "application/x-www-form-urlencoded", "host": "localhost:4566"}


def test_a_legacy_query_post_to_a_queue_path_is_for_that_queue() -> None:
    body = b"Action=SendMessage&Version=2012-11-05&MessageBody=hi"
    request = HttpRequest("POST", "/000000000000/q1", "", dict(FORM), body)
    response = handle(request, enforce=False)
    assert response.status == 200
    assert b"<MessageId>http://localhost:4566/000000000000/q1</MessageId>" in response.body


def test_a_queue_url_given_wins_over_the_path() -> None:
    body = b"Action=SendMessage&Version=2012-11-05&MessageBody=hi&QueueUrl=http%3A%2F%2Fh%2F1%2Fq2"
    request = HttpRequest("POST", "/000000000000/q1", "", dict(FORM), body)
    response = handle(request, enforce=False)
    assert b"<MessageId>http://h/1/q2</MessageId>" in response.body


def test_a_legacy_query_post_to_the_root_still_needs_a_queue_url() -> None:
    body = b"Action=SendMessage&Version=2012-11-05&MessageBody=hi"
    response = handle(HttpRequest("POST", "/", "", dict(FORM), body), enforce=False)
    assert response.status == 400
    assert b"queueUrl" in response.body
