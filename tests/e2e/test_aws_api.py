"""The AWS API through a live server, driven by boto3 and the aws CLI."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.support.server import LambdaliteServer, aws_env

RECORDED = Path(__file__).resolve().parents[1] / "fixtures" / "aws-recorded"
ROLE = "arn:aws:iam::000000000000:role/lambda-role"


def test_boto3_get_caller_identity(client: Any) -> None:
    identity = client("sts").get_caller_identity()
    assert identity["Account"] == "000000000000"
    assert identity["Arn"] == "arn:aws:iam::000000000000:root"
    assert identity["UserId"] == "000000000000"
    assert len(identity["ResponseMetadata"]["RequestId"]) == 36


def test_aws_cli_get_caller_identity_through_aws_endpoint_url(server: LambdaliteServer) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(aws_env(server.endpoint))
    result = subprocess.run(
        [sys.executable, "-m", "awscli", "sts", "get-caller-identity", "--output", "json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["Arn"] == "arn:aws:iam::000000000000:root"


def test_aws_cli_reports_a_bad_secret(server: LambdaliteServer) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(aws_env(server.endpoint, secret="wrong"))
    result = subprocess.run(
        [sys.executable, "-m", "awscli", "sts", "get-caller-identity"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert (
        "An error occurred (SignatureDoesNotMatch) when calling the GetCallerIdentity operation"
        in result.stderr
    )


@pytest.mark.parametrize(
    ("service", "call", "code"),
    [
        ("sts", lambda c: c.get_caller_identity(), "SignatureDoesNotMatch"),
        ("lambda", lambda c: c.list_functions(), "InvalidSignatureException"),
        ("logs", lambda c: c.describe_log_groups(), "InvalidSignatureException"),
    ],
)
def test_wrong_secret_is_refused_in_each_protocol(
    client: Any, service: str, call: Any, code: str
) -> None:
    with pytest.raises(ClientError) as raised:
        call(client(service, secret="wrong"))
    error = raised.value.response
    assert error["Error"]["Code"] == code
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert error["Error"]["Message"].startswith(
        "The request signature we calculated does not match"
    )


def test_unimplemented_operation_answers_501_naming_it(client: Any) -> None:
    with pytest.raises(ClientError) as raised:
        client("lambda").list_code_signing_configs()
    error = raised.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 501
    assert error["Error"]["Code"] == "NotImplemented"
    assert error["Error"]["Message"] == (
        "The operation ListCodeSigningConfigs of service lambda is not implemented by lambdalite."
    )


def test_unimplemented_query_operation_answers_in_xml(client: Any) -> None:
    with pytest.raises(ClientError) as raised:
        client("sns").list_platform_applications()
    assert raised.value.response["Error"]["Code"] == "NotImplemented"
    assert raised.value.response["Error"]["Type"] == "Receiver"


def test_unsigned_request_is_refused(server: LambdaliteServer) -> None:
    request = urllib.request.Request(
        server.endpoint + "/",
        data=b"Action=GetCallerIdentity&Version=2011-06-15",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(request, timeout=10)
    body = raised.value.read().decode()
    assert raised.value.code == 403
    assert "<Code>MissingAuthenticationToken</Code>" in body
    assert "<Message>Request is missing Authentication Token</Message>" in body


def _recorded(case: str, key: str) -> dict[str, Any]:
    document = json.loads((RECORDED / f"{case}.json").read_text())
    return document["snapshots"][0]["recorded_content"][key]  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("key", "overrides"),
    [
        ("invalid_role_arn_exc", {"Role": "r1"}),
        ("multiple_architectures", {"Architectures": ["x86_64", "arm64"]}),
        ("uppercase_architecture", {"Architectures": ["X86_64"]}),
    ],
)
def test_model_validation_matches_recorded_aws(
    client: Any, key: str, overrides: dict[str, Any]
) -> None:
    """Constraint violations answer ValidationException exactly as recorded against AWS."""
    params = {
        "FunctionName": "fn",
        "Runtime": "python3.12",
        "Role": ROLE,
        "Handler": "index.handler",
        "Code": {"ZipFile": b"PK"},
    }
    params.update(overrides)
    with pytest.raises(ClientError) as raised:
        client("lambda", parameter_validation=False).create_function(**params)
    expected = _recorded("03_create_function_validation", key)
    assert raised.value.response["Error"] == expected["Error"]
    assert (
        raised.value.response["ResponseMetadata"]["HTTPStatusCode"]
        == expected["ResponseMetadata"]["HTTPStatusCode"]
    )


def test_validation_reports_every_violation(client: Any) -> None:
    with pytest.raises(ClientError) as raised:
        client("lambda", parameter_validation=False).create_function(
            FunctionName="fn", Role="r1", Code={}, Timeout=6000, MemorySize=64
        )
    message = raised.value.response["Error"]["Message"]
    assert message.startswith("3 validation errors detected: ")
    assert (
        "Value '6000' at 'timeout' failed to satisfy constraint: Member must have value less than or equal to 5400"
        in message
    )
    assert (
        "Value '64' at 'memorySize' failed to satisfy constraint: Member must have value greater than or equal to 128"
        in message
    )


def test_sensitive_values_are_not_echoed(client: Any) -> None:
    with pytest.raises(ClientError) as raised:
        client("lambda", parameter_validation=False).create_function(
            FunctionName="fn",
            Role=ROLE,
            Code={"ZipFile": b"PK"},
            Environment={"Variables": {"bad-key": "secret"}},
        )
    assert raised.value.response["Error"]["Message"] == (
        "1 validation error detected: Value at 'environment.variables' failed to satisfy constraint: "
        "Map keys must satisfy constraint: [Member must satisfy regular expression pattern: "
        "[a-zA-Z]([a-zA-Z0-9_])+]"
    )


def test_a_client_expecting_100_continue_gets_it_then_its_answer(server: LambdaliteServer) -> None:
    host, port = server.endpoint.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n"
        )
        assert _head(conn).startswith(b"HTTP/1.1 100 Continue")  # the body may follow
        conn.sendall(b"{}")
        assert _head(conn).startswith(b"HTTP/1.1 4")  # an unsigned request: refused


def _head(conn: socket.socket) -> bytes:
    answer = b""
    while b"\r\n\r\n" not in answer:
        answer += conn.recv(1)
    return answer
