"""Lambda (``REQUEST``) authorizers of HTTP APIs.

"Control access to HTTP APIs with AWS Lambda authorizers" (http-api-lambda-authorizer.html):
- identity sources (``$request.header.<name>``, ``$request.querystring.<name>``,
  ``$stageVariables.<name>``): when one is missing or empty the request is refused with 401
  without invoking the authorizer;
- the authorizer's event is the request in the authorizer's payload format (2.0: ``type``,
  ``routeArn``, ``identitySource`` as a list; 1.0: ``type``, ``methodArn``,
  ``identitySource`` and ``authorizationToken`` as the values joined by ``,``), without a body;
- the answer: with ``EnableSimpleResponses``, ``{"isAuthorized": bool, "context": {...}}``;
  otherwise an IAM policy (``principalId``, ``policyDocument``, ``context``) where a matching
  ``Deny`` wins over an ``Allow`` on ``execute-api:Invoke`` for the route's ARN;
- results are cached for ``AuthorizerResultTtlInSeconds`` keyed by the identity source values
  (the policy is cached and evaluated against each request's ARN);
- denied: 403 ``{"message":"Forbidden"}``; an authorizer that fails or answers nonsense: 500.
"""

from __future__ import annotations

import fnmatch
import json
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from lambdalite.gateway import api_errors
from lambdalite.gateway.api_errors import Answered

_CACHE_LIMIT = 10_000
#: Invokes a function by ARN with a JSON payload and returns its result (Answered on failure).
Invoker = Callable[[str, bytes], Awaitable[bytes]]


@dataclass(frozen=True, slots=True)
class IdentityView:
    """What identity sources may name: headers (lower-case names), query, stage variables."""

    headers: Mapping[str, str]
    query: Mapping[str, str]
    stage_variables: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class AuthorizerCall:
    """One request to authorize: its ARN, the base event, the authorizer's identity values."""

    route_arn: str
    event: dict[str, Any]
    identity: list[str]
    invoke: Invoker


def identity_values(sources: list[str], view: IdentityView) -> list[str] | None:
    """The values of the identity sources, in order; None when one is missing or empty."""
    values: list[str] = []
    for source in sources:
        value = _identity_value(source, view)
        if not value:
            return None
        values.append(value)
    return values


def _identity_value(source: str, view: IdentityView) -> str | None:
    if source.startswith("$request.header."):
        return view.headers.get(source.removeprefix("$request.header.").lower())
    if source.startswith("$request.querystring."):
        return view.query.get(source.removeprefix("$request.querystring."))
    if source.startswith("$stageVariables."):
        return view.stage_variables.get(source.removeprefix("$stageVariables."))
    return None  # $context.* sources are not served: treated as missing (401), never guessed


class LambdaAuthorizers:
    """Runs Lambda authorizers, with AWS's result cache."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._cache: dict[tuple[str, tuple[str, ...]], tuple[float, dict[str, Any]]] = {}

    async def authorize(
        self, authorizer: dict[str, Any], cache_key: str, call: AuthorizerCall
    ) -> dict[str, Any]:
        """The authorizer's ``context`` when it allows the request; else Answered (403/500)."""
        answer = await self._answer(authorizer, cache_key, call)
        simple = bool(authorizer.get("EnableSimpleResponses"))
        allowed = _simple_allows(answer) if simple else _policy_allows(answer, call.route_arn)
        if not allowed:
            raise Answered(api_errors.forbidden())
        context = answer.get("context")
        return dict(context) if isinstance(context, dict) else {}

    async def _answer(
        self, authorizer: dict[str, Any], cache_key: str, call: AuthorizerCall
    ) -> dict[str, Any]:
        ttl = int(authorizer.get("AuthorizerResultTtlInSeconds") or 0)
        key = (cache_key, tuple(call.identity))
        cached = self._cache.get(key)
        if ttl > 0 and cached is not None and cached[0] > self._clock():
            return cached[1]
        payload = json.dumps(_event(authorizer, call), separators=(",", ":")).encode()
        answer = _parsed(await call.invoke(function_arn(authorizer["AuthorizerUri"]), payload))
        if ttl > 0:
            self._remember(key, ttl, answer)
        return answer

    def _remember(self, key: tuple[str, tuple[str, ...]], ttl: int, answer: dict[str, Any]) -> None:
        now = self._clock()
        if len(self._cache) >= _CACHE_LIMIT:  # bounded: expired results go first, then all
            self._cache = {k: v for k, v in self._cache.items() if v[0] > now}
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
        self._cache[key] = (now + ttl, answer)


def function_arn(uri: str) -> str:
    """The function of an ``arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/
    <function-arn>/invocations`` URI (or a plain function ARN, as quick create takes)."""
    if ":lambda:path/" in uri and "/functions/" in uri:
        return uri.split("/functions/", 1)[1].removesuffix("/invocations")
    return uri


def _event(authorizer: dict[str, Any], call: AuthorizerCall) -> dict[str, Any]:
    base = {k: v for k, v in call.event.items() if k not in ("body", "isBase64Encoded", "version")}
    if authorizer.get("AuthorizerPayloadFormatVersion") == "1.0":
        joined = ",".join(call.identity)
        rest = {k: v for k, v in base.items() if not k.startswith("multiValue")}
        head_v1 = {"version": "1.0", "type": "REQUEST", "methodArn": call.route_arn}
        return head_v1 | {"identitySource": joined, "authorizationToken": joined} | rest
    head: dict[str, Any] = {"version": "2.0", "type": "REQUEST", "routeArn": call.route_arn}
    return head | {"identitySource": call.identity} | base


def _parsed(payload: bytes) -> dict[str, Any]:
    try:
        answer = json.loads(payload)
    except ValueError as error:
        raise Answered(api_errors.internal_error()) from error
    if not isinstance(answer, dict):
        raise Answered(api_errors.internal_error())
    return answer


def _simple_allows(answer: dict[str, Any]) -> bool:
    allowed = answer.get("isAuthorized")
    if not isinstance(allowed, bool):
        raise Answered(api_errors.internal_error())  # a simple response must say yes or no
    return allowed


def _policy_allows(answer: dict[str, Any], route_arn: str) -> bool:
    document = answer.get("policyDocument")
    if not isinstance(document, dict):
        raise Answered(api_errors.internal_error())
    statements = document.get("Statement") or []
    statements = [statements] if isinstance(statements, dict) else statements
    effects = {
        str(s.get("Effect"))
        for s in statements
        if isinstance(s, dict) and _covers(s, "Action", "execute-api:Invoke")
        if _covers(s, "Resource", route_arn)
    }
    return "Allow" in effects and "Deny" not in effects


def _covers(statement: dict[str, Any], member: str, value: str) -> bool:
    patterns = statement.get(member) or []
    patterns = [patterns] if isinstance(patterns, str) else patterns
    return any(fnmatch.fnmatchcase(value, str(pattern)) for pattern in patterns)
