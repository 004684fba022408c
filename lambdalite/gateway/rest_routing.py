"""Which resource and method of a REST API serve a request path.

API Gateway's precedence ("Set up a proxy integration with a proxy resource", api-gateway-set-
up-simple-proxy.html): a resource with a literal path part beats one with a path variable
(``{id}``), which beats a greedy one (``{proxy+}``), compared part by part from the left. A
greedy variable takes one or more remaining parts. On the chosen resource the request's method
is served, else its ``ANY`` method; neither is REST's 403 "Missing Authentication Token".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

_LITERAL, _VARIABLE, _GREEDY = 0, 1, 2


@dataclass(frozen=True, slots=True)
class Matched:
    """The resource (its deployed record), the method and the path parameters."""

    resource: dict[str, Any]
    method: dict[str, Any]
    path_parameters: dict[str, str]


def match(resources: dict[str, Any], method: str, path: str) -> Matched | None:
    """The resource and method serving ``method path`` (path after the stage), or None."""
    parts = _parts(path)
    best: tuple[tuple[int, ...], dict[str, Any], dict[str, str]] | None = None
    for resource in resources.values():
        found = _match_template(_parts(resource["path"]), parts)
        if found is not None and (best is None or found[0] < best[0]):
            best = (found[0], resource, found[1])
    if best is None:
        return None
    methods = best[1].get("resourceMethods") or {}
    chosen = methods.get(method.upper()) or methods.get("ANY")
    return None if chosen is None else Matched(best[1], chosen, best[2])


def _parts(path: str) -> list[str]:
    """``/a/b`` -> ``["a", "b"]``; ``/`` -> ``[]``; a trailing slash is not a part."""
    stripped = path.strip("/")
    return stripped.split("/") if stripped else []


def _match_template(
    template: list[str], parts: list[str]
) -> tuple[tuple[int, ...], dict[str, str]] | None:
    """The rank (lower wins) and the parameters when ``template`` matches ``parts``."""
    ranks: list[int] = []
    parameters: dict[str, str] = {}
    for index, piece in enumerate(template):
        if piece.startswith("{") and piece.endswith("+}"):
            rest = parts[index:]
            if not rest:
                return None
            parameters[piece[1:-2]] = unquote("/".join(rest))
            return (*ranks, _GREEDY), parameters
        if index >= len(parts):
            return None
        if piece.startswith("{") and piece.endswith("}"):
            parameters[piece[1:-1]] = unquote(parts[index])
            ranks.append(_VARIABLE)
        elif piece == parts[index]:
            ranks.append(_LITERAL)
        else:
            return None
    return (tuple(ranks), parameters) if len(template) == len(parts) else None
