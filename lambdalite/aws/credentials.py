"""The credentials lambdalite knows, by access key id."""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable, Iterable
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


class SessionCredentials:
    """Temporary credentials lambdalite issues itself: a function runs with its role's session,
    so ``sts get-caller-identity`` inside it answers the assumed-role ARN, as on AWS."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._by_key: dict[str, tuple[Credential, float]] = {}

    def issue(
        self, account_id: str, role_arn: str, session: str, lifetime_s: float = 43_200
    ) -> Credential:
        role_name = role_arn.rsplit("/", 1)[-1]
        role_id = "AROA" + hashlib.sha256(role_arn.encode()).hexdigest()[:17].upper()
        access_key_id = "ASIA" + secrets.token_hex(8).upper()
        principal = Principal(
            access_key_id=access_key_id,
            account_id=account_id,
            arn=f"arn:aws:sts::{account_id}:assumed-role/{role_name}/{session}",
            user_id=f"{role_id}:{session}",
        )
        credential = Credential(
            access_key_id, secrets.token_urlsafe(30), principal, secrets.token_urlsafe(96)
        )
        self._by_key[access_key_id] = (credential, self._clock() + lifetime_s)
        return credential

    def lookup(self, access_key_id: str) -> Credential | None:
        found = self._by_key.get(access_key_id)
        if found is None or found[1] < self._clock():
            return None
        return found[0]

    def revoke(self, access_key_id: str) -> None:
        self._by_key.pop(access_key_id, None)


class ChainedCredentials:
    """The first resolver that knows an access key answers for it."""

    def __init__(self, *resolvers: CredentialResolver) -> None:
        self._resolvers = resolvers

    def lookup(self, access_key_id: str) -> Credential | None:
        for resolver in self._resolvers:
            credential = resolver.lookup(access_key_id)
            if credential is not None:
                return credential
        return None
