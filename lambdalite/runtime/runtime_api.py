"""The Lambda Runtime API (2018-06-01) of one execution environment.

One :class:`RuntimeApi` listens on its own loopback port; the runtime of the environment
(lambdalite's bootstrap, AWS's ``awslambdaric``, or any ``provided.*`` custom runtime) finds it
through ``AWS_LAMBDA_RUNTIME_API``. It behaves like AWS's RAPID (reference/AWS-BEHAVIOUR.md §1;
RIE's ``rapi`` handlers and ``core/states.go``): the same state machine, status codes, error
bodies and ``/next`` headers.

Speed matters here: every warm invoke crosses this server twice. So each HTTP message leaves in
one ``write`` (no header/body split that could meet a delayed ACK), sockets have
``TCP_NODELAY``, the event is rendered once when handed in, and only the body of the one
request that may carry a result is kept (at most ``MAX_RESPONSE_BYTES``). A runtime that
pipelines its result and its next ``GET /next`` in one send (lambdalite's bootstrap does) gets
the ``202`` of the result together with its next event: one write and one wake-up of the
runtime per invocation instead of two.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import enum
import json
import logging
import re
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

import httptools

from lambdalite.runtime.spec import MAX_RESPONSE_BYTES, InitResult, Invocation, InvocationResult

log = logging.getLogger(__name__)

RUNTIME_PREFIX = "/2018-06-01/runtime/"
#: A runtime opens one or two connections; a bash runtime a fresh one per curl. Anything far
#: beyond that is a misbehaving function, refused so it cannot exhaust the server.
MAX_CONNECTIONS = 64
MAX_URL_BYTES = 8 * 1024
#: awslambdaric sends X-Ray error causes up to 1 MiB in a header.
MAX_HEADER_BYTES = 2 * 1024 * 1024

ERROR_TYPE_HEADER = "lambda-runtime-function-error-type"
RESPONSE_MODE_HEADER = "lambda-runtime-function-response-mode"
ERROR_BODY_TRAILER = "lambda-runtime-function-error-body"
ERROR_CAUSE_CONTENT_TYPE = "application/vnd.aws.lambda.error.cause+json"

_VALID_ERROR_TYPE = re.compile(r"(Runtime|Function)\.[A-Z][a-zA-Z]+")
_REASONS = {
    200: "OK",
    202: "Accepted",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Request Entity Too Large",
    431: "Request Header Fields Too Large",
}


class RuntimeAborted(Exception):
    """The runtime was aborted (it died or was killed) before it answered."""


class EnvironmentBusy(Exception):
    """An invocation is already in progress: an environment serves one at a time."""


class _State(enum.Enum):
    """RAPID's runtime states (their names appear in InvalidStateTransition messages)."""

    STARTED = "Started"
    INIT_ERROR = "InitError"
    READY = "Ready"
    RUNNING = "Running"
    RESPONSE = "InvocationResponse"
    ERROR_RESPONSE = "InvocationErrorResponse"
    SENT = "RuntimeResponseSentState"


@dataclass(eq=False)
class _Pending:
    """One invocation handed to :meth:`RuntimeApi.invoke`, with its rendered ``/next`` reply."""

    invocation: Invocation
    rendered: bytes
    result: asyncio.Future[InvocationResult]


# --- HTTP rendering ------------------------------------------------------------------------------


def http_response(
    status: int,
    body: bytes = b"",
    content_type: str | None = "application/json",
    headers: Iterable[tuple[str, str]] = (),
) -> bytes:
    """One complete HTTP/1.1 response, ready for a single write."""
    lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}"]
    if content_type is not None:
        lines.append(f"Content-Type: {content_type}")
    lines.extend(f"{name}: {_header_value(value)}" for name, value in headers)
    lines.append(f"Content-Length: {len(body)}")
    head = "\r\n".join(lines) + "\r\n\r\n"
    return head.encode("utf-8") + body


def _header_value(value: str) -> str:
    # Go's net/http (RAPID) turns CR/LF in header values into spaces; a pretty-printed client
    # context stays valid JSON that way.
    return value.replace("\r", " ").replace("\n", " ")


def _go_json(value: Any) -> bytes:
    # Go's encoding/json: compact, UTF-8, and <, >, & escaped (they only occur inside strings).
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").encode("utf-8")


def error_response(status: int, error_type: str, message: str) -> bytes:
    """RAPID's error reply: Go's json.Encoder output, compact with a final newline."""
    body = _go_json({"errorMessage": message, "errorType": error_type}) + b"\n"
    return http_response(status, body)


def render_event(invocation: Invocation) -> bytes:
    """The reply to ``GET /next``: only non-empty headers, as RAPID's ``setHeaderIfNotEmpty``."""
    candidates = (
        ("Lambda-Runtime-Aws-Request-Id", invocation.request_id),
        ("Lambda-Runtime-Deadline-Ms", str(invocation.deadline_ms)),
        ("Lambda-Runtime-Invoked-Function-Arn", invocation.invoked_function_arn),
        ("Lambda-Runtime-Trace-Id", invocation.trace_id),
        ("Lambda-Runtime-Client-Context", invocation.client_context or ""),
        ("Lambda-Runtime-Cognito-Identity", invocation.cognito_identity or ""),
    )
    headers = [(name, value) for name, value in candidates if value]
    content_type = invocation.content_type or "application/json"
    return http_response(200, invocation.payload, content_type, headers)


CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
ACCEPTED = http_response(202, b'{"status":"OK"}\n')
TOO_LARGE = error_response(
    413,
    "RequestEntityTooLarge",
    f"Exceeded maximum allowed payload size ({MAX_RESPONSE_BYTES} bytes).",
)
INVALID_REQUEST_ID = error_response(400, "InvalidRequestID", "Invalid request ID")
INVALID_RESPONSE_MODE = error_response(
    400, "InvalidFunctionResponseMode", "Invalid function response mode"
)
TRUNCATED_RESPONSE_BODY = json.dumps(
    {"errorMessage": "HTTP request detected as truncated", "errorType": "Runtime.TruncatedResponse"}
).encode()


def platform_error_type(header: str | None) -> str:
    """RAPID's ``GetValidRuntimeOrFunctionErrorType``: the platform's classification."""
    value = header or ""
    if _VALID_ERROR_TYPE.match(value):
        return value
    return "Function.Unknown" if value.startswith("Function.") else "Runtime.Unknown"


def _state_violation(current: _State, target: _State) -> bytes:
    message = (
        f"State transition from {current.value} to {target.value} failed for runtime. "
        "Error: State transition is not allowed"
    )
    return error_response(403, "InvalidStateTransition", message)


def _not_found(method: str, path: str) -> bytes:
    if path.startswith("/2020-01-01/extension/"):
        message = "lambdalite does not support Lambda extensions (the Extensions API)"
    else:
        message = f"Unknown Runtime API resource: {method} {path}"
    return error_response(404, "NotFound", message)


# --- exchanges: what one request does once routed -------------------------------------------------


class _Exchange:
    """One routed request: receives its body, then answers (``None``: answered later)."""

    def body(self, chunk: bytes) -> None:
        """A piece of the request body (bodies this exchange does not need are dropped)."""

    def trailer(self, name: str, value: str) -> None:
        """A trailer of a chunked body (streamed responses report errors there)."""

    def complete(self, connection: _Connection) -> bytes | None:
        raise NotImplementedError

    def lost(self) -> None:
        """The connection closed before the request was complete."""


class _Fixed(_Exchange):
    """A request answered with a reply known from its headers alone; its body is ignored."""

    def __init__(self, reply: bytes) -> None:
        self._reply = reply

    def complete(self, connection: _Connection) -> bytes | None:
        return self._reply


class _Next(_Exchange):
    """``GET /next``: answered at once if an event waits, else when one is handed in."""

    def __init__(self, api: RuntimeApi) -> None:
        self._api = api

    def complete(self, connection: _Connection) -> bytes | None:
        return self._api._next_requested(connection)


class _Body:
    """Up to ``MAX_RESPONSE_BYTES`` of a body; notes when more was sent."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.size = 0
        self.overflow = False

    def add(self, chunk: bytes) -> bool:
        """Keep ``chunk``; False when the body has just become too large."""
        if self.overflow:
            return True
        self.size += len(chunk)
        if self.size > MAX_RESPONSE_BYTES:
            self.overflow = True
            self.chunks.clear()
            return False
        self.chunks.append(chunk)
        return True

    def data(self) -> bytes:
        return b"".join(self.chunks)


class _Result(_Exchange):
    """``POST /invocation/{id}/response`` or ``/error`` of the current invocation."""

    def __init__(self, api: RuntimeApi, headers: dict[str, str], is_error: bool) -> None:
        self._api = api
        self._headers = headers
        self._is_error = is_error
        self._trailers: dict[str, str] = {}
        self._body = _Body()

    def announce(self, length: int | None) -> None:
        # A Content-Length beyond the limit is known to be too large before any byte arrives.
        if length is not None and length > MAX_RESPONSE_BYTES:
            self._body.overflow = True
            self._api._resolve(self._too_large())

    def body(self, chunk: bytes) -> None:
        if not self._body.add(chunk):
            self._api._resolve(self._too_large())

    def trailer(self, name: str, value: str) -> None:
        self._trailers[name] = value

    def complete(self, connection: _Connection) -> bytes | None:
        self._api._response_sent()
        if self._body.overflow:
            return TOO_LARGE
        self._api._resolve(self._outcome())
        return ACCEPTED

    def lost(self) -> None:
        # RAPID answers a truncated body with TruncatedHTTPRequest and ends the invoke.
        self._api._response_sent()
        truncated = InvocationResult(
            "error", TRUNCATED_RESPONSE_BODY, "application/json", "Runtime.TruncatedResponse"
        )
        self._api._resolve(truncated)

    def _too_large(self) -> InvocationResult:
        return InvocationResult("too_large", b"", None, "Function.ResponseSizeTooLarge")

    def _outcome(self) -> InvocationResult:
        if self._is_error:
            return _error_outcome(self._headers, self._body.data())
        if ERROR_TYPE_HEADER in self._trailers:
            return _streamed_error(self._trailers)
        return InvocationResult("response", self._body.data(), self._headers.get("content-type"))


def _error_outcome(headers: dict[str, str], body: bytes) -> InvocationResult:
    """The body of ``/error`` verbatim, or RAPID's reduction of the error-cause variant."""
    error_type = platform_error_type(headers.get(ERROR_TYPE_HEADER))
    content_type = headers.get("content-type")
    if content_type == ERROR_CAUSE_CONTENT_TYPE:
        reduced = _reduce_error_with_cause(body)
        if reduced is None:
            return InvocationResult(
                "error", b'"Invalid error body"', "application/octet-stream", error_type
            )
        return InvocationResult("error", reduced, "application/json", error_type)
    return InvocationResult("error", body, content_type, error_type)


def _reduce_error_with_cause(body: bytes) -> bytes | None:
    """RAPID keeps errorMessage, errorType and stackTrace; the X-Ray cause stays internal."""
    try:
        parsed = json.loads(body)
    except ValueError:
        return None
    if not isinstance(parsed, dict):
        return None
    message, error_type = parsed.get("errorMessage"), parsed.get("errorType")
    trace = parsed.get("stackTrace")
    if not _all_strings([message, error_type]) or not _string_list(trace):
        return None
    reduced: dict[str, Any] = {"errorMessage": message or "", "errorType": error_type or ""}
    if trace:
        reduced["stackTrace"] = trace
    return _go_json(reduced)


def _all_strings(values: list[Any]) -> bool:
    return all(value is None or isinstance(value, str) for value in values)


def _string_list(value: Any) -> bool:
    return value is None or (isinstance(value, list) and _all_strings(value))


def _streamed_error(trailers: dict[str, str]) -> InvocationResult:
    """A streamed response that failed midway reports the error in its trailers."""
    try:
        body = base64.b64decode(trailers.get(ERROR_BODY_TRAILER, ""), validate=True)
    except (binascii.Error, ValueError):
        body = b""
    error_type = platform_error_type(trailers.get(ERROR_TYPE_HEADER))
    return InvocationResult("error", body, "application/json", error_type)


class _InitError(_Exchange):
    """``POST /runtime/init/error``: the runtime could not start; it exits next."""

    def __init__(self, api: RuntimeApi, headers: dict[str, str]) -> None:
        self._api = api
        self._error_type = platform_error_type(headers.get(ERROR_TYPE_HEADER))
        self._data = bytearray()

    def body(self, chunk: bytes) -> None:
        # Bounded like responses; an init error beyond 6 MB is kept truncated, not refused.
        room = MAX_RESPONSE_BYTES - len(self._data)
        if room > 0:
            self._data += chunk[:room]

    def complete(self, connection: _Connection) -> bytes | None:
        self._report()
        return ACCEPTED

    def lost(self) -> None:
        self._report()

    def _report(self) -> None:
        self._api._init_done(InitResult(False, bytes(self._data), self._error_type))


# --- the server of one environment ----------------------------------------------------------------


class RuntimeApi:
    """The Runtime API endpoint of one execution environment (one invocation at a time)."""

    def __init__(self) -> None:
        self._server: asyncio.Server | None = None
        self.address = ""
        self._connections: set[_Connection] = set()
        self._state = _State.STARTED
        self._init: asyncio.Future[InitResult] = asyncio.get_running_loop().create_future()
        self._queued: _Pending | None = None
        self._active: _Pending | None = None
        self._current_id: str | None = None
        self._waiter: _Connection | None = None

    @classmethod
    async def start(cls, host: str = "127.0.0.1") -> RuntimeApi:
        """Listen on an ephemeral port of ``host``; ``address`` is then host:port."""
        api = cls()
        loop = asyncio.get_running_loop()
        api._server = await loop.create_server(lambda: _Connection(api), host, 0)
        port = api._server.sockets[0].getsockname()[1]
        api.address = f"{host}:{port}"
        return api

    async def pair(self) -> socket.socket:
        """One end of a new connection to this API, for a runtime about to start.

        lambdalite's own bootstrap talks over it instead of TCP: the same HTTP, without the
        loopback TCP stack on every message (~5 % of the server's CPU per invocation and more
        of the runtime's). The caller hands it over and closes its copy."""
        ours, theirs = socket.socketpair()
        loop = asyncio.get_running_loop()
        await loop.connect_accepted_socket(lambda: _Connection(self), ours)
        return theirs

    @property
    def delivered(self) -> bool:
        """Whether the invocation in progress was handed out on ``GET /next``.

        A runtime that exits before taking its event has not failed that invocation: AWS
        starts a fresh runtime for it (awslambdaric exits after a 413, recording 23).
        """
        return self._active is not None

    async def initialized(self) -> InitResult:
        """Resolves when the runtime first asks for an event, or posts ``/runtime/init/error``."""
        return await asyncio.shield(self._init)

    @property
    def init_outcome(self) -> asyncio.Future[InitResult]:
        """The future :meth:`initialized` awaits (not to be cancelled)."""
        return self._init

    async def invoke(self, invocation: Invocation) -> InvocationResult:
        """Hand ``invocation`` to the runtime's ``GET /next``; resolve on its result.

        Raises :class:`EnvironmentBusy` while another invocation is in progress and
        :class:`RuntimeAborted` when :meth:`abort` or :meth:`close` ends it first.
        """
        return await self.submit(invocation)

    def submit(self, invocation: Invocation) -> asyncio.Future[InvocationResult]:
        """:meth:`invoke` without a task: the future of its result. Cancel it to give up."""
        if self._queued is not None or self._active is not None:
            raise EnvironmentBusy(f"invocation {self._busy_id()} is still in progress")
        result: asyncio.Future[InvocationResult] = asyncio.get_running_loop().create_future()
        pending = _Pending(invocation, render_event(invocation), result)
        result.add_done_callback(lambda _: self._settle(pending))
        self._queued = pending
        self._deliver()
        return result

    def abort(self) -> None:
        """The runtime died or was killed: fail its invocation, await a fresh runtime."""
        self._fail_all(RuntimeAborted("the runtime was aborted"))
        for connection in list(self._connections):
            connection.close()
        self._state = _State.STARTED
        self._current_id = None
        self._waiter = None
        if self._init.done():
            self._init = asyncio.get_running_loop().create_future()

    async def close(self) -> None:
        """Stop listening, drop every connection and fail what is still pending."""
        self._fail_all(RuntimeAborted("the Runtime API was closed"))
        if not self._init.done():
            self._init.set_exception(RuntimeAborted("the Runtime API was closed"))
            self._init.exception()  # retrieved: nobody may be waiting
        if self._server is not None:
            self._server.close()
        for connection in list(self._connections):
            connection.close()
        if self._server is not None:
            await self._server.wait_closed()

    # --- invocation bookkeeping -------------------------------------------------------------------

    def _busy_id(self) -> str:
        pending = self._active or self._queued
        return pending.invocation.request_id if pending else "?"

    def _deliver(self) -> None:
        pending, waiter = self._queued, self._waiter
        if pending is None or waiter is None or self._state is not _State.READY:
            return
        self._waiter = None
        waiter.send(self._start(pending))

    def _start(self, pending: _Pending) -> bytes:
        self._queued, self._active = None, pending
        self._current_id = pending.invocation.request_id
        self._state = _State.RUNNING
        return pending.rendered

    def _settle(self, pending: _Pending) -> None:
        # The caller went away (cancelled) or got its result: forget an undelivered event; a
        # delivered one stays current so the runtime's late answer is still accepted.
        if self._queued is pending:
            self._queued = None
        if self._active is pending and pending.result.done():
            self._active = None

    def _resolve(self, outcome: InvocationResult) -> None:
        active = self._active
        if active is not None and not active.result.done():
            active.result.set_result(outcome)

    def _fail_all(self, error: Exception) -> None:
        for pending in (self._queued, self._active):
            if pending is not None and not pending.result.done():
                pending.result.set_exception(error)
        self._queued = self._active = None

    def _init_done(self, outcome: InitResult) -> None:
        if not self._init.done():
            self._init.set_result(outcome)

    # --- the state machine (RAPID core/states.go) -------------------------------------------------

    def _next_requested(self, connection: _Connection) -> bytes | None:
        if self._state in (_State.STARTED, _State.SENT):
            self._init_done(InitResult(True))
            self._state = _State.READY
        elif self._state is _State.RUNNING and self._active is not None:
            return self._active.rendered  # RAPID hands the current event out again
        elif self._state is not _State.READY or self._waiter is not None:
            return _state_violation(self._state, _State.READY)
        if self._queued is not None:
            return self._start(self._queued)
        self._waiter = connection
        return None

    def _route_result(self, request_id: str, headers: dict[str, str], is_error: bool) -> _Exchange:
        target = _State.ERROR_RESPONSE if is_error else _State.RESPONSE
        if not request_id or request_id != self._current_id:
            return _Fixed(INVALID_REQUEST_ID)
        if self._state is not _State.RUNNING:
            return _Fixed(_state_violation(self._state, target))
        mode = headers.get(RESPONSE_MODE_HEADER)
        if not is_error and mode and mode != "streaming":
            return self._invalid_response_mode()
        self._state = target
        return _Result(self, headers, is_error)

    def _invalid_response_mode(self) -> _Exchange:
        # RAPID fails the invoke with Runtime.InvalidResponseModeHeader. Unlike RAPID (which
        # then wedges the runtime), the runtime may go on asking for events.
        self._resolve(InvocationResult("error", b"", None, "Runtime.InvalidResponseModeHeader"))
        self._state = _State.SENT
        return _Fixed(INVALID_RESPONSE_MODE)

    def _route_init_error(self, headers: dict[str, str]) -> _Exchange:
        if self._state is not _State.STARTED:
            return _Fixed(_state_violation(self._state, _State.INIT_ERROR))
        self._state = _State.INIT_ERROR
        return _InitError(self, headers)

    def _response_sent(self) -> None:
        if self._state in (_State.RESPONSE, _State.ERROR_RESPONSE):
            self._state = _State.SENT

    def _route(self, method: str, path: str, headers: dict[str, str]) -> _Exchange:
        if not path.startswith(RUNTIME_PREFIX):
            return _Fixed(_not_found(method, path))
        resource = path[len(RUNTIME_PREFIX) :]
        if resource == "invocation/next":
            return _Next(self) if method == "GET" else _Fixed(_method_not_allowed(method, path))
        if resource == "init/error":
            return self._post_only(method, path) or self._route_init_error(headers)
        parts = resource.split("/")
        if len(parts) == 3 and parts[0] == "invocation" and parts[2] in ("response", "error"):
            refused = self._post_only(method, path)
            return refused or self._route_result(parts[1], headers, parts[2] == "error")
        return _Fixed(_not_found(method, path))

    def _post_only(self, method: str, path: str) -> _Exchange | None:
        return None if method == "POST" else _Fixed(_method_not_allowed(method, path))

    # --- connections ------------------------------------------------------------------------------

    def _admit(self, connection: _Connection) -> bool:
        if len(self._connections) >= MAX_CONNECTIONS:
            log.warning("runtime api %s: too many connections, refusing one", self.address)
            return False
        self._connections.add(connection)
        return True

    def _forget(self, connection: _Connection) -> None:
        self._connections.discard(connection)
        if self._waiter is connection:
            self._waiter = None


def _method_not_allowed(method: str, path: str) -> bytes:
    return error_response(405, "MethodNotAllowed", f"{method} is not allowed on {path}")


class _Connection(asyncio.Protocol):
    """One HTTP/1.1 keep-alive connection from the runtime, parsed by httptools."""

    def __init__(self, api: RuntimeApi) -> None:
        self._api = api
        self._parser = httptools.HttpRequestParser(self)
        self._transport: asyncio.Transport | None = None
        self._url = bytearray()
        self._headers: dict[str, str] = {}
        self._header_bytes = 0
        self._exchange: _Exchange | None = None
        self._owing = False
        self._keep_alive = True
        self._receiving = False
        self._held: list[bytes] = []

    # --- asyncio.Protocol -------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, but have its methods.
        self._transport = cast(asyncio.Transport, transport)
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if not self._api._admit(self):
            self._transport.abort()

    def data_received(self, data: bytes) -> None:
        # Replies to what one read brought are written together once it is parsed.
        self._receiving = True
        try:
            self._feed(data)
        finally:
            self._receiving = False
        if not (self._owing and self._held == [ACCEPTED]):
            self._flush()
        # else: a result's 202 with a GET /next pipelined behind it. The runtime waits for its
        # next event anyway, so the 202 leaves with that event. Never an error reply: a runtime
        # that gets one may exit, and must do so before an event is handed to it.

    def _feed(self, data: bytes) -> None:
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._refuse(error_response(400, "BadRequest", "Protocol upgrades are not supported"))
        except httptools.HttpParserCallbackError as error:
            # httptools wraps what a callback raised; a _Refused carries its own answer.
            refusal = error.__context__
            if not isinstance(refusal, _Refused):
                raise
            self._refuse(refusal.reply)
        except httptools.HttpParserError as error:
            self._refuse(error_response(400, "BadRequest", f"Malformed HTTP request: {error}"))

    def connection_lost(self, exc: Exception | None) -> None:
        exchange, self._exchange = self._exchange, None
        if exchange is not None:
            exchange.lost()
        self._api._forget(self)

    # --- httptools callbacks ----------------------------------------------------------------------

    def on_message_begin(self) -> None:
        if self._owing:
            # HTTP/1.1 answers in order; nothing may be pipelined behind a long poll.
            raise _Refused(error_response(400, "BadRequest", "Request pipelined behind /next"))
        self._url.clear()
        self._headers = {}
        self._header_bytes = 0

    def on_url(self, url: bytes) -> None:
        self._url += url
        if len(self._url) > MAX_URL_BYTES:
            raise _Refused(error_response(431, "BadRequest", "Request URL too long"))

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_bytes += len(name) + len(value)
        if self._header_bytes > MAX_HEADER_BYTES:
            raise _Refused(error_response(431, "BadRequest", "Request headers too large"))
        key, text = name.decode("latin-1").lower(), value.decode("utf-8", "replace")
        if self._exchange is not None:
            self._exchange.trailer(key, text)
        else:
            self._headers[key] = text

    def on_headers_complete(self) -> None:
        method = self._parser.get_method().decode("ascii", "replace")
        path = self._url.decode("utf-8", "replace").split("?", 1)[0]
        self._exchange = self._api._route(method, path, self._headers)
        if isinstance(self._exchange, _Result):
            self._exchange.announce(_content_length(self._headers))
        if self._headers.get("expect", "").lower() == "100-continue":
            # curl asks before sending a body over 1 MB and would otherwise stall for a second;
            # Go's net/http (RAPID) says continue too.
            self._held.append(CONTINUE)
            self._flush()

    def on_body(self, body: bytes) -> None:
        if self._exchange is not None:
            self._exchange.body(body)

    def on_message_complete(self) -> None:
        exchange, self._exchange = self._exchange, None
        self._keep_alive = bool(self._parser.should_keep_alive())
        if exchange is None:
            return
        reply = exchange.complete(self)
        if reply is None:
            self._owing = True
        else:
            self._write(reply)

    # --- writing ----------------------------------------------------------------------------------

    def send(self, reply: bytes) -> None:
        """The answer to the long poll this connection is waiting on."""
        self._owing = False
        self._write(reply)

    def _write(self, reply: bytes) -> None:
        self._held.append(reply)
        if not self._receiving or not self._keep_alive:
            self._flush()

    def _flush(self) -> None:
        held, self._held = self._held, []
        if not held or self._transport is None or self._transport.is_closing():
            return
        self._transport.write(held[0] if len(held) == 1 else b"".join(held))
        if not self._keep_alive:
            self._transport.close()

    def _refuse(self, reply: bytes) -> None:
        exchange, self._exchange = self._exchange, None
        if exchange is not None:
            exchange.lost()
        self._keep_alive = False
        self._owing = False
        self._write(reply)
        self.close()

    def close(self) -> None:
        """Drop the connection; a request half received is forgotten, not reported."""
        self._exchange = None
        self._held.clear()
        if self._transport is not None:
            self._transport.close()


class _Refused(Exception):
    """Raised inside a parser callback: answer ``reply`` and close the connection."""

    def __init__(self, reply: bytes) -> None:
        super().__init__("request refused")
        self.reply = reply


def _content_length(headers: dict[str, str]) -> int | None:
    value = headers.get("content-length")
    return int(value) if value is not None and value.strip().isdigit() else None
