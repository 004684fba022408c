"""Concurrency accounting: Lambda's reserved and account-wide limits on in-flight invocations.

A function with reserved concurrency R runs at most R invocations at once; every other function
shares what the reservations leave of the account's limit (reference/AWS-BEHAVIOUR.md §5.1).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

FunctionKey = tuple[str, str, str]  # account, region, function name


class Throttled(Exception):
    """No concurrency left: the Invoke API answers 429 TooManyRequestsException."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Concurrency:
    """In-flight invocations per function and per account, against their limits."""

    def __init__(self, account_limit: int) -> None:
        self.account_limit = account_limit
        self._reserved: dict[FunctionKey, int] = {}
        self._in_flight: Counter[FunctionKey] = Counter()

    def reserve(self, function: FunctionKey, reserved: int | None) -> None:
        """Record a function's reserved concurrency (None: it draws on the shared pool)."""
        if reserved is None:
            self._reserved.pop(function, None)
        else:
            self._reserved[function] = reserved

    @contextmanager
    def slot(self, function: FunctionKey) -> Iterator[None]:
        """Hold one unit of concurrency for the duration of an invocation, or raise Throttled."""
        self._check(function)
        self._in_flight[function] += 1
        try:
            yield
        finally:
            self._in_flight[function] -= 1

    def in_flight(self, function: FunctionKey) -> int:
        return self._in_flight[function]

    def _check(self, function: FunctionKey) -> None:
        reserved = self._reserved.get(function)
        if reserved is not None:
            if self._in_flight[function] >= reserved:
                raise Throttled("ReservedFunctionConcurrentInvocationLimitExceeded")
            return
        account = function[0]
        shared = self.account_limit - sum(v for k, v in self._reserved.items() if k[0] == account)
        using = sum(
            n for k, n in self._in_flight.items() if k[0] == account and k not in self._reserved
        )
        if using >= shared:
            raise Throttled("ConcurrentInvocationLimitExceeded")
