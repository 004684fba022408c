"""Input validation against the model's constraints, worded as AWS (smithy/coral) words it.

``1 validation error detected: Value 'r1' at 'role' failed to satisfy constraint: Member must
satisfy regular expression pattern: ...``. Paths use lower-camel member names joined by dots;
constraints on list members and map keys/values are folded into one message at the collection
(``Member must satisfy constraint: [...]``, ``Map keys must satisfy constraint: [...]``), and a
sensitive value is never echoed (``Value at 'environment.variables' ...``).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import regex
from botocore.model import ListShape, MapShape, Shape, StructureShape

from lambdalite.aws.errors import ValidationException

_NOT_NULL = "Member must not be null"
_FAILED = "failed to satisfy constraint:"
_NUMBERS = ("integer", "long", "float", "double")


def validate_input(
    shape: StructureShape | None, params: dict[str, Any], skip: frozenset[str] = frozenset()
) -> None:
    """Raise :class:`ValidationException` listing every constraint ``params`` violates.

    Top-level members in ``skip`` are left to the provider, where AWS answers a service error
    instead (Lambda's Runtime: InvalidParameterValueException with its own enum list).
    """
    if shape is None:
        return
    errors: list[str] = []
    _check_structure(shape, params, "", errors, skip)
    if errors:
        count = len(errors)
        noun = "error" if count == 1 else "errors"
        raise ValidationException(f"{count} validation {noun} detected: " + "; ".join(errors))


def _check(shape: Shape, value: Any, path: str, errors: list[str]) -> None:
    if isinstance(shape, StructureShape):
        _check_structure(shape, value, path, errors)
    elif isinstance(shape, ListShape):
        _check_list(shape, value, path, errors)
    elif isinstance(shape, MapShape):
        _check_map(shape, value, path, errors)
    else:
        for violation in scalar_violations(shape, value):
            errors.append(_message(shape, value, path, violation))


def _check_structure(
    shape: StructureShape,
    value: Any,
    path: str,
    errors: list[str],
    skip: frozenset[str] = frozenset(),
) -> None:
    if not isinstance(value, dict) or getattr(shape, "is_document_type", False):
        return
    required = shape.required_members
    for name, member in shape.members.items():
        item = value.get(name)
        if name in skip or (item is None and name not in required):
            continue
        member_path = f"{path}.{_camel(name)}" if path else _camel(name)
        if item is None:
            errors.append(f"Value null at '{member_path}' {_FAILED} {_NOT_NULL}")
            continue
        _check(member, item, member_path, errors)


def _check_list(shape: ListShape, value: list[Any], path: str, errors: list[str]) -> None:
    for violation in _length_violations(shape, len(value)):
        errors.append(_message(shape, value, path, violation))
    member = shape.member
    if isinstance(member, StructureShape | ListShape | MapShape):
        for index, item in enumerate(value, 1):
            _check(member, item, f"{path}.{index}.member", errors)
    elif any(item is None or scalar_violations(member, item) for item in value):
        folded = _folded(member)
        errors.append(_message(shape, value, path, f"Member must satisfy constraint: [{folded}]"))


def _check_map(shape: MapShape, value: dict[str, Any], path: str, errors: list[str]) -> None:
    for violation in _length_violations(shape, len(value)):
        errors.append(_message(shape, value, path, violation))
    if any(scalar_violations(shape.key, key) for key in value):
        folded = _folded(shape.key, not_null=False)
        errors.append(_message(shape, value, path, f"Map keys must satisfy constraint: [{folded}]"))
    if isinstance(shape.value, StructureShape | ListShape | MapShape):
        for key, item in value.items():
            _check(shape.value, item, f"{path}.{key}", errors)
    elif any(item is None or scalar_violations(shape.value, item) for item in value.values()):
        folded = _folded(shape.value)
        errors.append(
            _message(shape, value, path, f"Map value must satisfy constraint: [{folded}]")
        )


def scalar_violations(shape: Shape, value: Any) -> list[str]:
    """The constraints of a scalar shape that ``value`` violates, in AWS's wording."""
    metadata = shape.metadata
    violations: list[str] = []
    enum = metadata.get("enum")
    if enum and value not in enum:
        violations.append(f"Member must satisfy enum value set: [{', '.join(enum)}]")
    if shape.type_name in ("string", "blob"):
        violations.extend(_length_violations(shape, len(value)))
    elif shape.type_name in _NUMBERS:
        violations.extend(_range_violations(shape, value))
    pattern = metadata.get("pattern")
    if pattern and isinstance(value, str) and not _matches(pattern, value):
        violations.append(f"Member must satisfy regular expression pattern: {pattern}")
    return violations


def _length_violations(shape: Shape, length: int) -> list[str]:
    return _bound_violations(shape, length, "length")


def _range_violations(shape: Shape, number: float) -> list[str]:
    return _bound_violations(shape, number, "value")


def _bound_violations(shape: Shape, measured: float, measure: str) -> list[str]:
    """``min``/``max`` of a shape: a length for strings, blobs and collections, else a value."""
    metadata = shape.metadata
    violations = []
    if "max" in metadata and measured > metadata["max"]:
        violations.append(_bound(shape, measure, "less", metadata["max"]))
    if "min" in metadata and measured < metadata["min"]:
        violations.append(_bound(shape, measure, "greater", metadata["min"]))
    return violations


def _bound(shape: Shape, measure: str, direction: str, limit: float) -> str:
    # Java prints a bound in the shape's own type: 900 for an integer, 1.0 for a double.
    shown = float(limit) if shape.type_name in ("float", "double") else int(limit)
    return f"Member must have {measure} {direction} than or equal to {shown}"


def _folded(shape: Shape, *, not_null: bool = True) -> str:
    """Every constraint of a collection's member shape, as listed in a folded message.

    List members and map values also list "Member must not be null"; map keys, which cannot
    be null, do not (AWS: "Map keys must satisfy constraint: [Member must satisfy regular
    expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]").
    """
    metadata = shape.metadata
    parts = []
    if metadata.get("enum"):
        parts.append(f"Member must satisfy enum value set: [{', '.join(metadata['enum'])}]")
    measure = "value" if shape.type_name in _NUMBERS else "length"
    if "max" in metadata:
        parts.append(_bound(shape, measure, "less", metadata["max"]))
    if "min" in metadata:
        parts.append(_bound(shape, measure, "greater", metadata["min"]))
    if metadata.get("pattern"):
        parts.append(f"Member must satisfy regular expression pattern: {metadata['pattern']}")
    if not_null:
        parts.append(_NOT_NULL)
    return ", ".join(parts)


def _message(shape: Shape, value: Any, path: str, violation: str) -> str:
    if shape.metadata.get("sensitive"):
        return f"Value at '{path}' failed to satisfy constraint: {violation}"
    return f"Value '{_render(value)}' at '{path}' failed to satisfy constraint: {violation}"


def _render(value: Any) -> str:
    """Java's ``toString`` of a value, as AWS echoes it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_render(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={_render(v)}" for k, v in value.items()) + "}"
    if value is None:
        return "null"
    return str(value)


def _camel(name: str) -> str:
    return name[:1].lower() + name[1:]


#: Values checked against patterns are names, ARNs and URLs that recur from call to call; a
#: ``regex`` full match of one costs several microseconds, a remembered answer a lookup.
_REMEMBERED_VALUE_LENGTH = 512


def _matches(pattern: str, value: str) -> bool:
    if len(value) <= _REMEMBERED_VALUE_LENGTH:
        return _remembered_match(pattern, value)
    return _fullmatch(pattern, value)


def _fullmatch(pattern: str, value: str) -> bool:
    compiled = _compile(pattern)
    return compiled is None or compiled.fullmatch(value) is not None


_remembered_match = lru_cache(maxsize=8192)(_fullmatch)


@lru_cache(maxsize=4096)
def _compile(pattern: str) -> regex.Pattern[str] | None:
    """Model patterns are Java regexes; the ``regex`` module reads nearly all of them.

    A pattern it cannot read is not enforced (there is no way to evaluate it faithfully).
    """
    try:
        return regex.compile(pattern)
    except regex.error:
        return None
