"""Warm invoke round trips through the Runtime API: ``python -m tests.runtime.api_bench``.

Measures, in one run on this machine:
- event -> response through RuntimeApi and lambdalite's bootstrap (subprocess), echo handler;
- the same through AWS's awslambdaric, and through a curl custom runtime (for scale);
- one HTTP request/reply of the bootstrap's own client vs http.client, against RuntimeApi.
Each with the default asyncio loop and with uvloop (what ``lambdalite up`` runs). Not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lambdalite.runtime.bootstrap import PYTHON_BOOTSTRAP_DIR
from lambdalite.runtime.runtime_api import RuntimeApi
from tests.runtime.api_support import invocation
from tests.runtime.bootstrap_clients import running_client

CLIENT_PROBE = """
import http.client, json, sys, time
sys.path.insert(0, sys.argv[2])
import lambdalite_bootstrap as b
address, n = sys.argv[1], int(sys.argv[3])
path = "/2018-06-01/runtime/no-such-resource"
def timed(call):
    for _ in range(200):
        call()
    out = []
    for _ in range(n):
        t = time.perf_counter(); call(); out.append(time.perf_counter() - t)
    return out
lean = b.HttpConnection(address, "bench")
std = http.client.HTTPConnection(address)
def stdlib():
    std.request("GET", path); std.getresponse().read()
print(json.dumps({"lean": timed(lambda: lean.request("GET", path)), "http.client": timed(stdlib)}))
"""


def summary(name: str, seconds: list[float]) -> dict[str, Any]:
    us = sorted(s * 1e6 for s in seconds)
    pick: Callable[[float], float] = lambda q: us[min(len(us) - 1, int(q * len(us)))]  # noqa: E731
    return {
        "case": name,
        "n": len(us),
        "p50_us": round(statistics.median(us), 1),
        "p90_us": round(pick(0.9), 1),
        "p99_us": round(pick(0.99), 1),
        "min_us": round(us[0], 1),
    }


async def invoke_loop(client: str, count: int, warmup: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        async with running_client(client, Path(tmp), "handlers.echo") as runner:
            for _ in range(warmup):
                await runner.api.invoke(invocation(b'{"warm": true}'))
            times = []
            for _ in range(count):
                inv = invocation(b'{"hello": "world"}')
                started = time.perf_counter()
                await runner.api.invoke(inv)
                times.append(time.perf_counter() - started)
    return summary(f"invoke via {client}", times)


async def client_round_trips(count: int) -> list[dict[str, Any]]:
    api = await RuntimeApi.start()
    probe = [sys.executable, "-c", CLIENT_PROBE, api.address, str(PYTHON_BOOTSTRAP_DIR), str(count)]
    process = await asyncio.create_subprocess_exec(*probe, stdout=subprocess.PIPE)
    out, _ = await process.communicate()
    await api.close()
    results = json.loads(out)
    return [summary(f"HTTP round trip, {name}", times) for name, times in results.items()]


async def run(count: int, curl_count: int) -> list[dict[str, Any]]:
    rows = [
        await invoke_loop("lambdalite", count, 300),
        await invoke_loop("awslambdaric", count, 300),
        await invoke_loop("custom", curl_count, 20),
    ]
    return rows + await client_round_trips(count)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=3000)
    parser.add_argument("--curl-count", type=int, default=200)
    args = parser.parse_args()
    loops: dict[str, Callable[[], asyncio.AbstractEventLoop]] = {"asyncio": asyncio.new_event_loop}
    try:
        import uvloop

        loops["uvloop"] = uvloop.new_event_loop
    except ImportError:
        pass
    for name, factory in loops.items():
        with asyncio.Runner(loop_factory=factory) as runner:
            for row in runner.run(run(args.count, args.curl_count)):
                print(json.dumps({"loop": name, **row}), flush=True)


if __name__ == "__main__":
    main()
