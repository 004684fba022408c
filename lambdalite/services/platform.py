"""The platform every provider works with."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lambdalite.aws.credentials import SessionCredentials
from lambdalite.config import Settings
from lambdalite.links import Links
from lambdalite.runtime.executors.local import ExecutorSettings, LocalExecutor
from lambdalite.services.logs.events import LogEvents
from lambdalite.store import BlobStore, Store


@dataclass(frozen=True, slots=True)
class Platform:
    """What every provider is given: settings, state, and the engines that run code."""

    settings: Settings
    store: Store
    blobs: BlobStore
    links: Links
    sessions: SessionCredentials
    executor: LocalExecutor
    logs: LogEvents
    #: Every provider by service name, once built: how one service's engine reaches another
    #: service's operations (an event source mapping receives from SQS, for one).
    providers: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def build(cls, settings: Settings, store: Store) -> Platform:
        """Everything around an open store (the executor starts no process before start())."""
        sessions = SessionCredentials()
        return cls(
            settings=settings,
            store=store,
            blobs=BlobStore(settings.blob_dir),
            links=Links.for_data_dir(settings.data_dir),
            sessions=sessions,
            executor=LocalExecutor(executor_settings(settings), sessions.issue),
            logs=LogEvents(store),
        )


def executor_settings(settings: Settings) -> ExecutorSettings:
    # Functions reach lambdalite on the loopback even when it listens on every interface.
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::", "") else settings.host
    endpoint = f"http://{host}:{settings.port}"
    if settings.tls:
        # A sandbox sees neither the data dir nor the certificate, so boto3 inside a function
        # could not verify HTTPS: functions keep a plain-HTTP listener on the loopback.
        endpoint = f"http://127.0.0.1:{settings.tls_function_port}"
    return ExecutorSettings(
        endpoint=endpoint,
        keep_alive_s=settings.lambda_keep_alive_seconds,
        account_limit=settings.lambda_concurrency_limit,
        max_spares=settings.lambda_spare_environments,
    )
