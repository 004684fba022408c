"""Run a runtime client as a plain subprocess against a RuntimeApi, as the platform would.

Three clients: lambdalite's bootstrap, AWS's ``awslambdaric`` (``python -m awslambdaric``)
and a custom runtime, a ``bootstrap`` shell script using curl in the shape of AWS's tutorial.
No sandbox: these tests are about the Runtime API conversation.
"""

from __future__ import annotations

import asyncio
import glob
import os
import re
import shutil
import stat
import sys
import textwrap
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from lambdalite.runtime.bootstrap import PYTHON_BOOTSTRAP_DIR
from lambdalite.runtime.runtime_api import RuntimeApi
from lambdalite.runtime.spec import InitResult, InvocationResult
from tests.runtime.api_support import invocation

BOOTSTRAP = PYTHON_BOOTSTRAP_DIR / "lambdalite_bootstrap.py"
PYTHON_CLIENTS = ("lambdalite", "awslambdaric")
CLIENTS = (*PYTHON_CLIENTS, "custom")
BIG = 7 * 1024 * 1024

HANDLERS = textwrap.dedent(
    """
    import os
    import time

    CLIENT_SLOTS = ("installation_id", "app_title", "app_version_name", "app_version_code",
                    "app_package_name")

    def echo(event, context):
        return event

    def none(event, context):
        return None

    def unicode(event, context):
        return {"text": "h\\u00e9llo \\u2603 \\U0001f600"}

    def raw(event, context):
        return b"\\x00\\xffbinary"

    def boom(event, context):
        raise Exception("Handler fails")

    def big(event, context):
        return "x" * (7 * 1024 * 1024 - 2)

    def slow(event, context):
        while not os.path.exists(os.environ["GATE"]):
            time.sleep(0.001)
        return event

    def context(event, context):
        cc = context.client_context
        client = None if cc is None or cc.client is None else {
            name: getattr(cc.client, name) for name in CLIENT_SLOTS
        }
        return {
            "client_context": None if cc is None else {
                "custom": cc.custom, "env": cc.env, "client": client
            },
            "cognito_identity": {
                "cognitoIdentityId": context.identity.cognito_identity_id,
                "cognitoIdentityPoolId": context.identity.cognito_identity_pool_id,
            },
            "aws_request_id": context.aws_request_id,
            "invoked_function_arn": context.invoked_function_arn,
            "function_name": context.function_name,
            "function_version": context.function_version,
            "memory_limit_in_mb": context.memory_limit_in_mb,
            "log_group_name": context.log_group_name,
            "log_stream_name": context.log_stream_name,
            "remaining_in_range": 0 < context.get_remaining_time_in_millis() <= 30000,
            "trace_id": os.environ.get("_X_AMZN_TRACE_ID"),
            "repr": repr(context),
        }
    """
)

# The custom runtime: AWS's tutorial loop (GET next, run, POST the answer) with the handlers
# above written as shell cases.
CUSTOM_BOOTSTRAP = textwrap.dedent(
    r"""
    #!/bin/sh
    set -eu
    API="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
    MODULE="${_HANDLER%%.*}"
    FUNCTION="${_HANDLER##*.}"
    WORK="$(mktemp -d)"

    if [ "$MODULE" = "initfail" ]; then
      printf '%s' '{"errorMessage": "Runtime startup fails", "errorType": "Exception", "requestId": "", "stackTrace": []}' > "$WORK/init"
      curl -sS -o /dev/null -H "Lambda-Runtime-Function-Error-Type: Exception" \
        --data-binary "@$WORK/init" "$API/init/error"
      exit 1
    fi

    header() { grep -Fi "$1:" "$WORK/headers" | cut -d: -f2- | sed 's/^ //' | tr -d '\r'; }

    while true; do
      curl -sS -D "$WORK/headers" -o "$WORK/event" "$API/invocation/next"
      REQUEST_ID="$(header Lambda-Runtime-Aws-Request-Id)"
      TYPE=application/json
      case "$FUNCTION" in
        echo) cp "$WORK/event" "$WORK/out" ;;
        none) printf 'null' > "$WORK/out" ;;
        unicode) printf '{"text": "h\\u00e9llo \\u2603 \\ud83d\\ude00"}' > "$WORK/out" ;;
        raw) printf '\000\377binary' > "$WORK/out"; TYPE=application/unknown ;;
        big) { printf '"'; head -c 7340030 /dev/zero | tr '\000' x; printf '"'; } > "$WORK/out" ;;
        slow) while [ ! -e "$GATE" ]; do sleep 0.001; done; cp "$WORK/event" "$WORK/out" ;;
        context) printf '{"client_context": %s, "cognito_identity": %s}' \
                   "$(header Lambda-Runtime-Client-Context)" \
                   "$(header Lambda-Runtime-Cognito-Identity)" > "$WORK/out" ;;
        boom)
          printf '{"errorMessage": "Handler fails", "errorType": "Exception", "requestId": "%s", "stackTrace": []}' \
            "$REQUEST_ID" > "$WORK/out"
          curl -sS -o /dev/null -H "Content-Type: application/json" \
            --data-binary "@$WORK/out" "$API/invocation/$REQUEST_ID/error"
          continue ;;
      esac
      curl -sS -o /dev/null -H "Content-Type: $TYPE" \
        --data-binary "@$WORK/out" "$API/invocation/$REQUEST_ID/response"
    done
    """
).lstrip()


def write_task(task_dir: Path, modules: dict[str, str] | None = None) -> None:
    """The function's code: the handlers module, extra modules, and the custom bootstrap."""
    task_dir.mkdir(parents=True, exist_ok=True)
    (task_dir / "handlers.py").write_text(HANDLERS)
    for name, source in (modules or {}).items():
        (task_dir / f"{name}.py").write_text(source)
    script = task_dir / "bootstrap"
    script.write_text(CUSTOM_BOOTSTRAP)
    script.chmod(script.stat().st_mode | stat.S_IXUSR)


def base_environment(api: RuntimeApi, handler: str, task_dir: Path) -> dict[str, str]:
    """What the platform sets (AWS-BEHAVIOUR.md §1.6), nothing from this test process."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "TZ": ":UTC",
        "_HANDLER": handler,
        "AWS_LAMBDA_RUNTIME_API": api.address,
        "LAMBDA_TASK_ROOT": str(task_dir),
        "LAMBDA_RUNTIME_DIR": "/var/runtime",
        "AWS_LAMBDA_FUNCTION_NAME": "fn",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
        "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/fn",
        "AWS_LAMBDA_LOG_STREAM_NAME": "2026/11/29/[$LATEST]0123456789abcdef0123456789abcdef",
        "AWS_REGION": "us-east-1",
        "GATE": str(task_dir.parent / "gate"),
    }


def python_interpreters() -> list[str]:
    """One CPython >= 3.9 per minor version found on this host (pyenv builds, /usr/bin)."""
    candidates = glob.glob(os.path.expanduser("~/.pyenv/versions/*/bin/python3.*"))
    candidates += glob.glob("/usr/bin/python3.*")
    found: dict[int, str] = {}
    for path in sorted(candidates):
        match = re.fullmatch(r".*/python3\.(\d+)", path)
        if match and int(match.group(1)) >= 9 and os.access(path, os.X_OK):
            found.setdefault(int(match.group(1)), path)
    return [found[minor] for minor in sorted(found)]


def command(client: str, handler: str, task_dir: Path, python: str | None = None) -> list[str]:
    if client == "lambdalite":
        return [python or sys.executable, str(BOOTSTRAP)]
    if client == "awslambdaric":
        return [sys.executable, "-m", "awslambdaric", handler]
    return [str(task_dir / "bootstrap")]


class Runner:
    """One runtime client process serving one RuntimeApi; restarted after it exits."""

    def __init__(
        self, api: RuntimeApi, client: str, handler: str, task_dir: Path, env: dict[str, str]
    ) -> None:
        self.python: str | None = None  # the interpreter of lambdalite's bootstrap
        self.api = api
        self.client = client
        self.handler = handler
        self.task_dir = task_dir
        self.env = env
        self.log_path = task_dir.parent / f"{client}.log"
        self.process: asyncio.subprocess.Process | None = None
        self.exit_codes: list[int] = []

    async def start(self) -> InitResult:
        """Start the client and wait for its init to end (first /next or /init/error)."""
        await self.spawn()
        return await self.api.initialized()

    async def spawn(self) -> None:
        with self.log_path.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                *command(self.client, self.handler, self.task_dir, self.python),
                cwd=self.task_dir,
                env=self.env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=asyncio.subprocess.STDOUT,
            )

    async def invoke(self, payload: bytes = b"{}", **fields: Any) -> InvocationResult:
        return await self.api.invoke(invocation(payload, **fields))

    async def exited(self) -> int:
        assert self.process is not None
        code = await self.process.wait()
        self.exit_codes.append(code)
        return code

    async def restart(self) -> InitResult:
        """What the platform does when the runtime died: forget it, start a fresh one."""
        await self.exited()
        self.api.abort()
        return await self.start()

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()

    def log(self) -> str:
        # Bytes, not text mode: the "\r" joining a logged traceback must stay "\r".
        return (
            self.log_path.read_bytes().decode("utf-8", "replace") if self.log_path.exists() else ""
        )


@asynccontextmanager
async def running_client(
    client: str,
    tmp_path: Path,
    handler: str,
    modules: dict[str, str] | None = None,
    *,
    env: dict[str, str] | None = None,
    start: bool = True,
    python: str | None = None,
) -> AsyncIterator[Runner]:
    """A RuntimeApi and ``client`` serving ``handler`` from a fresh task directory."""
    task_dir = tmp_path / client / "task"
    write_task(task_dir, modules)
    api = await RuntimeApi.start()
    environment = base_environment(api, handler, task_dir)
    environment.update(env or {})
    runner = Runner(api, client, handler, task_dir, environment)
    runner.python = python
    try:
        if start:
            await runner.start()
        yield runner
    finally:
        await runner.stop()
        await api.close()


def custom_runtime_available() -> bool:
    return shutil.which("curl") is not None and Path("/bin/sh").exists()
