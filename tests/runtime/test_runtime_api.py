"""The Runtime API server against a raw HTTP client: RAPID's wire behaviour, exactly.

Sources: reference/AWS-BEHAVIOUR.md §1.1-1.3 and RIE's rapi handlers (status codes, error
bodies, state transitions); recording 23 for the 6,291,556-byte limit.
"""

from __future__ import annotations

import asyncio
import json
import socket
from typing import Any

import pytest

from lambdalite.runtime import runtime_api
from lambdalite.runtime.runtime_api import (
    EnvironmentBusy,
    RuntimeAborted,
    RuntimeApi,
    platform_error_type,
)
from lambdalite.runtime.spec import MAX_RESPONSE_BYTES, InitResult, InvocationResult
from tests.runtime.api_support import (
    INIT_ERROR,
    NEXT,
    RawClient,
    chunked,
    eventually,
    invocation,
    on_both_loops,
    request_bytes,
    response_path,
)

TOO_LARGE_BODY = (
    b'{"errorMessage":"Exceeded maximum allowed payload size (6291556 bytes).",'
    b'"errorType":"RequestEntityTooLarge"}\n'
)


async def started() -> tuple[RuntimeApi, RawClient]:
    api = await RuntimeApi.start()
    return api, await RawClient.connect(api)


async def running(
    api: RuntimeApi, client: RawClient, payload: bytes = b"{}"
) -> tuple[str, asyncio.Task[InvocationResult]]:
    """Hand an event to the runtime (``client``) and read it: the invoke is then in progress."""
    inv = invocation(payload)
    task = asyncio.ensure_future(api.invoke(inv))
    reply = await client.request("GET", NEXT)
    assert reply.status == 200
    return inv.request_id, task


# --- start, init -------------------------------------------------------------------------


@on_both_loops
async def test_listens_on_an_ephemeral_loopback_port() -> None:
    api = await RuntimeApi.start()
    host, port = api.address.rsplit(":", 1)
    assert host == "127.0.0.1" and int(port) > 0
    await api.close()


@on_both_loops
async def test_first_next_means_init_done() -> None:
    api, client = await started()
    waiting = asyncio.ensure_future(api.initialized())
    await client.send(request_bytes("GET", NEXT))
    assert await waiting == InitResult(ok=True)
    await api.close()


@on_both_loops
async def test_init_error_resolves_initialized_with_the_body_and_the_platform_type() -> None:
    api, client = await started()
    body = b'{"errorMessage": "Unable to import module \'app\'", "errorType": "Runtime.ImportModuleError"}'
    headers = {"Lambda-Runtime-Function-Error-Type": "Runtime.ImportModuleError"}
    reply = await client.request("POST", INIT_ERROR, body, headers)
    assert (reply.status, reply.body) == (202, b'{"status":"OK"}\n')
    assert reply.headers["content-type"] == "application/json"
    assert await api.initialized() == InitResult(False, body, "Runtime.ImportModuleError")
    await api.close()


@on_both_loops
async def test_init_error_type_is_normalised_like_rapid() -> None:
    api, client = await started()
    await client.request(
        "POST", INIT_ERROR, b"{}", {"Lambda-Runtime-Function-Error-Type": "Exception"}
    )
    assert (await api.initialized()).error_type == "Runtime.Unknown"
    await api.close()


@pytest.mark.parametrize(
    ("header", "platform"),
    [
        ("Runtime.UserCodeSyntaxError", "Runtime.UserCodeSyntaxError"),
        ("Function.ResponseSizeTooLarge", "Function.ResponseSizeTooLarge"),
        ("Function.bad", "Function.Unknown"),
        ("Exception", "Runtime.Unknown"),
        (None, "Runtime.Unknown"),
    ],
)
def test_platform_error_type(header: str | None, platform: str) -> None:
    assert platform_error_type(header) == platform


@on_both_loops
async def test_init_error_after_next_is_an_invalid_state_transition() -> None:
    api, client = await started()
    await client.send(request_bytes("GET", NEXT))
    await api.initialized()
    other = await RawClient.connect(api)
    reply = await other.request("POST", INIT_ERROR, b"{}")
    assert reply.status == 403
    assert reply.json() == {
        "errorMessage": "State transition from Ready to InitError failed for runtime. "
        "Error: State transition is not allowed",
        "errorType": "InvalidStateTransition",
    }
    await api.close()


@on_both_loops
async def test_next_after_init_error_is_refused() -> None:
    api, client = await started()
    await client.request("POST", INIT_ERROR, b"{}")
    reply = await client.request("GET", NEXT)
    assert reply.status == 403
    assert reply.json()["errorMessage"].startswith(
        "State transition from InitError to Ready failed"
    )
    await api.close()


# --- the event ------------------------------------------------------------------------------


@on_both_loops
async def test_next_carries_the_event_and_only_non_empty_headers() -> None:
    api, client = await started()
    inv = invocation(b'{"a": 1}', deadline_ms=1_700_000_000_123)
    invoked = asyncio.ensure_future(api.invoke(inv))
    reply = await client.request("GET", NEXT)
    assert reply.status == 200
    assert reply.body == b'{"a": 1}'
    assert reply.headers == {
        "content-type": "application/json",
        "lambda-runtime-aws-request-id": inv.request_id,
        "lambda-runtime-deadline-ms": "1700000000123",
        "lambda-runtime-invoked-function-arn": inv.invoked_function_arn,
        "lambda-runtime-trace-id": inv.trace_id,
        "content-length": "8",
    }
    invoked.cancel()
    await api.close()


@on_both_loops
async def test_client_context_and_cognito_identity_headers() -> None:
    api, client = await started()
    context = '{\n  "custom": {"k": "v"}\n}'
    cognito = '{"cognitoIdentityId": "id", "cognitoIdentityPoolId": "pool"}'
    inv = invocation(client_context=context, cognito_identity=cognito, content_type="text/plain")
    invoked = asyncio.ensure_future(api.invoke(inv))
    reply = await client.request("GET", NEXT)
    # CR/LF in a header value become spaces, as Go's net/http writes them: still the same JSON.
    assert json.loads(reply.headers["lambda-runtime-client-context"]) == {"custom": {"k": "v"}}
    assert reply.headers["lambda-runtime-cognito-identity"] == cognito
    assert reply.headers["content-type"] == "text/plain"
    invoked.cancel()
    await api.close()


@on_both_loops
async def test_next_long_polls_until_an_event_is_handed_in() -> None:
    api, client = await started()
    await client.send(request_bytes("GET", NEXT))
    await api.initialized()
    await eventually(lambda: api._waiter is not None)
    assert not client.reader._buffer  # type: ignore[attr-defined]  # nothing answered yet
    inv = invocation()
    invoked = asyncio.ensure_future(api.invoke(inv))
    reply = await client.read_reply()
    assert reply.headers["lambda-runtime-aws-request-id"] == inv.request_id
    invoked.cancel()
    await api.close()


@on_both_loops
async def test_an_event_handed_in_before_next_waits_for_it() -> None:
    api, client = await started()
    inv = invocation()
    invoked = asyncio.ensure_future(api.invoke(inv))
    await asyncio.sleep(0)
    reply = await client.request("GET", NEXT)
    assert reply.headers["lambda-runtime-aws-request-id"] == inv.request_id
    accepted = await client.request("POST", response_path(inv.request_id), b'"done"')
    assert accepted.status == 202
    assert await invoked == InvocationResult("response", b'"done"', None)
    await api.close()


@on_both_loops
async def test_an_event_of_six_megabytes_arrives_whole() -> None:
    api, client = await started()
    payload = b'"' + b"x" * (6 * 1024 * 1024 - 2) + b'"'
    request_id, invoked = await running(api, client, payload)
    assert invoked.done() is False
    reply = await client.request("POST", response_path(request_id), payload[:100])
    assert reply.status == 202
    assert (await invoked).body == payload[:100]
    await api.close()


@on_both_loops
async def test_next_while_running_hands_out_the_same_event_again() -> None:
    api, client = await started()
    request_id, invoked = await running(api, client)
    again = await client.request("GET", NEXT)
    assert again.headers["lambda-runtime-aws-request-id"] == request_id
    invoked.cancel()
    await api.close()


@on_both_loops
async def test_a_second_concurrent_next_is_refused() -> None:
    api, client = await started()
    await client.send(request_bytes("GET", NEXT))
    await eventually(lambda: api._waiter is not None)
    other = await RawClient.connect(api)
    reply = await other.request("GET", NEXT)
    assert reply.status == 403
    assert reply.json()["errorMessage"].startswith("State transition from Ready to Ready failed")
    await api.close()


# --- responses ------------------------------------------------------------------------------


@on_both_loops
async def test_response_is_accepted_and_resolves_the_invoke() -> None:
    api, client = await started()
    request_id, invoked = await running(api, client)
    headers = {"Content-Type": "application/json"}
    reply = await client.request("POST", response_path(request_id), b'{"ok": true}', headers)
    assert (reply.status, reply.body) == (202, b'{"status":"OK"}\n')
    assert await invoked == InvocationResult("response", b'{"ok": true}', "application/json")
    await api.close()


@on_both_loops
async def test_the_next_invocation_follows_on_the_same_connection() -> None:
    api, client = await started()
    for number in range(3):
        request_id, invoked = await running(api, client, str(number).encode())
        await client.request("POST", response_path(request_id), str(number).encode())
        assert (await invoked).body == str(number).encode()
    await api.close()


@on_both_loops
async def test_response_for_another_request_id_is_invalid() -> None:
    api, client = await started()
    _, invoked = await running(api, client)
    reply = await client.request("POST", response_path("not-the-current-one"), b"{}")
    assert reply.status == 400
    assert reply.body == b'{"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"}\n'
    assert not invoked.done()
    invoked.cancel()
    await api.close()


@on_both_loops
async def test_response_before_any_event_is_invalid() -> None:
    api, client = await started()
    reply = await client.request("POST", response_path("some-id"), b"{}")
    assert (reply.status, reply.json()["errorType"]) == (400, "InvalidRequestID")
    await api.close()


@on_both_loops
async def test_a_second_response_is_an_invalid_state_transition() -> None:
    api, client = await started()
    request_id, invoked = await running(api, client)
    await client.request("POST", response_path(request_id), b"1")
    await invoked
    reply = await client.request("POST", response_path(request_id, "error"), b"2")
    assert reply.status == 403
    assert reply.json() == {
        "errorMessage": "State transition from RuntimeResponseSentState to "
        "InvocationErrorResponse failed for runtime. Error: State transition is not allowed",
        "errorType": "InvalidStateTransition",
    }
    await api.close()


@on_both_loops
async def test_response_at_the_limit_is_accepted() -> None:
    api, client = await started()
    request_id, invoked = await running(api, client)
    body = b"x" * MAX_RESPONSE_BYTES
    reply = await client.request("POST", response_path(request_id), body)
    assert reply.status == 202
    assert (await invoked).body == body
    await api.close()


@on_both_loops
async def test_response_over_the_limit_is_413_and_the_invoke_too_large() -> None:
    api, client = await started()
    request_id, invoked = await running(api, client)
    reply = await client.request("POST", response_path(request_id), b"x" * (MAX_RESPONSE_BYTES + 1))
    assert (reply.status, reply.body) == (413, TOO_LARGE_BODY)
    assert (await invoked).kind == "too_large"
    # The connection stays usable and the runtime may ask for the next event.
    second_id, second = await running(api, client)
    await client.request("POST", response_path(second_id), b"ok")
    assert (await second).body == b"ok"
    await api.close()


@on_both_loops
async def test_too_large_resolves_as_soon_as_the_length_is_announced() -> None:
    api, client = await started()
    request_id, invoked = await running(api, client)
    head = request_bytes("POST", response_path(request_id), b"")
    head = head.replace(b"Content-Length: 0", f"Content-Length: {7 * 1024 * 1024}".encode())
    await client.send(head + b"x" * 1000)
    assert (await invoked).kind == "too_large"
    await api.close()


@on_both_loops
async def test_chunked_response_over_the_limit_is_too_large() -> None:
    api, client = await started()
    request_id, invoked = await running(api, client)
    piece = b"y" * (1024 * 1024)
    body = chunked(*[piece] * 7)
    reply = await client.request(
        "POST", response_path(request_id), body, {"Transfer-Encoding": "chunked"}
    )
    assert reply.status == 413
    assert (await invoked).kind == "too_large"
    await api.close()


@on_both_loops
async def test_streaming_response_mode_is_read_whole() -> None:
    api, client = await started()
    request_id, invoked = await running(api, client)
    headers = {
        "Transfer-Encoding": "chunked",
        "Lambda-Runtime-Function-Response-Mode": "streaming",
        "Content-Type": "text/plain",
    }
    reply = await client.request(
        "POST", response_path(request_id), chunked(b"hello ", b"world"), headers
    )
    assert reply.status == 202
    assert await invoked == InvocationResult("response", b"hello world", "text/plain")
    await api.close()


@on_both_loops
async def test_streamed_response_failing_midway_reports_the_error_from_its_trailers() -> None:
    api, client = await started()
    request_id, invoked = await running(api, client)
    error = b'{"errorMessage":"boom","errorType":"Error"}'
    import base64

    trailers = {
        "Lambda-Runtime-Function-Error-Type": "Function.Crashed",
        "Lambda-Runtime-Function-Error-Body": base64.b64encode(error).decode(),
    }
    headers = {"Transfer-Encoding": "chunked", "Lambda-Runtime-Function-Response-Mode": "streaming"}
    await client.request(
        "POST", response_path(request_id), chunked(b"partial", trailers=trailers), headers
    )
    assert await invoked == InvocationResult("error", error, "application/json", "Function.Crashed")
    await api.close()


@on_both_loops
async def test_an_unknown_response_mode_fails_the_invoke() -> None:
    api, client = await started()
    request_id, invoked = await running(api, client)
    headers = {"Lambda-Runtime-Function-Response-Mode": "buffered"}
    reply = await client.request("POST", response_path(request_id), b"{}", headers)
    assert reply.status == 400
    assert reply.json() == {
        "errorMessage": "Invalid function response mode",
        "errorType": "InvalidFunctionResponseMode",
    }
    result = await invoked
    assert (result.kind, result.error_type) == ("error", "Runtime.InvalidResponseModeHeader")
    # The runtime goes on: the next event reaches it.
    second_id, second = await running(api, client)
    await client.request("POST", response_path(second_id), b"1")
    assert (await second).body == b"1"
    await api.close()


@on_both_loops
async def test_truncated_response_body_ends_the_invoke() -> None:
    api, client = await started()
    request_id, invoked = await running(api, client)
    head = request_bytes("POST", response_path(request_id), b"")
    await client.send(head.replace(b"Content-Length: 0", b"Content-Length: 100") + b"only part")
    await client.close()
    result = await invoked
    assert (result.kind, result.error_type) == ("error", "Runtime.TruncatedResponse")
    await api.close()


# --- errors ------------------------------------------------------------------------------------


@on_both_loops
async def test_error_body_is_passed_verbatim() -> None:
    api, client = await started()
    request_id, invoked = await running(api, client)
    body = b'{"errorMessage": "Handler fails", "errorType": "Exception", "requestId": "x", "stackTrace": []}'
    headers = {
        "Content-Type": "application/json",
        "Lambda-Runtime-Function-XRay-Error-Cause": '{"working_directory": "/var/task"}',
    }
    reply = await client.request("POST", response_path(request_id, "error"), body, headers)
    assert reply.status == 202
    # awslambdaric sends no error type header on invocation errors: RAPID says Runtime.Unknown.
    assert await invoked == InvocationResult("error", body, "application/json", "Runtime.Unknown")
    await api.close()


@on_both_loops
async def test_error_type_header_is_the_platform_classification() -> None:
    api, client = await started()
    request_id, invoked = await running(api, client)
    headers = {"Lambda-Runtime-Function-Error-Type": "Function.MyError"}
    await client.request("POST", response_path(request_id, "error"), b"oops", headers)
    assert (await invoked).error_type == "Function.MyError"
    await api.close()


@on_both_loops
async def test_error_with_cause_content_type_is_reduced_like_rapid() -> None:
    api, client = await started()
    request_id, invoked = await running(api, client)
    body = json.dumps(
        {
            "errorMessage": "bad <input> & more",
            "errorType": "ValueError",
            "stackTrace": ["frame 1"],
            "errorCause": {"paths": []},
        }
    ).encode()
    headers = {"Content-Type": "application/vnd.aws.lambda.error.cause+json"}
    await client.request("POST", response_path(request_id, "error"), body, headers)
    result = await invoked
    assert result.content_type == "application/json"
    assert result.body == (
        b'{"errorMessage":"bad \\u003cinput\\u003e \\u0026 more","errorType":"ValueError",'
        b'"stackTrace":["frame 1"]}'
    )
    await api.close()


@on_both_loops
async def test_error_with_cause_content_type_and_a_bad_body() -> None:
    api, client = await started()
    request_id, invoked = await running(api, client)
    headers = {"Content-Type": "application/vnd.aws.lambda.error.cause+json"}
    await client.request("POST", response_path(request_id, "error"), b"not json", headers)
    result = await invoked
    assert (result.body, result.content_type) == (
        b'"Invalid error body"',
        "application/octet-stream",
    )
    await api.close()


# --- routing and HTTP ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "status", "error_type"),
    [
        ("POST", "/2020-01-01/extension/register", 404, "NotFound"),
        ("GET", "/2018-06-01/runtime/restore/next", 404, "NotFound"),
        ("GET", "/", 404, "NotFound"),
        ("POST", NEXT, 405, "MethodNotAllowed"),
        ("GET", INIT_ERROR, 405, "MethodNotAllowed"),
        ("GET", response_path("x"), 405, "MethodNotAllowed"),
    ],
)
@on_both_loops
async def test_unknown_resources_answer_json(
    method: str, path: str, status: int, error_type: str
) -> None:
    api, client = await started()
    reply = await client.request(method, path, b"{}" if method == "POST" else b"")
    assert (reply.status, reply.json()["errorType"]) == (status, error_type)
    assert reply.headers["content-type"] == "application/json"
    await api.close()


@on_both_loops
async def test_extensions_api_says_it_is_not_supported() -> None:
    api, client = await started()
    reply = await client.request("POST", "/2020-01-01/extension/register", b"{}")
    assert "extensions" in reply.json()["errorMessage"]
    await api.close()


@on_both_loops
async def test_query_strings_are_ignored_in_routing() -> None:
    api, client = await started()
    await client.send(request_bytes("GET", NEXT + "?x=1"))
    assert (await api.initialized()).ok
    await api.close()


@on_both_loops
async def test_malformed_http_is_answered_400_and_closed() -> None:
    api, client = await started()
    await client.send(b"THIS IS NOT HTTP\r\n\r\n")
    reply = await client.read_reply()
    assert reply.status == 400
    assert await client.closed_by_server()
    await api.close()


@on_both_loops
async def test_nothing_may_be_pipelined_behind_a_long_poll() -> None:
    api, client = await started()
    await client.send(request_bytes("GET", NEXT))
    await eventually(lambda: api._waiter is not None)
    await client.send(request_bytes("GET", NEXT))
    assert (await client.read_reply()).status == 400
    assert await client.closed_by_server()
    await eventually(lambda: api._waiter is None)
    await api.close()


@on_both_loops
async def test_connection_close_is_honoured() -> None:
    api, client = await started()
    reply = await client.request("POST", INIT_ERROR, b"{}", {"Connection": "close"})
    assert reply.status == 202
    assert await client.closed_by_server()
    await api.close()


class RecordingTransport:
    """Passes everything to the real transport, noting each write (uvloop's are read-only)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.writes: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.writes.append(bytes(data))
        self.inner.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


async def recording_writes(api: RuntimeApi) -> list[bytes]:
    """Record what the server writes on its (single) connection from now on."""
    await eventually(lambda: len(api._connections) == 1)
    connection = next(iter(api._connections))
    assert connection._transport is not None
    recording = RecordingTransport(connection._transport)
    connection._transport = recording  # type: ignore[assignment]
    return recording.writes


@on_both_loops
async def test_sockets_have_nodelay_and_each_reply_is_one_write() -> None:
    api, client = await started()
    writes = await recording_writes(api)
    transport = next(iter(api._connections))._transport
    assert transport is not None
    assert transport.get_extra_info("socket").getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
    request_id, invoked = await running(api, client, b'{"a": 1}')
    await client.request("POST", response_path(request_id), b"1")
    await invoked
    assert [w.split(b"\r\n", 1)[0] for w in writes] == [
        b"HTTP/1.1 200 OK",
        b"HTTP/1.1 202 Accepted",
    ]
    assert writes[0].endswith(b'\r\n\r\n{"a": 1}')
    await api.close()


@on_both_loops
async def test_a_pipelined_result_is_acknowledged_with_the_next_event_in_one_write() -> None:
    api, client = await started()
    writes = await recording_writes(api)
    request_id, invoked = await running(api, client)
    await client.send(
        request_bytes("POST", response_path(request_id), b"1") + request_bytes("GET", NEXT)
    )
    assert (await invoked).body == b"1"
    assert len(writes) == 1  # the first event only: the 202 waits for the next one
    following = invocation(b'{"n": 2}')
    second = asyncio.ensure_future(api.invoke(following))
    accepted, event = await client.read_reply(), await client.read_reply()
    assert (accepted.status, event.status, event.body) == (202, 200, b'{"n": 2}')
    assert event.headers["lambda-runtime-aws-request-id"] == following.request_id
    assert len(writes) == 2 and writes[1].startswith(b"HTTP/1.1 202 Accepted")
    second.cancel()
    await api.close()


@on_both_loops
async def test_an_error_reply_is_never_held_behind_a_pipelined_next() -> None:
    # A runtime refused with 413 exits; it must learn that before an event is handed to it.
    api, client = await started()
    request_id, invoked = await running(api, client)
    too_large = b"x" * (MAX_RESPONSE_BYTES + 1)
    await client.send(
        request_bytes("POST", response_path(request_id), too_large) + request_bytes("GET", NEXT)
    )
    reply = await client.read_reply()
    assert (reply.status, reply.body) == (413, TOO_LARGE_BODY)
    assert (await invoked).kind == "too_large"
    await api.close()


@on_both_loops
async def test_connections_beyond_the_limit_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runtime_api, "MAX_CONNECTIONS", 2)
    api = await RuntimeApi.start()
    clients = [await RawClient.connect(api) for _ in range(3)]
    await eventually(lambda: len(api._connections) == 2)
    closed = [await asyncio.wait_for(c.closed_by_server(), 5) for c in clients[2:]]
    assert closed == [True]
    await api.close()


# --- one invocation at a time, abort, close -------------------------------------------------------


@on_both_loops
async def test_a_second_invoke_while_one_is_in_progress_is_refused() -> None:
    api, client = await started()
    request_id, invoked = await running(api, client)
    with pytest.raises(EnvironmentBusy):
        await api.invoke(invocation())
    await client.request("POST", response_path(request_id), b"1")
    await invoked
    second_id, second = await running(api, client)
    await client.request("POST", response_path(second_id), b"2")
    assert (await second).body == b"2"
    await api.close()


@on_both_loops
async def test_a_cancelled_invoke_that_was_not_delivered_is_forgotten() -> None:
    api, client = await started()
    first = asyncio.ensure_future(api.invoke(invocation()))
    await asyncio.sleep(0)
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    request_id, second = await running(api, client)
    await client.request("POST", response_path(request_id), b"2")
    assert (await second).body == b"2"
    await api.close()


@on_both_loops
async def test_abort_fails_the_invoke_and_awaits_a_new_runtime() -> None:
    api, client = await started()
    _, invoked = await running(api, client)
    await api.initialized()
    api.abort()
    with pytest.raises(RuntimeAborted):
        await invoked
    assert await client.closed_by_server()
    waiting = asyncio.ensure_future(api.initialized())
    await asyncio.sleep(0)
    assert not waiting.done()
    fresh = await RawClient.connect(api)
    request_id, second = await running(api, fresh)
    assert (await waiting).ok
    await fresh.request("POST", response_path(request_id), b"again")
    assert (await second).body == b"again"
    await api.close()


@on_both_loops
async def test_delivered_tells_whether_the_runtime_took_the_event() -> None:
    api, client = await started()
    invoked = asyncio.ensure_future(api.invoke(invocation()))
    await asyncio.sleep(0)
    assert api.delivered is False
    reply = await client.request("GET", NEXT)
    assert api.delivered is True
    await client.request(
        "POST", response_path(reply.headers["lambda-runtime-aws-request-id"]), b"1"
    )
    await invoked
    assert api.delivered is False
    await api.close()


@on_both_loops
async def test_abort_fails_an_invoke_that_was_never_delivered() -> None:
    api = await RuntimeApi.start()
    invoked = asyncio.ensure_future(api.invoke(invocation()))
    await asyncio.sleep(0)
    assert not api.delivered
    api.abort()
    with pytest.raises(RuntimeAborted):
        await invoked
    await api.close()


@on_both_loops
async def test_close_fails_what_is_pending() -> None:
    api = await RuntimeApi.start()
    invoked = asyncio.ensure_future(api.invoke(invocation()))
    init = asyncio.ensure_future(api.initialized())
    await asyncio.sleep(0)
    await api.close()
    with pytest.raises(RuntimeAborted):
        await invoked
    with pytest.raises(RuntimeAborted):
        await init


@on_both_loops
async def test_an_xray_cause_of_a_megabyte_fits_in_a_header() -> None:
    api, client = await started()
    request_id, invoked = await running(api, client)
    headers = {"Lambda-Runtime-Function-XRay-Error-Cause": "c" * (1024 * 1024 - 1)}
    reply = await client.request("POST", response_path(request_id, "error"), b"{}", headers)
    assert reply.status == 202
    assert (await invoked).kind == "error"
    await api.close()


@on_both_loops
async def test_headers_beyond_the_limit_are_refused() -> None:
    api, client = await started()
    headers = {f"X-Filler-{i}": "f" * 65536 for i in range(40)}
    try:
        await client.send(request_bytes("GET", NEXT, b"", headers))
        assert (await client.read_reply()).status == 431
    except ConnectionError:
        pass  # closed with unread data: the kernel may reset before the 431 is read
    await eventually(lambda: not api._connections)
    await api.close()


@on_both_loops
async def test_an_init_error_beyond_the_limit_is_kept_truncated() -> None:
    api, client = await started()
    body = b"e" * (MAX_RESPONSE_BYTES + 10)
    reply = await client.request("POST", INIT_ERROR, body)
    assert reply.status == 202
    assert (await api.initialized()).body == body[:MAX_RESPONSE_BYTES]
    await api.close()


@on_both_loops
async def test_curl_style_expect_continue_gets_a_100() -> None:
    api, client = await started()
    request_id, invoked = await running(api, client)
    head = request_bytes("POST", response_path(request_id), b"12345", {"Expect": "100-continue"})
    await client.send(head[: -len(b"12345")])
    assert await client.reader.readuntil(b"\r\n\r\n") == b"HTTP/1.1 100 Continue\r\n\r\n"
    await client.send(b"12345")
    assert (await client.read_reply()).status == 202
    assert (await invoked).body == b"12345"
    await api.close()
