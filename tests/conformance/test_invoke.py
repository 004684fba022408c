"""Recorded AWS invocations (aws-recorded 13-18, 20-25, 27) replayed
against functions that really run."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import pytest

from tests.support.aws_errors import error_of

from .conftest import ROLE, zipped
from .snapshot import Snapshot, recorded


def create(
    lam: Any, name: str, source: str, module: str = "handler", **config: Any
) -> dict[str, Any]:
    params = {
        "FunctionName": name,
        "Runtime": "python3.12",
        "Role": ROLE,
        "Handler": f"{module}.handler",
        "Code": {"ZipFile": zipped({f"{module}.py": source})},
    }
    params.update(config)
    created = lam.create_function(**params)
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    return created  # type: ignore[no-any-return]


def invoke(lam: Any, name: str, payload: Any = None, **kwargs: Any) -> dict[str, Any]:
    """Invoke and read the payload as boto3 users do (json when it parses)."""
    if payload is not None:
        kwargs["Payload"] = payload if isinstance(payload, bytes) else json.dumps(payload)
    response = lam.invoke(FunctionName=name, **kwargs)
    body = response["Payload"].read()
    try:
        response["Payload"] = json.loads(body)
    except ValueError:
        response["Payload"] = body.decode()
    return response  # type: ignore[no-any-return]


ECHO = "def handler(event, context):\n    return event\n"
NONE = "def handler(event, context):\n    pass\n"


def test_13_invoke_sync(lam: Any) -> None:
    create(lam, "sync-echo", ECHO)
    Snapshot().match(
        recorded("13_invoke_sync", "invoke-result", 0),
        invoke(lam, "sync-echo", {}, InvocationType="RequestResponse"),
    )
    create(lam, "sync-none", NONE)
    response = invoke(lam, "sync-none", {}, InvocationType="RequestResponse")
    response["Payload"] = json.dumps(response["Payload"])  # recorded as the literal text null
    Snapshot().match(recorded("13_invoke_sync", "invoke-result", 1), response)


def test_15_dry_run(lam: Any) -> None:
    create(lam, "dry-echo", ECHO)
    Snapshot().match(
        recorded("15_invoke_dry_run", "invoke-result"),
        invoke(lam, "dry-echo", {}, InvocationType="DryRun"),
    )


def test_16_log_type_tail(lam: Any) -> None:
    create(lam, "tail-echo", "def handler(event, context):\n    print(event)\n    return event\n")
    response = invoke(lam, "tail-echo", {}, LogType="Tail")
    logs = base64.b64decode(response["LogResult"]).decode()
    response["LogResult"] = "log-result"
    Snapshot().match(recorded("16_invoke_log_type_tail", "invoke"), response)
    lines = logs.splitlines(keepends=True)
    request_id = lines[0].split()[2]
    assert lines[0] == f"START RequestId: {request_id} Version: $LATEST\n"
    assert lines[1] == "{}\n"
    assert lines[2] == f"END RequestId: {request_id}\n"
    report = lines[3]
    assert report.startswith(f"REPORT RequestId: {request_id}\tDuration: ") and report.endswith(
        " ms\t\n"
    )
    fields = report.rstrip("\t\n").split("\t")
    assert [f.split(":")[0] for f in fields] == [
        "REPORT RequestId",
        "Duration",
        "Billed Duration",
        "Memory Size",
        "Max Memory Used",
        "Init Duration",
    ]
    assert fields[3] == "Memory Size: 128 MB"


def test_17_handler_error(lam: Any) -> None:
    source = 'def handler(event, context):\n    raise Exception("Handler fails")\n'
    create(lam, "error-fn", source, module="lambda_handler_error")
    snapshot = Snapshot()
    snapshot.match(recorded("17_handler_error", "invocation_error"), invoke(lam, "error-fn", {}))


def test_18_init_error(lam: Any) -> None:
    create(
        lam,
        "init-error-fn",
        'raise Exception("Runtime startup fails")\n',
        module="lambda_runtime_error",
        Runtime="python3.13",
    )
    response = invoke(lam, "init-error-fn", {})
    expected = recorded("18_init_error", "invocation_error")
    assert response["FunctionError"] == "Unhandled"
    payload = response["Payload"]
    assert {k: payload[k] for k in ("errorMessage", "errorType", "requestId")} == {
        k: expected["Payload"][k] for k in ("errorMessage", "errorType", "requestId")
    }
    # The importlib frames name the interpreter's own paths; the last frame is the function's.
    assert payload["stackTrace"][-1] == expected["Payload"]["stackTrace"][-1]
    assert (
        payload["stackTrace"][0].startswith('  File "')
        and "in import_module" in payload["stackTrace"][0]
    )


def test_20_timeout(lam: Any) -> None:
    source = "import time\n\ndef handler(event, context):\n    print('starting wait')\n    time.sleep(2)\n    print('done waiting')\n"
    create(lam, "timeout-fn", source, Timeout=1)
    response = invoke(lam, "timeout-fn", {}, LogType="Tail")
    logs = base64.b64decode(response.pop("LogResult")).decode()
    request_id = response["Payload"]["errorMessage"].split()[1]
    assert response["Payload"] == {
        "errorType": "Sandbox.Timedout",
        "errorMessage": f"RequestId: {request_id} Error: Task timed out after 1.00 seconds",
    }
    assert response["FunctionError"] == "Unhandled" and response["StatusCode"] == 200
    assert "starting wait" in logs and "done waiting" not in logs
    assert f"{request_id} Task timed out after 1." in logs


def test_21_timeout_environment_reuse(lam: Any) -> None:
    source = (
        "import time\n\nNUMBER = 0\n\n"
        "def handler(event, context):\n"
        "    global NUMBER\n"
        "    action = event['action']\n"
        "    if action == 'write':\n"
        "        open('/tmp/file', 'w').write('some-content')\n"
        "    elif action == 'read':\n"
        "        return {'content': open('/tmp/file').read()}\n"
        "    elif action == 'set':\n"
        "        NUMBER = 42\n"
        "    elif action == 'number':\n"
        "        return {'number': NUMBER}\n"
        "    elif action == 'sleep':\n"
        "        time.sleep(3)\n"
    )
    create(lam, "reuse-fn", source, Timeout=1)
    check = Snapshot()
    check.match(
        recorded("21_timeout_environment_reuse", "invoke-result-file-write"),
        with_null(invoke(lam, "reuse-fn", {"action": "write"})),
    )
    check.match(
        recorded("21_timeout_environment_reuse", "invoke-result-file-read"),
        invoke(lam, "reuse-fn", {"action": "read"}),
    )
    check.match(
        recorded("21_timeout_environment_reuse", "invoke-result-set-number"),
        with_null(invoke(lam, "reuse-fn", {"action": "set"})),
    )
    check.match(
        recorded("21_timeout_environment_reuse", "invoke-result-read-number"),
        invoke(lam, "reuse-fn", {"action": "number"}),
    )
    timed_out = invoke(lam, "reuse-fn", {"action": "sleep"})
    assert timed_out["FunctionError"] == "Unhandled"
    check.match(
        recorded("21_timeout_environment_reuse", "invoke-result-file-read-after-timeout"),
        invoke(lam, "reuse-fn", {"action": "read"}),
    )
    check.match(
        recorded("21_timeout_environment_reuse", "invoke-result-read-number-after-timeout"),
        invoke(lam, "reuse-fn", {"action": "number"}),
    )


def with_null(response: dict[str, Any]) -> dict[str, Any]:
    response["Payload"] = json.dumps(response["Payload"])
    return response


def test_22_invalid_payload_encoding(lam: Any) -> None:
    create(lam, "encoding-fn", ECHO)
    error = error_of(
        lambda: lam.invoke(FunctionName="encoding-fn", Payload=b"n\x87r\x9e\xe9\xb5\xd7I\xee\x9bmt")
    )
    Snapshot().match(
        recorded("22_invalid_payload_encoding", "invoke_function_invalid_payload_body"), error
    )


def test_23_response_too_large(lam: Any) -> None:
    create(
        lam,
        "large-fn",
        "def handler(event, context):\n    print('big answer')\n    return 'x' * (7 * 1024 * 1024)\n",
    )
    check = Snapshot()
    check.match(recorded("23_response_too_large", "invoke_result"), invoke(lam, "large-fn", {}))
    check.match(recorded("23_response_too_large", "invoke_result_2"), invoke(lam, "large-fn", {}))


def test_24_reserved_concurrency_zero_throttles(lam: Any) -> None:
    create(lam, "throttled-fn", ECHO, Timeout=20)
    check = Snapshot()
    check.match(
        recorded("24_reserved_concurrency_throttle", "put_reserved"),
        lam.put_function_concurrency(FunctionName="throttled-fn", ReservedConcurrentExecutions=0),
    )
    check.match(
        recorded("24_reserved_concurrency_throttle", "exc_no_cap_requestresponse"),
        error_of(lambda: lam.invoke(FunctionName="throttled-fn", Payload=b"{}")),
    )


def test_14_invoke_event_answers_202_and_runs(lam: Any) -> None:
    # The recording's test polls CloudWatch Logs to see the function ran; this one has the
    # function tag itself (boto3 inside it reaches lambdalite), and polls the tags.
    source = (
        "import boto3\n\n"
        "def handler(event, context):\n"
        "    boto3.client('lambda').tag_resource(Resource=context.invoked_function_arn, Tags={'ran': event['mark']})\n"
    )
    arn = create(lam, "async-fn", source)["FunctionArn"]
    Snapshot().match(
        recorded("14_invoke_async_event", "invoke-result"),
        invoke(lam, "async-fn", {"mark": "yes"}, InvocationType="Event"),
    )
    deadline = time.monotonic() + 30
    while lam.list_tags(Resource=arn)["Tags"].get("ran") != "yes":
        assert time.monotonic() < deadline, "the Event invocation never ran"


def test_25_reserved_equal_to_provisioned_blocks_latest_only(lam: Any) -> None:
    case, name = "25_reserved_vs_provisioned_block", "blocked-fn"
    hello = {"hello": "world"}
    # LocalStack's create_lambda_function fixture, which recorded this, sends empty variables.
    create(lam, name, ECHO, Timeout=30, Environment={"Variables": {}})
    check = Snapshot()
    check.match(recorded(case, "v1_result"), lam.publish_version(FunctionName=name))
    check.match(
        recorded(case, "reserved_concurrency_result"),
        lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=1),
    )
    check.match(recorded(case, "invoke_latest_before_block"), invoke(lam, name, hello))
    check.match(
        recorded(case, "provisioned_concurrency_result"),
        lam.put_provisioned_concurrency_config(
            FunctionName=name, Qualifier="1", ProvisionedConcurrentExecutions=1
        ),
    )
    deadline = time.monotonic() + 60
    while (
        lam.get_provisioned_concurrency_config(FunctionName=name, Qualifier="1")["Status"]
        != "READY"
    ):
        assert time.monotonic() < deadline, "the provisioned concurrency never became READY"
    check.match(
        recorded(case, "invoke_latest_first_exc"), error_of(lambda: invoke(lam, name, hello))
    )
    check.match(recorded(case, "invoke_v1_after_block"), invoke(lam, f"{name}:1", hello))
    check.match(
        recorded(case, "invoke_latest_second_exc"), error_of(lambda: invoke(lam, name, hello))
    )


@pytest.mark.parametrize("qualified", [False, True])
def test_27_context_and_environment(lam: Any, qualified: bool) -> None:
    source = (
        "import os\n\n"
        "def handler(event, context):\n"
        "    ctx = {k: str(getattr(context, k)) for k in ('aws_request_id', 'function_name', 'function_version', 'invoked_function_arn', 'log_group_name', 'log_stream_name', 'memory_limit_in_mb')}\n"
        "    ctx['remaining_time_in_millis'] = str(context.get_remaining_time_in_millis())\n"
        "    return {'ctx': ctx, 'environment': dict(os.environ), 'packages': []}\n"
    )
    name = "introspect-fn-q" if qualified else "introspect-fn"
    create(lam, name, source, MemorySize=1024, Environment={"Variables": {"TEST_KEY": "TEST_VAL"}})
    function = f"arn:aws:lambda:us-east-1:000000000000:function:{name}" + (
        ":$LATEST" if qualified else ""
    )
    payload = invoke(lam, function, {})["Payload"]
    expected = recorded(
        "27_context_and_env_introspection",
        "invocation_result_payload_qualified" if qualified else "invocation_result_payload",
    )
    environment = payload["environment"]
    # lambdalite's own additions and addresses: its Runtime API and endpoint are on the loopback.
    assert environment.pop("AWS_ENDPOINT_URL").startswith("http://127.0.0.1:")
    runtime_api = environment.pop("AWS_LAMBDA_RUNTIME_API")
    assert runtime_api.startswith("127.0.0.1:")
    expected["environment"].pop("AWS_LAMBDA_RUNTIME_API")
    for xray in ("AWS_XRAY_DAEMON_ADDRESS", "_AWS_XRAY_DAEMON_ADDRESS", "_AWS_XRAY_DAEMON_PORT"):
        expected["environment"].pop(xray)  # no X-Ray daemon runs beside lambdalite
    Snapshot().match(expected, payload)


def test_09_invoke_versions_with_code_changes(lam: Any) -> None:
    from .test_aliases import invoked, versioned_zip

    case = "09_invoke_versions_with_code_changes"
    check = Snapshot()
    name = "versions-code-fn"
    lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=ROLE,
        Handler="handler.handler",
        Code={"ZipFile": versioned_zip("version1")},
        Description="No version :(",
    )
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    lam.publish_version(FunctionName=name, Description="First version description :)")
    lam.update_function_code(FunctionName=name, ZipFile=versioned_zip("version2"))
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    check.match(recorded(case, "invocation_result_latest"), invoked(lam, FunctionName=name))
    check.match(
        recorded(case, "invocation_result_v1"), invoked(lam, FunctionName=name, Qualifier="1")
    )
    lam.publish_version(FunctionName=name)
    check.match(
        recorded(case, "invocation_result_v2"), invoked(lam, FunctionName=name, Qualifier="2")
    )
    lam.update_function_code(FunctionName=name, ZipFile=versioned_zip("version3"), Publish=True)
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    check.match(
        recorded(case, "invocation_result_v3"), invoked(lam, FunctionName=name, Qualifier="3")
    )
    check.match(recorded(case, "invocation_result_latest_end"), invoked(lam, FunctionName=name))
    check.match(
        recorded(case, "invocation_result_v2_end"), invoked(lam, FunctionName=name, Qualifier="2")
    )
    check.match(
        recorded(case, "invocation_result_v1_end"), invoked(lam, FunctionName=name, Qualifier="1")
    )
