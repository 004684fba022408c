"""Checks AWS makes of route keys, CORS configurations and authorizer settings.

Sourced wordings: "One or more path parts appear to be invalid" (BadRequestException, AWS's
answer quoted in serverless/serverless#10423); "The provided route key "<key>" has a
conflicting variable on the same hierarchical level as "<key>"" (ConflictException, quoted in
plutomi/plutomi#271); "Route with key <key> already exists for this API" (ConflictException,
quoted in anomalyco/sst#5031). Others are marked as unverified where raised.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from lambdalite.services.apigatewayv2.errors import BadRequest, Conflict
from lambdalite.services.apigatewayv2.routing import (
    DEFAULT_ROUTE,
    METHODS,
    Template,
    parse_route_key,
)

# A path part is a literal of URL-safe characters or one {variable}, {greedy+} only last.
_LITERAL_PART = re.compile(r"[A-Za-z0-9._\-:@~!$&'()*+,;=%]+")
_VARIABLE_PART = re.compile(r"\{[A-Za-z0-9._\-]+\+?\}")
_IDENTITY_SOURCE = re.compile(
    r"\$(request\.header\.[^\s,]+|request\.querystring\.[^\s,]+|context\.[A-Za-z0-9._]+"
    r"|stageVariables\.[A-Za-z0-9_]+)"
)
CORS_METHODS = METHODS | {"*"}


def check_route_key(key: str) -> None:
    """``$default`` or ``METHOD /path`` with valid path parts, else BadRequestException."""
    if key == DEFAULT_ROUTE:
        return
    method, _, path = key.partition(" ")
    if method not in METHODS:
        raise BadRequest(f"Invalid route key specified: {key}")  # wording unverified
    if parse_route_key(key) is None or not _valid_path(path):
        raise BadRequest("One or more path parts appear to be invalid")


def _valid_path(path: str) -> bool:
    if path == "/":
        return True
    parts = path[1:].split("/")
    for index, part in enumerate(parts):
        if _VARIABLE_PART.fullmatch(part):
            if part.endswith("+}") and index != len(parts) - 1:
                return False
        elif not _LITERAL_PART.fullmatch(part) or "{" in part or "}" in part:
            return False
    return True


def check_new_route_key(key: str, existing: Iterable[str]) -> None:
    """No duplicate key, and no other variable name where another route has one."""
    for other in existing:
        if other == key:
            raise Conflict(f"Route with key {key} already exists for this API")
        if _conflicting_variables(parse_route_key(key), parse_route_key(other)):
            raise Conflict(
                f'The provided route key "{key}" has a conflicting variable on the same '
                f'hierarchical level as "{other}"'
            )


def _conflicting_variables(one: Template | None, other: Template | None) -> bool:
    """Two paths that agree up to a level where each has a (non-greedy) variable, named
    differently: AWS's resource tree cannot hold both."""
    if one is None or other is None:
        return False
    for mine, theirs in zip(one.segments, other.segments, strict=False):
        if mine == theirs:
            continue
        return mine.kind == theirs.kind == 1 and mine.text != theirs.text
    return False


def check_cors(cors: dict[str, Any]) -> None:
    """The CORS configuration's methods are HTTP methods (or ``*``)."""
    for method in cors.get("AllowMethods") or []:
        if method.upper() not in CORS_METHODS:
            raise BadRequest(f"Invalid CORS method specified: {method}")  # wording unverified


def check_identity_source(sources: list[str]) -> None:
    for source in sources:
        if not _IDENTITY_SOURCE.fullmatch(source):
            # wording unverified
            raise BadRequest(f"Invalid identity source specified: {source}")
