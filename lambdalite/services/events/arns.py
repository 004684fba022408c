"""Names and ARNs of EventBridge resources, and the services a target ARN names."""

from __future__ import annotations

from dataclasses import dataclass

from lambdalite.store import Scope

DEFAULT_BUS = "default"


def bus_arn(scope: Scope, name: str) -> str:
    return f"arn:aws:events:{scope.region}:{scope.account}:event-bus/{name}"


def rule_arn(scope: Scope, bus: str, name: str) -> str:
    """A rule on the default bus is ``rule/<name>``; on another bus ``rule/<bus>/<name>``
    (localstack's AWS-recorded test_events_inputs snapshot, predefined variables)."""
    path = name if bus == DEFAULT_BUS else f"{bus}/{name}"
    return f"arn:aws:events:{scope.region}:{scope.account}:rule/{path}"


def bus_name(name_or_arn: str | None) -> str:
    """EventBusName as a name: the parameter also takes the bus's ARN."""
    if not name_or_arn:
        return DEFAULT_BUS
    if name_or_arn.startswith("arn:") and ":event-bus/" in name_or_arn:
        return name_or_arn.split(":event-bus/", 1)[1]
    return name_or_arn


def rule_key(bus: str, name: str) -> str:
    return f"{bus}/{name}"


@dataclass(frozen=True, slots=True)
class Arn:
    """The parts of an ARN a delivery needs."""

    service: str
    region: str
    account: str
    resource: str

    @classmethod
    def parse(cls, text: str) -> Arn | None:
        parts = text.split(":", 5)
        if len(parts) != 6 or parts[0] != "arn":
            return None
        return cls(parts[2], parts[3], parts[4], parts[5])

    @property
    def scope(self) -> Scope:
        return Scope(self.account, self.region)
