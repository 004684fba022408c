"""Which route of an HTTP API serves a request: AWS's precedence, as a pure function.

Source: "Routing API requests" in the API Gateway developer guide
(https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html):
after the stage, "API Gateway selects the route with the most-specific match, using the
following priorities: 1. Full match for a route and method. 2. Match for a route and method
with a greedy path variable ({proxy+}). 3. The $default route." Its example orders
``GET /pets/dog/1`` before ``GET /pets/dog/{id}`` before ``GET /pets/{proxy+}`` before
``ANY /{proxy+}``, and sends ``POST /test/5`` to ``ANY /{proxy+}`` because "the ANY method
matches all methods that you haven't defined for a route". AWS's own local emulator
(aws/aws-lambda-dotnet, Amazon.Lambda.TestTool ``RouteConfigurationParser``) ranks literal
segments before path variables the same way.

So, among the routes whose method is the request's (or ``ANY``) and whose path matches:
routes without a greedy variable win over routes with one; then, segment by segment from the
left, a literal beats ``{param}`` which beats ``{proxy+}``; then an explicit method beats
``ANY``. ``$default`` serves only what nothing else matched.

Matching: literals compare case-sensitively with the URL-decoded segment; ``{param}`` takes one
non-empty segment; ``{proxy+}`` takes the non-empty rest of the path, slashes included (so
``/{proxy+}`` does not match ``/``, as for REST APIs' greedy resources). Values are
URL-decoded ("API Gateway decodes URL-encoded request parameters before passing them to your
backend integration", same page).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

DEFAULT_ROUTE = "$default"
ANY = "ANY"
#: The methods an HTTP API route key may name (CreateRoute's documentation of RouteKey).
METHODS = frozenset({"ANY", "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})

_LITERAL, _PARAM, _GREEDY = 0, 1, 2

Route = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Segment:
    """One part of a route path between slashes."""

    kind: int
    text: str  # the literal, or the variable's name


@dataclass(frozen=True, slots=True)
class Template:
    """A parsed ``METHOD /path`` route key."""

    method: str
    segments: tuple[Segment, ...]

    @property
    def greedy(self) -> bool:
        return bool(self.segments) and self.segments[-1].kind == _GREEDY


def match(routes: Iterable[Route], method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    """The route (a record with a ``RouteKey``) that serves ``method path``, with its path
    parameters; None when no route, not even ``$default``, does."""
    best: tuple[tuple[Any, ...], Route, dict[str, str]] | None = None
    default: Route | None = None
    parts = _request_segments(path)
    for route in routes:
        key = route["RouteKey"]
        if key == DEFAULT_ROUTE:
            default = route
            continue
        found = _match_one(key, method.upper(), parts)
        if found is not None and (best is None or found[0] < best[0]):
            best = (found[0], route, found[1])
    if best is not None:
        return best[1], best[2]
    return (default, {}) if default is not None else None


def _match_one(
    key: str, method: str, parts: list[str]
) -> tuple[tuple[Any, ...], dict[str, str]] | None:
    template = parse_route_key(key)
    if template is None or template.method not in (method, ANY):
        return None
    params = _bind(template.segments, parts)
    if params is None:
        return None
    rank = (template.greedy, tuple(s.kind for s in template.segments), template.method == ANY)
    return rank, params


def _bind(segments: tuple[Segment, ...], parts: list[str]) -> dict[str, str] | None:
    """The path parameters when the request's raw segments fit the template, else None."""
    params: dict[str, str] = {}
    for index, segment in enumerate(segments):
        if segment.kind == _GREEDY:
            rest = "/".join(parts[index:])
            if not rest:
                return None
            params[segment.text] = unquote(rest)
            return params
        if index >= len(parts) or not _fits(segment, unquote(parts[index])):
            return None
        if segment.kind == _PARAM:
            params[segment.text] = unquote(parts[index])
    return params if len(parts) == len(segments) else None


def _fits(segment: Segment, value: str) -> bool:
    return value == segment.text if segment.kind == _LITERAL else value != ""


def _request_segments(path: str) -> list[str]:
    path = path.split("?", 1)[0]
    return path[1:].split("/") if path.startswith("/") else path.split("/")


@functools.lru_cache(maxsize=4096)
def parse_route_key(key: str) -> Template | None:
    """``METHOD /path`` as a template; None for ``$default`` or a malformed key."""
    method, space, path = key.partition(" ")
    if not space or method not in METHODS or not path.startswith("/"):
        return None
    if path == "/":
        return Template(method, (Segment(_LITERAL, ""),))
    segments = tuple(_segment(part) for part in path[1:].split("/"))
    return Template(method, segments)


def _segment(part: str) -> Segment:
    if part.startswith("{") and part.endswith("+}"):
        return Segment(_GREEDY, part[1:-2])
    if part.startswith("{") and part.endswith("}"):
        return Segment(_PARAM, part[1:-1])
    return Segment(_LITERAL, part)
