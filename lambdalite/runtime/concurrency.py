"""Concurrency accounting: Lambda's provisioned, reserved and account-wide limits on in-flight
invocations (reference/AWS-BEHAVIOUR.md §5.1).

An invocation of a version with provisioned concurrency takes one of its provisioned units
while any is free. Otherwise it runs on demand: a function with reserved concurrency R has
R minus its provisioned units for that (so when they are equal, only the provisioned versions
run: aws-recorded 25); every other function shares what reservations and provisioned units leave
of the account's limit.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

FunctionKey = tuple[str, str, str]  # account, region, function name
VersionKey = tuple[str, str, str, str]  # account, region, function name, version


class Throttled(Exception):
    """No concurrency left: the Invoke API answers 429 TooManyRequestsException."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Concurrency:
    """In-flight invocations per function, version and account, against their limits."""

    def __init__(self, account_limit: int) -> None:
        self.account_limit = account_limit
        self._reserved: dict[FunctionKey, int] = {}
        self._provisioned: dict[VersionKey, int] = {}
        self._on_demand: Counter[FunctionKey] = Counter()
        self._leased: Counter[VersionKey] = Counter()  # provisioned units in use

    def reserve(self, function: FunctionKey, reserved: int | None) -> None:
        """Record a function's reserved concurrency (None: it draws on the shared pool)."""
        if reserved is None:
            self._reserved.pop(function, None)
        else:
            self._reserved[function] = reserved

    def provision(self, function: FunctionKey, version: str, units: int) -> None:
        """Record the provisioned concurrency allocated to a version (0: none)."""
        key = (*function, version)
        if units:
            self._provisioned[key] = units
        else:
            self._provisioned.pop(key, None)

    def forget(self, function: FunctionKey, version: str | None = None) -> None:
        """A function (or one version) was deleted: its reservation and provisioned units go."""
        if version is None:
            self._reserved.pop(function, None)
            for key in [k for k in self._provisioned if k[:3] == function]:
                del self._provisioned[key]
        else:
            self._provisioned.pop((*function, version), None)

    @contextmanager
    def slot(self, function: FunctionKey, version: str) -> Iterator[None]:
        """Hold one unit of concurrency for the duration of an invocation, or raise Throttled."""
        key = (*function, version)
        if self._leased[key] < self._provisioned.get(key, 0):
            with _held(self._leased, key):
                yield
            return
        self._check_on_demand(function)
        with _held(self._on_demand, function):
            yield

    def in_flight(self, function: FunctionKey) -> int:
        leased = sum(n for key, n in self._leased.items() if key[:3] == function)
        return self._on_demand[function] + leased

    def _check_on_demand(self, function: FunctionKey) -> None:
        reserved = self._reserved.get(function)
        if reserved is not None:
            if self._on_demand[function] >= reserved - self._provisioned_units(function):
                raise Throttled("ReservedFunctionConcurrentInvocationLimitExceeded")
            return
        account = function[0]
        using = sum(
            n
            for key, n in self._on_demand.items()
            if key[0] == account and key not in self._reserved
        )
        if using >= self._shared_pool(account):
            raise Throttled("ConcurrentInvocationLimitExceeded")

    def _provisioned_units(self, function: FunctionKey) -> int:
        return sum(n for key, n in self._provisioned.items() if key[:3] == function)

    def _shared_pool(self, account: str) -> int:
        """The account's limit less reservations and the provisioned units of functions
        without one (a reserved function's provisioned units come out of its reservation)."""
        reserved = sum(n for key, n in self._reserved.items() if key[0] == account)
        provisioned = sum(
            n
            for key, n in self._provisioned.items()
            if key[0] == account and key[:3] not in self._reserved
        )
        return self.account_limit - reserved - provisioned


@contextmanager
def _held(counter: Counter[Any], key: tuple[str, ...]) -> Iterator[None]:
    counter[key] += 1
    try:
        yield
    finally:
        counter[key] -= 1
