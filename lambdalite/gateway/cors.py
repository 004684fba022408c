"""CORS as a Function URL's ``Cors`` configuration answers it.

AWS's "Cross-origin resource sharing (CORS)" (docs.aws.amazon.com/lambda/latest/dg/
urls-configuration.html#urls-cors): the configured ``AllowOrigins``, ``AllowMethods``,
``AllowHeaders``, ``ExposeHeaders``, ``AllowCredentials`` and ``MaxAge`` become the
``Access-Control-*`` headers of every response through the URL, and they take precedence over
CORS headers the function sets itself. Preflight requests (``OPTIONS`` with
``Access-Control-Request-Method``) are answered by the URL without invoking the function.
The header semantics are the Fetch standard's (fetch.spec.whatwg.org, "CORS protocol"): an
origin that is not allowed gets no ``Access-Control-*`` header at all, so the browser refuses.
"""

from __future__ import annotations

from typing import Any

from lambdalite.aws.http import HttpResponse

Cors = dict[str, Any]

_PREFIX = "access-control-"
_SAFELISTED_METHODS = ("GET", "HEAD", "POST")


def is_preflight(cors: Cors | None, method: str, headers: dict[str, str]) -> bool:
    """Whether the URL answers this request itself (only when it has a CORS configuration)."""
    return (
        cors is not None
        and method == "OPTIONS"
        and "origin" in headers
        and "access-control-request-method" in headers
    )


def preflight(cors: Cors, headers: dict[str, str]) -> HttpResponse:
    """The answer to a preflight request: 200, empty, with the configured headers if allowed."""
    origin = headers["origin"]
    requested = headers["access-control-request-method"].strip().upper()
    allowed = _allow_origin(cors, origin)
    if allowed is None or not _method_allowed(cors, requested):
        return HttpResponse(200, [("Vary", "Origin")])
    answer = [("Access-Control-Allow-Origin", allowed), ("Vary", "Origin")]
    answer += _listed("Access-Control-Allow-Methods", cors.get("AllowMethods"))
    answer += _listed("Access-Control-Allow-Headers", cors.get("AllowHeaders"))
    answer += _credentials(cors)
    if cors.get("MaxAge") is not None:
        answer.append(("Access-Control-Max-Age", str(cors["MaxAge"])))
    return HttpResponse(200, answer)


def apply(cors: Cors | None, headers: dict[str, str], response: HttpResponse) -> HttpResponse:
    """``response`` with the configured CORS headers instead of the function's own."""
    if cors is None:
        return response
    kept = [(n, v) for n, v in response.headers if not n.lower().startswith(_PREFIX)]
    allowed = _allow_origin(cors, headers["origin"]) if "origin" in headers else None
    if allowed is not None:
        kept += [("Access-Control-Allow-Origin", allowed), ("Vary", "Origin")]
        kept += _listed("Access-Control-Expose-Headers", cors.get("ExposeHeaders"))
        kept += _credentials(cors)
    response.headers = kept
    return response


def _allow_origin(cors: Cors, origin: str) -> str | None:
    """The ``Access-Control-Allow-Origin`` value for ``origin``, None if it is not allowed.

    ``*`` answers ``*``, except with credentials, which browsers accept only for an echoed
    origin."""
    origins = cors.get("AllowOrigins") or []
    if "*" in origins:
        return origin if cors.get("AllowCredentials") else "*"
    lowered = origin.lower()
    return origin if any(lowered == allowed.lower() for allowed in origins) else None


def _method_allowed(cors: Cors, method: str) -> bool:
    """Listed, ``*``, or CORS-safelisted (which the Fetch standard always lets through)."""
    methods = [m.upper() for m in cors.get("AllowMethods") or []]
    return "*" in methods or method in methods or method in _SAFELISTED_METHODS


def _listed(name: str, values: list[str] | None) -> list[tuple[str, str]]:
    return [(name, ",".join(values))] if values else []


def _credentials(cors: Cors) -> list[tuple[str, str]]:
    return [("Access-Control-Allow-Credentials", "true")] if cors.get("AllowCredentials") else []
