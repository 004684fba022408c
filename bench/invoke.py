"""Invocation performance, measured side by side in one run (DESIGN.md §7).

1. cold start: invoke of a function importing boto3 on a new execution environment (client
   time and the Init Duration lambdalite reports), and create -> first invoke; both with the
   sandbox prepared ahead (a spare) and built by the invocation (spares switched off); and the
   first invocations right after ``lambdalite up`` (one, then a burst of 8 concurrent ones);
2. warm invoke: boto3 p50/p99 against the boto3 floor (a canned local server answering the same
   bytes) and server throughput with wrk (signed POST to the invocations path) against a bare
   uvicorn hello-world;
3. memory: private memory (USS) of a warm execution environment;
4. the process-hop floor: bench/relay_app.py, a bare uvicorn app running each request through a
   handler in a persistent child process (no AWS protocol, no sandbox): the most any design that
   runs functions outside the server can keep of uvicorn hello's throughput on this machine, and
   the least boto3 invoke latency it can have.

    python bench/invoke.py [--duration 10] [--connections 32] [--samples 30]

Needs wrk (Debian: apt-get install wrk). serverless-offline runs in bench/peers.py.
"""

from __future__ import annotations

import base64
import io
import json
import re
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
import zipfile
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import boto3  # noqa: E402
from botocore.auth import SigV4Auth  # noqa: E402
from botocore.awsrequest import AWSRequest  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.credentials import Credentials  # noqa: E402

from bench.gateway_throughput import run_wrk_warm, start_hello, start_uvicorn_app, wrk_arguments, wrk_script  # noqa: E402
from tests.support.server import LambdaliteServer, running_server  # noqa: E402

ROLE = "arn:aws:iam::000000000000:role/bench"
HANDLER = "import boto3\n\ndef handler(event, context):\n    return event\n"


def package(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", source)
    return buffer.getvalue()


def client(endpoint: str) -> Any:
    config = Config(retries={"max_attempts": 1}, tcp_keepalive=True)
    return boto3.client("lambda", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test", config=config)


def timed(call: Any) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def spares(endpoint: str) -> int:
    with urllib.request.urlopen(f"{endpoint}/_lambdalite/health") as response:
        return int(json.load(response)["execution"]["spare_environments"])


def cold_starts(endpoint: str, samples: int, prepared: bool) -> dict[str, float]:
    """Each sample is a new function's first invocation: a new environment. ``prepared``: its
    sandbox was built ahead (lambdalite's spare, ready once the function is Active for a few
    ms); else the invocation builds it (as with spares switched off, or a burst beyond them)."""
    lam = client(endpoint)
    client_ms, init_ms, first_ms = [], [], []
    for index in range(samples):
        name = f"cold-{index}"
        created = time.perf_counter()
        lam.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="handler.handler",
                            Code={"ZipFile": package(HANDLER)})
        lam.get_waiter("function_active_v2").wait(FunctionName=name)
        if prepared:
            deadline = time.monotonic() + 10
            while spares(endpoint) == 0 and time.monotonic() < deadline:
                pass
        started = time.perf_counter()
        response = lam.invoke(FunctionName=name, Payload=b"{}", LogType="Tail")
        done = time.perf_counter()
        client_ms.append((done - started) * 1000)
        first_ms.append((done - created) * 1000)
        report = base64.b64decode(response["LogResult"]).decode()
        found = re.search(r"Init Duration: ([\d.]+) ms", report)
        if found:
            init_ms.append(float(found.group(1)))
    kind = "prepared sandbox" if prepared else "sandbox built on demand"
    return {
        f"cold invoke p50 ms ({kind})": statistics.median(client_ms),
        f"Init Duration p50 ms ({kind})": statistics.median(init_ms) if init_ms else float("nan"),
        f"create -> first invoke p50 ms ({kind})": statistics.median(first_ms),
    }


class Canned(BaseHTTPRequestHandler):
    """The boto3 floor: answers every request with a fixed Invoke response."""

    protocol_version = "HTTP/1.1"
    body = b"{}"

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        head = (
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Amz-Executed-Version: $LATEST\r\n"
            f"x-amzn-RequestId: 00000000-0000-0000-0000-000000000000\r\nContent-Length: {len(self.body)}\r\n\r\n"
        )
        self.wfile.write(head.encode() + self.body)  # one write: no delayed-ACK stall

    def log_message(self, *args: Any) -> None:
        pass


def boto3_latency(endpoint: str, name: str, count: int) -> dict[str, float]:
    lam = client(endpoint)
    for _ in range(20):  # warm: environment, connection, botocore
        lam.invoke(FunctionName=name, Payload=b"{}")["Payload"].read()
    samples = [timed(lambda: lam.invoke(FunctionName=name, Payload=b"{}")["Payload"].read()) for _ in range(count)]
    return {"p50": statistics.median(samples), "p99": percentile(samples, 0.99)}


def floor_latency(count: int) -> dict[str, float]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Canned)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        return boto3_latency(f"http://127.0.0.1:{server.server_address[1]}", "floor", count)
    finally:
        server.shutdown()


def signed_invoke_headers(endpoint: str, name: str) -> dict[str, str]:
    request = AWSRequest("POST", f"{endpoint}/2015-03-31/functions/{name}/invocations", data=b"{}")
    SigV4Auth(Credentials("test", "test"), "lambda", "us-east-1").add_auth(request)
    return {k: v for k, v in request.headers.items() if k.lower() != "host"}


def relay_floor(connections: int, duration: int, samples: int) -> dict[str, float]:
    """bench/relay_app.py, the best any out-of-process function design can do: wrk's
    throughput, and boto3's invoke latency (it answers any path with the function's result)."""
    relay, relay_url = start_uvicorn_app("bench.relay_app:app")
    try:
        latency = boto3_latency(relay_url, "relay", samples)
        load = run_wrk_warm(relay_url + "/", wrk_script("POST", "{}", {}), connections, duration)
        return {**load, "p50": latency["p50"], "p99": latency["p99"]}
    finally:
        relay.terminate()
        relay.wait()


def uss_kb(server: LambdaliteServer) -> float | None:
    """Private memory (USS) of each warm environment: the processes of its memory cgroup
    (lambdalite makes them under <its own cgroup>/lambdalite/<server pid>/<environment>)."""
    values = []
    root = Path("/sys/fs/cgroup/memory")
    for environment in root.glob(f"**/lambdalite/{server.process.pid}/*/"):
        total = 0
        for pid in (environment / "cgroup.procs").read_text().split():
            rollup = Path(f"/proc/{pid}/smaps_rollup")
            if rollup.exists():
                text = rollup.read_text()
                total += sum(int(m) for m in re.findall(r"Private_(?:Clean|Dirty):\s+(\d+) kB", text))
        if total:
            values.append(total)
    return statistics.median(values) if values else None


def first_invokes(data_dir: Path, burst: int) -> float:
    """Milliseconds until the slowest of ``burst`` concurrent invokes answers, each the first
    of a function created just before, right after ``lambdalite up`` (its runtime's zygote may
    still be starting)."""
    with running_server(data_dir, args=["--log-level", "warning"]) as server:
        clients = [client(server.endpoint) for _ in range(burst)]
        clients[0].create_function(FunctionName="first", Runtime="python3.12", Role=ROLE,
                                   Handler="handler.handler", Code={"ZipFile": package(HANDLER)})
        with ThreadPoolExecutor(burst) as pool:
            return max(pool.map(lambda c: timed(lambda: c.invoke(FunctionName="first", Payload=b"{}")), clients))


def main() -> None:
    args = wrk_arguments(__doc__, samples=30)
    hello, hello_url = start_hello()
    with tempfile.TemporaryDirectory() as data:
        first = {"first invoke after start ms": first_invokes(Path(data) / "fresh-1", 1),
                 "slowest of 8 concurrent first invokes after start ms": first_invokes(Path(data) / "fresh-8", 8)}
        server = LambdaliteServer(Path(data) / "lambdalite", args=["--log-level", "warning"])
        try:
            lam = client(server.endpoint)
            cold = cold_starts(server.endpoint, args.samples, prepared=True)
            cold.update(first)
            with running_server(Path(data) / "unspared", env={"LAMBDALITE_LAMBDA_SPARE_ENVIRONMENTS": "0"},
                                args=["--log-level", "warning"]) as unspared:
                cold.update(cold_starts(unspared.endpoint, args.samples, prepared=False))
            lam.create_function(FunctionName="warm", Runtime="python3.12", Role=ROLE, Handler="handler.handler",
                                Code={"ZipFile": package(HANDLER)})
            lam.get_waiter("function_active_v2").wait(FunctionName="warm")
            warm = boto3_latency(server.endpoint, "warm", args.samples * 10)
            floor = floor_latency(args.samples * 10)
            script = wrk_script("POST", "{}", signed_invoke_headers(server.endpoint, "warm"))
            invoke_url = f"{server.endpoint}/2015-03-31/functions/warm/invocations"
            throughput = run_wrk_warm(invoke_url, script, args.connections, args.duration)
            hello_load = run_wrk_warm(hello_url + "/", wrk_script("GET", "", {}), args.connections, args.duration)
            memory = uss_kb(server)
        finally:
            server.stop()
            hello.terminate()
            hello.wait()
    relay_load = relay_floor(args.connections, args.duration, args.samples * 10)

    print(json.dumps(cold, indent=2))
    print(f"warm boto3 invoke p50 {warm['p50']:.3f} ms p99 {warm['p99']:.3f} ms; floor p50 {floor['p50']:.3f} ms p99 {floor['p99']:.3f} ms; "
          f"ratio p50 {warm['p50'] / floor['p50']:.2f}")
    print(f"boto3 through the process-hop floor p50 {relay_load['p50']:.3f} ms p99 {relay_load['p99']:.3f} ms: "
          f"{relay_load['p50'] / floor['p50']:.2f} of the boto3 floor; lambdalite {warm['p50'] / relay_load['p50']:.2f} of it")
    print(f"invoke throughput {throughput['rps']:.0f} req/s vs uvicorn hello {hello_load['rps']:.0f} req/s: "
          f"ratio {throughput['rps'] / hello_load['rps']:.2f}")
    print(f"process-hop floor (bench/relay_app.py) {relay_load['rps']:.0f} req/s: "
          f"{relay_load['rps'] / hello_load['rps']:.2f} of uvicorn hello; "
          f"lambdalite invoke {throughput['rps'] / relay_load['rps']:.2f} of it")
    print(f"warm environment USS: {memory:.0f} kB" if memory else "warm environment USS: not measurable")


if __name__ == "__main__":
    main()
