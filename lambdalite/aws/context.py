"""The context of one AWS API request, handed to every provider method."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from lambdalite.ids import new_uuid

if TYPE_CHECKING:
    from botocore.model import OperationModel

    from lambdalite.aws.http import HttpRequest
    from lambdalite.aws.specs import ServiceSpec


@dataclass(frozen=True, slots=True)
class Principal:
    """Who signed the request."""

    access_key_id: str
    account_id: str
    arn: str
    user_id: str


@dataclass(slots=True)
class RequestContext:
    """Account, region, principal and request id of one request, plus what was detected."""

    request: HttpRequest
    request_id: str = field(default_factory=new_uuid)
    service: str = ""
    spec: ServiceSpec | None = None
    operation: OperationModel | None = None
    protocol: str = ""
    region: str = ""
    principal: Principal | None = None

    @property
    def account_id(self) -> str:
        if self.principal is None:
            raise RuntimeError("request was not authenticated")
        return self.principal.account_id

    @property
    def operation_name(self) -> str:
        return self.operation.name if self.operation is not None else ""

    def base_url(self, default: str) -> str:
        """Where the caller reached lambdalite (``scheme://host``), else ``default``: URLs made
        for the caller (queue URLs, SNS's subscribe links) are built on it, so they work."""
        host = self.request.headers.get("host")
        return f"{self.request.scheme}://{host}" if host else default


def internal_context(account_id: str, region: str, service: str) -> RequestContext:
    """The context of work lambdalite does on its own behalf (resuming, provisioning, event
    delivery): the account's root is the principal, no HTTP request stands behind it."""
    from lambdalite.aws.http import HttpRequest

    principal = Principal(account_id, account_id, f"arn:aws:iam::{account_id}:root", account_id)
    return RequestContext(
        HttpRequest("INTERNAL", "/"), service=service, region=region, principal=principal
    )
