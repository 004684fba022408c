"""Measure spawn, fork-to-first-response and R's USS (not a test; run by hand as root).

.venv/bin/python -m tests.runtime.bench [--runtime python3.12] [-n 30]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import tempfile
import time

from lambdalite.runtime import cgroups, interpreters, zygote_client
from lambdalite.runtime.spec import SandboxSpec
from tests.runtime.harness import STANDIN_DIR, sdk_dir


def uss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/smaps_rollup") as f:
        fields = dict(line.split()[:2] for line in f if line.split()[0].endswith(":"))
    return int(fields["Private_Clean:"]) + int(fields["Private_Dirty:"])


def runtime_host_pid(sandbox: zygote_client.Sandbox) -> int:
    with open(f"/proc/{sandbox.host_pid}/task/{sandbox.host_pid}/children") as f:
        return int(f.read().split()[0])


async def one(zygote, manager, interpreter, code_dir, idle: float) -> tuple[float, float, int]:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.setblocking(False)
    env_id = f"bench-{time.monotonic_ns()}"
    cgroup = manager.create(env_id, 256)
    spec = SandboxSpec(
        env_id=env_id,
        code_dir=code_dir,
        layer_dirs=[],
        tmp_size_mb=512,
        binds=[interpreter.prefix, sdk_dir(), STANDIN_DIR],
        cgroups=cgroup.paths,
        memory_mb=256,
        env={"STANDIN_ADDRESS": f"127.0.0.1:{listener.getsockname()[1]}"},
    )
    await asyncio.sleep(idle)  # spawns spaced like real traffic, not back to back
    loop = asyncio.get_running_loop()
    started = time.perf_counter()
    sandbox = await zygote.spawn(spec, cgroup=cgroup)
    spawned = time.perf_counter()
    await sandbox.start_runtime()
    conn, _ = await loop.sock_accept(listener)
    await loop.sock_recv(conn, 100)  # the hello line
    answered = time.perf_counter()
    await loop.sock_sendall(conn, json.dumps({"code": "result = 1"}).encode() + b"\n")
    await loop.sock_recv(conn, 100)
    uss = uss_kib(runtime_host_pid(sandbox))
    conn.close()
    listener.close()
    await sandbox.destroy()
    return spawned - started, answered - spawned, uss


async def main(runtime: str, count: int, idle: float) -> None:
    interpreter = interpreters.choose(runtime).interpreter
    manager = cgroups.CgroupManager.detect()
    zygote = await zygote_client.Zygote.start(
        interpreter, [sdk_dir(), STANDIN_DIR], bootstrap="standin_bootstrap"
    )
    print("zygote", zygote.info)
    with tempfile.TemporaryDirectory() as code_dir:
        os.chmod(code_dir, 0o755)
        results = [await one(zygote, manager, interpreter, code_dir, idle) for _ in range(count)]
    await zygote.stop()
    manager.close()
    for name, values, unit in (
        ("spawn (until sandbox ready)", [r[0] * 1e3 for r in results], "ms"),
        ("start_runtime -> first response", [r[1] * 1e3 for r in results], "ms"),
        ("spawn + first response", [(r[0] + r[1]) * 1e3 for r in results], "ms"),
        ("USS of warm R", [r[2] / 1024 for r in results], "MiB"),
    ):
        median, low, high = statistics.median(values), min(values), max(values)
        print(f"{name:34} median {median:7.2f}  min {low:7.2f}  max {high:7.2f} {unit}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--runtime", default="python3.12")
    parser.add_argument("-n", type=int, default=30)
    parser.add_argument("--idle", type=float, default=0.2, help="seconds between spawns")
    args = parser.parse_args()
    asyncio.run(main(args.runtime, args.n, args.idle))
