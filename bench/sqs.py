"""SQS side by side in one run: lambdalite, MiniStack and LocalStack (host mode).

lambdalite runs on its default SQLite store, which commits every acknowledged write; MiniStack
with PERSIST_STATE=1.

1. throughput, messages/s: SendMessage, SendMessageBatch of 10, and ReceiveMessage (10) followed
   by DeleteMessageBatch (from the same backlog on every server), each from --threads client
   threads for --duration seconds on a fresh queue; the clients are boto3 (one per thread) and
   raw HTTP (one keep-alive connection per thread, SQS's json protocol, each distinct body
   signed once); and SendMessageBatch by wrk, whose client costs nothing (when wrk is installed),
   also on the two floors of bench/sqs_floor_app.py (in memory, and durable in SQLite): what any
   Python server answering it reaches on this machine, the yardstick for the others;
2. latency p50/p99 of one SendMessage and of a ReceiveMessage + DeleteMessage pair (one boto3
   thread);
3. SQS -> Lambda through an event source mapping (BatchSize 10, an empty python3.12 handler):
   messages/s from the first send of --messages until the queue is empty. LocalStack in host
   mode cannot run functions; MiniStack is tried.

    python bench/sqs.py [--duration 5] [--threads 8] [--messages 2000] [--skip-ministack]
                        [--skip-localstack]

All servers run at once on 127.0.0.1 and each measure runs on every one in turn. The peers are
installed on first use into .peers/ministack and .peers/localstack (which needs Python 3.13;
reference/PEERS.md); one that will not install or start is skipped with its reason. Clients and
servers share the machine's cores: only the ratios measured in the same run are meaningful.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from argparse import Namespace
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import boto3  # noqa: E402
from botocore.auth import SigV4Auth  # noqa: E402
from botocore.awsrequest import AWSRequest  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.credentials import Credentials  # noqa: E402

from bench.gateway_throughput import run_wrk_warm, start_uvicorn_app  # noqa: E402
from bench.invoke import ROLE, package, percentile, timed  # noqa: E402
from bench.peers import free_port, stop_peer  # noqa: E402
from tests.support.server import running_server  # noqa: E402

PEERS = ROOT / ".peers"
REGION = "us-east-1"
CREDENTIALS = Credentials("test", "test")
BODY = "m" * 64
BATCH = 10
LATENCY_SAMPLES = 500
# Receives start from the same backlog on every server (a peer's receive may cost more the
# deeper the queue); this many per second of --duration lasts the whole case at lambdalite's rate.
BACKLOG_PER_SECOND = 4000
INSTALL_SECONDS = 240  # "a couple of minutes": past that, the peer is skipped
START_SECONDS = 120
EMPTY_HANDLER = "def handler(event, context):\n    pass\n"
SERVERS = ("lambdalite", "ministack", "localstack")
FLOORS = {"floor memory": "memory", "floor sqlite": "sqlite"}  # name: SQS_FLOOR_STORE
NO_FUNCTIONS = {"localstack": "host mode cannot run functions (no Docker)"}
CLIENTS = ("boto3", "raw HTTP")
LATENCY_KEYS = ["SendMessage p50", "SendMessage p99", "Receive+Delete p50", "Receive+Delete p99"]
LAMBDA_KEYS = ["first send -> queue empty", "the sending alone"]
LOCALSTACK_PACKAGES = [
    # The pins that install and start on this machine (reference/PEERS.md).
    "localstack-core[runtime]==2026.3.0",
    "pyopenssl==24.2.1",
    "cryptography>=41.0.5,<44",
    "service_identity",
    "cbor2<6",
]

PROBLEM = re.compile(r"\b(WARNING|ERROR|CRITICAL)\b|Traceback")

Step = Callable[[], int]  # one request (or pair): the messages it moved, 0 once the queue is dry
Results = dict[str, float]
Case = Callable[[str, str], Results]  # one measure on one server: (its name, its endpoint)


class Unavailable(Exception):
    """A peer that would not install, start or do what is measured: the run goes on without it."""


def arguments() -> Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per throughput case")
    parser.add_argument("--threads", type=int, default=8, help="concurrent client threads")
    parser.add_argument("--messages", type=int, default=2000, help="messages through Lambda")
    parser.add_argument("--skip-ministack", action="store_true")
    parser.add_argument("--skip-localstack", action="store_true")
    return parser.parse_args()


# --- servers ---------------------------------------------------------------------------------


@contextmanager
def lambdalite() -> Iterator[str]:
    with (
        tempfile.TemporaryDirectory() as data,
        running_server(Path(data) / "lambdalite", args=["--log-level", "warning"]) as server,
    ):
        yield server.endpoint
        # At --log-level warning, what it logged is worth seeing next to the figures (its
        # stderr also holds its start banner, which is not).
        problems = [line.strip() for line in server.stderr if PROBLEM.search(line)]
        if problems:
            print(f"  lambdalite logged {len(problems)} problems, first: {problems[0]}")


@contextmanager
def ministack() -> Iterator[str]:
    venv = install(PEERS / "ministack", lambda: sys.executable, ["ministack"])
    with tempfile.TemporaryDirectory() as state:
        port = free_port()
        env = {
            "BIND_HOST": "127.0.0.1",
            "GATEWAY_PORT": str(port),
            "PERSIST_STATE": "1",
            "STATE_DIR": state,
            "S3_DATA_DIR": state,
            "TMPDIR": state,
            "IOT_MTLS_ENABLED": "0",
            "SFTP_ENABLED": "0",
            "LOG_LEVEL": "WARNING",
        }
        with peer_process([str(venv / "bin" / "ministack")], env, Path(state)) as process:
            endpoint = f"http://127.0.0.1:{port}"
            await_health(process, f"{endpoint}/_ministack/health", Path(state))
            yield endpoint


@contextmanager
def localstack() -> Iterator[str]:
    venv = install(PEERS / "localstack", python313, LOCALSTACK_PACKAGES)
    with tempfile.TemporaryDirectory() as state:
        port = free_port()
        env = {
            "SERVICES": "sqs,sns,lambda,iam,sts",
            "GATEWAY_LISTEN": f"127.0.0.1:{port}",
            "DISABLE_EVENTS": "1",
            "DNS_ADDRESS": "0",
            "LOCALSTACK_TELEMETRY": "0",
            "SKIP_SSL_CERT_DOWNLOAD": "1",
            "LOCALSTACK_VOLUME_DIR": f"{state}/volume",
            "FILESYSTEM_ROOT": f"{state}/root",
            "TMPDIR": state,
            "XDG_CACHE_HOME": f"{state}/cache",  # fresh: a stale cache breaks its start
        }
        command = [str(venv / "bin" / "python"), "-m", "localstack.runtime.main"]
        with peer_process(command, env, Path(state)) as process:
            endpoint = f"http://127.0.0.1:{port}"
            await_health(process, f"{endpoint}/_localstack/health", Path(state))
            yield endpoint


@contextmanager
def floor(store: str) -> Iterator[str]:
    """bench/sqs_floor_app.py on ``store`` (its SQLite file in a fresh directory)."""
    with tempfile.TemporaryDirectory() as data:
        settings = {"SQS_FLOOR_STORE": store, "SQS_FLOOR_DB": str(Path(data) / "floor.db")}
        process, endpoint = start_uvicorn_app("bench.sqs_floor_app:app", settings)
        try:
            yield endpoint
        finally:
            process.terminate()
            process.wait()
            problems = [line.strip() for line in process.stderr or [] if PROBLEM.search(line)]
            if problems:
                print(f"  floor {store} logged {len(problems)} problems, first: {problems[0]}")


def install(venv: Path, python: Callable[[], str], packages: list[str]) -> Path:
    """The peer's own venv, made on first use by ``python()`` (looked for only then). A marker
    file is written last, so an install that was interrupted is redone rather than half used."""
    marker = venv / ".installed"
    if marker.exists():
        return venv
    shutil.rmtree(venv, ignore_errors=True)
    try:
        subprocess.run([python(), "-m", "venv", str(venv)], check=True, capture_output=True)
        subprocess.run(
            [str(venv / "bin" / "pip"), "install", "-q", *packages],
            check=True,
            capture_output=True,
            text=True,
            timeout=INSTALL_SECONDS,
        )
    except subprocess.TimeoutExpired:
        raise Unavailable(f"pip install took more than {INSTALL_SECONDS} s") from None
    except subprocess.CalledProcessError as error:
        reason = (error.stderr or "").strip().splitlines()[-1:] or ["no output"]
        raise Unavailable(f"pip install failed: {reason[0]}") from None
    marker.touch()
    return venv


def python313() -> str:
    """LocalStack's release needs Python 3.13; pyenv's shim answers only for the selected
    versions, so pyenv's installs are looked at too."""
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    candidates = [shutil.which("python3.13"), *map(str, sorted(pyenv.glob("3.13*/bin/python3.13")))]
    for candidate in filter(None, candidates):
        probe = subprocess.run([candidate, "--version"], check=False, capture_output=True)
        if probe.returncode == 0:
            return candidate
    raise Unavailable("no Python 3.13 interpreter found")


@contextmanager
def peer_process(command: list[str], env: dict[str, str], state: Path) -> Iterator[Any]:
    """The peer in its own session (stop_peer signals that group: its workers go too), its
    output in the state dir for the reason it would not start."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")} | env
    with (state / "peer.log").open("wb") as log:
        process = subprocess.Popen(
            command,
            cwd=state,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield process
    finally:
        stop_peer(process)


def await_health(process: Any, url: str, state: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            lines = (state / "peer.log").read_text(errors="replace").strip().splitlines()
            raise Unavailable(f"exited at start: {lines[-1] if lines else 'no output'}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise Unavailable(f"not ready within {START_SECONDS} s")


# --- clients ---------------------------------------------------------------------------------


def aws(service: str, endpoint: str) -> Any:
    # No retries: an error must show in the counts, not hide in a slower rate.
    config = Config(retries={"max_attempts": 1}, tcp_keepalive=True)
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=CREDENTIALS.access_key,
        aws_secret_access_key=CREDENTIALS.secret_key,
        config=config,
    )


def create_queue(endpoint: str, name: str) -> str:
    return str(aws("sqs", endpoint).create_queue(QueueName=name)["QueueUrl"])


def signed_headers(endpoint: str, action: str, body: bytes) -> dict[str, str]:
    request = AWSRequest(
        "POST",
        endpoint + "/",
        data=body,
        headers={
            "X-Amz-Target": f"AmazonSQS.{action}",
            "Content-Type": "application/x-amz-json-1.0",
        },
    )
    SigV4Auth(CREDENTIALS, "sqs", REGION).add_auth(request)
    # http.client sends the same Host itself; a second one would be a malformed request.
    return {k: v for k, v in request.headers.items() if k.lower() != "host"}


class RawSqs:
    """SQS's json protocol on one keep-alive connection: the client's cost is close to nothing,
    so the rate is the server's. A body sent again reuses its signature (valid for minutes)."""

    def __init__(self, endpoint: str) -> None:
        parts = urlsplit(endpoint)
        self.endpoint = endpoint
        self.connection = http.client.HTTPConnection(parts.hostname or "", parts.port)
        self.signatures: dict[bytes, dict[str, str]] = {}

    def call(self, action: str, body: bytes, *, repeated: bool = True) -> dict[str, Any]:
        headers = self.signatures.get(body) if repeated else None
        if headers is None:
            headers = signed_headers(self.endpoint, action, body)
            if repeated:
                self.signatures[body] = headers
        try:
            self.connection.request("POST", "/", body, headers)
            response = self.connection.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.connection.close()  # reconnects on the next request
            raise
        if response.status != 200:
            raise RuntimeError(f"{action}: HTTP {response.status} {data[:200]!r}")
        return json.loads(data) if data else {}


def encode(params: dict[str, Any]) -> bytes:
    return json.dumps(params).encode()


def batch_entries() -> list[dict[str, str]]:
    return [{"Id": str(i), "MessageBody": BODY} for i in range(BATCH)]


def check_failed(answer: dict[str, Any]) -> None:
    if answer.get("Failed"):
        raise RuntimeError(f"batch entry failed: {answer['Failed'][0]}")


def boto3_send(sqs: Any, url: str) -> Step:
    def step() -> int:
        sqs.send_message(QueueUrl=url, MessageBody=BODY)
        return 1

    return step


def boto3_send_batch(sqs: Any, url: str) -> Step:
    entries = batch_entries()

    def step() -> int:
        check_failed(sqs.send_message_batch(QueueUrl=url, Entries=entries))
        return BATCH

    return step


def boto3_receive_delete(sqs: Any, url: str) -> Step:
    def step() -> int:
        answer = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=BATCH, WaitTimeSeconds=0)
        messages = answer.get("Messages", [])
        if messages:
            entries = [
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)
            ]
            check_failed(sqs.delete_message_batch(QueueUrl=url, Entries=entries))
        return len(messages)

    return step


def raw_send(raw: RawSqs, url: str) -> Step:
    body = encode({"QueueUrl": url, "MessageBody": BODY})

    def step() -> int:
        raw.call("SendMessage", body)
        return 1

    return step


def raw_send_batch(raw: RawSqs, url: str) -> Step:
    body = encode({"QueueUrl": url, "Entries": batch_entries()})

    def step() -> int:
        check_failed(raw.call("SendMessageBatch", body))
        return BATCH

    return step


def raw_receive_delete(raw: RawSqs, url: str) -> Step:
    receive = encode({"QueueUrl": url, "MaxNumberOfMessages": BATCH, "WaitTimeSeconds": 0})

    def step() -> int:
        messages = raw.call("ReceiveMessage", receive).get("Messages", [])
        if messages:
            entries = [
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)
            ]
            # Receipt handles differ every time: this body is signed per request.
            delete = encode({"QueueUrl": url, "Entries": entries})
            check_failed(raw.call("DeleteMessageBatch", delete, repeated=False))
        return len(messages)

    return step


RECEIVE = "receive+delete batch"
OPERATIONS: dict[str, tuple[Callable[[Any, str], Step], Callable[[Any, str], Step]]] = {
    # name: (boto3 step, raw HTTP step)
    "send": (boto3_send, raw_send),
    "send batch (10)": (boto3_send_batch, raw_send_batch),
    RECEIVE: (boto3_receive_delete, raw_receive_delete),
}


# --- measures --------------------------------------------------------------------------------


@dataclass
class Rate:
    messages: int
    seconds: float
    errors: int
    first_error: str

    @property
    def per_second(self) -> float:
        return self.messages / self.seconds


def hammer(steps: list[Step], duration: float) -> Rate:
    """Each step looped on its own thread until ``duration`` has passed, or until its queue
    answers empty (a receive that drained it ends early: the rate is over the time it took)."""
    go = threading.Event()
    started = 0.0
    counts = [0] * len(steps)
    failures = [0] * len(steps)
    first_error: list[str] = []

    def loop(index: int, step: Step) -> None:
        go.wait()
        deadline = started + duration
        while time.perf_counter() < deadline:
            try:
                moved = step()
            except Exception as error:
                failures[index] += 1
                if not first_error:
                    first_error.append(repr(error))
                continue
            if moved == 0:
                return
            counts[index] += moved

    threads = [threading.Thread(target=loop, args=item) for item in enumerate(steps)]
    for thread in threads:
        thread.start()
    started = time.perf_counter()
    go.set()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    return Rate(sum(counts), seconds, sum(failures), first_error[0] if first_error else "")


def throughput(server: str, endpoint: str, kind: str, operation: str, args: Namespace) -> Results:
    key = f"{operation}, {kind}"
    # Clients are made before the clock starts: boto3's are slow to build, and building them is
    # not thread-safe.
    if kind == "boto3":
        members = [aws("sqs", endpoint) for _ in range(args.threads)]
    else:
        members = [RawSqs(endpoint) for _ in range(args.threads)]
    url = create_queue(endpoint, re.sub(r"[^A-Za-z0-9]+", "-", key).strip("-"))
    if operation == RECEIVE:
        send_batches(endpoint, url, int(BACKLOG_PER_SECOND * args.duration), args.threads)
    make = OPERATIONS[operation][CLIENTS.index(kind)]
    rate = hammer([make(member, url) for member in members], args.duration)
    if rate.errors:
        print(f"  {server}: {rate.errors} errors, first: {rate.first_error}")
    if rate.seconds < args.duration * 0.9:
        print(f"  {server}: queue drained in {rate.seconds:.2f} s")
    return {key: rate.per_second}


WRK_BATCH = "send batch (10), wrk"


def wrk_batched_send(server: str, endpoint: str, args: Namespace) -> Results:
    """SendMessageBatch of 10 by wrk (the same signed request over and over): no client cost
    in Python, so the rate is the server's alone."""
    if server in FLOORS:
        url = f"{endpoint}/000000000000/wrk-batch"  # the floors keep no queues
    else:
        url = create_queue(endpoint, "wrk-batch")
    body = json.dumps({"QueueUrl": url, "Entries": batch_entries()})
    headers = signed_headers(endpoint, "SendMessageBatch", body.encode())
    lines = ['wrk.method = "POST"', f"wrk.body = [[{body}]]"]
    lines += [f'wrk.headers["{name}"] = "{value}"' for name, value in headers.items()]
    script = "\n".join(lines) + "\n"
    load = run_wrk_warm(endpoint + "/", script, args.threads, int(args.duration), 2)
    return {WRK_BATCH: load["rps"] * BATCH}


def latency(server: str, endpoint: str) -> Results:
    sqs = aws("sqs", endpoint)
    url = create_queue(endpoint, "bench-latency")

    def send() -> None:
        sqs.send_message(QueueUrl=url, MessageBody=BODY)

    def receive_delete() -> None:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1).get("Messages", [])
        if not messages:
            raise RuntimeError("ReceiveMessage answered no message from a filled queue")
        sqs.delete_message(QueueUrl=url, ReceiptHandle=messages[0]["ReceiptHandle"])

    for _ in range(20):  # warm: connection, botocore's caches; these messages stay queued
        send()
    # Each send leaves a message for one receive + delete pair.
    sends = [timed(send) for _ in range(LATENCY_SAMPLES)]
    pairs = [timed(receive_delete) for _ in range(LATENCY_SAMPLES)]
    figures = [statistics.median(sends), percentile(sends, 0.99)]
    figures += [statistics.median(pairs), percentile(pairs, 0.99)]
    return dict(zip(LATENCY_KEYS, figures, strict=True))


def queue_depth(sqs: Any, url: str) -> int:
    names = [
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed",
    ]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    return sum(int(attributes.get(name, 0)) for name in names)


def await_empty(sqs: Any, url: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while (left := queue_depth(sqs, url)) > 0:
        if time.monotonic() > deadline:
            raise Unavailable(f"mapping left {left} messages in the queue after {seconds:.0f} s")
        time.sleep(0.02)  # the polls are cheap next to what the mapping does meanwhile


def send_batches(endpoint: str, url: str, count: int, threads: int) -> None:
    """``count`` messages in batches of 10 from raw HTTP clients (one thread each): the time
    this takes is the server's."""

    def send(batches: int) -> None:
        step = raw_send_batch(RawSqs(endpoint), url)
        for _ in range(batches):
            step()

    batches = count // BATCH
    shares = [batches // threads + (i < batches % threads) for i in range(threads)]
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(send, shares))


def create_empty_function(endpoint: str, name: str) -> None:
    lam = aws("lambda", endpoint)
    lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=ROLE,
        Handler="handler.handler",
        Code={"ZipFile": package(EMPTY_HANDLER)},
    )
    lam.get_waiter("function_active_v2").wait(FunctionName=name)


def through_lambda(server: str, endpoint: str, args: Namespace) -> Results:
    if server in NO_FUNCTIONS:
        print(f"  {server}: skipped, {NO_FUNCTIONS[server]}")
        return {}
    create_empty_function(endpoint, "drain")
    sqs = aws("sqs", endpoint)
    url = create_queue(endpoint, "bench-lambda")
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    aws("lambda", endpoint).create_event_source_mapping(
        EventSourceArn=arn["QueueArn"], FunctionName="drain", BatchSize=BATCH
    )
    # A first batch through: the poller is running and an environment warm before the clock.
    send_batches(endpoint, url, BATCH, 1)
    await_empty(sqs, url, 60)
    started = time.perf_counter()
    send_batches(endpoint, url, args.messages, args.threads)
    sent = time.perf_counter()
    await_empty(sqs, url, max(60.0, args.messages / 20))
    done = time.perf_counter()
    count = args.messages // BATCH * BATCH
    return dict(zip(LAMBDA_KEYS, (count / (done - started), count / (sent - started)), strict=True))


def cases(args: Namespace) -> list[tuple[str, Case]]:
    listed: list[tuple[str, Case]] = [
        (f"{operation}, {kind}", partial(throughput, kind=kind, operation=operation, args=args))
        for kind in CLIENTS
        for operation in OPERATIONS
    ]
    if shutil.which("wrk"):
        listed.append((WRK_BATCH, partial(wrk_batched_send, args=args)))
    listed.append(("latency", latency))
    listed.append(("SQS -> Lambda", partial(through_lambda, args=args)))
    return listed


def run_case(label: str, case: Case, server: str, endpoint: str) -> Results:
    try:
        return case(server, endpoint)
    except Exception as error:
        # One server's failure costs its figure for this case only, lambdalite's included: the
        # rest of the comparison is still worth printing.
        print(f"  {server}: {label} failed: {error!r}")
        return {}


def start_servers(stack: ExitStack, args: Namespace) -> dict[str, str]:
    servers: dict[str, Callable[[], Any]] = {"lambdalite": lambdalite}
    if not args.skip_ministack:
        servers["ministack"] = ministack
    if not args.skip_localstack:
        servers["localstack"] = localstack
    endpoints = {}
    for name, server in servers.items():
        try:
            endpoints[name] = stack.enter_context(server())
        except Exception as error:
            if name == "lambdalite":
                raise
            print(f"{name} skipped: {error}")  # a peer's failure must not cost the others
    return endpoints


def start_floors(stack: ExitStack) -> dict[str, str]:
    return {name: stack.enter_context(floor(store)) for name, store in FLOORS.items()}


# --- report ----------------------------------------------------------------------------------


def table(title: str, keys: list[str], results: dict[str, Results]) -> None:
    print(f"\n{title}")
    header = f"{'':34}" + "".join(f"{name:>12}" for name in SERVERS)
    print(header + f"{'ll/ministack':>14}{'ll/localstack':>15}")
    for key in keys:
        values = [results.get(name, {}).get(key) for name in SERVERS]
        cells = "".join(f"{v:12.1f}" if v is not None else f"{'-':>12}" for v in values)
        ours = values[0]
        ratios = "".join(
            f"{ours / theirs:{width}.2f}" if ours is not None and theirs else f"{'-':>{width}}"
            for theirs, width in zip(values[1:], (14, 15), strict=True)
        )
        print(f"{key:34}{cells}{ratios}")


def report(results: dict[str, Results], args: Namespace) -> None:
    rates = [f"{operation}, {kind}" for kind in CLIENTS for operation in OPERATIONS] + [WRK_BATCH]
    table(
        f"Throughput, messages/s ({args.threads} threads, {args.duration:g} s each)", rates, results
    )
    table("Latency, ms, one boto3 thread (ratio below 1: lambdalite faster)", LATENCY_KEYS, results)
    table(f"SQS -> Lambda, messages/s ({args.messages} messages)", LAMBDA_KEYS, results)
    ours, theirs = results["lambdalite"], results.get("ministack", {})
    print("\nTARGET lambdalite >= 5x MiniStack batched send, lambdalite durable:")
    for kind in (*CLIENTS, "wrk"):
        key = f"send batch (10), {kind}"
        if key in ours and key in theirs:
            ratio = ours[key] / theirs[key]
            verdict = "met" if ratio >= 5 else "NOT met"
            print(
                f"  {kind:9} {ours[key]:9.0f} vs {theirs[key]:9.0f} msg/s = {ratio:.2f}x  {verdict}"
            )
        else:
            print(f"  {kind:9} not measured on both")
    floors(results)
    print(
        "note: ll = lambdalite. It commits each write to SQLite (WAL, synchronous=NORMAL) before "
        "answering; MiniStack's PERSIST_STATE saves its memory at shutdown only."
    )


def floors(results: dict[str, Results]) -> None:
    rates = {
        name: results.get(name, {}).get(WRK_BATCH) for name in ("lambdalite", "ministack", *FLOORS)
    }
    print(f"\nFLOORS, {WRK_BATCH}, messages/s (bench/sqs_floor_app.py: the least a server does)")
    for name, rate in rates.items():
        print(f"  {name:26}{rate:9.0f}" if rate else f"  {name:26}{'-':>9}")
    pairs = [(name, "ministack") for name in ("lambdalite", *FLOORS)] + [
        ("lambdalite", "floor sqlite")
    ]
    for top, bottom in pairs:
        ours, theirs = rates[top], rates[bottom]
        ratio = f"{ours / theirs:8.2f}x" if ours and theirs else f"{'-':>9}"
        print(f"  {top + ' / ' + bottom:26}{ratio}")


def main() -> None:
    args = arguments()
    with ExitStack() as stack:
        endpoints = start_servers(stack, args)
        extra = start_floors(stack) if shutil.which("wrk") else {}
        results: dict[str, Results] = {name: {} for name in endpoints | extra}
        # Case by case, each on every server in turn: the load of a shared machine drifts, so
        # the figures compared are taken close together. The floors answer wrk's case only.
        for label, case in cases(args):
            targets = endpoints | extra if label == WRK_BATCH else endpoints
            print(f"{label}: {', '.join(targets)}", flush=True)
            for name, endpoint in targets.items():
                results[name] |= run_case(label, case, name, endpoint)
    report(results, args)


if __name__ == "__main__":
    main()
