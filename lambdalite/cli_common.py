"""What every ``lambdalite`` command shares: failing with one clear line, reading settings."""

from __future__ import annotations

import sys
from typing import Any, NoReturn

import click
from pydantic import ValidationError

from lambdalite.config import Settings


def fail(message: str, code: int = 1) -> NoReturn:
    """One clear line on stderr, and a non-zero exit."""
    click.echo(f"lambdalite: {message}", err=True)
    sys.exit(code)


def settings_from(overrides: dict[str, Any]) -> Settings:
    try:
        return Settings(**overrides)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        fail(f"invalid setting {where}: {first['msg']}")
