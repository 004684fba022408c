"""The server's own CPU per request, without HTTP: lambdalite's ASGI app driven in-process.

No uvicorn, no client socket, one request at a time: what remains is the main thread's work per
request (``time.thread_time``) and the other threads' (the store writer), stable enough to
compare two versions of the code on a noisy machine, where wrk's figures move by ±30 %.

    python bench/in_process.py [--requests 3000] [--profile invoke|dryrun|batch]

Cases: the same warm echo function behind an HTTP API (quick create, payload 2.0) and a Function
URL (AuthType NONE); a signed Invoke with ``InvocationType=DryRun`` (the AWS protocol path and
the provider), a full Invoke (adds the execution environment), and an SQS SendMessageBatch of 10
(adds the store). ``--profile`` prints the case's cProfile top 40.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import cProfile
import io
import json
import pstats
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import psutil
import uvloop
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lambdalite.config import Settings  # noqa: E402
from lambdalite.server import LambdaliteApp  # noqa: E402

HOST = "127.0.0.1:4566"
ECHO_ARN = "arn:aws:lambda:us-east-1:000000000000:function:echo"
Request = tuple[dict[str, Any], bytes]


def plain(host: str, path: str, body: bytes) -> Request:
    """An ASGI scope (and body) of an unsigned POST to ``host``: API and Function URL traffic."""
    raw = [(b"host", host.encode()), (b"content-type", b"application/json"),
           (b"content-length", str(len(body)).encode())]
    scope = {"type": "http", "method": "POST", "path": path, "raw_path": path.encode(),
             "query_string": b"", "headers": raw, "scheme": "http",
             "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 4566)}
    return scope, body


def signed(service: str, path: str, body: bytes, headers: dict[str, str]) -> Request:
    """An ASGI scope (and body) of a SigV4-signed POST, as uvicorn would hand it over."""
    request = AWSRequest("POST", f"http://{HOST}{path}", data=body, headers=headers)
    SigV4Auth(Credentials("test", "test"), service, "us-east-1").add_auth(request)
    raw = [(k.lower().encode(), v.encode()) for k, v in request.headers.items()]
    raw += [(b"host", HOST.encode()), (b"content-length", str(len(body)).encode())]
    scope = {
        "type": "http",
        "method": "POST",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": raw,
        "scheme": "http",
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 4566),
    }
    return scope, body


async def call(app: LambdaliteApp, request: Request) -> tuple[int, bytes]:
    scope, body = request
    answer: dict[str, Any] = {}

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        answer.update(message)

    await app(scope, receive, send)  # type: ignore[arg-type]
    return int(answer.get("status", 0) or 200), answer.get("body", b"")


async def started(data_dir: Path) -> tuple[LambdaliteApp, Callable[[], Awaitable[None]]]:
    """The app after its lifespan startup, and what shuts it down."""
    app = LambdaliteApp(Settings(data_dir=data_dir))
    messages: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    ready = asyncio.Event()

    async def lifespan_send(message: dict[str, Any]) -> None:
        if message["type"] == "lifespan.startup.complete":
            ready.set()

    await messages.put({"type": "lifespan.startup"})
    life = asyncio.create_task(app({"type": "lifespan"}, messages.get, lifespan_send))  # type: ignore[arg-type]
    await ready.wait()

    async def stop() -> None:
        await messages.put({"type": "lifespan.shutdown"})
        await life

    return app, stop


def echo_zip() -> str:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return event\n")
    return base64.b64encode(buffer.getvalue()).decode()


async def cases(app: LambdaliteApp) -> dict[str, Request]:
    create = json.dumps(
        {
            "FunctionName": "echo",
            "Runtime": "python3.12",
            "Handler": "handler.handler",
            "Role": "arn:aws:iam::000000000000:role/bench",
            "Code": {"ZipFile": echo_zip()},
        }
    )
    await call(
        app,
        signed(
            "lambda", "/2015-03-31/functions", create.encode(), {"Content-Type": "application/json"}
        ),
    )
    sqs = {"Content-Type": "application/x-amz-json-1.0"}
    _, created = await call(
        app,
        signed(
            "sqs", "/", b'{"QueueName": "bench"}', sqs | {"X-Amz-Target": "AmazonSQS.CreateQueue"}
        ),
    )
    entries = [{"Id": str(i), "MessageBody": "x" * 100} for i in range(10)]
    batch = json.dumps({"QueueUrl": json.loads(created)["QueueUrl"], "Entries": entries}).encode()
    invoke = "/2015-03-31/functions/echo/invocations"
    api = json.dumps({"name": "bench", "protocolType": "HTTP", "target": ECHO_ARN}).encode()
    _, made = await call(app, signed("apigateway", "/v2/apis", api, {"Content-Type": "application/json"}))
    api_id = json.loads(made)["apiId"]
    url_config = b'{"AuthType": "NONE"}'
    _, url = await call(app, signed("lambda", "/2021-10-31/functions/echo/url", url_config, {"Content-Type": "application/json"}))
    url_host = json.loads(url)["FunctionUrl"].split("//")[1].rstrip("/")
    return {
        "httpapi": plain(f"{api_id}.execute-api.localhost:4566", "/", b"{}"),
        "url": plain(url_host, "/", b"{}"),
        "dryrun": signed("lambda", invoke, b"{}", {"X-Amz-Invocation-Type": "DryRun"}),
        "invoke": signed("lambda", invoke, b"{}", {}),
        "batch": signed("sqs", "/", batch, sqs | {"X-Amz-Target": "AmazonSQS.SendMessageBatch"}),
    }


def other_threads_cpu() -> float:
    main = threading.get_native_id()
    return sum(t.user_time + t.system_time for t in psutil.Process().threads() if t.id != main)


async def measure(app: LambdaliteApp, name: str, request: Request, count: int) -> None:
    for _ in range(max(100, count // 10)):  # warm: environment, caches
        status, body = await call(app, request)
    if status >= 300:
        raise RuntimeError(f"{name} answered {status}: {body[:300]!r}")
    others, cpu, wall = other_threads_cpu(), time.thread_time(), time.perf_counter()
    for _ in range(count):
        await call(app, request)
    per = 1e6 / count
    main, rest = (time.thread_time() - cpu) * per, (other_threads_cpu() - others) * per
    elapsed = (time.perf_counter() - wall) * per
    print(f"{name:8s} main thread {main:6.0f} us  others {rest:6.0f} us  wall {elapsed:6.0f} us")


async def profile(app: LambdaliteApp, request: Request, count: int) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(count):
        await call(app, request)
    profiler.disable()
    pstats.Stats(profiler).sort_stats("tottime").print_stats(40)


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as data:
        app, stop = await started(Path(data) / "lambdalite")
        try:
            requests = await cases(app)
            for name, request in requests.items():
                await measure(app, name, request, args.requests)
            if args.profile:
                await profile(app, requests[args.profile], args.requests)
        finally:
            await stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--profile", choices=["dryrun", "invoke", "batch", "httpapi", "url"])
    uvloop.run(main(parser.parse_args()))
