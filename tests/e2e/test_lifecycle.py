"""``lambdalite up`` / ``status``: start, report, refuse bad settings, shut down cleanly."""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.support.postgres import PostgresServer
from tests.support.server import LambdaliteServer, aws_env, running_server
from tests.support.signing import send, signed_headers

from .conftest import make_client


def test_up_reports_endpoint_credentials_and_a_private_data_dir(tmp_path: Path) -> None:
    data_dir = tmp_path / "nested" / "lambdalite"
    with running_server(data_dir) as server:
        ready = next(line for line in server.stdout if "AWS_ENDPOINT_URL" in line)
        assert (
            "AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1"
            in ready
        )
        assert any(str(data_dir) in line for line in server.stderr)
        assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
        status, _, body = send(server.endpoint, "GET", "/_lambdalite/health")
    health = json.loads(body)
    assert status == 200
    assert health["status"] == "running"
    assert health["data_dir"] == str(data_dir)
    assert health["auth"] == "on"
    assert health["store"] == "sqlite"
    assert health["uptime_seconds"] >= 0
    assert health["services"]["sts"] == {
        "enabled": True,
        "implemented_operations": 1,
        "operations": 12,
    }
    assert health["services"]["lambda"]["enabled"] is True
    assert health["services"]["sqs"] == {
        "enabled": True,
        "implemented_operations": 23,
        "operations": 23,
    }
    assert health["services"]["iam"]["enabled"] is False
    assert set(health["host"]) >= {"namespaces", "cgroup", "seccomp", "root"}


def test_sigterm_finishes_in_flight_requests_then_closes_the_store(tmp_path: Path) -> None:
    server = LambdaliteServer(tmp_path / "data")
    try:
        answer = _request_across_a_sigterm(server)
    finally:
        if server.process.poll() is None:  # a failed check must not leave the server running
            server.process.kill()
            server.process.wait()
    assert answer.startswith(b"HTTP/1.1 200 OK")
    # SQLite removes the write-ahead log once the last connection closed cleanly.
    assert not (tmp_path / "data" / "lambdalite.db-wal").exists()


def _request_across_a_sigterm(server: LambdaliteServer) -> bytes:
    """Send half a request, SIGTERM the server, send the rest: the answer, once it stopped."""
    body = b"Action=GetCallerIdentity&Version=2011-06-15"
    headers = signed_headers(
        "POST",
        server.endpoint + "/",
        body,
        {"Content-Type": "application/x-www-form-urlencoded"},
        "sts",
    )
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    parts = urlsplit(server.endpoint)
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as connection:
        connection.sendall(
            f"POST / HTTP/1.1\r\nHost: {parts.netloc}\r\n{head}Content-Length: {len(body)}\r\n\r\n".encode()
            + body[:10]
        )
        # A request answered after that one was sent means the server has read its headers.
        assert send(server.endpoint, "GET", "/_lambdalite/health")[0] == 200
        server.process.send_signal(signal.SIGTERM)
        _wait_until_refusing(parts.hostname or "", parts.port or 0)
        connection.sendall(body[10:])
        answer = connection.recv(65536)
    assert server.process.wait(timeout=30) == 0
    return answer


def _wait_until_refusing(host: str, port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection((host, port), timeout=1).close()
        except OSError:
            return
    raise AssertionError("the server kept accepting connections after SIGTERM")


def test_sigint_stops_cleanly_and_state_survives_a_restart(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    first = LambdaliteServer(data_dir)
    assert first.stop(signal.SIGINT) == 0
    with running_server(data_dir) as second:  # migrations are idempotent on an existing store
        identity = make_client(second.endpoint, "sts").get_caller_identity()
        assert identity["Account"] == "000000000000"


def test_auth_off_accepts_anything_and_says_so(tmp_path: Path) -> None:
    with running_server(tmp_path / "data", args=["--auth", "off"]) as server:
        assert any("--auth off" in line for line in server.stderr)
        identity = make_client(server.endpoint, "sts", secret="anything").get_caller_identity()
        assert identity["Arn"] == "arn:aws:iam::000000000000:root"
        status, _, answer = send(
            server.endpoint,
            "POST",
            "/",
            b"Action=GetCallerIdentity&Version=2011-06-15",
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert status == 200 and b"<Account>000000000000</Account>" in answer
        _, _, health = send(server.endpoint, "GET", "/_lambdalite/health")
        assert json.loads(health)["auth"] == "off"


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("LAMBDALITE_")}
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "lambdalite", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=environment,
        check=False,
    )


def test_status_describes_a_running_server(tmp_path: Path) -> None:
    with running_server(tmp_path / "data") as server:
        result = _cli("status", "--endpoint", server.endpoint)
        raw = _cli("status", "--endpoint", server.endpoint, "--json")
    assert result.returncode == 0, result.stderr
    assert f"at {server.endpoint}" in result.stdout
    assert "sts (1/12 operations)" in result.stdout
    assert "cgroups" in result.stdout and "seccomp" in result.stdout
    assert "functions  0 warm environments, 0 spare" in result.stdout
    assert json.loads(raw.stdout)["status"] == "running"


def test_status_without_a_server_is_one_clear_line() -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    result = _cli("status", "--endpoint", f"http://127.0.0.1:{port}")
    assert result.returncode == 1
    assert result.stderr.startswith(
        f"lambdalite: no lambdalite answering at http://127.0.0.1:{port}"
    )
    assert len(result.stderr.strip().splitlines()) == 1


def test_busy_port_is_one_clear_line(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = _cli("up", "--port", str(port), "--data-dir", str(tmp_path / "data"))
    assert result.returncode == 1
    assert (
        result.stderr.strip().splitlines()[-1]
        == f"lambdalite: cannot listen on 127.0.0.1:{port}: Address already in use"
    )


def test_invalid_setting_is_one_clear_line(tmp_path: Path) -> None:
    result = _cli("up", "--data-dir", str(tmp_path / "data"), env={"LAMBDALITE_ACCOUNT_ID": "abc"})
    assert result.returncode == 1
    assert result.stderr.startswith(
        "lambdalite: invalid setting account_id: String should match pattern"
    )
    assert len(result.stderr.strip().splitlines()) == 1


def test_environment_configures_the_server(tmp_path: Path) -> None:
    env = {"LAMBDALITE_ACCOUNT_ID": "123456789012", "LAMBDALITE_SECRET_ACCESS_KEY": "s3cret"}
    with running_server(tmp_path / "data", env=env) as server:
        identity = make_client(server.endpoint, "sts", secret="s3cret").get_caller_identity()
    assert identity["Account"] == "123456789012"


@pytest.mark.parametrize("signal_number", [signal.SIGTERM])
def test_aws_env_helper_matches_the_ready_line(tmp_path: Path, signal_number: int) -> None:
    server = LambdaliteServer(tmp_path / "data")
    try:
        ready = next(line for line in server.stdout if "AWS_ENDPOINT_URL" in line)
        exported = dict(item.split("=", 1) for item in ready.split("export ", 1)[1].split())
        assert exported == aws_env(server.endpoint)
    finally:
        assert server.stop(signal_number) == 0


def test_postgresql_database_serves_the_same(
    tmp_path: Path, postgres_server: PostgresServer
) -> None:
    schema = postgres_server.create_schema()
    try:
        url = postgres_server.url(schema)
        with running_server(tmp_path / "data", args=["--database", url]) as server:
            identity = make_client(server.endpoint, "sts").get_caller_identity()
            _, _, health = send(server.endpoint, "GET", "/_lambdalite/health")
        assert identity["Account"] == "000000000000"
        assert json.loads(health)["store"] == "postgresql"
    finally:
        postgres_server.drop_schema(schema)
