"""AWS STS: who is calling."""

from __future__ import annotations

from typing import Any

from lambdalite.aws.context import RequestContext
from lambdalite.aws.dispatch import Provider
from lambdalite.services.platform import Platform


class StsProvider(Provider):
    service = "sts"

    def __init__(self, platform: Platform) -> None:
        self.platform = platform

    def get_caller_identity(self, ctx: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
        principal = ctx.principal
        assert principal is not None  # the gateway authenticates before dispatching
        return {"UserId": principal.user_id, "Account": principal.account_id, "Arn": principal.arn}
