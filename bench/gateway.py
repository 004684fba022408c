"""A warm function behind lambdalite's HTTP API and Function URL, side by side with
serverless-offline's httpApi (the same handler), a bare uvicorn hello-world, and the
process-hop floor (bench/relay_app.py: bare uvicorn running each request's body through a
handler in a persistent child process, the most any design that runs functions outside the
server can reach here).

Every server is loaded by the same wrk (POST of ``{}``; 2 threads) in one run, one server at a
time; only the ratios are meaningful. Targets: lambdalite at least 2x serverless-offline's
requests/s, and at least 40 % of bare uvicorn's.

    python bench/gateway.py [--duration 10] [--connections 32] [--warmup 10]

Each measured run follows an unmeasured one of ``--warmup`` seconds at the same load.

Needs wrk (Debian: apt-get install wrk) and npm (serverless@3 and serverless-offline@13 are
installed into .peers/serverless-offline on first use, as bench/peers.py does).
"""

from __future__ import annotations

import argparse
import re
import socket
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import boto3  # noqa: E402

from bench.gateway_throughput import (  # noqa: E402
    run_wrk_warm,
    start_hello,
    start_uvicorn_app,
    wrk_arguments,
    wrk_script,
)
from bench.invoke import HANDLER, ROLE, client, package  # noqa: E402
from bench.peers import PEER_DIR, install_peer, start_peer, stop_peer  # noqa: E402
from tests.support.server import running_server  # noqa: E402

#: serverless-offline's httpApi event in bench/peers.py's serverless.yml.
PEER_PATH = "/echo"
BODY = "{}"
TARGET_PEER_RATIO = 2.0
TARGET_FLOOR_RATIO = 0.4


def load(args: argparse.Namespace, url: str, host: str | None = None) -> dict[str, float]:
    """wrk's requests/s, p50 and p99 for POST ``{}`` to ``url`` (optionally as ``host``)."""
    headers = {"Content-Type": "application/json"} | ({"Host": host} if host else {})
    script = wrk_script("POST", BODY, headers)
    warm(url, headers)
    # serverless-offline too starts one Python process per concurrent request at first.
    return run_wrk_warm(url, script, args.connections, args.duration, args.warmup)


def warm(url: str, headers: dict[str, str]) -> None:
    """One request first, so a broken route fails here with its answer, not inside wrk."""
    request = urllib.request.Request(url, data=BODY.encode(), headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=60) as response:
        response.read()


def serverless_offline(args: argparse.Namespace) -> dict[str, float]:
    """serverless-offline's httpApi route to the handler (its HTTP port, from its yml)."""
    process, _ = start_peer(install_peer())
    try:
        yml = (PEER_DIR / "service" / "serverless.yml").read_text()
        port = int(re.search(r"httpPort: (\d+)", yml).group(1))  # type: ignore[union-attr]
        wait_for_port(port)
        return load(args, f"http://127.0.0.1:{port}{PEER_PATH}")
    finally:
        stop_peer(process)


def wait_for_port(port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing listening on 127.0.0.1:{port}")


def bare_uvicorn(args: argparse.Namespace) -> dict[str, float]:
    return uvicorn_app(args, *start_hello())


def relay(args: argparse.Namespace) -> dict[str, float]:
    return uvicorn_app(args, *start_uvicorn_app("bench.relay_app:app"))


def uvicorn_app(args: argparse.Namespace, process: Any, url: str) -> dict[str, float]:
    try:
        return load(args, url + PEER_PATH)
    finally:
        process.terminate()
        process.wait()


def deploy(endpoint: str) -> tuple[str, str]:
    """The handler as a function, a quick-created HTTP API and a Function URL in front of it."""
    lam = client(endpoint)
    arn = lam.create_function(
        FunctionName="echo",
        Runtime="python3.12",
        Role=ROLE,
        Handler="handler.handler",
        Code={"ZipFile": package(HANDLER)},
    )["FunctionArn"]
    lam.get_waiter("function_active_v2").wait(FunctionName="echo")
    api = aws(endpoint, "apigatewayv2").create_api(Name="bench", ProtocolType="HTTP", Target=arn)
    url = lam.create_function_url_config(FunctionName="echo", AuthType="NONE")["FunctionUrl"]
    return api["ApiId"], url


def aws(endpoint: str, service: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def lambdalite(args: argparse.Namespace) -> dict[str, dict[str, float]]:
    """The HTTP API and the Function URL, each addressed by its host as on AWS."""
    with (
        tempfile.TemporaryDirectory() as data,
        running_server(Path(data) / "lambdalite", args=["--log-level", "warning"]) as server,
    ):
        api_id, function_url = deploy(server.endpoint)
        port = server.endpoint.rsplit(":", 1)[1]
        url_host = function_url.split("://", 1)[1].split("/", 1)[0]
        api_host = f"{api_id}.execute-api.localhost:{port}"
        return {
            "lambdalite HTTP API": load(args, server.endpoint + PEER_PATH, api_host),
            "lambdalite Function URL": load(args, server.endpoint + PEER_PATH, url_host),
        }


def report(args: argparse.Namespace, results: dict[str, dict[str, float]]) -> None:
    print(f"{'':28} {'req/s (c=' + str(args.connections) + ')':>16} {'p50 ms':>8} {'p99 ms':>8}")
    for name, result in results.items():
        rps, p50, p99 = result["rps"], result["p50_ms"], result["p99_ms"]
        print(f"{name:28} {rps:16.0f} {p50:8.2f} {p99:8.2f}")
    peer = results["serverless-offline httpApi"]["rps"]
    floor = results["bare uvicorn hello"]["rps"]
    hop = results["process-hop floor"]["rps"]
    print(f"process-hop floor: {hop / peer:.2f}x serverless-offline, {hop / floor:.0%} of bare uvicorn")
    for name in ("lambdalite HTTP API", "lambdalite Function URL"):
        rps = results[name]["rps"]
        print(
            f"{name}: {rps / peer:.2f}x serverless-offline (target >= {TARGET_PEER_RATIO:g}x), "
            f"{rps / floor:.0%} of bare uvicorn (target >= {TARGET_FLOOR_RATIO:.0%}), "
            f"{rps / hop:.0%} of the process-hop floor"
        )


def main() -> None:
    args = wrk_arguments(__doc__, warmup=10)
    results = {"serverless-offline httpApi": serverless_offline(args)}
    results["bare uvicorn hello"] = bare_uvicorn(args)
    results["process-hop floor"] = relay(args)
    results.update(lambdalite(args))
    report(args, results)


if __name__ == "__main__":
    main()
