"""A throwaway PostgreSQL server for tests, run from Debian's /usr/lib/postgresql/<N>/bin.

`start_postgres()` runs initdb and postgres in a fresh temp dir, listening on 127.0.0.1 on
a free port only, and returns once the server accepts connections; `PostgresServer.stop()`
shuts down that very process and removes the dir. `postgres_server` is a session fixture
wrapping both: import it into a conftest.py to use it.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

PG_ROOT = Path("/usr/lib/postgresql")
SUPERUSER = "postgres"
START_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0
_PORT_ATTEMPTS = 3


class PostgresUnavailable(RuntimeError):
    """The PostgreSQL server binaries are not installed."""


@dataclass
class PostgresServer:
    """A running server; connect as the trusted superuser "postgres" over TCP."""

    base_dir: Path
    port: int
    process: subprocess.Popen[bytes]
    host: str = "127.0.0.1"

    def url(self, schema: str | None = None) -> str:
        """SQLAlchemy URL of the "postgres" database; with `schema` as the only search_path."""
        url = f"postgresql+psycopg://{SUPERUSER}@{self.host}:{self.port}/postgres"
        return url if schema is None else f"{url}?options=-csearch_path%3D{schema}"

    def create_schema(self) -> str:
        """A new empty schema with a unique name.

        A schema, not a database, isolates a test: CREATE DATABASE takes ~200 ms.
        """
        name = f"test_{uuid.uuid4().hex}"
        self._admin(f'CREATE SCHEMA "{name}"')
        return name

    def drop_schema(self, name: str) -> None:
        self._admin(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')

    def stop(self) -> None:
        """Fast shutdown of our own postmaster (by pid), SIGKILL if it hangs; remove the dir."""
        try:
            # SIGINT is PostgreSQL's "fast" shutdown: SIGTERM ("smart") would wait for every
            # client to disconnect.
            _terminate(self.process, signal.SIGINT)
        finally:
            shutil.rmtree(self.base_dir, ignore_errors=True)

    def log_tail(self, lines: int = 30) -> str:
        log = self.base_dir / "postgres.log"
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])

    def _admin(self, sql: str) -> None:
        conninfo = f"host={self.host} port={self.port} user={SUPERUSER} dbname=postgres"
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(sql.encode())


def find_bin_dir(root: Path = PG_ROOT) -> Path:
    """The bin dir of the newest installed PostgreSQL major version."""
    candidates = [
        path.parent
        for path in root.glob("*/bin/postgres")
        if path.parent.parent.name.isdigit() and (path.parent / "initdb").exists()
    ]
    if not candidates:
        raise PostgresUnavailable(
            f"PostgreSQL server binaries (initdb, postgres) not found under {root}/*/bin: "
            "install the Debian `postgresql` package (apt-get install postgresql)"
        )
    return max(candidates, key=lambda path: int(path.parent.name))


def start_postgres() -> PostgresServer:
    """initdb + postgres in a new temp dir; returns once the server accepts connections."""
    bin_dir = find_bin_dir()
    as_user = _run_as_prefix()
    base_dir = _make_base_dir()
    try:
        _initdb(bin_dir, as_user, base_dir)
        for _ in range(_PORT_ATTEMPTS):
            server = _launch(bin_dir, as_user, base_dir, _free_port())
            if _wait_ready(server):
                return server
            # Exited: most likely another process took the port between our probe and bind.
            if "could not bind" not in server.log_tail():
                raise RuntimeError(f"postgres failed to start:\n{server.log_tail()}")
        raise RuntimeError(f"postgres found no free port:\n{server.log_tail()}")
    except BaseException:
        shutil.rmtree(base_dir, ignore_errors=True)
        raise


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server shared by the session (one per xdist worker)."""
    try:
        server = start_postgres()
    except PostgresUnavailable as exc:
        # Fail, never skip: the PostgreSQL half of the suite must not vanish silently.
        pytest.fail(str(exc), pytrace=False)
    yield server
    server.stop()


def _run_as_prefix() -> list[str]:
    """The command prefix that runs initdb/postgres, which both refuse to run as root."""
    prefix = ["setpriv"]
    if threading.current_thread() is threading.main_thread():
        # If the test process dies without teardown, the server goes with it. (The signal
        # fires when the spawning *thread* exits, hence main thread only.)
        prefix += ["--pdeathsig", "KILL"]
    if os.geteuid() == 0:
        prefix += [f"--reuid={SUPERUSER}", f"--regid={SUPERUSER}", "--init-groups"]
    return [*prefix, "--"]


def _make_base_dir() -> Path:
    # Under /tmp, not pytest's tmp_path: the postgres user must be able to reach it (root's
    # pytest dirs are 0700), and a short path keeps the Unix socket under its length limit.
    base_dir = Path(tempfile.mkdtemp(prefix="lambdalite-pg-", dir="/tmp"))
    if os.geteuid() == 0:
        user = pwd.getpwnam(SUPERUSER)
        os.chown(base_dir, user.pw_uid, user.pw_gid)
    return base_dir


def _initdb(bin_dir: Path, as_user: list[str], base_dir: Path) -> None:
    command = [
        *as_user,
        str(bin_dir / "initdb"),
        f"--pgdata={base_dir / 'data'}",
        f"--username={SUPERUSER}",
        "--auth=trust",
        "--encoding=UTF8",
        "--no-sync",
        *_locale_options(bin_dir),
    ]
    result = subprocess.run(command, cwd=base_dir, capture_output=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"initdb failed:\n{result.stdout.decode()}{result.stderr.decode()}")


def _locale_options(bin_dir: Path) -> list[str]:
    # A natural-language default collation (ICU "en-US" sorts "a-b" after "ab"), like most
    # production servers have: code that relies on byte order without saying so fails here.
    if int(bin_dir.parent.name) >= 15:
        return ["--locale=C", "--locale-provider=icu", "--icu-locale=en-US"]
    return ["--locale=C"]


def _launch(bin_dir: Path, as_user: list[str], base_dir: Path, port: int) -> PostgresServer:
    socket_dir = base_dir / "socket"
    socket_dir.mkdir(exist_ok=True)
    shutil.chown(socket_dir, *_owner(base_dir))
    command = [
        *as_user,
        str(bin_dir / "postgres"),
        "-D",
        str(base_dir / "data"),
        "-h",
        "127.0.0.1",
        "-p",
        str(port),
        "-k",
        str(socket_dir),
        # Durability of the test server itself is irrelevant; speed is not.
        "-c",
        "fsync=off",
        "-c",
        "full_page_writes=off",
    ]
    with open(base_dir / "postgres.log", "ab") as log:
        process = subprocess.Popen(
            command, cwd=base_dir, stdin=subprocess.DEVNULL, stdout=log, stderr=log
        )
    return PostgresServer(base_dir, port, process)


def _wait_ready(server: PostgresServer) -> bool:
    """True once the server accepts connections; False if it exited; raises on timeout."""
    deadline = time.monotonic() + START_TIMEOUT
    conninfo = f"host={server.host} port={server.port} user={SUPERUSER} dbname=postgres"
    while time.monotonic() < deadline:
        try:
            with psycopg.connect(conninfo, connect_timeout=2):
                return True
        except psycopg.OperationalError:
            pass
        # Doubles as the pause between attempts and as the early-exit check.
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.process.wait(timeout=0.05)
            return False
    _terminate(server.process, signal.SIGINT)
    raise TimeoutError(f"postgres not ready after {START_TIMEOUT}s:\n{server.log_tail()}")


def _terminate(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    if process.poll() is not None:
        return
    process.send_signal(sig)
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _owner(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_uid, stat.st_gid
