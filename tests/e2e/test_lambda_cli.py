"""The aws CLI drives the Lambda control plane through AWS_ENDPOINT_URL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.conformance.conftest import ROLE, handler_zip
from tests.support.server import LambdaliteServer, aws_env


def aws(server: LambdaliteServer, *args: str) -> Any:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(aws_env(server.endpoint))
    result = subprocess.run(
        [sys.executable, "-m", "awscli", *args, "--output", "json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout) if result.stdout.strip() else None


def test_cli_function_lifecycle(server: LambdaliteServer, tmp_path: Path) -> None:
    package = tmp_path / "function.zip"
    package.write_bytes(handler_zip("cli"))
    created = aws(
        server,
        "lambda",
        "create-function",
        "--function-name",
        "cli-fn",
        "--runtime",
        "python3.12",
        "--role",
        ROLE,
        "--handler",
        "handler.handler",
        "--zip-file",
        f"fileb://{package}",
    )
    assert created["FunctionName"] == "cli-fn"
    aws(server, "lambda", "wait", "function-active-v2", "--function-name", "cli-fn")
    listed = aws(server, "lambda", "list-functions")
    assert "cli-fn" in [f["FunctionName"] for f in listed["Functions"]]
    updated = aws(
        server,
        "lambda",
        "update-function-configuration",
        "--function-name",
        "cli-fn",
        "--timeout",
        "7",
    )
    assert updated["LastUpdateStatus"] == "InProgress"
    aws(server, "lambda", "wait", "function-updated-v2", "--function-name", "cli-fn")
    assert aws(server, "lambda", "publish-version", "--function-name", "cli-fn")["Version"] == "1"
    got = aws(server, "lambda", "get-function", "--function-name", "cli-fn", "--qualifier", "1")
    assert got["Configuration"]["Timeout"] == 7
    out = tmp_path / "out.json"
    invoked = aws(
        server,
        "lambda",
        "invoke",
        "--function-name",
        "cli-fn:1",
        "--payload",
        '{"name": "you"}',  # aws CLI v1 sends it as is (v2 wants --cli-binary-format)
        str(out),
    )
    assert (invoked["StatusCode"], invoked["ExecutedVersion"]) == (200, "1")
    assert json.loads(out.read_text()) == {"name": "you"}  # the handler echoes its event
    settings = aws(server, "lambda", "get-account-settings")
    assert settings["AccountUsage"]["FunctionCount"] >= 1
    aws(server, "lambda", "delete-function", "--function-name", "cli-fn")
    assert "cli-fn" not in [
        f["FunctionName"] for f in aws(server, "lambda", "list-functions")["Functions"]
    ]
