"""The ``lambdalite`` command: ``up`` starts the server, ``status`` asks a running one."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import socket
import ssl
import sys
import urllib.error
import urllib.request
from typing import Any

import botocore.session
import click
import uvicorn

from lambdalite import __version__
from lambdalite.cli_common import fail, settings_from
from lambdalite.cli_events import events
from lambdalite.config import AuthMode, Settings
from lambdalite.server import LambdaliteApp
from lambdalite.tls import TlsError, certificate_for

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
@click.option("--tls", is_flag=True, default=None, help="Serve HTTPS instead of HTTP.")
@click.option(
    "--tls-cert",
    "tls_cert_file",
    type=click.Path(dir_okay=False),
    help="PEM certificate for --tls [default: one generated in the data dir].",
)
@click.option("--tls-key", "tls_key_file", type=click.Path(dir_okay=False), help="Its PEM key.")
def up(**options: Any) -> None:
    """Start lambdalite and serve until SIGINT/SIGTERM."""
    settings = settings_from({k: v for k, v in options.items() if v is not None})
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)  # one line per migration is noise
    listener = _listen(settings.host, settings.port)
    settings = settings.model_copy(update={"port": listener.getsockname()[1]})
    settings, plain = _secure(settings) if settings.tls else (settings, None)
    click.echo(f"lambdalite {__version__}: data in {settings.data_dir}", err=True)
    if settings.auth is AuthMode.OFF:
        click.secho(
            "WARNING: --auth off: requests are accepted without checking their signatures.",
            fg="red",
            bold=True,
            err=True,
        )
    server = _Server(_uvicorn_config(settings), plain)
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


def _secure(settings: Settings) -> tuple[Settings, socket.socket]:
    """The certificate to serve (given, or generated once in the data dir), and the plain
    loopback listener for functions, whose sandboxes cannot see the certificate to trust it."""
    regions = [*botocore.session.get_session().get_available_regions("lambda"), settings.region]
    try:
        certificate = certificate_for(
            settings.tls_dir, settings.tls_cert_file, settings.tls_key_file, regions
        )
    except TlsError as error:
        fail(str(error))
    plain = _listen("127.0.0.1", settings.tls_function_port)
    made = "generated, self-signed" if certificate.generated else "given"
    click.echo(f"lambdalite: HTTPS with certificate {certificate.cert_file} ({made})", err=True)
    update = {
        "tls_cert_file": certificate.cert_file,
        "tls_key_file": certificate.key_file,
        "tls_function_port": plain.getsockname()[1],
    }
    return settings.model_copy(update=update), plain


class _Server(uvicorn.Server):
    """uvicorn, plus (with --tls) a plain-HTTP listener on the loopback for functions.

    uvicorn serves every socket it is given with the one SSL context of its config; this one is
    served the same way, without it, once uvicorn's own listeners are up (and closed with them).
    """

    def __init__(self, config: uvicorn.Config, plain: socket.socket | None) -> None:
        super().__init__(config)
        self._plain = plain

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self._plain is None or self.should_exit:
            return
        config, state = self.config, self.server_state

        def protocol() -> asyncio.Protocol:
            made: asyncio.Protocol = config.http_protocol_class(  # type: ignore[call-arg]
                config=config, server_state=state, app_state=self.lifespan.state
            )
            return made

        loop = asyncio.get_running_loop()
        plain = await loop.create_server(protocol, sock=self._plain, backlog=config.backlog)
        self.servers.append(plain)


def _uvicorn_config(settings: Settings) -> uvicorn.Config:
    app = LambdaliteApp(settings, on_ready=lambda: _announce(settings))
    return uvicorn.Config(
        app,
        loop="uvloop",
        http="httptools",
        lifespan="on",
        log_config=None,
        log_level=settings.log_level,
        access_log=False,
        server_header=False,
        # No X-Forwarded-* rewriting: nothing here reads the client address, and the middleware
        # is a layer of awaits on every request.
        proxy_headers=False,
        ssl_certfile=settings.tls_cert_file if settings.tls else None,
        ssl_keyfile=settings.tls_key_file if settings.tls else None,
    )


def _generated(settings: Settings) -> bool:
    """Whether the certificate served is lambdalite's own (self-signed: its own CA bundle)."""
    cert = settings.tls_cert_file
    return settings.tls and cert is not None and cert.parent == settings.tls_dir


def _announce(settings: Settings) -> None:
    """The one line a user copies: endpoint and credentials, in the environment's own terms."""
    click.echo(
        f"lambdalite ready: export AWS_ENDPOINT_URL={settings.endpoint} "
        f"AWS_ACCESS_KEY_ID={settings.access_key_id} "
        f"AWS_SECRET_ACCESS_KEY={settings.secret_access_key} "
        f"AWS_DEFAULT_REGION={settings.region}"
        + (f" AWS_CA_BUNDLE={settings.tls_cert_file}" if _generated(settings) else "")
    )
    sys.stdout.flush()


@main.command()
@click.option("--endpoint", help="URL of the server [default: from LAMBDALITE_HOST/PORT].")
@click.option("--json", "as_json", is_flag=True, help="Print the raw health document.")
def status(endpoint: str | None, as_json: bool) -> None:
    """Show what a running lambdalite serves and what the host offers."""
    settings = settings_from({})
    endpoint = endpoint or settings.endpoint
    health = _fetch_health(endpoint, _trusted(settings))
    if as_json:
        click.echo(json.dumps(health, indent=2))
        return
    for line in _describe(health):
        click.echo(line)


def _trusted(settings: Settings) -> ssl.SSLContext:
    """For an https endpoint: the system's trust store, plus $AWS_CA_BUNDLE and the configured
    or generated certificate, whichever exist (any of them may be what the server presents)."""
    context = ssl.create_default_context()
    generated = settings.tls_dir / "cert.pem"
    for bundle in (os.environ.get("AWS_CA_BUNDLE"), settings.tls_cert_file, generated):
        if bundle and os.path.isfile(bundle):
            context.load_verify_locations(cafile=bundle)
    return context


def _fetch_health(endpoint: str, context: ssl.SSLContext) -> dict[str, Any]:
    url = endpoint.rstrip("/") + "/_lambdalite/health"
    try:
        with urllib.request.urlopen(url, timeout=5, context=context) as response:
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
        *_tls(health.get("tls")),
        f"services   {', '.join(enabled) or 'none'}",
        f"namespaces {', '.join(host['namespaces'])}",
        f"cgroups    {cgroups}",
        f"seccomp    {'available' if host['seccomp'] else 'unavailable'}",
        *_execution(health.get("execution", {})),
        *_async_invocations(health.get("async_invocations", {})),
    ]


def _tls(tls: dict[str, Any] | None) -> list[str]:
    """HTTPS and the certificate clients should trust (servers before --tls report nothing)."""
    if not tls:
        return []
    if not tls["enabled"]:
        return ["tls        off"]
    return [f"tls        on, certificate {tls['certificate']}"]


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
