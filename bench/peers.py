"""Warm invoke side by side with serverless-offline, the other peer that runs Python functions
without Docker (reference/PEERS.md): the same handler behind each one's Lambda Invoke API, the
same wrk load and boto3 client, in one run; only the ratios are meaningful.

    python bench/peers.py [--duration 10] [--connections 32]

Needs wrk (Debian: apt-get install wrk) and npm (serverless@3 and serverless-offline@13 are
installed into .peers/serverless-offline on first use).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.gateway_throughput import run_wrk_warm, wrk_arguments, wrk_script  # noqa: E402
from bench.invoke import HANDLER, ROLE, client, package, signed_invoke_headers, timed  # noqa: E402
from tests.support.server import running_server  # noqa: E402

PEER_DIR = ROOT / ".peers" / "serverless-offline"
# serverless-offline names a function <service>-<stage>-<function>.
PEER_FUNCTION = "bench-dev-echo"
SERVERLESS_YML = """\
service: bench
frameworkVersion: '3'
provider:
  name: aws
  runtime: python3.11
  region: us-east-1
functions:
  echo:
    handler: handler.handler
    events:
      - httpApi: {{path: /echo, method: post}}
plugins:
  - serverless-offline
custom:
  serverless-offline:
    host: 127.0.0.1
    httpPort: {http_port}
    lambdaPort: {lambda_port}
    noPrependStageInUrl: true
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def install_peer() -> Path:
    binary = PEER_DIR / "node_modules" / ".bin" / "serverless"
    if not binary.exists():
        PEER_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "serverless@3", "serverless-offline@13"],
                       cwd=PEER_DIR, check=True, stdout=subprocess.DEVNULL)
    return binary


def start_peer(binary: Path) -> tuple[subprocess.Popen[bytes], str]:
    """serverless-offline on free ports; its Lambda endpoint once it accepts connections."""
    service = PEER_DIR / "service"  # inside PEER_DIR: node resolves the plugin from there
    shutil.rmtree(service, ignore_errors=True)
    service.mkdir()
    http_port, lambda_port = free_port(), free_port()
    (service / "serverless.yml").write_text(SERVERLESS_YML.format(http_port=http_port, lambda_port=lambda_port))
    (service / "handler.py").write_text(HANDLER)
    env = {**os.environ, "SLS_TELEMETRY_DISABLED": "1", "SLS_NOTIFICATIONS_MODE": "off",
           "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}
    process = subprocess.Popen([str(binary), "offline", "start"], cwd=service, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", lambda_port), timeout=1).close()
            return process, f"http://127.0.0.1:{lambda_port}"
        except OSError:
            if process.poll() is not None:
                raise RuntimeError("serverless-offline exited at start") from None
    stop_peer(process)
    raise RuntimeError("serverless-offline did not start")


def stop_peer(process: subprocess.Popen[bytes]) -> None:
    os.killpg(process.pid, signal.SIGTERM)  # its own session: npx, node and the python runner
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def boto3_p50(endpoint: str, name: str, count: int) -> float:
    lam = client(endpoint)
    for _ in range(20):
        lam.invoke(FunctionName=name, Payload=b"{}")["Payload"].read()
    return statistics.median(
        timed(lambda: lam.invoke(FunctionName=name, Payload=b"{}")["Payload"].read()) for _ in range(count)
    )


def measure(endpoint: str, name: str, args: argparse.Namespace) -> dict[str, float]:
    p50 = boto3_p50(endpoint, name, 300)
    script = wrk_script("POST", "{}", signed_invoke_headers(endpoint, name))
    load = run_wrk_warm(f"{endpoint}/2015-03-31/functions/{name}/invocations", script, args.connections,
                        args.duration)
    return {"p50_ms": p50, "rps": load["rps"]}


def main() -> None:
    args = wrk_arguments(__doc__)
    peer, peer_endpoint = start_peer(install_peer())
    try:
        theirs = measure(peer_endpoint, PEER_FUNCTION, args)
    finally:
        stop_peer(peer)
    with tempfile.TemporaryDirectory() as data, running_server(Path(data) / "lambdalite",
                                                               args=["--log-level", "warning"]) as server:
        lam = client(server.endpoint)
        lam.create_function(FunctionName="echo", Runtime="python3.12", Role=ROLE, Handler="handler.handler",
                            Code={"ZipFile": package(HANDLER)})
        lam.get_waiter("function_active_v2").wait(FunctionName="echo")
        ours = measure(server.endpoint, "echo", args)
    print(f"warm boto3 invoke p50: lambdalite {ours['p50_ms']:.3f} ms, serverless-offline {theirs['p50_ms']:.3f} ms "
          f"(ratio {theirs['p50_ms'] / ours['p50_ms']:.2f}x faster)")
    print(f"invoke throughput ({args.connections} connections): lambdalite {ours['rps']:.0f} req/s, "
          f"serverless-offline {theirs['rps']:.0f} req/s: ratio {ours['rps'] / theirs['rps']:.2f}")


if __name__ == "__main__":
    main()
