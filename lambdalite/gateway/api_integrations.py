"""What a matched route of an HTTP API runs: a Lambda proxy (payload 1.0 or 2.0) or an HTTP
proxy, with HTTP APIs' answers to their failures (api_errors.py).

Lambda: the function's ARN comes from the integration URI (a function ARN, or the
``arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<arn>/invocations`` form); it is
invoked synchronously through the Lambda provider's own Invoke. A function error, a result that
is no valid response or a refused Invoke answer 500; when ``TimeoutInMillis`` passes first the
API answers 503 while the invocation runs on to its own end, as on AWS.

HTTP proxy ("Create HTTP proxy integrations for HTTP APIs", http-api-develop-integrations-
http.html): the request goes to ``IntegrationUri`` with the route's path variables (``{proxy}``,
``{id}``) and stage variables substituted and the query string appended, with the client's
method when ``IntegrationMethod`` is ``ANY``; the answer is relayed as it is.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from lambdalite.aws.context import internal_context
from lambdalite.aws.errors import ServiceError
from lambdalite.aws.http import HttpResponse
from lambdalite.gateway import api_errors, events_v1, responses
from lambdalite.gateway.api_calls import ApiCall
from lambdalite.gateway.api_errors import Answered
from lambdalite.gateway.http_client import UpstreamFailed, UpstreamTimeout, fetch
from lambdalite.gateway.lambda_auth import function_arn
from lambdalite.ids import new_uuid
from lambdalite.services.platform import Platform
from lambdalite.store import Scope

log = logging.getLogger(__name__)

_NOT_FORWARDED = frozenset({"host", "connection", "keep-alive", "te", "trailer", "upgrade"})
_NOT_FORWARDED |= {"transfer-encoding", "content-length", "proxy-connection"}


@dataclass(frozen=True, slots=True)
class InvokeAnswers:
    """What an API answers when a Lambda invocation times out, is refused or fails (HTTP APIs
    and REST APIs word and number these differently)."""

    timed_out: Callable[[], HttpResponse] = api_errors.unavailable
    refused: Callable[[], HttpResponse] = api_errors.internal_error
    failed: Callable[[], HttpResponse] = api_errors.internal_error


HTTP_API_ANSWERS = InvokeAnswers()


class Integrations:
    """Runs integrations for the HTTP API data plane."""

    def __init__(self, platform: Platform) -> None:
        self._platform = platform

    async def run(self, call: ApiCall, integration: dict[str, Any]) -> HttpResponse:
        """The response of ``integration`` to ``call``."""
        kind = integration.get("IntegrationType")
        timeout = int(integration.get("TimeoutInMillis") or 30000) / 1000
        if kind == "AWS_PROXY":
            return await self._lambda(call, integration, timeout)
        if kind == "HTTP_PROXY":
            return await _forward(call, integration, timeout)
        return api_errors.not_supported(f"Integration type {kind}")

    async def _lambda(
        self, call: ApiCall, integration: dict[str, Any], timeout: float
    ) -> HttpResponse:
        version = str(integration.get("PayloadFormatVersion") or "1.0")
        payload = _json(call.event(version))
        arn = function_arn(call.with_stage_variables(str(integration["IntegrationUri"])))
        result = await self.invoke(call.deployed.scope, arn, payload, timeout)
        try:
            if version == "1.0":
                return events_v1.map_response(result)
            return responses.map_response(result)
        except responses.MalformedResponse as malformed:
            log.info("HTTP API %s: %s", call.api_id, malformed)
            return api_errors.internal_error()

    async def invoke(
        self,
        scope: Scope,
        arn: str,
        payload: bytes,
        timeout: float,
        answers: InvokeAnswers = HTTP_API_ANSWERS,
    ) -> bytes:
        """The function's result; Answered with ``answers`` (for HTTP APIs 500 when it failed
        or was refused, 503 when it timed out)."""
        account, region = _owner(arn, scope)
        ctx = internal_context(account, region, "lambda")
        ctx.request_id = new_uuid()  # the function's own aws_request_id
        params = {"FunctionName": arn, "Payload": payload}
        task = asyncio.ensure_future(self._platform.providers["lambda"].invoke(ctx, params))
        task.add_done_callback(_retrieve)
        try:
            answer = await asyncio.wait_for(asyncio.shield(task), timeout)
        except TimeoutError as error:
            raise Answered(answers.timed_out()) from error
        except ServiceError as error:
            log.info("API invoke of %s refused: %s", arn, error.message)
            raise Answered(answers.refused()) from error
        if answer.get("FunctionError"):
            raise Answered(answers.failed())
        return bytes(answer["Payload"])


def _retrieve(task: asyncio.Future[Any]) -> None:
    """Collect the outcome of an invocation the API stopped waiting for (no stray warning)."""
    if not task.cancelled():
        task.exception()


def _owner(arn: str, scope: Scope) -> tuple[str, str]:
    """The account and region of a function ARN (the API's own for a bare name)."""
    parts = arn.split(":")
    if len(parts) >= 5 and parts[0] == "arn":
        return parts[4], parts[3]
    return scope.account, scope.region


def _json(event: dict[str, Any]) -> bytes:
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode()


# --- HTTP proxy ----------------------------------------------------------------------------------


async def _forward(call: ApiCall, integration: dict[str, Any], timeout: float) -> HttpResponse:
    url = target_url(call, str(integration["IntegrationUri"]))
    method = str(integration.get("IntegrationMethod") or "ANY").upper()
    method = call.request.method if method == "ANY" else method
    headers = [(n, v) for n, v in call.inbound.header_pairs if n not in _NOT_FORWARDED]
    try:
        return await fetch(method, url, headers, call.request.body, timeout)
    except UpstreamTimeout as error:
        raise Answered(api_errors.unavailable()) from error
    except UpstreamFailed as failed:
        log.info("HTTP API %s: upstream %s failed: %s", call.api_id, url, failed)
        raise Answered(api_errors.internal_error()) from failed


def target_url(call: ApiCall, uri: str) -> str:
    """The integration URI with path and stage variables in place, plus the query string."""
    url = call.with_stage_variables(uri)
    for name, value in call.path_parameters.items():
        url = url.replace("{" + name + "+}", quote(value, safe="/"))
        url = url.replace("{" + name + "}", quote(value, safe="/"))
    if call.request.query:
        url += ("&" if "?" in url else "?") + call.request.query
    return url
