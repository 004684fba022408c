"""Matchers: one value of the event against one element of a pattern array (exact values, IP
addresses, ``prefix``, ``suffix``, ``equals-ignore-case``, ``wildcard``, ``numeric``, ``cidr``,
``anything-but``, ``exists``), and :class:`Field`, a branch's dotted path with its alternatives.
Sources: aws/event-ruler's README.md (matchers) and JsonRuleCompiler.java (what each element
compiles to); https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html
(operators).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from lambdalite.triggers.patterns.addresses import cidr_bounds, ip_or_none
from lambdalite.triggers.patterns.errors import ArgumentError
from lambdalite.triggers.patterns.numbers import (
    event_number,
    is_number,
    number_text,
    pattern_number,
)
from lambdalite.triggers.patterns.text import (
    glob,
    ignore_case_regex,
    ignore_case_test,
    wildcard_segments,
)


class Matcher:
    """One element of a pattern's value array."""

    __slots__ = ()

    def accepts(self, value: object) -> bool:
        raise NotImplementedError


class Exists(Matcher):
    __slots__ = ()

    def accepts(self, value: object) -> bool:
        return True


class Literal(Matcher):
    """``true``, ``false`` or ``null``."""

    __slots__ = ("literal",)

    def __init__(self, literal: bool | None) -> None:
        self.literal = literal

    def accepts(self, value: object) -> bool:
        return value is self.literal


class Text(Matcher):
    """An exact string."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def accepts(self, value: object) -> bool:
        return isinstance(value, str) and value == self.text


class Address(Matcher):
    """A string that is an IP address: any spelling of the same address matches
    (JsonRuleCompiler turns it into a one-address range, CIDR.ipToRangeIfPossible)."""

    __slots__ = ("address",)

    def __init__(self, address: bytes) -> None:
        self.address = address

    def accepts(self, value: object) -> bool:
        return ip_or_none(value) == self.address


class NumberLiteral(Matcher):
    """A number: numerically equal when both sides are comparable, else the same text."""

    __slots__ = ("number", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        try:
            self.number: Decimal | None = pattern_number(text)
        except ArgumentError:
            self.number = None  # writeRules ignores a number ComparableNumber refuses

    def accepts(self, value: object) -> bool:
        if not is_number(value):
            return False
        number = event_number(value)
        if self.number is not None and number is not None:
            return number == self.number
        return number_text(value) == self.text


class Prefix(Matcher):
    __slots__ = ("prefix",)

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def accepts(self, value: object) -> bool:
        return isinstance(value, str) and value.startswith(self.prefix)


class Suffix(Matcher):
    __slots__ = ("suffix",)

    def __init__(self, suffix: str) -> None:
        self.suffix = suffix

    def accepts(self, value: object) -> bool:
        return isinstance(value, str) and value.endswith(self.suffix)


class IgnoreCase(Matcher):
    """``equals-ignore-case``, alone (``equals``) or inside ``prefix`` / ``suffix``."""

    __slots__ = ("anchor", "regex")

    def __init__(self, text: str, anchor: str = "equals") -> None:
        self.anchor = anchor
        self.regex = ignore_case_regex(text, anchor)

    def accepts(self, value: object) -> bool:
        return isinstance(value, str) and ignore_case_test(self.regex, self.anchor, value)


class Wildcard(Matcher):
    __slots__ = ("pieces",)

    def __init__(self, text: str) -> None:
        self.pieces = wildcard_segments(text)

    def accepts(self, value: object) -> bool:
        return isinstance(value, str) and glob(self.pieces, value)


class NumericRange(Matcher):
    """``numeric`` with ``<``, ``<=``, ``>``, ``>=`` (and ``=`` as a closed one-point range)."""

    __slots__ = ("high", "high_open", "low", "low_open")

    def __init__(self, low: Decimal, low_open: bool, high: Decimal, high_open: bool) -> None:
        self.low, self.low_open, self.high, self.high_open = low, low_open, high, high_open

    def accepts(self, value: object) -> bool:
        number = event_number(value)
        if number is None:
            return False
        above = number > self.low if self.low_open else number >= self.low
        below = number < self.high if self.high_open else number <= self.high
        return above and below


class Cidr(Matcher):
    __slots__ = ("high", "length", "low")

    def __init__(self, text: str) -> None:
        self.length, self.low, self.high = cidr_bounds(text)

    def accepts(self, value: object) -> bool:
        address = ip_or_none(value)
        if address is None or len(address) != self.length:
            return False
        return self.low <= int.from_bytes(address, "big") <= self.high


class AnythingBut(Matcher):
    """``anything-but`` strings or numbers: any value that is not one of them, of any type."""

    __slots__ = ("numbers", "strings")

    def __init__(self, strings: Iterable[str], numbers: Iterable[Decimal]) -> None:
        self.strings = frozenset(strings)
        self.numbers = frozenset(numbers)

    def accepts(self, value: object) -> bool:
        if isinstance(value, str):
            return value not in self.strings
        number = event_number(value)
        return number is None or number not in self.numbers


class AnythingButAny(Matcher):
    """``anything-but`` with ``prefix``, ``suffix``, ``equals-ignore-case`` or ``wildcard``:
    any value none of them matches (non-strings included)."""

    __slots__ = ("excluded",)

    def __init__(self, excluded: Iterable[Matcher]) -> None:
        self.excluded = tuple(excluded)

    def accepts(self, value: object) -> bool:
        return not any(matcher.accepts(value) for matcher in self.excluded)


@dataclass(frozen=True, slots=True)
class _Absent:
    """``{"exists": false}``: not a value matcher, the field matches by being absent."""


ABSENT: Final = _Absent()
Element = Matcher | _Absent


@dataclass(frozen=True, slots=True)
class Field:
    """One field of a branch: its dotted path and the alternatives for it."""

    path: str
    matchers: tuple[Matcher, ...]
    absent_ok: bool

    def accepts(self, value: object) -> bool:
        return any(matcher.accepts(value) for matcher in self.matchers)


def field(path: str, elements: Sequence[Element]) -> Field:
    matchers = tuple(element for element in elements if isinstance(element, Matcher))
    return Field(path, matchers, any(isinstance(element, _Absent) for element in elements))
