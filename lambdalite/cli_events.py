"""``lambdalite events``: asynchronous invocations that failed for good, listed and redriven.

They are read and requeued in the store itself (the data dir's database, or ``--database``), so
this works whether or not a server runs; a running server picks redriven events up within a
second.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import click

from lambdalite.cli_common import fail, settings_from
from lambdalite.services.lambda_ import async_events
from lambdalite.services.lambda_.async_events import AsyncEvent
from lambdalite.store import Store

_STORE_OPTIONS = (
    click.option("--data-dir", type=click.Path(file_okay=False), help="Where state is kept."),
    click.option("--database", help="SQLAlchemy URL, e.g. postgresql://user@host/db."),
    click.option("--function", "function_name", help="Only this function's events."),
)


def _store_options(command: Any) -> Any:
    for option in reversed(_STORE_OPTIONS):
        command = option(command)
    return command


@click.group()
def events() -> None:
    """Asynchronous invocations that failed for good (retries exhausted, too old, throttled
    out), after their destinations and dead-letter queue were told."""


@events.command("list")
@_store_options
@click.option("--json", "as_json", is_flag=True, help="One JSON document per event.")
def list_failed(
    data_dir: str | None, database: str | None, function_name: str | None, as_json: bool
) -> None:
    """List failed asynchronous invocations."""
    for event in _failed(_open(data_dir, database), function_name):
        click.echo(json.dumps(_document(event)) if as_json else _line(event))


@events.command()
@_store_options
@click.option("--all", "everything", is_flag=True, help="Every failed event (of --function).")
@click.argument("ids", nargs=-1, type=int)
def redrive(
    data_dir: str | None,
    database: str | None,
    function_name: str | None,
    everything: bool,
    ids: Sequence[int],
) -> None:
    """Queue failed events (by id, or --all) to run again as new: full retries and age."""
    if not ids and not everything:
        fail("name the events to redrive by id, or pass --all")
    store = _open(data_dir, database)
    chosen = list(ids) or [e.id for e in _failed(store, function_name)]
    now = int(datetime.now(UTC).timestamp() * 1000)
    try:
        count = store.write_sync(lambda conn: async_events.redrive(conn, chosen, now))
    finally:
        store.close()
    click.echo(f"{count} event{'s' if count != 1 else ''} queued again")


def _open(data_dir: str | None, database: str | None) -> Store:
    overrides = {k: v for k, v in {"data_dir": data_dir, "database": database}.items() if v}
    settings = settings_from(overrides)
    if settings.database is None and not (settings.data_dir / "lambdalite.db").exists():
        fail(f"no lambdalite state in {settings.data_dir} (pass --data-dir or --database)")
    try:
        return Store.open(settings.database_url, settings.durability)
    except Exception as error:  # a missing directory, a database that refuses us
        fail(f"cannot open the store at {settings.database_url}: {error}")


def _failed(store: Store, function_name: str | None) -> list[AsyncEvent]:
    found = store.read_sync(async_events.failed)
    return [e for e in found if function_name in (None, e.function)]


def _document(event: AsyncEvent) -> dict[str, Any]:
    failure = event.failure or {}
    return {
        "id": event.id,
        "function": f"{event.account}/{event.region}/{event.function}:{event.qualifier}",
        "request_id": event.request_id,
        "condition": failure.get("condition"),
        "attempts": event.attempts,
        "enqueued": datetime.fromtimestamp(event.enqueued_at / 1000, UTC).isoformat(),
        "payload": event.payload,
    }


def _line(event: AsyncEvent) -> str:
    document = _document(event)
    return (
        f"{document['id']:>6}  {document['function']}  {document['request_id']}  "
        f"{document['condition']} after {document['attempts']} attempt(s)"
    )
