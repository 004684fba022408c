"""API Gateway's patch operations (the ``patchOperations`` of every Update* operation), as a
table of rules per entity.

A patch path is a JSON pointer whose segments escape ``/`` as ``~1`` and ``~` as ``~0``
(``/binaryMediaTypes/image~1png``). A rule names a path pattern (``{}`` matches one segment),
the ops it allows and how it applies. A request's patches are applied in order to a copy of the
entity; the caller stores the copy only when all of them applied, so nothing is half-applied.

AWS's answers to bad patches, as recorded against AWS in localstack/localstack's
``tests/aws/services/apigateway/test_apigateway_api.snapshot.json``:
- an unknown path: "Invalid patch path /httpMethod" (``null`` for a patch without a path), for
  REST APIs and methods (``PLAIN``);
- a known path with an op it does not take: "Invalid patch operation specified. Must be one
  of: [replace]";
- resources answer in another form (``LISTED``): "Invalid patch path  '/invalid' specified for
  op 'replace'. Must be one of: [/parentId, /pathPart]" (two spaces, AWS's), or "... specified
  for op 'remove'. Please choose supported operations" when no path takes that op.
Entities without a recording (integrations, deployments, API keys, usage plans) answer in the
``PLAIN`` form, which is AWS's most common one; their messages are unverified.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from lambdalite.services.apigateway.errors import BadRequest, NotServed

Params = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Patch:
    """One patch operation; ``args`` are the segments the rule's ``{}`` matched, unescaped."""

    op: str
    path: str | None
    value: str | None
    source: str | None = None  # "from", for move and copy
    args: tuple[str, ...] = ()


Apply = Callable[[Params, Patch], None]
# How an entity answers a patch no rule takes: PLAIN, LISTED, or its own message.
Style = str | Callable[[Patch], Exception]


@dataclass(frozen=True, slots=True)
class Rule:
    """Paths like ``pattern`` take ``ops``, applied by ``apply``."""

    pattern: str
    ops: tuple[str, ...]
    apply: Apply


PLAIN, LISTED = "plain", "listed"


def unescape(segment: str) -> str:
    return segment.replace("~1", "/").replace("~0", "~")


def segments(path: str) -> list[str]:
    """``/a/b~1c`` -> ``["a", "b/c"]``."""
    return [unescape(part) for part in path.split("/")[1:]] if path.startswith("/") else []


def as_bool(value: str | None) -> bool:
    # AWS reads anything but "true" as false: "whatever" turned apiKeyRequired off (recorded).
    return str(value or "").lower() == "true"


def invalid_path(path: str | None) -> BadRequest:
    return BadRequest(f"Invalid patch path {path if path is not None else 'null'}")


def invalid_op(ops: Sequence[str]) -> BadRequest:
    return BadRequest(f"Invalid patch operation specified. Must be one of: [{', '.join(ops)}]")


def read(request: Params) -> list[Patch]:
    """The request's patch operations (the model already checked each ``op``)."""
    return [
        Patch(item.get("op", ""), item.get("path"), item.get("value"), item.get("from"))
        for item in request.get("patchOperations") or []
    ]


def patched(target: Params, patches: list[Patch], rules: Sequence[Rule], style: Style) -> Params:
    """A copy of ``target`` with every patch applied; the first bad one raises."""
    result = copy.deepcopy(target)
    for patch in patches:
        rule, args = _rule_for(patch, rules, style)
        rule.apply(result, Patch(patch.op, patch.path, patch.value, patch.source, args))
    return result


def _rule_for(patch: Patch, rules: Sequence[Rule], style: Style) -> tuple[Rule, tuple[str, ...]]:
    for rule in rules:
        args = _match(rule.pattern, patch.path)
        if args is None:
            continue
        if patch.op in rule.ops:
            return rule, args
        if style == PLAIN:
            raise invalid_op(rule.ops)
        break
    raise _unmatched(patch, rules, style)


def _match(pattern: str, path: str | None) -> tuple[str, ...] | None:
    if path is None or not path.startswith("/"):
        return None
    wanted, given = pattern.split("/")[1:], path.split("/")[1:]
    if len(wanted) != len(given):
        return None
    args: list[str] = []
    for want, part in zip(wanted, given, strict=True):
        if want == "{}" and part:
            args.append(unescape(part))
        elif want != part:
            return None
    return tuple(args)


def _unmatched(patch: Patch, rules: Sequence[Rule], style: Style) -> Exception:
    if callable(style):
        return style(patch)
    if style == PLAIN:
        return invalid_path(patch.path)
    paths = [rule.pattern for rule in rules if patch.op in rule.ops]
    head = f"Invalid patch path  '{patch.path}' specified for op '{patch.op}'."
    if not paths:
        return BadRequest(f"{head} Please choose supported operations")
    return BadRequest(f"{head} Must be one of: [{', '.join(paths)}]")


# --- appliers shared by several entities ---------------------------------------------------


def set_text(member: str) -> Apply:
    """``replace``/``add`` set the member to the value; ``remove`` drops it."""

    def apply(target: Params, patch: Patch) -> None:
        if patch.op == "remove" or patch.value is None:
            target.pop(member, None)
        else:
            target[member] = patch.value

    return apply


def set_bool(member: str) -> Apply:
    def apply(target: Params, patch: Patch) -> None:
        target[member] = as_bool(patch.value)

    return apply


def map_entry(member: str, convert: Callable[[str | None], Any] = lambda v: v) -> Apply:
    """``/member/{key}``: add or replace the entry (its value converted), or remove it."""

    def apply(target: Params, patch: Patch) -> None:
        entries = target.setdefault(member, {})
        if patch.op == "remove":
            entries.pop(patch.args[0], None)
        else:
            entries[patch.args[0]] = convert(patch.value)
        if not entries:
            del target[member]

    return apply


def refuse(what: str) -> Apply:
    """Something the data plane does not serve: 501, loudly."""

    def apply(target: Params, patch: Patch) -> None:
        raise NotServed(f"{what} is not supported by lambdalite (patch path {patch.path}).")

    return apply
