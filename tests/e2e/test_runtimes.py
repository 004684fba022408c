"""Runtimes: every pythonX.Y found on the host, custom runtimes (a curl bootstrap, AWS's own
awslambdaric), recorded 19, and the loud refusals."""

from __future__ import annotations

import io
import json
import stat
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import awslambdaric
import pytest
import simplejson

from lambdalite.runtime.interpreters import discover
from tests.conformance.conftest import ROLE, zipped
from tests.conformance.snapshot import Snapshot, recorded
from tests.support.aws_errors import error
from tests.support.server import LambdaliteServer, running_server

from .conftest import make_client

# The AWS tutorial's custom runtime: a shell loop on the Runtime API, with curl.
CURL_BOOTSTRAP = """#!/bin/sh
set -eu
API="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation"
while true; do
  HEADERS="$(mktemp)"
  EVENT=$(curl -sS -LD "$HEADERS" "$API/next")
  REQUEST_ID=$(grep -Fi Lambda-Runtime-Aws-Request-Id "$HEADERS" | tr -d '[:space:]' | cut -d: -f2)
  echo "handling $REQUEST_ID"
  case "$EVENT" in
    *fail*) curl -sS -X POST "$API/$REQUEST_ID/error" -d '{"errorType": "&alloc::boxed::Box<dyn core::error::Error + core::marker::Send + core::marker::Sync>", "errorMessage": "Error: \\"some_error_msg\\""}' > /dev/null ;;
    *) curl -sS -X POST "$API/$REQUEST_ID/response" -d "{\\"echo\\": $EVENT, \\"handler\\": \\"$_HANDLER\\"}" > /dev/null ;;
  esac
done
"""


def executable(name: str, source: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
    info.external_attr = (stat.S_IFREG | 0o755) << 16
    return info


def custom_runtime(files: dict[str, str], bootstrap: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(executable("bootstrap", bootstrap), bootstrap)
        for name, source in files.items():
            archive.writestr(name, source)
    return buffer.getvalue()


def with_packages(buffer: zipfile.ZipFile, *modules: Any) -> None:
    """Vendor installed packages (as a user would ``pip install -t``) into a deployment zip."""
    for module in modules:
        root = Path(module.__file__)
        base = root.parent.parent if root.name == "__init__.py" else root.parent
        paths = [
            p
            for p in (root.parent.rglob("*") if root.name == "__init__.py" else [root])
            if p.is_file()
        ]
        for path in paths:
            buffer.write(path, str(path.relative_to(base)))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LambdaliteServer]:
    with running_server(tmp_path_factory.mktemp("runtimes") / "data") as started:
        yield started


@pytest.fixture
def lam(server: LambdaliteServer) -> Any:
    return make_client(server.endpoint, "lambda", parameter_validation=False)


def create_python(lam: Any, name: str, source: str, runtime: str = "python3.12") -> None:
    """A function of ``source`` as handler.py, on lambdalite's own Python bootstrap."""
    lam.create_function(
        FunctionName=name,
        Runtime=runtime,
        Role=ROLE,
        Handler="handler.handler",
        Code={"ZipFile": zipped({"handler.py": source})},
    )


def run(lam: Any, name: str, event: Any) -> tuple[Any, dict[str, Any]]:
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    response = lam.invoke(FunctionName=name, Payload=json.dumps(event))
    return json.loads(response["Payload"].read()), response


@pytest.mark.parametrize("version", sorted({f"{i.version[0]}.{i.version[1]}" for i in discover()}))
def test_every_python_the_host_has(lam: Any, version: str) -> None:
    source = "import sys, boto3\n\ndef handler(event, context):\n    return [sys.version_info[:2], boto3.__version__ is not None]\n"
    name = f"python{version.replace('.', '')}"
    create_python(lam, name, source, f"python{version}")
    result, _ = run(lam, name, {})
    assert result == [[int(part) for part in version.split(".")], True]


# What the handler's own process has open: its sockets, by the table (/proc/net/...) that
# lists each one's inode, and whether the platform's private variable leaked into os.environ.
SOCKETS_SEEN = """import os

def inodes(table):
    with open(table) as rows:
        header = rows.readline().split()
        column = header.index("Inode") if "Inode" in header else 9
        return {row.split()[column] for row in rows}

def handler(event, context):
    unix = inodes("/proc/net/unix")
    tcp = inodes("/proc/net/tcp") | inodes("/proc/net/tcp6")
    seen = {"unix": 0, "tcp": 0}
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inode = target[len("socket:["):-1]
            seen["unix"] += inode in unix
            seen["tcp"] += inode in tcp
    seen["variable"] = any(name.startswith("_LAMBDALITE") for name in os.environ)
    return seen
"""


def test_the_python_runtime_reaches_the_runtime_api_over_a_socketpair(lam: Any) -> None:
    # lambdalite's bootstrap gets a connected socketpair from the platform (no loopback TCP);
    # the variable naming its descriptor is gone before the function's code runs.
    create_python(lam, "sockets-seen", SOCKETS_SEEN)
    for _ in range(2):  # the first start, then a warm invocation on the same connection
        result, _ = run(lam, "sockets-seen", {})
        assert result == {"unix": 1, "tcp": 0, "variable": False}


def test_a_curl_custom_runtime(lam: Any) -> None:
    code = custom_runtime({}, CURL_BOOTSTRAP)
    lam.create_function(
        FunctionName="curl-runtime",
        Runtime="provided.al2023",
        Role=ROLE,
        Handler="function.handler",
        Code={"ZipFile": code},
    )
    result, response = run(lam, "curl-runtime", {"hello": "world"})
    assert result == {"echo": {"hello": "world"}, "handler": "function.handler"}
    assert "FunctionError" not in response


def test_19_custom_runtime_error_passes_through(lam: Any) -> None:
    lam.create_function(
        FunctionName="curl-error",
        Runtime="provided.al2023",
        Role=ROLE,
        Handler="function.handler",
        Code={"ZipFile": custom_runtime({}, CURL_BOOTSTRAP)},
    )
    result, response = run(lam, "curl-error", {"please": "fail"})
    response["Payload"] = result
    expected = recorded("19_uncaught_exception_multi_runtime", "error_result", "[provided.al2023]")
    Snapshot().match(expected, response)


def test_19_python_uncaught_exception(lam: Any) -> None:
    source = "def handler(event, context):\n    raise Exception('Failed: some_error_msg')\n"
    create_python(lam, "py-uncaught", source)
    result, response = run(lam, "py-uncaught", {})
    expected = recorded("19_uncaught_exception_multi_runtime", "error_result", "[python3.12]")
    expected["Payload"]["stackTrace"] = result["stackTrace"]  # masked in the recording
    response["Payload"] = result
    Snapshot().match(expected, response)


def test_awslambdaric_as_the_runtime_client(lam: Any) -> None:
    """AWS's own Python runtime client, unchanged, vendored in the zip like any dependency."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        bootstrap = (
            '#!/bin/sh\ncd /var/task\nexec /usr/bin/python3.11 -m awslambdaric "$_HANDLER"\n'
        )
        archive.writestr(executable("bootstrap", bootstrap), bootstrap)
        archive.writestr(
            "app.py",
            "def handler(event, context):\n    return {'ric': True, 'request': context.aws_request_id, 'event': event}\n",
        )
        import runtime_client  # awslambdaric's C extension: a top-level module of its own
        import snapshot_restore_py

        with_packages(archive, awslambdaric, runtime_client, simplejson, snapshot_restore_py)
    lam.create_function(
        FunctionName="ric",
        Runtime="provided.al2023",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": buffer.getvalue()},
        Timeout=30,
    )
    result, _ = run(lam, "ric", {"n": 1})
    assert result["ric"] is True and result["event"] == {"n": 1}
    assert len(result["request"]) == 36


def test_a_custom_runtime_without_bootstrap(lam: Any) -> None:
    lam.create_function(
        FunctionName="no-bootstrap",
        Runtime="provided.al2023",
        Role=ROLE,
        Handler="x",
        Code={"ZipFile": zipped({"readme.txt": "nothing to run"})},
    )
    result, response = run(lam, "no-bootstrap", {})
    assert response["FunctionError"] == "Unhandled"
    assert result["errorType"] == "Runtime.ExitError"


def test_runtimes_lambdalite_cannot_run_are_refused(lam: Any) -> None:
    lam.create_function(
        FunctionName="node-fn",
        Runtime="nodejs20.x",
        Role=ROLE,
        Handler="index.handler",
        Code={"ZipFile": zipped({"index.js": "exports.handler = async () => 1;"})},
    )
    lam.get_waiter("function_active_v2").wait(FunctionName="node-fn")
    code, message, status = error(lambda: lam.invoke(FunctionName="node-fn", Payload=b"{}"))
    assert (code, status) == ("InvalidRuntimeException", 400)
    assert message.startswith("lambdalite cannot run nodejs20.x functions")
