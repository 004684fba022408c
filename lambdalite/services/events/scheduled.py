"""Scheduled rules firing: each due time delivers the "Scheduled Event" to the rule's targets.

The event (AWS-BEHAVIOUR.md §4.6; aws-recorded 39, localstack's AWS-recorded
test_events_schedule snapshot): ``{version: "0", id, detail-type: "Scheduled Event", source:
"aws.events", account, time, region, resources: [<rule arn>], detail: {}}``, with ``time`` the
due time itself (two ticks of ``rate(1 minute)`` are exactly 60 s apart; a cron tick lands on
its minute: localstack's AWS-validated test_events_schedule.py).
"""

from __future__ import annotations

from typing import Any

from lambdalite.services.events.delivery import DeliveryOperations
from lambdalite.store import Scope
from lambdalite.triggers.schedules import Firing, iso_time


class ScheduledRules(DeliveryOperations):
    async def fire_rule_schedule(self, scope: Scope, key: str, firing: Firing) -> None:
        record = await self.rules.get(scope, key)
        if record is None or record.data.get("State") == "DISABLED":
            return  # deleted or disabled since the firing was claimed
        await self.deliver_to_targets(record.data, scheduled_event(scope, record.data, firing))


def scheduled_event(scope: Scope, rule: dict[str, Any], firing: Firing) -> dict[str, Any]:
    return {
        "version": "0",
        "id": firing.id,  # the same id if the firing is delivered again
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": scope.account,
        "time": iso_time(firing.due),
        "region": scope.region,
        "resources": [rule["Arn"]],
        "detail": {},
    }
