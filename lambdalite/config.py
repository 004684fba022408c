"""Settings: the one typed configuration object (environment ``LAMBDALITE_*`` and CLI flags)."""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from lambdalite.store import Durability


class AuthMode(StrEnum):
    ON = "on"
    OFF = "off"


def default_data_dir() -> Path:
    """``$XDG_DATA_HOME/lambdalite``, i.e. ``~/.local/share/lambdalite`` by default."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "lambdalite"


class Settings(BaseSettings):
    """Everything configurable about a lambdalite server.

    Every field can be set as ``LAMBDALITE_<NAME>`` in the environment; ``lambdalite up`` flags
    override the environment.
    """

    model_config = SettingsConfigDict(env_prefix="LAMBDALITE_", frozen=True)

    host: str = "127.0.0.1"
    port: int = Field(4566, ge=0, le=65535)
    data_dir: Path = Field(default_factory=default_data_dir)
    database: str | None = Field(
        None, description="SQLAlchemy URL; default: a SQLite file in the data dir"
    )
    durability: Durability = Durability.NORMAL

    auth: AuthMode = AuthMode.ON
    access_key_id: str = "test"
    secret_access_key: str = "test"
    account_id: str = Field("000000000000", pattern=r"^\d{12}$")
    region: str = Field("us-east-1", description="region of requests that do not sign one")

    lambda_concurrency_limit: int = Field(
        1000, ge=1, description="the account's concurrency (new AWS accounts may start lower)"
    )
    lambda_keep_alive_seconds: float = Field(
        300.0, gt=0, description="how long an idle execution environment is kept warm"
    )
    lambda_spare_environments: int = Field(
        16,
        ge=0,
        description="sandboxes built ahead of cold starts (no function code runs in them)",
    )
    lambda_async_retry_delay_seconds: float = Field(
        60.0,
        gt=0,
        description="wait before retrying a failed asynchronous invocation (twice that before "
        "the second retry); AWS waits about a minute",
    )
    lambda_state_transition_seconds: float = Field(
        0.0, ge=0, description="least time a function stays Pending/InProgress (AWS: ~1 s)"
    )
    schedule_clock_speed: float = Field(
        1.0,
        gt=0,
        description="how many times faster than real time the clock of scheduled rules and "
        "EventBridge Scheduler schedules runs from the server's start (1: the wall clock)",
    )

    max_body_bytes: int = Field(128 * 1024 * 1024, gt=0)
    max_header_bytes: int = Field(64 * 1024, gt=0)
    body_timeout_seconds: float = Field(60.0, gt=0)
    log_level: str = "info"

    tls: bool = Field(False, description="serve HTTPS instead of HTTP, on the same port")
    tls_cert_file: Path | None = Field(
        None, description="PEM certificate (chain); default: one generated in the data dir"
    )
    tls_key_file: Path | None = Field(None, description="PEM private key of tls_cert_file")
    tls_function_port: int = Field(
        0,
        ge=0,
        le=65535,
        description="with tls, the plain-HTTP port on 127.0.0.1 that functions reach lambdalite "
        "on (0: a free one); their runtimes cannot see the certificate to verify it",
    )

    @field_validator("data_dir")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @field_validator("tls_cert_file", "tls_key_file")
    @classmethod
    def _absolute_file(cls, value: Path | None) -> Path | None:
        return None if value is None else value.expanduser().resolve()

    @property
    def database_url(self) -> str:
        return self.database or f"sqlite:///{self.data_dir / 'lambdalite.db'}"

    @property
    def blob_dir(self) -> Path:
        return self.data_dir / "blobs"

    @property
    def endpoint(self) -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://{self.host}:{self.port}"

    @property
    def tls_dir(self) -> Path:
        """Where a generated certificate and its key are kept."""
        return self.data_dir / "tls"
