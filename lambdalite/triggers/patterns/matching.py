"""Matching: :func:`compile_pattern` and :class:`Pattern`. An event is flattened into leaf values
with their array positions; a branch matches when its fields, taken in event-ruler's sorted order,
find values at array-consistent positions (two fields from different elements of one array never
match together) and its ``exists: false`` fields find no consistent value. Sources:
aws/event-ruler's README.md (array consistency, dotted keys), ACFinder.java and NameState.java
(array consistency, ``exists: false``), GenericMachine.java (rule keys sorted with
``Collections.sort``).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from lambdalite.triggers.patterns.compiler import Branch, Compiler
from lambdalite.triggers.patterns.matchers import Field

# Where a leaf value sits: (array id, index) for every array around it.
_Membership = tuple[tuple[int, int], ...]
_Occurrence = tuple[object, _Membership]
_Flat = dict[str, list[_Occurrence]]


def _join(first: _Membership, second: _Membership) -> _Membership | None:
    """Both positions together, None when they are in different elements of one array."""
    if not first:
        return second
    if not second:
        return first
    merged = dict(first)
    for array, index in second:
        if merged.setdefault(array, index) != index:
            return None
    return tuple(merged.items())


class _Flattener:
    """Collects an event's leaf values on the paths a pattern names (event-ruler's Event)."""

    def __init__(self, prefixes: frozenset[str], leaves: frozenset[str]) -> None:
        self.prefixes = prefixes
        self.leaves = leaves
        self.arrays = itertools.count()
        self.found: _Flat = {}

    def mapping(self, node: Mapping[Any, Any], path: str | None, where: _Membership) -> None:
        for key, child in node.items():
            if isinstance(key, str):
                child_path = key if path is None else f"{path}.{key}"
                if child_path in self.prefixes:
                    self.value(child, child_path, where)

    def value(self, node: object, path: str, where: _Membership) -> None:
        if isinstance(node, Mapping):
            self.mapping(node, path, where)
        elif isinstance(node, list | tuple):
            array = next(self.arrays)
            for index, item in enumerate(node):
                self.value(item, path, (*where, (array, index)))
        elif path in self.leaves:
            self.found.setdefault(path, []).append((node, where))


def _satisfied(fields: tuple[Field, ...], at: int, flat: _Flat, where: _Membership) -> bool:
    """Whether fields[at:] match, in order, from positions consistent with ``where``.

    This is ACFinder's walk: a value field takes any consistent value it accepts, and an
    ``exists: false`` field holds when no value is consistent with the positions taken so far
    by the fields sorted before it.
    """
    if at == len(fields):
        return True
    field = fields[at]
    seen = flat.get(field.path, ())
    for value, position in seen:
        if not field.accepts(value):
            continue
        joined = _join(where, position)
        if joined is not None and _satisfied(fields, at + 1, flat, joined):
            return True
    if not field.absent_ok or any(_join(where, position) is not None for _, position in seen):
        return False
    return _satisfied(fields, at + 1, flat, where)


def _java_order(path: str) -> bytes:
    # GenericMachine sorts rule keys with Collections.sort: UTF-16 code unit order.
    return path.encode("utf-16-be", "surrogatepass")


def _prefixes(paths: Iterable[str]) -> frozenset[str]:
    found: set[str] = set()
    for path in paths:
        steps = path.split(".")
        found.update(".".join(steps[: end + 1]) for end in range(len(steps)))
    return frozenset(found)


class Pattern:
    """A compiled event pattern (EventBridge rule, SNS filter policy, Lambda filter).

    Compile once with :func:`compile_pattern`; :meth:`matches` is the hot path: it flattens only
    the parts of the event the pattern names.
    """

    __slots__ = ("_branches", "_leaves", "_prefixes", "source")

    def __init__(self, source: str, branches: Sequence[tuple[Field, ...]]) -> None:
        self.source = source
        self._branches = tuple(branches)
        self._leaves = frozenset(field.path for branch in self._branches for field in branch)
        self._prefixes = _prefixes(self._leaves)

    def __repr__(self) -> str:
        return f"Pattern({self.source!r})"

    @property
    def paths(self) -> frozenset[str]:
        """Every dotted field path the pattern names (``{"a": {"b": [1]}}`` names ``a.b``)."""
        return self._leaves

    def branches(self) -> tuple[Pattern, ...]:
        """One pattern per ``$or`` alternative (the whole pattern when it has no ``$or``)."""
        return tuple(Pattern(self.source, [branch]) for branch in self._branches)

    def matches(self, event: Mapping[str, Any]) -> bool:
        """Whether the event (parsed JSON: mappings, lists, str, int, float, bool, None)
        matches."""
        flattener = _Flattener(self._prefixes, self._leaves)
        if isinstance(event, Mapping):
            flattener.mapping(event, None, ())
        return self._matches_flat(flattener.found)

    def matches_fields(self, fields: Mapping[str, Iterable[Any]]) -> bool:
        """Whether flat fields match: each name (a dotted path) with its values, any of which
        may match. This is SNS's MessageAttributes scope: ``{"color": ["red"], "size": [10]}``
        for String, Number and String.Array attributes (Binary ones left out)."""
        return self.matches({name: list(values) for name, values in fields.items()})

    def _matches_flat(self, flat: _Flat) -> bool:
        return any(_satisfied(branch, 0, flat, ()) for branch in self._branches)


def compile_pattern(pattern: str | Mapping[str, Any]) -> Pattern:
    """Compile an event pattern, given as JSON text or as the parsed JSON object.

    Raises :class:`PatternError` with event-ruler's wording when the pattern is invalid.
    """
    text = pattern if isinstance(pattern, str) else json.dumps(pattern, default=_json_default)
    branches = Compiler(text).compile()
    return Pattern(text, [_sorted(branch) for branch in branches])


def _sorted(branch: Branch) -> tuple[Field, ...]:
    return tuple(branch[path] for path in sorted(branch, key=_java_order))


def _json_default(value: object) -> object:
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, Iterator | set | frozenset):
        return list(value)
    raise TypeError(f"not JSON: {type(value).__name__}")
