"""The ``lambdalite`` command: ``up`` starts the server, ``status`` asks a running one."""

from __future__ import annotations

import json
import logging
import signal
import socket
import sys
import urllib.error
import urllib.request
from typing import Any

import click
import uvicorn

from lambdalite import __version__
from lambdalite.cli_common import fail, settings_from
from lambdalite.cli_events import events
from lambdalite.config import AuthMode, Settings
from lambdalite.edge import EdgeProtocol
from lambdalite.server import LambdaliteApp

# uvicorn's exit status when the application failed to start.
STARTUP_FAILURE = 3


@click.group()
@click.version_option(__version__, prog_name="lambdalite")
def main() -> None:
    """Run AWS Lambda applications locally: no Docker, no AWS account."""


@main.command()
@click.option("--host", help="Address to listen on [default: 127.0.0.1].")
@click.option("--port", type=int, help="Port to listen on; 0 picks a free one [default: 4566].")
@click.option("--data-dir", type=click.Path(file_okay=False), help="Where state is kept.")
@click.option("--database", help="SQLAlchemy URL, e.g. postgresql://user@host/db.")
@click.option("--auth", type=click.Choice([m.value for m in AuthMode]), help="Check signatures.")
@click.option("--log-level", type=click.Choice(["debug", "info", "warning", "error"]))
def up(**options: Any) -> None:
    """Start lambdalite and serve until SIGINT/SIGTERM."""
    settings = settings_from({k: v for k, v in options.items() if v is not None})
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)  # one line per migration is noise
    listener = _listen(settings.host, settings.port)
    settings = settings.model_copy(update={"port": listener.getsockname()[1]})
    click.echo(f"lambdalite {__version__}: data in {settings.data_dir}", err=True)
    if settings.auth is AuthMode.OFF:
        click.secho(
            "WARNING: --auth off: requests are accepted without checking their signatures.",
            fg="red",
            bold=True,
            err=True,
        )
    server = uvicorn.Server(_uvicorn_config(settings))
    _exit_cleanly_on_stop_signals()
    server.run(sockets=[listener])
    if not server.started:
        fail("the server failed to start (see the log above)", STARTUP_FAILURE)


def _exit_cleanly_on_stop_signals() -> None:
    """Make SIGINT/SIGTERM end the process with status 0.

    uvicorn handles both with a graceful shutdown, then restores the handlers it found and
    raises the signal again; with the default handlers that would kill the process by the
    signal (or raise KeyboardInterrupt) although the shutdown completed.
    """

    def stop(signum: int, frame: object) -> None:
        sys.exit(0)

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, stop)


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
    except OSError as error:
        listener.close()
        fail(f"cannot listen on {host}:{port}: {error.strerror}")
    listener.listen(2048)
    return listener


def _uvicorn_config(settings: Settings) -> uvicorn.Config:
    app = LambdaliteApp(settings, on_ready=lambda: _announce(settings))
    return uvicorn.Config(
        app,
        loop="uvloop",
        http=EdgeProtocol,
        lifespan="on",
        log_config=None,
        log_level=settings.log_level,
        access_log=False,
        server_header=False,
        # No X-Forwarded-* rewriting: nothing here reads the client address, and the middleware
        # is a layer of awaits on every request.
        proxy_headers=False,
    )


def _announce(settings: Settings) -> None:
    """The one line a user copies: endpoint and credentials, in the environment's own terms."""
    click.echo(
        f"lambdalite ready: export AWS_ENDPOINT_URL={settings.endpoint} "
        f"AWS_ACCESS_KEY_ID={settings.access_key_id} "
        f"AWS_SECRET_ACCESS_KEY={settings.secret_access_key} "
        f"AWS_DEFAULT_REGION={settings.region}"
    )
    sys.stdout.flush()


@main.command()
@click.option("--endpoint", help="URL of the server [default: from LAMBDALITE_HOST/PORT].")
@click.option("--json", "as_json", is_flag=True, help="Print the raw health document.")
def status(endpoint: str | None, as_json: bool) -> None:
    """Show what a running lambdalite serves and what the host offers."""
    endpoint = endpoint or settings_from({}).endpoint
    health = _fetch_health(endpoint)
    if as_json:
        click.echo(json.dumps(health, indent=2))
        return
    for line in _describe(health):
        click.echo(line)


def _fetch_health(endpoint: str) -> dict[str, Any]:
    url = endpoint.rstrip("/") + "/_lambdalite/health"
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            document: dict[str, Any] = json.load(response)
            return document
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        fail(f"no lambdalite answering at {endpoint} ({reason})")


def _describe(health: dict[str, Any]) -> list[str]:
    enabled = [
        f"{name} ({svc['implemented_operations']}/{svc['operations']} operations)"
        for name, svc in health["services"].items()
        if svc["enabled"]
    ]
    host = health["host"]
    cgroups = ", ".join(f"{v}: {'/'.join(c) or '-'}" for v, c in host["cgroup"].items())
    return [
        f"lambdalite {health['version']} at {health['endpoint']}"
        f", up {health['uptime_seconds']:.0f}s",
        f"data dir   {health['data_dir']} (store: {health['store']})",
        f"auth       {health['auth']}",
        f"services   {', '.join(enabled) or 'none'}",
        f"namespaces {', '.join(host['namespaces'])}",
        f"cgroups    {cgroups}",
        f"seccomp    {'available' if host['seccomp'] else 'unavailable'}",
        *_execution(health.get("execution", {})),
        *_async_invocations(health.get("async_invocations", {})),
    ]


def _execution(execution: dict[str, Any]) -> list[str]:
    """Which interpreter runs each Python runtime, and what confines functions (loudly)."""
    lines = []
    for runtime, choice in execution.get("runtimes", {}).items():
        note = f"  WARNING: {choice['warning']}" if choice.get("warning") else ""
        lines.append(f"runtime    {runtime} -> {choice.get('interpreter') or 'none'}{note}")
    protections = execution.get("protections")
    if isinstance(protections, dict):
        # A cgroup limit is the intended mechanism; any other text is a fallback or a gap.
        missing = [f"{name}: {s}" for name, s in protections.items() if s not in (True, "cgroup")]
        applied = [
            name if state is True else f"{name} ({state})"
            for name, state in protections.items()
            if state in (True, "cgroup")
        ]
        lines.append(f"sandbox    {', '.join(applied) or 'nothing'}")
        lines.extend(f"WARNING    sandbox without {item}" for item in missing)
    elif protections:
        lines.append(f"sandbox    {protections}")
    if "environments" in execution:
        spares = execution.get("spare_environments", 0)
        lines.append(f"functions  {execution['environments']} warm environments, {spares} spare")
    return lines


def _async_invocations(status: dict[str, Any]) -> list[str]:
    """Per function, its asynchronous invocations by state."""
    if not status:
        return []
    lines = [f"async      retries after {status['retry_delay_seconds']:g}s, then twice that"]
    for function, states in sorted(status.get("functions", {}).items()):
        counts = ", ".join(f"{count} {state.replace('_', '-')}" for state, count in states.items())
        lines.append(f"  {function}: {counts}")
    return lines


main.add_command(events)
