"""A named resource of one account and region, as the services' ARNs and records address it."""

from __future__ import annotations

from dataclasses import dataclass

from lambdalite.store import Scope


@dataclass(frozen=True, slots=True)
class ScopedName:
    """Account, region and name: where a topic, a queue or a layer is."""

    account: str
    region: str
    name: str

    @property
    def scope(self) -> Scope:
        return Scope(self.account, self.region)

    @property
    def fifo(self) -> bool:
        """FIFO topics and queues are named so (``.fifo``)."""
        return self.name.endswith(".fifo")

    def arn_in(self, service: str) -> str:
        return f"arn:aws:{service}:{self.region}:{self.account}:{self.name}"
