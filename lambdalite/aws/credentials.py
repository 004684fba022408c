"""The credentials lambdalite knows, by access key id."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from lambdalite.aws.context import Principal


@dataclass(frozen=True, slots=True)
class Credential:
    """A secret and who it belongs to; temporary credentials also carry their session token."""

    access_key_id: str
    secret_access_key: str
    principal: Principal
    session_token: str | None = None


class CredentialResolver(Protocol):
    def lookup(self, access_key_id: str) -> Credential | None: ...


def root_credential(access_key_id: str, secret_access_key: str, account_id: str) -> Credential:
    """The account's root user, as ``sts get-caller-identity`` reports it."""
    principal = Principal(
        access_key_id=access_key_id,
        account_id=account_id,
        arn=f"arn:aws:iam::{account_id}:root",
        user_id=account_id,
    )
    return Credential(access_key_id, secret_access_key, principal)


class StaticCredentials:
    """A fixed set of credentials (the configured root pair; IAM adds users later)."""

    def __init__(self, credentials: Iterable[Credential]) -> None:
        self._by_key = {c.access_key_id: c for c in credentials}

    def lookup(self, access_key_id: str) -> Credential | None:
        return self._by_key.get(access_key_id)
