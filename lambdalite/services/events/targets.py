"""Targets: PutTargets, RemoveTargets, ListTargetsByRule.

A target must be something lambdalite can deliver to (a function, queue, topic or bus): others
are refused here, loudly, rather than accepted and never delivered. AWS's wording (localstack's
AWS-validated tests): "Only one of Input, InputPath, or InputTransformer must be provided for
target <id>.", "InputTemplate for target <id> contains invalid placeholder <name>.",
"Parameter(s) SqsParameters must be specified for target: <id>."; a rule takes at most five
targets (EventBridge quotas page).
"""

from __future__ import annotations

from typing import Any

from lambdalite.aws.context import RequestContext
from lambdalite.services.events import inputs
from lambdalite.services.events.base import Params
from lambdalite.services.events.errors import LimitExceeded, Validation
from lambdalite.services.events.rules import RuleOperations
from lambdalite.services.events.sending import unsupported_target

MAX_TARGETS = 5


class TargetOperations(RuleOperations):
    async def put_targets(self, ctx: RequestContext, request: Params) -> Params:
        scope = self.scope(ctx)
        rule = await self.existing_rule(scope, request, "Rule")
        targets = request["Targets"]
        for target in targets:
            self._check_target(target)

        def change(data: dict[str, Any] | None) -> dict[str, Any]:
            current = (data or {}).get("Targets", [])
            merged = _merged(current, targets)
            if len(merged) > MAX_TARGETS:
                raise LimitExceeded("The requested resource exceeds the maximum number allowed.")
            return {**(data or {}), "Targets": merged}

        await self.change_rule(scope, rule.key, change)
        return {"FailedEntryCount": 0, "FailedEntries": []}

    def _check_target(self, target: dict[str, Any]) -> None:
        reason = unsupported_target(target["Arn"], self.platform)
        if reason is not None:
            raise Validation(f"Target {target['Id']}: {reason}")
        inputs.check_target(target)
        if target["Arn"].endswith(".fifo") and not (target.get("SqsParameters") or {}).get(
            "MessageGroupId"
        ):
            raise Validation(
                f"Parameter(s) SqsParameters must be specified for target: {target['Id']}."
            )
        dead_letter = (target.get("DeadLetterConfig") or {}).get("Arn")
        if dead_letter and ":sqs:" not in dead_letter:
            raise Validation(f"Target {target['Id']}: a dead-letter queue must be an SQS queue.")

    async def remove_targets(self, ctx: RequestContext, request: Params) -> Params:
        scope = self.scope(ctx)
        rule = await self.existing_rule(scope, request, "Rule")
        gone = set(request["Ids"])

        def change(data: dict[str, Any] | None) -> dict[str, Any]:
            kept = [t for t in (data or {}).get("Targets", []) if t["Id"] not in gone]
            return {**(data or {}), "Targets": kept}

        await self.change_rule(scope, rule.key, change)
        return {"FailedEntryCount": 0, "FailedEntries": []}

    async def list_targets_by_rule(self, ctx: RequestContext, request: Params) -> Params:
        rule = await self.existing_rule(self.scope(ctx), request, "Rule")
        targets = list(rule.data.get("Targets", []))
        token = str(request.get("NextToken") or "0")
        start = int(token) if token.isdigit() else 0
        limit = request.get("Limit") or 100
        page = targets[start : start + limit]
        answer: Params = {"Targets": page}
        if start + limit < len(targets):
            answer["NextToken"] = str(start + limit)
        return answer


def _merged(current: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``current`` with targets of the same Id replaced by ``new`` ones, others appended."""
    by_id = {target["Id"]: target for target in new}
    merged = [by_id.pop(target["Id"], target) for target in current]
    return merged + [target for target in new if target["Id"] in by_id]
