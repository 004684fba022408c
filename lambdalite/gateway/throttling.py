"""Token buckets: API Gateway's throttling (a steady rate with a burst on top), per whatever
the caller keys them by — a usage plan's key (REST APIs), a stage's route (HTTP APIs)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: float


class TokenBuckets:
    """In memory, per server: limits per second, as API Gateway states them, reset by a
    restart (AWS's counters are not durable either)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}

    def take(self, key: str, rate: float, burst: float) -> bool:
        """Take a token from ``key``'s bucket (refilled at ``rate`` a second up to ``burst``);
        False when it is empty: the request is throttled."""
        now = self._clock()
        bucket = self._buckets.setdefault(key, _Bucket(burst, now))
        bucket.tokens = min(burst, bucket.tokens + (now - bucket.at) * rate)
        bucket.at = now
        if bucket.tokens < 1.0:
            return False
        bucket.tokens -= 1.0
        return True
