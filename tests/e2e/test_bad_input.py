"""Bad input never crashes the server: every answer is an AWS-shaped 4xx with a request id."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.support.server import LambdaliteServer, running_server
from tests.support.signing import send

JSON_11 = {"Content-Type": "application/x-amz-json-1.1"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LambdaliteServer]:
    env = {"LAMBDALITE_MAX_BODY_BYTES": "100000", "LAMBDALITE_BODY_TIMEOUT_SECONDS": "1"}
    with running_server(tmp_path_factory.mktemp("bad") / "data", env=env) as started:
        yield started


def logs(
    server: LambdaliteServer, body: bytes, target: str = "Logs_20140328.DescribeLogGroups"
) -> tuple[int, dict[str, str], bytes]:
    return send(
        server.endpoint, "POST", "/", body, {**JSON_11, "X-Amz-Target": target}, service="logs"
    )


def assert_aws_error(status: int, headers: dict[str, str], expected_status: int) -> None:
    assert status == expected_status
    assert len(headers["x-amzn-requestid"]) == 36
    assert "traceback" not in json.dumps(headers).lower()


@pytest.mark.parametrize(
    "body",
    [
        b'{"logGroupNamePrefix": ',
        b"[1, 2]",
        b'{"limit": "ten"}',
        b"\xff\xfe\x00garbage",
        b'{"logGroupNamePrefix": 5}',
    ],
    ids=["truncated-json", "array", "wrong-type", "not-utf8", "number-for-string"],
)
def test_unreadable_json_bodies(server: LambdaliteServer, body: bytes) -> None:
    status, headers, answer = logs(server, body)
    assert_aws_error(status, headers, 400)
    assert json.loads(answer)["__type"] == "SerializationException"


def test_malformed_rest_json_body(server: LambdaliteServer) -> None:
    status, headers, answer = send(
        server.endpoint,
        "POST",
        "/2015-03-31/functions",
        b"{not json",
        {"Content-Type": "application/json"},
        service="lambda",
    )
    assert_aws_error(status, headers, 400)
    assert headers["x-amzn-errortype"] == "SerializationException"
    assert "message" in json.loads(answer)


def test_unknown_target(server: LambdaliteServer) -> None:
    status, headers, answer = logs(server, b"{}", target="Logs_20140328.NoSuchThing")
    assert_aws_error(status, headers, 400)
    assert json.loads(answer)["__type"] == "UnknownOperationException"


def test_unknown_query_action(server: LambdaliteServer) -> None:
    status, headers, answer = send(
        server.endpoint, "POST", "/", b"Action=NoSuchThing&Version=2011-06-15", FORM, service="sts"
    )
    assert_aws_error(status, headers, 400)
    assert b"<Code>InvalidAction</Code>" in answer
    assert b"The action NoSuchThing is not valid for this web service." in answer


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/json", "application/octet-stream"]
)
def test_wrong_content_type_for_a_query_service(
    server: LambdaliteServer, content_type: str
) -> None:
    status, headers, answer = send(
        server.endpoint,
        "POST",
        "/",
        b"Action=GetCallerIdentity",
        {"Content-Type": content_type},
        service="sts",
    )
    assert_aws_error(status, headers, 400)
    assert b"<Code>MissingAction</Code>" in answer


def test_malformed_query_list_index(server: LambdaliteServer) -> None:
    body = b"Action=GetFederationToken&Version=2011-06-15&Name=n&PolicyArns.member.x.arn=a"
    status, headers, answer = send(server.endpoint, "POST", "/", body, FORM, service="sts")
    assert_aws_error(status, headers, 400)
    assert answer.startswith(b"<ErrorResponse")


def test_unknown_rest_path(server: LambdaliteServer) -> None:
    status, headers, _ = send(
        server.endpoint, "GET", "/2015-03-31/no-such-thing", b"", {}, service="lambda"
    )
    assert_aws_error(status, headers, 404)
    assert headers["x-amzn-errortype"] == "UnknownOperationException"


def test_unknown_service(server: LambdaliteServer) -> None:
    status, headers, _ = send(server.endpoint, "GET", "/", b"", {}, service="s3")
    assert_aws_error(status, headers, 404)


def test_huge_headers(server: LambdaliteServer) -> None:
    status, headers, _ = logs_with_header(server, "x" * 200_000)
    assert_aws_error(status, headers, 431)


def logs_with_header(server: LambdaliteServer, value: str) -> tuple[int, dict[str, str], bytes]:
    return send(
        server.endpoint,
        "POST",
        "/",
        b"{}",
        {**JSON_11, "X-Amz-Target": "Logs_20140328.DescribeLogGroups", "X-Padding": value},
    )


def test_body_over_the_limit(server: LambdaliteServer) -> None:
    status, headers, answer = logs(server, b"{" + b" " * 200_000 + b"}")
    assert_aws_error(status, headers, 413)
    assert json.loads(answer)["__type"] == "RequestEntityTooLargeException"


def test_truncated_body_times_out_with_408(server: LambdaliteServer) -> None:
    parts = urlsplit(server.endpoint)
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as connection:
        connection.sendall(
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.1\r\n"
            b'X-Amz-Target: Logs_20140328.DescribeLogGroups\r\nContent-Length: 100\r\n\r\n{"a"'
        )
        answer = _read_response(connection)
    assert answer.startswith(b"HTTP/1.1 408 ")
    assert b"RequestTimeoutException" in answer


def _read_response(connection: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        data += connection.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(
        next(
            line.split(b":")[1]
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length")
        )
    )
    while len(body) < length:
        body += connection.recv(65536)
    return head + b"\r\n\r\n" + body


def test_half_sent_request_then_disconnect_leaves_server_healthy(server: LambdaliteServer) -> None:
    parts = urlsplit(server.endpoint)
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as connection:
        connection.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{")
        connection.shutdown(socket.SHUT_WR)
        connection.recv(65536)
    status, _, _ = send(server.endpoint, "GET", "/_lambdalite/health")
    assert status == 200


def test_no_bad_input_was_a_bug(server: LambdaliteServer) -> None:
    """Every refusal above was a 4xx by design: the server logged no InternalFailure."""
    status, _, _ = send(server.endpoint, "GET", "/_lambdalite/health")
    assert status == 200
    log = "".join(server.stderr)
    assert "Traceback" not in log and "InternalFailure" not in log


def test_server_survived_everything(server: LambdaliteServer, tmp_path: Path) -> None:
    status, _, body = send(server.endpoint, "GET", "/_lambdalite/health")
    assert status == 200 and json.loads(body)["status"] == "running"
    assert server.process.poll() is None
