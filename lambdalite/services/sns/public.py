"""The URLs lambdalite serves for SNS itself, unsigned, as AWS serves them: the SubscribeURL and
UnsubscribeURL put in messages (``/_lambdalite/sns/<region>/?Action=ConfirmSubscription&...``,
``...?Action=Unsubscribe&...``, answered in the query protocol as AWS answers them: recorded in
localstack/localstack tests/aws/services/sns/test_sns.snapshot.json,
``test_subscribe_external_http_endpoint``) and the signing certificate at SigningCertURL."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from lambdalite.aws.context import internal_context
from lambdalite.aws.errors import ServiceError
from lambdalite.aws.http import HttpRequest, HttpResponse
from lambdalite.aws.parser import parse_request
from lambdalite.aws.serializer import serialize_error, serialize_response
from lambdalite.aws.specs import ServiceSpec
from lambdalite.services.sns.base import SnsBase
from lambdalite.services.sns.messages import SNS_PATH

Handler = Callable[..., Awaitable[dict[str, Any]]]
# Action -> (the member naming the ARN whose account the request is for, the method)
_ACTIONS = {
    "ConfirmSubscription": ("TopicArn", "confirm_subscription"),
    "Unsubscribe": ("SubscriptionArn", "unsubscribe"),
}


class PublicUrls(SnsBase):
    """GET /_lambdalite/sns/..."""

    async def public_request(self, request: HttpRequest, spec: ServiceSpec) -> HttpResponse:
        rest = request.path[len(SNS_PATH) :]
        if self._envelopes is not None and rest == self.envelopes.signer.certificate_name:
            pem = self.envelopes.signer.certificate_pem
            return HttpResponse(200, [("Content-Type", "application/x-pem-file")], pem)
        action = request.query_value("Action") or ""
        region = rest.rstrip("/")
        if action not in _ACTIONS or not region or "/" in region:
            return HttpResponse(404, [("Content-Type", "text/plain")], b"Not Found\n")
        return await self._action(request, spec, action, region)

    async def _action(
        self, request: HttpRequest, spec: ServiceSpec, action: str, region: str
    ) -> HttpResponse:
        """The action answered as the query API answers it; nobody signed it, so it runs as the
        account its ARN names (in the region of the URL, as AWS's host names one)."""
        member, method = _ACTIONS[action]
        operation = spec.model.operation_model(action)
        ctx = internal_context(self.platform.settings.account_id, region, "sns")
        try:
            params = parse_request("query", operation, request, {})
            ctx = internal_context(self._owner(params.get(member)), region, "sns")
            handler: Handler = getattr(self, method)
            output = await handler(ctx, params, public=True)
        except ServiceError as error:
            return serialize_error("query", spec, error, ctx.request_id)
        return serialize_response("query", spec, operation, output, ctx.request_id)

    def _owner(self, arn: Any) -> str:
        parts = str(arn or "").split(":")
        return parts[4] if len(parts) > 4 and parts[4] else self.platform.settings.account_id
