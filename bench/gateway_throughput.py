"""GetCallerIdentity through the whole AWS gateway chain vs. a bare uvicorn hello-world.

Both servers run in the same invocation, on the same uvicorn (uvloop + httptools), loaded by the
same wrk; only their ratio is meaningful. The lambdalite request is really signed (SigV4,
verified on every request: STS allows 15 minutes of clock skew, longer than the run).

    python bench/gateway_throughput.py [--duration 10] [--connections 32]

Needs wrk (Debian: apt-get install wrk).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import timeit
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from botocore.auth import SigV4Auth  # noqa: E402
from botocore.awsrequest import AWSRequest  # noqa: E402
from botocore.credentials import Credentials  # noqa: E402

from tests.support.server import LambdaliteServer  # noqa: E402

BODY = "Action=GetCallerIdentity&Version=2011-06-15"
CONTENT_TYPE = "application/x-www-form-urlencoded; charset=utf-8"


def start_hello() -> tuple[subprocess.Popen[str], str]:
    return start_uvicorn_app("bench.hello_app:app")


def start_uvicorn_app(target: str, env: dict[str, str] | None = None) -> tuple[subprocess.Popen[str], str]:
    """Serve ``target`` (module:app) with uvicorn as lambdalite runs it, with ``env`` added to
    its environment; (process, its URL)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", target, "--loop", "uvloop", "--http", "httptools",
         "--host", "127.0.0.1", "--port", "0", "--no-access-log"],
        cwd=ROOT, stderr=subprocess.PIPE, text=True, env={**os.environ, **(env or {})},
    )
    assert process.stderr is not None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        found = re.search(r"running on (http://\S+)", line)
        if found:
            return process, found.group(1)
    process.kill()
    raise RuntimeError(f"uvicorn {target} did not start")


def signed_headers(endpoint: str) -> dict[str, str]:
    request = AWSRequest("POST", endpoint + "/", data=BODY, headers={"Content-Type": CONTENT_TYPE})
    SigV4Auth(Credentials("test", "test"), "sts", "us-east-1").add_auth(request)
    return {k: v for k, v in request.headers.items() if k.lower() != "host"}


def wrk_arguments(doc: str | None, **extra: int) -> argparse.Namespace:
    """--duration and --connections (and ``extra`` integer options); exits when wrk is missing."""
    parser = argparse.ArgumentParser(description=(doc or "").split("\n")[0])
    for name, default in {"duration": 10, "connections": 32, **extra}.items():
        parser.add_argument(f"--{name}", type=int, default=default)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (Debian: apt-get install wrk)")
    return args


def wrk_script(method: str, body: str, headers: dict[str, str]) -> str:
    lines = [f'wrk.method = "{method}"', f"wrk.body = {body!r}".replace("'", '"')]
    lines += [f'wrk.headers["{k}"] = "{v}"' for k, v in headers.items()]
    return "\n".join(lines) + "\n"


def run_wrk(url: str, script: str, threads: int, connections: int, seconds: int) -> dict[str, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    output = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", handle.name, url],
        capture_output=True, text=True, check=True,
    ).stdout
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non_2xx:
        raise RuntimeError(f"{url} answered errors:\n{output}")
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),  # type: ignore[union-attr]
        "p50_ms": _ms(re.search(r"50%\s+([\d.]+\w+)", output).group(1)),  # type: ignore[union-attr]
        "p99_ms": _ms(re.search(r"99%\s+([\d.]+\w+)", output).group(1)),  # type: ignore[union-attr]
    }


def run_wrk_warm(url: str, script: str, connections: int, seconds: int, warmup: int = 3) -> dict[str, float]:
    """``run_wrk`` after an unmeasured run at the same load: a function runs one request per
    environment at a time, so the first moments at N connections start N environments (and,
    after ``lambdalite up``, the runtime's zygote); the measured run is then a warm figure."""
    run_wrk(url, script, 2, connections, warmup)
    return run_wrk(url, script, 2, connections, seconds)


def _ms(text: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", text).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def in_process_costs() -> dict[str, float]:
    """Microseconds per SigV4 verification and per whole gateway request, without HTTP."""
    from lambdalite.aws.credentials import StaticCredentials, root_credential
    from lambdalite.aws.dispatch import Dispatcher
    from lambdalite.aws.gateway import Authentication, Gateway
    from lambdalite.aws.http import HttpRequest
    from lambdalite.aws.sigv4 import SignatureVerifier, read_signature
    from lambdalite.aws.specs import ServiceCatalog
    from lambdalite.services.sts.provider import StsProvider

    endpoint = "http://127.0.0.1:4566"
    headers = {k.lower(): v for k, v in signed_headers(endpoint).items()} | {"host": "127.0.0.1:4566"}
    request = HttpRequest("POST", "/", "", headers, BODY.encode())
    root = root_credential("test", "test", "000000000000")
    verifier = SignatureVerifier(StaticCredentials([root]))
    signature = read_signature(request)
    assert signature is not None
    gateway = Gateway(
        ServiceCatalog(["sts"]), Dispatcher([StsProvider(None)]),  # type: ignore[arg-type]
        Authentication(StaticCredentials([root]), True, root.principal, "us-east-1"),
    )
    loop = asyncio.new_event_loop()
    number = 5000
    verify = timeit.timeit(lambda: verifier.verify(request, signature, skew_minutes=15), number=number)
    full = timeit.timeit(lambda: loop.run_until_complete(gateway.handle(HttpRequest("POST", "/", "", headers, BODY.encode()))), number=number)
    loop.close()
    return {"verify_us": verify / number * 1e6, "gateway_us": full / number * 1e6}


def main() -> None:
    args = wrk_arguments(__doc__)

    costs = in_process_costs()
    hello, hello_url = start_hello()
    with tempfile.TemporaryDirectory() as data:
        server = LambdaliteServer(Path(data) / "lambdalite", args=["--log-level", "warning"])
        try:
            sts_script = wrk_script("POST", BODY, {**signed_headers(server.endpoint), "Content-Type": CONTENT_TYPE})
            results = {}
            for name, url, script in (("uvicorn hello", hello_url + "/", wrk_script("GET", "", {})),
                                      ("lambdalite GetCallerIdentity", server.endpoint + "/", sts_script)):
                results[name] = {
                    "load": run_wrk(url, script, 2, args.connections, args.duration),
                    "single": run_wrk(url, script, 1, 1, max(3, args.duration // 2)),
                }
        finally:
            server.stop()
            hello.terminate()
            hello.wait()

    print(f"in-process: SigV4 verify {costs['verify_us']:.1f} us, whole gateway chain {costs['gateway_us']:.1f} us per request")
    print(f"{'':32} {'req/s (c=' + str(args.connections) + ')':>16} {'p50 ms':>8} {'p99 ms':>8} {'1-conn p50 ms':>14}")
    for name, result in results.items():
        load, single = result["load"], result["single"]
        print(f"{name:32} {load['rps']:16.0f} {load['p50_ms']:8.2f} {load['p99_ms']:8.2f} {single['p50_ms']:14.3f}")
    hello_rps = results["uvicorn hello"]["load"]["rps"]
    sts_rps = results["lambdalite GetCallerIdentity"]["load"]["rps"]
    print(f"ratio lambdalite / bare uvicorn throughput: {sts_rps / hello_rps:.2f}")


if __name__ == "__main__":
    main()
