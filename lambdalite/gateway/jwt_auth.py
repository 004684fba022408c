"""JWT authorizers of HTTP APIs: validate a bearer token against the issuer's published keys.

The workflow of "Control access to HTTP APIs with JWT authorizers" (http-api-jwt-authorizer.html,
"Authorizing API requests with a JWT authorizer"): take the token from the identity source
(a ``Bearer`` prefix removed); fetch the issuer's JWKS through
``<issuer>/.well-known/openid-configuration`` → ``jwks_uri`` (cached: AWS keeps the keys for
two hours); check the signature with the key named by ``kid`` (RSA algorithms only); check
``iss`` equals the issuer, ``aud`` — or ``client_id`` when there is no ``aud`` — names one of
the configured audiences, ``exp`` is in the future, ``nbf`` and ``iat`` are not; when the
route has scopes, ``scope`` or ``scp`` must hold at least one of them. A bad token is 401 with
a ``www-authenticate`` header saying why (http-api-troubleshooting-jwt.html); a valid token
without the scope is 403 (RFC 6750's ``insufficient_scope``). Claims reach the integration as
strings (numbers in decimal, arrays as ``[a b]``), as AWS flattens them.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from lambdalite.gateway import api_errors
from lambdalite.gateway.api_errors import Answered
from lambdalite.gateway.http_client import UpstreamFailed, UpstreamTimeout, fetch

JWKS_TTL_SECONDS = 7200.0
_FETCH_TIMEOUT = 5.0
_ALGORITHMS = ("RS256", "RS384", "RS512")


@dataclass(frozen=True, slots=True)
class JwtResult:
    """A valid token's claims (flattened to strings) and scopes."""

    claims: dict[str, str]
    scopes: list[str] | None


class JwtVerifier:
    """Validates tokens for every JWT authorizer; one JWKS cache per issuer."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._keys: dict[str, tuple[float, KeySet]] = {}

    async def verify(
        self, configuration: dict[str, Any], route_scopes: list[str], token: str | None
    ) -> JwtResult:
        """The token's claims, or Answered with AWS's 401/403."""
        if not token:
            raise Answered(api_errors.unauthorized())
        token = token[7:] if token[:7].lower() == "bearer " else token
        issuer: str = configuration["Issuer"]
        claims = await self._decode(issuer, token.strip())
        _check_claims(claims, issuer, configuration.get("Audience") or [], self._clock())
        scopes = _scopes(claims)
        if route_scopes and not set(route_scopes) & set(scopes or []):
            raise Answered(api_errors.forbidden())
        return JwtResult({k: flatten(v) for k, v in claims.items()}, scopes)

    async def _decode(self, issuer: str, token: str) -> dict[str, Any]:
        keys = await self._key_set(issuer)
        try:
            decoded = jwt.decode(token, keys, algorithms=list(_ALGORITHMS))
        except (JoseError, ValueError, KeyError, TypeError) as error:
            raise Answered(api_errors.unauthorized(_why(error))) from error
        return dict(decoded.claims)

    async def _key_set(self, issuer: str) -> KeySet:
        cached = self._keys.get(issuer)
        if cached is not None and self._clock() - cached[0] < JWKS_TTL_SECONDS:
            return cached[1]
        try:
            discovery = await _get_json(issuer.rstrip("/") + "/.well-known/openid-configuration")
            keys = KeySet.import_key_set(await _get_json(str(discovery["jwks_uri"])))
        except (UpstreamFailed, UpstreamTimeout, ValueError, KeyError, TypeError, JoseError) as e:
            raise Answered(api_errors.unauthorized("unable to fetch the issuer's keys")) from e
        self._keys[issuer] = (self._clock(), keys)
        return keys


async def _get_json(url: str) -> Any:
    answer = await fetch("GET", url, [("Accept", "application/json")], b"", _FETCH_TIMEOUT)
    if answer.status != 200:
        raise ValueError(f"{url} answered {answer.status}")
    return json.loads(answer.body)


def _why(error: Exception) -> str:
    if "kid" in str(error).lower() or type(error).__name__ == "InvalidKeyIdError":
        return "the token has no valid key id"
    return "the token is not valid"


def _check_claims(claims: dict[str, Any], issuer: str, audiences: list[str], now: float) -> None:
    if claims.get("iss") != issuer:
        raise Answered(api_errors.unauthorized("the token does not have a valid issuer"))
    if not _audience_ok(claims, audiences):
        raise Answered(api_errors.unauthorized("the token does not have a valid audience"))
    exp = claims.get("exp")
    if not isinstance(exp, int | float) or exp <= now:
        raise Answered(api_errors.unauthorized("the token has expired"))
    for name in ("nbf", "iat"):
        value = claims.get(name)
        if value is not None and (not isinstance(value, int | float) or value > now):
            raise Answered(api_errors.unauthorized(f"the token's {name} is in the future"))


def _audience_ok(claims: dict[str, Any], audiences: list[str]) -> bool:
    """``aud`` when present (string or list), else ``client_id``."""
    value = claims.get("aud") if "aud" in claims else claims.get("client_id")
    given = value if isinstance(value, list) else [value]
    return any(isinstance(item, str) and item in audiences for item in given)


def _scopes(claims: dict[str, Any]) -> list[str] | None:
    value = claims.get("scope", claims.get("scp"))
    if isinstance(value, str):
        return value.split()
    if isinstance(value, list):
        return [str(item) for item in value]
    return None


def flatten(value: Any) -> str:
    """A claim as AWS passes it on: strings as they are, arrays as ``[a b]``, others as JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "[" + " ".join(flatten(item) for item in value) + "]"
    return json.dumps(value, separators=(",", ":"))
