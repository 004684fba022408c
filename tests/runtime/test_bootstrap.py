"""lambdalite's Python bootstrap: the same behaviour as AWS's awslambdaric.

Two halves. In-process, its pieces are compared with awslambdaric's own (marshalling, handler
resolution, context, log formats). As subprocesses, three clients (lambdalite's bootstrap,
``python -m awslambdaric``, a curl custom runtime) serve the same handlers through one
RuntimeApi and must give the same outcomes (recordings 13, 17, 18, 23, 27).
"""

from __future__ import annotations

import asyncio
import collections
import decimal
import enum
import json
import logging
import math
import os
import re
import socket
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lambdalite.runtime.runtime_api import EnvironmentBusy
from tests.runtime.api_support import async_test, eventually
from tests.runtime.bootstrap_clients import (
    CLIENTS,
    PYTHON_CLIENTS,
    custom_runtime_available,
    python_interpreters,
    running_client,
)
from tests.runtime.bootstrap_module import load_bootstrap

awslambdaric_bootstrap = pytest.importorskip("awslambdaric.bootstrap")
from awslambdaric import lambda_context as ric_context  # noqa: E402
from awslambdaric import lambda_runtime_log_utils as ric_log_utils  # noqa: E402
from awslambdaric.lambda_runtime_exception import FaultException as RicFault  # noqa: E402
from awslambdaric.lambda_runtime_marshaller import LambdaMarshaller  # noqa: E402

bootstrap = load_bootstrap()

ALL_CLIENTS = [
    pytest.param(
        c,
        marks=pytest.mark.skipif(
            c == "custom" and not custom_runtime_available(), reason="needs curl"
        ),
    )
    for c in CLIENTS
]
SENT_CLIENT_CONTEXT = {
    "custom": {"k": "v"},
    "env": {"locale": "en-US"},
    "client": {
        "installation_id": "install-1",
        "app_title": "title",
        "app_version_name": "1.0",
        "app_version_code": "1",
        "app_package_name": "pkg",
    },
}
SENT_COGNITO = {"cognitoIdentityId": "us-east-1:id", "cognitoIdentityPoolId": "us-east-1:pool"}


# --- marshalling: simplejson's rules ---------------------------------------------------------


class Colour(enum.IntEnum):
    RED = 1


Point = collections.namedtuple("Point", "x y")


class WithAsDict:
    def _asdict(self) -> dict[str, Any]:
        return {"as": "dict"}


def _circular() -> list[Any]:
    items: list[Any] = []
    items.append(items)
    return items


MARSHAL_CASES: list[Any] = [
    {"a": 1, "b": [1.5, True, None, "s"]},
    None,
    "text",
    [
        decimal.Decimal("1.10"),
        decimal.Decimal("1E+2"),
        decimal.Decimal("NaN"),
        decimal.Decimal("-0"),
    ],
    {"n": decimal.Decimal("-Infinity")},
    {"bytes": b"xyz"},
    {b"key": 1},
    Point(1, [Point(2, decimal.Decimal("3.0"))]),
    {"p": Point(1, 2), "t": (1, 2)},
    WithAsDict(),
    {1.5: 1, True: 2, None: 3, 7: 4},
    [math.nan, math.inf, -math.inf],
    Colour.RED,
    {Colour.RED: "red"},
    {"text": "h\u00e9llo \u2603 \U0001f600 \u2028"},
    10**30,
    collections.OrderedDict(z=1, a=2),
    {"deep": [[[[{"x": (1, 2)}]]]]},
    b"\x00raw bytes",
    # failures: the MarshalError message must be the same
    {1},
    {"bad": b"\xff"},
    {decimal.Decimal("1"): 1},
    {(1, 2): 3},
    _circular(),
    object(),
]


@pytest.mark.parametrize("execution_env", ["AWS_Lambda_python3.11", "AWS_Lambda_python3.12"])
@pytest.mark.parametrize("value", MARSHAL_CASES, ids=lambda v: type(v).__name__)
def test_marshalling_matches_awslambdaric(
    value: Any, execution_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_EXECUTION_ENV", execution_env)
    ensure_ascii = bootstrap.ensure_ascii_output()
    assert ensure_ascii == (execution_env == "AWS_Lambda_python3.11")
    try:
        expected: Any = LambdaMarshaller().marshal_response(value)
    except RicFault as fault:
        expected = (fault.exception_type, fault.msg)
    try:
        actual: Any = bootstrap.marshal_response(value, ensure_ascii)
    except bootstrap.FaultException as fault:
        actual = (fault.exception_type, fault.msg)
    assert actual == expected


@pytest.mark.parametrize(
    ("env", "ascii_only"),
    [
        ("", True),
        ("AWS_Lambda_python3.9", True),
        ("AWS_Lambda_python3.13", False),
        ("AWS_Lambda_python3.20", False),
    ],
)
def test_utf8_output_from_python_3_12(
    env: str, ascii_only: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_EXECUTION_ENV", env)
    assert bootstrap.ensure_ascii_output() is ascii_only


def _unmarshal_faults(body: bytes) -> tuple[Any, Any]:
    with pytest.raises(RicFault) as expected:
        LambdaMarshaller().unmarshal_request(body, "application/json")
    with pytest.raises(bootstrap.FaultException) as actual:
        bootstrap.unmarshal_request(body, "application/json")
    return (
        (actual.value.exception_type, actual.value.msg),
        (expected.value.exception_type, expected.value.msg),
    )


@pytest.mark.parametrize("body", [b"", b"\xff", b"[1,", b"nul"])
def test_unmarshal_error_matches_awslambdaric(body: bytes) -> None:
    actual, expected = _unmarshal_faults(body)
    assert actual == expected


def test_unmarshal_error_wording_may_differ_from_simplejson() -> None:
    # The standard library words a few JSON errors unlike simplejson. Unreachable through
    # Invoke, which refuses a non-JSON payload before any runtime sees it (§2.1).
    actual, expected = _unmarshal_faults(b"{not json")
    assert actual[0] == expected[0] == "Runtime.UnmarshalError"
    prefix = "Unable to unmarshal input: Expecting property name enclosed in double quotes"
    assert actual[1].startswith(prefix) and expected[1].startswith(prefix)


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/json; charset=utf-8"])
def test_non_json_events_reach_the_handler_as_bytes(content_type: str | None) -> None:
    assert bootstrap.unmarshal_request(b"{}", content_type) == b"{}"


# --- handler resolution --------------------------------------------------------------------------


@pytest.fixture
def module_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, str]]:
    """A directory on sys.path and a module name unique to this test."""
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path, f"mod_{uuid.uuid4().hex}"


def _resolution(get_handler: Any, fault: type[Exception], handler: str) -> tuple[Any, ...]:
    try:
        found = get_handler(handler)
    except fault as error:
        return ("fault", error.exception_type, error.msg, error.trace)  # type: ignore[attr-defined]
    except Exception as error:
        return ("exception", type(error).__name__, str(error))
    return ("handler", found.__name__)


@pytest.mark.parametrize(
    ("source", "handler_suffix"),
    [
        ("def handler(event, context):\n    return event\n", ".handler"),
        ("def handler(event, context):\n    return event\n", ".missing"),
        ("def handler(event, context):\n    return 1 +\n", ".handler"),
        ("import no_such_module_anywhere\n", ".handler"),
        ('raise ValueError("Runtime startup fails")\n', ".handler"),
        ("x = 1\n", ""),
    ],
    ids=["found", "missing", "syntax", "import-error", "raises", "malformed"],
)
def test_handler_resolution_matches_awslambdaric(
    module_dir: tuple[Path, str], source: str, handler_suffix: str
) -> None:
    directory, name = module_dir
    (directory / f"{name}.py").write_text(source)
    handler = name + handler_suffix
    expected = _resolution(awslambdaric_bootstrap._get_handler, RicFault, handler)
    sys.modules.pop(name, None)
    assert _resolution(bootstrap.get_handler, bootstrap.FaultException, handler) == expected


@pytest.mark.parametrize("handler", ["sys.handler", "nonexistent_module_x.handler", "a/b.c"])
def test_handler_name_errors_match_awslambdaric(handler: str) -> None:
    expected = _resolution(awslambdaric_bootstrap._get_handler, RicFault, handler)
    assert _resolution(bootstrap.get_handler, bootstrap.FaultException, handler) == expected


def test_handler_in_a_subdirectory(module_dir: tuple[Path, str]) -> None:
    directory, name = module_dir
    (directory / name).mkdir()
    (directory / name / "app.py").write_text("def main(event, context):\n    return 1\n")
    assert bootstrap.get_handler(f"{name}/app.main")(None, None) == 1


# --- context ---------------------------------------------------------------------------------------


CONTEXT_ENV = {
    "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/fn",
    "AWS_LAMBDA_LOG_STREAM_NAME": "2026/11/29/[$LATEST]abc",
    "AWS_LAMBDA_FUNCTION_NAME": "fn",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "1024",
    "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
}


@pytest.mark.parametrize(
    ("client_context", "cognito"),
    [
        (None, None),
        (SENT_CLIENT_CONTEXT, SENT_COGNITO),
        (
            {"custom": {"a": 1}, "w3c": {"traceparent": "00-1-2-01", "baggage": 5}},
            {"cognitoIdentityId": "x"},
        ),
    ],
)
def test_context_matches_awslambdaric(
    client_context: Any, cognito: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in CONTEXT_ENV.items():
        monkeypatch.setenv(name, value)
    deadline = 4_102_444_800_000

    def arguments() -> tuple[Any, ...]:  # a fresh client context each: w3c is popped from it
        return ("req-1", json.loads(json.dumps(client_context)), cognito, deadline)

    expected = ric_context.LambdaContext(*arguments(), "arn:fn", "tenant")
    actual = bootstrap.LambdaContext(
        *arguments(), invoked_function_arn="arn:fn", tenant_id="tenant"
    )
    assert repr(actual) == repr(expected)
    assert actual.memory_limit_in_mb == "1024"  # a string, as on AWS
    assert actual.w3c() == expected.w3c()
    assert repr(actual.identity) == repr(expected.identity)
    assert abs(actual.get_remaining_time_in_millis() - expected.get_remaining_time_in_millis()) <= 5
    public = [a for a in dir(expected) if not a.startswith("_")]
    assert [a for a in dir(actual) if not a.startswith("_")] == public


def test_remaining_time_never_goes_below_zero() -> None:
    context = bootstrap.LambdaContext("r", None, None, 1000)
    assert context.get_remaining_time_in_millis() == 0


@pytest.mark.parametrize("header", ["client_context", "cognito_identity"])
def test_bad_context_headers_give_awslambdaric_fault(header: str) -> None:
    request = bootstrap.InvocationRequest(
        "r", None, "arn", 0, None, None, None, "application/json", b"{}"
    )
    request = request._replace(**{header: "{not json"})
    with pytest.raises(bootstrap.FaultException) as actual:
        bootstrap.create_lambda_context(request)
    names = {
        "client_context": (request.client_context, None),
        "cognito_identity": (None, request.cognito_identity),
    }
    with pytest.raises(RicFault) as expected:
        awslambdaric_bootstrap.create_lambda_context(*names[header], 0, "r", "arn", None)
    assert (actual.value.exception_type, actual.value.msg) == (
        expected.value.exception_type,
        expected.value.msg,
    )


# --- log formats ---------------------------------------------------------------------------------


class CapturingSink:
    def __init__(self) -> None:
        self.lines: list[list[str]] = []

    def log_error(self, message_lines: list[str]) -> None:
        self.lines.append(message_lines)


@pytest.mark.parametrize(
    "error",
    [
        {
            "errorMessage": "Handler fails",
            "errorType": "Exception",
            "stackTrace": [
                '  File "/var/task/app.py", line 2, in handler\n    raise Exception("x")\n'
            ],
        },
        {"errorMessage": "m", "errorType": "Runtime.ImportModuleError", "stackTrace": []},
        {"errorMessage": "", "errorType": "T", "stackTrace": ["", "  a\n"]},
        {"errorMessage": "only message", "errorType": ""},
    ],
)
def test_error_log_lines_match_awslambdaric(error: dict[str, Any]) -> None:
    sink = CapturingSink()
    awslambdaric_bootstrap.log_error(error, sink)
    assert bootstrap.text_error_lines(error) == sink.lines[0]


def _record(message: Any, *args: Any, exc: bool = False, **extra: Any) -> logging.LogRecord:
    exc_info = None
    if exc:
        try:
            raise KeyError("missing")
        except KeyError:
            exc_info = sys.exc_info()
    record = logging.LogRecord(
        "app.module", logging.WARNING + 1, "/var/task/app.py", 7, message, args, exc_info, "handler"
    )
    record.aws_request_id = "req-1"
    record.tenant_id = None
    for key, value in extra.items():
        setattr(record, key, value)
    return record


@pytest.mark.parametrize(
    "make",
    [
        lambda: _record("hello %s", "world"),
        lambda: _record({"structured": True, "n": 1}),
        lambda: _record("with extra", order_id=7, weird=object()),
        lambda: _record("failed", exc=True),
    ],
    ids=["args", "dict", "extra", "exc_info"],
)
def test_json_log_format_matches_awslambdaric(make: Any) -> None:
    expected = ric_log_utils.JsonFormatter().format(make())
    actual = bootstrap.JsonFormatter().format(make())
    strip = re.compile(r"object at 0x[0-9a-f]+")
    assert strip.sub("", actual) == strip.sub("", expected)


@pytest.mark.parametrize("value", [None, "", "TRACE", "debug", "INFO", "trace", "bogus"])
def test_log_level_rule_matches_awslambdaric(value: str | None) -> None:
    assert bootstrap.log_level_from_env(value) == ric_log_utils._get_log_level_from_env_var(value)


# --- sys.path --------------------------------------------------------------------------------


def test_sys_path_puts_the_function_then_the_layers_first(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "path", ["/zygote/stdlib", "/zygote/boto3"])
    monkeypatch.delenv("PYTHONPATH", raising=False)
    monkeypatch.setenv("LAMBDA_RUNTIME_DIR", "/var/runtime")
    bootstrap.set_default_sys_path("/var/task")
    bootstrap.add_default_site_directories("/var/task")
    bootstrap.set_default_pythonpath()
    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    site_packages = f"/opt/python/lib/python{version}/site-packages"
    # AWS's bootstrap.py order; site.addsitedir appends the missing layer dirs once more.
    assert sys.path == [
        "/var/task",
        site_packages,
        "/opt/python",
        "/zygote/stdlib",
        "/zygote/boto3",
        "/var/task",
        site_packages,
        "/opt/python",
    ]
    assert os.environ["PYTHONPATH"] == "/var/runtime"


def test_a_functions_own_pythonpath_replaces_the_layer_dirs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys, "path", ["/zygote/stdlib"])
    monkeypatch.setenv("PYTHONPATH", "/var/task/vendor:/opt/custom")
    bootstrap.set_default_sys_path("/var/task")
    assert sys.path == ["/var/task", "/var/task/vendor", "/opt/custom", "/zygote/stdlib"]


# --- the HTTP client ----------------------------------------------------------------------------


class CannedServer:
    """A one-connection server thread answering each request with the next canned reply."""

    def __init__(self, replies: list[bytes], close_after: int | None = None) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.address = f"127.0.0.1:{self.listener.getsockname()[1]}"
        self.replies = replies
        self.close_after = close_after
        self.requests: list[bytes] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        replies = iter(self.replies)
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            with conn:
                self._answer(conn, replies)

    def _answer(self, conn: socket.socket, replies: Iterator[bytes]) -> None:
        served = 0
        while self.close_after is None or served < self.close_after:
            data = conn.recv(65536)
            if not data:
                return
            self.requests.append(data)
            conn.sendall(next(replies))
            served += 1

    def close(self) -> None:
        self.listener.close()


def test_http_client_reads_chunked_and_close_delimited_bodies() -> None:
    server = CannedServer(
        [
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-T: 1\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc",
            b"HTTP/1.0 200 OK\r\n\r\nuntil close",
        ],
        close_after=3,
    )
    client = bootstrap.HttpConnection(server.address, "test")
    assert client.request("GET", "/a").body == b"hello world"
    assert client.request("GET", "/b").body == b"abc"
    reply = client.request("POST", "/c", b"{}")
    server.close()
    assert reply.body == b"until close"
    assert server.requests[2].startswith(b"POST /c HTTP/1.1\r\nHost: ")
    assert server.requests[2].endswith(b"Content-Length: 2\r\n\r\n{}")


def test_http_client_reconnects_once_when_a_kept_alive_connection_was_closed() -> None:
    server = CannedServer(
        [b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n"] * 4, close_after=1
    )
    client = bootstrap.HttpConnection(server.address, "test")
    assert client.request("GET", "/1").status == 202
    assert client.request("GET", "/2").status == 202  # the server had closed the first one
    server.close()
    assert len(server.requests) == 2


# --- three clients, one API: the same outcomes ----------------------------------------------------


@pytest.mark.parametrize("client", ALL_CLIENTS)
@async_test
async def test_echo(client: str, tmp_path: Path) -> None:
    async with running_client(client, tmp_path, "handlers.echo") as runner:
        result = await runner.invoke(b'{"a": [1, 2], "s": "x"}')
        assert result.kind == "response"
        assert json.loads(result.body) == {"a": [1, 2], "s": "x"}
        assert result.content_type == "application/json"


@pytest.mark.parametrize("client", ALL_CLIENTS)
@async_test
async def test_none_is_null(client: str, tmp_path: Path) -> None:
    async with running_client(client, tmp_path, "handlers.none") as runner:
        result = await runner.invoke()
        assert (result.kind, result.body) == ("response", b"null")  # recording 13


@pytest.mark.parametrize("client", ALL_CLIENTS)
@async_test
async def test_unicode(client: str, tmp_path: Path) -> None:
    async with running_client(client, tmp_path, "handlers.unicode") as runner:
        result = await runner.invoke()
        assert result.body == b'{"text": "h\\u00e9llo \\u2603 \\ud83d\\ude00"}'


@pytest.mark.parametrize("client", PYTHON_CLIENTS)
@async_test
async def test_unicode_is_utf8_from_python_3_12(client: str, tmp_path: Path) -> None:
    env = {"AWS_EXECUTION_ENV": "AWS_Lambda_python3.12"}
    async with running_client(client, tmp_path, "handlers.unicode", env=env) as runner:
        result = await runner.invoke()
        assert result.body == '{"text": "h\u00e9llo \u2603 \U0001f600"}'.encode()


@pytest.mark.parametrize("client", ALL_CLIENTS)
@async_test
async def test_bytes_are_sent_raw(client: str, tmp_path: Path) -> None:
    async with running_client(client, tmp_path, "handlers.raw") as runner:
        result = await runner.invoke()
        assert (result.kind, result.body, result.content_type) == (
            "response",
            b"\x00\xffbinary",
            "application/unknown",
        )


@pytest.mark.parametrize("client", ALL_CLIENTS)
@async_test
async def test_handler_exception(client: str, tmp_path: Path) -> None:
    async with running_client(client, tmp_path, "handlers.boom") as runner:
        inv_result = await runner.invoke()
        assert (inv_result.kind, inv_result.error_type) == ("error", "Runtime.Unknown")
        payload = json.loads(inv_result.body)
        assert list(payload) == ["errorMessage", "errorType", "requestId", "stackTrace"]
        assert (payload["errorMessage"], payload["errorType"]) == ("Handler fails", "Exception")
        assert re.fullmatch(r"[0-9a-f-]{36}", payload["requestId"])
        if client in PYTHON_CLIENTS:  # recording 17: only the user's frames
            handlers = runner.task_dir / "handlers.py"
            line = (
                handlers.read_text().splitlines().index('    raise Exception("Handler fails")') + 1
            )
            assert payload["stackTrace"] == [
                f'  File "{handlers}", line {line}, in boom\n    raise Exception("Handler fails")\n'
            ]
            assert (
                "[ERROR] Exception: Handler fails\rTraceback (most recent call last):\r"
                f'\u00a0\u00a0File "{handlers}", line {line}, in boom\r'
                '\u00a0\u00a0\u00a0\u00a0raise Exception("Handler fails")\n'
            ) in runner.log()
        # The environment goes on serving.
        assert (await runner.invoke()).kind == "error"


@pytest.mark.parametrize("client", ALL_CLIENTS)
@async_test
async def test_exception_at_import(client: str, tmp_path: Path) -> None:
    modules = {"initfail": 'raise Exception("Runtime startup fails")\n'}
    async with running_client(client, tmp_path, "initfail.handler", modules, start=False) as runner:
        init = await runner.start()
        assert init.ok is False and init.error_type == "Runtime.Unknown"
        payload = json.loads(init.body)
        assert list(payload) == ["errorMessage", "errorType", "requestId", "stackTrace"]
        assert (payload["errorMessage"], payload["errorType"], payload["requestId"]) == (
            "Runtime startup fails",
            "Exception",
            "",
        )
        if client in PYTHON_CLIENTS:  # recording 18: importlib's frames, then the module
            trace = payload["stackTrace"]
            assert re.fullmatch(
                r'  File ".*/importlib/__init__\.py", line \d+, in import_module\n.*\n', trace[0]
            )
            assert all(
                re.fullmatch(
                    r'  File "<frozen importlib\._bootstrap(_external)?>", line \d+, in \w+\n', f
                )
                for f in trace[1:-1]
            )
            assert (
                trace[-1]
                == f'  File "{runner.task_dir}/initfail.py", line 1, in <module>\n    raise Exception("Runtime startup fails")\n'
            )
            assert "LAMBDA_WARNING: Unhandled exception." in runner.log()
        assert await runner.exited() == 1


@pytest.mark.parametrize("client", PYTHON_CLIENTS)
@pytest.mark.parametrize(
    "case",
    [
        (
            "broken.handler",
            {"broken": "def handler(e, c):\n    return 1 +\n"},
            "Runtime.UserCodeSyntaxError",
            "Syntax error in module 'broken': invalid syntax (broken.py, line 2)",
        ),
        (
            "handlers.nothere",
            None,
            "Runtime.HandlerNotFound",
            "Handler 'nothere' missing on module 'handlers'",
        ),
        (
            "nosuchmodule.handler",
            None,
            "Runtime.ImportModuleError",
            "Unable to import module 'nosuchmodule': No module named 'nosuchmodule'",
        ),
        (
            "nodots",
            None,
            "Runtime.MalformedHandlerName",
            "Bad handler 'nodots': not enough values to unpack (expected 2, got 1)",
        ),
        (
            "sys.handler",
            None,
            "Runtime.BuiltInModuleConflict",
            "Cannot use built-in module sys as a handler module",
        ),
    ],
    ids=["syntax", "missing-handler", "no-module", "malformed", "builtin"],
)
@async_test
async def test_init_failures(client: str, case: tuple[str, Any, str, str], tmp_path: Path) -> None:
    handler, modules, error_type, message = case
    async with running_client(client, tmp_path, handler, modules, start=False) as runner:
        init = await runner.start()
        payload = json.loads(init.body)
        assert (init.ok, init.error_type) == (False, error_type)
        assert (payload["errorType"], payload["errorMessage"], payload["requestId"]) == (
            error_type,
            message,
            "",
        )
        if error_type == "Runtime.UserCodeSyntaxError":
            assert payload["stackTrace"] == [
                f'  File "{runner.task_dir}/broken.py" Line 2\n        return 1 +\n'
            ]
        else:
            assert payload["stackTrace"] == []
        assert (
            f"[ERROR] {error_type}: {message}\rTraceback (most recent call last):" in runner.log()
        )
        assert await runner.exited() == 1


@pytest.mark.parametrize("client", ALL_CLIENTS)
@async_test
async def test_response_too_large_and_the_next_invoke(client: str, tmp_path: Path) -> None:
    async with running_client(client, tmp_path, "handlers.big") as runner:
        first = await runner.invoke()
        assert (first.kind, first.error_type) == ("too_large", "Function.ResponseSizeTooLarge")
        if client in PYTHON_CLIENTS:
            # awslambdaric dies of the 413 (its C client raises): AWS starts a fresh runtime.
            init = await runner.restart()
            assert init.ok and runner.exit_codes == [1]
            assert (
                "LAMBDA_RUNTIME Failed to post handler success response. Http response code: 413. "
                in runner.log()
            )
            assert "RuntimeError: Failed to post invocation response" in runner.log()
        second = await runner.invoke()
        assert second.kind == "too_large"  # recording 23: the same again


@pytest.mark.parametrize("client", ALL_CLIENTS)
@async_test
async def test_one_invocation_at_a_time(client: str, tmp_path: Path) -> None:
    async with running_client(client, tmp_path, "handlers.slow") as runner:
        gate = Path(runner.env["GATE"])
        slow = asyncio.ensure_future(runner.invoke(b'{"n": 1}'))
        await eventually(lambda: runner.api._active is not None)
        with pytest.raises(EnvironmentBusy):
            await runner.invoke(b'{"n": 2}')
        assert not slow.done()
        gate.touch()
        assert json.loads((await slow).body) == {"n": 1}
        assert json.loads((await runner.invoke(b'{"n": 3}')).body) == {"n": 3}


@pytest.mark.parametrize("client", ALL_CLIENTS)
@async_test
async def test_client_context_and_cognito_reach_the_function(client: str, tmp_path: Path) -> None:
    async with running_client(client, tmp_path, "handlers.context") as runner:
        sent = {
            "client_context": json.dumps(SENT_CLIENT_CONTEXT),
            "cognito_identity": json.dumps(SENT_COGNITO),
        }
        result = await runner.invoke(b"{}", **sent)
        seen = json.loads(result.body)
        assert seen["client_context"] == SENT_CLIENT_CONTEXT
        assert seen["cognito_identity"] == SENT_COGNITO


@pytest.mark.parametrize("client", PYTHON_CLIENTS)
@async_test
async def test_context_object(client: str, tmp_path: Path) -> None:
    async with running_client(client, tmp_path, "handlers.context") as runner:
        result = await runner.invoke(b"{}", trace_id="Root=1-abc;Parent=def;Sampled=1")
        seen = json.loads(result.body)
        request_id = seen.pop("aws_request_id")
        assert seen.pop("repr").startswith(
            f"LambdaContext([aws_request_id={request_id},log_group_name=/aws/lambda/fn,"
        )
        assert seen == {
            "client_context": None,
            "cognito_identity": {"cognitoIdentityId": None, "cognitoIdentityPoolId": None},
            "invoked_function_arn": "arn:aws:lambda:us-east-1:123456789012:function:fn",
            "function_name": "fn",
            "function_version": "$LATEST",
            "memory_limit_in_mb": "128",
            "log_group_name": "/aws/lambda/fn",
            "log_stream_name": "2026/11/29/[$LATEST]0123456789abcdef0123456789abcdef",
            "remaining_in_range": True,
            "trace_id": "Root=1-abc;Parent=def;Sampled=1",
        }


@async_test
async def test_the_python_clients_answer_byte_for_byte_alike(tmp_path: Path) -> None:
    answers: dict[str, list[Any]] = {}
    for client in PYTHON_CLIENTS:
        async with running_client(client, tmp_path / client, "handlers.context") as runner:
            result = await runner.invoke(
                b"{}", request_id="fixed-id", deadline_ms=4_102_444_800_000
            )
            answers[client] = [result.kind, result.content_type, result.body]
    assert answers["lambdalite"] == answers["awslambdaric"]


@pytest.mark.parametrize("client", PYTHON_CLIENTS)
@async_test
async def test_logging_format(client: str, tmp_path: Path) -> None:
    modules = {
        "logs": "import logging\n"
        "def handler(event, context):\n"
        "    logging.getLogger().warning('careful %s', 1)\n"
        "    logging.getLogger('x').info('hidden at WARNING')\n"
        "    print('printed')\n"
        "    context.log('via context\\n')\n"
    }
    async with running_client(client, tmp_path, "logs.handler", modules) as runner:
        await runner.invoke(b"{}", request_id="req-0001")
        await eventually(lambda: "via context" in runner.log())
        log = runner.log()
        assert re.search(
            r"\[WARNING\]\t\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\treq-0001\tcareful 1\n", log
        )
        assert "hidden at WARNING" not in log
        assert "printed\n" in log and "via context\n" in log


@pytest.mark.parametrize("client", PYTHON_CLIENTS)
@async_test
async def test_json_logging_and_level(client: str, tmp_path: Path) -> None:
    modules = {
        "logs": "import logging\n"
        "def handler(event, context):\n"
        "    logging.getLogger('app').debug('debug line')\n"
        "    raise ValueError('bad')\n"
    }
    env = {"AWS_LAMBDA_LOG_FORMAT": "JSON", "AWS_LAMBDA_LOG_LEVEL": "DEBUG"}
    async with running_client(client, tmp_path, "logs.handler", modules, env=env) as runner:
        await runner.invoke(b"{}", request_id="req-0002")
        await eventually(lambda: '"level": "ERROR"' in runner.log())
        entries = [json.loads(line) for line in runner.log().splitlines() if line.startswith("{")]
        debug = next(e for e in entries if e["level"] == "DEBUG")
        assert {k: debug[k] for k in ("message", "logger", "requestId")} == {
            "message": "debug line",
            "logger": "app",
            "requestId": "req-0002",
        }
        error = next(e for e in entries if e["level"] == "ERROR")
        assert list(error) == [
            "timestamp",
            "level",
            "errorMessage",
            "errorType",
            "requestId",
            "stackTrace",
        ]
        assert (error["errorType"], error["errorMessage"]) == ("ValueError", "bad")


@async_test
async def test_bootstrap_fails_loudly_without_a_runtime_api(tmp_path: Path) -> None:
    async with running_client("lambdalite", tmp_path, "handlers.echo", start=False) as runner:
        runner.env["AWS_LAMBDA_RUNTIME_API"] = "127.0.0.1:1"
        await runner.spawn()
        assert await runner.exited() == 1
        assert "ConnectionRefusedError" in runner.log()


@pytest.mark.parametrize("python", python_interpreters(), ids=lambda p: Path(p).name)
@async_test
async def test_every_python_version(python: str, tmp_path: Path) -> None:
    """The bootstrap runs on each interpreter a python3.x runtime may get (3.9 and later)."""
    async with running_client(
        "lambdalite", tmp_path / "ok", "handlers.boom", python=python
    ) as runner:
        payload = json.loads((await runner.invoke()).body)
        assert payload["stackTrace"][0].startswith(f'  File "{runner.task_dir}/handlers.py", line ')
        assert len(payload["stackTrace"]) == 1
    modules = {"initfail": 'raise Exception("Runtime startup fails")\n'}
    async with running_client(
        "lambdalite", tmp_path / "init", "initfail.handler", modules, python=python
    ) as runner:
        trace = json.loads((await runner.api.initialized()).body)["stackTrace"]
        assert "/importlib/__init__.py" in trace[0] and "initfail.py" in trace[-1]
        assert all("lambdalite_bootstrap" not in frame for frame in trace)


# --- the recorded AWS payloads ------------------------------------------------------------------

RECORDED = Path(__file__).resolve().parents[1] / "fixtures" / "aws-recorded"
FRAME = re.compile(
    r'  File "(?P<file>[^"]*)", line \d+, in (?P<name>[^\n]*)\n(?P<code>    [^\n]*\n)?'
)


def recorded_payload(case: str) -> dict[str, Any]:
    document = json.loads((RECORDED / case).read_text())
    return document["snapshots"][0]["recorded_content"]["invocation_error"]["Payload"]  # type: ignore[no-any-return]


def frame_shape(frame: str, task_dir: Path | str) -> tuple[str, str, str | None]:
    """A stack frame without what varies by host and patch release: paths and line numbers."""
    match = FRAME.fullmatch(frame)
    assert match, frame
    path = match["file"].replace(str(task_dir), "/var/task")
    if path.endswith("/importlib/__init__.py"):
        path = "importlib/__init__.py"
    return path, match["name"], match["code"]


@pytest.mark.parametrize("client", PYTHON_CLIENTS)
@async_test
async def test_handler_error_payload_is_recording_17(client: str, tmp_path: Path) -> None:
    modules = {
        "lambda_handler_error": 'def handler(event, context):\n    raise Exception("Handler fails")\n'
    }
    async with running_client(client, tmp_path, "lambda_handler_error.handler", modules) as runner:
        result = await runner.invoke(b"{}", request_id="7cc3a3a8-1a2b-4c5d-8e9f-0a1b2c3d4e5f")
        expected = recorded_payload("17_handler_error.json")
        expected["requestId"] = "7cc3a3a8-1a2b-4c5d-8e9f-0a1b2c3d4e5f"
        expected["stackTrace"] = [
            f.replace("/var/task", str(runner.task_dir)) for f in expected["stackTrace"]
        ]
        assert json.loads(result.body) == expected


@pytest.mark.parametrize(
    ("client", "python"),
    [("awslambdaric", None), ("lambdalite", None)]
    + [("lambdalite", p) for p in python_interpreters() if p.endswith("3.13")],
    ids=lambda v: Path(v).name if v else "default",
)
@async_test
async def test_init_error_payload_is_recording_18(
    client: str, python: str | None, tmp_path: Path
) -> None:
    modules = {"lambda_runtime_error": 'raise Exception("Runtime startup fails")\n'}
    async with running_client(
        client, tmp_path, "lambda_runtime_error.handler", modules, python=python
    ) as runner:
        payload = json.loads((await runner.api.initialized()).body)
        expected = recorded_payload("18_init_error.json")
        assert {k: payload[k] for k in ("errorMessage", "errorType", "requestId")} == {
            k: expected[k] for k in ("errorMessage", "errorType", "requestId")
        }
        shapes = [frame_shape(f, runner.task_dir) for f in payload["stackTrace"]]
        assert shapes == [frame_shape(f, "/var/task") for f in expected["stackTrace"]]
