"""Functions run for real: the Invoke API, limits, isolation, runtimes, concurrency."""

from __future__ import annotations

import asyncio
import base64
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from lambdalite.services.logs.events import LogEvents
from lambdalite.store import Store
from tests.conformance.conftest import ROLE, zipped
from tests.support.aws_errors import ACCOUNT, error, error_of
from tests.support.server import LambdaliteServer, running_server
from tests.support.signing import send

from .conftest import make_client


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LambdaliteServer]:
    with running_server(tmp_path_factory.mktemp("invoke") / "data") as started:
        yield started


@pytest.fixture
def lam(server: LambdaliteServer) -> Any:
    return make_client(server.endpoint, "lambda", parameter_validation=False, read_timeout=120)


def deploy(lam: Any, name: str, source: str, **config: Any) -> str:
    params = {
        "FunctionName": name,
        "Runtime": "python3.12",
        "Role": ROLE,
        "Handler": "handler.handler",
        "Code": {"ZipFile": zipped({"handler.py": source})},
    }
    params.update(config)
    lam.create_function(**params)
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    return name


def call(lam: Any, name: str, event: Any = None, **kwargs: Any) -> tuple[Any, dict[str, Any]]:
    response = lam.invoke(
        FunctionName=name, Payload=json.dumps({} if event is None else event), **kwargs
    )
    return json.loads(response["Payload"].read()), response


RUN = (
    "import json, os, subprocess\n\n"
    "def handler(event, context):\n"
    "    exec(event['code'], globals())\n"
    "    return RESULT\n"
)


@pytest.fixture(scope="module")
def probe(server: LambdaliteServer) -> str:
    """A function that runs the Python code it is sent, to look around from inside."""
    lam = make_client(server.endpoint, "lambda")
    return deploy(lam, "probe", RUN, Timeout=10)


def inside(lam: Any, probe: str, code: str) -> Any:
    result, response = call(lam, probe, {"code": code})
    assert "FunctionError" not in response, result
    return result


# --- isolation -----------------------------------------------------------------------------------


def test_the_data_dir_and_host_are_invisible(
    lam: Any, probe: str, server: LambdaliteServer
) -> None:
    import boto3

    site_packages = str(Path(boto3.__file__).parents[1])  # bound: only boto3 and its kin
    code = (
        f"RESULT = [os.path.exists({str(server.data_dir)!r}), os.path.exists({str(Path(__file__))!r}),"
        f" sorted(os.listdir({site_packages!r}))]"
    )
    data_dir_seen, tests_seen, packages = inside(lam, probe, code)
    assert (data_dir_seen, tests_seen) == (False, False)
    assert set(packages) <= {
        "boto3",
        "botocore",
        "s3transfer",
        "jmespath",
        "dateutil",
        "urllib3",
        "six.py",
    }
    processes = inside(
        lam, probe, "RESULT = sorted(int(p) for p in os.listdir('/proc') if p.isdigit())"
    )
    assert max(processes) < 100, processes  # only the sandbox's own processes


def test_no_host_environment_leaks(lam: Any, probe: str) -> None:
    variables = inside(lam, probe, "RESULT = dict(os.environ)")
    assert not any(
        name.startswith(("LAMBDALITE_", "PYTEST", "VIRTUAL_ENV", "HOME")) for name in variables
    )
    assert variables["AWS_LAMBDA_FUNCTION_NAME"] == "probe"


def test_writes_only_in_tmp(lam: Any, probe: str) -> None:
    code = (
        "results = {}\n"
        "for path in ('/var/task/x', '/etc/x', '/usr/x', '/x', '/tmp/x'):\n"
        "    try:\n"
        "        open(path, 'w').write('x')\n"
        "        results[path] = 'written'\n"
        "    except OSError as error:\n"
        "        results[path] = error.strerror\n"
        "RESULT = results"
    )
    results = inside(lam, probe, code)
    assert results["/tmp/x"] == "written"
    assert all(
        results[p] in ("Read-only file system", "Permission denied")
        for p in ("/var/task/x", "/etc/x", "/usr/x", "/x")
    )


def test_unprivileged_without_capabilities(lam: Any, probe: str) -> None:
    status = inside(
        lam,
        probe,
        "RESULT = dict(line.split(':\\t', 1) for line in open('/proc/self/status').read().splitlines() if ':\\t' in line)",
    )
    assert status["Uid"].split()[0] == "65534"
    assert status["CapEff"].strip("\t ") == "0000000000000000"
    assert status["CapBnd"].strip("\t ") == "0000000000000000"
    assert status["NoNewPrivs"].strip() == "1"
    assert status["Seccomp"].strip() == "2"
    refused = inside(
        lam, probe, "import ctypes\nRESULT = ctypes.CDLL(None, use_errno=True).unshare(0x00020000)"
    )
    assert refused == -1


def test_a_memory_bomb_is_killed_at_the_limit(lam: Any) -> None:
    name = deploy(
        lam,
        "memory-bomb",
        "def handler(event, context):\n    hog = []\n    while True:\n        hog.append(bytearray(16 * 1024 * 1024))\n",
        MemorySize=128,
    )
    result, response = call(lam, name)
    assert response["FunctionError"] == "Unhandled"
    assert result["errorType"] in ("Runtime.OutOfMemory", "Runtime.ExitError")
    assert result["errorMessage"].endswith("Error: Runtime exited with error: signal: killed")
    follow_up = deploy(lam, "after-bomb", "def handler(event, context):\n    return 'fine'\n")
    assert call(lam, follow_up)[0] == "fine"


def test_a_fork_bomb_is_contained(lam: Any) -> None:
    source = (
        "import os\n\n"
        "def handler(event, context):\n"
        "    children = 0\n"
        "    try:\n"
        "        for _ in range(5000):\n"
        "            if os.fork() == 0:\n"
        "                import time\n"
        "                time.sleep(60)\n"
        "                os._exit(0)\n"
        "            children += 1\n"
        "    except OSError as error:\n"
        "        return {'stopped_at': children, 'error': error.strerror}\n"
        "    return {'stopped_at': children}\n"
    )
    # Memory enough that the pids limit (1024 processes), not the memory limit, stops it.
    name = deploy(lam, "fork-bomb", source, Timeout=30, MemorySize=4096)
    result, _ = call(lam, name)
    assert result["error"] == "Resource temporarily unavailable"


def test_an_infinite_loop_is_stopped_at_the_timeout(lam: Any) -> None:
    name = deploy(
        lam, "spin", "def handler(event, context):\n    while True:\n        pass\n", Timeout=1
    )
    result, response = call(lam, name)
    assert result["errorType"] == "Sandbox.Timedout"
    assert response["FunctionError"] == "Unhandled"


# --- the Invoke API -------------------------------------------------------------------------------


def test_event_and_dry_run(lam: Any) -> None:
    name = deploy(lam, "kinds", "def handler(event, context):\n    return event\n")
    assert lam.invoke(FunctionName=name, InvocationType="Event", Payload=b"{}")["StatusCode"] == 202
    assert (
        lam.invoke(FunctionName=name, InvocationType="DryRun", Payload=b"{}")["StatusCode"] == 204
    )


def test_payload_limits(lam: Any) -> None:
    name = deploy(lam, "limits", "def handler(event, context):\n    return len(event['x'])\n")
    big = json.dumps({"x": "y" * (6 * 1024 * 1024)}).encode()
    assert error(lambda: lam.invoke(FunctionName=name, Payload=big))[:1] == (
        "RequestTooLargeException",
    )
    event_big = json.dumps({"x": "y" * (1024 * 1024)}).encode()
    code, message, status = error(
        lambda: lam.invoke(FunctionName=name, InvocationType="Event", Payload=event_big)
    )
    assert (code, status) == ("RequestTooLargeException", 413)
    assert message == "Request must be smaller than 1048576 bytes for the InvokeFunction operation"


def test_invoke_a_missing_function_names_latest(lam: Any) -> None:
    assert error(lambda: lam.invoke(FunctionName="nope", Payload=b"{}"))[:2] == (
        "ResourceNotFoundException",
        "Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope:$LATEST",
    )


def test_versions_and_aliases_run_their_own_code(lam: Any) -> None:
    name = deploy(
        lam,
        "versioned",
        "def handler(event, context):\n    return ['v1', context.function_version, context.invoked_function_arn]\n",
    )
    lam.publish_version(FunctionName=name)
    lam.update_function_code(
        FunctionName=name,
        ZipFile=zipped(
            {
                "handler.py": "def handler(event, context):\n    return ['v2', context.function_version, context.invoked_function_arn]\n"
            }
        ),
    )
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    lam.create_alias(FunctionName=name, Name="stable", FunctionVersion="1")
    assert call(lam, name)[0][:2] == ["v2", "$LATEST"]
    result, response = call(lam, f"{name}:1")
    assert result == ["v1", "1", f"arn:aws:lambda:us-east-1:000000000000:function:{name}:1"]
    assert response["ExecutedVersion"] == "1"
    result, response = call(lam, name, Qualifier="stable")
    assert result[:2] == ["v1", "1"] and result[2].endswith(":stable")
    assert response["ExecutedVersion"] == "1"


def test_an_invoke_right_after_a_change_runs_the_change(lam: Any) -> None:
    """Invoke reads configuration through a cache: no change may be missed by it."""
    source = "import os\n\ndef handler(event, context):\n    return ['{}', os.environ.get('XX')]\n"
    name = deploy(lam, "changing", source.format("v1"))
    assert call(lam, name)[0] == ["v1", None]
    lam.update_function_configuration(FunctionName=name, Environment={"Variables": {"XX": "2"}})
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    assert call(lam, name)[0] == ["v1", "2"]
    lam.publish_version(FunctionName=name)
    lam.update_function_code(FunctionName=name, ZipFile=zipped({"handler.py": source.format("v2")}))
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    assert call(lam, name)[0] == ["v2", "2"]
    lam.publish_version(FunctionName=name)
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    assert call(lam, name, Qualifier="live")[0] == ["v1", "2"]
    lam.update_alias(FunctionName=name, Name="live", FunctionVersion="2")
    assert call(lam, name, Qualifier="live")[0] == ["v2", "2"]
    lam.delete_function(FunctionName=name)
    assert error(lambda: call(lam, name))[0] == "ResourceNotFoundException"


def test_client_context_reaches_the_function(lam: Any) -> None:
    name = deploy(
        lam,
        "client-ctx",
        "def handler(event, context):\n    return context.client_context.custom\n",
    )
    context = base64.b64encode(json.dumps({"custom": {"who": "me"}}).encode()).decode()
    assert call(lam, name, ClientContext=context)[0] == {"who": "me"}


def test_boto3_inside_a_function_reaches_lambdalite_as_its_role(lam: Any) -> None:
    source = "import boto3\n\ndef handler(event, context):\n    return boto3.client('sts').get_caller_identity()['Arn']\n"
    name = deploy(
        lam,
        "inner-boto",
        source,
        Role="arn:aws:iam::000000000000:role/service-role/my-role",
        Timeout=20,
    )
    assert call(lam, name)[0] == "arn:aws:sts::000000000000:assumed-role/my-role/inner-boto"


def test_concurrent_invocations_run_in_parallel_environments(lam: Any) -> None:
    source = "import os, time\n\ndef handler(event, context):\n    time.sleep(1)\n    return os.environ['AWS_LAMBDA_LOG_STREAM_NAME']\n"
    name = deploy(lam, "parallel", source, Timeout=10)
    streams: list[str] = []
    threads = [
        threading.Thread(target=lambda: streams.append(call(lam, name)[0])) for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(streams)) == 3


def test_reserved_concurrency_caps_parallel_invocations(lam: Any) -> None:
    source = "import time\n\ndef handler(event, context):\n    time.sleep(2)\n    return 'done'\n"
    name = deploy(lam, "capped", source, Timeout=10)
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=1)
    outcomes: list[str] = []

    def one() -> None:
        try:
            outcomes.append(call(lam, name)[0])
        except ClientError as failure:
            outcomes.append(failure.response["Error"]["Code"])

    threads = [threading.Thread(target=one) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["TooManyRequestsException", "done"]


# Tags itself as started, then waits until the test creates the function "gate".
GATED = (
    "import os, time, boto3\n\n"
    "def handler(event, context):\n"
    "    lam = boto3.client('lambda')\n"
    "    lam.tag_resource(Resource=context.invoked_function_arn, Tags={context.aws_request_id: 'started'})\n"
    "    while True:\n"
    "        try:\n"
    "            lam.get_function(FunctionName='gate')\n"
    "            return 'done'\n"
    "        except lam.exceptions.ResourceNotFoundException:\n"
    "            time.sleep(0.05)\n"
)


def test_the_account_limit_caps_unreserved_functions_together(tmp_path: Path) -> None:
    env = {"LAMBDALITE_LAMBDA_CONCURRENCY_LIMIT": "2"}
    with running_server(tmp_path / "data", env=env) as started:
        lam = make_client(started.endpoint, "lambda", read_timeout=60)
        for name in ("first-gated", "second-gated"):
            deploy(lam, name, GATED, Timeout=60)
        outcomes: list[str] = []
        threads = [
            threading.Thread(target=lambda n=name: outcomes.append(call(lam, n)[0]))
            for name in ("first-gated", "second-gated")
        ]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 60
        while (
            sum(
                len(
                    lam.list_tags(
                        Resource=lam.get_function(FunctionName=n)["Configuration"]["FunctionArn"]
                    )["Tags"]
                )
                for n in ("first-gated", "second-gated")
            )
            < 2
        ):
            assert time.monotonic() < deadline, "the two invocations never started"
        failure = error_of(lambda: lam.invoke(FunctionName="first-gated", Payload=b"{}"))
        assert (failure["Error"]["Code"], failure["Reason"]) == (
            "TooManyRequestsException",
            "ConcurrentInvocationLimitExceeded",
        )
        deploy(lam, "gate", "def handler(event, context):\n    pass\n")
        for thread in threads:
            thread.join()
        assert outcomes == ["done", "done"]


def test_log_tail_carries_the_functions_output(lam: Any) -> None:
    name = deploy(
        lam, "logged", "def handler(event, context):\n    print('hello from the function')\n"
    )
    _, response = call(lam, name, LogType="Tail")
    assert "hello from the function" in base64.b64decode(response["LogResult"]).decode()


def test_logs_are_stored_by_a_clean_shutdown(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with running_server(data) as first:
        lam = make_client(first.endpoint, "lambda")
        deploy(lam, "kept-logs", "def handler(event, context):\n    print('worth keeping')\n")
        request_id = call(lam, "kept-logs")[1]["ResponseMetadata"]["RequestId"]
        assert first.stop() == 0
    store = Store.open(f"sqlite:///{data / 'lambdalite.db'}")
    try:
        found = asyncio.run(LogEvents(store).read(ACCOUNT, "us-east-1", "/aws/lambda/kept-logs"))
    finally:
        store.close()
    messages = [event.message for event in found]
    assert "worth keeping" in messages
    assert any(m.startswith("REPORT RequestId: ") for m in messages), messages
    assert request_id  # the Invoke answered before the shutdown


def test_state_survives_restart_and_code_runs_after_it(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with running_server(data) as first:
        lam = make_client(first.endpoint, "lambda")
        deploy(lam, "durable-fn", "def handler(event, context):\n    return 'still here'\n")
        first.stop()
    with running_server(data) as second:
        lam = make_client(second.endpoint, "lambda")
        assert call(lam, "durable-fn")[0] == "still here"


def test_provisioned_concurrency_prewarms_environments(lam: Any) -> None:
    source = "import os\n\ndef handler(event, context):\n    return os.environ['AWS_LAMBDA_INITIALIZATION_TYPE']\n"
    name = deploy(lam, "provisioned", source)
    lam.publish_version(FunctionName=name)
    lam.put_provisioned_concurrency_config(
        FunctionName=name, Qualifier="1", ProvisionedConcurrentExecutions=2
    )
    deadline = time.monotonic() + 60
    while (status := lam.get_provisioned_concurrency_config(FunctionName=name, Qualifier="1"))[
        "Status"
    ] != "READY":
        assert status["Status"] == "IN_PROGRESS" and time.monotonic() < deadline, status
    assert status["AllocatedProvisionedConcurrentExecutions"] == 2
    result, response = call(lam, name, Qualifier="1", LogType="Tail")
    assert result == "provisioned-concurrency"
    assert "Init Duration" not in base64.b64decode(response["LogResult"]).decode()
    assert call(lam, name)[0] == "on-demand"  # $LATEST is not provisioned


def test_idle_environments_and_spares_are_reaped(tmp_path: Path) -> None:
    with zygote_running(tmp_path, LAMBDALITE_LAMBDA_KEEP_ALIVE_SECONDS="1") as (server, lam):
        deploy(lam, "never-invoked", STAMPED)
        until_spares(server, 1)
        until_spares(server, 0)  # an unused spare is reaped like an idle environment
        name = deploy(
            lam,
            "reaped",
            "import os\n\ndef handler(event, context):\n    return os.environ['AWS_LAMBDA_LOG_STREAM_NAME']\n",
        )
        first = call(lam, name)[0]
        deadline = time.monotonic() + 30
        while environments(server) > 0:  # watched from outside: invoking would keep it busy
            assert time.monotonic() < deadline, "the idle environment was never reaped"
        assert call(lam, name)[0] != first  # a new environment


def environments(server: LambdaliteServer, kind: str = "environments") -> int:
    _, _, body = send(server.endpoint, "GET", "/_lambdalite/health")
    return int(json.loads(body)["execution"][kind])


# --- spare sandboxes --------------------------------------------------------------------------------

# Records when the module was imported (the function's init) and when it was invoked.
STAMPED = (
    "import time\n\nIMPORTED = time.time()\n\n"
    "def handler(event, context):\n    return {'imported': IMPORTED}\n"
)


@contextmanager
def zygote_running(tmp_path: Path, **env: str) -> Iterator[tuple[LambdaliteServer, Any]]:
    """A server of its own whose zygote runs and has served one invocation, and a client."""
    with running_server(tmp_path / "data", env=env) as started:
        lam = make_client(started.endpoint, "lambda", read_timeout=60)
        deploy(lam, "starter", "def handler(event, context):\n    return 1\n")
        call(lam, "starter")
        yield started, lam


def until_spares(server: LambdaliteServer, count: int) -> None:
    deadline = time.monotonic() + 30
    while environments(server, "spare_environments") != count:
        assert time.monotonic() < deadline, f"never {count} spare environments"


def test_a_created_function_gets_a_spare_sandbox_and_no_code_runs_before_its_invoke(
    tmp_path: Path,
) -> None:
    with zygote_running(tmp_path) as (started, lam):
        deploy(lam, "spared", STAMPED)
        until_spares(started, 1)
        invoked = time.time()
        result, response = call(lam, "spared", LogType="Tail")
        assert result["imported"] >= invoked  # the init ran on the invoke, not before
        assert "Init Duration" in base64.b64decode(response["LogResult"]).decode()
        until_spares(started, 0)  # taken; one cold start does not call for another
        assert environments(started) == 2  # the starter's and this one


def test_a_created_function_starts_its_runtime_and_a_spare_before_any_invocation(
    tmp_path: Path,
) -> None:
    with running_server(tmp_path / "data") as started:
        lam = make_client(started.endpoint, "lambda", read_timeout=60)
        deploy(lam, "ahead", STAMPED)
        until_spares(started, 1)  # the zygote started on the create, not on an invocation
        invoked = time.time()
        assert call(lam, "ahead")[0]["imported"] >= invoked
        assert environments(started) == 1


def test_spares_are_bounded_and_the_oldest_makes_room(tmp_path: Path) -> None:
    with zygote_running(tmp_path, LAMBDALITE_LAMBDA_SPARE_ENVIRONMENTS="1") as (started, lam):
        deploy(lam, "first-spared", STAMPED)
        until_spares(started, 1)
        deploy(lam, "second-spared", STAMPED)
        until_spares(started, 1)
        # The second one holds the spare: its first invoke uses it up, leaving none.
        call(lam, "second-spared")
        until_spares(started, 0)


def test_a_scale_out_keeps_a_spare_for_the_next_one(tmp_path: Path) -> None:
    with zygote_running(tmp_path) as (started, lam):
        source = "import time\n\ndef handler(event, context):\n    time.sleep(event['s'])\n"
        deploy(lam, "scaled", source)
        until_spares(started, 1)
        threads = [threading.Thread(target=call, args=(lam, "scaled", {"s": 1})) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert environments(started) == 3  # the starter's and these two
        until_spares(started, 1)


def test_no_spares_when_switched_off(tmp_path: Path) -> None:
    with zygote_running(tmp_path, LAMBDALITE_LAMBDA_SPARE_ENVIRONMENTS="0") as (started, lam):
        deploy(lam, "unspared", STAMPED)
        assert call(lam, "unspared")[0]["imported"] > 0
        assert environments(started, "spare_environments") == 0
