"""``lambdalite up --tls``: HTTPS with a generated (and reused) or a given certificate."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

from lambdalite.tls import certificate_for
from tests.conformance.conftest import ROLE, zipped
from tests.support.server import LambdaliteServer, running_server

# The function calls STS through AWS_ENDPOINT_URL, the address lambdalite gives its sandboxes.
CALLER = (
    "import boto3\n\n"
    "def handler(event, context):\n"
    "    return boto3.client('sts').get_caller_identity()['Arn']\n"
)


def tls_client(server: LambdaliteServer, service: str, verify: Path) -> Any:
    return boto3.client(
        service,
        endpoint_url=server.endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        verify=str(verify),
        config=Config(retries={"max_attempts": 1}, read_timeout=120),
    )


def ready_line(server: LambdaliteServer) -> str:
    return next(line for line in server.stdout if "AWS_ENDPOINT_URL" in line)


def health(server: LambdaliteServer, verify: Path) -> dict[str, Any]:
    # lambdalite status trusts the generated certificate of its data dir, as a user's would.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LAMBDALITE_", "AWS_"))}
    env.update(LAMBDALITE_DATA_DIR=str(server.data_dir), AWS_CA_BUNDLE=str(verify))
    command = [sys.executable, "-m", "lambdalite", "status", "--endpoint", server.endpoint]
    answer = subprocess.run(
        [*command, "--json"], capture_output=True, text=True, env=env, timeout=30, check=True
    )
    text = subprocess.run(command, capture_output=True, text=True, env=env, timeout=30, check=True)
    assert f"tls        on, certificate {verify}" in text.stdout
    document: dict[str, Any] = json.loads(answer.stdout)
    return document


def test_generated_certificate_serves_boto3_and_functions_and_is_reused(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    cert, key = data_dir / "tls" / "cert.pem", data_dir / "tls" / "key.pem"
    with running_server(data_dir, args=["--tls"]) as server:
        assert server.endpoint.startswith("https://127.0.0.1:")
        assert f"AWS_CA_BUNDLE={cert}" in ready_line(server)
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
        sts = tls_client(server, "sts", cert)
        assert sts.get_caller_identity()["Account"] == "000000000000"
        lam = tls_client(server, "lambda", cert)
        lam.create_function(
            FunctionName="caller",
            Runtime="python3.12",
            Role=ROLE,
            Handler="handler.handler",
            Code={"ZipFile": zipped({"handler.py": CALLER})},
        )
        lam.get_waiter("function_active_v2").wait(FunctionName="caller")
        response = lam.invoke(FunctionName="caller", Payload=b"{}")
        assert "FunctionError" not in response, response["Payload"].read()
        assert json.loads(response["Payload"].read()).startswith("arn:aws:sts::000000000000:")
        assert health(server, cert)["tls"] == {"enabled": True, "certificate": str(cert)}
        first = cert.read_bytes(), key.read_bytes()
    with running_server(data_dir, args=["--tls"]) as again:
        assert (cert.read_bytes(), key.read_bytes()) == first
        assert tls_client(again, "sts", cert).get_caller_identity()["Account"] == "000000000000"


def test_a_given_certificate_and_key_are_served(tmp_path: Path) -> None:
    given = certificate_for(tmp_path / "mine", None, None, ["us-east-1"])
    args = ["--tls", "--tls-cert", str(given.cert_file), "--tls-key", str(given.key_file)]
    with running_server(tmp_path / "data", args=args) as server:
        # Only a certificate lambdalite made is known to be its own CA bundle.
        assert "AWS_CA_BUNDLE" not in ready_line(server)
        sts = tls_client(server, "sts", given.cert_file)
        assert sts.get_caller_identity()["Account"] == "000000000000"
        assert health(server, given.cert_file)["tls"]["certificate"] == str(given.cert_file)
    assert not (tmp_path / "data" / "tls").exists()


@pytest.mark.parametrize(
    "flags",
    [
        pytest.param(
            lambda a, b: ["--tls-cert", a.cert_file, "--tls-key", b.key_file], id="mismatch"
        ),
        pytest.param(
            lambda a, b: ["--tls-cert", a.key_file, "--tls-key", a.key_file], id="not-a-cert"
        ),
        pytest.param(lambda a, b: ["--tls-cert", a.cert_file], id="cert-without-key"),
    ],
)
def test_a_bad_pair_fails_with_one_line(tmp_path: Path, flags: Any) -> None:
    one = certificate_for(tmp_path / "one", None, None, ["us-east-1"])
    two = certificate_for(tmp_path / "two", None, None, ["us-east-1"])
    command = [sys.executable, "-m", "lambdalite", "up", "--port", "0", "--tls"]
    command += ["--data-dir", str(tmp_path / "data"), *map(str, flags(one, two))]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LAMBDALITE_", "AWS_"))}
    result = subprocess.run(
        command, capture_output=True, text=True, env=env, timeout=60, check=False
    )
    assert result.returncode != 0
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("lambdalite: ")
    assert result.stdout == ""
