"""Settings: defaults, environment, validation."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from lambdalite.config import AuthMode, Settings


def test_data_dir_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    settings = Settings()
    assert settings.data_dir == tmp_path / "xdg" / "lambdalite"
    assert settings.database_url == f"sqlite:///{tmp_path / 'xdg' / 'lambdalite' / 'lambdalite.db'}"


def test_data_dir_defaults_under_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert Settings().data_dir == tmp_path / ".local" / "share" / "lambdalite"


def test_environment_then_arguments(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAMBDALITE_AUTH", "off")
    monkeypatch.setenv("LAMBDALITE_PORT", "5000")
    settings = Settings(port=6000)
    assert settings.auth is AuthMode.OFF
    assert settings.port == 6000
    assert settings.endpoint == "http://127.0.0.1:6000"


@pytest.mark.parametrize(
    "bad", [{"account_id": "12"}, {"port": 70000}, {"auth": "maybe"}, {"max_body_bytes": 0}]
)
def test_invalid_values_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        Settings(**bad)  # type: ignore[arg-type]
