"""lambdalite's Python runtime client: runs a ``python3.x`` function against the Runtime API.

It does what AWS's Python runtimes do (``/var/runtime/bootstrap.py`` and ``awslambdaric``,
reference/AWS-BEHAVIOUR.md §1.4-1.6): the same ``sys.path``, handler resolution and its error
types and messages, context object, JSON marshalling (simplejson's rules, with the standard
library), error payloads, stack traces and log formats. It is faster: one persistent HTTP
connection with ``TCP_NODELAY`` and one ``send`` per request instead of libcurl.

Standard library only, and Python 3.9-3.14: the zygote of every runtime version imports this
module ahead of time, and the forked runtime process calls :func:`main`. Importing it has no
side effects; everything is read from ``os.environ`` when :func:`main` runs. Fatal failures end
in ``SystemExit`` (status 1), as an uncaught exception ends AWS's runtime.
"""

from __future__ import annotations

import decimal
import importlib
import json
import logging
import math
import operator
import os
import re
import site
import socket
import sys
import time
import traceback
from typing import IO, TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:  # aliases for annotations only: the 3.9 runtime has no X | Y at run time
    from collections.abc import Callable

    StackEntry = tuple[str, int, str, str | None]
    Handler = Callable[[Any, Any], Any]

# The name of this file: frames of it are cut from the stack traces users see, as awslambdaric
# cuts frames of its bootstrap.py.
_OWN_FRAMES = "/lambdalite_bootstrap.py"

ERROR_TYPE_HEADER = "Lambda-Runtime-Function-Error-Type"
XRAY_CAUSE_HEADER = "Lambda-Runtime-Function-XRay-Error-Cause"
_MAX_XRAY_CAUSE_BYTES = 1024 * 1024
#: The Runtime API refuses larger results (413), and a runtime exits on that: such a result is
#: sent alone, so no GET /next is pending when the runtime goes.
_MAX_PIPELINED_RESULT_BYTES = 6 * 1024 * 1024
_NEXT_PATH = "/2018-06-01/runtime/invocation/next"
_ERROR_LINE_TERMINATOR = "\r"
_ERROR_INDENT = "\u00a0"  # NO-BREAK SPACE: CloudWatch keeps the traceback's indentation
_DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
_TEXT_FORMAT = "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n"
_PREVIEW_RUNTIMES = {"AWS_Lambda_python3.15"}

UNHANDLED_EXCEPTION_WARNING = (
    "LAMBDA_WARNING: Unhandled exception. "
    "The most likely cause is an issue in the function code. "
    "However, in rare cases, a Lambda runtime update can cause unexpected function behavior. "
    "For functions using managed runtimes, runtime updates can be triggered by a function "
    "change, or can be applied automatically. "
    "To determine if the runtime has been updated, check the runtime version in the INIT_START "
    "log entry. "
    "If this error correlates with a change in the runtime version, you may be able to mitigate "
    "this error by temporarily rolling back to the previous runtime version. "
    "For more information, see https://docs.aws.amazon.com/lambda/latest/dg/runtimes-update.html"
    "\r"
)


class FaultException(Exception):
    """A failure of the runtime's own making, reported with an AWS ``Runtime.*`` type."""

    MARSHAL_ERROR = "Runtime.MarshalError"
    UNMARSHAL_ERROR = "Runtime.UnmarshalError"
    USER_CODE_SYNTAX_ERROR = "Runtime.UserCodeSyntaxError"
    HANDLER_NOT_FOUND = "Runtime.HandlerNotFound"
    IMPORT_MODULE_ERROR = "Runtime.ImportModuleError"
    BUILT_IN_MODULE_CONFLICT = "Runtime.BuiltInModuleConflict"
    MALFORMED_HANDLER_NAME = "Runtime.MalformedHandlerName"
    LAMBDA_CONTEXT_UNMARSHAL_ERROR = "Runtime.LambdaContextUnmarshalError"
    LAMBDA_RUNTIME_CLIENT_ERROR = "Runtime.LambdaRuntimeClientError"

    def __init__(self, exception_type: str, msg: str, trace: list[str] | None = None) -> None:
        super().__init__(msg)
        self.exception_type = exception_type
        self.msg = msg
        self.trace = trace


# --- the Runtime API client --------------------------------------------------------------------


class HttpResponse(NamedTuple):
    """A reply of the Runtime API (header names lower-cased)."""

    status: int
    headers: dict[str, str]
    body: bytes


class _StaleConnection(Exception):
    """A kept-alive connection was closed by the server before it answered."""


class HttpConnection:
    """A minimal persistent HTTP/1.1 client: each request leaves in one ``send``."""

    def __init__(self, address: str, user_agent: str, channel: str | None = None) -> None:
        host, _, port = address.rpartition(":")
        self._endpoint = (host.strip("[]") or "127.0.0.1", int(port))
        self._prefix = f"Host: {address}\r\nUser-Agent: {user_agent}\r\n"
        self._sock: socket.socket | None = None
        self._buffer = bytearray()
        # The descriptor of a connection the platform opened for us (lambdalite passes a
        # socketpair: no loopback TCP per message); used for the first connection only.
        self._channel = None if channel is None else int(channel)

    def request(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> HttpResponse:
        return self.pipeline([(method, path, body, headers or {})])[0]

    def pipeline(
        self, requests: list[tuple[str, str, bytes, dict[str, str]]]
    ) -> list[HttpResponse]:
        """Send ``requests`` in one ``send`` and read their responses, in order."""
        message = b"".join(self._message(*request) for request in requests)
        try:
            return self._exchange(message, len(requests))
        except _StaleConnection:
            self.close()
            return self._exchange(message, len(requests))

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
        self._sock = None
        self._buffer.clear()

    def _message(self, method: str, path: str, body: bytes, headers: dict[str, str]) -> bytes:
        lines = [f"{method} {path} HTTP/1.1\r\n", self._prefix]
        lines.extend(f"{name}: {value}\r\n" for name, value in headers.items())
        if method != "GET":
            lines.append(f"Content-Length: {len(body)}\r\n")
        lines.append("\r\n")
        return "".join(lines).encode("utf-8") + body

    def _exchange(self, message: bytes, count: int) -> list[HttpResponse]:
        reused = self._sock is not None
        sock = self._sock or self._connect()
        try:
            responses = [self._response(self._send(sock, message, reused))]
            responses.extend(self._response(self._read_head(False)) for _ in range(count - 1))
        except BaseException:
            self.close()
            raise
        if responses[-1].headers.get("connection", "").lower() == "close":
            self.close()
        return responses

    def _response(self, head: tuple[int, dict[str, str]]) -> HttpResponse:
        status, headers = head
        return HttpResponse(status, headers, self._read_body(headers))

    def _send(
        self, sock: socket.socket, message: bytes, reused: bool
    ) -> tuple[int, dict[str, str]]:
        try:
            sock.sendall(message)
            return self._read_head(reused)
        except (BrokenPipeError, ConnectionResetError) as error:
            # A kept-alive connection the server had closed: resets instead of ending cleanly.
            if reused and not self._buffer:
                raise _StaleConnection() from error
            raise

    def _connect(self) -> socket.socket:
        if self._channel is not None:
            sock = socket.socket(fileno=self._channel)
            self._channel = None
        else:
            sock = socket.create_connection(self._endpoint)
            # Small messages must leave at once: Nagle + delayed ACK would stall each by 40 ms.
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sock = sock
        return sock

    def _read_head(self, reused: bool) -> tuple[int, dict[str, str]]:
        end = self._buffer.find(b"\r\n\r\n")
        while end < 0:
            if not self._fill():
                if reused and not self._buffer:
                    raise _StaleConnection()
                raise ConnectionError("the Runtime API closed the connection")
            end = self._buffer.find(b"\r\n\r\n")
        head = bytes(self._buffer[:end]).decode("utf-8", "replace")
        del self._buffer[: end + 4]
        return _parse_head(head)

    def _read_body(self, headers: dict[str, str]) -> bytes:
        if "chunked" in headers.get("transfer-encoding", "").lower():
            return self._read_chunked()
        length = headers.get("content-length")
        if length is not None:
            return self._read_exact(int(length))
        return self._read_to_close()

    def _fill(self) -> bool:
        assert self._sock is not None
        chunk = self._sock.recv(65536)
        self._buffer += chunk
        return bool(chunk)

    def _read_exact(self, size: int) -> bytes:
        if len(self._buffer) < size:
            return self._receive_into(size)
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data

    def _receive_into(self, size: int) -> bytes:
        # Large events go straight into one preallocated buffer: no growing, no re-copying.
        assert self._sock is not None
        data = bytearray(size)
        have = len(self._buffer)
        data[:have] = self._buffer
        self._buffer.clear()
        view = memoryview(data)
        while have < size:
            received = self._sock.recv_into(view[have:])
            if not received:
                raise ConnectionError("the Runtime API closed the connection mid-body")
            have += received
        return bytes(data)

    def _read_line(self) -> bytes:
        end = self._buffer.find(b"\r\n")
        while end < 0:
            if not self._fill():
                raise ConnectionError("the Runtime API closed the connection mid-body")
            end = self._buffer.find(b"\r\n")
        line = bytes(self._buffer[:end])
        del self._buffer[: end + 2]
        return line

    def _read_chunked(self) -> bytes:
        parts = []
        while True:
            size = int(self._read_line().split(b";", 1)[0], 16)
            if size == 0:
                break
            parts.append(self._read_exact(size))
            self._read_exact(2)
        while self._read_line():  # trailers, up to the empty line
            pass
        return b"".join(parts)

    def _read_to_close(self) -> bytes:
        while self._fill():
            pass
        data = bytes(self._buffer)
        self.close()
        return data


def _parse_head(head: str) -> tuple[int, dict[str, str]]:
    lines = head.split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers


class InvocationRequest(NamedTuple):
    """One event, as ``GET /next`` delivered it."""

    invoke_id: str
    x_amzn_trace_id: str | None
    invoked_function_arn: str | None
    deadline_time_in_ms: int
    client_context: str | None
    cognito_identity: str | None
    tenant_id: str | None
    content_type: str | None
    event_body: bytes


class LambdaRuntimeClientError(Exception):
    """The Runtime API refused a request."""


class LambdaRuntimeClient:
    """The Runtime API calls a runtime makes, with awslambdaric's failure behaviour."""

    def __init__(self, address: str, channel: str | None = None) -> None:
        version = ".".join(str(part) for part in sys.version_info[:3])
        self._http = HttpConnection(address, f"lambdalite-python/{version}", channel)

    def wait_next_invocation(self) -> InvocationRequest:
        return self._next_from(self._http.request("GET", _NEXT_PATH))

    def _next_from(self, response: HttpResponse) -> InvocationRequest:
        if response.status != 200:
            _log_runtime_error(
                f"Failed to get next invocation. Http Response code: {response.status}"
            )
            raise RuntimeError("Failed to get next")
        return _invocation_request(response)

    def post_invocation_result(
        self, invoke_id: str, body: bytes, content_type: str
    ) -> InvocationRequest:
        """Post the result and wait for the next event."""
        path = f"/2018-06-01/runtime/invocation/{invoke_id}/response"
        return self._post_then_next(path, body, {"Content-Type": content_type}, "response")

    def post_invocation_error(
        self, invoke_id: str, body: bytes, xray_cause: str
    ) -> InvocationRequest:
        """Post the error and wait for the next event."""
        headers = {"Content-Type": "application/json"}
        if xray_cause and len(xray_cause.encode("utf-8")) < _MAX_XRAY_CAUSE_BYTES:
            headers[XRAY_CAUSE_HEADER] = xray_cause
        path = f"/2018-06-01/runtime/invocation/{invoke_id}/error"
        return self._post_then_next(path, body, headers, "error")

    def _post_then_next(
        self, path: str, body: bytes, headers: dict[str, str], what: str
    ) -> InvocationRequest:
        # Both requests leave in one send: the platform answers the post together with the next
        # event, so one round trip (and one wake-up) serves each invocation.
        if len(body) > _MAX_PIPELINED_RESULT_BYTES:
            self._post(path, body, headers, what)
            return self.wait_next_invocation()
        posted, following = self._http.pipeline(
            [("POST", path, body, headers), ("GET", _NEXT_PATH, b"", {})]
        )
        self._check_posted(posted, what)
        return self._next_from(following)

    def post_init_error(self, body: bytes, error_type: str) -> None:
        path = "/2018-06-01/runtime/init/error"
        response = self._http.request("POST", path, body, {ERROR_TYPE_HEADER: error_type})
        if response.status != 202:
            raise LambdaRuntimeClientError(
                f"Request to Lambda Runtime '{path}' endpoint failed. "
                f"Reason: '{response.status}'. Response body: '{response.body!r}'"
            )

    def _post(self, path: str, body: bytes, headers: dict[str, str], what: str) -> None:
        self._check_posted(self._http.request("POST", path, body, headers), what)

    def _check_posted(self, response: HttpResponse, what: str) -> None:
        if not 200 <= response.status <= 299:
            # awslambdaric's C client logs this line, then the runtime dies of the error.
            text = response.body.decode("utf-8", "replace")
            _log_runtime_error(
                "Failed to post handler success response. "
                f"Http response code: {response.status}. {text}"
            )
            raise RuntimeError(f"Failed to post invocation {what}")


def _log_runtime_error(message: str) -> None:
    sys.stdout.write(f"[ERROR] [{int(time.time() * 1000)}] LAMBDA_RUNTIME {message}\n")


def _invocation_request(response: HttpResponse) -> InvocationRequest:
    headers = response.headers
    return InvocationRequest(
        invoke_id=headers.get("lambda-runtime-aws-request-id", ""),
        x_amzn_trace_id=headers.get("lambda-runtime-trace-id") or None,
        invoked_function_arn=headers.get("lambda-runtime-invoked-function-arn"),
        deadline_time_in_ms=int(headers.get("lambda-runtime-deadline-ms") or 0),
        client_context=headers.get("lambda-runtime-client-context") or None,
        cognito_identity=headers.get("lambda-runtime-cognito-identity") or None,
        tenant_id=headers.get("lambda-runtime-aws-tenant-id") or None,
        content_type=headers.get("content-type") or None,
        event_body=response.body,
    )


# --- the context object ---------------------------------------------------------------------


_W3C_FIELDS = ("traceparent", "tracestate", "baggage")


class LambdaContext:
    """The handler's ``context`` (awslambdaric's LambdaContext, attribute for attribute)."""

    def __init__(
        self,
        invoke_id: str,
        client_context: Any,
        cognito_identity: Any,
        epoch_deadline_time_in_ms: int,
        *,
        invoked_function_arn: str | None = None,
        tenant_id: str | None = None,
    ) -> None:
        self.aws_request_id = invoke_id
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = invoked_function_arn
        self.tenant_id = tenant_id
        self._w3c_fields = _extract_w3c(client_context)
        self.client_context = _client_context(client_context)
        self.identity = _identity(cognito_identity)
        self._epoch_deadline_time_in_ms = epoch_deadline_time_in_ms

    def get_remaining_time_in_millis(self) -> int:
        delta_ms = self._epoch_deadline_time_in_ms - int(time.time() * 1000)
        return delta_ms if delta_ms > 0 else 0

    def w3c(self) -> dict[str, str]:
        """The W3C trace context the caller passed in its client context."""
        return dict(self._w3c_fields)

    def log(self, msg: Any) -> None:
        for handler in logging.getLogger().handlers:
            if hasattr(handler, "log_sink"):
                handler.log_sink.log(str(msg))
                return
        sys.stdout.write(str(msg))

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}(["
            f"aws_request_id={self.aws_request_id},"
            f"log_group_name={self.log_group_name},"
            f"log_stream_name={self.log_stream_name},"
            f"function_name={self.function_name},"
            f"memory_limit_in_mb={self.memory_limit_in_mb},"
            f"function_version={self.function_version},"
            f"invoked_function_arn={self.invoked_function_arn},"
            f"client_context={self.client_context},"
            f"identity={self.identity},"
            f"tenant_id={self.tenant_id}"
            "])"
        )


class _SlotsObject:
    """Attributes from a dict, named by ``__slots__``; the repr awslambdaric prints."""

    __slots__: tuple[str, ...] = ()

    def __repr__(self) -> str:
        fields = ",".join(f"{name}={getattr(self, name)}" for name in self.__slots__)
        return f"{self.__class__.__name__}([{fields}])"


class CognitoIdentity(_SlotsObject):
    """``context.identity``."""

    __slots__ = ("cognito_identity_id", "cognito_identity_pool_id")


class Client(_SlotsObject):
    """``context.client_context.client``."""

    # awslambdaric's order, which its repr shows.
    __slots__ = (  # noqa: RUF023
        "installation_id",
        "app_title",
        "app_version_name",
        "app_version_code",
        "app_package_name",
    )


class ClientContext(_SlotsObject):
    """``context.client_context``."""

    __slots__ = ("custom", "env", "client")  # noqa: RUF023 (awslambdaric's order)


def _from_dict(cls: type[_SlotsObject], values: Any) -> Any:
    if values is None:
        return None
    obj = cls()
    for name in cls.__slots__:
        setattr(obj, name, values.get(name, None))
    return obj


def _client_context(values: Any) -> Any:
    context = _from_dict(ClientContext, values)
    if context is not None:
        context.client = _from_dict(Client, context.client)
    return context


def _identity(cognito_identity: Any) -> Any:
    identity = _from_dict(CognitoIdentity, {})
    if cognito_identity is not None:
        identity.cognito_identity_id = cognito_identity.get("cognitoIdentityId")
        identity.cognito_identity_pool_id = cognito_identity.get("cognitoIdentityPoolId")
    return identity


def _extract_w3c(client_context: Any) -> dict[str, str]:
    # The w3c member is taken out of the client context the handler sees.
    if not isinstance(client_context, dict) or "w3c" not in client_context:
        return {}
    raw = client_context.pop("w3c")
    if not isinstance(raw, dict):
        return {}
    return {key: raw[key] for key in _W3C_FIELDS if isinstance(raw.get(key), str)}


def _parse_json_header(header: str, name: str) -> Any:
    try:
        return json.loads(header)
    except Exception as error:
        raise FaultException(
            FaultException.LAMBDA_CONTEXT_UNMARSHAL_ERROR,
            f"Unable to parse {name} JSON: {error}",
            None,
        ) from error


def create_lambda_context(request: InvocationRequest) -> LambdaContext:
    client_context = None
    if request.client_context:
        client_context = _parse_json_header(request.client_context, "Client Context")
    cognito_identity = None
    if request.cognito_identity:
        cognito_identity = _parse_json_header(request.cognito_identity, "Cognito Identity")
    return LambdaContext(
        request.invoke_id,
        client_context,
        cognito_identity,
        request.deadline_time_in_ms,
        invoked_function_arn=request.invoked_function_arn,
        tenant_id=request.tenant_id,
    )


# --- marshalling: simplejson's rules, with the standard library -------------------------------


# default() answers a Decimal with this placeholder; the number is spliced in afterwards (the
# standard library cannot emit raw JSON, simplejson's RawJSON can). The random part makes a
# collision with a user's string practically impossible.
_DECIMAL_TAG = f"\x00lambdalite-decimal-{os.urandom(6).hex()}-"
_DECIMAL_PLACEHOLDER = re.compile(
    '"' + re.escape(json.dumps(_DECIMAL_TAG)[1:-1]) + r"(\d+)\\u0000\""
)


def ensure_ascii_output() -> bool:
    """awslambdaric writes UTF-8 JSON from python3.12 on, escaped ASCII before."""
    match = re.fullmatch(r"AWS_Lambda_python3\.(\d+)", os.environ.get("AWS_EXECUTION_ENV", ""))
    return not (match and int(match.group(1)) >= 12)


def to_json(value: Any, ensure_ascii: bool = True) -> str:
    decimals: list[str] = []

    def default(obj: Any) -> Any:
        return _simplejson_default(obj, decimals)

    encoder = json.JSONEncoder(ensure_ascii=ensure_ascii, allow_nan=True, default=default)
    try:
        text = encoder.encode(_simplejson_view(value, set()))
    except TypeError as error:
        raise _simplejson_type_error(error) from None
    if not decimals:
        return text
    return _DECIMAL_PLACEHOLDER.sub(lambda match: decimals[int(match.group(1))], text)


def _simplejson_type_error(error: TypeError) -> TypeError:
    # The C encoder names a bad key's type by tp_name ("decimal.Decimal"), simplejson by
    # __name__ ("Decimal").
    message = str(error)
    prefix = "keys must be str, int, float, bool or None, not "
    if message.startswith(prefix):
        return TypeError(prefix + message[len(prefix) :].rsplit(".", 1)[-1])
    return error


def _simplejson_default(obj: Any, decimals: list[str]) -> Any:
    if isinstance(obj, decimal.Decimal):
        if obj.is_nan():
            return math.nan
        decimals.append(str(obj))
        return f"{_DECIMAL_TAG}{len(decimals) - 1}\x00"
    if isinstance(obj, bytes):
        return obj.decode("utf-8")  # simplejson's encoding="utf-8"
    as_dict = getattr(obj, "_asdict", None)
    if callable(as_dict):
        return _simplejson_view(_checked_asdict(as_dict), set())
    raise TypeError(f"Object of type {obj.__class__.__name__} is not JSON serializable")


def _checked_asdict(as_dict: Callable[[], Any]) -> dict[Any, Any]:
    result = as_dict()
    if not isinstance(result, dict):
        raise TypeError(f"_asdict() must return a dict, not {type(result).__name__}")
    return result


def _simplejson_view(value: Any, path: set[int]) -> Any:
    """``value`` with what simplejson encodes differently rewritten: named tuples become
    objects, bytes keys text. Unchanged containers are returned as they are (no copy)."""
    if isinstance(value, dict):
        return _enter(value, path, _view_dict)
    if isinstance(value, list):
        return _enter(value, path, _view_sequence)
    if isinstance(value, tuple):
        as_dict = getattr(value, "_asdict", None)
        if callable(as_dict):
            return _enter(_checked_asdict(as_dict), path, _view_dict)
        return _enter(value, path, _view_sequence)
    return value


def _enter(value: Any, path: set[int], view: Callable[[Any, set[int]], Any]) -> Any:
    marker = id(value)
    if marker in path:
        raise ValueError("Circular reference detected")
    path.add(marker)
    result = view(value, path)
    path.discard(marker)
    return result


_CONTAINERS = (dict, list, tuple)


def _view_dict(value: dict[Any, Any], path: set[int]) -> dict[Any, Any]:
    items = []
    changed = False
    for key, item in value.items():
        new_key = key.decode("utf-8") if isinstance(key, bytes) else key
        new_item = _simplejson_view(item, path) if isinstance(item, _CONTAINERS) else item
        changed = changed or new_key is not key or new_item is not item
        items.append((new_key, new_item))
    return dict(items) if changed else value


def _view_sequence(value: list[Any] | tuple[Any, ...], path: set[int]) -> Any:
    items = [
        _simplejson_view(item, path) if isinstance(item, _CONTAINERS) else item for item in value
    ]
    changed = any(map(operator.is_not, items, value))
    return items if changed else value


def unmarshal_request(body: bytes, content_type: str | None) -> Any:
    if content_type != "application/json":
        return body
    try:
        return json.loads(body)
    except Exception as error:
        message = f"Unable to unmarshal input: {error}"
        raise FaultException(FaultException.UNMARSHAL_ERROR, message, None) from error


def marshal_response(response: Any, ensure_ascii: bool) -> tuple[bytes | str, str]:
    if isinstance(response, bytes):
        return response, "application/unknown"
    try:
        return to_json(response, ensure_ascii), "application/json"
    except Exception as error:
        message = f"Unable to marshal response: {error}"
        raise FaultException(FaultException.MARSHAL_ERROR, message, None) from error


# --- errors -----------------------------------------------------------------------------------


def make_error(
    error_message: str | None,
    error_type: str | None,
    stack_trace: list[str] | None,
    invoke_id: str | None = None,
) -> dict[str, Any]:
    return {
        "errorMessage": error_message if error_message else "",
        "errorType": error_type if error_type else "",
        "requestId": invoke_id if invoke_id is not None else "",
        "stackTrace": stack_trace if stack_trace else [],
    }


def user_frames(tb: Any) -> list[StackEntry]:
    """The frames of a traceback from the first one that is not this module's."""
    frames = [
        (frame.filename, frame.lineno or 0, frame.name, frame.line)
        for frame in traceback.extract_tb(tb)
    ]
    for index, frame in enumerate(frames):
        if _OWN_FRAMES not in frame[0]:
            return frames[index:]
    return frames


def make_xray_fault(
    ex_type: str, ex_msg: str, working_dir: str, frames: list[StackEntry]
) -> dict[str, Any]:
    stack = [{"label": name, "path": path, "line": line} for path, line, name, _ in frames]
    exception = {"message": ex_msg, "type": ex_type, "stack": stack}
    paths = list({path for path, _, _, _ in frames})
    return {"working_directory": working_dir, "exceptions": [exception], "paths": paths}


def fault_result(error: BaseException) -> dict[str, Any]:
    """The error payload of an exception raised while the handler module was imported."""
    frames = user_frames(error.__traceback__)
    stack = traceback.format_list(frames)
    return make_error(str(error), type(error).__name__, stack)


def _indent(line: str) -> str:
    stripped = line.lstrip(" ")
    return _ERROR_INDENT * (len(line) - len(stripped)) + stripped


def text_error_lines(error_result: dict[str, Any]) -> list[str]:
    """``[ERROR] Type: message`` and the traceback, as awslambdaric logs them."""
    description = "[ERROR]"
    if error_result.get("errorType"):
        description += " " + error_result["errorType"]
    if error_result.get("errorMessage"):
        if error_result.get("errorType"):
            description += ":"
        description += " " + error_result["errorMessage"]
    lines = [description]
    stack_trace = error_result.get("stackTrace")
    if stack_trace is not None:
        lines.append("Traceback (most recent call last):")
        for element in stack_trace:
            lines.extend([_indent(line) for line in element.splitlines()] if element else [""])
    return lines


# --- logging ----------------------------------------------------------------------------------

_TEXT_FRAME = 0xA55A0003
_JSON_FRAME = 0xA55A0002
# Frame types by level (NOTSET, DEBUG, INFO, WARNING, ERROR, CRITICAL).
_LEVEL_FRAME_OFFSET = {0: 0, 10: 8, 20: 12, 30: 16, 40: 20, 50: 24}
_RESERVED_RECORD_FIELDS = {
    "name",
    "msg",
    "args",
    "levelname",
    "levelno",
    "pathname",
    "filename",
    "module",
    "exc_info",
    "exc_text",
    "stack_info",
    "lineno",
    "funcName",
    "created",
    "msecs",
    "relativeCreated",
    "thread",
    "threadName",
    "processName",
    "process",
    "aws_request_id",
    "tenant_id",
    "_frame_type",
}


def frame_type(json_format: bool, level: int) -> bytes:
    base = _JSON_FRAME if json_format else _TEXT_FRAME
    return (base + _LEVEL_FRAME_OFFSET.get(level, 0)).to_bytes(4, "big")


def normalized_level(levelno: int) -> int:
    return min(50, max(0, levelno)) // 10 * 10


class StandardLogSink:
    """Logs go to stdout, as the runtime's output is the function's log."""

    def log(self, msg: str, frame: bytes | None = None) -> None:
        sys.stdout.write(msg)

    def log_error(self, message_lines: list[str]) -> None:
        sys.stdout.write(_ERROR_LINE_TERMINATOR.join(message_lines) + "\n")

    def close(self) -> None:
        """Nothing to release."""


class FramedTelemetryLogSink:
    """awslambdaric's framing on ``_LAMBDA_TELEMETRY_LOG_FD``: type, length, timestamp."""

    def __init__(self, fd: int, json_format: bool) -> None:
        self._file = os.fdopen(fd, "wb", 0)
        self._error_frame = frame_type(json_format, logging.ERROR)

    def log(self, msg: str, frame: bytes | None = None) -> None:
        encoded = msg.encode("utf-8")
        timestamp = time.time_ns() // 1000
        header = (frame or frame_type(False, 0)) + len(encoded).to_bytes(4, "big")
        self._file.write(header + timestamp.to_bytes(8, "big") + encoded)

    def log_error(self, message_lines: list[str]) -> None:
        self.log("\n".join(message_lines), self._error_frame)

    def close(self) -> None:
        self._file.close()


LogSink = Any  # StandardLogSink | FramedTelemetryLogSink (the 3.9 runtime has no X | Y)


class LambdaLoggerHandler(logging.Handler):
    """The root logger's handler: formatted records into the log sink."""

    def __init__(self, log_sink: LogSink, framed_by_level: bool) -> None:
        super().__init__()
        self.log_sink = log_sink
        self._framed_by_level = framed_by_level

    def emit(self, record: logging.LogRecord) -> None:
        message = self.format(record)
        if not self._framed_by_level:
            self.log_sink.log(message)
            return
        frame = getattr(record, "_frame_type", None) or frame_type(
            False, normalized_level(record.levelno)
        )
        self.log_sink.log(message, frame)


class LambdaLoggerFilter(logging.Filter):
    """Stamps each record with the current request id (empty during init)."""

    def __init__(self, state: _RuntimeState) -> None:
        super().__init__()
        self._state = state

    def filter(self, record: logging.LogRecord) -> bool:
        record.aws_request_id = self._state.request_id or ""
        record.tenant_id = self._state.tenant_id
        return True


class JsonFormatter(logging.Formatter):
    """``AWS_LAMBDA_LOG_FORMAT=JSON``: one JSON object per record."""

    def __init__(self) -> None:
        super().__init__(datefmt=_DATETIME_FORMAT)
        self._encoder = json.JSONEncoder(ensure_ascii=False, default=str)

    def format(self, record: logging.LogRecord) -> str:
        record.levelno = normalized_level(record.levelno)
        record.levelname = logging.getLevelName(record.levelno)
        record._frame_type = frame_type(True, record.levelno)
        result = self._fields(record)
        result.update(
            (key, value)
            for key, value in record.__dict__.items()
            if key not in _RESERVED_RECORD_FIELDS and key not in result
        )
        result = {key: value for key, value in result.items() if value is not None}
        return self._encoder.encode(result) + "\n"

    def _fields(self, record: logging.LogRecord) -> dict[str, Any]:
        exc_info = record.exc_info
        fields = {
            "timestamp": self.formatTime(record, self.datefmt),
            "level": record.levelname,
            "message": record.msg
            if isinstance(record.msg, dict) and not record.args
            else record.getMessage(),
            "logger": record.name,
            "stackTrace": traceback.format_tb(exc_info[2]) if exc_info else None,
            "errorType": exc_info[0].__name__ if exc_info and exc_info[0] else None,
            "errorMessage": str(exc_info[1]) if exc_info else None,
            "requestId": getattr(record, "aws_request_id", None),
            "location": f"{record.pathname}:{record.funcName}:{record.lineno}"
            if exc_info
            else None,
        }
        tenant_id = getattr(record, "tenant_id", None)
        if tenant_id is not None:
            fields["tenantId"] = tenant_id
        return fields


class Unbuffered:
    """stdout/stderr flushed after every write, so output reaches the log at once."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream

    def __enter__(self) -> Unbuffered:
        return self

    def __exit__(self, *exc_info: object) -> None:
        pass

    def __getattr__(self, attr: str) -> Any:
        return getattr(self.stream, attr)

    def write(self, msg: str) -> None:
        self.stream.write(msg)
        self.stream.flush()

    def writelines(self, msgs: Any) -> None:
        self.stream.writelines(msgs)
        self.stream.flush()


def log_level_from_env(value: str | None) -> str:
    """``AWS_LAMBDA_LOG_LEVEL``; TRACE maps to DEBUG (awslambdaric's exact rule)."""
    return {None: "", "TRACE": "DEBUG"}.get(value, value or "").upper()


class _RuntimeState:
    """What the log filter needs from the loop: the request being handled."""

    def __init__(self) -> None:
        self.request_id: str | None = None
        self.tenant_id: str | None = None


def setup_logging(json_format: bool, log_level: str, sink: LogSink, state: _RuntimeState) -> None:
    logging.Formatter.converter = time.gmtime
    logger = logging.getLogger()
    handler = LambdaLoggerHandler(sink, framed_by_level=json_format or bool(log_level))
    if json_format:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(_TEXT_FORMAT, "%Y-%m-%dT%H:%M:%S"))
    if log_level in logging._nameToLevel:
        logger.setLevel(log_level)
    handler.addFilter(LambdaLoggerFilter(state))
    logger.addHandler(handler)


# --- handler loading --------------------------------------------------------------------------


def get_handler(handler: str) -> Handler:
    """Import ``module.function`` (``dir/module.function`` too), with AWS's error messages."""
    try:
        modname, fname = handler.rsplit(".", 1)
    except ValueError as error:
        message = f"Bad handler '{handler}': {error}"
        raise FaultException(FaultException.MALFORMED_HANDLER_NAME, message) from error
    module = _import_handler_module(modname)
    try:
        return getattr(module, fname)  # type: ignore[no-any-return]
    except AttributeError:
        message = f"Handler '{fname}' missing on module '{modname}'"
        raise FaultException(FaultException.HANDLER_NOT_FOUND, message, None) from None


def _import_handler_module(modname: str) -> Any:
    if modname.split(".", 1)[0] in sys.builtin_module_names:
        message = f"Cannot use built-in module {modname} as a handler module"
        raise FaultException(FaultException.BUILT_IN_MODULE_CONFLICT, message)
    try:
        return importlib.import_module(modname.replace("/", "."))
    except ImportError as error:
        message = f"Unable to import module '{modname}': {error}"
        raise FaultException(FaultException.IMPORT_MODULE_ERROR, message) from error
    except SyntaxError as error:
        trace = [f'  File "{error.filename}" Line {error.lineno}\n    {error.text}']
        message = f"Syntax error in module '{modname}': {error}"
        raise FaultException(FaultException.USER_CODE_SYNTAX_ERROR, message, trace) from error


# --- the runtime loop -------------------------------------------------------------------------


class Runtime:
    """One runtime process: init, then events until the platform stops it."""

    def __init__(self, client: LambdaRuntimeClient, sink: LogSink, json_format: bool) -> None:
        self.client = client
        self.sink = sink
        self.json_format = json_format
        self.state = _RuntimeState()
        self.ensure_ascii = ensure_ascii_output()

    def init(self, handler_name: str) -> Handler:
        """The handler, or report the failure on ``/runtime/init/error`` and exit 1."""
        try:
            _log_preview_runtime_warning()
            return get_handler(handler_name)
        except FaultException as fault:
            error_result = make_error(fault.msg, fault.exception_type, fault.trace)
        except Exception as error:
            error_result = fault_result(error)
        logging.warning(UNHANDLED_EXCEPTION_WARNING)
        self.log_error(error_result)
        body = to_json(error_result, self.ensure_ascii).encode("utf-8")
        self.client.post_init_error(body, error_result["errorType"])
        raise SystemExit(1)

    def serve(self, handler: Handler) -> None:
        request = self.client.wait_next_invocation()
        while True:
            self.state.request_id = request.invoke_id
            self.state.tenant_id = request.tenant_id
            _update_xray_env(request.x_amzn_trace_id)
            request = self.handle(handler, request)

    def handle(self, handler: Handler, request: InvocationRequest) -> InvocationRequest:
        """Run one event; returns the next one."""
        try:
            context = create_lambda_context(request)
            event = unmarshal_request(request.event_body, request.content_type)
            result, content_type = marshal_response(handler(event, context), self.ensure_ascii)
        except FaultException as fault:
            xray = make_xray_fault("LambdaValidationError", fault.msg, os.getcwd(), [])
            error = make_error(fault.msg, fault.exception_type, fault.trace, request.invoke_id)
            return self.report(request, error, xray)
        except Exception as error:
            return self.report_exception(request, error)
        body = result if isinstance(result, bytes) else result.encode("utf-8")
        return self.client.post_invocation_result(request.invoke_id, body, content_type)

    def report_exception(self, request: InvocationRequest, error: Exception) -> InvocationRequest:
        frames = user_frames(error.__traceback__)
        name, message = type(error).__name__, str(error)
        xray = make_xray_fault(name, message, os.getcwd(), frames)
        stack = traceback.format_list(frames)
        return self.report(request, make_error(message, name, stack, request.invoke_id), xray)

    def report(
        self, request: InvocationRequest, error: dict[str, Any], xray: Any
    ) -> InvocationRequest:
        self.log_error(error)
        body = to_json(error, self.ensure_ascii).encode("utf-8")
        cause = to_json(xray, self.ensure_ascii)
        return self.client.post_invocation_error(request.invoke_id, body, cause)

    def log_error(self, error_result: dict[str, Any]) -> None:
        if self.json_format:
            timestamp = time.strftime(_DATETIME_FORMAT, time.gmtime())
            entry = {"timestamp": timestamp, "level": "ERROR", **error_result}
            self.sink.log_error([to_json(entry, self.ensure_ascii)])
        else:
            self.sink.log_error(text_error_lines(error_result))


def _update_xray_env(trace_id: str | None) -> None:
    if trace_id is not None:
        os.environ["_X_AMZN_TRACE_ID"] = trace_id
    else:
        os.environ.pop("_X_AMZN_TRACE_ID", None)


def _log_preview_runtime_warning() -> None:
    if os.environ.get("LAMBDA_DISABLE_PREVIEW_WARN", ""):
        return
    if os.environ.get("AWS_EXECUTION_ENV", "") in _PREVIEW_RUNTIMES:
        region = os.environ.get("AWS_REGION", "")
        domain = "docs.amazonaws.cn" if region.startswith("cn-") else "docs.aws.amazon.com"
        logging.warning(
            "LAMBDA_WARNING: This is a preview runtime version and should not be used for "
            "production workloads. For further information and to provide feedback, see "
            f"https://{domain}/lambda/latest/dg/lambda-runtimes.html\r"
        )


# --- process setup (AWS's /var/runtime/bootstrap.py) -------------------------------------------


def set_default_sys_path(task_root: str) -> None:
    """/var/task, then the layers' /opt/python/lib/pythonX.Y/site-packages and /opt/python."""
    if "PYTHONPATH" not in os.environ:
        version = f"{sys.version_info[0]}.{sys.version_info[1]}"
        sys.path.insert(0, "/opt/python")
        sys.path.insert(0, f"/opt/python/lib/python{version}/site-packages")
    else:
        # A function's own PYTHONPATH: entries an interpreter started with it would have had.
        for entry in reversed(os.environ["PYTHONPATH"].split(os.pathsep)):
            if entry:
                sys.path.insert(0, entry)
    sys.path.insert(0, task_root)


def add_default_site_directories(task_root: str) -> None:
    """Process the ``.pth`` files of the function and of its layers."""
    site.addsitedir(task_root)
    if "PYTHONPATH" not in os.environ:
        version = f"{sys.version_info[0]}.{sys.version_info[1]}"
        site.addsitedir(f"/opt/python/lib/python{version}/site-packages")
        site.addsitedir("/opt/python")


def set_default_pythonpath() -> None:
    if "PYTHONPATH" not in os.environ and "LAMBDA_RUNTIME_DIR" in os.environ:
        os.environ["PYTHONPATH"] = os.environ["LAMBDA_RUNTIME_DIR"]


def create_log_sink(json_format: bool) -> LogSink:
    fd = os.environ.pop("_LAMBDA_TELEMETRY_LOG_FD", None)
    if fd is not None:
        return FramedTelemetryLogSink(int(fd), json_format)
    return StandardLogSink()


def main() -> None:
    """Run the function named by ``_HANDLER`` until the platform stops this process."""
    try:
        _run()
    except SystemExit:
        raise
    except BaseException:
        # What an uncaught exception does to AWS's runtime: the traceback, exit status 1.
        traceback.print_exc()
        raise SystemExit(1) from None


#: The variable the zygote names our Runtime API connection's descriptor in (its RUNTIME_API_FD).
RUNTIME_API_FD = "_LAMBDALITE_RUNTIME_API_FD"


def _run() -> None:
    # First, before any .pth file of the function runs: only Lambda's variables stay visible.
    channel = os.environ.pop(RUNTIME_API_FD, None)
    task_root = os.environ["LAMBDA_TASK_ROOT"]
    set_default_sys_path(task_root)
    add_default_site_directories(task_root)
    set_default_pythonpath()
    if sys.stdout is not None:
        sys.stdout = Unbuffered(sys.stdout)
    if sys.stderr is not None:
        sys.stderr = Unbuffered(sys.stderr)
    json_format = os.environ.get("AWS_LAMBDA_LOG_FORMAT", "").upper() == "JSON"
    sink = create_log_sink(json_format)
    client = LambdaRuntimeClient(os.environ["AWS_LAMBDA_RUNTIME_API"], channel)
    runtime = Runtime(client, sink, json_format)
    log_level = log_level_from_env(os.environ.get("AWS_LAMBDA_LOG_LEVEL"))
    setup_logging(json_format, log_level, sink, runtime.state)
    handler = runtime.init(os.environ["_HANDLER"])
    runtime.serve(handler)


if __name__ == "__main__":
    main()
